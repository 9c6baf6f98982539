"""Calibration g-weights by Newton's method, for many calibration groups at once: R survey's `grake`.

The calibration model is categorical, so every unit of a cell shares the cell's model row x and g-weight.
Everything R's `grake` sums over units is therefore a sum over cells of (sum of weights in the cell) times a
function of x, and the Newton iterates on cell sums are R's iterates on units. Each group is an independent
problem with its own iteration count and convergence test, exactly as if R were run on that group alone
(including R's rescaling of small weights by the mean ratio of population to sample totals).

Calibration functions (R `cal.linear`, `cal.raking`, `cal.logit`) are copied term for term, including R's
quirks: the bounded raking derivative is zero outside (lower - 1, upper - 1) on the linear-predictor scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survey.options import CALIBRATION_METHODS

# MASS::ginv tolerance used by grake, relative to the largest singular value (the Newton matrix is symmetric
# positive semi-definite, so its eigenvalues are its singular values); and R's threshold above which the
# weights are rescaled before iterating.
GINV_RTOL = 256 * np.finfo(np.float64).eps
RESCALE_THRESHOLD = 20.0


@dataclass(frozen=True)
class GrakeResult:
    """g-weights per cell and the outcome per group (arrays indexed by group unless stated)."""

    g: np.ndarray
    """Per cell: final weight / weight before calibration."""
    iterations: np.ndarray
    """R's `iter` when the group stopped."""
    converged: np.ndarray
    """Bool."""
    achieved: np.ndarray
    """Max |misfit| / (1 + |population|) at the end."""
    misfit: np.ndarray
    """(n_groups, p) population minus calibrated totals at the end."""
    rescale: np.ndarray
    """R's rescaling factor of the weights (1 when not rescaled)"""


