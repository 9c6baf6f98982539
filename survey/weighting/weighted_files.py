"""Rebuilding the design of a file written by `safer weight` from its rows and its metadata.

Final weights are `weight`; strata, PSUs and fpc as recorded; the calibration step is rebuilt from
`weight_design`, the recorded categories and the g-weight of each cell, so Taylor variances account for
the calibration without the control totals.

The metadata is found in the `<file>.meta.json` sidecar or, for Parquet, in the file's own schema metadata
(so a copied file stays weighted). It must describe these rows: a sidecar records the SHA-256 of the file it
was written with, and the embedded record the row count and a hash of the weights. A file that has changed
since, or that has the columns of a weighted file but no metadata, is refused: estimating it as if unweighted,
or with a calibration that no longer fits, would give a wrong answer without a word.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from safer_io.inputs import load_json, read_embedded_metadata
from safer_io.provenance import file_sha256
from safer_io.sidecars import sidecar_path
from survey.design import CalibrationStep, ReplicateWeights, SurveyDesign, make_design
from survey.errors import SurveyInputError
from survey.options import LONELY_PSU_OPTIONS, CalibrationMethod, ReplicateMethod
from survey.reading.specfiles import validate_spec
from survey.weighting.calibration import model_matrix
from survey.weighting.controls import joint_text_codes, text_codes
from survey.weighting.pipeline import DESIGN_WEIGHT, FINAL_WEIGHT


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Columns(_Record):
    weight: str
    weight_design: str


class _Design(_Record):
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: str | None = None


class _Cells(_Record):
    group: list[int]
    levels: list[list[int]] | list[int]
    g: list[float]


class _Group(_Record):
    group: str


class _Calibration(_Record):
    method: CalibrationMethod
    variables: list[str]
    group_columns: list[str]
    levels: dict[str, list[str]]
    value_map: dict[str, dict[str, int]]
    group_map: dict[str, int] = {}
    cells: _Cells
    groups: list[_Group]
    bounds: tuple[float, float] | None = None


class _Replicates(_Record):
    columns: list[str]
    scale: float
    rscales: list[float]
    method: ReplicateMethod
    mse: bool = False
    degrees_of_freedom: int | None = None


class WeightingRecord(_Record):
    """The `weighting` member of a weighted file's metadata, checked before any of it is used."""

    columns: _Columns
    design: _Design
    calibration: _Calibration | None = None
    replicates: _Replicates | None = None


def weights_fingerprint(data: pd.DataFrame) -> dict[str, Any]:
    """Row count and SHA-256 of the final weights: enough to tell that embedded metadata describes these rows."""
    weights = pd.to_numeric(data[FINAL_WEIGHT], errors="coerce").to_numpy(dtype=np.float64)
    digest = hashlib.sha256(np.ascontiguousarray(weights).tobytes()).hexdigest()
    return {"rows": int(len(data)), "weight_sha256": digest}


@dataclass(frozen=True)
class WeightingMetadata:
    """A weighted file's metadata and where it was found."""

    metadata: dict[str, Any]
    """The whole metadata document (`weighting` is the design and calibration)."""
    found_in: str
    """'sidecar <path>' or 'embedded in the Parquet file', for the record."""
    sidecar: Path | None
    """The sidecar read, for provenance (None when embedded)."""


