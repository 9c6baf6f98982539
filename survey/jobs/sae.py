"""The job behind `safer sae`: read the direct estimates and the area covariates, fit, return tables and metadata.

The caller writes the files. Inputs are only read: a table of direct estimates (`safer estimate --by AREA`
output in any of its formats) and a covariate file (`.csv`, `.parquet` or `.xlsx`, one row per area).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.inputs import decode_utf8, load_json, read_parquet
from safer_io.sidecars import sidecar_path
from survey.errors import SurveyInputError
from survey.small_area.model import SmallAreaOptions, SmallAreaResult, small_area_estimates

READ_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")
TEXT_COLUMNS = ("indicator", "domain", "domain_value", "survey", "indicator_title", "ci_method")
SYNTHETIC_CAVEAT = ("SYNTHETIC DATA: the inputs were drawn from a synthetic population; no real area is "
                    "described.")


def read_table(path: Path, what: str) -> pd.DataFrame:
    """A table file by its extension; area codes and other labels kept as text."""
    suffix = path.suffix.lower()
    if suffix not in READ_FORMATS:
        raise SurveyInputError(f"{path}: cannot read a {what} from a '{suffix}' file; use one of "
                               f"{', '.join(READ_FORMATS)}.")
    if not path.is_file():
        raise SurveyInputError(f"{path}: no such file ({what}).")
    try:
        if suffix == ".csv":
            text = decode_utf8(path.read_bytes(), path, f"the {what}", SurveyInputError)
            table = pd.read_csv(io.StringIO(text), dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=True)
        elif suffix == ".parquet":
            table = read_parquet(path)
        elif suffix == ".json":
            payload = load_json(path, f"the {what}", SurveyInputError)
            table = pd.DataFrame(payload["rows"] if isinstance(payload, dict) and "rows" in payload else payload)
        else:
            sheets = pd.read_excel(path, sheet_name=None)
            table = sheets.get("estimates", next(iter(sheets.values())))
    except (ValueError, KeyError, TypeError, OSError) as exc:
        if isinstance(exc, SurveyInputError):
            raise
        raise SurveyInputError(f"{path}: cannot be read as a {what} ({exc}).") from None
    if table.empty:
        raise SurveyInputError(f"{path}: the {what} has no rows.")
    return table


def is_synthetic(path: Path) -> bool:
    """True when the file's sidecar says it is synthetic data."""
    meta = sidecar_path(path)
    return meta.is_file() and "SYNTHETIC" in meta.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class SaeJob:
    """The results and what the metadata records about them."""

    result: SmallAreaResult
    metadata: dict[str, Any]


def run_sae_job(
    direct_path: Path,
    covariates_path: Path,
    formula: str,
    options: SmallAreaOptions,
    *,
    indicators: Sequence[str] = (),
    domain: str | None = None,
    area_column: str | None = None,
    on_replicates: Callable[[int], None] | None = None,
) -> SaeJob:
    """Read both files and run `small_area_estimates`; the metadata holds the models and the caveats."""
    direct = read_table(direct_path, "table of direct estimates")
    covariates = read_table(covariates_path, "covariate file")
    result = small_area_estimates(
        direct, covariates, formula, indicators=indicators, domain=domain, area_column=area_column,
        options=options, direct_source=str(direct_path), covariates_source=str(covariates_path),
        on_replicates=on_replicates,
    )
    caveats = [
        "Model-based estimates: each area's EBLUP borrows strength from the other areas through the covariates; "
        "its MSE and interval assume the Fay-Herriot model holds (see the diagnostics).",
    ]
    if result.table["synthetic"].astype(bool).any():
        caveats.append("Areas marked synthetic have no usable direct estimate (no sample, or suppressed as a low "
                       "base): their figure is the regression-synthetic estimate.")
    if is_synthetic(direct_path) or is_synthetic(covariates_path):
        caveats.insert(0, SYNTHETIC_CAVEAT)
    metadata = {
        "domain": result.domain,
        "formula": formula,
        "model": result.models,
        "caveats": caveats,
    }
    return SaeJob(result, metadata)
