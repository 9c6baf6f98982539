"""Titles instead of codes, names instead of area codes, and numbers as a statistician publishes them.

Survey proportions are stored in 0-1; people read "17.5 +/- 0.6 per cent" (000:632): a percentage to one
decimal and the 95% half-width in percentage points. An indicator whose id starts with `mean:` is a mean and is
printed in its own unit. Names come from the result itself: an `indicator_title` column or the metadata's
`indicator_titles`, and the metadata's `labels` (`{column: {code: name}}`) for area codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

NATIONAL = "all"
"""`domain` and `domain_value` of the overall row of an estimate table."""


def is_mean(indicator: str) -> bool:
    """True for `--mean`, `--total`, `--ratio` and `--quantile` rows (printed as they are), False for proportions
    (printed as percentages)."""
    return str(indicator).split(":", 1)[0] in ("mean", "total", "ratio", "quantile")


def scale(indicator: str) -> float:
    """Factor from the stored value to the printed one: 100 for proportions, 1 for means."""
    return 1.0 if is_mean(indicator) else 100.0


def missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing values."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def rows_of(table: pd.DataFrame) -> list[Any]:
    """A table's rows as objects with one attribute per column (typed `Any`: the values come from files)."""
    return list(table.itertuples(index=False))


def one_decimal(value: Any) -> str:
    """`17.46` -> "17.5"; missing -> ""."""
    return "" if missing(value) else f"{float(value):.1f}"


def half_width(lower: Any, upper: Any) -> float:
    """Half the width of an interval (NaN when a bound is missing)."""
    if missing(lower) or missing(upper):
        return math.nan
    return (float(upper) - float(lower)) / 2


def published(indicator: str, estimate: Any, lower: Any, upper: Any) -> str:
    """"17.5 +/- 0.6" for a proportion of 0.175 with a 95% interval 0.169-0.181; "suppressed" when blank."""
    if missing(estimate):
        return "suppressed"
    factor = scale(indicator)
    hw = half_width(lower, upper)
    text = one_decimal(factor * float(estimate))
    return text if math.isnan(hw) else f"{text} +/- {factor * hw:.1f}"


@dataclass
class Labeller:
    """Readable names for the codes in a set of results."""

    titles: dict[str, str] = field(default_factory=dict)
    """Indicator id -> title."""
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Domain column -> code -> name."""
    national: str = "All areas"
    """How the overall row is named ("England", "England and Wales", ...)."""

    def add(self, table: pd.DataFrame, metadata: dict[str, Any]) -> None:
        """Learn titles and names from one result."""
        if {"indicator", "indicator_title"} <= set(table.columns):
            for indicator, title in zip(table["indicator"], table["indicator_title"], strict=True):
                if not missing(title):
                    self.titles.setdefault(str(indicator), str(title))
        for indicator, title in (metadata.get("indicator_titles") or {}).items():
            self.titles.setdefault(str(indicator), str(title))
        for column, mapping in (metadata.get("labels") or {}).items():
            self.names.setdefault(str(column), {}).update({str(k): str(v) for k, v in mapping.items()})
        national = (metadata.get("parameters") or {}).get("national_label")
        if national:
            self.national = str(national)

    def title(self, indicator: str) -> str:
        """"NI 17: Perceptions of anti-social behaviour" for a known id, else the id."""
        title = self.titles.get(str(indicator))
        return f"{indicator}: {title}" if title else str(indicator)

    def area(self, domain: Any, value: Any) -> str:
        """The name of an area code in a domain column, or the code; the overall row gets the national name."""
        if str(domain) == NATIONAL:
            return self.national
        return self.names.get(str(domain), {}).get(str(value), str(value))

    def domain(self, domain: Any) -> str:
        """A domain column as a heading: `la` -> "la", `all` -> the national name."""
        return self.national if str(domain) == NATIONAL else str(domain)
