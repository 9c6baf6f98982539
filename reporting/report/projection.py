"""The PSA question: projected re-offending 2004-2011, the A.38 success probability, and what is averted.

Success means the adult rate, the youth rate and serious re-offending all lower in 2011 than in 2004 Q1
(000:726-728). The projection fan draws, per scenario, the mean by year inside two bands: the Monte Carlo
interval (dark) and, when assumption uncertainty was drawn, the wider interval with it (light), so the two
sources of uncertainty are seen apart. The 2004 baseline value is marked, since 2011 must fall below it.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import rows_of
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, SHAPES, WIDTH, Figure, configure, expected, slug
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.report.scenarios import interval_text

PROJECTION_COLUMNS = ("scenario", "cohort", "year", "measure", "mean", "ci_lower", "ci_upper")
SUCCESS_COLUMNS = ("scenario", "criterion", "probability", "ci_lower", "ci_upper")
COST_COLUMNS = ("scenario", "item", "mean", "ci_lower", "ci_upper", "unit")
BASELINE_YEAR = 2004
CRITERIA = {"adult": "adult rate lower", "youth": "youth rate lower", "serious": "serious re-offending lower",
            "all": "all three (A.38 met)"}


def fan_figure(rows: pd.DataFrame, measure: str, cohort: str, prefix: str) -> Figure | None:
    """Projection of one measure for one cohort: mean line, Monte Carlo band, total band, per scenario."""
    import altair as alt

    rows = rows.dropna(subset=["mean"]).sort_values("year")
    if rows.empty:
        return None
    data = pd.DataFrame({
        "scenario": rows["scenario"].astype(str).to_numpy(), "year": rows["year"].astype(int).to_numpy(),
        "mean": rows["mean"].astype(float).to_numpy(),
        "mc_lower": rows["ci_lower"].astype(float).to_numpy(), "mc_upper": rows["ci_upper"].astype(float).to_numpy(),
    })
    has_total = {"total_lower", "total_upper"} <= set(rows.columns) and rows["total_lower"].notna().any()
    if has_total:
        data["total_lower"] = rows["total_lower"].astype(float).to_numpy()
        data["total_upper"] = rows["total_upper"].astype(float).to_numpy()
    scenarios = list(dict.fromkeys(data["scenario"]))
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(scenarios))]
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios, range=colours))
    x = alt.X("year:O", title="Cohort year (Q1)")
    base = alt.Chart(data)
    layers = []
    if has_total:
        layers.append(base.mark_area(opacity=0.15).encode(
            x=x, y=alt.Y("total_lower:Q", title=measure.replace("_", " "), scale=alt.Scale(zero=False)),
            y2="total_upper:Q", color=colour))
    layers += [
        base.mark_area(opacity=0.35).encode(x=x, y=alt.Y("mc_lower:Q", title=measure.replace("_", " "),
                                                          scale=alt.Scale(zero=False)), y2="mc_upper:Q", color=colour),
        base.mark_line().encode(x=x, y="mean:Q", color=colour),
        base.mark_point(filled=True, size=35).encode(x=x, y="mean:Q", color=colour,
                                                     shape=alt.Shape("scenario:N", scale=alt.Scale(
                                                         domain=scenarios, range=list(SHAPES[: len(scenarios)])))),
    ]
    baseline = data[(data["year"] == BASELINE_YEAR)]
    n_rule = 0
    if len(baseline):
        value = float(baseline["mean"].iloc[0])
        layers.append(alt.Chart(pd.DataFrame({"baseline": [value]})).mark_rule(
            color="#000000", strokeDash=[5, 4]).encode(y="baseline:Q"))
        n_rule = 1
    chart = alt.layer(*layers).properties(width=WIDTH - 60, height=260)
    last = data[data["year"] == data["year"].max()]
    parts = [f"{r.scenario} {r.mean:.1f} ({r.mc_lower:.1f} to {r.mc_upper:.1f})" for r in rows_of(last)]
    described = (f"Projected {measure.replace('_', ' ')} for {cohort} cohorts {data['year'].min()}-"
                 f"{data['year'].max()} by scenario; dark band: Monte Carlo interval"
                 + ("; light band: with assumption uncertainty" if has_total else "")
                 + (f"; dashed line: the {BASELINE_YEAR} baseline" if n_rule else "")
                 + f". In {data['year'].max()}: " + "; ".join(parts) + ".")
    title = f"Projection: {measure.replace('_', ' ')}, {cohort}"
    marks = expected(area=len(scenarios) * (2 if has_total else 1), line=len(scenarios), point=len(data),
                     rule=n_rule)
    return Figure(slug(prefix, "fan", cohort, measure), title, configure(chart, title, described), described, data,
                  marks)


def success_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Probability of meeting each A.38 criterion, per scenario, with intervals."""
    import altair as alt

    rows = table.dropna(subset=["probability"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "scenario": rows["scenario"].astype(str).to_numpy(),
        "criterion": rows["criterion"].astype(str).map(lambda c: CRITERIA.get(c, c)).to_numpy(),
        "probability": 100 * rows["probability"].astype(float).to_numpy(),
        "lower": 100 * rows["ci_lower"].astype(float).fillna(rows["probability"]).to_numpy(),
        "upper": 100 * rows["ci_upper"].astype(float).fillna(rows["probability"]).to_numpy(),
    })
    criteria = [c for c in CRITERIA.values() if c in set(data["criterion"])]
    criteria += sorted(set(data["criterion"]) - set(criteria))
    y = alt.Y("scenario:N", title=None, sort=list(dict.fromkeys(data["scenario"])))
    offset = alt.YOffset("criterion:N", sort=criteria)
    colour = alt.Color("criterion:N", title="Criterion", sort=criteria,
                       scale=alt.Scale(domain=criteria, range=list(OKABE_ITO[: len(criteria)])))
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_bar().encode(x=alt.X("probability:Q", title="probability of success (%)",
                                       scale=alt.Scale(domain=[0, 100])), y=y, yOffset=offset, color=colour),
        base.mark_rule(color="#000000").encode(x="lower:Q", x2="upper:Q", y=y, yOffset=offset),
    ).properties(width=WIDTH - 200, height=ROW_HEIGHT * len(data) + 20)
    met = data[data["criterion"] == CRITERIA["all"]]
    parts = [f"{r.scenario} {r.probability:.0f}%" for r in rows_of(met)]
    described = ("Probability that 2011 is below 2004 for each criterion of A.38, per scenario, with intervals. "
                 + (("All three met: " + ", ".join(parts) + ".") if parts else ""))
    title = "A.38 success probability"
    return Figure(slug(prefix, "success"), title, configure(chart, title, described), described, data,
                  expected(bar=len(data), rule=len(data)))


