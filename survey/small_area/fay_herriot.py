"""The Fay-Herriot area-level model, fitted by REML or ML with Fisher scoring.

Each area i has a direct estimate `y_i` with a known sampling variance `D_i`, and covariates `x_i`:

    y_i = theta_i + e_i,   e_i ~ N(0, D_i)          (sampling error)
    theta_i = x_i' beta + v_i,   v_i ~ N(0, A)      (area effect, variance A to estimate)

(Fay & Herriot 1979; Rao & Molina 2015, chapter 6). The variance of `y` is diagonal, `V = diag(A + D_i)`,
so every quantity needs only O(m p^2) work: nothing m x m is ever formed. That lets the parametric bootstrap
refit hundreds of replicates at once (`fit_many` takes a stack of `y` vectors sharing `D` and `X`).

Fisher scoring for A (Rao & Molina 2015, chapters 5 and 6), with `P = V^-1 - V^-1 X Q X' V^-1`,
`Q = (X' V^-1 X)^-1`:

    REML: score = -tr(P)/2 + y'PPy/2,        information = tr(PP)/2
    ML:   score = -tr(V^-1)/2 + y'PPy/2,     information = tr(V^-2)/2

The estimate is constrained to A >= 0: a step that would go below zero ends the fit at zero when the score
there points below zero too (the maximum is on the boundary, and the EBLUP is the synthetic estimate), and
otherwise goes halfway to zero. The
start is the Prasad-Rao moment estimate. Fisher scoring alone can creep or zig-zag for a hundred steps when A
is small beside the sampling variances, so the steps are Newton's (observed information) wherever the
likelihood is locally concave, Fisher's elsewhere, and a step that leaves the bracket of a positive and a
negative score bisects it instead; a well-posed fit needs a handful of steps. (The estimate is the root of the
score either way; only the path differs.) A fit that has not
converged after `max_iter` steps is an error, never a silent fallback to another method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survey.errors import SurveyInputError
from survey.options import FitMethod

DEFAULT_TOLERANCE = 1e-10
"""Convergence: a Fisher step smaller than this times (A + mean D) ends the iterations."""
DEFAULT_MAX_ITER = 100


class ModelFitError(SurveyInputError):
    """The model could not be fitted as asked (no convergence); the message says what to try instead."""


@dataclass(frozen=True)
class FayHerriotFit:
    """A fitted Fay-Herriot model (one set of direct estimates)."""

    method: FitMethod
    area_variance: float
    """A: the estimated variance of the area effects (model scale)."""
    area_variance_se: float
    """Asymptotic SE of A: the inverse square root of the Fisher information at A."""
    beta: np.ndarray
    """Regression coefficients, in the order of the design matrix columns."""
    beta_cov: np.ndarray
    """Q = (X' V^-1 X)^-1: covariance matrix of `beta` at A."""
    iterations: int
    at_boundary: bool
    """True when A was estimated at zero (no area effect beyond the covariates)."""
    log_likelihood: float
    """Maximised log-likelihood (restricted for REML), natural log."""


def _check_inputs(y: np.ndarray, d: np.ndarray, x: np.ndarray) -> None:
    m, p = x.shape
    if y.shape[-1] != m or d.shape != (m,):
        raise ValueError(f"y {y.shape}, D {d.shape} and X {x.shape} do not line up")
    if not (np.all(np.isfinite(d)) and np.all(d > 0)):
        raise SurveyInputError("sampling variances must be finite and positive")
    check_enough_areas(m, p)


def check_enough_areas(m: int, p: int) -> None:
    """Refuse a model with fewer areas than it needs: `p` coefficients and the area variance, plus one."""
    if m <= p + 1:
        raise SurveyInputError(
            f"{m} areas with a direct estimate is too few for a model with {p} coefficients and an area "
            f"variance: it needs at least {p + 2}. Use fewer covariates."
        )


def moment_start(y: np.ndarray, d: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Prasad-Rao (1990) moment estimate of A from OLS residuals, floored at a small positive value.

    `y` is (B, m); returns (B,). Used as the starting point of Fisher scoring.
    """
    m, p = x.shape
    q, _ = np.linalg.qr(x)
    hat_diag = np.einsum("ij,ij->i", q, q)
    resid = y - (y @ q) @ q.T
    a = (np.sum(resid**2, axis=-1) - np.sum(d * (1.0 - hat_diag))) / (m - p)
    return np.maximum(a, 0.01 * float(np.mean(d)))


def _pieces(a: np.ndarray, y: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each row b: v = 1/(A+D), Q, beta, residuals r = y - X beta (all batched over the first axis)."""
    v = 1.0 / (a[:, None] + d[None, :])  # (B, m)
    xtvx = np.einsum("bi,ij,ik->bjk", v, x, x)  # (B, p, p)
    q = np.linalg.inv(xtvx)
    xtvy = np.einsum("bi,ij,bi->bj", v, x, y)
    beta = np.einsum("bjk,bk->bj", q, xtvy)
    resid = y - beta @ x.T
    return v, q, beta, resid


def _score_information(method: FitMethod, a: np.ndarray, y: np.ndarray, d: np.ndarray, x: np.ndarray,
                       observed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Score for A and the Fisher information (expected), or with `observed` the observed information
    (minus the derivative of the score): `y'PPPy - ` the Fisher information, for REML and ML alike."""
    v, q, _, resid = _pieces(a, y, d, x)
    py = v * resid  # P y = V^-1 (y - X beta_hat)
    quad = np.sum(py**2, axis=-1)
    if method == "ml":
        score, information = -0.5 * np.sum(v, axis=-1) + 0.5 * quad, 0.5 * np.sum(v**2, axis=-1)
    else:
        # REML: tr(P) and tr(PP) from p x p pieces, V being diagonal.
        x_v2_x = np.einsum("bi,ij,ik->bjk", v**2, x, x)
        x_v3_x = np.einsum("bi,ij,ik->bjk", v**3, x, x)
        q_v2 = q @ x_v2_x
        trace_p = np.sum(v, axis=-1) - np.trace(q_v2, axis1=1, axis2=2)
        trace_pp = (np.sum(v**2, axis=-1) - 2.0 * np.trace(q @ x_v3_x, axis1=1, axis2=2)
                    + np.einsum("bij,bji->b", q_v2, q_v2))
        score, information = -0.5 * trace_p + 0.5 * quad, 0.5 * trace_pp
    if not observed:
        return score, information
    # P (P y) = V^-1 u - V^-1 X Q X' V^-1 u with u = P y.
    xtvu = np.einsum("bi,ij->bj", v * py, x)
    ppy = v * py - v * (np.einsum("bjk,bk->bj", q, xtvu) @ x.T)
    return score, np.sum(py * ppy, axis=-1) - information


@dataclass(frozen=True)
class ManyFits:
    """Fits of a stack of direct-estimate vectors sharing `D` and `X` (see `fit_many`)."""

    area_variance: np.ndarray
    """(B,) A per row."""
    beta: np.ndarray
    """(B, p)"""
    information: np.ndarray
    """(B,) Fisher information for A at the estimate."""
    iterations: np.ndarray
    converged: np.ndarray
    """(B,) bool"""
    at_boundary: np.ndarray


def fit_many(y: np.ndarray, d: np.ndarray, x: np.ndarray, method: FitMethod = "reml", *,
             tol: float = DEFAULT_TOLERANCE, max_iter: int = DEFAULT_MAX_ITER) -> ManyFits:
    """Fit the model to each row of `y` (B, m), all rows at once; rows that have not converged are flagged.

    Newton / Fisher scoring on A (Rao & Molina 2015, chapter 6), constrained to A >= 0, safeguarded by
    bisection (see the module docstring).
    """
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    d = np.asarray(d, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    _check_inputs(y, d, x)
    scale = float(np.mean(d))
    a = moment_start(y, d, x)
    iterations = np.zeros(a.shape, dtype=np.int64)
    converged = np.zeros(a.shape, dtype=bool)
    at_boundary = np.zeros(a.shape, dtype=bool)
    low = np.full(a.shape, -1.0)  # largest A seen with a positive score (-1: none yet)
    high = np.full(a.shape, np.inf)  # smallest A seen with a negative score
    active = np.arange(a.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ya, aa = y[active], a[active]
        score, information = _score_information(method, aa, ya, d, x)
        low[active] = np.where(score > 0.0, np.maximum(low[active], aa), low[active])
        high[active] = np.where(score <= 0.0, np.minimum(high[active], aa), high[active])
        # Newton steps (observed information) where the log-likelihood is locally concave, Fisher scoring
        # elsewhere; once a positive and a negative score have been seen, a step leaving that bracket bisects it.
        _, observed = _score_information(method, aa, ya, d, x, observed=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = np.where(observed > 0.0, aa + score / observed, aa + score / information)
        lo, hi = low[active], high[active]
        bracketed = (lo >= 0.0) & np.isfinite(hi)
        outside = bracketed & ~((new > lo) & (new < hi))
        new = np.where(outside, 0.5 * (lo + np.where(np.isfinite(hi), hi, 0.0)), new)
        # At zero with the score pointing below it, the constrained maximum is A = 0.
        stuck = (aa == 0.0) & (score <= 0.0)
        below = np.flatnonzero(new < 0.0)
        if below.size:
            # A step past zero: if the score at zero points below it too, the maximum is on the boundary;
            # otherwise go halfway to zero.
            at_zero, _ = _score_information(method, np.zeros(below.size), ya[below], d, x)
            stuck[below] |= at_zero <= 0.0
            new[below] = np.where(at_zero <= 0.0, 0.0, aa[below] / 2.0)
        done = stuck | (np.abs(new - aa) <= tol * (new + scale))
        a[active] = np.where(stuck, 0.0, new)
        iterations[active] += 1
        converged[active[done]] = True
        at_boundary[active[done]] = a[active[done]] == 0.0
        active = active[~done]
    _, _, beta, _ = _pieces(a, y, d, x)
    _, information = _score_information(method, a, y, d, x)
    return ManyFits(a, beta, information, iterations, converged, at_boundary)


def log_likelihood(method: FitMethod, a: float, y: np.ndarray, d: np.ndarray, x: np.ndarray) -> float:
    """Log-likelihood at A (restricted log-likelihood for REML, without the constant log|X'X| term)."""
    v, q, _, resid = _pieces(np.array([a]), y[None, :], d, x)
    m, p = x.shape
    value = -0.5 * (m * np.log(2 * np.pi) - np.sum(np.log(v[0])) + np.sum(v[0] * resid[0] ** 2))
    if method == "reml":
        value += 0.5 * p * np.log(2 * np.pi) + 0.5 * float(np.linalg.slogdet(q[0])[1])
    return float(value)


def fit_fay_herriot(y: np.ndarray, d: np.ndarray, x: np.ndarray, method: FitMethod = "reml", *,
                    tol: float = DEFAULT_TOLERANCE, max_iter: int = DEFAULT_MAX_ITER) -> FayHerriotFit:
    """Fit the Fay-Herriot model (Fay & Herriot 1979) to direct estimates `y` with sampling variances `d`
    and design matrix `x` (intercept column included), by REML (default) or ML.

    Raises `ModelFitError` when Fisher scoring has not converged after `max_iter` steps.

    >>> import numpy as np
    >>> x = np.column_stack([np.ones(6), [0.0, 1, 2, 3, 4, 5]])
    >>> fit = fit_fay_herriot(np.array([0.1, 0.5, 0.4, 0.9, 0.7, 1.2]), np.full(6, 0.01), x)
    >>> round(fit.area_variance, 4), np.round(fit.beta, 3).tolist()
    (0.0228, [0.162, 0.189])
    """
    y = np.asarray(y, dtype=np.float64)
    many = fit_many(y[None, :], d, x, method, tol=tol, max_iter=max_iter)
    if not many.converged[0]:
        name = method.upper()
        hint = ("try --method ml, or fewer covariates" if method == "reml"
                else "try fewer covariates, or check the sampling variances")
        raise ModelFitError(
            f"the {name} fit of the area-effect variance did not converge in {max_iter} iterations "
            f"(last estimate {many.area_variance[0]:.6g}); {hint}. No estimates were written."
        )
    a = float(many.area_variance[0])
    v, q, beta, _ = _pieces(np.array([a]), y[None, :], np.asarray(d, np.float64), np.asarray(x, np.float64))
    return FayHerriotFit(
        method=method,
        area_variance=a,
        area_variance_se=float(1.0 / np.sqrt(many.information[0])),
        beta=beta[0],
        beta_cov=q[0],
        iterations=int(many.iterations[0]),
        at_boundary=bool(many.at_boundary[0]),
        log_likelihood=log_likelihood(method, a, y, np.asarray(d, np.float64), np.asarray(x, np.float64)),
    )
