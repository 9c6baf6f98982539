"""Headline tables per indicator, in the conventions of publication ("17.5 +/- 0.6 per cent").

Percentages to one decimal, the 95% half-width in points, the interval, base and effective base, low bases
marked and suppressed rows said so; area names instead of codes. Each kind of area (regions, police force areas,
local authorities) gets its own table, with the national row first, so that "West Midlands" the region and
"West Midlands" the force are never in one column. When the estimates come by period (rolling years), the
tables are for the latest period.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import NATIONAL, Labeller, indicator_code
from reporting.numbers import is_mean
from reporting.publication import publication_table, require_columns
from reporting.report.model import Table
from reporting.results import Result

ESTIMATE_COLUMNS = ("indicator", "domain", "domain_value", "estimate", "ci_lower", "ci_upper", "n_unweighted",
                    "n_effective", "low_base")
FOLD_ROWS = 30
"""Tables longer than this are folded on screen (opened by the reader, always printed)."""


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


def domains_of(table: pd.DataFrame) -> list[str]:
    """The area columns of an estimate table (not the overall row), in order."""
    return [d for d in dict.fromkeys(table["domain"].astype(str)) if d != NATIONAL]


def _shown(pub: pd.DataFrame, indicator: str, level: str) -> pd.DataFrame:
    unit = "" if is_mean(indicator) else " (%)"
    points = "" if is_mean(indicator) else " (points)"
    return pd.DataFrame({
        "Area": pub["area"],
        f"Estimate{unit}": pub["value"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        f"+/-{points}": pub["half_width"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        f"{level} interval": [("" if pd.isna(lo) else f"{lo:.1f} to {hi:.1f}")
                              for lo, hi in zip(pub["ci_lower"], pub["ci_upper"], strict=True)],
        "Base": pub["base"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "Effective base": pub["effective_base"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "Note": pub["note"],
    })


def headline_tables(result: Result, indicator: str, labeller: Labeller) -> list[Table]:
    """The headline tables of one indicator in one estimate result: one per kind of area, national row first."""
    require_columns(result.table, ESTIMATE_COLUMNS, str(result.path))
    rows, period = latest_period(result.table)
    rows = rows[rows["indicator"].astype(str) == indicator]
    level = level_percent(result)
    national = rows[rows["domain"].astype(str) == NATIONAL]
    when = f", {period}" if period else ""
    domains = domains_of(rows)
    tables = []
    kinds: list[str | None] = list(domains) or [None]
    for domain in kinds:
        part = national if domain is None else pd.concat([national, rows[rows["domain"].astype(str) == domain]])
        shown = _shown(publication_table(part, result.metadata, labeller), indicator, level)
        where = labeller.national if domain is None else f"{labeller.national} and {labeller.domain(domain, True)}"
        caption = f"{indicator_code(indicator)}, {where}{when}: estimate, {level} interval and base"
        tables.append(Table(shown, caption, numeric=tuple(c for c in shown.columns if c not in ("Area", "Note")),
                            flag_column="Note", collapsed=len(shown) > FOLD_ROWS))
    return tables
