"""The only place `samplics` is used: raking and Taylor estimates one group at a time, and the Fay-Herriot
EBLUP (`EblupAreaModel`), as peers to test and time against (tests, benchmarks). samplics is archived upstream
and warns on import; that FutureWarning is silenced here and nowhere else. Its Taylor SEs ignore the raking
(they treat the raked weights as design weights).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np


def _samplics() -> tuple[Any, Any, Any]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*samplics is archived.*", category=FutureWarning)
        from samplics import PopParam, TaylorEstimator
        from samplics.weighting import SampleWeight
    return SampleWeight, TaylorEstimator, PopParam


def rake(
    weights: np.ndarray,
    margins: Mapping[str, np.ndarray],
    controls: Mapping[str, Mapping[Any, float]],
    *,
    tol: float = 1e-4,
    max_iter: int = 100,
) -> np.ndarray:
    """samplics `SampleWeight().rake` with its default tolerances: raked weights of one group (margins:
    variable -> category per row; controls: variable -> {category: total})."""
    sample_weight, _, _ = _samplics()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        raked = sample_weight().rake(
            samp_weight=weights, margins=dict(margins), control={k: dict(v) for k, v in controls.items()},
            tol=tol, ctrl_tol=tol, max_iter=max_iter,
        )
    return np.asarray(raked, dtype=np.float64)


def proportion(y: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Estimate and SE of P(y = 1) for 0/1 `y`, one stage, no strata.

    Uses samplics `TaylorEstimator(PopParam.mean)`: on 0/1 data it gives the same estimate and SE as
    `PopParam.prop` and is about ten times faster, so the peer is timed at its best.
    """
    _, taylor_estimator, pop_param = _samplics()
    estimator = taylor_estimator(pop_param.mean)
    estimator.estimate(y=np.asarray(y, dtype=np.float64), samp_weight=weights, remove_nan=True)
    return float(estimator.point_est), float(estimator.stderror)


def fay_herriot_eblup(
    direct: np.ndarray, std_error: np.ndarray, covariates: np.ndarray, method: str = "REML", *,
    tol: float = 1e-12, max_iter: int = 1000, start: float = 0.001,
) -> dict[str, Any]:
    """samplics `EblupAreaModel`: a Fay-Herriot fit (intercept added) and its EBLUPs and MSEs.

    `covariates` holds the columns of the design matrix without the intercept; `method` is "REML" or "ML".
    `start` is samplics' starting value of the area-effect SD (its default 0.001). samplics predicts only the
    areas it was fitted on, in the same order. Returns the area-effect variance,
    coefficients, EBLUPs, MSEs and samplics' convergence record.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*samplics is archived.*", category=FutureWarning)
        from samplics.sae import EblupAreaModel
        from samplics.utils.types import FitMethod

    chosen = {"REML": FitMethod.reml, "ML": FitMethod.ml}[method.upper()]
    areas = np.arange(len(direct))
    model = EblupAreaModel(method=chosen)
    # samplics' log-likelihood takes log(det(V)) of an m x m matrix, which underflows (a RuntimeWarning) for
    # hundreds of areas; the estimates do not use it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        model.fit(yhat=np.asarray(direct, np.float64), X=np.asarray(covariates, np.float64), area=areas,
                  error_std=np.asarray(std_error, np.float64), re_std_start=start, tol=tol, maxiter=max_iter)
        model.predict(X=np.asarray(covariates, np.float64), area=areas)
    return {
        "area_variance": float(np.ravel(model.re_std)[0]) ** 2,  # an array of one under ML
        "beta": np.asarray(model.fixed_effects, np.float64),
        "eblup": np.array([model.area_est[int(a)] for a in areas], dtype=np.float64),
        "mse": np.array([model.area_mse[int(a)] for a in areas], dtype=np.float64),
        "convergence": dict(model.convergence),
    }
