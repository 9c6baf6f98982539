"""The `safer validate` job: every problem of a data file against a questionnaire, and how its items were bound.

Shape problems of the file (short or long rows, repeated column names, no data rows), a questionnaire other than
the one the file's metadata records, value labels that contradict the questionnaire (by text or by meaning) or
that cannot be matched to an indicator's scale, duplicated respondents (a row repeating another in every
column, or a repeated respondent id), and every value that breaks an item's rule are listed together, each
naming its row and column (the file's own column, with the item it feeds when they differ). The label check's
result is summarised whatever it found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.jobs.same_sample import ID_COLUMNS
from survey.reading.prepared import MappingOptions, PreparedData, prepare_survey_file
from survey.reading.recorded import check_questionnaire
from survey.reading.validate import Problem, count_problems, validate_against_questionnaire


@dataclass(frozen=True)
class ValidationResult:
    """The problems found (empty: clean) and the prepared file they were found in."""

    problems: list[Problem]
    """File shape, label conflicts, then item rules; `sum(p.count ...)` is the full count."""
    prepared: PreparedData
    """The file as read and mapped, with the binding of every item."""
    label_summary: str = ""
    """What the value-label check compared and found, in one line."""

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
    assert prepared.questionnaire is not None
    try:
        check_questionnaire(path, prepared.questionnaire)
    except SurveyInputError as exc:
        problems.append(Problem(None, "-", None, str(exc).split(": ", 1)[-1]))
    mapping = prepared.mapping
    if prepared.labels is not None and not options.ignore_labels:
        for conflict in prepared.labels.conflicts:
            problems.append(Problem(None, conflict.column, conflict.source_code,
                                    str(conflict).split(": ", 1)[1] + " (recode it, or --ignore-labels)"))
        for column, labels in prepared.labels.unmatched_scales.items():
            problems.append(Problem(None, column, None, f"value labels {'; '.join(labels[:6])} match no label of the "
                                    "questionnaire's scale by text or meaning, so which way the codes run cannot be "
                                    "checked (recode it in a mapping file, or --ignore-labels)"))
    problems += duplicated_respondents(prepared.file.data, max_per_rule)
    shown = {}
    if mapping is not None:
        shown = {b.item: b.column if b.column == b.item else f"{b.column} (item {b.item})"
                 for b in mapping.bindings.values()}
    problems += validate_against_questionnaire(
        prepared.data, prepared.questionnaire, source=str(path), max_per_rule=max_per_rule,
        value_labels=prepared.value_labels, column_names=shown,
    )
    summary = prepared.labels.summary() if prepared.labels is not None else ""
    if prepared.labels is not None and options.ignore_labels and prepared.labels.refused:
        summary += " --ignore-labels was given: not listed as problems."
    return ValidationResult(problems, prepared, summary)


def validate_command(*, data: Path, questionnaire: str, map_items: list[str], mapping: Path | None,
                     ignore_labels: bool, max_listed: int) -> ValidationResult:
    """`safer validate`: at most `max_listed` problems listed per column and rule (0 lists all)."""
    return validate_file(data, questionnaire, MappingOptions(tuple(map_items), mapping, ignore_labels),
                         None if max_listed == 0 else max_listed)


def duplicated_respondents(data: pd.DataFrame, max_per_rule: int | None) -> list[Problem]:
    """A row that repeats an earlier row in every column, and a respondent id (`survey.jobs.same_sample`) that
    appears more than once: the same respondent counted twice."""
    problems: list[Problem] = []
    repeated = data.duplicated(keep="first").to_numpy()
    if repeated.any():
        first_of = data.reset_index(drop=True).groupby(list(data.columns), dropna=False, sort=False).ngroup()
        firsts = pd.Series(np.arange(len(data))).groupby(first_of.to_numpy()).transform("min").to_numpy()
        rows = np.flatnonzero(repeated)
        listed = rows if max_per_rule is None else rows[:max_per_rule]
        problems += [Problem(int(r) + 1, "-", None, f"duplicated respondent: the row repeats data row "
                             f"{int(firsts[r]) + 1} in every column") for r in listed]
        if rows.size > listed.size:
            problems.append(Problem(None, "-", None, f"{rows.size - listed.size} more row(s) repeat an earlier row in "
                                    "every column", count=rows.size - listed.size))
    names = {str(c).lower(): str(c) for c in data.columns}
    for wanted in ID_COLUMNS:
        column = names.get(wanted)
        if column is None:
            continue
        ids = data[column]
        again = (ids.duplicated(keep="first") & ids.notna() & ~pd.Series(repeated, index=ids.index)).to_numpy()
        rows = np.flatnonzero(again)
        listed = rows if max_per_rule is None else rows[:max_per_rule]
        problems += [Problem(int(r) + 1, column, _plain(ids.iloc[r]), "duplicated respondent id: the id is already "
                             "used by an earlier row") for r in listed]
        if rows.size > listed.size:
            problems.append(Problem(None, column, None, f"{rows.size - listed.size} more repeated respondent id(s)",
                                    count=rows.size - listed.size))
        break
    return problems


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
