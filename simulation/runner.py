"""Replications of the baseline and a scenario, summarised across replications.

The runner owns replications; the model (`model.py`) owns one. Each (replication, scenario) pair is a
task (`tasks.py`) with its replication's seed sequence, so every scenario in replication r uses the same
random numbers (common random numbers), and tasks run in this process or as Dask tasks
(`distributed.py`) with bit-identical results.
"""

from __future__ import annotations

import pandas as pd

from simulation.checkpoints import TaskStore
from simulation.cohort import Cohort, generate_cohort
from simulation.distributed import TaskDone, execute
from simulation.interventions import BASELINE, Scenario, scenario_params
from simulation.measures import summarise
from simulation.memory import check_fits
from simulation.params import ModelParams, default_params
from simulation.tasks import Run, cohort_seed, replication_seeds, simulation_tasks

__all__ = [
    "cohort_seed",
    "replication_seeds",
    "run_baseline_projection",
    "run_replications",
    "run_simulation",
    "scenario_runs",
]


def scenario_runs(params: ModelParams, scenario: Scenario | None, scenario_source: str = "scenario") -> list[Run]:
    """The baseline and (optionally) one scenario; the scenario's parameter overrides apply to its baseline too,
    so that the difference rows isolate the interventions."""
    if scenario is None:
        return [Run(BASELINE, params)]
    scenario_parameters = scenario_params(scenario, params, scenario_source)
    return [Run(BASELINE, scenario_parameters), Run(scenario, scenario_parameters)]


def run_replications(
    cohort: Cohort,
    runs: list[Run],
    replications: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_task_done: TaskDone | None = None,
) -> pd.DataFrame:
    """Per-replication results for every run, replication by replication.

    Columns: the runs' point labels (if any), replication, scenario, measure, group, group_value, value.
    """
    check_fits(cohort.size, workers if scheduler is None else 1)
    tasks = simulation_tasks(runs, replications, seed)
    tables = execute(cohort, tasks, workers, scheduler, store=store, on_task_done=on_task_done)
    return pd.concat(tables, ignore_index=True)


def run_simulation(
    cohort: Cohort,
    params: ModelParams | None = None,
    scenario: Scenario | None = None,
    replications: int = 10,
    seed: int = 2005,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_task_done: TaskDone | None = None,
    scenario_source: str = "scenario",
) -> pd.DataFrame:
    """The baseline and (optionally) one scenario, summarised across replications.

    Columns: scenario, measure, group, group_value, mean, ci_lower, ci_upper, replications. `workers` > 1 or a
    `scheduler` address runs the tasks on Dask; `store` keeps finished tasks for a resume.
    """
    params = params if params is not None else default_params()
    runs = scenario_runs(params, scenario, scenario_source)
    per_replication = run_replications(cohort, runs, replications, seed, workers, scheduler, store, on_task_done)
    return summarise(per_replication)


def run_baseline_projection(seed: int, size: int, replications: int, workers: int = 1) -> pd.DataFrame:
    """A generated adult cohort of `size` under the calibrated defaults, no interventions.

    Same long format as `safer simulate run`.
    """
    cohort = generate_cohort("adult", size, cohort_seed(seed))
    return run_simulation(cohort, default_params(), None, replications, seed, workers)
