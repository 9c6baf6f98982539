"""Replications of the baseline and one or more scenarios, as rows per replication.

The runner owns replications; the model (`simulation.model`) owns one. Each (replication, scenario) pair is a
task (`tasks.py`) with its replication's seed sequence, so every scenario in replication r uses the same
random numbers (common random numbers); the scenarios of a replication form a group, reduced together so
that each scenario is compared with the baseline on the same offenders. Tasks run in this process or as
Dask tasks (`distributed.py`) with bit-identical results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import BASELINE, Scenario, policy_params, scenario_params
from simulation.inputs.params import ModelParams
from simulation.measures.costs import UnitCosts
from simulation.runs.checkpoints import TaskStore
from simulation.runs.distributed import GroupDone, execute
from simulation.runs.memory import check_fits
from simulation.runs.tasks import Point, Run, TaskGroup, Vary, cohort_seed, groups_for, replication_seeds

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["cohort_seed", "replication_seeds", "run_groups", "run_replications", "scenario_runs"]

def scenario_runs(
    params: ModelParams,
    scenarios: Scenario | Sequence[Scenario] | None,
    scenario_source: str | Sequence[str] = "scenario",
    labels: tuple = (),
    cohort: object = None,
) -> list[Run]:
    """The baseline and the scenarios, compared on common random numbers.

    A scenario's `parameters` overrides apply to the baseline too, so that the difference isolates the
    interventions and its `policy`; scenarios compared in one run must therefore agree on them.
    """
    chosen = [] if scenarios is None else [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    sources = [scenario_source] * len(chosen) if isinstance(scenario_source, str) else list(scenario_source)
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise SimulationInputError(f"--scenario: each scenario may be given once; repeated: {names}")
    shared = [s.parameter_values() for s in chosen]
    if any(values != shared[0] for values in shared[1:]):
        raise SimulationInputError(
            "--scenario: scenarios compared in one run must have the same 'parameters' overrides (they apply to the "
            "baseline too); put a scenario's own changes under 'policy'"
        )
    base = scenario_params(chosen[0], params, sources[0]) if chosen else params
    for scenario, source in zip(chosen[1:], sources[1:], strict=True):
        scenario_params(scenario, params, source)
    runs = [Run(BASELINE, base, labels, cohort)]  # type: ignore[arg-type]
    runs += [
        Run(scenario, policy_params(scenario, base, source), labels, cohort)  # type: ignore[arg-type]
        for scenario, source in zip(chosen, sources, strict=True)
    ]
    return runs


def run_groups(
    cohort: Cohort | None,
    groups: list[TaskGroup],
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    client: Client | None = None,
) -> pd.DataFrame:
    """Per-replication rows of every group, in group order (on `client` if given: see `distributed.execute`)."""
    tables = execute(cohort, groups, workers, scheduler, client, store=store, on_group_done=on_group_done)
    return pd.concat(tables, ignore_index=True)


def run_replications(
    cohort: Cohort,
    runs: list[Run],
    replications: int | range,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    vary: Vary | None = None,
    unit_costs: UnitCosts | None = None,
) -> pd.DataFrame:
    """Per-replication rows for every run, replication by replication.

    Columns: the runs' point labels (if any), replication, scenario, measure, group, group_value, value,
    mc_variance.
    """
    points: list[Point] = [(runs[0].labels, runs)]
    chosen = range(replications) if isinstance(replications, int) else replications
    check_fits(cohort.size, workers if scheduler is None else 1, replications=len(chosen), scenarios=len(runs) - 1)
    if not len(chosen):
        raise ValueError("replications must be at least 1")
    groups = groups_for(points, chosen, seed, vary, unit_costs)
    return run_groups(cohort, groups, workers, scheduler, store, on_group_done)
