"""Category matching without per-row Python gives what matching row by row gave.

`text_codes` and `joint_text_codes` make the text of each distinct value (or combination) once; the
reference here is the row-by-row definition they replaced (`as_text` on every row, joined), and the
weighted-file design rebuild and the nonresponse classes that now use them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import as_text, control_totals_from_frame, fold_series, joint_text_codes, text_codes
from survey.weighting.pipeline import run_weighting
from survey.weighting.spec import validate_weighting_spec
from survey.weighting.steps import nonresponse_adjustment
from survey.weighting.weighted_files import design_from_weighted_file

VALUES = st.one_of(
    # No booleans among numbers: in a mixed column Python's True == 1 makes them one value (see `text_codes`).
    st.sampled_from([1.0, 2.0, 2.5, float("nan"), None, " Male", "Male", "1", 1, "la 1", "x\u00e9"]),
    st.integers(-3, 3),
)


def _row_texts(frame: pd.DataFrame, row: int) -> tuple[str, ...] | None:
    values = [frame[c].iloc[row] for c in frame.columns]
    if any(pd.isna(v) for v in values):
        return None
    return tuple(as_text(v) for v in values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(VALUES, VALUES, VALUES), min_size=1, max_size=40), st.integers(1, 3))
def test_joint_codes_name_each_rows_texts(rows: list[tuple[object, object, object]], n_columns: int) -> None:
    frame = pd.DataFrame({f"c{j}": pd.Series([r[j] for r in rows], dtype=object) for j in range(n_columns)})
    codes, combos = joint_text_codes([frame[c] for c in frame.columns])
    assert codes.shape == (len(frame),)
    for row in range(len(frame)):
        expected = _row_texts(frame, row)
        if expected is None:
            assert codes[row] == -1, f"row {row} has a missing value: expected code -1, got {codes[row]}"
        else:
            assert combos[codes[row]] == expected, f"row {row}: expected {expected}, got {combos[codes[row]]}"
    assert sorted(set(codes[codes >= 0].tolist())) == list(range(len(combos))), "every combination is used"


def test_text_codes_on_typed_columns_match_as_text_per_row() -> None:
    columns = {
        "float": pd.Series([1.0, 2.0, np.nan, 2.5, 1.0]),
        "int": pd.Series([3, 1, 3, 2, 1]),
        "string": pd.Series([" a", "b ", None, "a", "b"], dtype="str"),
        "bool": pd.Series([True, False, True, True, False]),
    }
    for name, column in columns.items():
        codes, texts = text_codes(column)
        got = [texts[c] if c >= 0 else None for c in codes]
        want = [None if pd.isna(v) else as_text(v) for v in column.tolist()]
        assert got == want, f"{name}: expected {want}, got {got}"


def test_joint_codes_stay_below_the_number_of_rows_with_many_wide_columns() -> None:
    """Re-coding after each column keeps codes small where a mixed-radix code would overflow int64."""
    n = 2_000
    rng = np.random.default_rng(4)
    columns = [pd.Series(rng.integers(0, 10**6, n)) for _ in range(6)]
    codes, combos = joint_text_codes(columns)
    assert codes.max() < n and len(combos) == len(set(zip(*(c.tolist() for c in columns), strict=True)))
    row = 1234
    assert combos[codes[row]] == tuple(str(c.iloc[row]) for c in columns)


def test_nonresponse_classes_of_several_columns_equal_labels_joined_row_by_row() -> None:
    rng = np.random.default_rng(0)
    n = 3_000
    frame = pd.DataFrame({"a": rng.choice(["x", "y ", "z"], n), "b": rng.choice([1.0, 2.5, 3.0], n),
                          "c": rng.integers(0, 4, n), "r": rng.integers(0, 2, n)})
    weights = rng.uniform(1, 3, n)
    result = nonresponse_adjustment(frame, weights, "r", ["a", "b", "c"])
    key = frame[["a", "b", "c"]].astype(str).agg(" / ".join, axis=1)
    code, labels = pd.factorize(key, sort=True)
    assert list(result.classes["class"]) == [str(v) for v in labels]
    eligible = np.bincount(code, weights=weights)
    responding = np.bincount(code, weights=weights * (frame["r"] == 1))
    np.testing.assert_array_equal(result.factor, (eligible / responding)[code])


def _two_column_groups() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 800
    frame = pd.DataFrame({"region": rng.choice([1.0, 2.0], n), "la": rng.choice(["A", "B"], n),
                          "sex": rng.choice(["Male", "Female"], n), "y": rng.integers(0, 2, n).astype(float)})
    rows = [(region, la, "sex", sex, 1000.0 + 10 * int(region)) for region in ("1", "2") for la in ("A", "B")
            for sex in ("Male", "Female")]
    return frame, pd.DataFrame(rows, columns=["region", "la", "variable", "category", "total"])


def test_weighted_file_with_two_group_columns_rebuilds_the_same_cells() -> None:
    frame, totals = _two_column_groups()
    spec = validate_weighting_spec({"calibration": {"by": ["region", "la"]}})
    result = run_weighting(frame, spec, control_totals_from_frame(totals, ["region", "la"]))
    meta = json.loads(json.dumps(result.metadata, default=str))
    rebuilt = design_from_weighted_file(result.data, meta).calibrations[0]
    direct = calibrate_to_margins(make_design(frame), control_totals_from_frame(totals, ["region", "la"]),
                                  by=["region", "la"]).calibrations[0]
    np.testing.assert_array_equal(rebuilt.cell_g[rebuilt.cell], direct.cell_g[direct.cell])
    with pytest.raises(SurveyInputError, match="data row 3 is in a group with no calibration"):
        design_from_weighted_file(result.data.assign(la=result.data["la"].where(result.data.index != 2)), meta)


@pytest.mark.parametrize("column", [
    pd.Series([" A  b", "a b", None, "\u00c4\u00a0X", "\u00df", 1.5], dtype=object),
    pd.Series(["x", "y ", None, "x"], dtype="str", name="la", index=[5, 7, 9, 11]),
    pd.Series([1.0, np.nan, 2.0]),
])
def test_fold_series_once_per_distinct_value_equals_folding_every_row(column: pd.Series) -> None:
    every_row = column.astype(str).str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()
    pd.testing.assert_series_equal(fold_series(column), every_row)