def calfun_fm1(method: str, u: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """R `calfun$Fm1`: g - 1 as a function of the linear predictor u."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if method == "linear":
            return np.minimum(np.maximum(u + 1.0, lower), upper) - 1.0
        if method == "raking":
            return np.minimum(np.maximum(np.exp(u), lower), upper) - 1.0
        a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
        e = np.exp(a * u)
        result: np.ndarray = (lower * (upper - 1.0) + upper * (1.0 - lower) * e) / (
            upper - 1.0 + (1.0 - lower) * e
        ) - 1.0
        return result


def calfun_df(method: str, u: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """R `calfun$dF`: derivative of g with respect to u (as R writes it)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        inside = (u < upper - 1.0) & (u > lower - 1.0)
        if method == "linear":
            return inside.astype(np.float64)
        if method == "raking":
            return np.where(inside, np.exp(u), 0.0)
        a = (upper - lower) / ((upper - 1.0) * (1.0 - lower))
        e = np.exp(a * u)
        denominator = upper - 1.0 + (1.0 - lower) * e
        result: np.ndarray = upper * (1.0 - lower) * e * a / denominator - (
            (lower * (upper - 1.0) + upper * (1.0 - lower) * e) * ((1.0 - lower) * e * a)
        ) / denominator**2
        return result


def group_starts(cell_group: np.ndarray, n_groups: int) -> np.ndarray:
    """Start of each group's block of cells; cells must be sorted by group and every group non-empty."""
    if cell_group.size and np.any(np.diff(cell_group) < 0):
        raise ValueError("cells must be sorted by calibration group")
    counts = np.bincount(cell_group, minlength=n_groups)
    if np.any(counts == 0):
        raise ValueError("every calibration group needs at least one cell")
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _group_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum consecutive blocks of rows (cells sorted by group)."""
    return np.add.reduceat(values, starts, axis=0)


def _group_gram(weight: np.ndarray, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """sum over each group's cells of weight * x x', shaped (n_groups, p, p), without a (cells, p, p) array."""
    p = x.shape[1]
    gram = np.empty((starts.size, p, p))
    weighted = x * weight[:, None]
    for j in range(p):
        block = _group_sum(weighted[:, j : j + 1] * x[:, j:], starts)
        gram[:, j, j:] = block
        gram[:, j:, j] = block
    return gram


def rescale_factors(population: np.ndarray, sample_total: np.ndarray) -> np.ndarray:
    """R grake's rescaling per group: the mean population/sample ratio of the model columns when every
    ratio exceeds 20 (columns with zero population and zero sample are dropped first, as R does), else 1.
    Bounds on g then apply to the rescaled weights."""
    kept = ~((population == 0) & (sample_total == 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(kept, population / sample_total, np.nan)
    minimum = np.min(np.where(kept, ratios, np.inf), axis=1)
    mean_ratio = np.nansum(ratios, axis=1) / kept.sum(axis=1)
    result: np.ndarray = np.where(minimum > RESCALE_THRESHOLD, mean_ratio, 1.0)
    return result


def grake_cells(
    weight_sum: np.ndarray,
    x: np.ndarray,
    cell_group: np.ndarray,
    population: np.ndarray,
    *,
    method: str,
    lower: float = -np.inf,
    upper: float = np.inf,
    epsilon: float = 1e-7,
    max_iter: int = 50,
) -> GrakeResult:
    """Solve every group's calibration as R `grake(mm, ww, calfun, bounds, population, epsilon, maxit)`.

    `weight_sum` is the sum of the weights before calibration in each cell; `x` the cells' model rows
    (intercept and dummies); `cell_group` each cell's group (cells sorted by group); `population` the
    control totals of the model columns per group, shaped (n_groups, p). Linear calibration without bounds
    is R's `regcalibrate` (one weighted least-squares solve, no rescaling).
    """
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration method {method!r}")
    n_groups, p = population.shape
    starts = group_starts(cell_group, n_groups)
    sample_total = _group_sum(weight_sum[:, None] * x, starts)
    unbounded = not (np.isfinite(lower) or np.isfinite(upper))

    if method == "linear" and unbounded:
        gram = _group_gram(weight_sum, x, starts)
        # R drops columns with zero population and no sample; the pseudo-inverse leaves them at zero.
        coefficient = np.einsum("gpq,gq->gp", np.linalg.pinv(gram, rtol=1e-12, hermitian=True),
                                population - sample_total)
        g = 1.0 + np.einsum("cp,cp->c", x, coefficient[cell_group])
        misfit = population - _group_sum((weight_sum * g)[:, None] * x, starts)
        achieved = np.max(np.abs(misfit) / (1.0 + np.abs(population)), axis=1)
        return GrakeResult(g, np.ones(n_groups, np.int64), np.ones(n_groups, bool), achieved, misfit,
                           np.ones(n_groups))

    rescale = rescale_factors(population, sample_total)
    ww = weight_sum * rescale[cell_group]
    sample_total = sample_total * rescale[:, None]
    tolerance_scale = 1.0 + np.abs(population)

    eta = np.zeros((n_groups, p))
    xeta = np.zeros(x.shape[0])
    fm1 = calfun_fm1(method, xeta, lower, upper)
    deriv = calfun_df(method, xeta, lower, upper)
    iterations = np.ones(n_groups, dtype=np.int64)
    done = np.zeros(n_groups, dtype=bool)
    converged = np.zeros(n_groups, dtype=bool)
    achieved = np.full(n_groups, np.nan)
    misfit = np.zeros((n_groups, p))

    while not done.all():
        active = ~done
        gram = _group_gram(ww * deriv, x, starts)
        misfit = population - sample_total - _group_sum((ww * fm1)[:, None] * x, starts)
        step = np.zeros((n_groups, p))
        step[active] = np.einsum(
            "gpq,gq->gp", np.linalg.pinv(gram[active], rtol=GINV_RTOL, hermitian=True), misfit[active]
        )
        eta = eta + step
        xeta = np.einsum("cp,cp->c", x, eta[cell_group])
        fm1 = calfun_fm1(method, xeta, lower, upper)
        deriv = calfun_df(method, xeta, lower, upper)
        # Step halving while g or its derivative is not finite (R: only while iter < maxit).
        while True:
            bad_cell = ~np.isfinite(fm1) | ~np.isfinite(deriv)
            bad = np.zeros(n_groups, dtype=bool)
            bad[cell_group[bad_cell]] = True
            bad &= active & (iterations < max_iter)
            if not bad.any():
                break
            iterations[bad] += 1
            step[bad] /= 2.0
            eta[bad] -= step[bad]
            xeta = np.einsum("cp,cp->c", x, eta[cell_group])
            fm1 = calfun_fm1(method, xeta, lower, upper)
            deriv = calfun_df(method, xeta, lower, upper)
        misfit = population - sample_total - _group_sum((ww * fm1)[:, None] * x, starts)
        with np.errstate(invalid="ignore"):
            relative = np.max(np.abs(misfit) / tolerance_scale, axis=1)
        finished = active & (relative < epsilon)
        achieved[active] = relative[active]
        converged |= finished
        done |= finished
        still = active & ~finished
        iterations[still] += 1
        done |= still & (iterations > max_iter)

    g = (1.0 + fm1) * rescale[cell_group]
    final_misfit = population - _group_sum((weight_sum * g)[:, None] * x, starts)
    return GrakeResult(g, iterations, converged, achieved, final_misfit, rescale)
