"""Offences and costs averted by each scenario: counts with separators, money in pounds, "not estimable" for gaps.

The costs table of `simulate project` mixes counts (offences averted) and money (cost of places, net cost per
offence averted) in one `mean` column with a `unit`. The report prints each in its unit: "23,844 offences",
"£31,200,000", "£1,308 per offence"; a cost per offence averted whose interval cannot be formed (the averted count
may be zero) says "interval not estimable", and a missing mean "not estimable". One table per scenario keeps the
rows short enough for a phone; the offences averted are charted with one panel per item, so that a count of
23,000 and one of 90 are not drawn on the same axis.
"""

from __future__ import annotations

import pandas as pd

from reporting.numbers import interval, missing, money_interval, rows_of
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, expected, interval_layer, panel_figure, slug
from reporting.report.model import Block, Table
from reporting.results import Result

COST_COLUMNS = ("scenario", "item", "mean", "ci_lower", "ci_upper", "unit")
ITEM_NAMES = {
    "offences_committed_averted": "Offences committed, averted",
    "serious_offences_averted": "Serious offences committed, averted",
    "proven_reoffences_averted": "Proven re-offences averted",
    "serious_reoffences_averted": "Proven serious re-offences averted",
    "cost_of_places": "Cost of programme places",
    "savings_from_places": "Savings from places",
    "custody_cost_change": "Change in custody costs",
    "probation_cost_change": "Change in probation costs",
    "net_cost": "Net cost",
    "cost_of_crime_averted": "Cost of crime averted",
    "net_benefit": "Net benefit",
    "net_cost_per_offence_averted": "Net cost per offence averted",
    "net_cost_per_serious_offence_averted": "Net cost per serious offence averted",
}


def item_name(item: str) -> str:
    """"net_cost_per_offence_averted" -> "Net cost per offence averted"."""
    return ITEM_NAMES.get(item, item.replace("_", " ").capitalize())


def value_text(mean: object, lower: object, upper: object, unit: str) -> str:
    """A cost-table value in its unit: money in pounds, counts with separators."""
    text = unit.strip()
    if text.upper().startswith("GBP"):
        shown = money_interval(mean, lower, upper)
        rest = text[3:].strip()
        return f"{shown} {rest}" if rest and not missing(mean) else shown
    digits = 0 if text in ("offences", "offenders", "places", "days") else 1
    shown = interval(mean, lower, upper, digits)
    return f"{shown} {text}" if text and not missing(mean) else shown


def cost_tables(table: pd.DataFrame) -> list[Table]:
    """One table per scenario: item, value (interval) in its unit."""
    tables = []
    for scenario, rows in table.groupby(table["scenario"].astype(str), sort=False):
        shown = pd.DataFrame({
            "Item": [item_name(str(i)) for i in rows["item"]],
            "Mean (95% interval)": [value_text(m, lo, hi, str(u)) for m, lo, hi, u in
                                    zip(rows["mean"], rows["ci_lower"], rows["ci_upper"], rows["unit"], strict=True)],
        })
        tables.append(Table(shown, f"{scenario}: offences and costs averted, against the baseline",
                            numeric=("Mean (95% interval)",)))
    return tables


def averted_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Offences averted per scenario with intervals: one panel per item (counts differ by orders of magnitude)."""
    import altair as alt

    rows = table[table["item"].astype(str).str.endswith("_averted") & (table["unit"].astype(str) == "offences")]
    rows = rows.dropna(subset=["mean"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "item": [item_name(str(i)) for i in rows["item"]],
        "scenario": rows["scenario"].astype(str).to_numpy(),
        "mean": rows["mean"].astype(float).to_numpy(),
        "lower": rows["ci_lower"].astype(float).fillna(rows["mean"]).to_numpy(),
        "upper": rows["ci_upper"].astype(float).fillna(rows["mean"]).to_numpy(),
    })
    scenarios = list(dict.fromkeys(data["scenario"]))
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(
        domain=scenarios, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(scenarios))]))
    panels = []
    for item in dict.fromkeys(data["item"]):
        part = data[data["item"] == item]
        y = alt.Y("scenario:N", sort=scenarios, title=None)
        panels.append(interval_layer(part, y, "offences averted", "mean", colour, shape="diamond", opacity=1)
                      .properties(title=item, height=ROW_HEIGHT * 1.5 * len(part) + 10))
    described = "Offences averted against the baseline, with 95% intervals, one panel per item; " + "; ".join(
        f"{r.item}, {r.scenario}: {r.mean:,.0f} ({r.lower:,.0f} to {r.upper:,.0f})" for r in rows_of(data)) + "."
    return panel_figure(slug(prefix, "averted"), "Offences averted", panels, described, data,
                        expected(rule=len(data) + len(panels), point=len(data)))


def cost_blocks(result: Result, prefix: str) -> list[Block]:
    """The costs part of the projection section for one costs table."""
    require_columns(result.table, COST_COLUMNS, str(result.path))
    blocks: list[Block] = list(cost_tables(result.table))
    figure = averted_figure(result.table, prefix)
    if figure is not None:
        blocks.append(figure)
    return blocks
