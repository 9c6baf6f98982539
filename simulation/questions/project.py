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

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation.inputs.figures import BASELINE_YEAR, EVIDENCE, TARGET_YEAR, Figures
from simulation.inputs.interventions import Scenario
from simulation.inputs.uncertainty import SCENARIO_FIELDS, Draws
from simulation.measures.across_replications import summarise
from simulation.measures.costs import COST_COLUMNS, cost_items, summarise_costs
from simulation.questions.projection_draws import ProjectionVary
from simulation.questions.projection_spec import (
    CHECK_COHORT,
    TREND_PREFIX,
    ProjectionSpec,
    national_sizes,
    projection_points,
)
from simulation.questions.success import (
    combined_serious,
    replication_probabilities,
    success_probabilities,
    trend_table,
)
from simulation.questions.years import calibrate_years
from simulation.runs.checkpoints import TaskStore
from simulation.runs.distributed import GroupDone
from simulation.runs.runner import run_groups
from simulation.runs.tasks import groups_for

if TYPE_CHECKING:
    from distributed import Client

PROJECTION_MEASURES = (
    "frequency_per_100",
    "binary_rate_percent",
    "serious_per_100",
    "serious_offenders_percent",
    "serious_sexual_per_100",
    "detected_per_100",
    "committed_per_100",
)
GROUP_ROWS = {("adult", "custody"): ("adult custody", "adult_custody"),
              ("youth", "custody"): ("youth custody", "youth_custody"),
              ("youth", "community"): ("youth community", "youth_community")}
"""Disposal groups shown as rows of their own (cohort label, figures section): those with published figures."""


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
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    """P(A.38) of the baseline under other trends after the last figure (`success.trend_table`)."""
    probabilities: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Per scenario and criterion, the probability in each replication (for precision)."""


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
    whose calibrated years are re-fitted first, `on_draw_solved` called after each). With more than one worker (or
    a cluster) the re-fits and the runs share one Dask client."""
    points, _ = projection_points(spec)
    with contextlib.ExitStack() as stack:
        client: Client | None = None
        if workers > 1 or scheduler is not None:
            from simulation.runs.distributed import dask_client, environment_errors

            client = stack.enter_context(dask_client(workers, scheduler))
            stack.enter_context(environment_errors(scheduler))
        vary = None
        if draws is not None:
            draws.prepare(replications)
            vary = ProjectionVary(spec, draws)
            vary.solve(replications, workers, scheduler, on_draw_solved, client)
        groups = groups_for(points, replications, spec.seed, vary, spec.unit_costs, (BASELINE_YEAR, TARGET_YEAR),
                            cohort_per_replication=True, keep=rows_read)
        return run_groups(None, groups, workers, scheduler, store, on_group_done, client)


def rows_read(rows: pd.DataFrame) -> pd.Series:
    """The rows of a replication the projection's tables read (`TaskGroup.keep`): every measure of whole cohorts,
    what the programmes did (the money), the frequency and binary rate of the disposal groups with figures
    (`GROUP_ROWS`) and of the check cohort by sex. The rest (age bands, offence groups, programmes' eligible
    offenders and participants) is a twentieth of the rows a replication makes: dropped where the group is reduced,
    so 100 drawn replications are held in tens of megabytes, not gigabytes."""
    group = rows["group"]
    rates = rows["measure"].isin(["frequency_per_100", "binary_rate_percent"])
    disposals = (group == "disposal") & rows["group_value"].isin({d for _, d in GROUP_ROWS}) & rows["cohort"].isin(
        {k for k, _ in GROUP_ROWS})
    check = (group == "sex") & (rows["cohort"] == CHECK_COHORT)
    return group.isin(["all", "programme"]) | ((disposals | check) & rates)


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
    levels = rows[rows["cohort"].isin(["adult", "youth"])
                  & ~rows["scenario"].str.endswith((" minus baseline", " percent change"))]
    wanted = levels[(levels["group"] == "all") & levels["measure"].isin(PROJECTION_MEASURES)]
    groups = []
    for (kind, disposal), (label, _) in GROUP_ROWS.items():
        part = levels[(levels["cohort"] == kind) & (levels["group"] == "disposal") & (levels["group_value"] == disposal)
                      & levels["measure"].isin(["frequency_per_100", "binary_rate_percent"])]
        groups.append(part.assign(cohort=label, group="all", group_value="all"))
    combined = combined_serious(rows, national_sizes(spec))
    check = rows[(rows["cohort"] == CHECK_COHORT) & (rows["group"] == "sex")
                 & rows["measure"].isin(["frequency_per_100", "binary_rate_percent"])]
    check = check.assign(cohort=CHECK_COHORT + ", " + check["group_value"].map({"male": "men", "female": "women"}),
                         group="all", group_value="all")
    data = pd.concat([wanted, *groups, combined, check], ignore_index=True)
    data = data[["year", "cohort", "replication", "scenario", "measure", "group", "group_value", "value",
                 "mc_variance"]]
    table = summarise(data, assumption_uncertainty=uncertainty)
    table = table.drop(columns=["group", "group_value"])
    table["calibration"] = [_status(status, str(c), int(y))
                            for c, y in zip(table["cohort"], table["year"], strict=True)]
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


def _status(status: dict[tuple[str, int], str], cohort: str, year: int) -> str:
    if cohort.startswith(CHECK_COHORT):
        return status.get(("adult", year), "calibrated")
    if cohort == "adult and youth":
        parts = {status.get((kind, year), "") for kind in ("adult", "youth")}
        return "uncalibrated" if "uncalibrated" in parts else status.get(("adult", year), "")
    return status.get((cohort.split(" ")[0], year), "")


