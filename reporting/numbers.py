"""Numbers as a statistician publishes them: percentages to one decimal, intervals, money, and "not estimable".

Survey proportions are stored in 0-1; people read "17.5 +/- 0.6 per cent": a percentage to one decimal and the
95% half-width in percentage points. An indicator whose id starts with `mean:` is a mean and is printed in its
own unit. Money is printed in pounds with thousands separators ("£1,308"), never in scientific notation; a value
the data cannot give (a missing probability, a cost per offence averted when none is averted) is printed as
"not estimable", never as "nan".
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

NOT_ESTIMABLE = "not estimable"
"""What a reader sees where a number is missing because the data cannot support it."""


def is_mean(indicator: str) -> bool:
    """True for `--mean`, `--total`, `--ratio` and `--quantile` rows (printed as they are), False for proportions
    (printed as percentages)."""
    return str(indicator).split(":", 1)[0] in ("mean", "total", "ratio", "quantile")


def scale(indicator: str) -> float:
    """Factor from the stored value to the printed one: 100 for proportions, 1 for means."""
    return 1.0 if is_mean(indicator) else 100.0


def missing(value: Any) -> bool:
    """True for None, NaN, infinities and pandas' missing values."""
    if value is None:
        return True
    try:
        if bool(pd.isna(value)):
            return True
    except (TypeError, ValueError):
        return False
    try:
        return math.isinf(float(value))
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


def number(value: Any, digits: int = 1, sign: bool = False) -> str:
    """A number with thousands separators and `digits` decimals ("12,345.6"); missing -> "not estimable".

    >>> number(-124658609.2, 0), number(float("nan")), number(0.25, 2, sign=True)
    ('-124,658,609', 'not estimable', '+0.25')
    """
    if missing(value):
        return NOT_ESTIMABLE
    return f"{float(value):{'+' if sign else ''},.{digits}f}"


def interval(mean: Any, lower: Any, upper: Any, digits: int = 1, unit: str = "") -> str:
    """"158.8 (152.1 to 165.5)"; a missing bound drops the interval; a missing mean is "not estimable".

    >>> interval(158.83, 152.1, 165.54), interval(3.2, float("nan"), 4.0), interval(None, 1, 2)
    ('158.8 (152.1 to 165.5)', '3.2 (interval not estimable)', 'not estimable')
    """
    if missing(mean):
        return NOT_ESTIMABLE
    text = f"{number(mean, digits)}{unit}"
    if missing(lower) or missing(upper):
        return f"{text} (interval not estimable)"
    return f"{text} ({number(lower, digits)}{unit} to {number(upper, digits)}{unit})"


def money(value: Any) -> str:
    """Pounds with thousands separators and no pence: "£1,308", "-£124,658,609"; missing -> "not estimable".

    >>> money(1308.44), money(-124658609.0), money(float("nan"))
    ('£1,308', '-£124,658,609', 'not estimable')
    """
    if missing(value):
        return NOT_ESTIMABLE
    amount = float(value)
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.0f}"


def money_interval(mean: Any, lower: Any, upper: Any) -> str:
    """"£1,308 (£911 to £2,470)"; a missing bound says the interval is not estimable.

    >>> money_interval(1308.4, 911.3, 2470.0), money_interval(8752.2, None, None)
    ('£1,308 (£911 to £2,470)', '£8,752 (interval not estimable)')
    """
    if missing(mean):
        return NOT_ESTIMABLE
    if missing(lower) or missing(upper):
        return f"{money(mean)} (interval not estimable)"
    return f"{money(mean)} ({money(lower)} to {money(upper)})"


def percent(probability: Any, digits: int = 0) -> str:
    """A probability in 0-1 as a percentage ("12%"); missing -> "not estimable"."""
    if missing(probability):
        return NOT_ESTIMABLE
    value = 100 * float(probability)
    smallest = 0.5 * 10 ** -digits
    if 0 < value < smallest:
        return f"<{2 * smallest:g}%"
    if 100 - smallest < value < 100:
        return f">{100 - 2 * smallest:g}%"
    return f"{value:.{digits}f}%"
