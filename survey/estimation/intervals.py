"""Confidence intervals for survey proportions and means, as R's survey package computes them.

- logit: R `svyciprop(method = "logit")`: Wald interval on the logit scale with a t quantile on the
  design degrees of freedom (the SE of logit(p) is SE(p) / (p (1 - p))).
- wald: R `confint(svymean(...))`: p +/- z * SE (normal quantile, as R's default df = Inf).
- korn-graubard: R `svyciprop(method = "beta")`: Clopper-Pearson on the effective sample size
  p (1 - p) / Var(p), scaled by (t_{n-1} / t_df)^2.
- wilson: Wilson score interval with the effective sample size n / deff.

The quantiles come from `scipy.special` (`ndtri`, `stdtrit`, `betaincinv`), the functions `scipy.stats`
itself calls for `norm.ppf`, `t.ppf` and `beta.ppf`: importing `scipy.stats` costs most of a second of every
`safer estimate` run, `scipy.special` a fraction of that. `normal_quantile`, `t_quantile` and `beta_quantile`
add the argument checks of `scipy.stats` (NaN where a parameter is not positive), so the results are the
same numbers bit for bit (tests/survey/validation/test_quantiles_vs_scipy_stats_and_r.py).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

CIMethod = Literal["logit", "wald", "wilson", "korn-graubard"]
CI_METHODS: tuple[str, ...] = ("logit", "wald", "wilson", "korn-graubard")


def normal_quantile(q: float | np.ndarray) -> np.ndarray:
    """Standard normal quantile, R `qnorm(q)` (`scipy.stats.norm.ppf`)."""
    return np.asarray(special.ndtri(q), dtype=np.float64)


def t_quantile(q: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """Student t quantile, R `qt(q, df)` (`scipy.stats.t.ppf`); NaN where `df` is not positive."""
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = df > 0
        value = special.stdtrit(np.where(valid, df, 1.0), q)
    return _on_support(value, q, valid, -np.inf, np.inf)


def beta_quantile(q: float | np.ndarray, a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """Beta(a, b) quantile, R `qbeta(q, a, b)` (`scipy.stats.beta.ppf`); NaN where `a` or `b` is not positive."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = (a > 0) & (b > 0)
        value = special.betaincinv(np.where(valid, a, 1.0), np.where(valid, b, 1.0), q)
    return _on_support(value, q, valid, 0.0, 1.0)


def _on_support(value: np.ndarray, q: float | np.ndarray, valid: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """`scipy.stats` `ppf` around a raw quantile: NaN for invalid parameters or q outside [0, 1], and the ends
    of the support at q = 0 and q = 1."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = np.where(valid & (q > 0) & (q < 1), value, np.nan)
        out = np.where(valid & (q == 0), lower, out)
        out = np.where(valid & (q == 1), upper, out)
    return np.asarray(out, dtype=np.float64)


def wald_interval(estimate: np.ndarray, se: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Normal-quantile interval, R `confint.svystat` with df = Inf."""
    z = normal_quantile(0.5 + level / 2)
    return estimate - z * se, estimate + z * se


def logit_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """R `svyciprop(method = "logit")`; `df` is the design degrees of freedom per estimate."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantile(0.5 + level / 2, df)
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
        ratio = t_quantile(alpha / 2, np.asarray(n_rows) - 1) / t_quantile(alpha / 2, df)
        n_eff = n_eff * ratio**2
        lower = beta_quantile(alpha / 2, n_eff * estimate, n_eff * (1 - estimate) + 1)
        upper = beta_quantile(1 - alpha / 2, n_eff * estimate + 1, n_eff * (1 - estimate))
    # R's qbeta gives 0 (and 1) at the degenerate shape parameters where scipy returns NaN.
    lower = np.where(np.isfinite(n_eff) & (estimate == 0), 0.0, lower)
    upper = np.where(np.isfinite(n_eff) & (estimate == 1), 1.0, upper)
    return lower, upper


def wilson_interval(
    estimate: np.ndarray, n_effective: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with the effective sample size in place of n."""
    z = normal_quantile(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n_effective
        centre = (estimate + z**2 / (2 * n_effective)) / denom
        half = z * np.sqrt(estimate * (1 - estimate) / n_effective + z**2 / (4 * n_effective**2)) / denom
    return centre - half, centre + half
