"""The weighting pipeline, and rebuilding the design of a weighted file from its metadata.

Order of the steps (each optional): base weight (1 / selection probability, or a given weight) -> times the
number of adults in the household, capped -> nonresponse adjustment by weighting classes (non-respondents
dropped) -> replicate weights formed -> calibration to control totals (every replicate calibrated again) ->
trimming (R `trimWeights`, within calibration groups) -> scaling. The output keeps every respondent row and
adds `weight_design` (the weight before calibration) and `weight` (final), plus replicate columns.

The metadata written beside the output records the calibration model (variables, categories, and the
g-weight of every calibration cell), so `design_from_weighted_file` rebuilds a design whose Taylor variances
account for the calibration (residual method, as R `calibrate`) without the control totals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from survey.calibration import calibrate_to_margins, margin_errors, model_matrix, weight_summary
from survey.controls import ControlTotals, as_text
from survey.design import CalibrationStep, DesignSpec, ReplicateWeights, SurveyDesign, make_design
from survey.errors import SurveyInputError
from survey.replicates import replicate_design
from survey.weight_steps import (
    base_weights,
    household_selection_factor,
    nonresponse_adjustment,
    scale_factor,
    trim_weights,
)
from survey.yaml_files import read_yaml_mapping, validate_spec

DESIGN_WEIGHT = "weight_design"
FINAL_WEIGHT = "weight"
REPLICATE_PREFIX = "weight_rep_"
METADATA_VERSION = 1


class HouseholdSpec(BaseModel):
    """Within-household selection of one adult: weight times min(adults, cap)."""

    model_config = ConfigDict(extra="forbid")
    adults: str
    cap: int = Field(default=4, ge=1)


class NonresponseSpec(BaseModel):
    """Weighting-class nonresponse adjustment from a response-status column."""

    model_config = ConfigDict(extra="forbid")
    response: str
    classes: list[str] = []


class CalibrationSpec(BaseModel):
    """Calibration to control totals (R `calibrate`), separately within each `by` group."""

    model_config = ConfigDict(extra="forbid")
    controls: str | None = None
    by: list[str] = []
    method: Literal["raking", "linear", "logit"] = "raking"
    bounds: tuple[float, float] | None = None
    max_iter: int = Field(default=50, ge=1)
    epsilon: float = Field(default=1e-7, gt=0)
    on_nonconvergence: Literal["fail", "warn"] = "fail"


class TrimmingSpec(BaseModel):
    """Caps as R `trimWeights`: a number is a weight; 'Nx' is N times the mean weight of the group."""

    model_config = ConfigDict(extra="forbid")
    upper: float | str | None = None
    lower: float | str | None = None
    strict: bool = False

    @field_validator("upper", "lower")
    @classmethod
    def _cap(cls, value: float | str | None) -> float | str | None:
        if value is not None:
            parse_cap(value)
        return value


class ReplicateSpec(BaseModel):
    """Replicate weights: jk1, jkn or bootstrap (with `replicates` and `seed`)."""

    model_config = ConfigDict(extra="forbid")
    method: Literal["jk1", "jkn", "bootstrap"]
    replicates: int | None = Field(default=None, ge=2)
    seed: int | None = None


class WeightingSpec(BaseModel):
    """A whole weighting job, as read from a weighting YAML file (flags fill in or override it)."""

    model_config = ConfigDict(extra="forbid")
    design: DesignSpec = DesignSpec()
    selection_probability: str | None = None
    household: HouseholdSpec | None = None
    nonresponse: NonresponseSpec | None = None
    calibration: CalibrationSpec | None = None
    trimming: TrimmingSpec | None = None
    scale: Literal["population", "sample", "none"] = "none"
    replicates: ReplicateSpec | None = None


def load_weighting_spec(path: str | Path) -> WeightingSpec:
    """Read and validate a weighting YAML file; errors name the file and the field."""
    path = Path(path)
    raw = read_yaml_mapping(path, "weighting spec")
    return validate_weighting_spec(raw, source=str(path))


def validate_weighting_spec(raw: dict[str, Any], *, source: str = "weighting spec") -> WeightingSpec:
    """Validate a weighting spec given as a dict (from YAML or built from flags)."""
    return validate_spec(WeightingSpec, raw, source)


def parse_cap(value: float | str) -> tuple[float, bool]:
    """A trimming cap: (number, relative) where relative means 'times the group's mean weight'."""
    text = str(value).strip().lower()
    relative = text.endswith("x")
    try:
        number = float(text[:-1] if relative else text)
    except ValueError:
        raise SurveyInputError(
            f"trimming cap {value!r} must be a weight (e.g. 250) or a multiple of the mean weight (e.g. 5x)."
        ) from None
    if not number > 0:
        raise SurveyInputError(f"trimming cap {value!r} must be positive.")
    return number, relative


