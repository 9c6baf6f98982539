"""Scenario comparison from `safer simulate run`: headline re-offending measures per scenario with their intervals.

The Annex's headline rate is the frequency, proven re-offences per 100 offenders; the binary rate and serious
re-offending are shown beside it (DOMAIN.md section 3). Each scenario runs on the baseline's random numbers, so
the "<scenario> minus baseline" rows are paired differences, drawn against zero and judged (fewer or more
re-offences only when the interval excludes zero); "<scenario> percent change" rows are percentages, shown in the
table of differences and never on an axis of rates. Intervals are across replications: Monte Carlo error only;
a missing mean or bound reads "not estimable".
"""

from __future__ import annotations

import pandas as pd

from reporting.numbers import NOT_ESTIMABLE, interval, missing, rows_of
from reporting.publication import require_columns
from reporting.report.figures import (
    OKABE_ITO,
    ROW_HEIGHT,
    SHAPES,
    Figure,
    configure,
    expected,
    interval_layer,
    panel_figure,
    slug,
)
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

RUN_COLUMNS = ("scenario", "measure", "group", "group_value", "mean", "ci_lower", "ci_upper")
HEADLINE_MEASURES = {"frequency_per_100": "Proven re-offences per 100 offenders",
                     "binary_rate_percent": "Offenders who re-offend (%)",
                     "serious_per_100": "Serious re-offences per 100 offenders"}
DIFFERENCE = " minus baseline"
PERCENT_CHANGE = " percent change"
BY_GROUP = "age_band"


def interval_text(mean: float, lower: float, upper: float, digits: int = 1) -> str:
    """"158.8 (152.1 to 165.5)"; "not estimable" when the mean is missing."""
    return interval(mean, lower, upper, digits)


def is_level(scenario: str) -> bool:
    """A scenario's own level (not a difference from the baseline nor a percent change)."""
    return not (scenario.endswith(DIFFERENCE) or scenario.endswith(PERCENT_CHANGE))


