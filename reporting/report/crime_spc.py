"""Recorded crime over time against control limits: the `crime spc` section (iQuanta's way of showing a trend).

For each indicator and area (up to `MAX_CHARTS`, those with the most signals first), a chart of the monthly counts
with the centre line (the base year's level in each season), the band of the 3-sigma control limits, and a mark on
each month that signals (beyond the limits, or ending a run of 8 on one side). A table lists every signal.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, WIDTH, Figure, configure, expected, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

COLUMNS = ("indicator", "area", "period", "count", "centre", "lower_control", "upper_control", "signal", "base_period")
MAX_CHARTS = 4
"""Charts per indicator; the areas with the most signals are drawn."""


def period_date(period: str) -> str:
    """The first day of a period: `2008-04` -> `2008-04-01`; `2008-09 Q2` -> `2008-07-01`."""
    text = str(period)
    if " Q" in text:
        year, quarter = text.split(" Q")
        month = 4 + 3 * (int(quarter) - 1)
        start = int(year[:4])
        return f"{start + (month > 12)}-{(month - 1) % 12 + 1:02d}-01"
    return f"{text[:7]}-01"


def spc_figure(rows: pd.DataFrame, title: str, area: str, prefix: str) -> Figure:
    """Counts, centre line, control-limit band and signals of one area's series."""
    import altair as alt

    data = pd.DataFrame({"date": [period_date(p) for p in rows["period"]], "count": rows["count"].astype(float),
                         "centre": rows["centre"].astype(float), "lower": rows["lower_control"].astype(float),
                         "upper": rows["upper_control"].astype(float),
                         "signal": rows["signal"].astype(object).fillna("").astype(str)})
    x = alt.X("date:T", title=None)
    base = alt.Chart(data)
    layers = [
        base.mark_area(opacity=0.18, color=OKABE_ITO[0]).encode(x=x, y=alt.Y("lower:Q", title="offences"),
                                                                y2="upper:Q"),
        base.mark_line(color="#505a5f", strokeDash=[5, 3]).encode(x=x, y="centre:Q"),
        base.mark_line(color=OKABE_ITO[0], strokeWidth=1.5).encode(x=x, y="count:Q"),
    ]
    signals = data[data["signal"] != ""]
    if len(signals):
        layers.append(alt.Chart(signals).mark_point(shape="triangle-up", filled=True, size=70, color=OKABE_ITO[3])
                      .encode(x=x, y="count:Q", tooltip=["date:T", "count:Q", "signal:N"]))
    chart = alt.layer(*layers).properties(width=WIDTH - 120, height=220)
    base_period = str(rows["base_period"].iloc[0])
    described = (f"{title}, {area}: offences each period from {data['date'].iloc[0][:7]} to "
                 f"{data['date'].iloc[-1][:7]} (solid line) against the level of {base_period} in each season (dashed "
                 f"line) and its 3-sigma control limits (shaded band); {len(signals)} period(s) signal (triangles).")
    heading = f"{title}: {area} against control limits"
    return Figure(slug(prefix, "spc", str(rows["indicator"].iloc[0]), area), heading,
                  configure(chart, heading, described), described, data,
                  expected(area=1, line=2, point=len(signals)))


def spc_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The section of one `crime spc` output."""
    table = result.table
    require_columns(table, COLUMNS, str(result.path))
    prefix = f"cs{index}"
    section = Section(slug(prefix, "crime-spc"), "Recorded crime: control limits")
    section.blocks.append(Paragraph(
        "Each month against what the base year's level and the season lead one to expect, with limits of three "
        "times the series' own standard deviation: a month beyond them, or a run of eight on one side of the centre "
        "line, is a signal that something beyond ordinary fluctuation has changed. The longer-term trend matters "
        "in judging any single year (A.4)."))
    for indicator in dict.fromkeys(table["indicator"].astype(str)):
        rows = table[table["indicator"] == indicator]
        signals = rows[rows["signal"].astype(object).fillna("") != ""]
        ranked = signals["area"].value_counts()
        areas = list(dict.fromkeys([*ranked.index, *rows["area"].unique()]))[:MAX_CHARTS]
        for area in areas:
            section.blocks.append(spc_figure(rows[rows["area"] == area], labeller.title(indicator), str(area), prefix))
        if rows["area"].nunique() > MAX_CHARTS:
            section.blocks.append(Paragraph(f"{labeller.title(indicator)}: {rows['area'].nunique()} areas; the "
                                            f"{MAX_CHARTS} with the most signals are drawn. Run safer crime spc with "
                                            "--area for one partnership's chart.", kind="note"))
        if len(signals):
            shown = pd.DataFrame({"Area": signals["area"].astype(str), "Period": signals["period"].astype(str),
                                  "Offences": signals["count"].astype(int).astype(str),
                                  "Expected at the base level": signals["centre"].map(lambda v: f"{v:.1f}"),
                                  "Signal": signals["signal"].astype(str)})
            section.blocks.append(Table(shown, f"{labeller.title(indicator)}: signals", numeric=("Offences",),
                                        collapsed=len(shown) > 20))
    return [section]
