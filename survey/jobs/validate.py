"""The `safer validate` job: every problem of a data file against a questionnaire, and how its items were bound.

Shape problems of the file (short or long rows, repeated column names, no data rows), value labels that
contradict the questionnaire, and every value that breaks an item's rule are listed together, each naming its
row and column (the file's own column, with the item it feeds when they differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from survey.reading.prepared import MappingOptions, PreparedData, prepare_survey_file
from survey.reading.validate import Problem, count_problems, validate_against_questionnaire


@dataclass(frozen=True)
class ValidationResult:
    """The problems found (empty: clean) and the prepared file they were found in."""

    problems: list[Problem]
    """File shape, label conflicts, then item rules; `sum(p.count ...)` is the full count."""
    prepared: PreparedData
    """The file as read and mapped, with the binding of every item."""

    @property
    def total(self) -> int:
        """Every problem, listed or only counted."""
        return count_problems(self.problems)

    @property
    def unlisted(self) -> int:
        """Problems counted but not listed (beyond `--max-listed` per column and rule)."""
        return sum(p.count for p in self.problems if p.count > 1)


def validate_file(
    path: Path, questionnaire: str | Path, options: MappingOptions | None = None, max_per_rule: int | None = 20
) -> ValidationResult:
    """Check `path` against `questionnaire`, mapped as `options` say; nothing is raised for a problem."""
    options = options or MappingOptions()
    prepared = prepare_survey_file(path, questionnaire, options, strict=False)
    problems = [Problem(p.row, p.column, None, p.rule) for p in prepared.file.problems]
    mapping = prepared.mapping
    if prepared.labels is not None and not options.ignore_labels:
        for conflict in prepared.labels.conflicts:
            problems.append(Problem(None, conflict.column, conflict.source_code,
                                    str(conflict).split(": ", 1)[1] + " (recode it, or --ignore-labels)"))
    shown = {}
    if mapping is not None:
        shown = {b.item: b.column if b.column == b.item else f"{b.column} (item {b.item})"
                 for b in mapping.bindings.values()}
    assert prepared.questionnaire is not None
    problems += validate_against_questionnaire(
        prepared.data, prepared.questionnaire, source=str(path), max_per_rule=max_per_rule,
        value_labels=prepared.value_labels, column_names=shown,
    )
    return ValidationResult(problems, prepared)


def validate_command(*, data: Path, questionnaire: str, map_items: list[str], mapping: Path | None,
                     ignore_labels: bool, max_listed: int) -> ValidationResult:
    """`safer validate`: at most `max_listed` problems listed per column and rule (0 lists all)."""
    return validate_file(data, questionnaire, MappingOptions(tuple(map_items), mapping, ignore_labels),
                         None if max_listed == 0 else max_listed)
