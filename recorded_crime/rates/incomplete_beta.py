"""The t and binomial distributions through the regularized incomplete beta function, in numpy alone.

Every `crime change` needs Student's t (the quasi-Poisson test) and binomial tails (the exact Poisson test beside
it). `scipy.special` has both, but importing it costs a whole-process run about 0.2 s (it loads scipy's array-API
layer, which loads numpy's f2py): a tenth of the 2-second budget for 1.26 million rows. So they are computed here
from the regularized incomplete beta function I_x(a, b), by the continued fraction of Numerical Recipes (Press et
al., 3rd ed., section 6.4, `betacf` with the modified Lentz method), vectorised:

- P(T <= t) for T ~ t(df): 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t > 0 (and the mirror for t < 0);
- P(X <= k) for X ~ Binomial(n, p): I_{1-p}(n - k, k + 1).

`tests/recorded_crime/unit/test_incomplete_beta_vs_scipy.py` holds them equal to scipy's `stdtr`, `stdtrit`, `bdtr`
and `bdtrc` to 1e-10 relative over a grid of cases, including binomial totals of a million.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 20_000


def _log_beta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lgamma = np.frompyfunc(math.lgamma, 1, 1)
    return np.asarray(lgamma(a) + lgamma(b) - lgamma(a + b), dtype=np.float64)


def _stirling_correction(z: np.ndarray) -> np.ndarray:
    """log Gamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2), for z >= 10 (the Stirling series; error below 1e-17)."""
    inverse = 1.0 / z
    square = inverse * inverse
    return np.asarray(inverse * (1 / 12 - square * (1 / 360 - square * (1 / 1260 - square * (1 / 1680 - square
                                                                                           / 1188)))))


def _log_front(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(x^a y^b / B(a, b)). With a and b large (binomial totals of a million) the plain sum cancels to about
    1e-9; there it is rearranged as R's `brcomp` does, around the mean a / (a + b), keeping 1e-11 or better."""
    out = np.empty(x.shape)
    large = np.minimum(a, b) >= 10
    small = ~large
    if small.any():
        with np.errstate(divide="ignore"):
            out[small] = a[small] * np.log(x[small]) + b[small] * np.log(y[small]) - _log_beta(a[small], b[small])
    if large.any():
        al, bl, xl, yl = a[large], b[large], x[large], y[large]
        total = al + bl
        gap = np.where(al > bl, total * yl - bl, al - total * xl)  # a - (a + b) x, from the more accurate side
        with np.errstate(divide="ignore", invalid="ignore"):
            out[large] = (al * np.log1p(-gap / al) + bl * np.log1p(gap / bl)
                          + 0.5 * np.log(al * bl / total) - 0.5 * math.log(2 * math.pi)
                          - (_stirling_correction(al) + _stirling_correction(bl) - _stirling_correction(total)))
    return out


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction of I_x(a, b), for x < (a + 1) / (a + b + 2), where it converges fast.

    Elements converge after different numbers of terms (those near the mean of a large binomial take hundreds), so
    the arrays are cut down to the unconverged elements as they go.
    """
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    result = d.copy()
    index = np.arange(len(x))
    h, a_, b_, x_, qab_, qap_, qam_ = result.copy(), a, b, x, qab, qap, qam
    for m in range(1, _MAX_ITERATIONS):
        m2 = 2 * m
        aa = m * (b_ - m) * x_ / ((qam_ + m2) * (a_ + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        h = h * d * c
        aa = -(a_ + m) * (qab_ + m) * x_ / ((a_ + m2) * (qap_ + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        going = np.abs(delta - 1.0) > _EPS
        if not going.all():
            result[index[~going]] = h[~going]
            if not going.any():
                return result
            index, h, c, d = index[going], h[going], c[going], d[going]
            a_, b_, x_, qab_, qap_, qam_ = a_[going], b_[going], x_[going], qab_[going], qap_[going], qam_[going]
    raise ArithmeticError("the incomplete beta continued fraction did not converge")


def regularized_beta(x: np.ndarray, a: np.ndarray, b: np.ndarray, complement: np.ndarray | None = None
                     ) -> np.ndarray:
    """I_x(a, b), elementwise, for a, b > 0 and 0 <= x <= 1; `complement` is 1 - x when the caller has it more
    accurately than 1 - x can be computed (x near 1).

    >>> round(float(regularized_beta(np.array(0.3), np.array(2.0), np.array(5.0))), 10)  # scipy betainc: 0.579825
    0.579825
    """
    x, a, b = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(a, np.float64), np.asarray(b, np.float64))
    y = 1.0 - x if complement is None else np.broadcast_to(np.asarray(complement, np.float64), x.shape)
    out = np.where(x <= 0.0, 0.0, 1.0)
    inside = (x > 0.0) & (y > 0.0)
    if inside.any():
        xi, yi, ai, bi = x[inside], y[inside], a[inside], b[inside]
        log_front = _log_front(xi, yi, ai, bi)
        direct = xi < (ai + 1.0) / (ai + bi + 2.0)
        value = np.empty(xi.shape)
        if direct.any():
            value[direct] = np.exp(log_front[direct]) * _continued_fraction(ai[direct], bi[direct], xi[direct]) \
                / ai[direct]
        mirror = ~direct
        if mirror.any():
            value[mirror] = 1.0 - np.exp(log_front[mirror]) * _continued_fraction(
                bi[mirror], ai[mirror], yi[mirror]) / bi[mirror]
        out[inside] = value
    return np.asarray(out)


def _upper_beta(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - I_x(a, b) = I_{1-x}(b, a), computed without cancellation."""
    return regularized_beta(1.0 - np.asarray(x, np.float64), b, a)


