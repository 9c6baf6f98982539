"""`safer report`: read results, build the sections that apply, write one self-contained HTML file.

The report answers first: 3-8 main points, the caveats folded into one box, an area's profile when asked for
(`--area`), then the sections for what was given (see `docs/report.md`): estimates (headline tables, forest
plots, rolling trends), change, peers, targets, small-area estimates, scenario comparison, the A.38 probability
with the projection and what is averted, tornado charts; and always methods and provenance.

Sections are registered in `SECTIONS`, in reading order: a module for a new kind of result (e.g.
`reporting/report/crime_*.py`) writes `sections(inputs) -> list[Section]`, appends it here with `register`, and
may append a writer of main points to `reporting.report.main_points.POINT_MAKERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reporting.errors import ReportInputError
from reporting.report.change import change_sections
from reporting.report.crime import crime_sections, is_crime
from reporting.report.estimates import estimate_sections
from reporting.report.inputs import KNOWN, Inputs, sort_results
from reporting.report.main_points import main_points
from reporting.report.methods import caveat_summary, caveats, methods_section
from reporting.report.model import Report, Section
from reporting.report.peers import peer_sections
from reporting.report.profile import profile_sections
from reporting.report.projection import projection_sections
from reporting.report.sae import sae_sections
from reporting.report.scenarios import scenario_sections
from reporting.report.targets import target_sections
from reporting.report.tornado import tornado_sections
from reporting.results import Result, load_result

SectionMaker = Callable[[Inputs], list[Section]]
"""Builds the sections for the results it knows (none when there are none)."""


def recorded_crime_sections(inputs: Inputs) -> list[Section]:
    """Recorded crime (`reporting/report/crime.py`, which sorts the `safer crime ...` outputs itself)."""
    return crime_sections(inputs.crime, inputs.labeller)


SECTIONS: list[SectionMaker] = [
    profile_sections, estimate_sections, change_sections, peer_sections, target_sections, sae_sections,
    scenario_sections, projection_sections, tornado_sections, recorded_crime_sections,
]
"""Every part of the report before Methods, in reading order."""


def register(maker: SectionMaker, commands: Sequence[str] = (), before: SectionMaker | None = None) -> None:
    """Add a section maker (before another, or at the end) and the commands whose outputs it reads."""
    if maker not in SECTIONS:
        SECTIONS.insert(SECTIONS.index(before) if before in SECTIONS else len(SECTIONS), maker)
    KNOWN.extend(c for c in commands if c not in KNOWN)


@dataclass(frozen=True)
class ReportOptions:
    """Choices of `safer report`."""

    title: str = "Community safety performance report"
    """Main heading."""
    indicators: tuple[str, ...] = ()
    """Only these indicators (empty: all)."""
    national_label: str | None = None
    """Name of the overall row ("England"); default from the results, else "All areas"."""
    areas: tuple[str, ...] = ()
    """Areas to profile (`--area`, by code or name)."""
    labels: Path | None = None
    """File of area names (`--labels`: code, name, type)."""


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
    """The report for `results`: main points, each section that applies, then methods and provenance."""
    options = options or ReportOptions()
    if not results:
        raise ReportInputError("give at least one result file to report on.")
    results = select_indicators(results, options.indicators)
    inputs = sort_results([r for r in results if not is_crime(r)])
    inputs.crime = [r for r in results if is_crime(r)]
    inputs.areas = tuple(options.areas)
    if options.labels is not None:
        from reporting.area_labels import read_area_labels

        inputs.labeller.give_names(read_area_labels(options.labels))
    if options.national_label:
        inputs.labeller.national = options.national_label
    sections: list[Section] = []
    for maker in SECTIONS:
        sections += maker(inputs)
    sections += methods_section(results)
    full = caveats(results)
    count = len(results)
    subtitle = f"Made by safer from {count} result{'s' if count != 1 else ''}; how each was made is under Methods."
    return Report(options.title, sections, full, subtitle=subtitle, main_points=main_points(inputs),
                  caveat_summary=caveat_summary(full))


def make_report(paths: Sequence[Path], options: ReportOptions | None = None) -> Report:
    """Read the result files and build their report."""
    return build_report([load_result(p) for p in paths], options)
