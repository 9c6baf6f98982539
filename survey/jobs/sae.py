"""The job behind `safer sae`: read the direct estimates and the area covariates, fit, return tables and metadata.

`sae_command` takes the command's options by the same names and writes the table and the diagnostics, each with
its sidecar, all or none. Inputs are only read: a table of direct estimates (`safer estimate --by AREA`
output in any of its formats) and a covariate file (`.csv`, `.parquet` or `.xlsx`, one row per area).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.checking import checks_done
from safer_io.inputs import decode_utf8, load_json, read_parquet
from safer_io.memory import remember
from safer_io.outputs import atomic_path, check_outputs, table_format, write_described_table
from safer_io.progress import SILENT, SILENT_BARS, Tracker
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path
from safer_io.verification import check_unchanged, takes_trust_edited
from survey.errors import SurveyInputError
from survey.small_area.model import SmallAreaOptions, SmallAreaResult, checked_options, small_area_estimates

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
    check_unchanged(path, SurveyInputError, what)  # an output of safer edited since is refused (--trust-edited)
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


@dataclass(frozen=True)
class SaeDone:
    """What `safer sae` wrote."""

    job: SaeJob
    """The estimates, diagnostics and models."""
    out: Path
    """The small-area table."""
    diagnostics: Path
    """The diagnostics table."""


@takes_trust_edited
def sae_command(*, direct: Path, covariates: Path, formula: str, out: Path, diagnostics: Path | None,
                indicator: list[str], domain: str | None, area_column: str | None, method: str, transform: str,
                variance: str, mse: str | None, replicates: int, seed: int, benchmark: str, population: str | None,
                level: float, max_iter: int, tracker: Tracker = SILENT) -> SaeDone:
    """Check the options and outputs, fit, write both tables with their metadata (the bootstrap's bar shown)."""
    fmt = table_format(out)
    diagnostics_path = diagnostics or out.with_name(f"{out.stem}.diagnostics{out.suffix}")
    diagnostics_fmt = table_format(diagnostics_path)
    check_outputs([out, diagnostics_path], [direct, covariates])
    options = checked_options(method=method, transform=transform, variance=variance, mse=mse,
                              replicates=replicates, seed=seed, benchmark=benchmark, population=population,
                              level=level, max_iter=max_iter)
    checks_done()
    bootstrap = options.mse_method() == "bootstrap"
    with tracker.bars("bootstrap") if bootstrap else contextlib.nullcontext(SILENT_BARS) as bars:
        bar = bars.add("replicates")
        job = run_sae_job(direct, covariates, formula, options, indicators=indicator, domain=domain,
                          area_column=area_column, on_replicates=bar.advance)
    parameters = {
        "formula": formula, "indicators": indicator, "domain": job.result.domain, "area_column": area_column,
        "method": options.method, "transform": options.transform, "variance": options.variance,
        "mse": options.mse_method(), "replicates": replicates, "seed": seed, "benchmark": options.benchmark,
        "population": population, "level": level, "max_iter": max_iter,
    }
    meta = provenance("sae", parameters, [direct, covariates]) | job.metadata
    with atomic_path(out) as tmp_out, atomic_path(sidecar_path(out)) as tmp_meta, \
            atomic_path(diagnostics_path) as tmp_diag, atomic_path(sidecar_path(diagnostics_path)) as tmp_dmeta:
        table_meta = write_described_table(job.result.table, meta | {"content": "estimates"}, tmp_out, tmp_meta, out,
                                           fmt)
        diagnostics_meta = write_described_table(job.result.diagnostics, meta | {"content": "diagnostics"}, tmp_diag,
                                                 tmp_dmeta, diagnostics_path, diagnostics_fmt)
    remember(out, job.result.table, table_meta)
    remember(diagnostics_path, job.result.diagnostics, diagnostics_meta)
    return SaeDone(job, out, diagnostics_path)
