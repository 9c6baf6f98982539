"""`--proportion VAR=VALUE` on a numeric column compares numbers, and finds exactly the rows that comparing
each distinct value's text with VALUE finds (the definition; it factorised the column, which cost most of the
time of a 10-proportion estimate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import SurveyInputError
from survey.estimation.targets import as_text, proportion_target

VALUES = ["0", "1", "-0", "2.5", "2.50", "inf", "nan", "1e16", "10000000000000000", "3", "3.0", "+1", " 1", "a",
          "-3", "300", "99999999999999999999", "0.1"]
FLOATS = [0.0, 1.0, -0.0, 2.5, np.nan, np.inf, 1e16, 3.0, 0.1, 0.30000000000000004]


def _by_text(column: pd.Series, value: str) -> np.ndarray:
    codes, uniques = pd.factorize(column, sort=True)
    named = [i for i, u in enumerate(uniques) if as_text(u) == value]
    return np.where(column.notna().to_numpy(), np.isin(codes, named).astype(np.float64), np.nan)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["float64", "int64", "uint64", "int8", "str", "object"]),
       st.lists(st.integers(0, len(FLOATS) - 1), min_size=1, max_size=30), st.sampled_from(VALUES))
def test_numeric_columns_match_as_their_text_matches(dtype: str, picks: list[int], value: str) -> None:
    raw = [FLOATS[i] for i in picks]
    if dtype in ("int64", "uint64", "int8"):
        column = pd.Series([int(abs(v)) % 100 if np.isfinite(v) else 7 for v in raw], dtype=dtype)
    elif dtype in ("str", "object"):
        column = pd.Series([None if v != v else as_text(v) for v in raw], dtype=dtype)
    else:
        column = pd.Series(raw, dtype=dtype)
    want = _by_text(column, value)
    frame = pd.DataFrame({"x": column})
    if not np.nansum(want) and column.notna().any():
        with pytest.raises(SurveyInputError, match="no row has x"):
            proportion_target(frame, "x", value)
        return
    got = proportion_target(frame, "x", value).values
    assert np.array_equal(got, want, equal_nan=True), f"{dtype} {list(column)} = {value!r}: expected {want}, got {got}"


def test_a_value_label_names_its_code_in_a_float_column() -> None:
    frame = pd.DataFrame({"sex": [1.0, 2.0, 2.0, np.nan]})
    got = proportion_target(frame, "sex", "Female", value_labels={1: "Male", 2: "Female"}).values
    assert np.array_equal(got, [0.0, 1.0, 1.0, np.nan], equal_nan=True), f"got {got}"
