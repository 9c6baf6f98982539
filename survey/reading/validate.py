"""Check a survey data file against a questionnaire: every problem with its row, column, value and rule.

Row numbers are 1-based data rows as a user counts them in a spreadsheet of the data: the header is
not counted, so data row 1 is the first record (line 2 of a CSV file). The checks are vectorised
(numpy/pandas masks over whole columns), so a 500,000-row file is checked in well under a second per
column; only the listed problems are turned into Python objects. Each (column, rule) lists at most
`max_per_rule` problems and adds one summary problem that carries the count of the rest, so
`sum(p.count for p in problems)` is always the full number of problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.questionnaire.schema import Item, Questionnaire
from survey.reading.coded import coerce_numeric

ROW_CONVENTION = "data rows numbered from 1, header not counted"
DEFAULT_MAX_PER_RULE = 20


@dataclass(frozen=True)
class Problem:
    """One broken rule. `row` is the 1-based data row (None for a whole-column problem).

    `count` is 1 for a listed problem; a summary problem (`row` None, `value` None) stands for `count`
    further rows that broke the same rule in the same column but were not listed.
    """

    row: int | None
    column: str
    value: Any
    rule: str
    count: int = 1

    def __str__(self) -> str:
        value = "" if self.value is None else f", value {self.value!r}"
        if self.row is not None:
            where = f"data row {self.row} (1-based, header not counted)"
            return f"{where}, column '{self.column}'{value}: {self.rule}"
        return f"column '{self.column}'{value}: {self.rule}"


def resolve_item_positions(
    data: pd.DataFrame, questionnaire: Questionnaire
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Item id -> column position found by name alone; plus items matched by more than one column (ambiguous).

    An exact id wins, then the id in another case, then an exact alias in any case
    (`survey.reading.mapping.automatic_matches`). Positions (not labels) so duplicate or non-string column
    labels are safe.
    """
    from survey.reading.mapping import automatic_matches

    found, ambiguous = automatic_matches([str(c) for c in data.columns], questionnaire)
    return {item: position for item, (position, _) in found.items()}, ambiguous


def resolve_item_columns(data: pd.DataFrame, questionnaire: Questionnaire) -> dict[str, str]:
    """Map item id -> the data column holding it (by id, else by alias; case-insensitive).

    Items with no column are left out. Raises SurveyInputError when several columns match one item.
    """
    found, ambiguous = resolve_item_positions(data, questionnaire)
    if ambiguous:
        item_id, cols = next(iter(ambiguous.items()))
        raise SurveyInputError(
            f"item '{item_id}' matches several columns ({', '.join(cols)}); rename or drop all but one"
        )
    columns = [str(c) for c in data.columns]
    return {item_id: columns[pos] for item_id, pos in found.items()}


