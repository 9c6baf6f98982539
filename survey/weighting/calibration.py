"""Calibration of survey weights to control totals: raking, linear and bounded logit, per group at once.

`calibrate_to_margins` is R's `calibrate(design, formula = ~v1 + v2 + ..., population, calfun, bounds)`
run separately in every calibration group (e.g. every local authority), all groups solved together on sums
per (group x cell). A cell is a combination of the calibration variables' categories; the model row of a
cell is an intercept plus reference-coded dummies of each margin, which is R's `model.matrix`. Raking on
these margins reaches the same weights as R `rake()` (iterative proportional fitting) at convergence.

The result is the design with calibrated weights and a `CalibrationStep`, so Taylor variances use the
residual method of R `calibrate` and replicate designs get every replicate calibrated again (R
`calibrate.svyrep.design`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.design import CalibrationStep, ReplicateWeights, SurveyDesign, gram_rank
from survey.errors import SurveyInputError
from survey.options import CALIBRATION_METHODS, ON_NONCONVERGENCE_OPTIONS, OnNonconvergence, choose
from survey.weighting.controls import ControlTotals, MatchedControls, match_controls
from survey.weighting.grake import grake_cells, rescale_factors


class CalibrationWarning(UserWarning):
    """A calibration group did not converge and `on_nonconvergence="warn"` let it through."""


@dataclass(frozen=True)
class CalibrationModel:
    """The categorical calibration model: cells, their model rows and the control totals per group."""

    cell: np.ndarray
    """Per row."""
    cell_group: np.ndarray
    """Per cell (sorted)"""
    cell_levels: np.ndarray
    """(n_cells, n_variables) level index of each calibration variable."""
    cell_matrix: np.ndarray
    """(n_cells, p) intercept + reference-coded dummies."""
    population: np.ndarray
    """(n_groups, p) control totals of the model columns."""
    matched: MatchedControls

    @property
    def n_cells(self) -> int:
        return int(self.cell_group.size)


def model_matrix(cell_levels: np.ndarray, n_levels: Sequence[int]) -> np.ndarray:
    """R `model.matrix(~v1 + v2 + ...)` rows for cells: intercept, then dummies of levels 2.. of each margin."""
    columns = [np.ones(cell_levels.shape[0])]
    for j, count in enumerate(n_levels):
        for level in range(1, count):
            columns.append((cell_levels[:, j] == level).astype(np.float64))
    return np.column_stack(columns)


def build_model(matched: MatchedControls) -> CalibrationModel:
    """Cells present in the data (sorted by group) and the control totals of the model columns."""
    n_levels = [len(matched.levels[v]) for v in matched.variables]
    radix = int(np.prod(n_levels, dtype=np.int64))
    combo = np.zeros(matched.group_of_row.size, dtype=np.int64)
    for j, count in enumerate(n_levels):
        combo = combo * count + matched.level_of_row[:, j]
    key = matched.group_of_row * np.int64(radix) + combo
    space = matched.n_groups * radix
    if space <= 20_000_000:
        present = np.bincount(key, minlength=space) > 0
        keys = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        cell = lookup[key]
    else:
        keys, cell = np.unique(key, return_inverse=True)
    cell_group = keys // radix
    rest = keys % radix
    cell_levels = np.zeros((keys.size, len(n_levels)), dtype=np.int64)
    for j in range(len(n_levels) - 1, -1, -1):
        cell_levels[:, j] = rest % n_levels[j]
        rest //= n_levels[j]
    x = model_matrix(cell_levels, n_levels)
    first = matched.variables[0]
    blocks = [matched.totals[first].sum(axis=1, keepdims=True)]
    blocks += [matched.totals[v][:, 1:] for v in matched.variables]
    population = np.concatenate(blocks, axis=1)
    return CalibrationModel(
        cell=cell.astype(np.int64),
        cell_group=cell_group.astype(np.int64),
        cell_levels=cell_levels,
        cell_matrix=x,
        population=population,
        matched=matched,
    )


def _check_bounds(method: str, bounds: tuple[float, float] | None) -> tuple[float, float]:
    if bounds is None:
        if method == "logit":
            raise SurveyInputError("logit calibration needs finite bounds, e.g. --bounds 0.3,3 (as R requires).")
        return (-np.inf, np.inf)
    lower, upper = float(bounds[0]), float(bounds[1])
    if not lower < 1.0 < upper:
        raise SurveyInputError(
            f"calibration bounds {lower:g},{upper:g} must satisfy lower < 1 < upper (they bound g = calibrated "
            "weight / weight before calibration)."
        )
    if method == "logit" and not (np.isfinite(lower) and np.isfinite(upper)):
        raise SurveyInputError("logit calibration needs finite bounds, as R requires.")
    return lower, upper


def _margin_totals(model: CalibrationModel, cell_weight: np.ndarray, variable_index: int) -> np.ndarray:
    """Weighted totals per (group, level) of one calibration variable, from per-cell weight sums."""
    matched = model.matched
    n_levels = len(matched.levels[matched.variables[variable_index]])
    index = model.cell_group * n_levels + model.cell_levels[:, variable_index]
    sums = np.bincount(index, weights=cell_weight, minlength=matched.n_groups * n_levels)
    return sums.reshape(matched.n_groups, n_levels)


def _check_feasible(model: CalibrationModel, cell_sum: np.ndarray, lower: float, upper: float,
                    method: str, source: str) -> None:
    """Bounds can be met only if every category's total / weighted sample total lies within them."""
    if not (np.isfinite(lower) or np.isfinite(upper)):
        return
    matched = model.matched
    sample_total = np.add.reduceat(cell_sum[:, None] * model.cell_matrix, _starts(model), axis=0)
    rescale = rescale_factors(model.population, sample_total)
    for j, variable in enumerate(matched.variables):
        sample = _margin_totals(model, cell_sum, j) * rescale[:, None]
        total = matched.totals[variable]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(sample > 0, total / sample, 1.0)
        tight = method == "logit"
        outside = (ratio <= lower) | (ratio >= upper) if tight else (ratio < lower) | (ratio > upper)
        if outside.any():
            g, level = np.argwhere(outside)[0]
            scaled = f" after R's rescaling of the weights by {rescale[g]:.6g}" if rescale[g] != 1 else ""
            raise SurveyInputError(
                f"calibration bounds {lower:g},{upper:g} cannot be met in group {matched.group_labels[g]}: "
                f"variable '{variable}', category {matched.levels[variable][level]!r} needs its weights "
                f"multiplied by {ratio[g, level]:.4g} on average{scaled} (control total "
                f"{total[g, level]:,.6g}, weighted sample {sample[g, level]:,.6g}). Widen the bounds or "
                "collapse categories."
            )


