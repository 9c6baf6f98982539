"""Confidence intervals for survey proportions and means, as R's survey package computes them.

- logit: R `svyciprop(method = "logit")`: Wald interval on the logit scale with a t quantile on the
  design degrees of freedom (the SE of logit(p) is SE(p) / (p (1 - p))).
- wald: R `confint(svymean(...))`: p +/- z * SE (normal quantile, as R's default df = Inf).
- korn-graubard: R `svyciprop(method = "beta")`: Clopper-Pearson on the effective sample size
  p (1 - p) / Var(p), scaled by (t_{n-1} / t_df)^2.
- wilson: Wilson score interval with the effective sample size n / deff.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special, stats

CIMethod = Literal["logit", "wald", "wilson", "korn-graubard"]
CI_METHODS: tuple[str, ...] = ("logit", "wald", "wilson", "korn-graubard")


def wald_interval(estimate: np.ndarray, se: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Normal-quantile interval, R `confint.svystat` with df = Inf."""
    z = stats.norm.ppf(0.5 + level / 2)
    return estimate - z * se, estimate + z * se


def logit_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """R `svyciprop(method = "logit")`; `df` is the design degrees of freedom per estimate."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + level / 2, np.where(df > 0, df, np.nan))
        centre = special.logit(estimate)
        half = t * se / (estimate * (1 - estimate))
        lower, upper = special.expit(centre - half), special.expit(centre + half)
    # At p = 0 or 1 R's glm fit gives the degenerate interval (p, p).
    degenerate = (estimate == 0) | (estimate == 1)
    return np.where(degenerate, estimate, lower), np.where(degenerate, estimate, upper)


def korn_graubard_interval(
    estimate: np.ndarray,
    variance: np.ndarray,
    df: np.ndarray,
    n_rows: np.ndarray,
    level: float,
    n_at_bounds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """R `svyciprop(method = "beta")`; `n_rows` is nrow() of the (subset) design.

    At an estimate of 0 or 1 the variance is 0 and R's effective sample size p (1 - p) / Var(p) is 0 / 0, so R
    returns NaN limits. Korn and Graubard (1998) take the effective sample size to be the actual one there (a
    design effect of 1): pass the base sizes as `n_at_bounds` to get that interval, [0, 1 - (alpha/2)^(1/n*)]
    at p = 0, with R's degrees-of-freedom factor applied to n* as to any other effective size.
    """
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = estimate * (1 - estimate) / variance
        if n_at_bounds is not None:
            n_eff = np.where((estimate == 0) | (estimate == 1), n_at_bounds, n_eff)
        ratio = stats.t.ppf(alpha / 2, np.where(n_rows > 1, n_rows - 1, np.nan)) / stats.t.ppf(
            alpha / 2, np.where(df > 0, df, np.nan)
        )
        n_eff = n_eff * ratio**2
        lower = stats.beta.ppf(alpha / 2, n_eff * estimate, n_eff * (1 - estimate) + 1)
        upper = stats.beta.ppf(1 - alpha / 2, n_eff * estimate + 1, n_eff * (1 - estimate))
    # R's qbeta gives 0 (and 1) at the degenerate shape parameters where scipy returns NaN.
    lower = np.where(np.isfinite(n_eff) & (estimate == 0), 0.0, lower)
    upper = np.where(np.isfinite(n_eff) & (estimate == 1), 1.0, upper)
    return lower, upper


def wilson_interval(
    estimate: np.ndarray, n_effective: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with the effective sample size in place of n."""
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n_effective
        centre = (estimate + z**2 / (2 * n_effective)) / denom
        half = z * np.sqrt(estimate * (1 - estimate) / n_effective + z**2 / (4 * n_effective**2)) / denom
    return centre - half, centre + half
