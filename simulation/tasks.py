"""Units of work: one scenario in one replication, at one projection year or sweep point if there are any.

A task carries everything it needs except the cohort (which every task shares and a cluster receives
once): the scenario, its parameters, the replication's seed sequence and the labels of its point. Tasks
are independent, so they can run anywhere, in any order, and their results are put back in task order.

Seeds: `SeedSequence(seed).spawn(2)` gives one child for drawing a generated cohort and one parent of
the replications, whose `spawn(R)` children are the replications. Replication r therefore has the same
stream whatever R is, and every scenario and point in replication r uses it (common random numbers). A
task's numbers come from its replication's sequence alone, never from the worker that runs it or from
when it finishes, so the output is bit-identical however many workers there are.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.cohort import Cohort
from simulation.interventions import Scenario
from simulation.measures import annex_measures, programme_measures, reoffending_counts
from simulation.model import ReplicationStreams, simulate_replication
from simulation.params import ModelParams

TASK_COLUMNS: tuple[str, ...] = ("replication", "scenario", "measure", "group", "group_value", "value")
"""Columns of a task's result, after the labels of its point."""


def cohort_seed(seed: int) -> np.random.SeedSequence:
    """The stream that draws a generated cohort for `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[0]


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent stream per replication, spawned from `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[1].spawn(replications)


@dataclass(frozen=True)
class Run:
    """One scenario under one set of parameters, at one point (a projection year, a sweep point) if any."""

    scenario: Scenario
    """The scenario (`interventions.BASELINE` for none)."""
    params: ModelParams
    """Parameters it runs under."""
    labels: tuple[tuple[str, Any], ...] = ()
    """Name and value of each label of the point, e.g. (("year", 2008),): leading columns of the results."""


@dataclass(frozen=True)
class SimulationTask:
    """One run in one replication."""

    index: int
    """Position in the run's task list; results are put back in this order."""
    replication: int
    """Replication number, from 0."""
    run: Run
    """What to simulate."""
    sequence: np.random.SeedSequence = field(repr=False)
    """The replication's seed sequence, shared by every run in the replication (common random numbers)."""

    @property
    def key(self) -> str:
        """A name for the task, unique within a run: its index, replication, point labels and scenario."""
        point = "".join(f"-{name}={value}" for name, value in self.run.labels)
        return f"task-{self.index:06d}-r{self.replication}{point}-{self.run.scenario.name}"


def simulation_tasks(runs: list[Run], replications: int, seed: int) -> list[SimulationTask]:
    """Every run in every replication, replication by replication (the order results are assembled in)."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    sequences = replication_seeds(seed, replications)
    tasks: list[SimulationTask] = []
    for r, sequence in enumerate(sequences):
        for run in runs:
            tasks.append(SimulationTask(len(tasks), r, run, sequence))
    return tasks


def run_task(cohort: Cohort, task: SimulationTask) -> pd.DataFrame:
    """Simulate one task. Columns: the point's labels, then `TASK_COLUMNS`."""
    run = task.run
    career = simulate_replication(cohort, run.params, run.scenario, ReplicationStreams(task.sequence, cohort.size))
    table = pd.concat(
        [
            annex_measures(cohort, reoffending_counts(cohort, career, run.params)),
            programme_measures(career.programmes),
        ],
        ignore_index=True,
    )
    table.insert(0, "scenario", run.scenario.name)
    table.insert(0, "replication", task.replication)
    for position, (name, value) in enumerate(run.labels):
        table.insert(position, name, value)
    # The event loop leaves its processes in reference cycles (generators hold the simulation that holds them),
    # which only the cyclic collector frees; left to it, memory grows about 110 MB a replication.
    del career
    gc.collect()
    return table
