"""The PSA question: annual Q1 adult and youth cohorts from 2004 (or earlier) to 2011, and the A.38 success test.

A.38 (000:724-728): the adult re-offending rate, the youth re-offending rate and serious re-offences are each
lower in 2011 than in 2004 Q1 (the baseline, 000:673). The projection simulates every year's adult and youth
cohort (size and mix from the drift file, rates from the year effects, `years.py`), the baseline and each
scenario from its start year (2008 by default), on common random numbers across scenarios and years.

The probability of success. A simulated cohort is smaller than the real one, so whether the real 2011 cohort
comes out below the real 2004 one is not read off the simulated cohorts directly. Each replication gives the
expected change d (2011 minus 2004, on the same offenders, with its Monte Carlo variance s^2 from the
offender-level differences) and the variance sigma^2 of the difference between two real cohorts of their
national sizes (the offender-level variance over the national size, for each year). The real change is then
N(d_true, sigma^2), and since d ~ N(d_true, s^2), Phi(-d / sqrt(sigma^2 - s^2)) is an unbiased estimate of the
probability that the real 2011 figure is below the real 2004 one. Its mean over replications (which with
`--uncertainty` also range over the assumptions) is the probability of success, with a t-interval. Serious
re-offending is per 100 offenders of the adult and youth cohorts together (weighted by their national sizes);
"all three" multiplies the three probabilities within a replication (treating the real cohorts' sampling
noise of the three criteria as independent given the assumptions).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulation.errors import SimulationInputError
from simulation.inputs.drift import spec_for_year
from simulation.inputs.interventions import Scenario, policy_params, scenario_params
from simulation.inputs.params import ModelParams, merged_params
from simulation.inputs.uncertainty import (
    Draws,
    Range,
    apply_to_params,
    apply_to_scenario,
    model_ranges,
    scenario_ranges,
)
from simulation.measures.costs import UnitCosts, cost_items, summarise_costs
from simulation.measures.reoffending import summarise
from simulation.questions.years import (
    BASELINE_YEAR,
    TARGET_YEAR,
    YEAR_FIELDS,
    Figures,
    YearEffects,
    calibrate_years,
    custody_check_spec,
    resolve_year,
    year_params,
)
from simulation.runs.checkpoints import TaskStore
from simulation.runs.distributed import GroupDone
from simulation.runs.runner import run_groups, scenario_runs
from simulation.runs.tasks import CohortRecipe, Point, Run, change_measure, groups_for

DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, DEFAULT_START_YEAR = 2000, 2011, 2008
DEFAULT_ADULT_SIZE, DEFAULT_YOUTH_SIZE, DEFAULT_CHECK_SIZE = 10_000, 6_000, 20_000
DEFAULT_REPLICATIONS = 8
PROJECTION_MEASURES = (
    "frequency_per_100",
    "binary_rate_percent",
    "serious_per_100",
    "serious_offenders_percent",
    "serious_sexual_per_100",
    "detected_per_100",
    "committed_per_100",
)
CHECK_COHORT = "adult custody leavers"
REFINE_STEPS = 3
"""Simulation steps that re-fit each calibrated year to a draw's figures under its model assumptions."""
COMBINED = "adult and youth"
CRITERIA = ("adult", "youth", "serious", "all")


