"""Fuzzing every survey reader and loader: damaged files give `SurveyInputError` naming the file, never a traceback.

Readers: data files (CSV, Parquet, SPSS, Stata, through `read_survey_file` and the mapped `prepare_survey_file`),
questionnaire, design file, weighting spec, mapping file, control totals, a weighted file's `.meta.json` and its
embedded Parquet metadata. Each gets random bytes, truncation, deep nesting, wrong encodings and (for the YAML
specs) fields of the wrong type. Any exception other than `SurveyInputError` fails the test.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safer_io.sidecars import METADATA_KEY
from survey.design import load_design_spec
from survey.errors import SurveyInputError
from survey.questionnaire.loading import bundled_questionnaire_dir, load_questionnaire
from survey.reading.files import read_survey_file
from survey.reading.mapping import load_mapping
from survey.reading.prepared import MappingOptions, prepare_survey_file
from survey.weighting.controls import read_control_totals
from survey.weighting.spec import load_weighting_spec
from survey.weighting.weighted_files import design_from_weighted_file, find_weighting_metadata
from tests.fuzz_inputs import FUZZ_EXAMPLES, damaged_text, json_values, write, wrong_types

EXAMPLES = Path(__file__).resolve().parents[3] / "data" / "examples"
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

QUESTIONNAIRE_TEXT = (bundled_questionnaire_dir() / "bcs.yaml").read_text(encoding="utf-8")
DESIGN = {"weight": "w", "strata": "stratum", "psu": "psu", "fpc": None, "lonely_psu": "adjust"}
WEIGHTING = {
    "design": {"weight": "w", "strata": "la"},
    "household": {"adults": "n_adults", "cap": 4},
    "calibration": {"controls": "totals.csv", "by": ["la"], "method": "raking", "bounds": [0.3, 3.0]},
    "trimming": {"upper": "5x"},
    "replicates": {"method": "bootstrap", "replicates": 20, "seed": 1},
}
MAPPING = {"questionnaire": "bcs", "missing": [-9],
           "items": {"confidence": "Q1", "asb_cars": {"column": "CARS2", "recode": {1: 4, 4: 1}, "missing": [-1]}}}
CONTROLS_TEXT = "la,variable,category,total\nE1,sex,1,100\nE1,sex,2,110\nE2,sex,1,90\nE2,sex,2,95\n"
SURVEY_CSV = "la,sex,confidence,asb_cars\nE1,1,2,4\nE2,2,8,1\nE1,2,1,3\n"


def expect_input_error(read: Callable[[], Any], path: Path) -> None:
    """`read()` succeeds or raises `SurveyInputError` naming `path`; anything else is a bug."""
    try:
        read()
    except SurveyInputError as exc:
        assert path.name in str(exc), f"the message does not name the file {path.name}: {exc}"


@pytest.fixture(scope="module")
def folder() -> Any:
    directory = Path(tempfile.mkdtemp(prefix="fuzz-survey-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@FUZZ
@given(content=damaged_text(QUESTIONNAIRE_TEXT))
def test_questionnaire_loader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "q.yaml", content)
    expect_input_error(lambda: load_questionnaire(path), path)


@FUZZ
@given(content=st.one_of(damaged_text(yaml.safe_dump(DESIGN)), wrong_types(DESIGN)))
def test_design_file_loader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "design.yaml", content)
    expect_input_error(lambda: load_design_spec(path), path)


@FUZZ
@given(content=st.one_of(damaged_text(yaml.safe_dump(WEIGHTING)), wrong_types(WEIGHTING)))
def test_weighting_spec_loader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "spec.yaml", content)
    expect_input_error(lambda: load_weighting_spec(path), path)


@FUZZ
@given(content=st.one_of(damaged_text(yaml.safe_dump(MAPPING)), wrong_types(MAPPING)))
def test_mapping_file_loader_and_mapping_never_crash(folder: Path, content: bytes) -> None:
    path = write(folder / "mapping.yaml", content)
    data = write(folder / "data.csv", b"Q1,CARS2,sex\n1,2,1\n")
    expect_input_error(lambda: load_mapping(path), path)
    # A mapping that loads may still not fit the data; the message then names the column or item.
    with contextlib.suppress(SurveyInputError):
        prepare_survey_file(data, "bcs", MappingOptions(mapping_file=path))


@FUZZ
@given(content=damaged_text(CONTROLS_TEXT))
def test_control_totals_reader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "totals.csv", content)
    expect_input_error(lambda: read_control_totals(path, ["la"]), path)


@FUZZ
@given(content=damaged_text(SURVEY_CSV), strict=st.booleans())
def test_csv_data_reader_never_crashes(folder: Path, content: bytes, strict: bool) -> None:
    path = write(folder / "survey.csv", content)
    expect_input_error(lambda: prepare_survey_file(path, "bcs", strict=strict), path)


@FUZZ
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".parquet", ".sav", ".dta", ".zsav"]))
def test_binary_data_readers_never_crash(folder: Path, content: bytes, suffix: str) -> None:
    path = write(folder / f"survey{suffix}", content)
    expect_input_error(lambda: read_survey_file(path), path)


def _real_bytes(name: str) -> bytes:
    frame = pd.DataFrame({"sex": [1.0, 2.0, 1.0], "confidence": [1.0, 8.0, 2.0]})
    folder = Path(tempfile.mkdtemp())
    path = folder / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        import pyreadstat

        writer = pyreadstat.write_sav if name.endswith(".sav") else pyreadstat.write_dta
        writer(frame, str(path), variable_value_labels={"sex": {1.0: "Male", 2.0: "Female"}})
    content = path.read_bytes()
    shutil.rmtree(folder)
    return content


REAL_FILES = {name: _real_bytes(name) for name in ("a.parquet", "a.sav", "a.dta")}


@FUZZ
@given(name=st.sampled_from(sorted(REAL_FILES)), data=st.data())
def test_truncated_or_flipped_binary_files_never_crash(folder: Path, name: str, data: st.DataObject) -> None:
    raw = REAL_FILES[name]
    position = data.draw(st.integers(0, len(raw) - 1))
    if data.draw(st.booleans()):
        content = raw[:position]
    else:
        content = raw[:position] + bytes([data.draw(st.integers(0, 255))]) + raw[position + 1:]
    path = write(folder / f"survey{Path(name).suffix}", content)
    expect_input_error(lambda: prepare_survey_file(path, "bcs"), path)


# Single-byte damage that fuzzing found to kill the reading process inside ReadStat: a segmentation fault in
# `read_sav` and an allocation the size of the machine in `read_dta` (pyreadstat 1.3). Both must become messages.
READSTAT_CRASHERS = [("a.sav", 180, 0x01), ("a.dta", 84, 0x7F)]


@pytest.mark.parametrize(("name", "position", "byte"), READSTAT_CRASHERS)
def test_damage_that_crashes_readstat_is_a_message_not_a_dead_process(folder: Path, name: str, position: int,
                                                                      byte: int) -> None:
    raw = REAL_FILES[name]
    path = write(folder / f"damaged{Path(name).suffix}", raw[:position] + bytes([byte]) + raw[position + 1:])
    with pytest.raises(SurveyInputError, match="damaged"):
        read_survey_file(path)


def test_an_undamaged_spss_file_reads_with_its_labels_through_the_child_process(folder: Path) -> None:
    path = write(folder / "intact.sav", REAL_FILES["a.sav"])
    survey_file = read_survey_file(path)
    assert survey_file.data["confidence"].tolist() == [1.0, 8.0, 2.0]
    assert survey_file.value_labels["sex"] == {1: "Male", 2: "Female"}


def _weighted_meta() -> dict[str, Any]:
    return {
        "weighting": {
            "columns": {"weight": "weight", "weight_design": "weight_design"},
            "design": {"strata": None, "psu": None, "fpc": None, "lonely_psu": "fail"},
            "calibration": {
                "method": "raking", "bounds": None, "variables": ["sex"], "group_columns": [],
                "groups": [{"group": "all"}], "levels": {"sex": ["1", "2"]}, "value_map": {"sex": {"1": 0, "2": 1}},
                "group_map": {}, "cells": {"group": [0, 0], "levels": [[0], [1]], "g": [1.1, 0.9]},
            },
            "replicates": None,
        }
    }


WEIGHTED_ROWS = pd.DataFrame({"sex": [1, 2, 1, 2], "weight_design": [1.0, 2.0, 1.0, 2.0],
                              "weight": [1.1, 1.8, 1.1, 1.8], "y": [0, 1, 1, 0]})


def test_the_valid_weighted_metadata_is_accepted() -> None:
    design = design_from_weighted_file(WEIGHTED_ROWS, _weighted_meta())
    assert design.is_calibrated, "the hand-made metadata should rebuild a calibrated design"


@FUZZ
@given(content=st.one_of(damaged_text(json.dumps(_weighted_meta())),
                         wrong_types(_weighted_meta()).map(lambda b: json.dumps(yaml.safe_load(b)).encode())))
def test_meta_json_of_a_weighted_file_never_crashes(folder: Path, content: bytes) -> None:
    data_path = folder / "weighted.csv"
    WEIGHTED_ROWS.to_csv(data_path, index=False)
    meta_path = write(folder / "weighted.csv.meta.json", content)

    def read() -> None:
        found = find_weighting_metadata(data_path, WEIGHTED_ROWS)
        if found is not None:
            design_from_weighted_file(WEIGHTED_ROWS, found.metadata, source=str(data_path))

    try:
        read()
    except SurveyInputError as exc:
        assert meta_path.name in str(exc) or data_path.name in str(exc), str(exc)


@FUZZ
@given(value=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_embedded_parquet_metadata_never_crashes(folder: Path, value: bytes) -> None:
    path = folder / "weighted.parquet"
    table = pa.Table.from_pandas(WEIGHTED_ROWS, preserve_index=False)
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: value}), path)
    data = pd.read_parquet(path)

    def read() -> None:
        found = find_weighting_metadata(path, data)
        if found is not None:
            design_from_weighted_file(data, found.metadata, source=str(path))

    expect_input_error(read, path)


@FUZZ
@given(recode=st.dictionaries(st.integers(-9, 9) | st.text(max_size=3), st.integers(-9, 9), max_size=5),
       values=st.lists(st.one_of(st.integers(-9, 9), st.text(max_size=3), st.none()), min_size=1, max_size=20))
def test_recodes_apply_to_any_column_without_crashing(folder: Path, recode: dict[Any, int], values: list[Any]) -> None:
    mapping = folder / "recode.yaml"
    mapping.write_text(yaml.safe_dump({"items": {"confidence": {"column": "Q", "recode": recode}}}))
    data = folder / "recode.csv"
    pd.DataFrame({"Q": values}).to_csv(data, index=False)
    try:
        prepared = prepare_survey_file(data, "bcs", MappingOptions(mapping_file=mapping))
    except SurveyInputError as exc:
        assert "recode" in str(exc) or data.name in str(exc) or mapping.name in str(exc), str(exc)
        return
    column = prepared.data["confidence"]
    numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    source = pd.to_numeric(pd.read_csv(data)["Q"], errors="coerce").to_numpy(dtype=np.float64)
    for code, target in recode.items():
        if isinstance(code, int):
            hit = source == code
            assert np.all(numeric[hit] == target), f"code {code} should read as {target}: {numeric[hit]}"
