"""Units of work: one scenario in one replication at one point (a projection year, a sweep point), and the
group of them that is compared.

A *task* runs one scenario in one replication of one point and returns what every offender did
(`reoffending.OUTCOME_COLUMNS`) and what its programmes did. A *group* is every scenario of one point in one
replication, baseline first: once its tasks are done, `reduce_group` turns their offender-level results into
the rows of the output (each scenario's measures, and each scenario minus the baseline on the same
offenders: that pairing needs both runs, which is why tasks are reduced by group). Groups are independent,
so they run anywhere, in any order, and their rows are put back in group order.

Seeds: `SeedSequence(seed).spawn(2)` gives one child for drawing a generated cohort and one parent of
the replications, whose `spawn(R)` children are the replications. Replication r therefore has the same
stream whatever R is, and every scenario and point in replication r uses it (common random numbers, across
scenarios and across the years of a projection). A task's numbers come from its replication's sequence
alone, never from the worker that runs it or from when it finishes, so the output is bit-identical however
many workers there are.

A point may have its own cohort (a projection year's cohort drifts): it travels as a `CohortRecipe` (spec,
size, seed) and is drawn where the task runs, once per process.
"""

from __future__ import annotations

import dataclasses
import gc
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort, CohortSpec, generate_cohort
from simulation.inputs.interventions import Scenario
from simulation.inputs.params import ModelParams
from simulation.inputs.services import derive_services
from simulation.inputs.vocabulary import CohortKind
from simulation.measures.costs import UnitCosts, add_cost_columns
from simulation.measures.reoffending import offender_outcomes
from simulation.measures.replication_measures import (
    annex_measures,
    difference_measures,
    paired_differences,
    programme_masks,
    programme_measures,
)
from simulation.model import career_draws, streams
from simulation.model.cohort_simulation import simulate_replication
from simulation.model.streams import ReplicationStreams

ROW_COLUMNS: tuple[str, ...] = (
    "replication",
    "scenario",
    "measure",
    "group",
    "group_value",
    "value",
    "mc_variance",
)
"""Columns of a group's rows, after the labels of its point."""
RowFilter = Callable[[pd.DataFrame], Any]
"""Given a group's rows, a boolean mask of those to keep."""


