"""Change between two periods: is it real? (000:460) With the Annex's minimum movement (000:632-634).

The table gives base and current estimates, the change with its interval in percentage points, the p-value,
the direction (improved, deteriorated, no significant change, using the indicator's polarity) and the minimum
movement with the level to reach. The chart draws each change with its interval against zero; direction is
shown by colour and by shape.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, rows_of, scale
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, WIDTH, Figure, configure, expected, slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

CHANGE_COLUMNS = ("indicator", "domain", "domain_value", "base_period", "base_estimate", "current_period",
                  "current_estimate", "change", "ci_lower", "ci_upper", "p_value", "significant", "direction",
                  "minimum_movement", "threshold_level")
DIRECTIONS = {"improved": (OKABE_ITO[2], "triangle-up"), "deteriorated": (OKABE_ITO[3], "triangle-down"),
              "no significant change": ("#7a7a7a", "circle")}


def _fmt(value: object, digits: int = 1, sign: bool = False) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return f"{float(value):+.{digits}f}" if sign else f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def change_table(table: pd.DataFrame, labeller: Labeller) -> Table:
    """The change table as published: points, p-value, direction, minimum movement and level to reach."""
    rows = []
    for r in rows_of(table):
        f = scale(str(r.indicator))
        hw = (float(r.ci_upper) - float(r.ci_lower)) / 2 if pd.notna(r.ci_upper) and pd.notna(r.ci_lower) else None
        rows.append({
            "Indicator": labeller.title(str(r.indicator)),
            "Area": labeller.area(r.domain, r.domain_value),
            "Base": f"{_fmt(f * r.base_estimate)} ({r.base_period})",
            "Current": f"{_fmt(f * r.current_estimate)} ({r.current_period})",
            "Change (points)": _fmt(f * r.change, sign=True) + ("" if hw is None else f" +/- {f * hw:.1f}"),
            "p-value": _fmt(r.p_value, 3),
            "Direction": str(r.direction),
            "Minimum movement (points)": _fmt(f * r.minimum_movement),
            "Level to reach": _fmt(f * r.threshold_level),
        })
    shown = pd.DataFrame(rows)
    return Table(shown, "Change between periods, with the minimum movement needed for a significant change",
                 numeric=("Base", "Current", "Change (points)", "p-value", "Minimum movement (points)",
                          "Level to reach"))


def change_figure(table: pd.DataFrame, labeller: Labeller, prefix: str) -> Figure | None:
    """Each change with its interval, against zero, coloured and shaped by direction."""
    import altair as alt

    rows = table.dropna(subset=["change", "ci_lower", "ci_upper"])
    if rows.empty:
        return None
    factor = [scale(str(i)) for i in rows["indicator"]]
    data = pd.DataFrame({
        "label": [f"{i}, {labeller.area(d, v)}" for i, d, v in
                  zip(rows["indicator"], rows["domain"], rows["domain_value"], strict=True)],
        "change": rows["change"].astype(float).to_numpy() * factor,
        "lower": rows["ci_lower"].astype(float).to_numpy() * factor,
        "upper": rows["ci_upper"].astype(float).to_numpy() * factor,
        "direction": rows["direction"].astype(str).to_numpy(),
    })
    present = [d for d in DIRECTIONS if d in set(data["direction"])] + sorted(set(data["direction"]) - set(DIRECTIONS))
    colours = [DIRECTIONS.get(d, ("#000000", "square"))[0] for d in present]
    shapes = [DIRECTIONS.get(d, ("#000000", "square"))[1] for d in present]
    y = alt.Y("label:N", sort=data["label"].tolist(), title=None)
    colour = alt.Color("direction:N", title="Direction", scale=alt.Scale(domain=present, range=colours))
    shape = alt.Shape("direction:N", title="Direction", scale=alt.Scale(domain=present, range=shapes))
    base = alt.Chart(data)
    chart = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title="change (percentage points)"), x2="upper:Q",
                                             y=y, color=colour),
        base.mark_point(filled=True, size=60).encode(x="change:Q", y=y, color=colour, shape=shape),
        alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#000000", strokeDash=[4, 3]).encode(x="zero:Q"),
    ).properties(width=WIDTH - 240, height=ROW_HEIGHT * len(data) + 10)
    counts = data["direction"].value_counts()
    described = (f"{len(data)} changes with their intervals; the dashed line is no change. "
                 + ", ".join(f"{n} {d}" for d, n in counts.items()) + ".")
    title = "Change between periods"
    return Figure(slug(prefix, "change"), title, configure(chart, title, described), described, data,
                  expected(rule=len(data) + 1, point=len(data)))


def change_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The change section of one `change` output."""
    require_columns(result.table, CHANGE_COLUMNS, str(result.path))
    prefix = f"c{index}"
    section = Section(slug(prefix, "change"), f"Change: {result.path.name}")
    section.blocks.append(Paragraph(
        "Whether each change could have arisen from random year-on-year variation (000:460): a change is "
        "significant when its interval excludes zero. The minimum movement is the smallest change from the base "
        "that would be significant, given the base's precision (000:632-634)."))
    section.blocks.append(change_table(result.table, labeller))
    figure = change_figure(result.table, labeller, prefix)
    if figure is not None:
        section.blocks.append(figure)
    return [section]