def judged_difference(mean: object, lower: object, upper: object) -> str:
    """"fewer", "more" or "no significant difference" (for re-offending fewer is better)."""
    if missing(mean) or missing(lower) or missing(upper):
        return NOT_ESTIMABLE
    if float(upper) < 0:  # type: ignore[arg-type]
        return "fewer"
    if float(lower) > 0:  # type: ignore[arg-type]
        return "more"
    return "no significant difference"


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the headline measures for the whole cohort."""
    return table[(table["group"].astype(str) == "all") & table["measure"].isin(list(HEADLINE_MEASURES))]


def comparison_table(table: pd.DataFrame) -> Table:
    """Scenario by measure: mean and interval (levels only)."""
    rows = headline_rows(table)
    scenarios = [s for s in dict.fromkeys(rows["scenario"].astype(str)) if is_level(s)]
    shown = pd.DataFrame({"Scenario": scenarios})
    for measure, label in HEADLINE_MEASURES.items():
        cells = []
        for scenario in scenarios:
            hit = rows[(rows["scenario"] == scenario) & (rows["measure"] == measure)]
            cells.append("" if hit.empty else interval_text(*hit[["mean", "ci_lower", "ci_upper"]].iloc[0]))
        shown[label] = cells
    return Table(shown, "Headline measures per scenario, mean over replications (95% Monte Carlo interval)",
                 numeric=tuple(HEADLINE_MEASURES.values()))


def difference_table(table: pd.DataFrame) -> Table | None:
    """Each scenario against the baseline: the paired difference, its judgement and the percent change."""
    rows = headline_rows(table)
    scenarios = [s.removesuffix(DIFFERENCE) for s in dict.fromkeys(rows["scenario"].astype(str))
                 if s.endswith(DIFFERENCE)]
    if not scenarios:
        return None
    records = []
    for scenario in scenarios:
        for measure, label in HEADLINE_MEASURES.items():
            diff = rows[(rows["scenario"] == scenario + DIFFERENCE) & (rows["measure"] == measure)]
            pct = rows[(rows["scenario"] == scenario + PERCENT_CHANGE) & (rows["measure"] == measure)]
            if diff.empty:
                continue
            mean, lower, upper = diff[["mean", "ci_lower", "ci_upper"]].iloc[0]
            percent_text = NOT_ESTIMABLE
            if len(pct):
                p_mean, p_lower, p_upper = pct[["mean", "ci_lower", "ci_upper"]].iloc[0]
                percent_text = interval(p_mean, p_lower, p_upper, 1, unit="%")
            records.append({
                "Scenario": scenario, "Measure": label,
                "Difference from baseline (95% interval)": interval(mean, lower, upper, 2),
                "Judgement": judged_difference(mean, lower, upper),
                "Percent change (95% interval)": percent_text,
            })
    shown = pd.DataFrame(records)
    return Table(shown, "Each scenario against the baseline, on common random numbers",
                 numeric=("Difference from baseline (95% interval)", "Percent change (95% interval)"))


def difference_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Each scenario minus the baseline with its interval and zero marked: one panel per headline measure, since
    the measures have different units."""
    import altair as alt

    rows = headline_rows(table)
    rows = rows[rows["scenario"].astype(str).str.endswith(DIFFERENCE)].dropna(subset=["mean"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "scenario": rows["scenario"].str.removesuffix(DIFFERENCE).to_numpy(),
        "measure": rows["measure"].map(HEADLINE_MEASURES).to_numpy(),
        "difference": rows["mean"].astype(float).to_numpy(),
        "lower": rows["ci_lower"].astype(float).fillna(rows["mean"]).to_numpy(),
        "upper": rows["ci_upper"].astype(float).fillna(rows["mean"]).to_numpy(),
    })
    data["judgement"] = [judged_difference(m, lo, hi) for m, lo, hi in
                         zip(data["difference"], data["lower"], data["upper"], strict=True)]
    scenarios = list(dict.fromkeys(data["scenario"]))
    judged = [j for j in ("fewer", "no significant difference", "more") if j in set(data["judgement"])]
    styles = {"fewer": (OKABE_ITO[0], "diamond"), "more": (OKABE_ITO[3], "square"),
              "no significant difference": ("#7a7a7a", "circle")}
    colour = alt.Color("judgement:N", title="Against the baseline",
                       scale=alt.Scale(domain=judged, range=[styles[j][0] for j in judged]))
    shape = alt.Shape("judgement:N", title="Against the baseline",
                      scale=alt.Scale(domain=judged, range=[styles[j][1] for j in judged]))
    panels = []
    for label in dict.fromkeys(data["measure"]):
        part = data[data["measure"] == label]
        y = alt.Y("scenario:N", sort=scenarios, title=None)
        panels.append(interval_layer(part, y, "difference from baseline", "difference", colour, shape, opacity=1)
                      .properties(title=label, height=ROW_HEIGHT * 1.5 * len(part) + 10))
    parts = [f"{r.scenario}, {r.measure}: {r.difference:+.2f} ({r.lower:+.2f} to {r.upper:+.2f}), {r.judgement}"
             for r in rows_of(data)]
    described = ("Paired differences from the baseline on common random numbers, with 95% Monte Carlo "
                 "intervals, one panel per measure; the dashed line is no difference. " + "; ".join(parts) + ".")
    title = "Scenarios against the baseline"
    return panel_figure(slug(prefix, "scenario-differences"), title, panels, described, data,
                        expected(rule=len(data) + len(panels), point=len(data)))


