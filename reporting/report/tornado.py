"""Tornado chart from a sweep: which assumption moves the answer most.

For each parameter, two bars from the result at its central value: one to the result at the low end of its
range, one to the result at the high end. Parameters are sorted by swing, largest at the top.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import rows_of
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, WIDTH, Figure, configure, expected, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

SWEEP_COLUMNS = ("parameter", "measure", "base_value", "low_value", "high_value", "base_result", "low_result",
                 "high_result")


def tornado_data(rows: pd.DataFrame) -> pd.DataFrame:
    """Two bars per parameter (low end, high end), sorted by swing."""
    rows = rows.dropna(subset=["low_result", "high_result", "base_result"]).copy()
    rows["swing"] = (rows["high_result"].astype(float) - rows["low_result"].astype(float)).abs()
    rows = rows.sort_values("swing", ascending=False)
    records = []
    for r in rows_of(rows):
        for end, value, result in (("low end", r.low_value, r.low_result), ("high end", r.high_value, r.high_result)):
            records.append({"parameter": str(r.parameter), "end": end, "setting": value,
                            "base": float(r.base_result), "result": float(result), "swing": float(r.swing)})
    return pd.DataFrame(records, columns=["parameter", "end", "setting", "base", "result", "swing"])


def tornado_figure(rows: pd.DataFrame, measure: str, prefix: str) -> Figure | None:
    """The tornado chart of one measure."""
    import altair as alt

    data = tornado_data(rows)
    if data.empty:
        return None
    order = list(dict.fromkeys(data["parameter"]))
    base_value = float(data["base"].iloc[0])
    colour = alt.Color("end:N", title="Parameter at", scale=alt.Scale(domain=["low end", "high end"],
                                                                       range=[OKABE_ITO[5], OKABE_ITO[3]]))
    y = alt.Y("parameter:N", sort=order, title=None)
    chart = alt.layer(
        alt.Chart(data).mark_bar(opacity=0.9, stroke="#000000", strokeWidth=0.5).encode(
            x=alt.X("base:Q", title=measure.replace("_", " "), scale=alt.Scale(zero=False)), x2="result:Q", y=y,
            color=colour),
        alt.Chart(pd.DataFrame({"base": [base_value]})).mark_rule(color="#000000").encode(x="base:Q"),
    ).properties(width=WIDTH - 220, height=ROW_HEIGHT * 1.4 * len(order))
    top = data.iloc[0]
    described = (f"{measure.replace('_', ' ')}: result at the central assumptions {base_value:.2f} (black line); "
                 f"each bar runs to the result with one parameter at the low or high end of its range. Largest "
                 f"swing: {top['parameter']} ({top['swing']:.2f}); {len(order)} parameters.")
    title = f"Which assumptions matter: {measure.replace('_', ' ')}"
    return Figure(slug(prefix, "tornado", measure), title, configure(chart, title, described), described, data,
                  expected(bar=len(data), rule=1))


def tornado_sections(result: Result, index: int) -> list[Section]:
    """The sweep section of one `simulate sweep` output."""
    require_columns(result.table, SWEEP_COLUMNS, str(result.path))
    prefix = f"w{index}"
    section = Section(slug(prefix, "sweep"), f"Sensitivity to assumptions: {result.path.name}")
    section.blocks.append(Paragraph(
        "Each parameter is moved to the ends of its plausible range with the others at their central values; "
        "the longer the bar, the more the answer depends on that assumption."))
    for measure, rows in result.table.groupby("measure", sort=False):
        figure = tornado_figure(rows, str(measure), prefix)
        if figure is not None:
            section.blocks.append(figure)
        shown = tornado_data(rows)[["parameter", "end", "setting", "result"]]
        shown = shown.assign(result=shown["result"].map(lambda v: f"{v:.2f}"), setting=shown["setting"].astype(str))
        section.blocks.append(Table(shown, f"Sweep results: {str(measure).replace('_', ' ')}", numeric=("result",)))
    return [section]