def cohort_seed(seed: int) -> np.random.SeedSequence:
    """The stream that draws a generated cohort for `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[0]


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent stream per replication, spawned from `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[1].spawn(replications)


@dataclass(frozen=True)
class CohortRecipe:
    """A generated cohort as a few numbers and a spec: drawn where it is needed, identically everywhere."""

    kind: CohortKind
    """Adult or youth."""
    size: int
    """Offenders simulated."""
    seed: int
    """Master seed; the cohort is drawn from `cohort_seed(seed)` (the same draws for every year's spec)."""
    spec: CohortSpec
    """The distributions it is drawn from."""
    national_size: int | None = None
    """Size of the real cohort it stands for (scales programme places and national totals)."""
    replication: int | None = None
    """When set, the cohort is drawn afresh for this replication (the same draw for every year and scenario of
    it), so that intervals include the sampling of a cohort of this size; None: one draw for every replication."""

    @property
    def key(self) -> str:
        """Identifies the cohort: equal keys, equal cohorts."""
        return json.dumps([self.kind, self.size, self.seed, self.national_size, self.replication,
                           self.spec.model_dump()], sort_keys=True)

    def sequence(self) -> np.random.SeedSequence:
        """The stream the cohort is drawn from."""
        if self.replication is None:
            return cohort_seed(self.seed)
        return np.random.SeedSequence(self.seed, spawn_key=(COHORT_DRAW_KEY, self.replication))

    def build(self) -> Cohort:
        """The cohort (drawn once per process and kept)."""
        cohort = _COHORTS.get(self.key)
        if cohort is None:
            if len(_COHORTS) >= 64:
                _COHORTS.clear()
            drawn = generate_cohort(self.kind, self.size, self.sequence(), self.spec)
            cohort = _COHORTS[self.key] = Cohort(drawn.kind, drawn.frame, drawn.source, self.national_size)
        return cohort


_COHORTS: dict[str, Cohort] = {}
COHORT_DRAW_KEY = 0xC0
"""Spawn-key prefix of a replication's own cohort draw (distinct from the replications' and the first cohort's)."""


@dataclass(frozen=True)
class Run:
    """One scenario under one set of parameters, at one point (a projection year, a sweep point) if any."""

    scenario: Scenario
    """The scenario (`interventions.BASELINE` for none)."""
    params: ModelParams
    """Parameters it runs under."""
    labels: tuple[tuple[str, Any], ...] = ()
    """Name and value of each label of the point, e.g. (("year", 2008),): leading columns of the results."""
    cohort: CohortRecipe | None = None
    """The point's own cohort; None: the cohort shared by the whole run."""


@dataclass(frozen=True)
class SimulationTask:
    """One run in one replication."""

    index: int
    """Position in the run's task list."""
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


@dataclass(frozen=True)
class TaskGroup:
    """Every run of one point in one replication, the baseline first: reduced together."""

    index: int
    """Position in the run's group list; rows are put back in this order."""
    replication: int
    """Replication number, from 0."""
    labels: tuple[tuple[str, Any], ...]
    """The point's labels."""
    tasks: tuple[SimulationTask, ...]
    """The runs, baseline first."""
    unit_costs: UnitCosts | None = None
    """Unit costs: when given, every run's rows include the cost of crime, custody and probation."""
    year_changes: tuple[int, int] | None = None
    """(first, last) years of a projection whose change is reported on the same offenders."""
    keep: RowFilter | None = None
    """The rows its question reads (a module-level function, so that it travels to any worker): the others are
    dropped where the group is reduced, so the driving process holds only those, however many replications.
    None: every row."""

    @property
    def key(self) -> str:
        """A name for the group, unique within a run."""
        point = "".join(f"-{name}={value}" for name, value in self.labels)
        return f"group-{self.index:06d}-r{self.replication}{point}"


@dataclass(frozen=True)
class RunResult:
    """What one task returns: each offender's outcomes and what the programmes did."""

    scenario: str
    """The scenario's name."""
    outcomes: pd.DataFrame
    """One row per offender, `reoffending.OUTCOME_COLUMNS`."""
    programmes: pd.DataFrame
    """`measures.programme_measures` of the run."""
    masks: dict[tuple[str, str], np.ndarray]
    """Each programme's eligible offenders and participants."""


Point = tuple[tuple[tuple[str, Any], ...], list[Run]]
"""A point's labels and its runs, baseline first."""
Vary = Callable[[int, Run], Run]
"""Gives replication r its own version of a run (assumptions drawn from their ranges)."""


def simulation_tasks(runs: list[Run], replications: int, seed: int) -> list[SimulationTask]:
    """Every run in every replication, replication by replication."""
    return [task for group in simulation_groups([((), runs)], replications, seed) for task in group.tasks]


def simulation_groups(
    points: list[Point],
    replications: int,
    seed: int,
    vary: Vary | None = None,
    unit_costs: UnitCosts | None = None,
    year_changes: tuple[int, int] | None = None,
) -> list[TaskGroup]:
    """One group per (replication, point), replication by replication (the order rows are assembled in). A point's
    runs may carry labels of their own (a projection's years): they are reduced point by point within the group."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    return groups_for(points, range(replications), seed, vary, unit_costs, year_changes)


def groups_for(
    points: list[Point],
    replications: range,
    seed: int,
    vary: Vary | None = None,
    unit_costs: UnitCosts | None = None,
    year_changes: tuple[int, int] | None = None,
    cohort_per_replication: bool = False,
    keep: RowFilter | None = None,
) -> list[TaskGroup]:
    """Groups for the given replication numbers (a later batch of `--precision` continues the numbering).

    `cohort_per_replication`: runs with a cohort recipe draw their cohort afresh for each replication; `keep`: the
    rows the question reads (`TaskGroup.keep`)."""
    sequences = replication_seeds(seed, replications.stop)
    runs_per_replication = sum(len(runs) for _, runs in points)
    groups: list[TaskGroup] = []
    for r in replications:
        index = r * runs_per_replication
        for position, (labels, runs) in enumerate(points):
            tasks = []
            for run in runs:
                chosen = vary(r, run) if vary is not None else run
                if cohort_per_replication and chosen.cohort is not None:
                    chosen = dataclasses.replace(chosen, cohort=dataclasses.replace(chosen.cohort, replication=r))
                tasks.append(SimulationTask(index, r, chosen, sequences[r]))
                index += 1
            groups.append(TaskGroup(r * len(points) + position, r, labels, tuple(tasks), unit_costs, year_changes,
                                    keep))
    return groups


def cohort_of(shared: Cohort | None, run: Run) -> Cohort:
    """The cohort a run simulates: its point's own, or the shared one."""
    if run.cohort is not None:
        return run.cohort.build()
    if shared is None:
        raise ValueError("a run without its own cohort needs the shared cohort")
    return shared


def run_task(cohort: Cohort | None, task: SimulationTask) -> RunResult:
    """Simulate one task."""
    run = task.run
    # What this process kept of earlier replications can serve no run of this one: let it go before this one's
    # numbers are drawn, so that a run of many replications holds one replication's worth at its peak.
    streams.BLOCKS.keep_only(task.sequence)
    career_draws.keep_only(task.sequence)
    chosen = cohort_of(cohort, run)
    scenario = derive_services(run.scenario, chosen)  # places and outside referrals for this cohort
    career = simulate_replication(chosen, run.params, scenario, ReplicationStreams(task.sequence, chosen.size))
    result = RunResult(
        scenario=run.scenario.name,
        outcomes=offender_outcomes(chosen, career, run.params),
        programmes=programme_measures(career.programmes),
        masks=programme_masks(career.programmes, chosen.size),
    )
    # The event loop leaves its processes in reference cycles (generators hold the simulation that holds them),
    # which only the cyclic collector frees; left to it, memory grows about 110 MB a replication.
    del career
    gc.collect(1)  # the run's cycles are young: a full collection would walk the whole heap every task
    return result


def reduce_group(cohort: Cohort | None, group: TaskGroup, *results: RunResult) -> pd.DataFrame:
    """The rows of one group: for each point in it (the runs sharing their labels, baseline first), each run's
    measures (by group, and for each programme its eligible offenders and participants), its programme
    statistics, and each scenario minus the baseline and its percentage change on the same offenders; and, when
    the group asks for them (`year_changes`), each scenario's change between two years of a projection on the same
    offenders (common random numbers). Columns: the point's labels, then `ROW_COLUMNS`."""
    by_point: dict[tuple, list[tuple[SimulationTask, RunResult]]] = {}
    for task, result in zip(group.tasks, results, strict=True):
        by_point.setdefault(task.run.labels, []).append((task, result))
    tables = []
    kept: dict[tuple, dict[str, tuple[Cohort, RunResult]]] = {}
    for labels, members in by_point.items():
        chosen = cohort_of(cohort, members[0][0].run)
        if members[0][1].scenario != "baseline":
            raise ValueError(f"the first run of point {labels} must be the baseline")
        runs = [
            (task, dataclasses.replace(result, outcomes=add_cost_columns(result.outcomes, chosen.frame,
                                                                         task.run.params, group.unit_costs)))
            if group.unit_costs is not None else (task, result)
            for task, result in members
        ]
        frames = []
        base = runs[0][1]
        for _, result in runs:
            levels = annex_measures(chosen, result.outcomes, result.masks)
            programmes = result.programmes.assign(mc_variance=np.nan)
            frames.append(pd.concat([levels, programmes], ignore_index=True).assign(scenario=result.scenario))
        for _, result in runs[1:]:
            differences = difference_measures(chosen, base.outcomes, result.outcomes, result.masks)
            differences["scenario"] = result.scenario + " " + differences.pop("kind")
            frames.append(differences)
        table = pd.concat(frames, ignore_index=True)
        for name, value in reversed(labels):
            table.insert(0, name, value)
        tables.append(table)
        kept[labels] = {result.scenario: (chosen, result) for _, result in runs}
    if group.year_changes is not None:
        tables.append(_year_changes(kept, group.year_changes))
    table = pd.concat(tables, ignore_index=True)
    table["value"] = table["value"].astype(float)
    table["mc_variance"] = table["mc_variance"].astype(float)
    table["replication"] = group.replication
    names = [name for name, _ in next(iter(by_point))]
    table = table[[*names, *ROW_COLUMNS]]
    if group.keep is not None:
        table = table[group.keep(table)].reset_index(drop=True)
    return table


CHANGE_MEASURES = ("frequency_per_100", "binary_rate_percent", "serious_per_100")
"""Measures whose change between two projection years is reported on the same offenders (for the A.38 test)."""


def change_measure(measure: str, first: int, last: int) -> str:
    """Name of the row holding a measure's change from year `first` to year `last`."""
    return f"{measure} change {first}-{last}"


def _year_changes(kept: dict[tuple, dict[str, tuple[Cohort, RunResult]]], years: tuple[int, int]) -> pd.DataFrame:
    """Each scenario's value in the last year minus the baseline's in the first, offender by offender."""
    first, last = years
    rows = []
    for labels, runs in kept.items():
        values = dict(labels)
        if values.get("year") != last:
            continue
        start = {**values, "year": first}
        start_key = tuple((name, start[name]) for name, _ in labels)
        if start_key not in kept:
            continue
        _, before = kept[start_key]["baseline"]
        for scenario, (_, after) in runs.items():
            if len(after.outcomes) != len(before.outcomes):
                continue
            everyone = np.ones(len(after.outcomes), dtype=bool)
            changes = paired_differences(before.outcomes, after.outcomes, everyone)
            for measure in CHANGE_MEASURES:
                change, variance, _ = changes[measure]
                rows.append({**values, "measure": change_measure(measure, first, last), "group": "all",
                             "group_value": "all", "value": change, "mc_variance": variance, "scenario": scenario})
    return pd.DataFrame(rows)


def run_group(cohort: Cohort | None, group: TaskGroup) -> pd.DataFrame:
    """Run a group's tasks here, one after the other, and reduce them."""
    return reduce_group(cohort, group, *(run_task(cohort, task) for task in group.tasks))
