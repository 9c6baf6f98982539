"""Control totals for calibration: reading the long CSV, validating it, and matching it to the data.

The file has optional group columns (named as in `--by`, e.g. `la`), then `variable, category, total`.
One file serves national calibration (no group columns) and per-group calibration (one block of margins per
group). Categories are matched to the data's values, or to their value labels, compared as text (spaces
trimmed, case ignored), so `1`, `1.0` and a label `Male` can all name the same category.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.weighting.control_checks import GRAND_TOTAL_RTOL, check_margins, group_label, warn_if_shares

FIXED_COLUMNS: tuple[str, ...] = ("variable", "category", "total")


def as_text(value: Any) -> str:
    """A data value as text for matching: 2.0 -> '2'; everything else str() and trimmed."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(value)
    return str(value).strip()


def match_key(text: str) -> str:
    """Text compared when matching categories: trimmed, inner spaces collapsed, case ignored."""
    return re.sub(r"\s+", " ", text.strip()).casefold()


def fold_series(texts: pd.Series) -> pd.Series:
    """`match_key` over a column of text, once per distinct value."""
    text = texts.astype(str)
    codes, uniques = pd.factorize(text)
    folded = np.array([match_key(str(u)) for u in uniques] + [np.nan], dtype=object)  # code -1: missing
    return pd.Series(folded[codes], index=texts.index, name=texts.name, dtype=text.dtype)


@dataclass(frozen=True)
class ControlTotals:
    """Validated control totals: one row per (group..., variable, category) with its total.

    `table` has the group columns, then `variable`, `category` (text) and `total` (float), and `line`, the
    line of the CSV file it came from (header = line 1), for messages.
    """

    table: pd.DataFrame
    group_columns: tuple[str, ...] = ()
    source: str = "control totals"

    @property
    def variables(self) -> tuple[str, ...]:
        """Calibration variables in the order they first appear."""
        return tuple(dict.fromkeys(self.table["variable"]))


