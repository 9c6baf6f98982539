"""Several files stacked as independent samples must be different samples.

Two files are stacked with their strata kept apart, so the design treats them as independent: a change between
a file and a copy of it comes out 0.0 with a confident SE, and a year stacked twice halves every SE. So, before
stacking:

- files with the same bytes (SHA-256) are refused;
- files holding the same respondents are refused: the same respondent ids (a column such as `respondent_id`)
  with the same answers in every column both files share (weights aside, so a weighted copy of a file is caught),
  or, without an id column, the same rows;
- files of one survey whose interview dates overlap draw a warning: stacking is for consecutive years, and
  overlapping fieldwork usually means a file is in twice (a glob that caught a weighted copy).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from safer_io.hashing import sha256_of_file
from survey.errors import SurveyInputError, SurveyWarning

ID_COLUMNS: tuple[str, ...] = ("respondent_id", "respondent", "serial", "caseid", "case_id", "respid", "resp_id",
                               "id")
"""Column names read as a respondent identifier (compared without regard to case)."""
DATE_COLUMNS: tuple[str, ...] = ("interview_date", "date_of_interview", "intdate")
"""Interview date columns looked for when no --date-col is given."""
SAME_ANSWERS = 0.99
"""Share of respondents, matched by id, whose shared answers agree for two files to be the same sample."""


def id_column(frame: pd.DataFrame) -> str | None:
    """The respondent id column of a file, by name, when its values are unique; else None.

    >>> id_column(pd.DataFrame({"Serial": [3, 1, 2], "y": [1, 1, 1]}))
    'Serial'
    """
    names = {str(c).lower(): str(c) for c in frame.columns}
    for wanted in ID_COLUMNS:
        column = names.get(wanted)
        if column is not None and frame[column].notna().all() and frame[column].is_unique:
            return column
    return None


def _answers(frame: pd.DataFrame, shared: list[str]) -> pd.DataFrame:
    return frame[shared].astype("string").fillna("\x00")


def same_respondents(first: pd.DataFrame, second: pd.DataFrame, weights: frozenset[str] = frozenset()) -> str | None:
    """How two files are one sample ('the same respondent ids with the same answers'), or None. Columns in
    `weights`, and any whose name says weight, are not answers: a re-weighted copy is the same sample."""
    first_id, second_id = id_column(first), id_column(second)
    shared = [c for c in first.columns if c in second.columns and "weight" not in str(c).lower()
              and str(c) not in weights and c not in (first_id, second_id)]
    if first_id is not None and second_id is not None and first_id == second_id:
        ids_a, ids_b = first[first_id].astype("string"), second[second_id].astype("string")
        if len(first) != len(second) or set(ids_a) != set(ids_b):
            return None
        if not shared:
            return f"the same {len(first)} respondent ids ('{first_id}')"
        a = _answers(first, shared).set_index(ids_a.to_numpy())
        b = _answers(second, shared).set_index(ids_b.to_numpy()).loc[a.index]
        agree = float((a.to_numpy() == b.to_numpy()).all(axis=1).mean())
        if agree >= SAME_ANSWERS:
            return (f"the same {len(first)} respondent ids ('{first_id}') with the same answers in "
                    f"{len(shared)} shared column(s)")
        return None
    enough = len(first) == len(second) and shared and len(shared) >= min(len(first.columns), len(second.columns)) // 2
    if enough and (_answers(first, shared).to_numpy() == _answers(second, shared).to_numpy()).all():
        return f"the same {len(first)} rows in {len(shared)} shared column(s)"
    return None


def refuse_same_samples(paths: Sequence[Path], frames: Sequence[pd.DataFrame],
                        weights: frozenset[str] = frozenset()) -> None:
    """Refuse two files that are one sample (same bytes, or the same respondents; `weights` are the weight
    columns of their designs, not compared)."""
    digests = [sha256_of_file(Path(p)) if Path(p).exists() else None for p in paths]
    for i in range(len(paths)):
        for j in range(i + 1, len(paths)):
            same_bytes = digests[i] is not None and digests[i] == digests[j]
            why = "the same bytes (SHA-256)" if same_bytes else same_respondents(frames[i], frames[j], weights)
            if why is not None:
                raise SurveyInputError(
                    f"{paths[i]} and {paths[j]} hold one sample ({why}); stacked, they would be treated as two "
                    "independent samples, so a change between them would be 0 with a confident SE and every SE "
                    "would shrink. Give two different samples (e.g. two survey years)."
                )


def warn_overlapping_dates(paths: Sequence[Path], frames: Sequence[pd.DataFrame], date_column: str | None) -> None:
    """Warn when two stacked files' interview dates overlap."""
    spans = []
    for frame in frames:
        column = date_column if date_column in frame.columns else next(
            (c for c in DATE_COLUMNS if c in frame.columns), None)
        if column is None:
            return
        dates = pd.to_datetime(frame[column].astype("string"), errors="coerce", format="ISO8601").dropna()
        if dates.empty:
            return
        spans.append((dates.min(), dates.max()))
    for i in range(len(spans)):
        for j in range(i + 1, len(spans)):
            (a0, a1), (b0, b1) = spans[i], spans[j]
            if a0 <= b1 and b0 <= a1:
                warnings.warn(
                    f"{paths[i]} ({a0.date()} to {a1.date()}) and {paths[j]} ({b0.date()} to {b1.date()}) overlap in "
                    "interview dates; stacking is for consecutive years, and overlapping fieldwork usually means "
                    "one survey is in twice (a file and its weighted copy caught by one glob?).",
                    SurveyWarning, stacklevel=2)