def parse_bounds(text: str) -> tuple[float, float]:
    """'L,U' -> (L, U)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        lower, upper = (float(p) for p in parts)
    except ValueError:
        raise SurveyInputError(f"--bounds {text!r} must be two numbers, lower,upper (e.g. 0.3,3).") from None
    return lower, upper


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


def design_from_weighted_file(
    data: pd.DataFrame, meta: dict[str, Any], *, lonely_psu: str | None = None, source: str = "data"
) -> SurveyDesign:
    """The design of a file written by `safer weight`, from its rows and its `.meta.json` content.

    Final weights are `weight`; strata, PSUs and fpc as recorded; the calibration step is rebuilt from
    `weight_design`, the recorded categories and the g-weight of each cell, so Taylor variances account for
    the calibration (and for trimming or scaling after it, as R does after `trimWeights`). Replicate columns,
    if any, become the replicate weights. `lonely_psu` overrides the recorded option unless it is "fail".
    """
    if "weighting" not in meta:
        raise SurveyInputError(f"{source}: the metadata is not from `safer weight`.")
    w = meta["weighting"]
    columns = w["columns"]
    d = w["design"]
    lonely = d.get("lonely_psu") or "fail"
    if lonely_psu is not None and lonely_psu != "fail":
        lonely = lonely_psu
    for column in (columns["weight"], columns["weight_design"]):
        if column not in data.columns:
            raise SurveyInputError(f"{source}: column '{column}' named in the weighting metadata is missing.")
    design = make_design(data, weight=columns["weight"], strata=d.get("strata"), psu=d.get("psu"),
                         fpc=d.get("fpc"), lonely_psu=lonely, source=source)
    calibration = w.get("calibration")
    if calibration:
        step = _rebuild_step(data, design, calibration, columns["weight_design"], source)
        design = replace(design, calibrations=(step,))
    replicates = w.get("replicates")
    if replicates:
        missing = [c for c in replicates["columns"] if c not in data.columns]
        if missing:
            raise SurveyInputError(
                f"{source}: replicate weight column '{missing[0]}' named in the metadata is missing."
            )
        weights = data[replicates["columns"]].to_numpy(dtype=np.float64)
        design = replace(design, replicates=ReplicateWeights(
            weights=weights,
            scale=float(replicates["scale"]),
            rscales=np.asarray(replicates["rscales"], dtype=np.float64),
            method=replicates["method"],
            mse=bool(replicates.get("mse", False)),
            degrees_of_freedom=replicates.get("degrees_of_freedom"),
        ))
    return design


def _rebuild_step(
    data: pd.DataFrame, design: SurveyDesign, calibration: dict[str, Any], design_weight: str, source: str
) -> CalibrationStep:
    variables: list[str] = calibration["variables"]
    by: list[str] = calibration["group_columns"]
    levels: dict[str, list[str]] = calibration["levels"]
    n = len(data)
    mismatch = f"{source}: the rows do not match the weighting metadata"
    group = np.zeros(n, dtype=np.int64)
    if by:
        for column in by:
            if column not in data.columns:
                raise SurveyInputError(f"{mismatch}: group column '{column}' is missing.")
        key = data[by[0]].map(as_text)
        for column in by[1:]:
            key = key + "\x1f" + data[column].map(as_text)
        mapped = key.map(calibration["group_map"])
        if mapped.isna().any():
            row = int(np.flatnonzero(mapped.isna().to_numpy())[0])
            raise SurveyInputError(f"{mismatch}: data row {row + 1} is in a group with no calibration.")
        group = mapped.to_numpy(dtype=np.int64)
    n_levels = [len(levels[v]) for v in variables]
    combo = np.zeros(n, dtype=np.int64)
    for variable, count in zip(variables, n_levels, strict=True):
        if variable not in data.columns:
            raise SurveyInputError(f"{mismatch}: calibration variable '{variable}' is missing.")
        codes, uniques = pd.factorize(data[variable], use_na_sentinel=True)
        lookup = np.array([calibration["value_map"][variable].get(as_text(u), -1) for u in uniques] + [-1])
        level = lookup[codes]
        if (level < 0).any():
            row = int(np.flatnonzero(level < 0)[0])
            raise SurveyInputError(
                f"{mismatch}: data row {row + 1} has {variable} = {data[variable].iloc[row]!r}, not a calibrated "
                "category."
            )
        combo = combo * count + level
    radix = int(np.prod(n_levels, dtype=np.int64))
    cells = calibration["cells"]
    cell_group = np.asarray(cells["group"], dtype=np.int64)
    cell_levels = np.asarray(cells["levels"], dtype=np.int64).reshape(len(cell_group), len(variables))
    cell_combo = np.zeros(cell_group.size, dtype=np.int64)
    for j, count in enumerate(n_levels):
        cell_combo = cell_combo * count + cell_levels[:, j]
    cell_key = cell_group * radix + cell_combo
    order = np.argsort(cell_key)
    row_key = group * radix + combo
    position = np.searchsorted(cell_key[order], row_key)
    position = np.minimum(position, cell_key.size - 1)
    found = cell_key[order][position] == row_key
    if not found.all():
        row = int(np.flatnonzero(~found)[0])
        raise SurveyInputError(f"{mismatch}: data row {row + 1} falls in a calibration cell with no g-weight.")
    cell = order[position]
    cell_g = np.asarray(cells["g"], dtype=np.float64)
    weights_before = pd.to_numeric(data[design_weight], errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(weights_before)) or np.any(weights_before <= 0):
        raise SurveyInputError(f"{source}: column '{design_weight}' must hold positive weights.")
    labels = tuple(g["group"] for g in calibration["groups"])
    bounds = calibration.get("bounds")
    return CalibrationStep(
        method=calibration["method"],
        variables=tuple(variables),
        group_columns=tuple(by),
        bounds=(float(bounds[0]), float(bounds[1])) if bounds else None,
        cell=cell,
        cell_group=cell_group,
        cell_matrix=model_matrix(cell_levels, n_levels),
        cell_g=cell_g,
        weights_before=weights_before,
        weights_after=weights_before * cell_g[cell],
        group_labels=labels,
        diagnostics={"rebuilt_from": "weighting metadata"},
    )
