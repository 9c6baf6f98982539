"""The only place `samplics` is used: raking and Taylor estimates one group at a time, as a peer to time
against (benchmarks). samplics is archived upstream and warns on import; that FutureWarning is silenced
here and nowhere else. Its Taylor SEs ignore the raking (they treat the raked weights as design weights).
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