def t_cdf(df: float | np.ndarray, t: np.ndarray) -> np.ndarray:
    """P(T <= t) for Student's t with `df` degrees of freedom (scipy `stdtr`), elementwise; NaN stays NaN.

    >>> [round(float(v), 10) for v in t_cdf(10, np.array([-2.0, 0.0, 1.5]))]  # R pt: 0.03669402, 0.5, 0.9177463
    [0.0366940174, 0.5, 0.9177463368]
    """
    t, df = np.broadcast_arrays(np.asarray(t, np.float64), np.asarray(df, np.float64))
    finite = np.isfinite(t)
    safe = np.where(finite, t, 0.0)
    square = safe * safe
    # The tail I_x(df/2, 1/2) / 2 with x = df/(df+t^2), and 1 - x = t^2/(df+t^2) given exactly: no cancellation
    # however small or large t is.
    tail = 0.5 * regularized_beta(df / (df + square), df / 2.0, np.full(t.shape, 0.5),
                                  complement=square / (df + square))
    out = np.where(safe > 0, 1.0 - tail, tail)
    out = np.where(np.isinf(t), np.where(t > 0, 1.0, 0.0), out)
    return np.where(np.isnan(t), np.nan, out)


@lru_cache(maxsize=256)
def t_quantile(df: float, probability: float) -> float:
    """The `probability` quantile of Student's t with `df` degrees of freedom (scipy `stdtrit`).

    >>> round(t_quantile(10, 0.975), 9), round(t_quantile(55, 0.975), 9)  # R qt: 2.22813885199 2.00404478329
    (2.228138852, 2.004044783)
    """
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability {probability} is not between 0 and 1")
    value = NormalDist().inv_cdf(probability)
    low, high = -math.inf, math.inf
    for _ in range(200):
        cdf = float(t_cdf(df, np.array([value]))[0])
        if cdf == probability:
            return value
        if cdf < probability:
            low = value
        else:
            high = value
        density = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                           - (df + 1) / 2 * math.log1p(value * value / df))
        candidate = value - (cdf - probability) / density if density > 0 else math.nan
        if not low <= candidate <= high:  # Newton left the bracket: bisect (or step out while unbounded)
            candidate = (low + high) / 2 if math.isfinite(low) and math.isfinite(high) else \
                (2 * value - 1 if math.isfinite(low) else 2 * value + 1)
        if abs(candidate - value) <= 1e-14 * max(1.0, abs(value)):
            return candidate
        value = candidate
    return value


def binomial_cdf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(X <= k) for X ~ Binomial(n, p), elementwise (scipy `bdtr`).

    >>> [round(float(v), 10) for v in binomial_cdf(np.array([18, 30]), np.array([48, 48]), 0.5)]  # R pbinom
    [0.0557014455, 0.9702683124]
    """
    k, n = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(n, np.float64))
    out = np.where(k >= n, 1.0, 0.0)
    inside = (k >= 0) & (k < n)
    if inside.any():
        out = out.copy()
        out[inside] = regularized_beta(np.full(inside.sum(), 1.0 - p), n[inside] - k[inside], k[inside] + 1.0)
    return out


def binomial_sf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(X > k) for X ~ Binomial(n, p), elementwise, without cancellation (scipy `bdtrc`).

    >>> [f"{v:.13e}" for v in binomial_sf(np.array([29, 47]), np.array([48, 48]), 0.5)]  # R: 0.05570144553050945, 2^-48
    ['5.5701445530509e-02', '3.5527136788005e-15']
    """
    k, n = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(n, np.float64))
    out = np.where(k < 0, 1.0, 0.0)
    inside = (k >= 0) & (k < n)
    if inside.any():
        out = out.copy()
        out[inside] = _upper_beta(np.full(inside.sum(), 1.0 - p), n[inside] - k[inside], k[inside] + 1.0)
    return out
