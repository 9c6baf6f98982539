"""Reading CSV, Parquet, SPSS and Stata files: codes, value labels and SPSS user-missing values survive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey.errors import SurveyInputError
from survey.reading.files import read_survey_file
from tests.conftest import sha256

LABELS = {1: "Strongly agree", 2: "Tend to agree", 8: "Don't know", 9: "Refused"}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "confidence": [1.0, 2.0, 8.0, 9.0, np.nan, 1.0],
            "asb_drunk": [1.0, 4.0, 3.0, 2.0, 98.0, 99.0],
            "la": ["E06000001", "E06000002", "E06000001", "E06000003", "E06000002", "E06000001"],
        }
    )


def test_sav_keeps_user_missing_codes_and_value_labels(tmp_path: Path) -> None:
    path = tmp_path / "bcs.sav"
    pyreadstat.write_sav(
        _frame(),
        str(path),
        variable_value_labels={"confidence": LABELS},
        missing_ranges={"confidence": [8, 9], "asb_drunk": [{"lo": 98, "hi": 99}]},
    )
    before = sha256(path)
    survey_file = read_survey_file(path)
    assert survey_file.format == "spss"
    assert survey_file.path == path
    # User-missing codes stay codes (they would be NaN with pyreadstat's default).
    np.testing.assert_array_equal(survey_file.data["confidence"], _frame()["confidence"])
    np.testing.assert_array_equal(survey_file.data["asb_drunk"], _frame()["asb_drunk"])
    assert survey_file.value_labels["confidence"] == LABELS
    assert survey_file.user_missing["confidence"] == [8, 9]
    assert survey_file.user_missing["asb_drunk"] == [(98, 99)]
    assert list(survey_file.data["la"]) == list(_frame()["la"])
    assert sha256(path) == before, "reading must not modify the input"


def test_dta_keeps_codes_and_value_labels(tmp_path: Path) -> None:
    path = tmp_path / "bcs.dta"
    pyreadstat.write_dta(_frame(), str(path), variable_value_labels={"confidence": LABELS})
    before = sha256(path)
    survey_file = read_survey_file(path)
    assert survey_file.format == "stata"
    np.testing.assert_array_equal(survey_file.data["confidence"], _frame()["confidence"])
    assert survey_file.value_labels["confidence"] == LABELS
    assert survey_file.user_missing == {}
    assert sha256(path) == before


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    frame = _frame()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    survey_file = read_survey_file(path)
    assert survey_file.value_labels == {} and survey_file.user_missing == {}
    assert list(survey_file.data.columns) == list(frame.columns)
    np.testing.assert_array_equal(survey_file.data["asb_drunk"].to_numpy(), frame["asb_drunk"].to_numpy())


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SurveyInputError, match=r"absent\.csv does not exist"):
        read_survey_file(tmp_path / "absent.csv")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(SurveyInputError, match="not a file"):
        read_survey_file(folder)


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "data.xls"
    path.write_text("x")
    with pytest.raises(SurveyInputError, match=r"data\.xls.*unsupported extension.*\.sav"):
        read_survey_file(path)


@pytest.mark.parametrize("suffix, fmt", [(".sav", "spss"), (".dta", "stata"), (".parquet", "parquet")])
def test_unparseable_binary_file_is_named(tmp_path: Path, suffix: str, fmt: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"this is plain text, not a data file\n" * 3)
    before = sha256(path)
    with pytest.raises(SurveyInputError, match=rf"broken\{suffix} cannot be read as {fmt}"):
        read_survey_file(path)
    assert sha256(path) == before


def test_empty_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(SurveyInputError, match=r"empty\.csv is empty"):
        read_survey_file(path)


def test_ragged_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n1,2,3,4\n")
    problems = [str(p) for p in read_survey_file(path).problems]
    assert problems == ["data row 2 (1-based, header not counted): 4 fields where the header has 2: an extra "
                        "delimiter or a shifted row"], problems
    with pytest.raises(SurveyInputError, match=r"ragged\.csv: data row 2 .*4 fields"):
        read_survey_file(path).require_sound()
