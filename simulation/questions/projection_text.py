"""What `safer simulate project` prints: its tables as plain cells, and the notes a reader must see beside them.

The console draws these (title, columns, rows) however it likes; here is what they say. A probability that the
data cannot support prints as "not estimable", money as pounds with thousands separators (never "nan"), and a
probability from too few replications says how many more `--precision` would run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from simulation.questions.success import PRECISION_TARGET, replications_needed

NOT_ESTIMABLE = "not estimable"


@dataclass(frozen=True)
class TextTable:
    """A table to print."""

    title: str
    """Its title."""
    columns: list[str]
    """Column headings (the first left-aligned, the others right)."""
    rows: list[list[str]] = field(default_factory=list)
    """Cells."""


def money(value: float) -> str:
    """£1,234 (negative: -£1,234); not estimable when there is no number."""
    if value is None or not math.isfinite(value):
        return NOT_ESTIMABLE
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def count(value: float) -> str:
    """1,234 with thousands separators; not estimable when there is no number."""
    return f"{value:,.0f}" if value is not None and math.isfinite(value) else NOT_ESTIMABLE


def percent(value: float) -> str:
    """A probability as a whole percentage (below 1%, or above 99%, as '<1%' and '>99%'); not estimable if none."""
    if value is None or not math.isfinite(value):
        return NOT_ESTIMABLE
    if value < 0.005:
        return "<1%"
    if value >= 0.995:
        return ">99%"
    return f"{100 * value:.0f}%"


def probability_cell(row: dict) -> str:
    """'97% (95-99)', or not estimable."""
    probability, low, high = (float(row[k]) for k in ("probability", "ci_lower", "ci_upper"))
    if not bool(row["estimable"]) or not math.isfinite(probability):
        return NOT_ESTIMABLE
    if not math.isfinite(low) or high - low < 0.01:  # no visible interval: do not print one of zero width
        return percent(probability)
    return f"{percent(probability)} ({100 * low:.0f}-{100 * high:.0f})"


def published_fit_table(check: pd.DataFrame) -> TextTable:
    """The published figures (verbatim, reported or derived) beside the simulated baseline."""
    table = TextTable("Published figures and the simulation (baseline)",
                      ["cohort", "year", "measure", "simulated (95% CI)", "published", "difference"])
    for r in check.itertuples(index=False):
        digits = 2 if r.measure == "serious_per_100" else 1
        lower, upper = float(r.ci_lower), float(r.ci_upper)  # type: ignore[arg-type]
        interval = (f"({lower:.{digits}f} to {upper:.{digits}f})" if math.isfinite(lower) and math.isfinite(upper)
                    else "(no interval)")
        table.rows.append([str(r.cohort), str(r.year), str(r.measure), f"{r.mean:.{digits}f} {interval}",
                           f"{r.figure:.{digits}f}", f"{r.difference_from_figure_percent:+.1f}%"])
    return table


def success_table(success: pd.DataFrame) -> TextTable:
    """P(A.38) by scenario and criterion."""
    table = TextTable("Probability of meeting A.38: 2011 below 2004 (95% CI)",
                      ["scenario", "adult", "youth", "serious", "all three"])
    for name, rows in success.groupby("scenario", sort=False):
        by = {str(r["criterion"]): r for r in rows.to_dict("records")}
        table.rows.append([str(name), *(probability_cell(by[c]) for c in ("adult", "youth", "serious", "all"))])
    return table


def trend_sensitivity_table(trend: pd.DataFrame) -> TextTable:
    """P(A.38) of the baseline against the yearly trend after the last published year."""
    table = TextTable("Baseline P(A.38) against the trend after the last published year (95% CI)",
                      ["trend", "adult x/yr", "youth x/yr", "adult", "youth", "serious", "all three"])
    for name, rows in trend.groupby("trend", sort=False):
        by = {str(r["criterion"]): r for r in rows.to_dict("records")}
        first = by["adult"]
        table.rows.append([str(name), f"{first['adult_factor']:.3f}", f"{first['youth_factor']:.3f}",
                           *(probability_cell(by[c]) for c in ("adult", "youth", "serious", "all"))])
    return table


def money_table(costs: pd.DataFrame, uncertainty: bool) -> TextTable:
    """Offences averted and the money, national, with the share of replications whose net benefit is positive."""
    spread = "range of the draws" if uncertainty else "range of replications"
    table = TextTable("Averted and costs, cohorts from each scenario's start year to the last (national, 2008 prices)",
                      ["scenario", "offences committed averted", "proven re-offences averted", "net cost",
                       f"net benefit ({spread})", "net benefit > 0", "net cost per offence averted"])
    for name, rows in costs.groupby("scenario", sort=False):
        item = {str(r["item"]): r for r in rows.to_dict("records")}

        def value(name: str, column: str = "mean") -> float:
            return float(item[name][column])  # noqa: B023 - used at once, inside the loop

        per_offence = (f"{money(value('net_cost_per_offence_averted'))} "
                       f"({money(value('net_cost_per_offence_averted', 'ci_lower'))} to "
                       f"{money(value('net_cost_per_offence_averted', 'ci_upper'))})"
                       if math.isfinite(value("net_cost_per_offence_averted", "ci_lower")) else
                       f"{NOT_ESTIMABLE} (offences averted not clearly above zero)")
        table.rows.append([
            str(name),
            count(value("offences_committed_averted")),
            count(value("proven_reoffences_averted")),
            money(value("net_cost")),
            f"{money(value('net_benefit'))} ({money(value('net_benefit', 'spread_lower'))} to "
            f"{money(value('net_benefit', 'spread_upper'))})",
            percent(value("net_benefit", "share_positive")),
            per_offence,
        ])
    return table


def precision_advice(success: pd.DataFrame, probabilities: dict, precision: float | None) -> str | None:
    """What to do when the replications are too few for the probabilities: how many more `--precision` would run."""
    estimable = success[success["estimable"]]
    if estimable.empty:
        return None
    target = precision if precision is not None else PRECISION_TARGET
    replications = int(estimable["replications"].max())
    widest = float(((estimable["ci_upper"] - estimable["ci_lower"]) / 2).max())
    if not math.isfinite(widest) or widest <= target:
        return None
    needed = replications_needed(success, probabilities, target)
    more = max(needed - replications, 1)
    return (f"The probabilities rest on {replications} replications: the widest 95% interval is +/-"
            f"{100 * widest:.0f} points. About {more:,} more replications would bring every one within +/-"
            f"{100 * target:.0f} points: rerun with --precision {target:g} --replications {needed:,}.")
