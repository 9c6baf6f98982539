"""Recorded crime against most similar groups, and the A.20 status: the `crime peers` section.

For each indicator: a chart per focus area (up to `MAX_CHARTS`) of its group's base-year rates, the area marked,
the benchmark (A.19, 000:568) as a dashed line and the limits of random variation around it; then the A.20 table
(000:570-574): for each area above its benchmark, its rate at the end of the period against the benchmark and its
trajectory target, and whether it reached the benchmark, met the target, or neither. An area that rose above its
benchmark is listed too (A.23, 000:584).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.labels import Labeller, missing
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, WIDTH, Figure, configure, expected, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

COLUMNS = ("indicator", "area", "group_size", "base_period", "base_rate", "benchmark", "benchmark_rule",
           "limit_lower", "limit_upper", "flag", "rank", "current_period", "current_rate", "subject_to_a20",
           "target_rate", "target_source", "a20_status")
MAX_CHARTS = 6
"""Most-similar-group charts per indicator."""


def _rate(value: Any) -> str:
    return "" if missing(value) else f"{float(value):.2f}"


def group_figure(table: pd.DataFrame, row: pd.Series, title: str, prefix: str) -> Figure | None:
    """The area and its peers' base-year rates, the benchmark and the limits around it."""
    import altair as alt

    peers = [p for p in str(row.get("peers", "") or "").split(";") if p]
    members = table[table["area"].isin([row["area"], *peers])]
    if len(members) < 2:
        return None
    data = pd.DataFrame({"area": members["area"].astype(str), "rate": members["base_rate"].astype(float),
                         "who": ["this area" if a == row["area"] else "peer" for a in members["area"]]})
    data = data.sort_values("rate", ascending=False)
    y = alt.Y("area:N", sort=data["area"].tolist(), title=None)
    who = alt.Scale(domain=["this area", "peer"], range=[OKABE_ITO[1], OKABE_ITO[0]])
    points = alt.Chart(data).mark_point(filled=True, size=80).encode(
        x=alt.X("rate:Q", title=f"offences per 1,000 residents, {row['base_period']}"), y=y,
        color=alt.Color("who:N", title=None, scale=who),
        shape=alt.Shape("who:N", title=None, scale=alt.Scale(domain=["this area", "peer"],
                                                              range=["diamond", "circle"])))
    lines = pd.DataFrame({"x": [float(row["benchmark"])], "lo": [float(row["limit_lower"])],
                          "hi": [float(row["limit_upper"])]})
    benchmark = alt.Chart(lines).mark_rule(color="#000000", strokeDash=[5, 3]).encode(x="x:Q")
    limits = alt.Chart(lines).mark_rect(opacity=0.12, color="#505a5f").encode(x="lo:Q", x2="hi:Q")
    chart = alt.layer(limits, benchmark, points).properties(width=WIDTH - 220, height=ROW_HEIGHT * len(data) + 10)
    described = (f"{title}, {row['area']}: its {row['base_period']} rate of {_rate(row['base_rate'])} per 1,000 "
                 f"(diamond) among the {len(data) - 1} peers of its most similar group (circles); the dashed line is "
                 "the "
                 f"benchmark ({row['benchmark_rule']} of the peers' rates), {_rate(row['benchmark'])}, and the "
                 f"shaded "
                 f"band the limits of random variation for the area around it ({_rate(row['limit_lower'])} to "
                 f"{_rate(row['limit_upper'])}): {row['flag']}.")
    heading = f"{title}: {row['area']} and its most similar group"
    return Figure(slug(prefix, "msg", str(row["indicator"]), str(row["area"])), heading,
                  configure(chart, heading, described), described, data,
                  expected(point=len(data), rule=1, rect=1))


def a20_table(rows: pd.DataFrame, title: str) -> Table:
    """Every area above its benchmark (or that rose above it): A.20 status at the end of the period."""
    shown = pd.DataFrame({
        "Area": rows["area"].astype(str),
        "Rate, base": [_rate(v) for v in rows["base_rate"]], "Benchmark": [_rate(v) for v in rows["benchmark"]],
        "Rate, end": [_rate(v) for v in rows["current_rate"]],
        "Trajectory target": [_rate(v) for v in rows["target_rate"]],
        "Target": rows["target_source"].astype(object).fillna("").astype(str),
        "A.20 status": rows["a20_status"].astype(str),
    })
    period = f"{rows['base_period'].iloc[0]} to {rows['current_period'].iloc[0]}" if len(rows) else ""
    return Table(shown, f"{title}: A.20 status, {period}", numeric=("Rate, base", "Benchmark", "Rate, end",
                                                                    "Trajectory target"),
                 collapsed=len(shown) > 25)


def peer_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The section of one `crime peers` output: a subsection per indicator."""
    table = result.table
    require_columns(table, COLUMNS, str(result.path))
    prefix = f"cp{index}"
    focus = table["focus"].astype(bool) if "focus" in table.columns else pd.Series(True, index=table.index)
    sections = [Section(slug(prefix, "crime-peers"), "Recorded crime: most similar groups and A.20", [
        Paragraph("Each partnership is measured against a benchmark set from the rates of similar areas (A.19). "
                  "Those above it succeed by reaching the benchmark, or by meeting an agreed target on a trajectory "
                  "towards it, by the end of the PSA period (A.20). The benchmark rule and any assumed trajectory are "
                  "stated in each row; the limits show how far a rate may stray from the benchmark by chance.")])]
    for indicator in dict.fromkeys(table["indicator"].astype(str)):
        title = labeller.title(indicator)
        rows = table[table["indicator"] == indicator]
        section = Section(slug(prefix, "crime-peers", indicator), title, level=3)
        chosen = rows[focus.loc[rows.index]]
        if len(chosen) > MAX_CHARTS:
            chosen = chosen.sort_values("base_rate", ascending=False).head(MAX_CHARTS)
            section.blocks.append(Paragraph(f"{title}: charts for the {MAX_CHARTS} areas with the highest rates; "
                                            "give --area to safer crime peers for one partnership.", kind="note"))
        for _, row in chosen.iterrows():
            figure = group_figure(rows, row, title, prefix)
            if figure is not None:
                section.blocks.append(figure)
        shown = rows[focus.loc[rows.index] & (rows["subject_to_a20"].astype(bool)
                                               | (rows["a20_status"] == "rose above benchmark"))]
        if len(shown):
            section.blocks.append(a20_table(shown, title))
        else:
            status = rows[focus.loc[rows.index]]["a20_status"].astype(str).value_counts()
            section.blocks.append(Paragraph(f"{title}: no area shown is above its benchmark in "
                                            f"{rows['base_period'].iloc[0]} or rose above it "
                                            f"({', '.join(f'{n} {s}' for s, n in status.items())})."))
        sections.append(section)
    return sections
