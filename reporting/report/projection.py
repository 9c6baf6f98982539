"""The PSA question: the A.38 probability first, then the projected A.38 measures, then what is averted and costs.

Success means the adult rate, the youth rate and serious re-offending all lower in 2011 than in 2004 Q1 (000:726-728).
The three A.38 measures are drawn as small multiples: first the baseline projection, the Monte Carlo band (dark)
inside the band with assumption uncertainty (light) when it was drawn, and the published figures overlaid
(filled) with the assumed ones (hollow); then each scenario minus the baseline. Rates are counts per 100
offenders, so bands are cut at zero and no axis goes below it. The 2004 and 2011 values are tabled beside the
probability.
"""

from __future__ import annotations

import pandas as pd

from reporting.numbers import interval, rows_of
from reporting.publication import require_columns
from reporting.report.costs import cost_blocks
from reporting.report.figures import OKABE_ITO, SHAPES, Figure, expected, panel_figure, slug, zero_rule
from reporting.report.inputs import Inputs
from reporting.report.model import Block, Paragraph, Section, Table
from reporting.report.success import (
    SUCCESS_COLUMNS,
    TREND_COLUMNS,
    success_figure,
    success_table,
    too_few_warning,
    trend_table,
)

PROJECTION_COLUMNS = ("scenario", "cohort", "year", "measure", "mean", "ci_lower", "ci_upper")
BASELINE_YEAR = 2004
TARGET_YEAR = 2011
BASELINE = "baseline"
A38_MEASURES = (("adult", "frequency_per_100", "Adult: proven re-offences per 100 offenders"),
                ("youth", "frequency_per_100", "Youth: proven re-offences per 100 offenders"),
                ("adult and youth", "serious_per_100", "Serious re-offences per 100 offenders (adult and youth)"))
"""The three measures A.38 judges: (cohort, measure, panel title)."""
DIFFERENCE = " minus baseline"
SHORT_NAMES = {"Adult: proven re-offences per 100 offenders": "Adult rate",
               "Youth: proven re-offences per 100 offenders": "Youth rate",
               "Serious re-offences per 100 offenders (adult and youth)": "Serious (adult and youth)",
               "Serious re-offences per 100 adult offenders": "Serious (adults)"}
"""Names of the A.38 measures short enough for a table on a phone (all are per 100 offenders)."""


