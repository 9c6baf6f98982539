"""Which values of a `--mean` or `--proportion` column are not answers: missing codes, declared or given.

An indicator's base is the questionnaire's business (its `base_excluded_codes`). A `--mean` or `--proportion`
of a column has no indicator, but the same codes still mean "don't know" or "refused": averaging a 5-point
agreement scale with 8 = don't know counted as 8 moved the Place Survey confidence mean from 3.11 on 725
respondents to 3.66 on 824. So, before a column becomes a target, these values leave its base:

- on a column bound to a questionnaire item, the item's missing codes;
- on any column, the values the file declares user-missing (SPSS missing values and ranges);
- the codes given with `--missing VAR=CODE[,CODE]`.

A column with none of these whose values look like a scale with missing codes beside it (8, 9, 98, 99 or a
negative code next to a few small whole numbers) draws a warning naming `--missing`: it is counted as it is.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError, SurveyWarning

LOOKS_MISSING: frozenset[float] = frozenset({-9.0, -8.0, -7.0, -1.0, 8.0, 9.0, 97.0, 98.0, 99.0, 997.0, 998.0,
                                             999.0})
"""Codes surveys commonly use for don't know, refused and not asked."""
MAX_SCALE_POINTS = 7
"""A 'small scale' has at most this many distinct substantive codes."""


@dataclass(frozen=True)
class BlankedCodes:
    """The values of one column that leave its base, and why."""

    values: tuple[Any, ...] = ()
    """Single values read as blank."""
    ranges: tuple[tuple[float, float], ...] = ()
    """Declared ranges (low, high), inclusive, read as blank."""
    reasons: tuple[str, ...] = ()
    """Where each came from, for the note."""


def parse_missing_options(options: Sequence[str]) -> dict[str, list[Any]]:
    """`--missing VAR=CODE[,CODE]` options as VAR -> codes (numbers where they parse).

    >>> parse_missing_options(["confidence=8,9", "tenure=dk"])
    {'confidence': [8, 9], 'tenure': ['dk']}
    """
    out: dict[str, list[Any]] = {}
    for option in options:
        variable, sep, codes = option.partition("=")
        parts = [c.strip() for c in codes.split(",") if c.strip()]
        if not sep or not variable.strip() or not parts:
            raise SurveyInputError(f"--missing '{option}' must look like VARIABLE=CODE[,CODE...] (e.g. "
                                   "--missing confidence=8,9).")
        out.setdefault(variable.strip(), []).extend(_number_or_text(p) for p in parts)
    return out


def _number_or_text(text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def codes_to_blank(
    variable: str,
    *,
    item_missing: Mapping[Any, str] | None = None,
    declared: Sequence[Any] = (),
    given: Sequence[Any] = (),
) -> BlankedCodes:
    """What leaves the base of `variable`: its item's missing codes (code -> label), the file's declared
    user-missing values (single values or (low, high) ranges), and `--missing` codes."""
    values: list[Any] = []
    ranges: list[tuple[float, float]] = []
    reasons: list[str] = []
    if item_missing:
        values += list(item_missing)
        shown = ", ".join(f"{code} {label}" for code, label in item_missing.items())
        reasons.append(f"the questionnaire's missing codes ({shown})")
    if declared:
        singles = [v for v in declared if not isinstance(v, tuple)]
        spans = [(float(v[0]), float(v[1])) for v in declared if isinstance(v, tuple)]
        values += singles
        ranges += spans
        shown = ", ".join([str(v) for v in singles] + [f"{lo:g} to {hi:g}" for lo, hi in spans])
        reasons.append(f"the file's declared user-missing values ({shown})")
    if given:
        values += list(given)
        reasons.append(f"--missing {variable}={','.join(str(v) for v in given)}")
    return BlankedCodes(tuple(dict.fromkeys(values)), tuple(ranges), tuple(reasons))


def blank_codes(column: pd.Series, blanked: BlankedCodes) -> tuple[pd.Series, int]:
    """The column with the blanked values set to missing, and how many cells were blanked."""
    if not blanked.values and not blanked.ranges:
        return column, 0
    numeric = pd.to_numeric(column, errors="coerce")
    hit = np.zeros(len(column), dtype=bool)
    numbers = [float(v) for v in blanked.values if isinstance(v, int | float) and not isinstance(v, bool)]
    texts = {str(v) for v in blanked.values if not isinstance(v, int | float) or isinstance(v, bool)}
    if numbers:
        hit |= numeric.isin(numbers).to_numpy()
    for low, high in blanked.ranges:
        hit |= ((numeric >= low) & (numeric <= high)).to_numpy(dtype=bool, na_value=False)
    if texts:
        hit |= column.astype("string").str.strip().isin(texts).to_numpy(dtype=bool, na_value=False)
    if not hit.any():
        return column, 0
    numeric_column = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)
    out = column.astype(np.float64) if numeric_column else column.astype(object)
    out = out.mask(hit)
    return out, int(hit.sum())


def looks_missing(column: pd.Series) -> tuple[list[float], list[float]]:
    """(codes that look like missing values, the small scale beside them), or two empty lists.

    >>> looks_missing(pd.Series([1, 2, 3, 4, 5, 8, 8]))
    ([8.0], [1.0, 2.0, 3.0, 4.0, 5.0])
    >>> looks_missing(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    ([], [])
    """
    numeric = pd.to_numeric(column, errors="coerce").dropna()
    distinct = np.unique(numeric.to_numpy(dtype=np.float64))
    if distinct.size == 0 or not np.all(np.mod(distinct, 1) == 0):
        return [], []
    suspects = [float(v) for v in distinct if float(v) in LOOKS_MISSING]
    scale = [float(v) for v in distinct if float(v) not in LOOKS_MISSING]
    if not suspects or not scale or len(scale) > MAX_SCALE_POINTS:
        return [], []
    positive = [v for v in suspects if v > 0]
    # 8 beside 1..7 could be an 8-point scale: a missing code must stand apart from the scale.
    if positive and min(positive) <= max(scale) + 1 and not [v for v in suspects if v < 0]:
        return [], []
    return suspects, scale


def warn_if_looks_missing(column: pd.Series, variable: str, option: str, source: str) -> None:
    """Warn (`SurveyWarning`) when an unbound column's values look like a small scale with missing codes."""
    suspects, scale = looks_missing(column)
    if not suspects:
        return
    codes = ", ".join(f"{v:g}" for v in suspects)
    count = int(pd.to_numeric(column, errors="coerce").isin(suspects).sum())
    warnings.warn(
        f"{source}: {option} {variable}: the column holds {codes} ({count} respondent(s)) beside a scale of "
        f"{scale[0]:g} to {scale[-1]:g}; {'they look' if len(suspects) > 1 else 'it looks'} like a missing code "
        f"(don't know, refused) but {'are' if len(suspects) > 1 else 'is'} counted as a value. If not an answer, "
        f"give --missing {variable}={','.join(f'{v:g}' for v in suspects)} (or bind the column to a questionnaire "
        "item).", SurveyWarning, stacklevel=2)