def group_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """The headline rate by age band for each scenario (no differences), with intervals."""
    import altair as alt

    rows = table[(table["group"].astype(str) == BY_GROUP) & (table["measure"] == "frequency_per_100")
                 & table["scenario"].astype(str).map(is_level)].dropna(subset=["mean"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "scenario": rows["scenario"].astype(str).to_numpy(), "age band": rows["group_value"].astype(str).to_numpy(),
        "rate": rows["mean"].astype(float).to_numpy(),
        "lower": rows["ci_lower"].astype(float).fillna(rows["mean"]).to_numpy(),
        "upper": rows["ci_upper"].astype(float).fillna(rows["mean"]).to_numpy(),
    })
    scenarios = list(dict.fromkeys(data["scenario"]))
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios,
                                                                        range=list(OKABE_ITO[: len(scenarios)])))
    shape = alt.Shape("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios,
                                                                       range=list(SHAPES[: len(scenarios)])))
    x = alt.X("age band:N", sort=list(dict.fromkeys(data["age band"])), title="Age band")
    offset = alt.XOffset("scenario:N", sort=scenarios)
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=x, xOffset=offset, y=alt.Y("lower:Q",
                                             title="proven re-offences per 100"), y2="upper:Q", color=colour),
        base.mark_point(filled=True, size=50).encode(x=x, xOffset=offset, y="rate:Q", color=colour, shape=shape),
    ).properties(height=260)
    ranked = data.sort_values("rate")
    high, low = ranked.iloc[-1], ranked.iloc[0]
    described = (f"Proven re-offences per 100 offenders by age band for {', '.join(scenarios)}, with 95% Monte "
                 f"Carlo intervals: highest {high['rate']:.1f} ({high['age band']}, {high['scenario']}), lowest "
                 f"{low['rate']:.1f} ({low['age band']}, {low['scenario']}).")
    title = "Re-offending rate by age band"
    return Figure(slug(prefix, "rate-by-age"), title, configure(chart, title, described), described, data,
                  expected(rule=len(data), point=len(data)))


def programme_table(table: pd.DataFrame) -> Table | None:
    """Programme statistics (places, starts, waiting, cost) per scenario."""
    rows = table[table["group"].astype(str) == "programme"]
    if rows.empty:
        return None
    shown = pd.DataFrame({
        "Scenario": rows["scenario"].astype(str).to_numpy(),
        "Measure": rows["measure"].astype(str).str.replace("programme_", "").str.replace("_", " ").to_numpy(),
        "Mean (95% interval)": [interval_text(m, lo, hi) for m, lo, hi in
                                zip(rows["mean"], rows["ci_lower"], rows["ci_upper"], strict=True)],
    })
    return Table(shown, "Intervention places and their use", numeric=("Mean (95% interval)",))


def scenario_sections(inputs: Inputs) -> list[Section]:
    """The scenario comparisons: every `simulate run` result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.runs):
        sections += one_run_result(result, index)
    return sections


def one_run_result(result: Result, index: int) -> list[Section]:
    """The scenario comparison of one `simulate run` output."""
    require_columns(result.table, RUN_COLUMNS, str(result.path))
    table = result.table.copy()
    table["scenario"] = table["scenario"].astype(str)
    params = result.metadata.get("parameters") or {}
    prefix = f"s{index}"
    cohort = params.get("cohort", "adult")
    section = Section(slug(prefix, "simulation"), f"Re-offending simulation: {cohort} cohort")
    size = params.get("size")
    size_text = f"{int(size):,}" if isinstance(size, (int, float)) else "?"
    section.blocks.append(Paragraph(
        f"Simulated {cohort} cohort of {size_text} offenders, {params.get('replications', '?')} replications. "
        "Re-offences are counted as the PSA 23 Measurement Annex does (committed within 12 months, proven by court "
        "conviction within the waiting period). Intervals are 95% Monte Carlo intervals across replications: they "
        "do not include uncertainty in the model's assumptions."))
    section.blocks.append(comparison_table(table))
    differences = difference_table(table)
    if differences is not None:
        section.blocks.append(differences)
    for figure in (difference_figure(table, prefix), group_figure(table, prefix)):
        if figure is not None:
            section.blocks.append(figure)
    programmes = programme_table(table)
    if programmes is not None:
        section.blocks.append(programmes)
    return [section]