@dataclass(frozen=True)
class ProjectionSpec:
    """Everything a projection needs."""

    params: ModelParams
    """Model parameters (the year effects are applied on top)."""
    figures: Figures
    """Figures the years are calibrated to (published, assumed, the user's)."""
    effects: YearEffects
    """Calibrated year effects."""
    scenarios: list[Scenario] = field(default_factory=list)
    """Scenarios compared with the baseline."""
    scenario_sources: list[str] = field(default_factory=list)
    """Where each scenario came from (for messages)."""
    first_year: int = DEFAULT_FIRST_YEAR
    """First cohort year."""
    last_year: int = DEFAULT_LAST_YEAR
    """Last cohort year."""
    start_year: int = DEFAULT_START_YEAR
    """First year of every scenario without a start year of its own."""
    adult_size: int = DEFAULT_ADULT_SIZE
    """Adults simulated per year."""
    youth_size: int = DEFAULT_YOUTH_SIZE
    """Youths simulated per year."""
    check_size: int = DEFAULT_CHECK_SIZE
    """Offenders of the 2004 custody-leaver check cohort (half of them women)."""
    seed: int = 2004
    """Master seed."""
    drift: pd.DataFrame | None = None
    """Cohort drift by year (`drift.read_drift`)."""
    unit_costs: UnitCosts | None = None
    """Unit costs for the money."""

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise SimulationInputError(
                f"--from-year {self.first_year} and --to-year {self.last_year}: the years are reversed"
            )
        if not self.first_year <= BASELINE_YEAR or not self.last_year >= TARGET_YEAR:
            raise SimulationInputError(
                f"--from-year {self.first_year} to --to-year {self.last_year}: the projection must cover "
                f"{BASELINE_YEAR} and {TARGET_YEAR}, the years A.38 compares"
            )

    def scenario_start(self, scenario: Scenario) -> int:
        """The first year a scenario runs."""
        return scenario.start_year if scenario.start_year is not None else self.start_year

    def recipe(self, kind: str, year: int) -> CohortRecipe:
        """The cohort of one kind in one year."""
        spec = spec_for_year(kind, year, self.drift)
        size = self.adult_size if kind == "adult" else self.youth_size
        return CohortRecipe(kind, size, self.seed, spec, spec.national_size)  # type: ignore[arg-type]

    def check_recipe(self) -> CohortRecipe:
        """The 2004 custody-leaver check cohort (its rates are per offender, so its size is its own)."""
        return CohortRecipe("adult", self.check_size, self.seed + 1, custody_check_spec(), None)


def projection_points(spec: ProjectionSpec) -> tuple[list[Point], dict[tuple[str, int], str]]:
    """One point per cohort kind (every year, baseline and active scenarios), and the check cohort's point;
    and the calibration status of every (kind, year)."""
    points: list[Point] = []
    status: dict[tuple[str, int], str] = {}
    for kind in ("adult", "youth"):
        runs: list[Run] = []
        for year in range(spec.first_year, spec.last_year + 1):
            params, status[(kind, year)] = year_params(spec.effects, spec.figures, kind, year, spec.params)
            active = [
                (scenario, source)
                for scenario, source in zip(spec.scenarios, spec.scenario_sources, strict=True)
                if year >= spec.scenario_start(scenario) and scenario.affects(kind)
            ]
            runs += scenario_runs(
                params, [s for s, _ in active], [src for _, src in active] or "scenario",
                labels=(("year", year), ("cohort", kind)), cohort=spec.recipe(kind, year),
            )
        points.append(((("cohort", kind),), runs))
    params_2004, _ = year_params(spec.effects, spec.figures, "adult", BASELINE_YEAR, spec.params)
    check = scenario_runs(params_2004, None, labels=(("year", BASELINE_YEAR), ("cohort", CHECK_COHORT)),
                          cohort=spec.check_recipe())
    points.append(((("cohort", CHECK_COHORT),), check))
    return points, status


@dataclass(frozen=True)
class ProjectionResult:
    """The three tables of `safer simulate project` and what they were made from."""

    projection: pd.DataFrame
    """scenario, cohort, year, measure, mean, ci_lower, ci_upper, ... per year."""
    success: pd.DataFrame
    """scenario, criterion, probability, ci_lower, ci_upper, replications."""
    costs: pd.DataFrame
    """scenario, item, mean, ci_lower, ci_upper, unit, replications."""
    per_replication: pd.DataFrame = field(repr=False)
    """Every row of every group."""
    status: dict[tuple[str, int], str] = field(default_factory=dict)
    """Calibration status of each (kind, year)."""


