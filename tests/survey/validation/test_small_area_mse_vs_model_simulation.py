"""MSE estimates against the empirical MSE when the Fay-Herriot model holds exactly (Monte Carlo).

Data are drawn from the model itself (m = 30 areas, unequal sampling variances), refitted each time, and the
mean of each MSE estimator is set beside the empirical mean squared error of the estimator it describes:
the Prasad-Rao / Datta-Lahiri formulas for REML and ML, the parametric bootstrap, and the benchmarked EBLUP
with the Steorts-Ghosh term. Tolerances are sized from the Monte Carlo error (about 2% at 4,000 draws; 5% for
the bootstrap, 300 draws of 120 areas), and a test shows that dropping the g3 term is seen.
"""

from __future__ import annotations

import numpy as np
import pytest

from survey.small_area.benchmark import benchmark_mse_term
from survey.small_area.bootstrap import bootstrap_mse
from survey.small_area.eblup import predict
from survey.small_area.fay_herriot import fit_fay_herriot, fit_many

M = 30
A_TRUE = 0.004
BETA = np.array([0.3, 0.04])


def world(seed: int = 11, m: int = M) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(m), rng.normal(size=m)])
    d = 0.001 * np.exp(rng.uniform(0, np.log(15), m))
    return x, d, rng


def simulate(draws: int, method: str, seed: int = 11) -> dict[str, np.ndarray]:
    x, d, rng = world(seed)
    theta = x @ BETA + rng.normal(0, np.sqrt(A_TRUE), (draws, M))
    y = theta + rng.normal(0, np.sqrt(d), (draws, M))
    fits = fit_many(y, d, x, method)
    assert fits.converged.all()
    eblup, mse, g1 = np.empty((draws, M)), np.empty((draws, M)), np.empty((draws, M))
    for r in range(draws):
        fit = fit_fay_herriot(y[r], d, x, method)
        prediction = predict(fit, y[r], d, x, np.ones(M, dtype=bool))
        eblup[r], mse[r], g1[r] = prediction.eblup, prediction.mse, prediction.g1
    return {"theta": theta, "y": y, "eblup": eblup, "mse": mse, "g1": g1}


@pytest.fixture(scope="module")
def reml() -> dict[str, np.ndarray]:
    return simulate(4000, "reml")


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_analytic_mse_matches_the_empirical_mse(method: str, reml: dict[str, np.ndarray]) -> None:
    sim = reml if method == "reml" else simulate(4000, "ml")
    empirical = np.mean((sim["eblup"] - sim["theta"]) ** 2)
    estimated = np.mean(sim["mse"])
    assert estimated / empirical == pytest.approx(1.0, abs=0.04), (
        f"{method}: expected mean MSE estimate / empirical MSE near 1, got {estimated / empirical:.3f}")


def test_the_comparison_sees_a_missing_g3_term(reml: dict[str, np.ndarray]) -> None:
    """Power: g1 alone (the MSE as if A were known) falls short by more than the tolerance."""
    empirical = np.mean((reml["eblup"] - reml["theta"]) ** 2)
    assert np.mean(reml["g1"]) / empirical < 0.9


def test_bootstrap_mse_matches_the_empirical_mse() -> None:
    """The parametric bootstrap is first-order: its bias is O(1/m) (about -10% at 30 areas here), so it is held
    to the empirical MSE with 120 areas (a third of the partnerships)."""
    m = 120
    x, d, rng = world(12, m)
    draws = 300
    theta = x @ BETA + rng.normal(0, np.sqrt(A_TRUE), (draws, m))
    y = theta + rng.normal(0, np.sqrt(d), (draws, m))
    errors, boot = [], []
    for r in range(draws):
        fit = fit_fay_herriot(y[r], d, x, "reml")
        errors.append((predict(fit, y[r], d, x, np.ones(m, dtype=bool)).eblup - theta[r]) ** 2)
        boot.append(bootstrap_mse(fit, d, x, np.ones(m, dtype=bool), replicates=200, seed=r).mse)
    ratio = np.mean(boot) / np.mean(errors)
    assert ratio == pytest.approx(1.0, abs=0.05), f"expected bootstrap MSE / empirical MSE near 1, got {ratio:.3f}"


def test_benchmark_adds_the_steorts_ghosh_term(reml: dict[str, np.ndarray]) -> None:
    x, d, _ = world(11)
    shares = np.linspace(1, 3, M)
    shares /= shares.sum()
    theta, y, eblup = reml["theta"], reml["y"], reml["eblup"]
    national = y @ shares  # the national direct estimate as the weighted sum of the area direct estimates
    benchmarked = eblup + (national - eblup @ shares)[:, None]
    empirical = np.mean((benchmarked - theta) ** 2)
    g4 = np.array([benchmark_mse_term(fit_fay_herriot(y[r], d, x, "reml"), d, x, shares) for r in range(500)])
    estimated = np.mean(reml["mse"]) + np.mean(g4)
    assert estimated / empirical == pytest.approx(1.0, abs=0.04), (
        f"expected (MSE + g4) / empirical MSE of the benchmarked EBLUP near 1, got {estimated / empirical:.3f}")
    # The term itself: g4 is the variance of the shift, a = T - sum_j w_j eblup_j (mean zero under the model).
    shift = national - eblup @ shares
    assert np.mean(g4) / np.mean(shift**2) == pytest.approx(1.0, abs=0.06), (
        f"expected mean g4 / empirical variance of the shift near 1, got {np.mean(g4) / np.mean(shift**2):.3f}")