def averted_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Offences averted per scenario (items counted in offences), with intervals."""
    import altair as alt

    rows = table[table["item"].astype(str).str.endswith("_averted") & (table["unit"].astype(str) == "offences")]
    rows = rows.dropna(subset=["mean"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "label": (rows["scenario"].astype(str) + ": " + rows["item"].astype(str).str.replace("_", " ")).to_numpy(),
        "scenario": rows["scenario"].astype(str).to_numpy(),
        "mean": rows["mean"].astype(float).to_numpy(),
        "lower": rows["ci_lower"].astype(float).fillna(rows["mean"]).to_numpy(),
        "upper": rows["ci_upper"].astype(float).fillna(rows["mean"]).to_numpy(),
    })
    scenarios = list(dict.fromkeys(data["scenario"]))
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios,
                                                                        range=list(OKABE_ITO[: len(scenarios)])))
    y = alt.Y("label:N", sort=data["label"].tolist(), title=None)
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title="offences averted"), x2="upper:Q", y=y,
                                             color=colour),
        base.mark_point(filled=True, size=60, shape="diamond").encode(x="mean:Q", y=y, color=colour),
        alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#000000", strokeDash=[4, 3]).encode(x="zero:Q"),
    ).properties(width=WIDTH - 260, height=ROW_HEIGHT * len(data) + 10)
    described = "Offences averted with intervals; " + "; ".join(
        f"{r.label} {r.mean:.0f} ({r.lower:.0f} to {r.upper:.0f})" for r in rows_of(data)) + "."
    title = "Offences averted"
    return Figure(slug(prefix, "averted"), title, configure(chart, title, described), described, data,
                  expected(rule=len(data) + 1, point=len(data)))


def projection_sections(inputs: Inputs) -> list[Section]:
    """The projection section: fans, success probability, offences and costs averted."""
    if not (inputs.projections or inputs.success or inputs.costs):
        return []
    section = Section("projection", "Re-offending projection and the PSA 23 success test (A.38)")
    section.blocks.append(Paragraph(
        "Success means the adult rate, the youth rate and serious re-offending all lower in 2011 than in the "
        "2004 Q1 baseline (000:726-728). Projected figures are simulated, not published cohort results."))
    uncalibrated = False
    for index, result in enumerate(inputs.projections):
        require_columns(result.table, PROJECTION_COLUMNS, str(result.path))
        table = result.table
        if "calibration" in table.columns and (table["calibration"].astype(str) == "uncalibrated").any():
            uncalibrated = True
        for (cohort, measure), rows in table.groupby(["cohort", "measure"], sort=False):
            figure = fan_figure(rows, str(measure), str(cohort), f"j{index}")
            if figure is not None:
                section.blocks.append(figure)
    if uncalibrated:
        section.blocks.append(Paragraph("Some rows are marked uncalibrated (youth rates have no published figure "
                                        "to calibrate to): read them as illustrations.", kind="caveat"))
    for index, result in enumerate(inputs.success):
        require_columns(result.table, SUCCESS_COLUMNS, str(result.path))
        table = result.table
        shown = pd.DataFrame({
            "Scenario": table["scenario"].astype(str),
            "Criterion": table["criterion"].astype(str).map(lambda c: CRITERIA.get(c, c)),
            "Probability (interval)": [interval_text(100 * p, 100 * lo, 100 * hi, 0) + " %" for p, lo, hi in
                                       zip(table["probability"], table["ci_lower"], table["ci_upper"], strict=True)],
        })
        section.blocks.append(Table(shown, "Probability of meeting A.38", numeric=("Probability (interval)",)))
        figure = success_figure(table, f"u{index}")
        if figure is not None:
            section.blocks.append(figure)
    for index, result in enumerate(inputs.costs):
        require_columns(result.table, COST_COLUMNS, str(result.path))
        table = result.table
        shown = pd.DataFrame({
            "Scenario": table["scenario"].astype(str),
            "Item": table["item"].astype(str).str.replace("_", " "),
            "Mean (interval)": [interval_text(m, lo, hi, 0) for m, lo, hi in
                                zip(table["mean"], table["ci_lower"], table["ci_upper"], strict=True)],
            "Unit": table["unit"].astype(str),
        })
        section.blocks.append(Table(shown, "Offences and costs averted", numeric=("Mean (interval)",)))
        figure = averted_figure(table, f"k{index}")
        if figure is not None:
            section.blocks.append(figure)
    return [section]
