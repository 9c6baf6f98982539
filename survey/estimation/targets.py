"""What to estimate: a `Target` is one value per row (NaN = outside its base), a proportion or a mean.

Indicators become targets through `survey.estimation.indicators`; `--mean` and `--proportion` through the
functions here. Domain columns become integer codes here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.questionnaire.schema import Polarity

TargetKind = Literal["proportion", "mean", "total", "ratio", "quantile"]
"""What a target estimates: `--proportion` and indicators, `--mean`, `--total`, `--ratio`, `--quantile`."""


@dataclass(frozen=True)
class Target:
    """One quantity to estimate; a proportion takes values 0 and 1."""

    name: str
    """Indicator id, `mean:VAR`, `proportion:VAR=VALUE`, `total:VAR`, `ratio:NUM/DEN` or `quantile:VAR=Q`; the
    `indicator` column of the output."""
    values: np.ndarray
    """float64 per row; NaN marks a row outside the base."""
    kind: TargetKind
    """A proportion gets the chosen CI method; a quantile a Woodruff interval; the rest a Wald interval."""
    title: str = ""
    """What is estimated, in words; the `indicator_title` column of the output."""
    survey: str = ""
    """Questionnaire id and version the indicator is defined by (e.g. `bcs 2008/09`); empty for columns."""
    polarity: Polarity | None = None
    """Whether a rise is an improvement (an indicator's polarity from its questionnaire); None if unknown."""
    denominator: np.ndarray | None = None
    """A ratio's denominator per row (NaN outside the base); None for other kinds."""
    probability: float | None = None
    """A quantile's probability (0.5 for the median); None for other kinds."""


def mean_target(data: pd.DataFrame, variable: str, *, source: str = "data") -> Target:
    """The weighted mean of a numeric column; missing values are outside the base."""
    column = _column(data, variable, source)
    numeric = pd.to_numeric(column, errors="coerce")
    bad = numeric.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyInputError(
            f"{source}: column '{variable}' is not numeric at data row {row + 1} (value {column.iloc[row]!r}); "
            "--mean needs a numeric column."
        )
    return Target(f"mean:{variable}", numeric.to_numpy(dtype=np.float64), "mean", title=f"Mean of {variable}")


def total_target(data: pd.DataFrame, variable: str, *, source: str = "data") -> Target:
    """The weighted total of a numeric column (R `svytotal`); missing values are outside the base."""
    values = mean_target(data, variable, source=source).values
    return Target(f"total:{variable}", values, "total", title=f"Total of {variable}")


def ratio_target(data: pd.DataFrame, spec: str, *, source: str = "data") -> Target:
    """The ratio of the weighted totals of two numeric columns, `NUM/DEN` (R `svyratio`); a row missing either
    is outside the base.

    >>> ratio_target(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 2.0]}), "a/b").name
    'ratio:a/b'
    """
    numerator, sep, denominator = spec.partition("/")
    if not sep or not numerator.strip() or not denominator.strip():
        raise SurveyInputError(f"--ratio '{spec}' must look like NUMERATOR/DENOMINATOR (e.g. --ratio "
                               "incidents/adults).")
    numerator, denominator = numerator.strip(), denominator.strip()
    top = mean_target(data, numerator, source=source).values
    bottom = mean_target(data, denominator, source=source).values
    return Target(f"ratio:{numerator}/{denominator}", top, "ratio", title=f"Ratio of {numerator} to {denominator}",
                  denominator=bottom)


def quantile_target(data: pd.DataFrame, spec: str, *, source: str = "data") -> Target:
    """The quantile `VAR=Q` (0 < Q < 1; 0.5 the median) of a numeric column (R `svyquantile`).

    >>> quantile_target(pd.DataFrame({"age": [30.0, 40.0]}), "age=0.5").probability
    0.5
    """
    variable, sep, text = spec.partition("=")
    try:
        probability = float(text)
    except ValueError:
        probability = np.nan
    if not sep or not variable.strip() or not 0 < probability < 1:
        raise SurveyInputError(f"--quantile '{spec}' must look like VARIABLE=Q with 0 < Q < 1 (e.g. --quantile "
                               "age=0.5 for the median).")
    variable = variable.strip()
    values = mean_target(data, variable, source=source).values
    return Target(f"quantile:{variable}={probability:g}", values, "quantile",
                  title=f"Quantile {probability:g} of {variable}", probability=probability)


def proportion_target(
    data: pd.DataFrame,
    variable: str,
    value: str,
    *,
    value_labels: Mapping[Any, str] | None = None,
    source: str = "data",
) -> Target:
    """The proportion of rows whose `variable` equals `value` (as a number, as text, or as a value label)."""
    column = _column(data, variable, source)
    present = column.notna().to_numpy()
    wanted: set[str] = {value}
    if value_labels:
        wanted |= {as_text(code) for code, label in value_labels.items() if str(label) == value}
    hit = _numeric_hits(column, wanted)
    if hit is None:
        # Compare the distinct values as text, not every row.
        codes, uniques = pd.factorize(column, sort=True)
        wanted_codes = [i for i, u in enumerate(uniques) if as_text(u) in wanted]
        hit = np.isin(codes, np.array(wanted_codes, dtype=np.int64))
    if not hit.any() and present.any():
        shown = ", ".join(as_text(u) for u in pd.unique(column.dropna())[:12])
        raise SurveyInputError(
            f"{source}: no row has {variable} = {value!r}; values present include {shown}."
        )
    values = np.where(present, hit.astype(np.float64), np.nan)
    return Target(f"proportion:{variable}={value}", values, "proportion", title=f"Proportion with {variable} = {value}")


def _numeric_hits(column: pd.Series, wanted: set[str]) -> np.ndarray | None:
    """Rows of a numeric column whose text (`as_text`) is one of `wanted`, found by comparing numbers; None
    for other columns.

    A text names at most one number (`as_text` is one-to-one on numbers), the one it parses to when that
    number's text is the text itself: '1' names 1.0 in a float column, '1.0' and '+1' name nothing, as when
    the distinct values were compared as text.
    """
    dtype = column.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "fiu":
        return None
    values = column.to_numpy()
    hit = np.zeros(values.size, dtype=bool)
    limits = None if dtype.kind == "f" else np.iinfo(dtype.str)
    for text in wanted:
        try:
            number: float | int = float(text) if limits is None else int(text)
        except ValueError:
            continue
        if limits is not None and not limits.min <= number <= limits.max:
            continue
        if as_text(dtype.type(number)) == text:
            hit |= values == number
    return hit


def as_text(value: Any) -> str:
    """A data value as the text a user types: 2008.0 as `2008`, everything else as `str`."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _column(data: pd.DataFrame, variable: str, source: str) -> pd.Series:
    if variable not in data.columns:
        raise SurveyInputError(f"{source}: column '{variable}' is not in the data.")
    return data[variable]


def domain_codes(data: pd.DataFrame, column: str, *, source: str = "data") -> tuple[np.ndarray, list[str]]:
    """Integer domain codes (-1 where the value is missing) and the domain labels as text."""
    values = _column(data, column, source)
    if values.notna().sum() == 0:
        raise SurveyInputError(f"{source}: the domain column '{column}' is empty: every value is missing.")
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), [as_text(u) for u in uniques]
