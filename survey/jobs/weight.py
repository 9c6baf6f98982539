"""The `safer weight` job: merge flags with a weighting spec, read the inputs, weight, and write the rows.

The command line only parses arguments and prints; `weight_command` takes its options by the same names and
`write_weighted` writes the rows, their sidecar and the diagnostics report whole or not at all.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.checking import checks_done
from safer_io.memory import remember
from safer_io.outputs import atomic_path, check_outputs, json_text, write_table
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path
from safer_io.verification import CONTENT_KEY, sidecar_metadata
from survey.design import load_design_spec
from survey.errors import SurveyInputError
from survey.memory import check_replicate_weights_fit
from survey.reading.prepared import MappingOptions, prepare_survey_file
from survey.reading.recorded import recorded_questionnaire
from survey.weighting.control_checks import GRAND_TOTAL_RTOL
from survey.weighting.controls import read_control_totals
from survey.weighting.pipeline import WeightingResult, run_weighting
from survey.weighting.replicates import parse_replicates
from survey.weighting.spec import load_weighting_spec, parse_bounds, validate_weighting_spec
from survey.weighting.weighted_files import weights_fingerprint

OUTPUT_FORMATS: dict[str, str] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class WeightOptions:
    """Flags of `safer weight` (None = not given, so a weighting spec's value stands)."""

    controls: Path | None = None
    by: tuple[str, ...] = ()
    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    design_file: Path | None = None
    lonely_psu: str | None = None
    spec_file: Path | None = None
    selection_prob: str | None = None
    adults_col: str | None = None
    adults_cap: int | None = None
    response_col: str | None = None
    nonresponse_classes: tuple[str, ...] = ()
    method: str | None = None
    bounds: str | None = None
    max_iter: int | None = None
    epsilon: float | None = None
    trim_upper: str | None = None
    trim_lower: str | None = None
    scale: str | None = None
    replicates: str | None = None
    seed: int | None = None
    on_nonconvergence: str | None = None
    control_tolerance: float = GRAND_TOTAL_RTOL
    """How far (relative) the margins of one group of control totals may differ (`--control-tolerance`)."""


def output_format(path: Path) -> str:
    """'parquet' or 'csv' from the output file's extension."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SurveyInputError(f"--out {path}: use a .parquet or .csv file for weighted output.")
    return fmt


def build_spec(options: WeightOptions) -> dict[str, Any]:
    """The weighting spec as a dict: the spec file (if any), then the design file, then flags on top."""
    raw: dict[str, Any] = {}
    if options.spec_file is not None:
        raw = load_weighting_spec(options.spec_file).model_dump(mode="json", exclude_none=True)
    design = dict(raw.get("design", {}))
    if options.design_file is not None:
        design |= load_design_spec(options.design_file).model_dump(exclude_none=True)
    for key in ("weight", "strata", "psu", "fpc", "lonely_psu"):
        value = getattr(options, key)
        if value is not None:
            design[key] = value
    raw["design"] = design
    if options.selection_prob is not None:
        raw["selection_probability"] = options.selection_prob
    if options.adults_col is not None or options.adults_cap is not None:
        household = dict(raw.get("household") or {})
        if options.adults_col is not None:
            household["adults"] = options.adults_col
        if options.adults_cap is not None:
            household["cap"] = options.adults_cap
        raw["household"] = household
    if options.response_col is not None or options.nonresponse_classes:
        nonresponse = dict(raw.get("nonresponse") or {})
        if options.response_col is not None:
            nonresponse["response"] = options.response_col
        if options.nonresponse_classes:
            nonresponse["classes"] = list(options.nonresponse_classes)
        raw["nonresponse"] = nonresponse
    calibration = dict(raw.get("calibration") or {})
    flags = {
        "controls": str(options.controls) if options.controls is not None else None,
        "by": list(options.by) if options.by else None,
        "method": options.method,
        "bounds": parse_bounds(options.bounds) if options.bounds is not None else None,
        "max_iter": options.max_iter,
        "epsilon": options.epsilon,
        "on_nonconvergence": options.on_nonconvergence,
    }
    calibration |= {k: v for k, v in flags.items() if v is not None}
    if calibration:
        raw["calibration"] = calibration
    if options.trim_upper is not None or options.trim_lower is not None:
        trimming = dict(raw.get("trimming") or {})
        if options.trim_upper is not None:
            trimming["upper"] = options.trim_upper
        if options.trim_lower is not None:
            trimming["lower"] = options.trim_lower
        raw["trimming"] = trimming
    if options.scale is not None:
        raw["scale"] = options.scale
    if options.replicates is not None:
        method, count = parse_replicates(options.replicates)
        raw["replicates"] = {"method": method, "replicates": count, "seed": options.seed}
    elif options.seed is not None and raw.get("replicates"):
        raw["replicates"] = dict(raw["replicates"]) | {"seed": options.seed}
    return raw


@dataclass(frozen=True)
class WeightJob:
    """What `run_weight_job` did: the weighting, the spec used, every input file and the mapping record."""

    result: WeightingResult
    """Weighted rows, design, diagnostics and the weighting metadata."""
    spec: dict[str, Any]
    """The weighting spec used (file, flags on top), JSON-ready."""
    inputs: list[Path]
    """Every file read: data, controls, spec, design, questionnaire, mapping."""
    record: dict[str, Any]
    """Questionnaire, resolved mapping and label check (empty without a questionnaire)."""


def run_weight_job(
    data_path: Path,
    options: WeightOptions,
    questionnaire: str | Path | None = None,
    mapping: MappingOptions | None = None,
) -> WeightJob:
    """Read the data (mapped to the questionnaire's items when one is given) and controls, and weight.

    With a questionnaire, the weighted rows have each item under its id in questionnaire codes, so the file is
    estimated without the mapping afterwards.
    """
    spec = weighting_spec(options)
    prepared = prepare_survey_file(data_path, questionnaire, mapping)
    controls = None
    inputs: list[Path] = [data_path]
    if spec.calibration is not None:
        if spec.calibration.controls is None:
            raise SurveyInputError("calibration needs control totals: give --controls totals.csv.")
        controls_path = Path(spec.calibration.controls)
        controls = read_control_totals(controls_path, spec.calibration.by, tolerance=options.control_tolerance)
        inputs.append(controls_path)
    inputs += [p for p in (options.spec_file, options.design_file) if p is not None]
    inputs += prepared.input_files
    result = run_weighting(prepared.data, spec, controls, value_labels=prepared.value_labels, source=str(data_path))
    result.metadata["weighting"]["fingerprint"] = weights_fingerprint(result.data)
    # Which survey the weighted rows are: the questionnaire given, else the one the input's metadata records.
    if prepared.questionnaire is not None:
        result.metadata["weighting"]["questionnaire"] = {
            "name": prepared.questionnaire.name, "version": prepared.questionnaire.version, "from": "--questionnaire"}
    elif (recorded := recorded_questionnaire(data_path)) is not None:
        result.metadata["weighting"]["questionnaire"] = {
            "name": recorded.name, "version": recorded.version, "from": f"{data_path} ({recorded.found_in})"}
    return WeightJob(result, spec.model_dump(mode="json"), inputs, prepared.record())


def weighting_spec(options: WeightOptions) -> Any:
    """The weighting spec from the options (and spec file), validated; replicate weights checked against memory
    for one row already (a billion replicates is refused before the data are read)."""
    spec = validate_weighting_spec(build_spec(options), source=str(options.spec_file or "weighting options"))
    if spec.replicates is not None and spec.replicates.method == "bootstrap" and spec.replicates.replicates:
        check_replicate_weights_fit(1, spec.replicates.replicates)
    return spec


def write_weighted_rows(data: pd.DataFrame, path: Path, fmt: str,
                        metadata: dict[str, Any] | None = None) -> str | None:
    """Write the weighted rows (to a temporary path; the caller renames it into place).

    A Parquet file carries `metadata` (the design and calibration) in its schema, so a copy made without the
    sidecar is still estimated as weighted.
    """
    if fmt == "parquet":
        return write_table(data, path, ".parquet", metadata or {})
    data.to_csv(path, index=False)
    return None


@dataclass(frozen=True)
class Weighed:
    """A `safer weight` run before its files are written."""

    job: WeightJob
    """The weighting, the spec, the inputs and the mapping record."""
    warnings: list[Any]
    """Warnings raised while weighting (non-convergence with `--on-nonconvergence warn`, ...)."""
    metadata: dict[str, Any]
    """Provenance, mapping record and weighting metadata: the sidecar's content."""


def weight_command(*, data: Path, out: Path, controls: Path | None, by: list[str], weight: str | None,
                   strata: str | None, psu: str | None, fpc: str | None, design: Path | None, lonely_psu: str | None,
                   spec: Path | None, selection_prob: str | None, adults_col: str | None, adults_cap: int | None,
                   response_col: str | None, nr_class: list[str], method: str | None, bounds: str | None,
                   max_iter: int | None, epsilon: float | None, trim_upper: str | None, trim_lower: str | None,
                   scale: str | None, replicates: str | None, seed: int | None, on_nonconvergence: str | None,
                   report: Path | None, questionnaire: str | None, map_items: list[str], mapping: Path | None,
                   ignore_labels: bool, control_tolerance: float = GRAND_TOTAL_RTOL) -> Weighed:
    """Check the outputs, weight `data`, and say what the sidecar will record (nothing is written yet)."""
    output_format(out)
    check_outputs([out, report], [data, controls, design, spec, mapping])
    options = WeightOptions(
        controls=controls, by=tuple(by), weight=weight, strata=strata, psu=psu, fpc=fpc, design_file=design,
        lonely_psu=lonely_psu, spec_file=spec, selection_prob=selection_prob, adults_col=adults_col,
        adults_cap=adults_cap, response_col=response_col, nonresponse_classes=tuple(nr_class), method=method,
        bounds=bounds, max_iter=max_iter, epsilon=epsilon, trim_upper=trim_upper, trim_lower=trim_lower,
        scale=scale, replicates=replicates, seed=seed, on_nonconvergence=on_nonconvergence,
        control_tolerance=control_tolerance,
    )
    weighting_spec(options)
    checks_done()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job = run_weight_job(data, options, questionnaire, MappingOptions(tuple(map_items), mapping, ignore_labels))
    parameters = {"spec": job.spec, "questionnaire": questionnaire, "map": map_items, "mapping": mapping,
                  "ignore_labels": ignore_labels, "control_tolerance": control_tolerance}
    meta = provenance("weight", parameters, job.inputs) | job.record | job.result.metadata | {
        "warnings": list(dict.fromkeys(str(w.message) for w in caught))}
    return Weighed(job, [w.message for w in caught], meta)


def write_weighted(weighed: Weighed, out: Path, report: Path | None) -> None:
    """The weighted rows, their sidecar (with the rows' hash) and the diagnostics report, all or none."""
    result, meta = weighed.job.result, weighed.metadata
    with atomic_path(out) as tmp_out, atomic_path(sidecar_path(out)) as tmp_meta:
        content = write_weighted_rows(result.data, tmp_out, output_format(out), meta)
        if content is not None:
            meta[CONTENT_KEY] = content
        meta["output"] = {"rows": len(result.data)}
        meta.update(sidecar_metadata(meta, tmp_out, out))
        tmp_meta.write_text(json_text(meta), encoding="utf-8")
        if report is not None:
            with atomic_path(report) as tmp_report:
                payload: dict[str, Any] = {"diagnostics": result.diagnostics, "steps": meta["weighting"]["steps"]}
                if result.nonresponse_classes is not None:
                    payload["nonresponse_classes"] = result.nonresponse_classes.to_dict("records")
                tmp_report.write_text(json_text(payload), encoding="utf-8")
    remember(out, result.data, meta, sha256=meta["output"]["sha256"])
