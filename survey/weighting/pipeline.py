"""The weighting pipeline: from a file's rows and a weighting spec to final weights, diagnostics and metadata.

Order of the steps (each optional): base weight (1 / selection probability, or a given weight) -> times the
number of adults in the household, capped -> nonresponse adjustment by weighting classes (non-respondents
dropped) -> replicate weights formed -> calibration to control totals (every replicate calibrated again) ->
trimming (R `trimWeights`, within calibration groups) -> scaling. The output keeps every respondent row and
adds `weight_design` (the weight before calibration) and `weight` (final), plus replicate columns.

The metadata records the calibration model (variables, categories, and the g-weight of every calibration
cell), so `survey.weighting.weighted_files.design_from_weighted_file` rebuilds a design whose Taylor variances
account for the calibration (residual method, as R `calibrate`) without the control totals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.design import SurveyDesign, make_design
from survey.errors import SurveyInputError
from survey.weighting.calibration import calibrate_to_margins, margin_errors, weight_summary
from survey.weighting.controls import ControlTotals
from survey.weighting.replicates import replicate_design
from survey.weighting.spec import CalibrationSpec, WeightingSpec, parse_cap
from survey.weighting.steps import (
    base_weights,
    household_selection_factor,
    nonresponse_adjustment,
    scale_factor,
    trim_weights,
)

DESIGN_WEIGHT = "weight_design"
FINAL_WEIGHT = "weight"
REPLICATE_PREFIX = "weight_rep_"
METADATA_VERSION = 1


@dataclass(frozen=True)
class WeightingResult:
    """Output of `run_weighting`: the rows to write, the final design, diagnostics and metadata."""

    data: pd.DataFrame
    design: SurveyDesign
    diagnostics: list[dict[str, Any]]
    metadata: dict[str, Any]
    nonresponse_classes: pd.DataFrame | None


def _group_of_rows(design: SurveyDesign) -> tuple[np.ndarray, tuple[str, ...]]:
    if design.calibrations:
        step = design.calibrations[-1]
        return step.cell_group[step.cell], step.group_labels
    return np.zeros(design.n_rows, dtype=np.int64), ("all",)


def _caps(cap: float | str | None, weights: np.ndarray, group: np.ndarray, default: float) -> float | np.ndarray:
    if cap is None:
        return default
    number, relative = parse_cap(cap)
    if not relative:
        return number
    n_groups = int(group.max()) + 1
    mean = np.bincount(group, weights=weights, minlength=n_groups) / np.bincount(group, minlength=n_groups)
    result: np.ndarray = number * mean[group]
    return result


def run_weighting(
    data: pd.DataFrame,
    spec: WeightingSpec,
    controls: ControlTotals | None = None,
    *,
    value_labels: dict[str, dict[Any, str]] | None = None,
    source: str = "data",
) -> WeightingResult:
    """Run the weighting steps of `spec` on `data` (a whole file, respondents and eligible non-respondents)."""
    for column in (DESIGN_WEIGHT, FINAL_WEIGHT):
        if column in data.columns:
            raise SurveyInputError(
                f"{source}: the data already has a column '{column}', which `safer weight` writes; rename or drop it."
            )
    if any(str(c).startswith(REPLICATE_PREFIX) for c in data.columns):
        raise SurveyInputError(f"{source}: the data already has replicate columns '{REPLICATE_PREFIX}...'.")
    calibration = spec.calibration
    if controls is not None and calibration is None:
        calibration = CalibrationSpec.model_validate({})
    if calibration is not None and controls is None:
        raise SurveyInputError("calibration was asked for but no control totals were given (--controls).")
    steps: list[dict[str, Any]] = []

    weights = base_weights(data, weight=spec.design.weight, selection_probability=spec.selection_probability,
                           source=source)
    steps.append({"step": "base weight", "from": spec.selection_probability and f"1 / {spec.selection_probability}"
                  or spec.design.weight or "1"})
    if spec.household is not None:
        weights = weights * household_selection_factor(data, spec.household.adults, spec.household.cap,
                                                       source=source)
        steps.append({"step": "household selection", "adults": spec.household.adults, "cap": spec.household.cap})
    classes = None
    if spec.nonresponse is not None:
        adjustment = nonresponse_adjustment(data, weights, spec.nonresponse.response, spec.nonresponse.classes,
                                            source=source)
        keep = adjustment.respondent
        weights = (weights * adjustment.factor)[keep]
        data = data.loc[keep].reset_index(drop=True)
        classes = adjustment.classes
        steps.append({"step": "nonresponse adjustment", "response": spec.nonresponse.response,
                      "classes": spec.nonresponse.classes, "respondents": int(keep.sum()),
                      "dropped": int((~keep).sum())})
    data = data.assign(**{DESIGN_WEIGHT: weights})
    ds = spec.design
    design = make_design(data, weight=DESIGN_WEIGHT, strata=ds.strata, psu=ds.psu, fpc=ds.fpc,
                         lonely_psu=ds.lonely_psu, source=source)
    if spec.replicates is not None:
        design = replicate_design(design, spec.replicates.method, n_replicates=spec.replicates.replicates or 50,
                                  seed=spec.replicates.seed)
        steps.append({"step": "replicates", "method": spec.replicates.method,
                      "replicates": design.replicates.n_replicates if design.replicates else 0,
                      "seed": spec.replicates.seed})
    if calibration is not None and controls is not None:
        design = calibrate_to_margins(
            design, controls, by=calibration.by, method=calibration.method, bounds=calibration.bounds,
            max_iter=calibration.max_iter, epsilon=calibration.epsilon,
            on_nonconvergence=calibration.on_nonconvergence, value_labels=value_labels, source=source,
        )
        steps.append({"step": "calibration", "method": calibration.method, "bounds": calibration.bounds,
                      "by": calibration.by, "variables": list(controls.variables)})
    group, group_labels = _group_of_rows(design)
    if spec.trimming is not None and (spec.trimming.upper is not None or spec.trimming.lower is not None):
        upper = _caps(spec.trimming.upper, design.weights, group, np.inf)
        lower = _caps(spec.trimming.lower, design.weights, group, -np.inf)
        trimmed = trim_weights(design.weights, upper=upper, lower=lower, strict=spec.trimming.strict, group=group)
        n_trimmed = int(np.count_nonzero(trimmed != design.weights))
        design = design.with_weights(trimmed, "trimming")
        if design.replicates is not None:
            rep = trim_weights(design.replicates.weights, upper=upper, lower=lower, strict=spec.trimming.strict,
                               group=group)
            design = replace(design, replicates=replace(design.replicates, weights=rep))
        steps.append({"step": "trimming", "upper": spec.trimming.upper, "lower": spec.trimming.lower,
                      "strict": spec.trimming.strict, "within": "calibration groups", "weights_changed": n_trimmed})
    if spec.scale != "none":
        totals = None
        if design.calibrations:
            step = design.calibrations[-1]
            totals = np.asarray(step.diagnostics["model"]["population"])[:, 0]
        factor = scale_factor(design.weights, spec.scale, group=group, totals=totals)
        design = design.with_weights(design.weights * factor, f"scaling to {spec.scale}")
        if design.replicates is not None:
            design = replace(design, replicates=replace(design.replicates,
                                                        weights=design.replicates.weights * factor[:, None]))
        steps.append({"step": "scaling", "to": spec.scale})

    if not np.all(np.isfinite(design.weights)) or np.any(design.weights <= 0):
        raise SurveyInputError("the final weights include zero, negative or non-finite values; check the steps.")
    diagnostics = _final_diagnostics(design, group, group_labels)
    out = data.assign(**{FINAL_WEIGHT: design.weights})
    replicate_columns: list[str] = []
    if design.replicates is not None:
        width = len(str(design.replicates.n_replicates))
        replicate_columns = [f"{REPLICATE_PREFIX}{r + 1:0{width}d}" for r in range(design.replicates.n_replicates)]
        out = pd.concat([out, pd.DataFrame(design.replicates.weights, columns=replicate_columns)], axis=1)
    metadata = _metadata(design, spec, steps, diagnostics, replicate_columns)
    return WeightingResult(out, replace(design, data=out), diagnostics, metadata, classes)


def _final_diagnostics(design: SurveyDesign, group: np.ndarray, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per group: the calibration outcome and the final weights' spread (Kish deff = 1 + cv^2)."""
    n_groups = len(labels)
    summary = weight_summary(design.weights, group, n_groups)
    calibration: list[dict[str, Any]] = []
    final_error = np.zeros(n_groups)
    if design.calibrations:
        step = design.calibrations[-1]
        calibration = step.diagnostics["groups"]
        final_error = margin_errors(step, design.weights)
    rows = []
    for g in range(n_groups):
        row: dict[str, Any] = {"group": labels[g]}
        if calibration:
            c = calibration[g]
            row |= {"iterations": c["iterations"], "converged": c["converged"],
                    "max_margin_error": c["max_margin_error"], "worst_margin": c["worst_margin"],
                    "max_margin_error_final": float(final_error[g]), "g_min": c["g_min"], "g_max": c["g_max"]}
        row |= {
            "n": int(summary["n"][g]),
            "weight_sum": float(summary["mean"][g] * summary["n"][g]),
            "weight_min": float(summary["min"][g]),
            "weight_max": float(summary["max"][g]),
            "weight_cv": float(summary["cv"][g]),
            "deff_kish": float(summary["deff_kish"][g]),
            "n_effective": float(summary["n_effective"][g]),
        }
        rows.append(row)
    return rows


