"""Errors raised on bad simulation input; the CLI turns them into exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic only when a spec file is validated, not when the command line starts
    from pydantic import ValidationError


class SimulationInputError(ValueError):
    """Bad scenario, cohort or parameter input: the message names the file, field and reason."""


def field_path(location: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as `interventions[0].rate_ratio.range`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def from_validation_error(source: Path | str, exc: ValidationError) -> SimulationInputError:
    """One readable error naming the file, every failing field and the reason for each."""
    problems = []
    for error in exc.errors():
        reason = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"field '{field_path(tuple(error['loc']))}': {reason}")
    return SimulationInputError(f"{source}: " + "; ".join(problems))
