"""Parametric bootstrap MSE of the small-area estimates (González-Manteiga et al. 2008; Rao & Molina 2015,
chapter 6).

Each replicate draws a new world from the fitted model and runs the whole estimator on it:

    v*_i ~ N(0, A_hat),  theta*_i = x_i' beta_hat + v*_i          (every area, sampled or not)
    y*_i = theta*_i + e*_i,  e*_i ~ N(0, D_i)                      (areas with a direct estimate)

then refits the model by the same method, forms the estimates (back-transformed and benchmarked exactly as
the real ones), and compares them with the replicate's true values. The MSE of area i is the mean over
replicates of (estimate*_i - true*_i)^2. On the arcsine scale the true proportion is `sin(theta*)^2`, so
the MSE is on the proportion scale with no delta-method step. With benchmarking, the replicate's national
figure is the population-weighted sum of its direct estimates (and of the model's values for areas with
none), so the shift and its extra variance are carried through.

This is the plain parametric bootstrap: first-order correct, it understates the MSE by O(1/m) when A is hard
to estimate (about 10% with 30 areas in tests/survey/validation/test_small_area_mse_vs_model_simulation.py;
within 5% with 120). The analytic formulas are second-order correct and are the default without a transformation.

All replicates are fitted at once (`fit_many`); the seed fixes the draws, so the same seed gives the same
MSEs. A replicate whose fit does not converge is an error, not dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from survey.small_area.fay_herriot import FayHerriotFit, ModelFitError, fit_many
from survey.small_area.transform import bias_corrected_back, naive_back

CHUNK = 100
"""Replicates fitted together (bounds memory; the result does not depend on it)."""


@dataclass(frozen=True)
class BootstrapMSE:
    """Bootstrap MSE per area, on the output scale (proportions when the model is on the arcsine scale)."""

    mse: np.ndarray
    replicates: int
    seed: int


def bootstrap_mse(
    fit: FayHerriotFit,
    d: np.ndarray,
    x: np.ndarray,
    sampled: np.ndarray,
    *,
    replicates: int,
    seed: int,
    arcsine: bool = False,
    shares: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    on_replicates: Callable[[int], None] | None = None,
) -> BootstrapMSE:
    """Parametric bootstrap MSE of the EBLUP of every area (benchmarked when `shares` is given).

    `d` holds the sampling variances (used where `sampled`), `x` the design matrix of every area.
    `on_replicates(k)` is called after each chunk of `k` replicates (progress).
    """
    sampled = np.asarray(sampled, dtype=bool)
    x = np.asarray(x, np.float64)
    d_s = np.asarray(d, np.float64)[sampled]
    x_s = x[sampled]
    mean = x @ fit.beta
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    total = np.zeros(len(mean))
    done = 0
    while done < replicates:
        size = min(CHUNK, replicates - done)
        theta = mean + rng.standard_normal((size, len(mean))) * np.sqrt(fit.area_variance)
        y = theta[:, sampled] + rng.standard_normal((size, int(sampled.sum()))) * np.sqrt(d_s)
        refits = fit_many(y, d_s, x_s, fit.method, tol=tol, max_iter=max_iter)
        if not refits.converged.all():
            raise ModelFitError(
                f"{int((~refits.converged).sum())} of {size} bootstrap refits did not converge in {max_iter} "
                f"iterations; try --method ml, fewer covariates, or --mse analytic. No estimates were written."
            )
        a = refits.area_variance[:, None]
        synthetic = refits.beta @ x.T
        gamma = np.zeros_like(synthetic)
        gamma[:, sampled] = a / (a + d_s[None, :])
        estimate = synthetic.copy()
        estimate[:, sampled] += gamma[:, sampled] * (y - synthetic[:, sampled])
        if arcsine:
            posterior = np.where(sampled[None, :], gamma * np.where(sampled, d, 0.0)[None, :], a)
            estimate = bias_corrected_back(estimate, posterior)
            truth = naive_back(theta)
            direct = naive_back(y)
        else:
            truth, direct = theta, y
        if shares is not None:
            # National figure of the replicate: its direct estimates where there are any, the model elsewhere.
            shift = np.sum(shares[sampled] * (direct - estimate[:, sampled]), axis=1)
            estimate = estimate + shift[:, None]
        total += np.sum((estimate - truth) ** 2, axis=0)
        done += size
        if on_replicates is not None:
            on_replicates(size)
    return BootstrapMSE(total / replicates, replicates, seed)
