"""Sampling variances smoothed by a generalised variance function (GVF) of the effective base.

A direct variance estimated from a hundred interviews in five or six PSUs is itself very noisy, and the
Fay-Herriot model treats it as known: an area whose variance is underestimated by chance is shrunk too
little and gets too small an MSE (Rivest & Vandal 2003; Wang & Fuller 2003). For proportions it is worse:
the estimated variance `p (1 - p) deff / n` is smallest exactly where the estimate is near 0 or 1.

The GVF here replaces each area's direct variance by a function of its effective base (Wolter 2007,
chapter 7; You & Chapman 2006): the design effect is pooled over areas, giving a smoothed
effective base `n_eff = n / deff_pooled`, and

    arcsine scale:     D_i = 1 / (4 n_eff_i)                       (the variance-stabilised scale)
    proportion scale:  D_i = p_i (1 - p_i) / n_eff_i, with p_i the area's regression-synthetic estimate
                       from a first fit (so that D does not depend on the area's own sampling error)
    other means:       D_i = s2 / n_eff_i, with s2 the median over areas of the unit variance D n_eff.

`deff_pooled` is the mean of the areas' design effects weighted by their unweighted bases.
"""

from __future__ import annotations

import numpy as np

from survey.errors import SurveyInputError


def pooled_design_effect(deff: np.ndarray, n: np.ndarray) -> float:
    """Mean design effect over the areas that have one, weighted by their unweighted bases.

    >>> pooled_design_effect(np.array([1.0, 3.0, np.nan]), np.array([100, 300, 50]))
    2.5
    """
    deff = np.asarray(deff, np.float64)
    n = np.asarray(n, np.float64)
    usable = np.isfinite(deff) & (deff > 0) & np.isfinite(n) & (n > 0)
    if not usable.any():
        raise SurveyInputError("the variance function needs design effects (column deff) for at least one area; "
                               "none of the areas has one")
    return float(np.sum(deff[usable] * n[usable]) / np.sum(n[usable]))


def smoothed_effective_base(n: np.ndarray, deff_pooled: float) -> np.ndarray:
    """`n / deff_pooled`: the effective base the GVF uses (NaN for areas with no interviews)."""
    n = np.asarray(n, np.float64)
    return np.where(n > 0, n, np.nan) / deff_pooled


def arcsine_variance(effective_base: np.ndarray) -> np.ndarray:
    """`1 / (4 n_eff)`: the sampling variance of `arcsin(sqrt(p_hat))`."""
    return 1.0 / (4.0 * np.asarray(effective_base, np.float64))


def proportion_variance(p: np.ndarray, effective_base: np.ndarray) -> np.ndarray:
    """`p (1 - p) / n_eff`, with `p` held one half-interview away from 0 and 1 so that D stays positive."""
    base = np.asarray(effective_base, np.float64)
    p = np.clip(np.asarray(p, np.float64), 0.5 / base, 1.0 - 0.5 / base)
    return p * (1.0 - p) / base


def mean_variance(direct_variance: np.ndarray, effective_base: np.ndarray) -> np.ndarray:
    """`s2 / n_eff` with `s2` the median over areas of `D n_eff` (areas with a positive direct variance)."""
    unit = np.asarray(direct_variance, np.float64) * np.asarray(effective_base, np.float64)
    usable = np.isfinite(unit) & (unit > 0)
    if not usable.any():
        raise SurveyInputError("the variance function needs at least one area with a positive direct variance")
    return float(np.median(unit[usable])) / np.asarray(effective_base, np.float64)
