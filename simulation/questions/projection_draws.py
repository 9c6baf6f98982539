"""Drawn assumptions in a projection: every assumption it can draw, and each replication's runs under its draw.

Under `--uncertainty` each replication draws the model's assumptions, the figures that are not published, the
trends and each scenario's effects; every calibrated year is re-solved by the closed forms so that it still
reproduces its figures under the drawn model (`ProjectionVary`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from simulation.inputs.figures import BASELINE_YEAR, MEASURES, TARGET_YEAR
from simulation.inputs.interventions import policy_params, scenario_params
from simulation.inputs.params import ModelParams, merged_params
from simulation.inputs.uncertainty import (
    Draws,
    Range,
    apply_to_params,
    apply_to_scenario,
    model_ranges,
    scenario_ranges,
)
from simulation.inputs.year_effects import REFERENCE_YEARS
from simulation.questions.projection_spec import CHECK_COHORT, REFINE_STEPS, ProjectionSpec
from simulation.questions.years import (
    fit_order,
    fitted_values,
    free_parameters,
    global_values,
    resolve_year,
    year_params,
)
from simulation.runs.tasks import Run

if TYPE_CHECKING:
    from distributed import Client

GROUP_SECTIONS = ("adult_custody", "youth_custody", "youth_community")


def projection_ranges(spec: ProjectionSpec) -> list[Range]:
    """Every assumption a projection can draw: the model's, each scenario's, the assumed figures and (unless
    `--trend` fixes them) the fitted trends."""
    ranges = model_ranges(spec.params)
    for scenario in spec.scenarios:
        ranges += scenario_ranges(scenario)
    for name, figure in spec.figures.assumptions().items():
        assert figure.range is not None and figure.value is not None
        ranges.append(Range(name, figure.value, figure.range[0], figure.range[1], figure.source))
    fixed = spec.trends or {}
    ranges += [trend.range() for kind, trend in spec.fitted_trends().items() if kind not in fixed]
    return ranges


def refined_years(spec: ProjectionSpec, kind: str) -> set[int]:
    """The calibrated years a draw re-fits by simulation (the others by the closed forms alone): those A.38 and the
    money rest on, the baseline year, the kind's reference year and its last fitted year (every later cohort
    continues it)."""
    fitted = getattr(spec.effects, kind)
    return {BASELINE_YEAR, REFERENCE_YEARS[kind], max(fitted, default=BASELINE_YEAR)}


class ProjectionVary:
    """Gives each replication's runs their drawn assumptions: the model's (with every calibrated year re-solved by
    the closed forms so that it still reproduces its figures), the figures' and trends', and the scenarios'."""

    def __init__(self, spec: ProjectionSpec, draws: Draws) -> None:
        self.spec = spec
        self.draws = draws
        self.model = model_ranges(spec.params)
        self._params: dict[tuple[int, str, int, str], ModelParams] = {}

    def solve(self, replications: Sequence[int], workers: int = 1, scheduler: str | None = None,
              on_solved: Callable[[], None] | None = None, client: Client | None = None) -> None:
        """Re-fit the calibrated years of every replication's draw now: on Dask (`client`, else a new one when more
        than one worker or a cluster is asked for), else here. The years of one draw are fitted in turn (2004's fit
        sets what the others start from); draws are independent, and each one's fit is seeded by its replication,
        so the result is the same whatever runs it. At the default sizes a draw takes 3-5 s of CPU; `on_solved` is
        called as each draw is done (a progress bar)."""
        missing = [r for r in replications if not any(key[0] == r for key in self._params)]
        if not missing:
            return
        if client is None and workers <= 1 and scheduler is None:
            for replication in missing:
                self._params.update(self._all_years(replication))
                if on_solved is not None:
                    on_solved()
            return
        from distributed import as_completed

        from simulation.runs.distributed import dask_client

        with contextlib.nullcontext(client) if client is not None else dask_client(workers, scheduler) as chosen:
            for future in as_completed(chosen.map(self._all_years, missing, pure=False)):
                self._params.update(future.result())
                future.release()
                if on_solved is not None:
                    on_solved()

    def _year_params(self, replication: int, kind: str, year: int, variant: str = "") -> ModelParams:
        key = (replication, kind, year, variant)
        if key not in self._params:
            self._params.update(self._all_years(replication))
        return self._params[key]

    def _all_years(self, replication: int) -> dict[tuple[int, str, int, str], ModelParams]:
        spec = self.spec
        values = self.draws.values(replication)
        params = apply_to_params(spec.params, values, self.model)
        effects = spec.effects.model_copy(deep=True)
        check = spec.check_recipe().build()
        keys = [(kind, year) for kind in ("adult", "youth") for year in getattr(effects, kind)]
        for kind, year in fit_order(keys):
            drawn = {measure: values[f"figures.{kind}.{year}.{measure}"] for measure in MEASURES
                     if f"figures.{kind}.{year}.{measure}" in values}
            drawn |= {f"{section}.{measure}": values[f"figures.{section}.{year}.{measure}"]
                      for section in GROUP_SECTIONS for measure in ("frequency_per_100", "binary_rate_percent")
                      if f"figures.{section}.{year}.{measure}" in values}
            fitted = getattr(effects, kind)
            start = merged_params(effects.base_params(params, kind), fitted[year], source="year effects")
            joint = (kind, year) == ("adult", BASELINE_YEAR)
            refine = REFINE_STEPS if year in refined_years(spec, kind) else 0
            solved = resolve_year(spec.recipe(kind, year).build(), start, spec.effects, spec.figures, kind, year,
                                  drawn, check if joint else None, refine=refine,
                                  seed=spec.seed + 7919 * (replication + 1) + year)
            names = list(spec.effects.aims.get(kind, {}).get(year, {}))
            if not joint:
                names = [n for n in names if not n.startswith("custody leavers")]
            free = free_parameters(kind, names)
            if year == REFERENCE_YEARS[kind]:
                chosen = effects.global_ if kind == "adult" else effects.global_youth
                chosen.update(global_values(solved, free))
            fitted[year] = fitted_values(solved, free)
        trend = spec.trend_factors() | {name.removeprefix("trend."): v for name, v in values.items()
                                        if name.startswith("trend.")}
        out = {}
        for kind in ("adult", "youth"):
            for year in range(spec.first_year, spec.last_year + 1):
                out[(replication, kind, year, "")], _ = year_params(effects, spec.figures, kind, year, params, trend)
            for name, factors in spec.trend_variants().items():
                out[(replication, kind, TARGET_YEAR, name)], _ = year_params(effects, spec.figures, kind, TARGET_YEAR,
                                                                              params, {**trend, **factors})
        return out

    def __call__(self, replication: int, run: Run) -> Run:
        labels = dict(run.labels)
        kind = "adult" if labels["cohort"] == CHECK_COHORT else str(labels["cohort"])
        variant = run.scenario.name if run.scenario.name in self.spec.trend_variants() else ""
        base = self._year_params(replication, kind, int(labels["year"]), variant)
        values = self.draws.values(replication)
        scenario = apply_to_scenario(run.scenario, values)
        active = [apply_to_scenario(s, values) for s in self.spec.scenarios]
        shared = scenario_params(active[0], base, "scenario") if active else base
        params = policy_params(scenario, shared) if scenario.name != "baseline" else shared
        return dataclasses.replace(run, scenario=scenario, params=params)