def _metadata(
    design: SurveyDesign,
    spec: WeightingSpec,
    steps: list[dict[str, Any]],
    diagnostics: list[dict[str, Any]],
    replicate_columns: list[str],
) -> dict[str, Any]:
    ds = spec.design
    weighting: dict[str, Any] = {
        "version": METADATA_VERSION,
        "columns": {"weight_design": DESIGN_WEIGHT, "weight": FINAL_WEIGHT},
        "design": {"strata": ds.strata, "psu": ds.psu, "fpc": ds.fpc, "lonely_psu": ds.lonely_psu},
        "steps": steps,
        "spec": spec.model_dump(mode="json"),
        "calibration": None,
        "replicates": None,
    }
    if design.calibrations:
        step = design.calibrations[-1]
        model = step.diagnostics["model"]
        weighting["calibration"] = {
            "method": step.method,
            "bounds": list(step.bounds) if step.bounds else None,
            "epsilon": step.diagnostics["epsilon"],
            "max_iter": step.diagnostics["max_iter"],
            "variables": model["variables"],
            "group_columns": model["group_columns"],
            "groups": [{"group": label, "values": values, "variables": model["variables"]}
                       for label, values in zip(step.group_labels, model["group_values"], strict=True)],
            "levels": model["levels"],
            "value_map": model["value_map"],
            "group_map": model["group_map"],
            "cells": {
                "group": np.asarray(step.cell_group).tolist(),
                "levels": np.asarray(model["cell_levels"]).tolist(),
                "g": np.asarray(step.cell_g).tolist(),
            },
        }
    if design.replicates is not None:
        rep = design.replicates
        weighting["replicates"] = {
            "method": rep.method,
            "columns": replicate_columns,
            "scale": rep.scale,
            "rscales": np.asarray(rep.rscales).tolist(),
            "mse": rep.mse,
            "degrees_of_freedom": rep.degrees_of_freedom,
        }
    return {"weighting": weighting, "design": design.describe(), "diagnostics": diagnostics}