def a38_rows(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(panel title, rows) of each A.38 measure present; serious re-offending of adults alone when the table has
    no combined cohort."""
    found = []
    cohorts = set(table["cohort"].astype(str))
    for cohort, measure, title in A38_MEASURES:
        if cohort == "adult and youth" and cohort not in cohorts:
            cohort, title = "adult", "Serious re-offences per 100 adult offenders"
        rows = table[(table["cohort"].astype(str) == cohort) & (table["measure"].astype(str) == measure)]
        if len(rows.dropna(subset=["mean"])):
            found.append((title, rows.dropna(subset=["mean"])))
    return found


def baseline_fans(table: pd.DataFrame, prefix: str) -> Figure | None:
    """The A.38 measures under the baseline: bands, mean line, published and assumed figures, the 2004 line."""
    import altair as alt

    panels, frames, marks = [], [], dict.fromkeys(("area", "line", "point", "rule"), 0)
    for title, rows in a38_rows(table):
        rows = rows[rows["scenario"].astype(str) == BASELINE].sort_values("year")
        if rows.empty:
            continue
        data = pd.DataFrame({
            "panel": title, "year": rows["year"].astype(int).to_numpy(), "mean": rows["mean"].astype(float).to_numpy(),
            "mc_lower": rows["ci_lower"].astype(float).clip(lower=0).to_numpy(),
            "mc_upper": rows["ci_upper"].astype(float).to_numpy()})
        has_total = {"total_lower", "total_upper"} <= set(rows.columns) and rows["total_lower"].notna().any()
        if has_total:
            data["total_lower"] = rows["total_lower"].astype(float).clip(lower=0).to_numpy()
            data["total_upper"] = rows["total_upper"].astype(float).to_numpy()
        if {"figure", "figure_status"} <= set(rows.columns):
            data["figure"] = pd.to_numeric(rows["figure"], errors="coerce").to_numpy()
            data["figure status"] = rows["figure_status"].astype(str).to_numpy()
        x = alt.X("year:O", title="cohort year (Q1)")
        y_title = "per 100 offenders"
        base = alt.Chart(data)
        layers = []
        # A band is drawn over the years that have an interval (too few replications or offenders leave none).
        total_band = data.dropna(subset=["total_lower", "total_upper"]) if has_total else data.iloc[:0]
        mc_band = data.dropna(subset=["mc_lower", "mc_upper"])
        if not total_band.empty:
            layers.append(alt.Chart(total_band).mark_area(opacity=0.18, color=OKABE_ITO[0]).encode(
                x=x, y=alt.Y("total_lower:Q", title=y_title, scale=alt.Scale(zero=False)), y2="total_upper:Q"))
        if not mc_band.empty:
            layers.append(alt.Chart(mc_band).mark_area(opacity=0.4, color=OKABE_ITO[0]).encode(
                x=x, y=alt.Y("mc_lower:Q", title=y_title, scale=alt.Scale(zero=False)), y2="mc_upper:Q"))
        layers.append(base.mark_line(color=OKABE_ITO[0]).encode(x=x, y=alt.Y("mean:Q", title=y_title)))
        marks["area"] += int(not total_band.empty) + int(not mc_band.empty)
        marks["line"] += 1
        if "figure" in data.columns and data["figure"].notna().any():
            figures = data.dropna(subset=["figure"])
            status = alt.Color("figure status:N", title="Figure", scale=alt.Scale(
                domain=["published", "assumed"], range=["#000000", "#7a7a7a"]))
            layers.append(alt.Chart(figures).mark_point(size=60, filled=False, shape="diamond", opacity=1,
                                                        strokeWidth=1.5).encode(
                x=x, y="figure:Q", color=status, fill=alt.Fill("figure status:N", scale=alt.Scale(
                    domain=["published", "assumed"], range=["#000000", "#ffffff"]), legend=None)))
            marks["point"] += len(figures)
        if (data["year"] == BASELINE_YEAR).any():
            value = float(data.loc[data["year"] == BASELINE_YEAR, "mean"].iloc[0])
            layers.append(alt.Chart(pd.DataFrame({"baseline": [value]})).mark_rule(
                color="#000000", strokeDash=[5, 4]).encode(y="baseline:Q"))
            marks["rule"] += 1
        panels.append(alt.layer(*layers).properties(title=title, height=200))
        frames.append(data)
    if not panels:
        return None
    data = pd.concat(frames, ignore_index=True)
    last = data[data["year"] == data["year"].max()]
    parts = [f"{r.panel} {interval(r.mean, r.mc_lower, r.mc_upper)}" for r in rows_of(last)]
    described = (f"The baseline projection of the three A.38 measures, {data['year'].min()}-{data['year'].max()}: "
                 "dark band the Monte Carlo interval (cut at zero), light band with assumption uncertainty when "
                 "drawn; diamonds the published figures (filled) and assumed ones (hollow); dashed line the "
                 f"{BASELINE_YEAR} value that {TARGET_YEAR} must be below. In {data['year'].max()}: "
                 + "; ".join(parts) + ".")
    return panel_figure(slug(prefix, "fan", "baseline"), "The A.38 measures under the baseline", panels, described,
                        data, expected(**marks))


def difference_fans(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Each scenario minus the baseline, by year, for the three A.38 measures (one panel each)."""
    import altair as alt

    panels, frames, n_lines, n_points = [], [], 0, 0
    for title, rows in a38_rows(table):
        levels = rows.pivot_table(index="year", columns="scenario", values="mean", aggfunc="first")
        if BASELINE not in levels.columns:
            continue
        scenarios = [s for s in dict.fromkeys(rows["scenario"].astype(str)) if s != BASELINE
                     and not s.endswith(DIFFERENCE)]
        if not scenarios:
            continue
        long = (levels[scenarios].sub(levels[BASELINE], axis=0).reset_index()
                .melt(id_vars="year", var_name="scenario", value_name="difference").dropna())
        long["panel"] = title
        # Show the years where a scenario differs from the baseline at all (from its start year on); a scenario
        # that never differs (it does not reach this cohort) is left out and said so.
        started = long.groupby("scenario")["difference"].transform(lambda d: d.abs().cumsum() > 0)
        long = long[started]
        if long.empty:
            continue
        colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(
            domain=scenarios, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(scenarios))]))
        shape = alt.Shape("scenario:N", title="Scenario", scale=alt.Scale(
            domain=scenarios, range=[SHAPES[i % len(SHAPES)] for i in range(len(scenarios))]))
        x = alt.X("year:O", title="cohort year (Q1)")
        base = alt.Chart(long)
        panels.append(alt.layer(
            base.mark_line().encode(x=x, y=alt.Y("difference:Q", title="scenario minus baseline"), color=colour),
            base.mark_point(filled=True, size=40, opacity=1).encode(x=x, y="difference:Q", color=colour,
                                                                     shape=shape),
            zero_rule("y"),
        ).properties(title=title, height=200))
        n_lines += long["scenario"].nunique()
        n_points += len(long)
        frames.append(long)
    if not panels:
        return None
    data = pd.concat(frames, ignore_index=True)
    last = data[data["year"] == data["year"].max()]
    parts = [f"{r.panel}, {r.scenario} {r.difference:+.1f}" for r in rows_of(last)]
    described = ("Each scenario's projection minus the baseline's for the three A.38 measures (below zero: fewer "
                 "re-offences), from the year it starts; the projection table holds no interval for these paired "
                 f"differences, so read them with the A.38 probabilities. In {data['year'].max()}: "
                 + "; ".join(parts) + ".")
    return panel_figure(slug(prefix, "fan", "differences"), "The A.38 measures: each scenario minus the baseline",
                        panels, described, data, expected(line=n_lines, point=n_points, rule=len(panels)))


