"""A questionnaire column read as numeric codes, with blanks and non-numeric entries told apart.

Both the validator and the mapping's recodes read columns this way, so it stands on its own below both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CodedColumn:
    """A column read as numbers: `values` (float64, NaN where blank or non-numeric) and the two masks."""

    values: np.ndarray
    blank: np.ndarray
    non_numeric: np.ndarray


def coerce_numeric(series: pd.Series) -> CodedColumn:
    """Read a column as numbers without a Python loop over rows.

    Blank means missing or an empty/whitespace string; non-numeric means present but not a number.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        blank = np.isnan(values)
        return CodedColumn(values=values, blank=blank, non_numeric=np.zeros(len(values), dtype=bool))
    text = series.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
    parsed = pd.to_numeric(text.where(~blank), errors="coerce")
    values = parsed.to_numpy(dtype="float64", na_value=np.nan)
    non_numeric = ~blank & np.isnan(values)
    return CodedColumn(values=values, blank=blank, non_numeric=non_numeric)
