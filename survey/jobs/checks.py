"""The jobs behind `safer check`: the statistics checked against synthetic truth, their summaries written.

`coverage`: every confidence interval's empirical coverage (a fixed population, samples redrawn and weighted as in
practice); `sae`: small-area estimates against the truth; `change-coverage`: intervals for a change and the
false-positive rate, on two years of a population that changes by known amounts. Each writes a summary (and,
when asked, one row per domain or authority) with sidecars, and returns the summary to print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safer_io.checking import checks_done
from safer_io.outputs import atomic_path, check_outputs, write_sidecar
from safer_io.progress import SILENT, Tracker
from safer_io.provenance import provenance
from survey.errors import SurveyInputError
from survey.memory import check_redraws_fit


@dataclass(frozen=True)
class CheckDone:
    """What a check wrote."""

    summary: Any
    """The summary table (also written to `out`)."""
    out: Path
    """Where the summary went."""


def _formats(out: Path, detail: Path | None) -> dict[Path, str]:
    from survey.synthetic.files import TABLE_FORMATS, data_format

    return {path: data_format(path, TABLE_FORMATS) for path in (out, detail) if path is not None}


def _write(command: str, parameters: dict[str, Any], formats: dict[Path, str],
           tables: Sequence[tuple[Path | None, Any]]) -> None:
    from survey.synthetic.files import write_table_file

    meta = provenance(command, parameters, [])
    for path, table in tables:
        if path is not None:
            with atomic_path(path) as tmp:
                write_table_file(table, tmp, formats[path])
            write_sidecar(path, meta)


def _redraws(tracker: Tracker, description: str, total: int, run: Callable[[Callable[[], None]], Any]) -> Any:
    """`run(on_replicate)` under a bar counting the redraws."""
    with tracker.bars(description) as bars:
        bar = bars.add(description, total=total)
        return run(lambda: bar.advance())


def check_coverage_command(*, survey: str, replicates: int, seed: int, out: Path, detail: Path | None, n: int,
                           las: int, returns: int, ci: list[str], min_base: int,
                           tracker: Tracker = SILENT) -> CheckDone:
    """`safer check coverage`: coverage, bias and width of every CI method by indicator and domain level."""
    from survey.options import CI_METHODS
    from survey.synthetic.coverage import coverage_setup, run_coverage

    formats = _formats(out, detail)
    check_outputs([out, detail], [])
    check_redraws_fit(replicates)
    checks_done()
    with tracker.status(f"building the synthetic {survey} population"):
        setup = coverage_setup(survey, seed, n=n, n_las=las, returns=returns)
    result = _redraws(tracker, f"{survey} replicates", replicates, lambda advance: run_coverage(
        setup, replicates, tuple(ci) or CI_METHODS, on_replicate=advance, min_base=min_base))
    parameters = {"survey": survey, "replicates": replicates, "seed": seed, "n": n, "las": las,
                  "returns": returns, "ci": ci, "min_base": min_base}
    _write("check coverage", parameters, formats, ((out, result.summary), (detail, result.detail)))
    return CheckDone(result.summary, out)


def check_sae_command(*, seed: int, out: Path, replicates: int, detail: Path | None, n: int, indicator: str,
                      formula: str, method: str, transform: str, variance: str, mse: str | None,
                      boot_replicates: int, tracker: Tracker = SILENT) -> CheckDone:
    """`safer check sae`: EBLUP against direct MSE, MSE estimates and interval coverage by group of authorities."""
    from survey.small_area.model import checked_options
    from survey.synthetic.sae_check import run_sae_check, sae_check_setup

    formats = _formats(out, detail)
    check_outputs([out, detail], [])
    check_redraws_fit(replicates)
    options = checked_options(method=method, transform=transform, variance=variance, mse=mse,
                              replicates=boot_replicates, seed=seed)
    checks_done()
    with tracker.status("building the synthetic BCS population"):
        setup = sae_check_setup(seed, n)
    result = _redraws(tracker, "BCS samples", replicates, lambda advance: run_sae_check(
        setup, replicates, indicator=indicator, formula=formula, options=options, on_replicate=advance))
    parameters = {"seed": seed, "replicates": replicates, "n": n, "indicator": indicator, "formula": formula,
                  "method": options.method, "transform": options.transform, "variance": options.variance,
                  "mse": options.mse_method(), "boot_replicates": boot_replicates}
    _write("check sae", parameters, formats, ((out, result.summary), (detail, result.detail)))
    return CheckDone(result.summary, out)


def check_change_coverage_command(*, survey: str, replicates: int, seed: int, out: Path, detail: Path | None,
                                  years: str, drift: float, indicator: list[str], n: int, las: int, returns: int,
                                  min_base: int, tracker: Tracker = SILENT) -> CheckDone:
    """`safer check change-coverage`: coverage of intervals for a change, and how often no change is found."""
    from survey.synthetic.change_coverage import change_coverage_setup, run_change_coverage
    from survey.synthetic.years import parse_years

    formats = _formats(out, detail)
    check_outputs([out, detail], [])
    chosen = parse_years(years)
    if len(chosen) != 2:
        raise SurveyInputError(f"--years '{years}': give two years, the base and the current.")
    check_redraws_fit(replicates)
    checks_done()
    with tracker.status(f"building the synthetic {survey} population and its two years"):
        setup = change_coverage_setup(survey, seed, years=(chosen[0], chosen[1]), drift=drift, n=n, n_las=las,
                                      returns=returns, indicators=indicator)
    summary, per_domain = _redraws(tracker, f"{survey} two-year redraws", replicates,
                                   lambda advance: run_change_coverage(setup, replicates, advance, min_base))
    parameters = {"survey": survey, "replicates": replicates, "seed": seed, "years": years, "drift": drift,
                  "indicators": indicator, "n": n, "las": las, "returns": returns, "min_base": min_base}
    _write("check change-coverage", parameters, formats, ((out, summary), (detail, per_domain)))
    return CheckDone(summary, out)