def count_interval(rows: pd.DataFrame) -> tuple[float, float, float]:
    """Mean and interval of a rate per 100 from the first row, the lower bound cut at zero (a count cannot be
    negative; the normal interval of a rare event can reach below it)."""
    mean, lower, upper = rows[["mean", "ci_lower", "ci_upper"]].iloc[0]
    return float(mean), max(float(lower), 0.0), float(upper)


def endpoints_table(table: pd.DataFrame) -> Table | None:
    """The A.38 measures in 2004 and 2011 per scenario, with intervals."""
    records = []
    for title, rows in a38_rows(table):
        for scenario in dict.fromkeys(rows["scenario"].astype(str)):
            mine = rows[rows["scenario"].astype(str) == scenario]
            first = mine[mine["year"].astype(int) == BASELINE_YEAR]
            last = mine[mine["year"].astype(int) == TARGET_YEAR]
            if first.empty or last.empty:
                continue
            records.append({"Measure": SHORT_NAMES.get(title, title), "Scenario": scenario,
                            str(BASELINE_YEAR): interval(*count_interval(first)),
                            str(TARGET_YEAR): interval(*count_interval(last))})
    if not records:
        return None
    return Table(pd.DataFrame(records), f"The A.38 measures in {BASELINE_YEAR} and {TARGET_YEAR}, per 100 "
                                        "offenders (mean, 95% Monte Carlo interval, cut at zero)",
                 numeric=(str(BASELINE_YEAR), str(TARGET_YEAR)))


def projection_sections(inputs: Inputs) -> list[Section]:
    """The projection section: the A.38 probability, the projected measures, offences and costs averted."""
    if not (inputs.projections or inputs.success or inputs.costs or inputs.trends):
        return []
    section = Section("projection", "Re-offending projection and the PSA 23 success test (A.38)")
    blocks: list[Block] = [Paragraph(
        "Success means the adult rate, the youth rate and serious re-offending all lower in 2011 than in the "
        "2004 Q1 baseline. Projected figures are simulated, not published cohort results.")]
    for index, result in enumerate(inputs.success):
        require_columns(result.table, SUCCESS_COLUMNS, str(result.path))
        blocks.append(success_table(result.table))
        figure = success_figure(result.table, f"u{index}")
        if figure is not None:
            blocks.append(figure)
    for result in inputs.trends:
        require_columns(result.table, TREND_COLUMNS, str(result.path))
        if len(result.table):
            warning = too_few_warning(result.table)
            if warning:
                blocks.append(Paragraph(warning, kind="caveat"))
            blocks.append(trend_table(result.table))
            blocks.append(Paragraph(
                "After the last published year no figure pins the trend down: the table shows how the baseline's "
                "probability moves between the ends of the trend fitted to the published series, a flat trend "
                "and one rising 3% a year. Where it swings, the answer rests on the trend, not on the model."))
    uncalibrated = False
    for index, result in enumerate(inputs.projections):
        require_columns(result.table, PROJECTION_COLUMNS, str(result.path))
        table = result.table
        if "calibration" in table.columns and (table["calibration"].astype(str) == "uncalibrated").any():
            uncalibrated = True
        ends = endpoints_table(table)
        if ends is not None:
            blocks.append(ends)
        for figure in (baseline_fans(table, f"j{index}"), difference_fans(table, f"j{index}")):
            if figure is not None:
                blocks.append(figure)
    if uncalibrated:
        blocks.append(Paragraph("Some rows are marked uncalibrated (youth rates have no published figure to "
                                "calibrate to): read them as illustrations.", kind="caveat"))
    for index, result in enumerate(inputs.costs):
        blocks += cost_blocks(result, f"k{index}")
    section.blocks = blocks
    return [section]
