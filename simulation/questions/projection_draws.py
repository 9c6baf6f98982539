"""Drawn assumptions in a projection: every assumption it can draw, and each replication's runs under its draw.

Under `--uncertainty` each replication draws the model's assumptions, the figures that are not published, the
trends and each scenario's effects; every calibrated year is re-solved by the closed forms so that it still
reproduces its figures under the drawn model (`ProjectionVary`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from simulation.inputs.figures import BASELINE_YEAR
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
from simulation.inputs.year_effects import YEAR_FIELDS
from simulation.questions.projection_spec import CHECK_COHORT, REFINE_STEPS, ProjectionSpec
from simulation.questions.years import resolve_year, year_params
from simulation.runs.tasks import Run


def projection_ranges(spec: ProjectionSpec) -> list[Range]:
    """Every assumption a projection can draw: the model's, each scenario's and the figures' (not published)."""
    ranges = model_ranges(spec.params)
    for scenario in spec.scenarios:
        ranges += scenario_ranges(scenario)
    for name, figure in spec.figures.assumptions().items():
        assert figure.range is not None
        ranges.append(Range(name, figure.value, figure.range[0], figure.range[1], figure.source))
    return ranges


class ProjectionVary:
    """Gives each replication's runs their drawn assumptions: the model's (with every calibrated year re-solved by
    the closed forms so that it still reproduces its figures), the figures' and trends', and the scenarios'."""

    def __init__(self, spec: ProjectionSpec, draws: Draws) -> None:
        self.spec = spec
        self.draws = draws
        self.model = model_ranges(spec.params)
        self._params: dict[tuple[int, str, int], ModelParams] = {}

    def solve(self, replications: Sequence[int], workers: int = 1, scheduler: str | None = None,
              on_solved: Callable[[], None] | None = None) -> None:
        """Re-fit the calibrated years of every replication's draw now: on Dask when more than one worker (or a
        cluster) is asked for, else here. The years of one draw are fitted in turn (2004's fit sets what the
        others start from); draws are independent, and each one's fit is seeded by its replication, so the
        result is the same whatever runs it. At the default sizes a draw takes 10-25 s; `on_solved` is called
        as each draw is done (a progress bar)."""
        missing = [r for r in replications if not any(key[0] == r for key in self._params)]
        if not missing:
            return
        if workers <= 1 and scheduler is None:
            for replication in missing:
                self._params.update(self._all_years(replication))
                if on_solved is not None:
                    on_solved()
            return
        from distributed import as_completed

        from simulation.runs.distributed import dask_client

        with dask_client(workers, scheduler) as client:
            for future in as_completed(client.map(self._all_years, missing, pure=False)):
                self._params.update(future.result())
                if on_solved is not None:
                    on_solved()

    def _year_params(self, replication: int, kind: str, year: int) -> ModelParams:
        key = (replication, kind, year)
        if key not in self._params:
            self._params.update(self._all_years(replication))
        return self._params[key]

    def _all_years(self, replication: int) -> dict[tuple[int, str, int], ModelParams]:
        spec = self.spec
        values = self.draws.values(replication)
        params = apply_to_params(spec.params, values, self.model)
        effects = spec.effects.model_copy(deep=True)
        check = spec.check_recipe().build()
        for kind in ("adult", "youth"):
            fitted = getattr(effects, kind)
            for year in sorted(fitted, key=lambda y: (y != BASELINE_YEAR, y)):
                drawn = {measure: values[f"figures.{kind}.{year}.{measure}"] for measure in
                         ("frequency_per_100", "binary_rate_percent", "serious_per_100")
                         if f"figures.{kind}.{year}.{measure}" in values}
                start = merged_params(effects.base_params(params), fitted[year], source="year effects")
                solved = resolve_year(spec.recipe(kind, year).build(), start, spec.effects, spec.figures, kind, year,
                                      drawn, check if (kind, year) == ("adult", BASELINE_YEAR) else None,
                                      refine=REFINE_STEPS, seed=spec.seed + 7919 * (replication + 1) + year)
                if (kind, year) == ("adult", BASELINE_YEAR):
                    effects.global_ = {
                        "theta_ratio_by_disposal": {"custody": solved.theta_ratio_by_disposal["custody"]},
                        "disposal_log_rate_ratio": {"custody": solved.disposal_log_rate_ratio["custody"]},
                        "female_log_rate_ratio": {"custody": solved.female_log_rate_ratio["custody"]},
                    }
                fitted[year] = {name: float(getattr(solved, name)) for name in YEAR_FIELDS}
        trend = {name.removeprefix("figures.trends."): v for name, v in values.items()
                 if name.startswith("figures.trends.")}
        out = {}
        for kind in ("adult", "youth"):
            for year in range(spec.first_year, spec.last_year + 1):
                out[(replication, kind, year)], _ = year_params(effects, spec.figures, kind, year, params, trend)
        return out

    def __call__(self, replication: int, run: Run) -> Run:
        labels = dict(run.labels)
        kind = "adult" if labels["cohort"] == CHECK_COHORT else str(labels["cohort"])
        base = self._year_params(replication, kind, int(labels["year"]))
        values = self.draws.values(replication)
        scenario = apply_to_scenario(run.scenario, values)
        active = [apply_to_scenario(s, values) for s in self.spec.scenarios]
        shared = scenario_params(active[0], base, "scenario") if active else base
        params = policy_params(scenario, shared) if scenario.name != "baseline" else shared
        return dataclasses.replace(run, scenario=scenario, params=params)
