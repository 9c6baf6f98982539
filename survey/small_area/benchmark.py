"""Benchmarking: make the population-weighted area estimates add up to the national direct estimate.

The difference (additive) benchmark shifts every area by the same amount,

    theta_b_i = theta_hat_i + (T - sum_j w_j theta_hat_j),   w_j = population share of area j,

so that `sum_j w_j theta_b_j = T` exactly (Wang, Fuller & Qu 2008
with equal weights on the shift). The shift adds variance. Treating the national direct estimate as the
population-weighted sum of the area direct estimates, the shift is `a = sum_j w_j B_j (y_j - x_j' beta_hat)`
over the areas with a direct estimate, and as a BLUP's error is uncorrelated with every error contrast,

    MSE(theta_b_i) = MSE(theta_hat_i) + g4,
    g4 = sum_j w_j^2 B_j^2 (A + D_j) - (X' w B)' Q (X' w B)

(Steorts & Ghosh 2013). The parametric bootstrap computes the same shift in every replicate instead.
"""

from __future__ import annotations

import numpy as np

from survey.errors import SurveyInputError
from survey.small_area.fay_herriot import FayHerriotFit


def population_shares(population: np.ndarray, areas: np.ndarray, column: str) -> np.ndarray:
    """Population shares of the areas, checked: every area needs a positive population."""
    population = np.asarray(population, np.float64)
    bad = ~(np.isfinite(population) & (population > 0))
    if bad.any():
        listed = ", ".join(str(a) for a in np.asarray(areas)[bad][:10])
        raise SurveyInputError(
            f"benchmarking needs a positive population for every area; column '{column}' is missing, zero or "
            f"negative for {int(bad.sum())} area(s): {listed}"
        )
    return population / population.sum()


def benchmark_shift(estimates: np.ndarray, shares: np.ndarray, target: float) -> float:
    """The amount added to every area so that the share-weighted estimates equal `target`.

    >>> round(benchmark_shift(np.array([0.1, 0.3]), np.array([0.5, 0.5]), 0.25), 12)
    0.05
    """
    return float(target - np.sum(np.asarray(shares) * np.asarray(estimates)))


def benchmark_mse_term(fit: FayHerriotFit, d: np.ndarray, x: np.ndarray, shares: np.ndarray) -> float:
    """g4 of Steorts & Ghosh (2013): the variance the shift adds (areas with a direct estimate only).

    `d`, `x` and `shares` are the rows of the areas in the fit (the shares being shares of the whole
    population, so they need not add up to one here).
    """
    a = fit.area_variance
    b = np.asarray(d, np.float64) / (a + np.asarray(d, np.float64))
    wb = np.asarray(shares, np.float64) * b
    xwb = np.asarray(x, np.float64).T @ wb
    return float(np.sum(wb**2 * (a + np.asarray(d, np.float64))) - xwb @ fit.beta_cov @ xwb)
