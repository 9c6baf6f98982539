"""Recorded crime: has it changed beyond random variation? The `crime change` section.

For each indicator: each area's count in the base and the current year, the change in per cent with its
interval, the p-value of the test against the area's own fluctuation (A.2, 000:460) and, beside it, the plain
Poisson test's; then the crime types judged higher than random variation allows (A.3, 000:462; A.24, 000:586)
under the stated multiplicity rule. The chart draws each area's change with its interval against no change,
coloured and shaped by direction.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.labels import Labeller, missing
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, WIDTH, Figure, configure, expected, interval_layer, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

COLUMNS = ("indicator", "area", "crime_type", "base_period", "base_count", "current_period", "current_count",
           "ratio", "ratio_ci_lower", "ratio_ci_upper", "p_value", "p_value_poisson", "direction", "judged_higher")
DIRECTIONS = {"fell": (OKABE_ITO[2], "triangle-down"), "rose": (OKABE_ITO[3], "triangle-up"),
              "no change beyond random variation": ("#7a7a7a", "circle"), "not estimable": ("#000000", "square")}
MAX_CHART_ROWS = 60
"""More areas than this are shown in the table only."""


def percent(ratio: Any) -> str:
    """A ratio as a change in per cent: 0.85 -> "-15.0"."""
    return "" if missing(ratio) else f"{(float(ratio) - 1) * 100:+.1f}"


def _p(value: Any) -> str:
    return "" if missing(value) else f"{float(value):.3f}"


def totals_table(rows: pd.DataFrame, title: str) -> Table:
    """Each area's total: counts, change in per cent with its interval, both tests, direction."""
    shown = pd.DataFrame({
        "Area": rows["area"].astype(str),
        "Base": [f"{int(c):,} ({p})" for c, p in zip(rows["base_count"], rows["base_period"], strict=True)],
        "Current": [f"{int(c):,} ({p})" for c, p in zip(rows["current_count"], rows["current_period"], strict=True)],
        "Change (%)": [f"{percent(r)} ({percent(lo)} to {percent(hi)})" if pd.notna(r) else "not estimable"
                       for r, lo, hi in zip(rows["ratio"], rows["ratio_ci_lower"], rows["ratio_ci_upper"],
                                            strict=True)],
        "p (own fluctuation)": [_p(v) for v in rows["p_value"]],
        "p (plain Poisson)": [_p(v) for v in rows["p_value_poisson"]],
        "Direction": rows["direction"].astype(str),
    })
    return Table(shown, f"{title}: current against base year, each area", numeric=("Base", "Current", "Change (%)",
                                                                                   "p (own fluctuation)",
                                                                                   "p (plain Poisson)"),
                 collapsed=len(shown) > 25)


def higher_table(table: pd.DataFrame, indicator: str, rule: str) -> Table | Paragraph:
    """The crime types judged higher than random variation allows (A.3, A.24), or a sentence saying none was."""
    types = table[(table["indicator"] == indicator) & (table["crime_type"] != "all")]
    higher = types[types["judged_higher"].astype("boolean").fillna(False)]
    if higher.empty:
        return Paragraph(f"No crime type of {indicator} is higher than random variation allows in any of the "
                         f"{types['area'].nunique()} areas ({rule}).")
    shown = pd.DataFrame({
        "Area": higher["area"].astype(str),
        "Crime type": higher.get("crime_type_title", higher["crime_type"]).astype(str),
        "Base": higher["base_count"].astype(int).astype(str),
        "Current": higher["current_count"].astype(int).astype(str),
        "Change (%)": [percent(r) for r in higher["ratio"]],
        "Adjusted p (higher)": [_p(v) for v in higher.get("p_higher_adjusted", higher["p_value"])],
    })
    criterion = str(higher["criterion"].iloc[0]) if "criterion" in higher.columns else ""
    return Table(shown, f"Crime types higher than random variation allows{' (' + criterion + ')' if criterion else ''}"
                        f"; {rule}", numeric=("Base", "Current", "Change (%)", "Adjusted p (higher)"))


def change_figure(rows: pd.DataFrame, title: str, prefix: str) -> Figure | None:
    """Each area's change in per cent with its interval, against no change."""
    import altair as alt

    rows = rows.dropna(subset=["ratio", "ratio_ci_lower", "ratio_ci_upper"])
    if rows.empty or len(rows) > MAX_CHART_ROWS:
        return None
    data = pd.DataFrame({"area": rows["area"].astype(str), "change": (rows["ratio"] - 1) * 100,
                         "lower": (rows["ratio_ci_lower"] - 1) * 100, "upper": (rows["ratio_ci_upper"] - 1) * 100,
                         "direction": rows["direction"].astype(str)}).sort_values("change")
    present = [d for d in DIRECTIONS if d in set(data["direction"])]
    y = alt.Y("area:N", sort=data["area"].tolist(), title=None)
    colour = alt.Color("direction:N", title="Direction",
                       scale=alt.Scale(domain=present, range=[DIRECTIONS[d][0] for d in present]))
    shape = alt.Shape("direction:N", title="Direction",
                      scale=alt.Scale(domain=present, range=[DIRECTIONS[d][1] for d in present]))
    chart = interval_layer(data, y, "change from the base year (per cent)", "change", colour, shape).properties(
        width=WIDTH - 200, height=ROW_HEIGHT * len(data) + 10)
    counts = data["direction"].value_counts()
    described = (f"{title}: {len(data)} areas' change from the base year in per cent, each with its interval from "
                 "the area's own fluctuation; the dashed line is no change. "
                 + ", ".join(f"{n} {d}" for d, n in counts.items()) + ".")
    heading = f"{title}: change from {rows['base_period'].iloc[0]} to {rows['current_period'].iloc[0]}"
    return Figure(slug(prefix, "crime-change", str(rows["indicator"].iloc[0])), heading,
                  configure(chart, heading, described), described, data,
                  expected(rule=len(data) + 1, point=len(data)))


def change_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The section of one `crime change` output: a subsection per indicator."""
    table = result.table
    require_columns(table, COLUMNS, str(result.path))
    prefix = f"cc{index}"
    sections = [Section(slug(prefix, "crime-change"), "Recorded crime: change", [
        Paragraph("Recorded crime counts every offence recorded, so it has no sampling error; a change is judged "
                  "against the ordinary fluctuation of each area's own monthly series (A.2): a quasi-Poisson model, "
                  "whose test allows for counts varying more than chance alone would make them. The plain Poisson "
                  "test is shown beside it: where it calls a change and the first does not, the change is within the "
                  "area's usual ups and downs.")])]
    for indicator in dict.fromkeys(table["indicator"].astype(str)):
        title = labeller.title(indicator)
        rows = table[(table["indicator"] == indicator) & (table["crime_type"] == "all")]
        section = Section(slug(prefix, "crime-change", indicator), title, level=3)
        section.blocks.append(totals_table(rows, title))
        figure = change_figure(rows, title, prefix)
        if figure is not None:
            section.blocks.append(figure)
        rule = str(result.metadata.get("multiplicity", "the multiplicity rule in the methods"))
        section.blocks.append(higher_table(table, indicator, rule))
        sections.append(section)
    return sections
