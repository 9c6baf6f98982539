"""Model diagnostics for one fitted indicator, as rows of a long table.

Sections (column `section`):
- `model`: areas in the fit and predicted only, iterations, log-likelihood, AIC and BIC (counting the
  coefficients and A).
- `area_variance`: A with its asymptotic SE.
- `coefficient`: each coefficient with its SE and the two-sided normal p-value (as R's `sae::eblupFH`).
- `normality`: skewness, excess kurtosis and the Shapiro-Wilk test of the standardised residuals
  `(y_i - eblup_i) / sqrt(D_i)` and of the standardised predicted area effects `v_i / sd(v)` (as R's
  `emdi`, Kreutzmann et al. 2019); both should look standard normal if the model holds.
- `cv`: median coefficient of variation of the direct estimates and of the EBLUPs over the areas with a
  direct estimate, and the share of those areas where the EBLUP's CV is the smaller.
- `benchmark`: the national target, the shift and the weighted sum after benchmarking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

DIAGNOSTIC_COLUMNS: tuple[str, ...] = ("indicator", "section", "name", "value", "se", "p_value", "note")


def row(indicator: str, section: str, name: str, value: float, se: float = np.nan, p_value: float = np.nan,
         note: str = "") -> dict[str, Any]:
    return {"indicator": indicator, "section": section, "name": name, "value": float(value), "se": float(se),
            "p_value": float(p_value), "note": note}


def normality_rows(indicator: str, name: str, values: np.ndarray) -> list[dict[str, Any]]:
    """Skewness, excess kurtosis and Shapiro-Wilk W (with its p-value) of `values`."""
    values = np.asarray(values, np.float64)
    values = values[np.isfinite(values)]
    if values.size < 3 or np.ptp(values) == 0:
        return [row(indicator, "normality", f"{name}: shapiro_w", np.nan, note="too few or constant values")]
    w, p = stats.shapiro(values)
    return [
        row(indicator, "normality", f"{name}: skewness", stats.skew(values)),
        row(indicator, "normality", f"{name}: excess_kurtosis", stats.kurtosis(values)),
        row(indicator, "normality", f"{name}: shapiro_w", w, p_value=p),
    ]


def coefficient_rows(indicator: str, names: list[str], beta: np.ndarray, cov: np.ndarray) -> list[dict[str, Any]]:
    """Coefficients with SEs and two-sided normal p-values."""
    se = np.sqrt(np.diag(cov))
    p = 2.0 * stats.norm.sf(np.abs(beta / se))
    return [row(indicator, "coefficient", n, b, s, q) for n, b, s, q in zip(names, beta, se, p, strict=True)]


def cv_rows(indicator: str, direct: np.ndarray, direct_se: np.ndarray, estimate: np.ndarray, mse: np.ndarray,
            sampled: np.ndarray) -> list[dict[str, Any]]:
    """Median CVs of direct and EBLUP over the areas with a direct estimate, and where the EBLUP's is smaller."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cv_direct = np.asarray(direct_se)[sampled] / np.abs(np.asarray(direct)[sampled])
        cv_eblup = np.sqrt(np.asarray(mse)[sampled]) / np.abs(np.asarray(estimate)[sampled])
    both = np.isfinite(cv_direct) & np.isfinite(cv_eblup)
    return [
        row(indicator, "cv", "median_cv_direct", np.median(cv_direct[both]) if both.any() else np.nan),
        row(indicator, "cv", "median_cv_eblup", np.median(cv_eblup[both]) if both.any() else np.nan),
        row(indicator, "cv", "share_eblup_cv_smaller", np.mean(cv_eblup[both] < cv_direct[both]) if both.any()
             else np.nan, note="areas with a direct estimate"),
    ]


def model_rows(indicator: str, *, areas_fitted: int, areas_predicted: int, iterations: int, log_likelihood: float,
               n_parameters: int, method: str, transform: str, variance: str, mse: str) -> list[dict[str, Any]]:
    """How the model was fitted, and its information criteria."""
    aic = -2.0 * log_likelihood + 2.0 * n_parameters
    bic = -2.0 * log_likelihood + np.log(areas_fitted) * n_parameters
    note = f"method {method}, transform {transform}, variance {variance}, mse {mse}"
    return [
        row(indicator, "model", "areas_in_fit", areas_fitted, note=note),
        row(indicator, "model", "areas_synthetic_only", areas_predicted),
        row(indicator, "model", "iterations", iterations),
        row(indicator, "model", "log_likelihood", log_likelihood,
             note="restricted log-likelihood" if method == "reml" else "log-likelihood"),
        row(indicator, "model", "aic", aic),
        row(indicator, "model", "bic", bic),
    ]
