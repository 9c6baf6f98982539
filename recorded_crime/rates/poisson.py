"""Exact Poisson intervals and tail probabilities.

The intervals come from `scipy.special` (imported only when they are asked for); the conditional test's binomial
tails from `incomplete_beta`, so that `crime change` runs without importing scipy at all.

The interval of a count is Garwood's (1936) exact central interval, the one R's `poisson.test` gives:
lower = qgamma(alpha / 2, x), upper = qgamma(1 - alpha / 2, x + 1), with lower = 0 when x = 0. Divided by the
population it is the interval of the underlying rate: the range of rates that could, by chance alone, have given
the count. It is not a sampling interval (recorded crime is a count of everything recorded, "not survey-based",
000:449) but the random variation the Annex asks about (000:449, 000:460).
"""

from __future__ import annotations

import math

import numpy as np

from recorded_crime.rates.incomplete_beta import binomial_cdf


def exact_interval(count: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Garwood's exact interval for Poisson means, elementwise.

    >>> lower, upper = exact_interval(np.array([0.0, 10.0]))
    >>> [round(float(v), 4) for v in (*lower, *upper)]  # R: poisson.test(10)$conf.int = 4.7954 18.3904
    [0.0, 4.7954, 3.6889, 18.3904]
    """
    from scipy import special

    count = np.asarray(count, dtype=np.float64)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, special.gammaincinv(np.maximum(count, 1e-300), alpha / 2), 0.0)
        upper = special.gammaincinv(count + 1.0, 1.0 - alpha / 2)
    return lower, upper


def poisson_quantile(probability: float, mean: np.ndarray) -> np.ndarray:
    """The smallest whole count k with P(X <= k) >= probability for X ~ Poisson(mean), elementwise.

    >>> poisson_quantile(0.975, np.array([10.0, 100.0])).tolist()  # R: qpois(0.975, c(10, 100)) = 17 120
    [17.0, 120.0]
    """
    from scipy import special

    mean = np.asarray(mean, dtype=np.float64)
    k = np.ceil(np.maximum(special.pdtrik(probability, mean), 0.0) - 1e-9)
    # pdtrik solves the continuous version; step back or forward one where rounding put k on the wrong side.
    k = np.where(special.pdtr(k - 1, mean) >= probability, k - 1, k)
    k = np.where(special.pdtr(k, mean) < probability, k + 1, k)
    return np.maximum(k, 0.0)


def conditional_test(current: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact conditional test of two Poisson counts over equal exposures (R: `poisson.test(c(x, y))`).

    Given the total n = current + base, current ~ Binomial(n, 1/2) when the means are equal. Returns the two-sided
    p-value (R's `binom.test`, which for p = 1/2 is twice the smaller tail, capped at 1), and the one-sided p-values
    for "current higher" and "current lower".

    >>> two, higher, lower = conditional_test(np.array([30.0]), np.array([18.0]))
    >>> round(float(two[0]), 6), round(float(higher[0]), 6)  # R poisson.test: 0.1114029; "greater": 0.05570145
    (0.111403, 0.055701)
    """
    current = np.rint(np.asarray(current, dtype=np.float64))
    total = current + np.rint(np.asarray(base, dtype=np.float64))
    # By symmetry P(X >= c) = P(X <= n - c): only the smaller tail F(m), m = min(c, n - c), needs the incomplete
    # beta function; the larger tail is 1 - F(m) + P(X = m) (at least a half, so the probability's rounding is
    # negligible there). One evaluation per row, not two.
    smaller = np.minimum(current, total - current)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        tail = binomial_cdf(smaller, total, 0.5)
        lgamma = np.frompyfunc(math.lgamma, 1, 1)
        log_mass = (lgamma(total + 1) - lgamma(smaller + 1) - lgamma(total - smaller + 1)).astype(np.float64) \
            - total * math.log(2.0)
        other = np.minimum(1.0, 1.0 - tail + np.exp(log_mass))
    low_side = current <= total - current
    lower = np.where(low_side, tail, other)
    higher = np.where(low_side & (current < total - current), other, tail)
    lower = np.where(total > 0, lower, 1.0)
    higher = np.where(current > 0, higher, 1.0)
    two = np.minimum(1.0, 2.0 * np.minimum(lower, higher))
    return two, higher, lower
