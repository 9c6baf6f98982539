"""`safer report`: read results, build the sections that apply, write one self-contained HTML file.

Sections appear for what was given (see `docs/report.md`): estimates (headline tables, forest plots, rolling
trends), change, peers, targets, small-area estimates, scenario comparison, projection fans with the A.38
success probability and what is averted, tornado charts, and always methods and provenance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reporting.errors import ReportInputError
from reporting.report.model import Report, Section
from reporting.results import Result, load_result


@dataclass(frozen=True)
class ReportOptions:
    """Choices of `safer report`."""

    title: str = "Community safety performance report"
    """Main heading."""
    indicators: tuple[str, ...] = ()
    """Only these indicators (empty: all)."""
    national_label: str | None = None
    """Name of the overall row ("England"); default from the results, else "All areas"."""


def select_indicators(results: list[Result], indicators: Sequence[str]) -> list[Result]:
    """Keep only the chosen indicators' rows in tables that have an `indicator` column."""
    if not indicators:
        return results
    wanted = set(indicators)
    known = {str(i) for r in results if "indicator" in r.table.columns for i in r.table["indicator"]}
    unknown = sorted(wanted - known)
    if unknown:
        raise ReportInputError(f"--indicator {', '.join(unknown)}: not in any result given "
                               f"(they have {', '.join(sorted(known)) or 'none'}).")
    kept = []
    for result in results:
        table = result.table
        if "indicator" in table.columns:
            table = table[table["indicator"].astype(str).isin(wanted)].reset_index(drop=True)
        kept.append(Result(result.path, table, result.metadata))
    return kept


def build_report(results: list[Result], options: ReportOptions | None = None) -> Report:
    """The report for `results`: each section that applies, then methods and provenance."""
    options = options or ReportOptions()
    from reporting.report.change import change_sections
    from reporting.report.crime import crime_sections, is_crime
    from reporting.report.estimates import estimate_sections
    from reporting.report.inputs import sort_results
    from reporting.report.methods import caveats, methods_section
    from reporting.report.peers import peer_sections
    from reporting.report.projection import projection_sections
    from reporting.report.sae import sae_sections
    from reporting.report.scenarios import scenario_sections
    from reporting.report.targets import target_sections
    from reporting.report.tornado import tornado_sections

    if not results:
        raise ReportInputError("give at least one result file to report on.")
    results = select_indicators(results, options.indicators)
    inputs = sort_results([r for r in results if not is_crime(r)])
    if options.national_label:
        inputs.labeller.national = options.national_label
    sections: list[Section] = []
    for index, result in enumerate(inputs.estimates):
        sections += estimate_sections(result, inputs, index)
    for index, result in enumerate(inputs.changes):
        sections += change_sections(result, inputs.labeller, index)
    for index, result in enumerate(inputs.peers):
        sections += peer_sections(result, inputs.labeller, index)
    for index, result in enumerate(inputs.targets):
        sections += target_sections(result, inputs, index)
    for index, result in enumerate(inputs.sae):
        sections += sae_sections(result, inputs, index)
    for index, result in enumerate(inputs.runs):
        sections += scenario_sections(result, index)
    sections += projection_sections(inputs)
    for index, result in enumerate(inputs.sweeps):
        sections += tornado_sections(result, index)
    sections += crime_sections([r for r in results if is_crime(r)], inputs.labeller)
    sections.append(methods_section(results))
    names = ", ".join(r.path.name for r in results)
    return Report(options.title, sections, caveats(results), subtitle=f"Made by safer from {names}.")


def make_report(paths: Sequence[Path], options: ReportOptions | None = None) -> Report:
    """Read the result files and build their report."""
    return build_report([load_result(p) for p in paths], options)