def run_projection(
    spec: ProjectionSpec,
    replications: range,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    draws: Draws | None = None,
    on_draw_solved: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Per-replication rows of the given replications of the projection (`draws`: assumptions drawn for each,
    whose calibrated years are re-fitted first, `on_draw_solved` called after each)."""
    points, _ = projection_points(spec)
    vary = None
    if draws is not None:
        draws.prepare(replications)
        vary = ProjectionVary(spec, draws)
        vary.solve(replications, workers, scheduler, on_draw_solved)
    groups = groups_for(points, replications, spec.seed, vary, spec.unit_costs, (BASELINE_YEAR, TARGET_YEAR),
                        cohort_per_replication=True)
    return run_groups(None, groups, workers, scheduler, store, on_group_done)


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


def national_sizes(spec: ProjectionSpec) -> dict[tuple[str, int], tuple[int, int]]:
    """(simulated, national) size of every (kind, year) cohort."""
    out = {}
    for kind in ("adult", "youth"):
        for year in range(spec.first_year, spec.last_year + 1):
            recipe = spec.recipe(kind, year)
            out[(kind, year)] = (recipe.size, int(recipe.national_size or recipe.size))
    return out


def fill_inactive(rows: pd.DataFrame, spec: ProjectionSpec) -> pd.DataFrame:
    """Rows of every scenario for every year: a year a scenario does not run is its baseline (levels only)."""
    levels = rows[rows["scenario"] == "baseline"]
    frames = [rows]
    for scenario in spec.scenarios:
        ran = rows[rows["scenario"] == scenario.name][["year", "cohort"]].drop_duplicates()
        ran_keys = set(map(tuple, ran.to_numpy().tolist()))
        missing = levels[[(y, c) not in ran_keys for y, c in zip(levels["year"], levels["cohort"], strict=True)]]
        frames.append(missing.assign(scenario=scenario.name))  # levels and the baseline's year changes
    return pd.concat(frames, ignore_index=True)


def combined_serious(rows: pd.DataFrame, sizes: dict[tuple[str, int], tuple[int, int]]) -> pd.DataFrame:
    """Rows of serious re-offences per 100 for the adult and youth cohorts together (national weights)."""
    serious = rows[(rows["measure"] == "serious_per_100") & (rows["group"] == "all")
                   & rows["cohort"].isin(["adult", "youth"]) & ~rows["scenario"].str.endswith(
                       (" minus baseline", " percent change"))]
    out = []
    for (year, replication, scenario), part in serious.groupby(["year", "replication", "scenario"], sort=False):
        if set(part["cohort"]) != {"adult", "youth"}:
            continue
        weights = {kind: sizes[(kind, int(str(year)))][1] for kind in ("adult", "youth")}
        total = sum(weights.values())
        records = part.to_dict("records")
        value = sum(weights[str(r["cohort"])] * float(r["value"]) for r in records) / total
        variance = sum((weights[str(r["cohort"])] / total) ** 2 * float(r["mc_variance"]) for r in records)
        out.append({"year": year, "cohort": COMBINED, "replication": replication, "scenario": scenario,
                    "measure": "serious_per_100", "group": "all", "group_value": "all", "value": value,
                    "mc_variance": variance})
    return pd.DataFrame(out)


def success_probabilities(rows: pd.DataFrame, spec: ProjectionSpec, level: float = 0.95) -> pd.DataFrame:
    """The A.38 success table (see the module docstring)."""
    sizes = national_sizes(spec)
    levels = rows[(rows["group"] == "all") & ~rows["scenario"].str.endswith((" minus baseline", " percent change"))]
    key: dict[tuple[str, int, str, int, str], dict[str, float]] = {
        (str(r["cohort"]), int(r["year"]), str(r["scenario"]), int(r["replication"]), str(r["measure"])):
        {"value": float(r["value"]), "mc_variance": float(r["mc_variance"])}
        for r in levels[["cohort", "year", "scenario", "replication", "measure", "value", "mc_variance"]].to_dict(
            "records")
    }
    names = ["baseline", *[s.name for s in spec.scenarios]]
    records = []
    for scenario in names:
        per_replication: dict[str, list[float]] = {c: [] for c in CRITERIA}
        for replication in sorted(levels["replication"].unique()):
            p: dict[str, float] = {}
            serious_d, serious_s2, serious_sigma2 = 0.0, 0.0, 0.0
            for kind in ("adult", "youth"):
                for measure, criterion in (("frequency_per_100", kind), ("serious_per_100", "serious")):
                    r = int(replication)
                    change = key[(kind, TARGET_YEAR, scenario, r, change_measure(measure, BASELINE_YEAR, TARGET_YEAR))]
                    before = key[(kind, BASELINE_YEAR, "baseline", r, measure)]
                    after = key[(kind, TARGET_YEAR, scenario, r, measure)]
                    fall = -float(change["value"])
                    s2 = float(change["mc_variance"])
                    sigma2 = sum(float(row["mc_variance"]) * sizes[(kind, year)][0] / sizes[(kind, year)][1]
                                 for row, year in ((before, BASELINE_YEAR), (after, TARGET_YEAR)))
                    if criterion == "serious":
                        weight = sizes[(kind, TARGET_YEAR)][1] / (
                            sizes[("adult", TARGET_YEAR)][1] + sizes[("youth", TARGET_YEAR)][1])
                        serious_d += weight * fall
                        serious_s2 += weight**2 * s2
                        serious_sigma2 += weight**2 * sigma2
                    else:
                        p[criterion] = _probability(fall, s2, sigma2)
            p["serious"] = _probability(serious_d, serious_s2, serious_sigma2)
            p["all"] = p["adult"] * p["youth"] * p["serious"]
            for criterion in CRITERIA:
                per_replication[criterion].append(p[criterion])
        for criterion in CRITERIA:
            x = np.asarray(per_replication[criterion])
            r = x.size
            mean = float(x.mean())
            half = stats.t.ppf(0.5 + level / 2, max(r - 1, 1)) * float(x.std(ddof=1)) / np.sqrt(r) if r > 1 else np.nan
            records.append({"scenario": scenario, "criterion": criterion, "probability": mean,
                            "ci_lower": max(0.0, mean - half), "ci_upper": min(1.0, mean + half), "replications": r})
    return pd.DataFrame(records)


def _probability(fall: float, s2: float, sigma2: float) -> float:
    """Phi(fall / sqrt(sigma^2 - s^2)): see the module docstring (the Monte Carlo part is at most 90% of it)."""
    effective = max(sigma2 - s2, 0.1 * sigma2, 1e-18)
    return float(stats.norm.cdf(fall / np.sqrt(effective)))


def projection_table(
    rows: pd.DataFrame, spec: ProjectionSpec, status: dict[tuple[str, int], str], uncertainty: bool
) -> pd.DataFrame:
    """Per year, measure, cohort and scenario: mean and intervals, calibration status, the figure if any."""
    wanted = rows[(rows["group"] == "all") & rows["measure"].isin(PROJECTION_MEASURES)
                  & rows["cohort"].isin(["adult", "youth"])
                  & ~rows["scenario"].str.endswith((" minus baseline", " percent change"))]
    combined = combined_serious(rows, national_sizes(spec))
    check = rows[(rows["cohort"] == CHECK_COHORT) & (rows["group"] == "sex")
                 & rows["measure"].isin(["frequency_per_100", "binary_rate_percent"])]
    check = check.assign(cohort=CHECK_COHORT + ", " + check["group_value"].map({"male": "men", "female": "women"}),
                         group="all", group_value="all")
    data = pd.concat([wanted, combined, check], ignore_index=True)
    data = data[["year", "cohort", "replication", "scenario", "measure", "group", "group_value", "value",
                 "mc_variance"]]
    table = summarise(data, assumption_uncertainty=uncertainty)
    table = table.drop(columns=["group", "group_value"])
    table["calibration"] = [
        status.get((str(c), int(y)), "calibrated" if str(c).startswith(CHECK_COHORT) else
                   "uncalibrated" if status.get(("youth", int(y))) == "uncalibrated" else "calibrated")
        for c, y in zip(table["cohort"], table["year"], strict=True)
    ]
    figure, figure_status = [], []
    for row in table.to_dict("records"):
        value, kind = _figure(spec.figures, str(row["cohort"]), int(row["year"]), str(row["measure"]))
        figure.append(value)
        figure_status.append(kind)
    table["figure"] = figure
    table["figure_status"] = figure_status
    with np.errstate(invalid="ignore", divide="ignore"):
        table["difference_from_figure_percent"] = 100 * (table["mean"] / table["figure"] - 1)
    order = ["scenario", "cohort", "year", "measure", "mean", "ci_lower", "ci_upper", "total_lower", "total_upper",
             "sd_monte_carlo", "sd_assumptions", "replications", "calibration", "figure", "figure_status",
             "difference_from_figure_percent"]
    return table[order].sort_values(["scenario", "cohort", "measure", "year"], kind="stable").reset_index(drop=True)


def _figure(figures: Figures, cohort: str, year: int, measure: str) -> tuple[float, str]:
    if cohort.startswith(CHECK_COHORT):
        sex = "male" if cohort.endswith("men") and not cohort.endswith("women") else "female"
        entry = figures.custody_leavers_2004[sex]  # type: ignore[index]
        figure = getattr(entry, measure, None)
        return (figure.value, figure.status) if figure is not None else (np.nan, "")
    if cohort not in ("adult", "youth"):
        return np.nan, ""
    measures = getattr(figures, cohort).get(year, {})
    figure = measures.get(measure)
    return (figure.value, figure.status) if figure is not None else (np.nan, "")


def projection_costs(rows: pd.DataFrame, spec: ProjectionSpec) -> pd.DataFrame:
    """The costs table: every scenario's items over the years it runs, adult and youth together, national."""
    sizes = national_sizes(spec)
    scale = {(kind, year): n / big for (kind, year), (n, big) in sizes.items()}
    items = []
    for scenario in spec.scenarios:
        mine = rows[rows["scenario"].isin([scenario.name, f"{scenario.name} minus baseline"])
                    & (rows["year"] >= spec.scenario_start(scenario)) & rows["cohort"].isin(["adult", "youth"])
                    & ~rows["measure"].str.contains(" change ")]
        if mine.empty:
            continue
        points: list[Any] = [(str(c), int(y)) for c, y in zip(mine["cohort"], mine["year"], strict=True)]
        mine = mine.assign(point=points)
        items.append(cost_items(mine, dict(scale)))
    if not items:
        return pd.DataFrame(columns=["scenario", "item", "mean", "ci_lower", "ci_upper", "unit", "replications"])
    return summarise_costs(pd.concat(items, ignore_index=True))


def project(
    spec: ProjectionSpec,
    replications: int,
    workers: int = 1,
    scheduler: str | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
    draws: Draws | None = None,
    rows: pd.DataFrame | None = None,
) -> ProjectionResult:
    """Run the projection (or summarise `rows` already run) and build its three tables."""
    _, status = projection_points(spec)
    if rows is None:
        rows = run_projection(spec, range(replications), workers, scheduler, store, on_group_done, draws)
    rows = fill_inactive(rows, spec)
    uncertainty = draws is not None
    return ProjectionResult(
        projection=projection_table(rows, spec, status, uncertainty),
        success=success_probabilities(rows, spec),
        costs=projection_costs(rows, spec),
        per_replication=rows,
        status=status,
    )


def headline(result: ProjectionResult) -> pd.DataFrame:
    """Published-year check: adult frequency and binary rate, and the 2004 custody leavers by sex, beside the
    figures (baseline only)."""
    table = result.projection
    rows = table[(table["scenario"] == "baseline") & (table["figure_status"] == "published")
                 & table["measure"].isin(["frequency_per_100", "binary_rate_percent"])]
    return rows[["cohort", "year", "measure", "mean", "ci_lower", "ci_upper", "figure",
                 "difference_from_figure_percent"]]


def scenario_summary(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Every assumption of every scenario with its value, range and source, for the output metadata."""
    out = []
    for scenario in scenarios:
        for spec in scenario.interventions:
            for name in ("uptake", "completion", "rate_ratio", "detection_ratio", "court_lag_ratio",
                         "cost_per_place", "saving_per_place"):
                value = getattr(spec, name)
                if value is not None:
                    out.append({"scenario": scenario.name, "parameter": f"{spec.name}.{name}", "value": value.value,
                                "range": list(value.range), "source": value.source})
            if spec.referral_flow is not None:
                flow = spec.referral_flow.per_year
                out.append({"scenario": scenario.name, "parameter": f"{spec.name}.referral_flow.per_year",
                            "value": flow.value, "range": list(flow.range), "source": flow.source})
        for name, assumption in scenario.policy.items():
            out.append({"scenario": scenario.name, "parameter": f"policy.{name}", "value": assumption.value,
                        "range": list(assumption.range), "source": assumption.source})
    return out


def recalibrate_user_years(spec: ProjectionSpec, user: pd.DataFrame, replications: int = 2) -> ProjectionSpec:
    """The spec with every (cohort, year) the user gave figures for calibrated to them, on that year's projection
    cohort (the adult 2004 fit also to the custody-leaver figures, on the check cohort)."""
    pairs = sorted({(str(c), int(y)) for c, y in zip(user["cohort"], user["year"], strict=True)},
                   key=lambda key: (key[0] != "adult", key[1] != BASELINE_YEAR, key[1]))
    cohorts = {}
    for kind, year in pairs:
        if year not in getattr(spec.figures, kind):
            continue
        cohorts[(kind, year)] = spec.recipe(kind, year).build()
    if not cohorts:
        return spec
    fitted = calibrate_years(cohorts, spec.figures, spec.effects.base_params(spec.params),
                             spec.check_recipe().build(), spec.seed, replications, tolerance=0.005)
    effects = spec.effects.model_copy(deep=True)
    if fitted.global_:
        effects.global_ = fitted.global_
    for kind in ("adult", "youth"):
        getattr(effects, kind).update(getattr(fitted, kind))
        effects.aims.setdefault(kind, {}).update(fitted.aims.get(kind, {}))
        effects.record.setdefault(kind, {}).update(fitted.record.get(kind, {}))
    return dataclasses.replace(spec, effects=effects)
