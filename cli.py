"""The `safer` command line: parses arguments, calls the `survey` and `simulation` packages, writes files.

No statistics live here. Errors in the input become one readable paragraph and exit code 2;
`--debug` shows the traceback instead. Every file is written to a temporary name and renamed,
so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from simulation.errors import SimulationInputError
from survey.errors import SurveyInputError

app = typer.Typer(
    name="safer",
    help="Community-safety performance statistics: survey indicators with confidence intervals, "
    "and re-offending simulation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
questionnaire_app = typer.Typer(help="List and show the bundled questionnaires.", no_args_is_help=True)
synth_app = typer.Typer(help="Draw synthetic survey data with known truth.", no_args_is_help=True)
check_app = typer.Typer(help="Statistical self-checks (coverage of confidence intervals).", no_args_is_help=True)
simulate_app = typer.Typer(help="Offender-cohort simulation of proven re-offending.", no_args_is_help=True)
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(synth_app, name="synth")
app.add_typer(check_app, name="check")
app.add_typer(simulate_app, name="simulate")

console = Console()
err_console = Console(stderr=True)
_state: dict[str, bool] = {"debug": False}

INPUT_ERRORS: tuple[type[Exception], ...] = (SurveyInputError, SimulationInputError)
T = TypeVar("T")


def tool_version() -> str:
    """Installed version of `safer` (or 'unknown' when run from a bare checkout)."""
    try:
        return version("safer")
    except PackageNotFoundError:
        return "unknown"


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when a command fails."),
) -> None:
    """Community-safety performance statistics for England and Wales."""
    _state["debug"] = debug


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn bad input into a one-paragraph message and exit code 2."""
    try:
        return action()
    except INPUT_ERRORS as exc:
        if _state["debug"]:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if _state["debug"]:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, for provenance."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(command: str, parameters: dict[str, Any], inputs: list[Path]) -> dict[str, Any]:
    """What every output records: tool version, parameters and input hashes."""
    return {
        "tool": "safer",
        "version": tool_version(),
        "command": command,
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()},
        "inputs": {str(p): file_sha256(p) for p in inputs},
    }


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json_atomic(target: Path, payload: dict[str, Any]) -> None:
    """Write JSON through a temporary file."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str))


# ---- survey commands ---------------------------------------------------------------------------------------
# ---- end survey commands -----------------------------------------------------------------------------------

# ---- simulation commands -----------------------------------------------------------------------------------
# ---- end simulation commands -------------------------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
