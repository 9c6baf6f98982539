"""CSV files read through pyarrow give exactly the frame `pandas.read_csv` gives, or pandas reads them.

`survey.reading.files` reads a CSV file with pyarrow when `survey.reading.arrow_csv` finds nothing pyarrow and
pandas would read differently, and with pandas otherwise. Whatever the file, the frame must be the one the
pandas reader gives (column names, dtypes, values, missing values): checked on random files built from the
values where the two parsers disagree, and on files that must take each path.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.reading.arrow_csv import read_csv_with_arrow
from survey.reading.files import read_survey_file

CELLS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.integers(0, 99).map(lambda v: f"+{v}"),
    st.integers(0, 99).map(lambda v: f"00{v}"),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.3f}"),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:.2e}"),
    st.sampled_from(["", "NA", "nan", "NaN", "-nan", "+nan", "null", "None", "N/A", "#N/A", "<NA>", " NA", "n/a",
                     "inf", "-inf", "Infinity", "infinity ", "True", "False", "TRUE", "true", "T", "yes", "1.0",
                     "2.0", " 3", "4 ", "0x1F", "0X2a", "9007199254740993", "9223372036854775808", "1e400",
                     "2008-10-01", "2008-10-01 09:30:00", "10:15", "65+", "16-24", "Male", " Female ",
                     "caf\u00e9", "\u00a0", "1.", ".5", "-0", "-0.0", "+0.5", "+3.0", "1_000", "\t7", "1E5",
                     "5e-324", "1,5", '"a, b"', '"line\nbreak"', '"say ""hi"""', '""', '"7"']),
)


def _text(rows: list[list[str]], names: list[str], crlf: bool) -> str:
    end = "\r\n" if crlf else "\n"
    return end.join([",".join(names), *(",".join(r) for r in rows)]) + end


def _pandas(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), low_memory=False)


def _assert_same(got: pd.DataFrame, want: pd.DataFrame, text: str) -> None:
    assert list(got.columns) == list(want.columns), f"columns: expected {list(want.columns)}, got {list(got.columns)}"
    assert got.dtypes.tolist() == want.dtypes.tolist(), (
        f"dtypes: expected {want.dtypes.tolist()}, got {got.dtypes.tolist()} for\n{text}")
    pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"frame of\n{text}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.lists(CELLS, min_size=k, max_size=k), min_size=1, max_size=8))), st.booleans())
def test_any_file_reads_as_pandas_reads_it(shape: tuple[int, list[list[str]]], crlf: bool) -> None:
    k, rows = shape
    text = _text(rows, [f"c{j}" for j in range(k)], crlf)
    raw = text.encode("utf-8")
    fast = read_csv_with_arrow(raw, [f"c{j}" for j in range(k)])
    if fast is not None:  # pyarrow read every row with the header's fields, so pandas reads the file too
        _assert_same(fast, _pandas(text), text)


def _write(tmp_path: Path, text: str, name: str = "data.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _place_like(n: int = 2_000) -> str:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "la": np.char.add("E0", rng.integers(6000000, 6000350, n).astype(str)),
        "age": rng.choice(["16-24", "25-34", "65+"], n),
        "sex": rng.choice(["Male", "Female"], n),
        "weight": rng.uniform(50, 500, n),
        "ni1": np.where(rng.random(n) < 0.05, np.nan, rng.integers(0, 2, n)),
        "q1": rng.integers(1, 6, n),
        "interviewed": rng.choice(["2008-10-01", "2008-11-15", ""], n),
    })
    return frame.to_csv(index=False)


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("bom", [False, True])
def test_a_typical_survey_file_takes_the_fast_path_and_reads_as_pandas(tmp_path: Path, crlf: bool, bom: bool) -> None:
    text = _place_like()
    if crlf:
        text = text.replace("\n", "\r\n")
    header = text.split("\r\n" if crlf else "\n", 1)[0].split(",")
    assert read_csv_with_arrow(text.encode(), header) is not None, "a plain survey file should be read by pyarrow"
    got = read_survey_file(_write(tmp_path, text, bom=bom))
    assert not got.problems, f"no shape problems expected, got {got.problems}"
    _assert_same(got.data, _pandas(text), "typical file")


@pytest.mark.parametrize(("why", "text"), [
    ("hexadecimal", "a,b\n0x1F,1\n2,3\n"),
    ("plus-signed whole numbers", "a,b\n+3,1\n2,3\n"),
    ("true/false with a blank", "a,b\nTrue,1\n,3\n"),
    ("NaN written as text", "a,b\n+nan,1\n2.5,3\n"),
    ("infinity", "a,b\ninf,1\n2.5,3\n"),
    ("whole numbers beyond int64", "a,b\n9223372036854775808,1\n2,3\n"),
    ("whole numbers beyond 2^53 with a blank", "a,b\n9007199254740993,1\n,3\n"),
    ("a single column", "a\n1\n \n2\n"),
    ("a repeated column name", "a,a\n1,2\n"),
    ("a blank column name", "a,\n1,2\n"),
    ("no data rows", "a,b\n"),
    ("a short row", "a,b\n1,2\n3\n"),
    ("a long row", "a,b\n1,2\n3,4,5\n"),
])
def test_files_pyarrow_might_misread_are_read_by_pandas(tmp_path: Path, why: str, text: str) -> None:
    header = text.split("\n", 1)[0].split(",")
    assert read_csv_with_arrow(text.encode(), header) is None, f"{why}: pyarrow should decline"
    got = read_survey_file(_write(tmp_path, text))
    if got.problems:  # short and long rows are reported, and the frame is rebuilt around them
        return
    _assert_same(got.data, _pandas(text), text)


def test_dates_and_times_are_kept_as_text_as_pandas_keeps_them() -> None:
    text = "when,at,n\n2008-10-01,10:15,1\n,09:00,2\n2009-01-31,,3\n"
    fast = read_csv_with_arrow(text.encode(), ["when", "at", "n"])
    assert fast is not None, "dates alone should not send a file to pandas"
    _assert_same(fast, _pandas(text), text)


def test_a_column_empty_everywhere_is_float_nan_as_in_pandas() -> None:
    text = "a,b,c\n1,,x\n2,,\n"
    fast = read_csv_with_arrow(text.encode(), ["a", "b", "c"])
    assert fast is not None
    _assert_same(fast, _pandas(text), text)