def find_weighting_metadata(path: Path, data: pd.DataFrame, *, strict: bool = True) -> WeightingMetadata | None:
    """The metadata `safer weight` wrote for `path`, checked against it; None for a file that is not weighted.

    Raises `SurveyInputError` when the file has changed since it was weighted, or looks weighted (it has the
    `weight` and `weight_design` columns) but its metadata cannot be found. Without `strict` (the user gave the
    design), those cases give None: the messages tell the user to give the design, and they did.
    """
    if not strict:
        try:
            return find_weighting_metadata(path, data)
        except SurveyInputError:
            return None
    sidecar = sidecar_path(path)
    if sidecar.exists():
        meta = load_json(sidecar, "metadata file", SurveyInputError)
        if isinstance(meta, dict) and "weighting" in meta:
            output = meta.get("output")
            recorded = output.get("sha256") if isinstance(output, dict) else None
            if recorded is not None and recorded != file_sha256(path):
                raise SurveyInputError(
                    f"{path} has changed since `safer weight` wrote it: its SHA-256 is not the one recorded in "
                    f"{sidecar.name}, so rows were edited, added or removed and the recorded weighting no longer "
                    "describes them. Run `safer weight` again on the changed file (or, for plain weights whose SEs "
                    "ignore the calibration, give the design yourself: --weight weight [--strata ... --psu ...])."
                )
            return WeightingMetadata(meta, f"sidecar {sidecar}", sidecar)
    embedded = read_embedded_metadata(path, SurveyInputError)
    if embedded is not None and "weighting" in embedded:
        recorded_fp = embedded.get("weighting", {}).get("fingerprint") if isinstance(embedded["weighting"], dict) \
            else None
        if FINAL_WEIGHT in data.columns and recorded_fp is not None and recorded_fp != weights_fingerprint(data):
            raise SurveyInputError(
                f"{path}: the weighting metadata embedded in the file does not describe its rows (the row count or "
                "the weights differ from those recorded when `safer weight` wrote it). Run `safer weight` again."
            )
        return WeightingMetadata(embedded, "embedded in the Parquet file", None)
    if {FINAL_WEIGHT, DESIGN_WEIGHT} <= {str(c) for c in data.columns}:
        raise SurveyInputError(
            f"{path} looks like a file written by `safer weight` (it has columns '{FINAL_WEIGHT}' and "
            f"'{DESIGN_WEIGHT}'), but its design and calibration cannot be found: {sidecar.name} is not beside it "
            "and the file carries no embedded metadata. Copy the .meta.json file that `safer weight` wrote next to "
            "it, or run `safer weight` again; to use the weights without the calibration (SEs then ignore it), "
            f"give the design yourself: --weight {FINAL_WEIGHT} [--strata ... --psu ...]."
        )
    return None


def design_from_weighted_file(
    data: pd.DataFrame, meta: dict[str, Any], *, lonely_psu: str | None = None, source: str = "data"
) -> SurveyDesign:
    """The design of a file written by `safer weight`, from its rows and its `.meta.json` content.

    Final weights are `weight`; strata, PSUs and fpc as recorded; the calibration step is rebuilt from
    `weight_design`, the recorded categories and the g-weight of each cell, so Taylor variances account for
    the calibration (and for trimming or scaling after it, as R does after `trimWeights`). Replicate columns,
    if any, become the replicate weights. `lonely_psu` overrides the recorded option unless it is "fail".
    """
    if not isinstance(meta, dict) or not isinstance(meta.get("weighting"), dict):
        raise SurveyInputError(f"{source}: the metadata is not from `safer weight`.")
    validate_spec(WeightingRecord, meta["weighting"], f"{source}: weighting metadata")
    w = meta["weighting"]
    try:
        return _design(data, w, lonely_psu, source)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, SurveyInputError):
            raise
        raise SurveyInputError(
            f"{source}: the weighting metadata is inconsistent ({type(exc).__name__}: {exc}); run `safer weight` "
            "again."
        ) from None


def _design(data: pd.DataFrame, w: dict[str, Any], lonely_psu: str | None, source: str) -> SurveyDesign:
    columns = w["columns"]
    d = w["design"]
    lonely = d.get("lonely_psu") or "fail"
    if lonely_psu is not None and lonely_psu != "fail":
        lonely = lonely_psu
    elif lonely not in LONELY_PSU_OPTIONS:
        raise SurveyInputError(f"{source}: the weighting metadata records the lonely-PSU rule {lonely!r}, not one of "
                               f"{', '.join(LONELY_PSU_OPTIONS)}; the metadata is damaged (weight the file again).")
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
        codes, combos = joint_text_codes([data[column] for column in by])
        group_map: dict[str, int] = calibration["group_map"]
        # One lookup per distinct combination; code -1 (a missing value) takes the last entry, -1.
        lookup = np.array([group_map.get("\x1f".join(texts), -1) for texts in combos] + [-1], dtype=np.int64)
        group = lookup[codes]
        if (group < 0).any():
            row = int(np.flatnonzero(group < 0)[0])
            raise SurveyInputError(f"{mismatch}: data row {row + 1} is in a group with no calibration.")
    n_levels = [len(levels[v]) for v in variables]
    combo = np.zeros(n, dtype=np.int64)
    for variable, count in zip(variables, n_levels, strict=True):
        if variable not in data.columns:
            raise SurveyInputError(f"{mismatch}: calibration variable '{variable}' is missing.")
        codes, texts = text_codes(data[variable])
        lookup = np.array([calibration["value_map"][variable].get(text, -1) for text in texts] + [-1])
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
