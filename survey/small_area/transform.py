"""The arcsine square-root transformation for proportions, and back again with a bias correction.

On the scale `theta = arcsin(sqrt(p))` the sampling variance of a proportion estimated from an effective
base of `n` is close to `1 / (4 n)` whatever `p` is (the variance-stabilising property), so a small area's
sampling variance no longer shrinks to nothing when its estimate happens to be 0 or 1, and the model's
normal errors fit better near the bounds (Efron & Morris 1975; Rao & Molina 2015, chapter 6;
used by R's `emdi::fh(transformation = "arcsin")`).

Back-transforming the EBLUP as `sin(theta_hat)^2` is biased, because `sin^2` is not linear. Given the direct
estimate, an area's `theta` is normal with mean `theta_hat` and variance `g1 = gamma D` (the posterior under
the model, `A` for an area with no sample), and for `theta ~ N(mu, s2)`

    E[sin(theta)^2] = (1 - cos(2 mu) exp(-2 s2)) / 2,

which is the bias-corrected back-transformation (the integral that `emdi` evaluates numerically, here in
closed form). MSEs on the proportion scale come from the parametric bootstrap (`survey.small_area.bootstrap`).
"""

from __future__ import annotations

import numpy as np

HALF_PI = np.pi / 2.0


def arcsine_sqrt(p: np.ndarray) -> np.ndarray:
    """`arcsin(sqrt(p))` for proportions in [0, 1] (radians, in [0, pi/2]).

    >>> round(float(arcsine_sqrt(np.array([0.25]))[0]) * 6 / float(np.pi), 12)
    1.0
    """
    return np.arcsin(np.sqrt(np.clip(np.asarray(p, np.float64), 0.0, 1.0)))


def delta_variance(p: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Variance of `arcsin(sqrt(p_hat))` by the delta method: `var(p_hat) / (4 p (1 - p))`.

    Not defined where `p` is 0 or 1 (returns NaN there); use the variance function of the effective base.
    """
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(variance, np.float64) / (4.0 * p * (1.0 - p))
    return np.where((p > 0.0) & (p < 1.0), out, np.nan)


def naive_back(theta: np.ndarray) -> np.ndarray:
    """`sin(theta)^2`, with `theta` held to [0, pi/2] first (the range of the transformation)."""
    return np.sin(np.clip(theta, 0.0, HALF_PI)) ** 2


def bias_corrected_back(theta: np.ndarray, posterior_variance: np.ndarray) -> np.ndarray:
    """`E[sin(T)^2]` for `T ~ N(theta, posterior_variance)`: the bias-corrected proportion.

    >>> [round(float(v), 4) for v in bias_corrected_back(np.array([0.3, 0.3]), np.array([0.0, 0.05]))]
    [0.0873, 0.1266]
    """
    return 0.5 * (1.0 - np.cos(2.0 * np.asarray(theta, np.float64)) * np.exp(-2.0 * np.asarray(posterior_variance)))
