"""What a scenario does against the baseline: `safer simulate run` as a question asked of the model.

The baseline and the scenarios run on common random numbers (`simulation.runs.runner`), are summarised across
replications, and are priced. Under `--uncertainty` each replication draws its own assumptions (`RunVary`): the
model's, with the calibrated base rate, heterogeneity and serious share re-solved for the reference year's
published figures, and each scenario's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from simulation.inputs.cohort import Cohort, generate_cohort
from simulation.inputs.interventions import Scenario, policy_params, scenario_params
from simulation.inputs.params import ModelParams, default_params
from simulation.inputs.uncertainty import (
    Draws,
    Range,
    apply_to_params,
    apply_to_scenario,
    is_model_parameter,
    model_ranges,
    scenario_ranges,
)
from simulation.measures.across_replications import summarise
from simulation.measures.costs import UnitCosts, cost_items, summarise_costs
from simulation.runs.checkpoints import TaskStore
from simulation.runs.distributed import GroupDone
from simulation.runs.runner import run_replications, scenario_runs
from simulation.runs.tasks import Run, cohort_seed


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
        vary = RunVary(params, [run.scenario for run in runs[1:]], draws, seed, kind=cohort.kind)
    return run_replications(cohort, runs, replications, seed, workers, scheduler, store, on_group_done, vary,
                            unit_costs)


def summarise_run(rows: pd.DataFrame, cohort: Cohort, uncertainty: bool = False) -> pd.DataFrame:
    """The `simulate run` table: `across_replications.summarise` of the rows, then the money of each scenario (rows with
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
    if uncertainty:  # the spread of the replications, each with its own drawn assumptions: the sign's sensitivity
        money["total_lower"], money["total_upper"] = costs["spread_lower"], costs["spread_upper"]
    return pd.concat([table, money], ignore_index=True)[table.columns]


def run_baseline_projection(seed: int, size: int, replications: int, workers: int = 1) -> pd.DataFrame:
    """A generated adult cohort of `size` under the calibrated defaults, no interventions.

    Same long format as `safer simulate run`.
    """
    cohort = generate_cohort("adult", size, cohort_seed(seed))
    return run_simulation(cohort, default_params(), None, replications, seed, workers)


class RunVary:
    """Gives each replication of `simulate run` its drawn assumptions: the model's (the calibrated base rate,
    heterogeneity and serious share, with the custody effects fitted that year, re-solved by the closed forms for the
    2005 figures of the cohort's kind, on a reference cohort of that kind) and each scenario's."""

    def __init__(
        self, params: ModelParams, scenarios: Sequence[Scenario], draws: Draws, seed: int, always_resolve: bool = False,
        kind: str = "adult",
    ) -> None:
        self.kind = kind
        """The cohort kind whose reference fit is re-solved (the calibrated defaults are its 2005 fit)."""
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
            from simulation.inputs.figures import load_figures
            from simulation.inputs.year_effects import load_year_effects
            from simulation.questions.years import DEFAULTS_YEAR, resolve_year

            values = self.draws.values(replication)
            if not self.always_resolve and not any(is_model_parameter(self.params, name) for name in values):
                self._base[replication] = self.params
                return self.params
            drawn = apply_to_params(self.params, values, self.model)
            effects = load_year_effects()
            kind = self.kind if DEFAULTS_YEAR in getattr(effects, self.kind) else "adult"
            reference = generate_cohort(kind, REFERENCE_SIZE, cohort_seed(self.seed))  # type: ignore[arg-type]
            self._base[replication] = resolve_year(reference, drawn, effects, load_figures(), kind, DEFAULTS_YEAR, {},
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
