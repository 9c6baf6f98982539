"""The jobs behind `safer synth bcs` and `safer synth place`: draw a synthetic survey with known truth and write it.

Every file's format is checked from its extension before anything is drawn; each file written has a sidecar.
With `--years`, one file per fieldwork year (`{year}` in `--out`), with the truth by year and the true changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safer_io.outputs import atomic_path, check_outputs, write_sidecar
from safer_io.provenance import provenance
from survey.errors import SurveyInputError


@dataclass(frozen=True)
class SynthDone:
    """What a synth command wrote."""

    survey: str
    """bcs or place."""
    files: list[str]
    """The microdata file(s)."""
    extra: list[tuple[str, Path]] = field(default_factory=list)
    """(what, where) of the truth, control totals, ... written beside them."""
    records: int | None = None
    """Records drawn (one year); None for several years."""


def synthetic_formats(out: Path, truth: Path | None, controls: Path | None) -> dict[Path, str]:
    """File formats from the extensions, checked before any data is drawn."""
    from survey.synthetic.files import TABLE_FORMATS, data_format

    formats = {out: data_format(out)}
    if truth is not None:
        formats[truth] = data_format(truth, TABLE_FORMATS)
    if controls is not None:  # `safer weight` reads control totals from CSV
        formats[controls] = data_format(controls, (".csv",))
    return formats


def write_synthetic(result: Any, formats: dict[Path, str], out: Path, truth: Path | None, controls: Path | None,
                    command: str, parameters: dict[str, Any], areas: Path | None = None) -> SynthDone:
    """Write a synthetic survey, and its truth, control totals and area covariates when asked, each with a
    .meta.json."""
    from survey.synthetic.files import write_survey_data, write_table_file

    extra = [(path, table, kind) for path, table, kind in
             ((truth, result.truth, "truth"), (controls, result.controls, "control totals"),
              (areas, result.areas, "area covariates")) if path is not None]
    meta = provenance(command, parameters, []) | {"design": result.design, "summary": result.summary}
    with atomic_path(out) as tmp:
        write_survey_data(result.data, tmp, formats[out], result.survey)
    write_sidecar(out, meta)
    for path, table, kind in extra:
        with atomic_path(path) as tmp:
            write_table_file(table, tmp, formats[path])
        write_sidecar(path, meta | {"content": kind, "data_file": str(out)})
    return SynthDone(result.survey, [str(out)], [(kind, path) for path, _, kind in extra], len(result.data))


def write_synthetic_years(result: Any, out: Path, truth: Path | None, change_truth: Path | None,
                          controls: Path | None, command: str, parameters: dict[str, Any]) -> SynthDone:
    """Write one file per year (`{year}` in `out`) and the truth, change truth and controls, each with a sidecar."""
    from survey.synthetic.files import TABLE_FORMATS, data_format, write_survey_data, write_table_file

    meta = provenance(command, parameters, [])
    written = []
    for label, year in result.years.items():
        path = Path(str(out).replace("{year}", label))
        with atomic_path(path) as tmp:
            write_survey_data(year.data, tmp, data_format(path), result.survey)
        write_sidecar(path, meta | {"design": year.design, "summary": year.summary})
        written.append(str(path))
    extra = ((truth, result.truth, "truth by year"), (change_truth, result.change_truth, "true changes"),
             (controls, result.controls, "control totals"))
    for table_path, table, kind in extra:
        if table_path is not None:
            with atomic_path(table_path) as tmp:
                write_table_file(table, tmp, data_format(table_path, TABLE_FORMATS))
            write_sidecar(table_path, meta | {"content": kind, "data_files": written})
    return SynthDone(result.survey, written, [(kind, path) for path, _, kind in extra if path is not None])


def synthetic_year_outputs(survey: str, out: Path, years: str, truth: Path | None, change_truth: Path | None,
                           controls: Path | None) -> tuple[list[Path], tuple[int, ...]]:
    """The files a --years run writes, checked before anything is drawn."""
    from survey.synthetic.files import TABLE_FORMATS, data_format
    from survey.synthetic.years import parse_years, year_label

    chosen = parse_years(years)
    if "{year}" not in str(out):
        raise SurveyInputError(f"--out {out}: with --years, put {{year}} in the file name (e.g. bcs_{{year}}.parquet); "
                               "each year is written to its own file.")
    data_format(Path(str(out).replace("{year}", "x")))
    for path, allowed in ((truth, TABLE_FORMATS), (change_truth, TABLE_FORMATS), (controls, (".csv",))):
        if path is not None:
            data_format(path, allowed)
    return [Path(str(out).replace("{year}", year_label(survey, y))) for y in chosen], chosen


def synth_bcs_command(*, seed: int, n: int, out: Path, truth: Path | None, controls: Path | None,
                      areas: Path | None, years: str | None, drift: float, change_truth: Path | None) -> SynthDone:
    """`safer synth bcs`: one BCS year (with area covariates when asked), or several drifting years."""
    from survey.synthetic.files import TABLE_FORMATS, data_format
    from survey.synthetic.jobs import synth_bcs, synth_bcs_years

    if years is not None:
        if areas is not None:
            raise SurveyInputError("--areas is written for a single year; leave it out with --years.")
        paths, chosen = synthetic_year_outputs("bcs", out, years, truth, change_truth, controls)
        check_outputs([*paths, truth, change_truth, controls], [])
        result_years = synth_bcs_years(seed, chosen, n, drift)
        return write_synthetic_years(result_years, out, truth, change_truth, controls, "synth bcs",
                                     {"seed": seed, "n": n, "out": out, "truth": truth, "controls": controls,
                                      "years": years, "drift": drift, "change_truth": change_truth})
    if change_truth is not None:
        raise SurveyInputError("--change-truth needs --years.")
    formats = synthetic_formats(out, truth, controls)
    if areas is not None:
        formats[areas] = data_format(areas, TABLE_FORMATS)
    check_outputs([out, truth, controls, areas], [])
    result = synth_bcs(seed, n)
    return write_synthetic(result, formats, out, truth, controls, "synth bcs",
                           {"seed": seed, "n": n, "out": out, "truth": truth, "controls": controls, "areas": areas},
                           areas)


def synth_place_command(*, seed: int, las: int, returns: int, out: Path, controls: Path, truth: Path | None,
                        years: str | None, drift: float, change_truth: Path | None) -> SynthDone:
    """`safer synth place`: one Place Survey, or several drifting autumns."""
    from survey.synthetic.jobs import synth_place, synth_place_years

    if years is not None:
        paths, chosen = synthetic_year_outputs("place", out, years, truth, change_truth, controls)
        check_outputs([*paths, truth, change_truth, controls], [])
        result_years = synth_place_years(seed, chosen, las, returns, drift)
        return write_synthetic_years(result_years, out, truth, change_truth, controls, "synth place",
                                     {"seed": seed, "las": las, "returns": returns, "out": out, "truth": truth,
                                      "controls": controls, "years": years, "drift": drift,
                                      "change_truth": change_truth})
    if change_truth is not None:
        raise SurveyInputError("--change-truth needs --years.")
    formats = synthetic_formats(out, truth, controls)
    check_outputs([out, truth, controls], [])
    result = synth_place(seed, las, returns)
    return write_synthetic(result, formats, out, truth, controls, "synth place",
                           {"seed": seed, "las": las, "returns": returns, "out": out, "truth": truth,
                            "controls": controls})
