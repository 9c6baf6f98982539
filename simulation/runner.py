"""Replications of the baseline and one or more scenarios, summarised across replications.

The runner owns replications; the model (`model.py`) owns one. Each (replication, scenario) pair is a
task (`tasks.py`) with its replication's seed sequence, so every scenario in replication r uses the same
random numbers (common random numbers); the scenarios of a replication form a group, reduced together so
that each scenario is compared with the baseline on the same offenders. Tasks run in this process or as
Dask tasks (`distributed.py`) with bit-identical results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from simulation.checkpoints import TaskStore
from simulation.cohort import Cohort, generate_cohort
from simulation.costs import UnitCosts, cost_items, summarise_costs
from simulation.distributed import GroupDone, execute
from simulation.errors import SimulationInputError
from simulation.interventions import BASELINE, Scenario, policy_params, scenario_params
from simulation.measures import summarise
from simulation.memory import check_fits
from simulation.params import ModelParams, default_params
from simulation.tasks import Point, Run, TaskGroup, Vary, cohort_seed, groups_for, replication_seeds
from simulation.uncertainty import (
    Draws,
    Range,
    apply_to_params,
    apply_to_scenario,
    is_model_parameter,
    model_ranges,
    scenario_ranges,
)

__all__ = [
    "cohort_seed",
    "replication_seeds",
    "run_baseline_projection",
    "run_groups",
    "run_replications",
    "run_simulation",
    "scenario_runs",
]

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
) -> pd.DataFrame:
    """Per-replication rows of every group, in group order."""
    tables = execute(cohort, groups, workers, scheduler, store=store, on_group_done=on_group_done)
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
    check_fits(cohort.size, workers if scheduler is None else 1)
    points: list[Point] = [(runs[0].labels, runs)]
    chosen = range(replications) if isinstance(replications, int) else replications
    if not len(chosen):
        raise ValueError("replications must be at least 1")
    groups = groups_for(points, chosen, seed, vary, unit_costs)
    return run_groups(cohort, groups, workers, scheduler, store, on_group_done)


def run_simulation(
    cohort: Cohort,
    params: ModelParams | None = None,
    scenario: Scenario | Sequence[Scenario] | None = None,
    replications: int = 10,
    seed: int = 2005,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    scenario_source: str | Sequence[str] = "scenario",
    draws: Draws | None = None,
    unit_costs: UnitCosts | None = None,
) -> pd.DataFrame:
    """The baseline and the scenarios, summarised across replications (see `summarise_run`).

    `workers` > 1 or a `scheduler` address runs the tasks on Dask; `store` keeps finished groups for a resume;
    `draws` gives each replication its own assumptions; `unit_costs` adds the money.
    """
    rows = run_rows(cohort, params, scenario, range(replications), seed, workers, scheduler, store, on_group_done,
                    scenario_source, draws, unit_costs)
    return summarise_run(rows, cohort, draws is not None)


def run_rows(
    cohort: Cohort,
    params: ModelParams | None,
    scenario: Scenario | Sequence[Scenario] | None,
    replications: range,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    scenario_source: str | Sequence[str] = "scenario",
    draws: Draws | None = None,
    unit_costs: UnitCosts | None = None,
) -> pd.DataFrame:
    """Per-replication rows of the given replications of the baseline and the scenarios."""
    params = params if params is not None else default_params()
    runs = scenario_runs(params, scenario, scenario_source)
    vary = None
    if draws is not None:
        draws.prepare(replications)
        vary = RunVary(params, [run.scenario for run in runs[1:]], draws, seed)
    return run_replications(cohort, runs, replications, seed, workers, scheduler, store, on_group_done, vary,
                            unit_costs)


def summarise_run(rows: pd.DataFrame, cohort: Cohort, uncertainty: bool = False) -> pd.DataFrame:
    """The `simulate run` table: `measures.summarise` of the rows, then the money of each scenario (rows with
    group 'costs': the item as measure, its unit as group_value, national figures)."""
    table = summarise(rows, assumption_uncertainty=uncertainty)
    if not rows["measure"].eq("cost_of_crime").any() or not rows["scenario"].str.endswith(" minus baseline").any():
        return table
    items = cost_items(rows.assign(point=0), {0: cohort.scale})
    costs = summarise_costs(items)
    money = pd.DataFrame({
        "scenario": costs["scenario"], "measure": costs["item"], "group": "costs", "group_value": costs["unit"],
        "mean": costs["mean"], "ci_lower": costs["ci_lower"], "ci_upper": costs["ci_upper"],
        "replications": costs["replications"], "interval": "t (ratios: Fieller)",
    })
    return pd.concat([table, money], ignore_index=True)[table.columns]


def run_baseline_projection(seed: int, size: int, replications: int, workers: int = 1) -> pd.DataFrame:
    """A generated adult cohort of `size` under the calibrated defaults, no interventions.

    Same long format as `safer simulate run`.
    """
    cohort = generate_cohort("adult", size, cohort_seed(seed))
    return run_simulation(cohort, default_params(), None, replications, seed, workers)


class RunVary:
    """Gives each replication of `simulate run` its drawn assumptions: the model's (the calibrated base rate,
    heterogeneity and serious share re-solved by the closed forms for the 2005 figures, on the reference
    adult cohort) and each scenario's."""

    def __init__(
        self, params: ModelParams, scenarios: Sequence[Scenario], draws: Draws, seed: int, always_resolve: bool = False
    ) -> None:
        self.params = params
        self.scenarios = list(scenarios)
        self.draws = draws
        self.seed = seed
        self.model = model_ranges(params)
        self.always_resolve = always_resolve
        """Re-solve even when no model assumption is drawn (a sweep's points must all be solved alike)."""
        self._base: dict[int, ModelParams] = {}

    def base(self, replication: int) -> ModelParams:
        """The drawn model parameters of a replication, re-solved for the reference year."""
        if replication not in self._base:
            from simulation.years import load_figures, load_year_effects, resolve_year

            values = self.draws.values(replication)
            if not self.always_resolve and not any(is_model_parameter(self.params, name) for name in values):
                self._base[replication] = self.params
                return self.params
            drawn = apply_to_params(self.params, values, self.model)
            effects = load_year_effects()
            year = max(effects.adult)
            reference = generate_cohort("adult", REFERENCE_SIZE, cohort_seed(self.seed))
            self._base[replication] = resolve_year(reference, drawn, effects, load_figures(), "adult", year, {},
                                                   refine=3, seed=self.seed + 7919 * (replication + 1))
        return self._base[replication]

    def __call__(self, replication: int, run: Run) -> Run:
        values = self.draws.values(replication)
        base = self.base(replication)
        active = [apply_to_scenario(s, values) for s in self.scenarios]
        shared = scenario_params(active[0], base, "scenario") if active else base
        scenario = apply_to_scenario(run.scenario, values)
        params = policy_params(scenario, shared) if scenario.name != "baseline" else shared
        return dataclasses.replace(run, scenario=scenario, params=params)


REFERENCE_SIZE = 10_000
"""Size of the reference adult cohort the closed forms are re-solved on when model assumptions are drawn."""


def run_ranges(params: ModelParams, scenarios: Sequence[Scenario]) -> list[Range]:
    """Every assumption `simulate run --uncertainty` draws: the model's and each scenario's."""
    ranges = model_ranges(params)
    for scenario in scenarios:
        ranges += scenario_ranges(scenario)
    return ranges