def _fmt_value(value: Any) -> Any:
    """Plain Python scalar for reporting (numpy scalars print as np.float64(...) otherwise)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _emit(
    problems: list[Problem],
    mask: np.ndarray,
    series: pd.Series,
    column: str,
    rule: str,
    max_per_rule: int | None,
) -> None:
    positions = np.flatnonzero(mask)
    if positions.size == 0:
        return
    listed = positions if max_per_rule is None else positions[:max_per_rule]
    raw = series.iloc[listed].tolist()
    problems.extend(
        Problem(row=int(pos) + 1, column=column, value=_fmt_value(val), rule=rule)
        for pos, val in zip(listed, raw, strict=True)
    )
    rest = positions.size - listed.size
    if rest > 0:
        problems.append(
            Problem(
                row=None,
                column=column,
                value=None,
                rule=f"{rest} more row(s) break the same rule ({rule}); first listed at data row "
                f"{int(positions[listed.size]) + 1}",
                count=rest,
            )
        )


def _codes_text(item: Item) -> str:
    valid = ", ".join(str(c) for c in item.valid_codes)
    missing = ", ".join(str(c) for c in item.missing_codes)
    return f"valid {valid}" + (f"; missing {missing}" if missing else "")


def _label_hint(value_labels: Mapping[str, Mapping[Any, str]] | None, column: str) -> str:
    if not value_labels or column not in value_labels:
        return ""
    return " (the file labels its codes; recode them to the questionnaire's codes)"


def _check_item(
    problems: list[Problem],
    item: Item,
    series: pd.Series,
    column: str,
    max_per_rule: int | None,
    value_labels: Mapping[str, Mapping[Any, str]] | None,
) -> None:
    if item.type == "identifier":
        blank = series.isna().to_numpy(dtype=bool) | (series.astype("string").str.strip() == "").to_numpy(
            dtype=bool, na_value=True
        )
        if not item.blank_allowed:
            _emit(
                problems,
                blank,
                series,
                column,
                f"blank value in item '{item.id}', which must be filled",
                max_per_rule,
            )
        return
    col = coerce_numeric(series)
    kind = "coded" if item.type == "coded" else "numeric"
    _emit(
        problems,
        col.non_numeric,
        series,
        column,
        f"non-numeric value in {kind} item '{item.id}'",
        max_per_rule,
    )
    if not item.blank_allowed:
        _emit(
            problems,
            col.blank,
            series,
            column,
            f"blank value in item '{item.id}', which must be filled",
            max_per_rule,
        )
    present = ~col.blank & ~col.non_numeric
    if item.type == "coded":
        outside = present & ~np.isin(col.values, np.asarray(item.allowed_codes, dtype="float64"))
        rule = f"code not in questionnaire item '{item.id}' ({_codes_text(item)})" + (
            _label_hint(value_labels, item.id) or _label_hint(value_labels, column)
        )
        _emit(problems, outside, series, column, rule, max_per_rule)
        return
    with np.errstate(invalid="ignore"):
        if item.minimum is not None:
            _emit(
                problems,
                present & (col.values < item.minimum),
                series,
                column,
                f"below the minimum {item.minimum:g} of item '{item.id}'",
                max_per_rule,
            )
        if item.maximum is not None:
            _emit(
                problems,
                present & (col.values > item.maximum),
                series,
                column,
                f"above the maximum {item.maximum:g} of item '{item.id}'",
                max_per_rule,
            )
        if item.integer:
            _emit(
                problems,
                present & (np.mod(col.values, 1.0) != 0),
                series,
                column,
                f"not a whole number (item '{item.id}' counts things)",
                max_per_rule,
            )


def validate_against_questionnaire(
    data: pd.DataFrame,
    questionnaire: Questionnaire,
    *,
    source: str | None = None,
    max_per_rule: int | None = DEFAULT_MAX_PER_RULE,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    column_names: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every way `data` breaks `questionnaire`: missing required columns, non-numeric values in coded
    columns, codes outside the item's response and missing codes, blanks where not allowed, numbers
    out of range. An empty list means the file is clean.

    Rows are 1-based data rows (header not counted). `max_per_rule` caps how many problems are listed
    per column and rule (None lists all); the rest are counted in one summary problem per rule.
    `source` (a file name) is used only in messages; `value_labels` (from `read_survey_file`) adds a
    hint when a column carries its own labelled codes. `column_names` maps a column of `data` to the name shown
    in problems (the source column of a mapped item, e.g. `ABANCAR (item asb_cars)`).
    """
    if max_per_rule is not None and max_per_rule < 0:
        raise SurveyInputError(f"max_per_rule must be 0 or more, got {max_per_rule}")
    found, ambiguous = resolve_item_positions(data, questionnaire)
    columns = [str(c) for c in data.columns]
    problems: list[Problem] = []
    in_file = f" in {source}" if source else ""
    for item in questionnaire.items:
        if item.id in ambiguous:
            cols = ambiguous[item.id]
            problems.append(
                Problem(
                    row=None,
                    column=", ".join(cols),
                    value=None,
                    rule=f"several columns{in_file} match item '{item.id}'; keep one",
                )
            )
            continue
        if item.id not in found:
            if item.required:
                names = ", ".join([item.id, *item.aliases])
                problems.append(
                    Problem(
                        row=None,
                        column=item.id,
                        value=None,
                        rule=f"required column missing{in_file}: item '{item.id}' (looked for: {names})",
                    )
                )
            continue
        pos = found[item.id]
        shown = (column_names or {}).get(columns[pos], columns[pos])
        _check_item(problems, item, data.iloc[:, pos], shown, max_per_rule, value_labels)
    return problems


def count_problems(problems: list[Problem]) -> int:
    """Total number of problems, including those only counted in summary rows."""
    return sum(p.count for p in problems)
