"""Headline table per indicator, in the conventions of publication (000:632: "17.5 +/- 0.6 per cent").

Percentages to one decimal, the 95% half-width in points, the interval, base and effective base, low bases
marked and suppressed rows said so; titles instead of codes, area names instead of codes. When the estimates
come by period (rolling years), the table is for the latest period.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, is_mean
from reporting.publication import publication_table, require_columns
from reporting.report.model import Table
from reporting.results import Result

ESTIMATE_COLUMNS = ("indicator", "domain", "domain_value", "estimate", "ci_lower", "ci_upper", "n_unweighted",
                    "n_effective", "low_base")


def latest_period(table: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of the latest period (by `period_end`, else `period`), and its name; all rows if no periods."""
    if "period" not in table.columns or table["period"].isna().all():
        return table, None
    order = "period_end" if "period_end" in table.columns else "period"
    latest = table.sort_values(order)[order].dropna().iloc[-1]
    rows = table[table[order] == latest]
    return rows, str(rows["period"].iloc[0])


def level_percent(result: Result) -> str:
    """"95%" from the result's confidence level."""
    level = float((result.metadata.get("parameters") or {}).get("level") or 0.95)
    return f"{100 * level:g}%"


def headline_table(result: Result, indicator: str, labeller: Labeller) -> Table:
    """The headline table of one indicator in one estimate result."""
    require_columns(result.table, ESTIMATE_COLUMNS, str(result.path))
    rows, period = latest_period(result.table)
    rows = rows[rows["indicator"].astype(str) == indicator]
    pub = publication_table(rows, result.metadata, labeller)
    level = level_percent(result)
    unit = "" if is_mean(indicator) else " (%)"
    points = "" if is_mean(indicator) else " (points)"
    shown = pd.DataFrame({
        "Area": pub["area"],
        f"Estimate{unit}": pub["value"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        f"+/-{points}": pub["half_width"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        f"{level} interval": [("" if pd.isna(lo) else f"{lo:.1f} to {hi:.1f}")
                              for lo, hi in zip(pub["ci_lower"], pub["ci_upper"], strict=True)],
        "Base": pub["base"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "Effective base": pub["effective_base"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "Note": pub["note"],
    })
    national = (rows["domain"].astype(str) == "all").to_numpy()
    shown = pd.concat([shown[national], shown[~national]], ignore_index=True)
    when = f", {period}" if period else ""
    caption = f"{labeller.title(indicator)}{when}: estimate, {level} interval and base"
    return Table(shown, caption, numeric=tuple(c for c in shown.columns if c not in ("Area", "Note")),
                 flag_column="Note")