def read_control_totals(path: str | Path, by: Sequence[str] = (), tolerance: float = GRAND_TOTAL_RTOL) -> ControlTotals:
    """Read and validate a control-totals CSV; `by` names its group columns (as `--by`); `tolerance` is the
    relative difference allowed between the margins of one group (`--control-tolerance`)."""
    path = Path(path)
    if not path.exists():
        raise SurveyInputError(f"control totals file {path} does not exist.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise SurveyInputError(f"control totals file {path} is empty (no header row).") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SurveyInputError(f"control totals file {path} cannot be read as CSV: {reason}.") from None
    return control_totals_from_frame(frame, by, source=str(path), tolerance=tolerance)


def control_totals_from_frame(
    frame: pd.DataFrame, by: Sequence[str] = (), *, source: str = "control totals", tolerance: float = GRAND_TOTAL_RTOL
) -> ControlTotals:
    """Validate a control-totals table already in memory (same columns as the CSV); see
    `survey.weighting.control_checks` for the margins' agreement (`tolerance`) and the shares warning."""
    by = tuple(by)
    frame = frame.rename(columns=lambda c: str(c).strip())
    expected = (*by, *FIXED_COLUMNS)
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SurveyInputError(
            f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}; the file needs "
            f"{', '.join(expected)}" + (" (group columns as named by --by)" if by else "") + "."
        )
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        hint = " Pass --by for group columns." if not by else ""
        raise SurveyInputError(
            f"{source}: column {extra[0]!r} is neither a --by group column nor one of variable, category, "
            f"total.{hint}"
        )
    if frame.empty:
        raise SurveyInputError(f"{source}: the file has no rows of totals.")
    table = frame[list(expected)].copy()
    table["line"] = np.arange(len(table)) + 2
    for column in (*by, "variable", "category"):
        text = table[column]
        empty = text.isna() | (text.astype(str).str.strip() == "")
        if empty.any():
            line = int(table["line"][empty].iloc[0])
            raise SurveyInputError(f"{source}: line {line}, column '{column}' is empty.")
        table[column] = text.astype(str).str.strip()
    raw_total = table["total"]
    total = pd.to_numeric(raw_total, errors="coerce")
    bad = total.isna() | ~np.isfinite(total) | (total < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyInputError(
            f"{source}: line {int(table['line'].iloc[i])}, column 'total' must be a non-negative number, "
            f"not {raw_total.iloc[i]!r}."
        )
    table["total"] = total.astype(np.float64)

    keys = [*by, "variable", "category"]
    folded = table[keys].apply(fold_series)
    duplicated = folded.duplicated(keep=False)
    if duplicated.any():
        lines = table["line"][duplicated]
        first_position = int(np.flatnonzero(duplicated.to_numpy())[0])
        first = folded.iloc[first_position]
        same = (folded[duplicated] == first).all(axis=1)
        shown = ", ".join(f"{k}={table[k].iloc[first_position]}" for k in keys)
        raise SurveyInputError(
            f"{source}: duplicate rows for {shown} at lines {', '.join(str(v) for v in lines[same].tolist())}; "
            "each (group, variable, category) must appear once."
        )
    table = check_margins(table, by, source, tolerance)
    warn_if_shares(table, by, source)
    return ControlTotals(table=table.reset_index(drop=True), group_columns=by, source=source)


@dataclass(frozen=True)
class MatchedControls:
    """Control totals lined up with the data rows.

    Groups are numbered 0..n_groups-1 in the order of the control file; each variable's levels are its
    categories in the order of first appearance. `totals[v]` is (n_groups, n_levels) (0 where a group lists
    no such category); `level_of_row` is (n_rows, n_variables).
    """

    variables: tuple[str, ...]
    group_columns: tuple[str, ...]
    group_labels: tuple[str, ...]
    group_values: tuple[tuple[str, ...], ...]
    levels: dict[str, list[str]]
    totals: dict[str, np.ndarray]
    group_of_row: np.ndarray
    level_of_row: np.ndarray
    value_map: dict[str, dict[str, int]]
    """Variable (or group column) -> data value text -> level / group."""
    group_map: dict[str, int]
    """Joined group value texts -> group id."""

    @property
    def n_groups(self) -> int:
        return len(self.group_labels)


def text_codes(column: pd.Series, to_text: Callable[[Any], str] = as_text) -> tuple[np.ndarray, list[str]]:
    """Factorise a column: a code per row (-1 where missing) and each distinct value as text (`as_text`).

    Text is made once per distinct value, never once per row. Values equal in Python are one value (in a
    column mixing types, 1, 1.0 and True), as they always were for matching categories.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes.astype(np.int64), [to_text(u) for u in uniques]


def joint_text_codes(
    columns: Sequence[pd.Series], to_text: Callable[[Any], str] = as_text
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Code rows by their combination of values of several columns (`text_codes` of each, combined).

    Returns a code per row (-1 where any of the values is missing) and, for each code, the combination's
    texts. Combinations are numbered in order of first appearance; hashing the combined integer codes keeps
    the work linear in the rows, and re-coding after each column keeps the codes below the number of rows.
    """
    codes, texts = text_codes(columns[0], to_text)
    combos: list[tuple[str, ...]] = [(text,) for text in texts]
    joint = codes
    for column in columns[1:]:
        codes, texts = text_codes(column, to_text)
        present = (joint >= 0) & (codes >= 0)
        combined, uniques = pd.factorize(joint[present] * len(texts) + codes[present], sort=False)
        joint = np.full(codes.size, -1, dtype=np.int64)
        joint[present] = combined
        earlier, latest = np.divmod(np.asarray(uniques, dtype=np.int64), len(texts))
        combos = [(*combos[e], texts[t]) for e, t in zip(earlier.tolist(), latest.tolist(), strict=True)]
    return joint, combos


def _lookup(
    texts: list[str], labels: Mapping[Any, str] | None, wanted: Mapping[str, int]
) -> list[int | None]:
    """For each distinct data value: the index of the wanted category it names, by value or by label."""
    label_of: dict[str, str] = {as_text(k): str(v) for k, v in (labels or {}).items()}
    out: list[int | None] = []
    for text in texts:
        hit = wanted.get(match_key(text))
        if hit is None and text in label_of:
            hit = wanted.get(match_key(label_of[text]))
        out.append(hit)
    return out


def _require_column(data: pd.DataFrame, column: str, role: str, source: str) -> pd.Series:
    if column not in data.columns:
        raise SurveyInputError(
            f"{source}: the {role} '{column}' named in the control totals is not a column of the data."
        )
    values = data[column]
    missing = values.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise SurveyInputError(
            f"{source}: the {role} '{column}' is empty in {int(missing.sum())} row(s), first at data row {row}; "
            "calibration needs a category for every respondent."
        )
    return values


def match_controls(
    data: pd.DataFrame,
    controls: ControlTotals,
    *,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    source: str = "data",
) -> MatchedControls:
    """Line the control totals up with the data, raising SurveyInputError naming the group, variable and
    category when a group or category has respondents but no total, or a positive total but no respondents."""
    value_labels = value_labels or {}
    table = controls.table
    by = controls.group_columns
    variables = controls.variables
    n = len(data)

    # Groups, numbered in control-file order.
    if by:
        folded_groups = fold_series(table[by[0]])
        for column in by[1:]:
            folded_groups = folded_groups + "\x1f" + fold_series(table[column])
        table_group_codes, group_key_texts = pd.factorize(folded_groups, sort=False)
        table_group = table_group_codes.astype(np.int64)
        first_rows = np.unique(table_group, return_index=True)[1]
        raw_groups = table[list(by)].to_numpy(dtype=str)
        group_values = [tuple(raw_groups[i]) for i in first_rows]
        group_ids = {tuple(str(k).split("\x1f")): i for i, k in enumerate(group_key_texts)}
    else:
        table_group = np.zeros(len(table), dtype=np.int64)
        group_values = [()]
        group_ids = {(): 0}
    n_groups = len(group_values)
    group_labels = tuple(group_label(v, by) for v in group_values)

    group_of_row = np.zeros(n, dtype=np.int64)
    group_map: dict[str, int] = {}
    if by:
        columns = [_require_column(data, column, "group column", source) for column in by]
        combo_of_row, combo_texts = joint_text_codes(columns)
        combo_group = np.empty(len(combo_texts), dtype=np.int64)
        for i, combination in enumerate(combo_texts):
            hit = _group_for(list(combination), by, value_labels, group_ids)
            if hit is None:
                count = int(np.count_nonzero(combo_of_row == i))
                raise SurveyInputError(
                    f"{source}: {count} respondent(s) are in group {group_label(combination, by)}, which has no "
                    f"control totals in {controls.source}."
                )
            combo_group[i] = hit
            group_map["\x1f".join(combination)] = hit
        group_of_row = combo_group[combo_of_row]
    rows_per_group = np.bincount(group_of_row, minlength=n_groups)
    empty_groups = np.flatnonzero(rows_per_group == 0)
    if empty_groups.size:
        raise SurveyInputError(
            f"{controls.source}: group {group_labels[empty_groups[0]]} has control totals but no respondents "
            f"in {source}" + (f" ({empty_groups.size} such groups)" if empty_groups.size > 1 else "") + "."
        )

    levels: dict[str, list[str]] = {}
    totals: dict[str, np.ndarray] = {}
    value_map: dict[str, dict[str, int]] = {}
    level_of_row = np.zeros((n, len(variables)), dtype=np.int64)
    for j, variable in enumerate(variables):
        in_variable = (table["variable"] == variable).to_numpy()
        rows = table[in_variable]
        level_codes, level_keys = pd.factorize(fold_series(rows["category"]), sort=False)
        row_level = level_codes.astype(np.int64)
        level_ids = {str(k): i for i, k in enumerate(level_keys)}
        raw_categories = rows["category"].to_numpy(dtype=str)
        names = [str(raw_categories[i]) for i in np.unique(row_level, return_index=True)[1]]
        n_levels = len(names)
        listed = np.zeros((n_groups, n_levels), dtype=bool)
        total = np.zeros((n_groups, n_levels))
        listed[table_group[in_variable], row_level] = True
        total[table_group[in_variable], row_level] = rows["total"].to_numpy()

        codes, texts = text_codes(_require_column(data, variable, "calibration variable", source))
        hits = _lookup(texts, value_labels.get(variable), level_ids)
        unmatched = [i for i, h in enumerate(hits) if h is None]
        if unmatched:
            i = unmatched[0]
            count = int(np.count_nonzero(codes == i))
            groups_hit = np.unique(group_of_row[codes == i])
            raise SurveyInputError(
                f"{source}: {count} respondent(s) have {variable} = {texts[i]!r}, a category with no control "
                f"total (group {group_labels[groups_hit[0]]}); categories listed for '{variable}' are "
                f"{', '.join(names[:12])}{' ...' if n_levels > 12 else ''}."
            )
        value_map[variable] = {text: int(h) for text, h in zip(texts, hits, strict=True) if h is not None}
        level = np.asarray(hits, dtype=np.int64)[codes]
        level_of_row[:, j] = level
        counts = np.bincount(group_of_row * n_levels + level, minlength=n_groups * n_levels).reshape(
            n_groups, n_levels
        )
        no_total = (counts > 0) & ~listed
        if no_total.any():
            g, lvl = np.argwhere(no_total)[0]
            raise SurveyInputError(
                f"{source}: {counts[g, lvl]} respondent(s) in group {group_labels[g]} have {variable} = "
                f"{names[lvl]!r}, but {controls.source} gives no total for that category in that group."
            )
        zero_total = (counts > 0) & (total == 0)
        if zero_total.any():
            g, lvl = np.argwhere(zero_total)[0]
            raise SurveyInputError(
                f"{source}: {counts[g, lvl]} respondent(s) in group {group_labels[g]} have {variable} = "
                f"{names[lvl]!r}, whose control total is 0; their weights cannot be calibrated to zero."
            )
        no_respondents = (counts == 0) & (total > 0)
        if no_respondents.any():
            g, lvl = np.argwhere(no_respondents)[0]
            more = int(no_respondents.sum()) - 1
            raise SurveyInputError(
                f"{controls.source}: group {group_labels[g]}, variable '{variable}', category {names[lvl]!r} has "
                f"a control total of {total[g, lvl]:,.6g} but no respondents in {source}"
                + (f" ({more} more such categories)" if more else "")
                + "; collapse it into a neighbouring category."
            )
        levels[variable] = names
        totals[variable] = total
    return MatchedControls(
        variables=variables,
        group_columns=by,
        group_labels=group_labels,
        group_values=tuple(group_values),
        levels=levels,
        totals=totals,
        group_of_row=group_of_row,
        level_of_row=level_of_row,
        value_map=value_map,
        group_map=group_map,
    )


def _group_for(
    texts: list[str],
    by: Sequence[str],
    value_labels: Mapping[str, Mapping[Any, str]],
    group_ids: Mapping[tuple[str, ...], int],
) -> int | None:
    """The control group a combination of data group values names (each by value or by value label)."""
    options: list[list[str]] = []
    for column, text in zip(by, texts, strict=True):
        labels = {as_text(k): str(v) for k, v in (value_labels.get(column) or {}).items()}
        choices = [match_key(text)]
        if text in labels:
            choices.append(match_key(labels[text]))
        options.append(choices)
    candidates: list[tuple[str, ...]] = [()]
    for choices in options:
        candidates = [(*c, choice) for c in candidates for choice in choices]
    for candidate in candidates:
        if candidate in group_ids:
            return group_ids[candidate]
    return None
