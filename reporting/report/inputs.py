"""Sorting results by what they are, from their metadata (`command`, `content`) and, failing that, their columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.errors import ReportInputError
from reporting.labels import Labeller
from reporting.results import Result

KNOWN = ["estimate", "change", "peers", "targets", "sae", "simulate run", "simulate project", "simulate sweep"]
"""Commands whose outputs the report has sections for; a section module for another command adds it here
(`reporting.report.build.register`)."""


@dataclass
class Inputs:
    """The results given to `safer report`, by kind."""

    estimates: list[Result] = field(default_factory=list)
    """`estimate` outputs (with or without periods)."""
    changes: list[Result] = field(default_factory=list)
    """`change` outputs."""
    peers: list[Result] = field(default_factory=list)
    """`peers` outputs."""
    targets: list[Result] = field(default_factory=list)
    """`targets` outputs."""
    sae: list[Result] = field(default_factory=list)
    """`sae` estimate tables."""
    sae_diagnostics: list[Result] = field(default_factory=list)
    """`sae` diagnostics tables."""
    runs: list[Result] = field(default_factory=list)
    """`simulate run` outputs."""
    projections: list[Result] = field(default_factory=list)
    """`simulate project` per-year tables."""
    success: list[Result] = field(default_factory=list)
    """`simulate project` A.38 success tables."""
    costs: list[Result] = field(default_factory=list)
    """`simulate project` offences and costs averted."""
    trends: list[Result] = field(default_factory=list)
    """`simulate project` P(A.38) of the baseline against the trend after the last published year."""
    sweeps: list[Result] = field(default_factory=list)
    """`simulate sweep` tornado data."""
    draw_tornadoes: list[Result] = field(default_factory=list)
    """`simulate project --uncertainty` tornadoes read off the draws (the same columns as a sweep's)."""
    all: list[Result] = field(default_factory=list)
    """Every result, in the order given (for Methods and provenance)."""
    labeller: Labeller = field(default_factory=Labeller)
    """Titles and names learnt from all results."""
    by_command: dict[str, list[Result]] = field(default_factory=dict)
    """Every result by the command that made it (how sections added later find their results)."""
    areas: tuple[str, ...] = ()
    """Area codes to profile (`--area`)."""
    crime: list[Result] = field(default_factory=list)
    """Recorded-crime outputs (`safer crime ...`), sorted by `reporting.report.crime` itself."""

    def of(self, command: str) -> list[Result]:
        """The results of one command, in the order given."""
        return self.by_command.get(command, [])


def _project_part(result: Result) -> str:
    if result.content in ("projection", "success", "costs"):
        return result.content
    columns = set(result.table.columns)
    if "criterion" in columns:
        return "success"
    if "item" in columns:
        return "costs"
    if "year" in columns:
        return "projection"
    raise ReportInputError(f"{result.path}: a 'simulate project' table that is neither a projection (year), a "
                           "success table (criterion) nor a costs table (item); see docs/report.md.")


def sort_results(results: list[Result]) -> Inputs:
    """Put each result where its section will look for it; an unknown command is refused."""
    inputs = Inputs()
    for result in results:
        command = result.command
        inputs.all.append(result)
        inputs.labeller.add(result.table, result.metadata)
        if command in KNOWN:
            inputs.by_command.setdefault(command, []).append(result)
        if command == "estimate":
            if result.content == "publication":
                raise ReportInputError(f"{result.path}: a publication-format table; the report needs the long "
                                       "format (safer estimate without --format publication).")
            inputs.estimates.append(result)
        elif command == "change":
            inputs.changes.append(result)
        elif command == "peers":
            inputs.peers.append(result)
        elif command == "targets":
            inputs.targets.append(result)
        elif command == "sae":
            (inputs.sae_diagnostics if result.content == "diagnostics" else inputs.sae).append(result)
        elif command == "simulate run":
            inputs.runs.append(result)
        elif command == "simulate project":
            if result.content == "trend":
                inputs.trends.append(result)
                continue
            if result.content == "tornado":
                inputs.draw_tornadoes.append(result)
                continue
            part = _project_part(result)
            {"projection": inputs.projections, "success": inputs.success, "costs": inputs.costs}[part].append(result)
        elif command == "simulate sweep":
            inputs.sweeps.append(result)
        elif command not in KNOWN:
            raise ReportInputError(f"{result.path}: the report has no section for output of '{command}' (it knows "
                                   f"{', '.join(KNOWN)}).")
    return inputs
