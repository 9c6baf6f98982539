"""Quantiles by domain with Woodruff intervals, as R's `svyquantile` (survey >= 4.0) computes them by default.

The estimate is R's `qrule = "math"`: the smallest value whose weighted cumulative share reaches p (R `qs` and
`qrule_math`). The interval (`interval.type = "mean"`, Woodruff 1952) is found on the probability scale: the
share of the domain at or below the estimate, F = mean of 1(x <= q), has a design-based SE from the domain-mean
kernel (full-design domain variance, calibration residuals, replicates: the design decides); F +/- t SE on the
domain's degrees of freedom is mapped back through the same quantile rule. A limit whose probability falls
below 0 or above 1 is NaN, as in R. The SE is the interval's width divided by 2 t (R's `SE()` of the result).
"""

from __future__ import annotations

import numpy as np

from survey.design import SurveyDesign
from survey.estimation.intervals import t_quantile
from survey.estimation.strata import DomainMeans
from survey.estimation.variance import domain_means_many


def quantile_rule(x_sorted: np.ndarray, cumulative: np.ndarray, p: float) -> float:
    """R `qrule_math` on values sorted ascending and their cumulative weights.

    >>> float(quantile_rule(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0]), 0.5))
    2.0
    >>> float(quantile_rule(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0]), 0.6))
    3.0
    """
    if x_sorted.size == 0 or not np.isfinite(p):
        return np.nan
    total = cumulative[-1]
    below = np.flatnonzero(cumulative <= p * total)
    pos = int(below[-1]) if below.size else 0  # R's last(): 1 (the first) when none
    low_gap = p - cumulative[pos] / total
    if low_gap == 0:
        return float(x_sorted[pos])
    return float(x_sorted[min(pos + 1, x_sorted.size - 1)])


def _sorted_domains(x: np.ndarray, w: np.ndarray, codes: np.ndarray, n_domains: int
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each domain's base values sorted (stably, as R's `order`) with their cumulative weights."""
    base = (codes >= 0) & ~np.isnan(x)
    rows = np.flatnonzero(base)
    order = rows[np.lexsort((x[rows], codes[rows]))]
    counts = np.bincount(codes[order], minlength=n_domains)
    starts = np.concatenate([[0], np.cumsum(counts)])
    out = []
    for d in range(n_domains):
        chosen = order[starts[d]:starts[d + 1]]
        # R's cumsum accumulates in long double and stores doubles: ties of cumulative shares with p (equal
        # weights, p * n whole) must fall the same way, or the quantile moves to the next value.
        cumulative = np.cumsum(w[chosen].astype(np.longdouble)).astype(np.float64)
        out.append((x[chosen], cumulative))
    return out


def domain_quantiles(
    design: SurveyDesign, values: np.ndarray, probabilities: np.ndarray, codes: np.ndarray, n_domains: int,
    level: float, df: np.ndarray | None = None,
) -> tuple[DomainMeans, np.ndarray, np.ndarray]:
    """Quantiles of each column of `values` (NaN outside its base) at `probabilities` in each domain, with
    Woodruff limits. Returns the moments (estimate = quantile, variance = SE^2, bases and degrees of freedom
    of the CDF's domain mean), and the lower and upper limits, each (n_domains, k).

    `df` (n_domains, k) overrides the degrees of freedom of the t quantile (`--df design`); by default the
    domain's (R: `degf()` of the domain's subset, as `svyby(..., svyquantile)` uses).
    """
    values = np.asarray(values, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    n, k = values.shape
    estimate = np.full((n_domains, k), np.nan)
    below = np.full((n, k), np.nan)
    sorted_values = []
    for j in range(k):
        domains = _sorted_domains(values[:, j], design.weights, codes, n_domains)
        sorted_values.append(domains)
        estimate[:, j] = [quantile_rule(xs, cw, float(probabilities[j])) for xs, cw in domains]
        inside = (codes >= 0) & ~np.isnan(values[:, j])
        below[inside, j] = (values[inside, j] <= estimate[codes[inside], j]).astype(np.float64)
    cdf = domain_means_many(design, below, [(codes, n_domains)])[0]
    degrees = cdf.degrees_of_freedom if df is None else np.asarray(df)
    usable = degrees >= 1
    t = np.where(usable, t_quantile(0.5 + level / 2, np.where(usable, degrees, 1.0)), np.nan)
    se_cdf = np.sqrt(np.maximum(cdf.variance, 0.0))
    p_low, p_high = cdf.estimate - t * se_cdf, cdf.estimate + t * se_cdf
    lower = np.full((n_domains, k), np.nan)
    upper = np.full((n_domains, k), np.nan)
    for j in range(k):
        for d, (xs, cw) in enumerate(sorted_values[j]):
            if np.isfinite(p_low[d, j]) and p_low[d, j] >= 0:
                lower[d, j] = quantile_rule(xs, cw, float(p_low[d, j]))
            if np.isfinite(p_high[d, j]) and p_high[d, j] <= 1:
                upper[d, j] = quantile_rule(xs, cw, float(p_high[d, j]))
    se = (upper - lower) / (2 * t)
    moments = DomainMeans(
        estimate=estimate, variance=se**2, n_unweighted=cdf.n_unweighted, weight_sum=cdf.weight_sum,
        degrees_of_freedom=cdf.degrees_of_freedom, srs_variance=np.full((n_domains, k), np.nan),
        n_design_rows=cdf.n_design_rows, method=cdf.method,
    )
    return moments, lower, upper
