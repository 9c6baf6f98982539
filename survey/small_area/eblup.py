"""EBLUP predictions and their analytic MSE under a fitted Fay-Herriot model.

For an area with a direct estimate, the EBLUP is a weighted mean of the direct and synthetic estimates,

    theta_hat_i = gamma_i y_i + (1 - gamma_i) x_i' beta_hat,   gamma_i = A / (A + D_i)   (the shrinkage),

and for an area with no (usable) direct estimate it is the synthetic estimate x_i' beta_hat.

The MSE is estimated by the second-order unbiased formulas of Rao & Molina (2015, chapter 6), with
B_i = 1 - gamma_i and Q = (X' V^-1 X)^-1:

    g1 = gamma_i D_i                    (the MSE of the BLUP with A and beta known)
    g2 = B_i^2 x_i' Q x_i               (estimating beta)
    g3 = B_i^2 Vbar(A) / (A + D_i)      (estimating A), Vbar(A) = 2 / sum_j (A + D_j)^-2

    REML: mse_i = g1 + g2 + 2 g3                      (Prasad & Rao 1990; Datta & Lahiri 2000)
    ML:   mse_i = g1 + g2 + 2 g3 - b_ML(A) B_i^2      (Datta & Lahiri 2000), with the bias of the ML
          estimate b_ML(A) = -tr(Q X' V^-2 X) / sum_j (A + D_j)^-2

These are the formulas of R's `sae::mseFH` and samplics' `EblupAreaModel`. An area without a direct
estimate is the limit D_i -> infinity: gamma_i = 0, B_i = 1, g1 = A, g3 = 0, so
mse_i = A + x_i' Q x_i (REML), less b_ML(A) for ML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survey.small_area.fay_herriot import FayHerriotFit


@dataclass(frozen=True)
class Prediction:
    """EBLUPs and their analytic MSE, one entry per area (model scale)."""

    eblup: np.ndarray
    synthetic: np.ndarray
    """x_i' beta_hat"""
    shrinkage: np.ndarray
    """gamma_i = A / (A + D_i): the weight on the direct estimate (0 for areas without one)."""
    g1: np.ndarray
    g2: np.ndarray
    g3: np.ndarray
    mse: np.ndarray


def predict(fit: FayHerriotFit, y: np.ndarray, d: np.ndarray, x: np.ndarray, sampled: np.ndarray) -> Prediction:
    """EBLUPs and analytic MSEs for every area.

    `y`, `d` hold the direct estimates and sampling variances (any value where `sampled` is False);
    `x` is the design matrix of every area; `sampled` marks the areas whose direct estimate entered the fit.
    The fit must have been made on exactly the sampled rows (its Q and A are reused here).
    """
    sampled = np.asarray(sampled, dtype=bool)
    a = fit.area_variance
    d_fit = np.asarray(d, np.float64)[sampled]
    x_fit = np.asarray(x, np.float64)[sampled]
    synthetic = np.asarray(x, np.float64) @ fit.beta
    gamma = np.zeros(len(synthetic))
    gamma[sampled] = a / (a + d_fit)
    b = 1.0 - gamma
    y_safe = np.where(sampled, np.asarray(y, np.float64), 0.0)
    eblup = gamma * y_safe + b * synthetic
    d_all = np.where(sampled, np.asarray(d, np.float64), np.inf)

    g1 = np.where(sampled, gamma * np.where(sampled, d_all, 0.0), a)
    leverage = np.einsum("ij,jk,ik->i", np.asarray(x, np.float64), fit.beta_cov, np.asarray(x, np.float64))
    g2 = b**2 * leverage
    sum_v2 = float(np.sum((a + d_fit) ** -2.0))
    v_bar = 2.0 / sum_v2
    g3 = np.where(sampled, b**2 * v_bar / (a + np.where(sampled, d_all, 1.0)), 0.0)
    mse = g1 + g2 + 2.0 * g3
    if fit.method == "ml":
        x_v2_x = x_fit.T @ (x_fit * ((a + d_fit) ** -2.0)[:, None])
        bias_ml = -float(np.trace(fit.beta_cov @ x_v2_x)) / sum_v2
        mse = mse - bias_ml * b**2
    return Prediction(eblup, synthetic, gamma, g1, g2, g3, mse)
