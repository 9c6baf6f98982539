"""The numpy t and binomial distributions of `crime change` equal scipy's over a grid of cases.

`recorded_crime.rates.incomplete_beta` exists so that a whole `crime change` run need not import scipy; these
tests hold it to scipy's `stdtr`, `stdtrit`, `bdtr` and `bdtrc`, tails included (relative accuracy where the
values are tiny), from one degree of freedom to thousands and from one trial to a million.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from recorded_crime.rates.incomplete_beta import binomial_cdf, binomial_sf, regularized_beta, t_cdf, t_quantile

DFS = (1, 2, 3, 5, 9, 10, 21, 33, 55, 99, 500, 5000)


@pytest.mark.parametrize("df", DFS)
def test_t_cdf_equals_scipy_stdtr(df: int) -> None:
    t = np.concatenate([np.linspace(-12, 12, 97), [-1e3, -40.0, -1e-3, 0.0, 1e-3, 40.0, 1e3]])
    np.testing.assert_allclose(t_cdf(df, t), special.stdtr(df, t), rtol=1e-10, atol=1e-300,
                               err_msg=f"df {df}: expected scipy's stdtr")
    assert t_cdf(df, np.array([np.inf, -np.inf, np.nan])).tolist()[:2] == [1.0, 0.0]


def test_t_cdf_near_zero_equals_the_cauchy_closed_form() -> None:
    """With one degree of freedom P(T <= t) = 1/2 + arctan(t) / pi (R: pt(1e-8, 1) = 0.5000000031831); scipy's
    stdtr is off by 1.6e-9 there, so this is checked against the closed form."""
    t = np.array([-1e-8, 1e-8, 1e-4, 0.3])
    np.testing.assert_allclose(t_cdf(1, t), 0.5 + np.arctan(t) / np.pi, rtol=1e-14)


@pytest.mark.parametrize("df", DFS)
def test_t_quantile_equals_scipy_stdtrit(df: int) -> None:
    for probability in (1e-6, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999):
        expected = float(special.stdtrit(df, probability))
        assert t_quantile(df, probability) == pytest.approx(expected, rel=1e-10, abs=1e-12), (df, probability)


@pytest.mark.parametrize("n", (1, 2, 10, 48, 1_000, 40_000))
def test_binomial_tails_equal_scipy(n: int) -> None:
    spread = max(1, int(np.sqrt(n)))
    k = np.unique(np.clip(np.concatenate([[0, 1, n - 1, n], n // 2 + spread * np.arange(-8, 9)]), 0, n))
    for p in (0.5, 0.3):
        np.testing.assert_allclose(binomial_cdf(k, np.full(len(k), n), p), special.bdtr(k, n, p), rtol=1e-9,
                                   atol=1e-300, err_msg=f"n {n}, p {p}: expected scipy's bdtr")
        np.testing.assert_allclose(binomial_sf(k, np.full(len(k), n), p), special.bdtrc(k, n, p), rtol=1e-9,
                                   atol=1e-300, err_msg=f"n {n}, p {p}: expected scipy's bdtrc")


def test_binomial_tails_of_a_million_equal_exact_sums() -> None:
    """At a million trials scipy's bdtr is itself off by about 1e-9 relative, so the reference is the exact sum of
    the binomial terms in 50-digit arithmetic (mpmath); R's pbinom agrees with it to 1e-16."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    n = 1_000_000
    log_total = mp.loggamma(n + 1) - n * mp.log(2)
    for k in (494_000, 499_000, 500_000):
        exact = mp.mpf(0)
        for j in range(k, -1, -1):
            term = mp.exp(log_total - mp.loggamma(j + 1) - mp.loggamma(n - j + 1))
            exact += term
            if term < exact * mp.mpf(10) ** -25:
                break
        got = float(binomial_cdf(np.array([k]), np.array([n]), 0.5)[0])
        assert got == pytest.approx(float(exact), rel=1e-10), f"k {k}: expected {exact}, got {got}"


def test_regularized_beta_equals_scipy_betainc() -> None:
    rng = np.random.default_rng(5)
    a, b, x = rng.uniform(0.3, 400, 500), rng.uniform(0.3, 400, 500), rng.uniform(0, 1, 500)
    np.testing.assert_allclose(regularized_beta(x, a, b), special.betainc(a, b, x), rtol=1e-9, atol=1e-300)
