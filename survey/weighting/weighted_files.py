"""Rebuilding the design of a file written by `safer weight` from its rows and its metadata.

Final weights are `weight`; strata, PSUs and fpc as recorded; the calibration step is rebuilt from
`weight_design`, the recorded categories and the g-weight of each cell, so Taylor variances account for
the calibration without the control totals.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from survey.design import CalibrationStep, ReplicateWeights, SurveyDesign, make_design
from survey.errors import SurveyInputError
from survey.weighting.calibration import model_matrix
from survey.weighting.controls import as_text


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
