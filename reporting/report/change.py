"""Change between two periods: is it real? With the Annex's minimum movement.

Per indicator, one table: base and current estimates, the change with its interval in percentage points, the
p-value, the direction (improved, deteriorated, no significant change, by the indicator's polarity) and the
minimum movement with the level to reach; and a chart of each change with its interval against zero, direction
shown by colour and by shape. Periods are named by their dates when the output records them; a period that is
only an input file is called the base or the current period (the files are named under Methods).
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, indicator_code, survey_key, survey_name
from reporting.numbers import rows_of, scale
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, configure, expected, interval_layer, slug
from reporting.report.inputs import Inputs
from reporting.report.model import Block, Paragraph, Section, Table
from reporting.report.words import period_words
from reporting.results import Result

CHANGE_COLUMNS = ("indicator", "domain", "domain_value", "base_period", "base_estimate", "current_period",
                  "current_estimate", "change", "ci_lower", "ci_upper", "p_value", "significant", "direction",
                  "minimum_movement", "threshold_level")
DIRECTIONS = {"improved": (OKABE_ITO[0], "diamond"), "deteriorated": (OKABE_ITO[3], "square"),
              "no significant change": ("#7a7a7a", "circle")}


def _fmt(value: object, digits: int = 1, sign: bool = False) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return f"{float(value):+.{digits}f}" if sign else f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def p_text(value: object) -> str:
    """A p-value as published: three decimals, "<0.001" below that (never "0.000")."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    number = float(value)  # type: ignore[arg-type]
    return "<0.001" if number < 0.001 else f"{number:.3f}"


def period_names(result: Result) -> tuple[str, str]:
    """The base and current periods as the data name them ("" when they are only input files)."""
    table = result.table
    base = period_words(table["base_period"].iloc[0], result.metadata) if len(table) else ""
    current = period_words(table["current_period"].iloc[0], result.metadata) if len(table) else ""
    return base, current


def change_table(rows: pd.DataFrame, indicator: str, labeller: Labeller, periods: tuple[str, str]) -> Table:
    """The change table of one indicator: points, p-value, direction, minimum movement and level to reach."""
    base, current = periods
    f = scale(indicator)
    unit = "" if f == 1.0 else " (%)"
    base_head = f"Base{', ' + base if base else ''}{unit}"
    current_head = f"Current{', ' + current if current else ''}{unit}"
    records = []
    for r in rows_of(rows):
        hw = (float(r.ci_upper) - float(r.ci_lower)) / 2 if pd.notna(r.ci_upper) and pd.notna(r.ci_lower) else None
        records.append({
            "Area": labeller.area(r.domain, r.domain_value),
            base_head: _fmt(f * r.base_estimate),
            current_head: _fmt(f * r.current_estimate),
            "Change (points)": _fmt(f * r.change, sign=True) + ("" if hw is None else f" +/- {f * hw:.1f}"),
            "p-value": p_text(r.p_value),
            "Direction": str(r.direction),
            "Minimum movement (points)": _fmt(f * r.minimum_movement),
            "Level to reach": _fmt(f * r.threshold_level),
        })
    shown = pd.DataFrame(records)
    caption = f"{indicator_code(indicator)}: change from the base to the current period, with the minimum movement"
    return Table(shown, caption, numeric=(base_head, current_head, "Change (points)", "p-value",
                                          "Minimum movement (points)", "Level to reach"), collapsed=len(shown) > 30)


def change_figure(rows: pd.DataFrame, indicator: str, labeller: Labeller, prefix: str, survey: str) -> Figure | None:
    """Each area's change with its interval, against zero, coloured and shaped by direction."""
    import altair as alt

    rows = rows.dropna(subset=["change", "ci_lower", "ci_upper"])
    if rows.empty:
        return None
    factor = scale(indicator)
    data = pd.DataFrame({
        "area": [labeller.area(d, v) for d, v in zip(rows["domain"], rows["domain_value"], strict=True)],
        "change": rows["change"].astype(float).to_numpy() * factor,
        "lower": rows["ci_lower"].astype(float).to_numpy() * factor,
        "upper": rows["ci_upper"].astype(float).to_numpy() * factor,
        "direction": rows["direction"].astype(str).to_numpy(),
    })
    present = [d for d in DIRECTIONS if d in set(data["direction"])] + sorted(set(data["direction"]) - set(DIRECTIONS))
    colours = [DIRECTIONS.get(d, ("#000000", "cross"))[0] for d in present]
    shapes = [DIRECTIONS.get(d, ("#000000", "cross"))[1] for d in present]
    y = alt.Y("area:N", sort=data["area"].tolist(), title=None)
    colour = alt.Color("direction:N", title="Direction", scale=alt.Scale(domain=present, range=colours))
    shape = alt.Shape("direction:N", title="Direction", scale=alt.Scale(domain=present, range=shapes))
    chart = interval_layer(data, y, "change (percentage points)", "change", colour, shape, opacity=1).properties(
        height=ROW_HEIGHT * len(data) + 10)
    counts = data["direction"].value_counts()
    described = (f"{labeller.title(indicator, survey)}: {len(data)} changes with their intervals; the dashed line "
                 "is no change. " + ", ".join(f"{n} {d}" for d, n in counts.items()) + ".")
    title = f"{indicator_code(indicator)}: change between periods"
    return Figure(slug(prefix, "change", indicator), title, configure(chart, title, described,
                                                                      labeller.wording(indicator, survey)),
                  described, data, expected(rule=len(data) + 1, point=len(data)))


def one_change_result(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The change section of one `change` output: per indicator a table and a chart."""
    require_columns(result.table, CHANGE_COLUMNS, str(result.path))
    prefix = f"c{index}"
    survey = survey_key(result.table, result.metadata)
    periods = period_names(result)
    between = f": {periods[0]} to {periods[1]}" if all(periods) else ""
    heading = f"{survey_name(survey)}: change" if survey else "Change"
    section = Section(slug(prefix, "change"), heading + between)
    section.blocks.append(Paragraph(
        "Whether each change could have arisen from random year-on-year variation: a change is significant when "
        "its interval excludes zero, and only then is it called an improvement or a deterioration. The minimum "
        "movement is the smallest change from the base that would be significant, given the base's precision."))
    sections = [section]
    for indicator, rows in result.table.groupby(result.table["indicator"].astype(str), sort=False):
        sub = Section(slug(prefix, "change", indicator), labeller.title(str(indicator), survey), level=3)
        blocks: list[Block] = [change_table(rows, str(indicator), labeller, periods)]
        figure = change_figure(rows, str(indicator), labeller, prefix, survey)
        if figure is not None and len(rows) > 1:
            blocks.append(figure)
        sub.blocks = blocks
        sections.append(sub)
    return sections


def change_sections(inputs: Inputs) -> list[Section]:
    """The change part: every change result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.changes):
        sections += one_change_result(result, inputs.labeller, index)
    return sections
