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

from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR, Figures
from simulation.inputs.interventions import Scenario
from simulation.inputs.uncertainty import Draws
from simulation.measures.across_replications import summarise
from simulation.measures.costs import cost_items, summarise_costs
from simulation.questions.projection_draws import ProjectionVary
from simulation.questions.projection_spec import CHECK_COHORT, ProjectionSpec, national_sizes, projection_points
from simulation.questions.success import combined_serious, success_probabilities
from simulation.questions.years import calibrate_years
from simulation.runs.checkpoints import TaskStore
from simulation.runs.distributed import GroupDone
from simulation.runs.runner import run_groups
from simulation.runs.tasks import groups_for

PROJECTION_MEASURES = (
    "frequency_per_100",
    "binary_rate_percent",
    "serious_per_100",
    "serious_offenders_percent",
    "serious_sexual_per_100",
    "detected_per_100",
    "committed_per_100",
)


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
