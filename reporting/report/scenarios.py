"""Scenario comparison from `safer simulate run`: headline re-offending measures per scenario with their intervals.

The Annex's headline rate is the frequency, proven re-offences per 100 offenders; the binary rate and serious
re-offending are shown beside it (DOMAIN.md section 3). Each scenario runs on the baseline's random numbers, so
the "<scenario> minus baseline" rows are paired differences, drawn against zero. Intervals are across
replications: Monte Carlo error only.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import rows_of
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, SHAPES, WIDTH, Figure, configure, expected, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

RUN_COLUMNS = ("scenario", "measure", "group", "group_value", "mean", "ci_lower", "ci_upper")
HEADLINE_MEASURES = {"frequency_per_100": "Proven re-offences per 100 offenders",
                     "binary_rate_percent": "Offenders who re-offend (%)",
                     "serious_per_100": "Serious re-offences per 100 offenders"}
DIFFERENCE = " minus baseline"
BY_GROUP = "age_band"


def interval_text(mean: float, lower: float, upper: float, digits: int = 1) -> str:
    """"158.8 (152.1 to 165.5)"."""
    if pd.isna(lower) or pd.isna(upper):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({lower:.{digits}f} to {upper:.{digits}f})"


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the headline measures for the whole cohort."""
    return table[(table["group"].astype(str) == "all") & table["measure"].isin(list(HEADLINE_MEASURES))]


def comparison_table(table: pd.DataFrame) -> Table:
    """Scenario by measure: mean and interval."""
    rows = headline_rows(table)
    scenarios = list(dict.fromkeys(rows["scenario"].astype(str)))
    shown = pd.DataFrame({"Scenario": scenarios})
    for measure, label in HEADLINE_MEASURES.items():
        cells = []
        for scenario in scenarios:
            hit = rows[(rows["scenario"] == scenario) & (rows["measure"] == measure)]
            cells.append("" if hit.empty else interval_text(*hit[["mean", "ci_lower", "ci_upper"]].iloc[0]))
        shown[label] = cells
    return Table(shown, "Headline measures per scenario, mean over replications (95% Monte Carlo interval)",
                 numeric=tuple(HEADLINE_MEASURES.values()))


def difference_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Each scenario minus the baseline, per headline measure, with its interval and zero marked."""
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
    data["label"] = data["scenario"] + ": " + data["measure"]
    scenarios = list(dict.fromkeys(data["scenario"]))
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios,
                                                                        range=list(OKABE_ITO[: len(scenarios)])))
    shape = alt.Shape("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios,
                                                                       range=list(SHAPES[: len(scenarios)])))
    y = alt.Y("label:N", sort=data["label"].tolist(), title=None)
    base = alt.Chart(data)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#000000", strokeDash=[4, 3]).encode(x="zero:Q")
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title="difference from baseline"), x2="upper:Q",
                                             y=y, color=colour),
        base.mark_point(filled=True, size=60).encode(x="difference:Q", y=y, color=colour, shape=shape),
        zero,
    ).properties(width=WIDTH - 260, height=ROW_HEIGHT * len(data) + 10)
    parts = [f"{r.label} {r.difference:+.2f} ({r.lower:+.2f} to {r.upper:+.2f})" for r in rows_of(data)]
    described = ("Paired differences from the baseline on common random numbers, with 95% Monte Carlo "
                 "intervals; the dashed line is no difference. " + "; ".join(parts) + ".")
    title = "Scenarios against the baseline"
    return Figure(slug(prefix, "scenario-differences"), title, configure(chart, title, described), described,
                  data, expected(rule=len(data) + 1, point=len(data)))


def group_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """The headline rate by age band for each scenario (no differences), with intervals."""
    import altair as alt

    rows = table[(table["group"].astype(str) == BY_GROUP) & (table["measure"] == "frequency_per_100")
                 & ~table["scenario"].astype(str).str.endswith(DIFFERENCE)].dropna(subset=["mean"])
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
    ).properties(width=WIDTH - 60, height=260)
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


def scenario_sections(result: Result, index: int) -> list[Section]:
    """The scenario comparison of one `simulate run` output."""
    require_columns(result.table, RUN_COLUMNS, str(result.path))
    table = result.table.copy()
    table["scenario"] = table["scenario"].astype(str)
    params = result.metadata.get("parameters") or {}
    prefix = f"s{index}"
    section = Section(slug(prefix, "simulation"), f"Re-offending simulation: {result.path.name}")
    cohort = params.get("cohort", "adult")
    section.blocks.append(Paragraph(
        f"Simulated {cohort} cohort of {params.get('size', '?')} offenders, {params.get('replications', '?')} "
        f"replications, seed {params.get('seed', '?')}. Re-offences are counted as the PSA 23 Measurement Annex "
        "does (committed within 12 months, proven by court conviction within the waiting period). Intervals are "
        "95% Monte Carlo intervals across replications: they do not include uncertainty in the model's "
        "assumptions."))
    section.blocks.append(comparison_table(table))
    for figure in (difference_figure(table, prefix), group_figure(table, prefix)):
        if figure is not None:
            section.blocks.append(figure)
    programmes = programme_table(table)
    if programmes is not None:
        section.blocks.append(programmes)
    return [section]