def _starts(model: CalibrationModel) -> np.ndarray:
    counts = np.bincount(model.cell_group, minlength=model.matched.n_groups)
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _worst_margin(model: CalibrationModel, cell_weight: np.ndarray, group: int) -> tuple[str, str, float, float]:
    """The (variable, category, achieved total, control total) furthest from its control in a group."""
    matched = model.matched
    worst = (matched.variables[0], "", 0.0, 0.0, -1.0)
    for j, variable in enumerate(matched.variables):
        achieved = _margin_totals(model, cell_weight, j)[group]
        total = matched.totals[variable][group]
        relative = np.abs(achieved - total) / (1.0 + np.abs(total))
        level = int(np.argmax(relative))
        if relative[level] > worst[4]:
            worst = (variable, matched.levels[variable][level], float(achieved[level]), float(total[level]),
                     float(relative[level]))
    return worst[0], worst[1], worst[2], worst[3]


def group_min_max(values: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of `values` within each group (NaN for empty groups)."""
    frame = pd.DataFrame({"g": group, "v": values}).groupby("g")["v"].agg(["min", "max"])
    minimum = np.full(n_groups, np.nan)
    maximum = np.full(n_groups, np.nan)
    minimum[frame.index.to_numpy()] = frame["min"].to_numpy()
    maximum[frame.index.to_numpy()] = frame["max"].to_numpy()
    return minimum, maximum


def weight_summary(
    weights: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    *,
    cell: np.ndarray | None = None,
    cell_group: np.ndarray | None = None,
    cell_g: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per group: count, min, max, mean, cv (population sd / mean), Kish deff = 1 + cv^2 and effective n.

    When the weights are g-weights per calibration cell times equal weights before calibration (the usual
    postal-survey case), min and max come from the cells' g without a pass over the rows.
    """
    count = np.bincount(group, minlength=n_groups).astype(np.float64)
    total = np.bincount(group, weights=weights, minlength=n_groups)
    square = np.bincount(group, weights=weights * weights, minlength=n_groups)
    base = weights[0] / cell_g[cell[0]] if cell is not None and cell_g is not None and weights.size else None
    if base is not None and cell_group is not None and cell_g is not None and cell is not None \
            and np.allclose(weights, base * cell_g[cell], rtol=1e-14, atol=0):
        minimum = np.full(n_groups, np.inf)
        maximum = np.full(n_groups, -np.inf)
        np.minimum.at(minimum, cell_group, base * cell_g)
        np.maximum.at(maximum, cell_group, base * cell_g)
    else:
        minimum, maximum = group_min_max(weights, group, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = count * square / total**2
        n_effective = total**2 / square
        mean = total / count
    return {
        "n": count,
        "min": minimum,
        "max": maximum,
        "mean": mean,
        "cv": np.sqrt(np.maximum(deff - 1.0, 0.0)),
        "deff_kish": deff,
        "n_effective": n_effective,
    }


def calibrate_to_margins(
    design: SurveyDesign,
    controls: ControlTotals,
    *,
    by: Sequence[str] = (),
    method: str = "raking",
    bounds: tuple[float, float] | None = None,
    max_iter: int = 50,
    epsilon: float = 1e-7,
    on_nonconvergence: OnNonconvergence = "fail",
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    source: str = "data",
) -> SurveyDesign:
    """Calibrate the design's weights to the margins in `controls`, separately within each `by` group.

    As R `calibrate(design, ~v1 + v2 + ..., population, calfun = method, bounds = bounds, maxit = max_iter,
    epsilon = epsilon)` on each group's rows (tolerance: max |misfit| / (1 + |total|) < epsilon). Raises
    SurveyInputError naming the group and margin when a group fails to converge (or warns with
    `on_nonconvergence="warn"`), and when the bounds cannot be met. Replicate weights, if present, are each
    calibrated again as R does. Diagnostics per group are in the step's `diagnostics["groups"]`.

    Examples
    --------
    Raking six respondents to sex and age totals; R `calibrate(design, ~sex + age, pop, calfun = "raking")`
    gives the same weights (135.97, 208.06, 128.06, 195.97, 195.97, 135.97):

    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> from survey.weighting.controls import control_totals_from_frame
    >>> data = pd.DataFrame({"sex": ["m", "m", "f", "f", "f", "m"],
    ...                      "age": ["young", "old", "young", "old", "old", "young"]})
    >>> controls = control_totals_from_frame(pd.DataFrame({
    ...     "variable": ["sex", "sex", "age", "age"], "category": ["m", "f", "young", "old"],
    ...     "total": [480.0, 520.0, 400.0, 600.0]}))
    >>> raked = calibrate_to_margins(make_design(data), controls, method="raking")
    >>> [round(float(w), 2) for w in raked.weights]
    [135.97, 208.06, 128.06, 195.97, 195.97, 135.97]
    >>> raked.calibrations[0].method  # kept on the design, so variances account for it
    'raking'
    """
    chosen = choose(method, CALIBRATION_METHODS, "calibration method")
    choose(on_nonconvergence, ON_NONCONVERGENCE_OPTIONS, "on-nonconvergence")
    if tuple(by) != controls.group_columns:
        raise SurveyInputError(
            f"{controls.source}: its group columns ({', '.join(controls.group_columns) or 'none'}) differ from "
            f"--by ({', '.join(by) or 'none'})."
        )
    if max_iter < 1 or not epsilon > 0:
        raise SurveyInputError("calibration needs max_iter >= 1 and epsilon > 0.")
    lower, upper = _check_bounds(method, bounds)
    matched = match_controls(design.data, controls, value_labels=value_labels, source=source)
    model = build_model(matched)
    weights_before = design.weights
    cell_sum = np.bincount(model.cell, weights=weights_before, minlength=model.n_cells)
    _check_feasible(model, cell_sum, lower, upper, method, source)
    result = grake_cells(
        cell_sum, model.cell_matrix, model.cell_group, model.population,
        method=method, lower=lower, upper=upper, epsilon=epsilon, max_iter=max_iter,
    )
    calibrated_cell_sum = cell_sum * result.g
    failed = np.flatnonzero(~result.converged)
    if failed.size:
        g = int(failed[0])
        variable, category, achieved, total = _worst_margin(model, calibrated_cell_sum, g)
        message = (
            f"{method} calibration did not converge in group {matched.group_labels[g]} after "
            f"{int(result.iterations[g])} iterations (max_iter {max_iter}): margin '{variable}', category "
            f"{category!r} reaches {achieved:,.6g} against a control total of {total:,.6g}"
            + (f"; {failed.size} groups failed" if failed.size > 1 else "")
            + "."
        )
        if on_nonconvergence == "fail":
            raise SurveyInputError(message + " Collapse sparse categories, widen the bounds, or raise max_iter.")
        warnings.warn(message, CalibrationWarning, stacklevel=2)
    if method == "linear" and np.any(result.g <= 0):
        c = int(np.flatnonzero(result.g <= 0)[0])
        raise SurveyInputError(
            f"linear calibration gives zero or negative weights in group "
            f"{matched.group_labels[model.cell_group[c]]}; use --bounds, or raking."
        )
    weights_after = weights_before * result.g[model.cell]
    diagnostics = _diagnostics(model, result, weights_after, calibrated_cell_sum, method, lower, upper,
                               epsilon, max_iter)
    step = CalibrationStep(
        method=chosen,
        variables=matched.variables,
        group_columns=matched.group_columns,
        bounds=None if bounds is None else (lower, upper),
        cell=model.cell,
        cell_group=model.cell_group,
        cell_matrix=model.cell_matrix,
        cell_g=result.g,
        weights_before=weights_before,
        weights_after=weights_after,
        group_labels=matched.group_labels,
        diagnostics=diagnostics,
    )
    calibrated = design.with_calibration(step)
    if design.replicates is not None:
        replicates, problems = recalibrate_replicates(design.replicates, model, method, lower, upper, epsilon,
                                                      max_iter)
        diagnostics["replicates_not_converged"] = problems
        if problems:
            warnings.warn(
                f"{problems} replicate calibration(s) (replicate x group) did not converge, typically because a "
                "category has no respondents in that replicate; as R does, those replicates keep their partly "
                "calibrated weights. Collapse sparse categories or use more respondents per group.",
                CalibrationWarning,
                stacklevel=2,
            )
        if method == "linear" and bounds is None:
            # R's regcalibrate() recomputes degf() from the calibrated replicate weights; grake-based
            # calibrate() keeps the value from as.svrepdesign(). Both are mirrored.
            replicates = replace(replicates, degrees_of_freedom=int(gram_rank(
                (replicates.weights.T @ replicates.weights)[None])[0]) - 1)
        calibrated = replace(calibrated, replicates=replicates)
    return calibrated


def recalibrate_replicates(
    replicates: ReplicateWeights,
    model: CalibrationModel,
    method: str,
    lower: float,
    upper: float,
    epsilon: float,
    max_iter: int,
    chunk: int = 64,
) -> tuple[ReplicateWeights, int]:
    """Calibrate every replicate's weights to the same totals (R `calibrate.svyrep.design`).

    Returns the calibrated replicate weights and the number of (replicate, group) problems that did not
    converge (R warns and keeps them too).
    """
    import scipy.sparse as sp  # only replicate designs need it; `safer weight` without them starts faster

    n_rows, n_rep = replicates.weights.shape
    n_cells = model.n_cells
    n_groups = model.matched.n_groups
    membership = sp.csr_matrix(
        (np.ones(n_rows), (model.cell, np.arange(n_rows))), shape=(n_cells, n_rows)
    )
    cell_sums = np.asarray(membership @ replicates.weights)  # (n_cells, n_rep)
    out = np.empty_like(replicates.weights)
    problems = 0
    for start in range(0, n_rep, chunk):
        stop = min(start + chunk, n_rep)
        m = stop - start
        weight_sum = cell_sums[:, start:stop].T.reshape(-1)
        groups = (np.arange(m)[:, None] * n_groups + model.cell_group[None, :]).reshape(-1)
        result = grake_cells(
            weight_sum, np.tile(model.cell_matrix, (m, 1)), groups, np.tile(model.population, (m, 1)),
            method=method, lower=lower, upper=upper, epsilon=epsilon, max_iter=max_iter,
        )
        problems += int(np.count_nonzero(~result.converged))
        g = result.g.reshape(m, n_cells).T  # (n_cells, m)
        out[:, start:stop] = replicates.weights[:, start:stop] * g[model.cell]
    return replace(replicates, weights=out), problems


def margin_errors(step: CalibrationStep, weights: np.ndarray) -> np.ndarray:
    """Largest |weighted total - control total| over every category, per calibration group, for any
    weights on the step's rows (e.g. after trimming)."""
    model = step.diagnostics["model"]
    cell_weight = np.bincount(step.cell, weights=weights, minlength=step.cell_group.size)
    n_groups = len(step.group_labels)
    worst = np.zeros(n_groups)
    for j, variable in enumerate(model["variables"]):
        n_levels = len(model["levels"][variable])
        index = step.cell_group * n_levels + model["cell_levels"][:, j]
        achieved = np.bincount(index, weights=cell_weight, minlength=n_groups * n_levels).reshape(n_groups, n_levels)
        worst = np.maximum(worst, np.abs(achieved - model["totals"][variable]).max(axis=1))
    return worst


def _diagnostics(
    model: CalibrationModel,
    result: Any,
    weights_after: np.ndarray,
    calibrated_cell_sum: np.ndarray,
    method: str,
    lower: float,
    upper: float,
    epsilon: float,
    max_iter: int,
) -> dict[str, Any]:
    matched = model.matched
    n_groups = matched.n_groups
    summary = weight_summary(weights_after, matched.group_of_row, n_groups, cell=model.cell,
                             cell_group=model.cell_group, cell_g=result.g)
    max_abs = np.zeros(n_groups)
    max_rel = np.zeros(n_groups)
    worst_margin = [""] * n_groups
    for j, variable in enumerate(matched.variables):
        achieved = _margin_totals(model, calibrated_cell_sum, j)
        error = np.abs(achieved - matched.totals[variable])
        relative = error / np.maximum(np.abs(matched.totals[variable]), 1.0)
        worse = error.max(axis=1) > max_abs
        max_abs = np.where(worse, error.max(axis=1), max_abs)
        max_rel = np.maximum(max_rel, relative.max(axis=1))
        for worse_group in np.flatnonzero(worse):
            worst_margin[int(worse_group)] = variable
    g_min = np.full(n_groups, np.inf)
    g_max = np.full(n_groups, -np.inf)
    np.minimum.at(g_min, model.cell_group, result.g)
    np.maximum.at(g_max, model.cell_group, result.g)
    groups = []
    for g in range(n_groups):
        groups.append({
            "group": matched.group_labels[g],
            "n": int(summary["n"][g]),
            "iterations": int(result.iterations[g]),
            "converged": bool(result.converged[g]),
            "max_margin_error": float(max_abs[g]),
            "max_margin_relative_error": float(max_rel[g]),
            "worst_margin": worst_margin[g],
            "weight_min": float(summary["min"][g]),
            "weight_max": float(summary["max"][g]),
            "weight_mean": float(summary["mean"][g]),
            "weight_cv": float(summary["cv"][g]),
            "deff_kish": float(summary["deff_kish"][g]),
            "n_effective": float(summary["n_effective"][g]),
            "g_min": float(g_min[g]),
            "g_max": float(g_max[g]),
            "rescale": float(result.rescale[g]),
        })
    return {
        "method": method,
        "bounds": None if not (np.isfinite(lower) or np.isfinite(upper)) else [lower, upper],
        "epsilon": epsilon,
        "max_iter": max_iter,
        "groups": groups,
        "model": {
            "variables": list(matched.variables),
            "group_columns": list(matched.group_columns),
            "group_values": [list(v) for v in matched.group_values],
            "levels": matched.levels,
            "value_map": matched.value_map,
            "group_map": matched.group_map,
            "cell_group": model.cell_group,
            "cell_levels": model.cell_levels,
            "population": model.population,
            "totals": matched.totals,
        },
    }
