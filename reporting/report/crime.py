"""Recorded crime in the report: which sections the `safer crime ...` outputs get (see `docs/report.md`).

The outputs are recognised by their metadata's `command` (`crime rates`, `crime change`, `crime spc`,
`crime peers`, `crime national`, `crime displacement`), never by importing `recorded_crime`. Each has its own
section module (`crime_change`, `crime_spc`, `crime_peers`, `crime_tables`); this one sorts them and puts the
sections in reading order: rates, change and control limits, most similar groups and A.20, national, displacement.
"""

from __future__ import annotations

from reporting.errors import ReportInputError
from reporting.labels import Labeller
from reporting.report.model import Section
from reporting.results import Result

COMMANDS = ("crime rates", "crime change", "crime spc", "crime peers", "crime national", "crime displacement")
"""The recorded-crime commands whose long tables the report reads."""


def is_crime(result: Result) -> bool:
    """Whether a result is a recorded-crime output."""
    return result.command.startswith("crime ")


def crime_sections(results: list[Result], labeller: Labeller) -> list[Section]:
    """The recorded-crime sections for the results given, in reading order."""
    from reporting.report.crime_change import change_sections
    from reporting.report.crime_peers import peer_sections
    from reporting.report.crime_spc import spc_sections
    from reporting.report.crime_tables import displacement_sections, national_sections, rate_sections

    by_command: dict[str, list[Result]] = {c: [] for c in COMMANDS}
    for result in results:
        if result.command not in by_command:
            raise ReportInputError(f"{result.path}: the report has no section for output of '{result.command}' (it "
                                   f"knows {', '.join(COMMANDS)}).")
        if result.content == "publication":
            raise ReportInputError(f"{result.path}: a publication-format table; the report needs the long format "
                                   f"(safer {result.command} without --format publication).")
        labeller.add(result.table, result.metadata)
        by_command[result.command].append(result)
    builders = (("crime rates", rate_sections), ("crime change", change_sections), ("crime spc", spc_sections),
                ("crime peers", peer_sections), ("crime national", national_sections),
                ("crime displacement", displacement_sections))
    sections: list[Section] = []
    for command, build in builders:
        for index, result in enumerate(by_command[command]):
            sections += build(result, labeller, index)
    return sections