def _figure(figures: Figures, cohort: str, year: int, measure: str) -> tuple[float, str]:
    figure = None
    if cohort.startswith(CHECK_COHORT):
        sex = "male" if cohort.endswith("men") and not cohort.endswith("women") else "female"
        figure = getattr(figures.custody_leavers_2004[sex], measure, None)  # type: ignore[index]
    elif cohort in ("adult", "youth"):
        figure = figures.figure(cohort, year, measure)
    else:
        section = {label: section for label, section in GROUP_ROWS.values()}.get(cohort)
        group = getattr(figures, section).get(year) if section is not None else None
        figure = getattr(group, measure, None) if group is not None else None
    if figure is None or figure.value is None:
        return np.nan, ""
    return figure.value, figure.status


def projection_cost_items(rows: pd.DataFrame, spec: ProjectionSpec) -> pd.DataFrame:
    """Per replication, every scenario's money items over the years it runs, adult and youth together, national
    (`costs.cost_items`)."""
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
        return pd.DataFrame(columns=["replication", "scenario", "item", "value"])
    return pd.concat(items, ignore_index=True)


def projection_costs(rows: pd.DataFrame, spec: ProjectionSpec) -> pd.DataFrame:
    """The costs table: every scenario's items over the years it runs, adult and youth together, national."""
    items = projection_cost_items(rows, spec)
    if items.empty:
        return pd.DataFrame(columns=list(COST_COLUMNS))
    return summarise_costs(items)


def precision_series(spec: ProjectionSpec) -> tuple[Any, Any]:
    """What `--precision` watches in a projection: the relative precision of 2011's adult and youth frequency and
    serious re-offending of every scenario, and the absolute precision of every P(A.38)."""
    names = ["baseline", *[s.name for s in spec.scenarios]]

    def relative(rows: pd.DataFrame) -> dict[str, np.ndarray]:
        wanted = rows[rows["measure"].isin(["frequency_per_100", "serious_per_100"]) & (rows["group"] == "all")
                      & (rows["year"] == TARGET_YEAR) & rows["cohort"].isin(["adult", "youth"])
                      & rows["scenario"].isin(names)]
        return {f"{c} {m} {s}": part.sort_values("replication")["value"].to_numpy()
                for (c, m, s), part in wanted.groupby(["cohort", "measure", "scenario"])}

    def absolute(rows: pd.DataFrame) -> dict[str, np.ndarray]:
        main = fill_inactive(rows[~rows["scenario"].str.startswith(TREND_PREFIX)], spec)
        per = replication_probabilities(main, national_sizes(spec), names)
        return {f"P(A.38) {criterion} {scenario}": values[criterion]
                for scenario, values in per.items() for criterion in ("adult", "youth", "serious", "all")}

    return relative, absolute


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
    variants = rows["scenario"].str.startswith(TREND_PREFIX)
    main = fill_inactive(rows[~variants], spec)
    uncertainty = draws is not None
    names = ["baseline", *[s.name for s in spec.scenarios]]
    return ProjectionResult(
        projection=projection_table(main, spec, status, uncertainty),
        success=success_probabilities(main, spec, status),
        costs=projection_costs(main, spec),
        per_replication=main,
        status=status,
        trend=trend_table(rows[~rows["scenario"].str.endswith((" minus baseline", " percent change"))], spec, status),
        probabilities=replication_probabilities(main, national_sizes(spec), names),
    )


def headline(result: ProjectionResult) -> pd.DataFrame:
    """Published-year check: adult frequency and binary rate, and the 2004 custody leavers by sex, beside the
    figures (baseline only)."""
    table = result.projection
    rows = table[(table["scenario"] == "baseline") & table["figure_status"].isin(EVIDENCE)
                 & table["measure"].isin(["frequency_per_100", "binary_rate_percent", "serious_per_100"])]
    return rows[["cohort", "year", "measure", "mean", "ci_lower", "ci_upper", "figure",
                 "difference_from_figure_percent"]]


def scenario_summary(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Every assumption of every scenario with its value, range and source, for the output metadata."""
    out = []
    for scenario in scenarios:
        for spec in scenario.interventions:
            for name in SCENARIO_FIELDS:
                value = getattr(spec, name)
                if value is not None:
                    out.append({"scenario": scenario.name, "parameter": f"{spec.name}.{name}", "value": value.value,
                                "range": list(value.range), "source": value.source,
                                "evidence": [e.model_dump() for e in value.evidence]})
            if spec.referral_flow is not None:
                flow = spec.referral_flow.given
                out.append({"scenario": scenario.name, "parameter": f"{spec.name}.referral_flow.per_year",
                            "value": None if flow is None else flow.value,
                            "range": None if flow is None else list(flow.range),
                            "source": "derived for each cohort: max(T - R, 3R) (simulation/inputs/services.py)"
                            if flow is None else flow.source, "evidence": []})
            for name, text in spec.sources.items():
                out.append({"scenario": scenario.name, "parameter": f"{spec.name}.{name}",
                            "value": _plain_setting(getattr(spec, name)), "range": None, "source": text,
                            "evidence": []})
        for name, assumption in scenario.policy.items():
            out.append({"scenario": scenario.name, "parameter": f"policy.{name}", "value": assumption.value,
                        "range": list(assumption.range), "source": assumption.source})
    return out


def _plain_setting(value: Any) -> Any:
    return value if isinstance(value, int | float | str | type(None)) else str(value)


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
    effects = calibrate_years(cohorts, spec.figures, spec.params, spec.check_recipe().build(), spec.seed,
                              replications, tolerance=0.005, effects=spec.effects)
    return dataclasses.replace(spec, effects=effects)
