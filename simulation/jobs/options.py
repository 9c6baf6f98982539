"""Options every simulate command checks the same way: cohort kind, scheduler address, precision, scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulation.errors import SimulationInputError
from simulation.inputs.vocabulary import CohortKind

if TYPE_CHECKING:
    from simulation.inputs.interventions import Scenario

DEFAULT_COHORT_SIZE = 45_000
"""Generated cohort size when none is given: the Annex's adult cohort is typically 40,000-50,000 offenders
(000:713)."""


def cohort_kind(cohort: str) -> CohortKind:
    """`--cohort` checked: adult or youth."""
    if cohort not in ("adult", "youth"):
        raise SimulationInputError(f"--cohort: must be 'adult' or 'youth', not {cohort!r}")
    return "adult" if cohort == "adult" else "youth"


def check_scheduler(scheduler: str | None) -> None:
    """`--scheduler` must look like a Dask scheduler address, and a scheduler must answer there (checked before
    anything is written)."""
    if scheduler is None:
        return
    if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise SimulationInputError(f"--scheduler: expected an address such as tcp://HOST:PORT, not {scheduler!r}")
    from simulation.runs.distributed import check_reachable

    check_reachable(scheduler)


def check_precision(precision: float | None) -> None:
    """`--precision` is a relative half-width strictly between 0 and 1."""
    if precision is not None and not 0 < precision < 1:
        raise SimulationInputError(f"--precision: {precision} must be a relative half-width between 0 and 1")


def load_scenarios(scenario: list[str]) -> tuple[list[Scenario], list[Path]]:
    """Each `--scenario` (a bundled id or a YAML path) loaded, and the files they came from."""
    from simulation.inputs.interventions import load_scenario, scenario_path

    files = [scenario_path(s) for s in scenario]
    return [load_scenario(f) for f in files], files
