"""Tests of a difference with t on the design's degrees of freedom, as each estimate's own interval uses.

A change, a gap to peers or a difference in differences is a contrast with a design-based SE. Its test and
interval use Student's t with the degrees of freedom of the rows the contrast reaches (R's `degf()` of that
subset of the design; `--df design` takes the whole design's), as `svyciprop` does for an estimate and as
`confint(svycontrast(...), df = degf(design))` does in R. With hundreds of PSUs t is the normal; with a
handful, the normal quantile 1.96 would call a change significant that the estimates' own intervals do not
support. A contrast on 0 degrees of freedom has no test: its p-value and interval are blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from survey.estimation.intervals import t_quantile


@dataclass(frozen=True)
class TTest:
    """Two-sided t test and interval of each difference; arrays of one shape."""

    lower: np.ndarray
    """Lower limit: difference - t * se (NaN on 0 degrees of freedom)."""
    upper: np.ndarray
    """Upper limit."""
    p_value: np.ndarray
    """Two-sided p-value from Student's t (NaN on 0 degrees of freedom or a blank difference)."""
    critical: np.ndarray
    """The t quantile at the level (NaN on 0 degrees of freedom)."""


def t_test(difference: np.ndarray, se: np.ndarray, df: np.ndarray, level: float) -> TTest:
    """Student's t test of each `difference` with its `se` on `df` degrees of freedom, and its interval.

    A zero SE gives p = 0 for a non-zero difference and p = 1 for a zero one (as a normal test did).

    >>> test = t_test(np.array([0.02]), np.array([0.01]), np.array([10]), 0.95)
    >>> round(float(test.p_value[0]), 4), round(float(test.upper[0]), 4)
    (0.0734, 0.0423)
    """
    difference = np.asarray(difference, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    df = np.broadcast_to(np.asarray(df, dtype=np.float64), difference.shape)
    usable = df >= 1  # NaN compares False; infinity is the normal
    critical = np.where(usable, t_quantile(0.5 + level / 2, np.where(usable, df, 1.0)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        statistic = np.where(se > 0, np.abs(difference) / se, np.where(difference == 0, 0.0, np.inf))
        p_value = 2 * special.stdtr(np.where(usable, df, 1.0), -statistic)
    p_value = np.where(usable & np.isfinite(difference), p_value, np.nan)
    return TTest(difference - critical * se, difference + critical * se, p_value, critical)
