"""`safer crime validate`: every problem of a counts file (and its population and groups files), listed.

Nothing is raised for a problem in the counts: each is listed with its rows and what to do, and the command exits
2 when there is any (`ValidationReport.problems`). A file that cannot be read at all (or a bad population or groups
file) is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorded_crime.jobs.common import CountsOptions, counts_options, read_and_check
from recorded_crime.reading.validate import Checked


@dataclass
class ValidationReport:
    """What `validate` found."""

    checked: Checked
    """Parsed periods and codes, problems and notes."""
    lines: list[str]
    """The report as lines of text."""

    @property
    def problems(self) -> int:
        """How many problems were found (the command exits 2 when there is any)."""
        return len(self.checked.problems)


def validate_command(*, counts: Path, population: Path | None, groups: Path | None, population_lag: int, layout: str,
                     mapping: Path | None, map_columns: list[str], indicators: Path | None,
                     drop_code: list[str]) -> ValidationReport:
    """`safer crime validate`, from its options by name."""
    options = counts_options(counts, layout, mapping, map_columns, indicators, drop_code)
    return validate_job(options, population, groups, population_lag)


def validate_job(options: CountsOptions, population: Path | None = None, groups: Path | None = None,
                 population_lag: int = 0) -> ValidationReport:
    """Check the counts file and list every problem (see the module docstring)."""
    read = read_and_check(options, population, groups, population_lag)
    raw, checked = read.raw, read.checked
    columns = ", ".join(f"{role}={column}" for role, column in raw.binding.columns.items())
    lines = [f"{options.counts}: {raw.rows} rows, {len(raw.area.values)} areas, layout {raw.binding.layout} "
             f"({columns})."]
    for problem in checked.problems:
        lines.append(f"problem ({problem.check}): {problem.message}")
    for note in checked.notes:
        lines.append(f"note: {note}")
    lines.append(f"{len(checked.problems)} problem(s)." if checked.problems else
                 f"{options.counts}: clean ({checked.frequency}ly counts, {len(checked.codes)} codes).")
    return ValidationReport(checked, lines)
