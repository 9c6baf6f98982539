"""Fuzzing the simulation's loaders: a damaged scenario, parameter file or cohort CSV gives
`SimulationInputError` naming the file, never a traceback.

Each gets random bytes, truncation, deep nesting, wrong encodings and (the YAML files) fields of the wrong
type; the cohort file also gets cells of the wrong kind (text in number columns, numbers in flag columns).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import INPUT_COLUMNS, generate_cohort, load_cohort_csv
from simulation.inputs.interventions import load_scenario
from simulation.inputs.params import CALIBRATED_DEFAULTS, load_params
from simulation.runs.runner import cohort_seed
from tests.fuzz_inputs import FUZZ_EXAMPLES, damaged_text, write, wrong_types

SCENARIOS = Path(__file__).resolve().parents[3] / "data" / "examples" / "scenarios"
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SCENARIO_TEXT = (SCENARIOS / "ppo.yaml").read_text(encoding="utf-8")
PARAMS_TEXT = CALIBRATED_DEFAULTS.read_text(encoding="utf-8")
COHORT = generate_cohort("adult", 6, cohort_seed(3)).frame[list(INPUT_COLUMNS["adult"])]
COHORT_TEXT = COHORT.to_csv(index=False)


def expect_input_error(read: Callable[[], Any], path: Path) -> None:
    """`read()` succeeds or raises `SimulationInputError` naming `path`; anything else is a bug."""
    try:
        read()
    except SimulationInputError as exc:
        assert path.name in str(exc), f"the message does not name the file {path.name}: {exc}"


@pytest.fixture(scope="module")
def folder() -> Any:
    directory = Path(tempfile.mkdtemp(prefix="fuzz-sim-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_the_undamaged_files_load() -> None:
    assert load_scenario(SCENARIOS / "ppo.yaml").interventions, "ppo.yaml should load with its intervention"
    folder = Path(tempfile.mkdtemp())
    path = folder / "cohort.csv"
    path.write_text(COHORT_TEXT)
    assert load_cohort_csv(path, "adult").size == len(COHORT)
    shutil.rmtree(folder)


@FUZZ
@given(content=st.one_of(damaged_text(SCENARIO_TEXT), wrong_types(yaml.safe_load(SCENARIO_TEXT))))
def test_scenario_loader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "scenario.yaml", content)
    expect_input_error(lambda: load_scenario(path), path)


@FUZZ
@given(content=st.one_of(damaged_text(PARAMS_TEXT), wrong_types(yaml.safe_load(PARAMS_TEXT))))
def test_params_loader_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "params.yaml", content)
    expect_input_error(lambda: load_params(path), path)


@FUZZ
@given(content=damaged_text(COHORT_TEXT), kind=st.sampled_from(["adult", "youth"]))
def test_cohort_loader_never_crashes_on_damaged_files(folder: Path, content: bytes, kind: str) -> None:
    path = write(folder / "cohort.csv", content)
    expect_input_error(lambda: load_cohort_csv(path, kind), path)  # type: ignore[arg-type]


@FUZZ
@given(column=st.sampled_from(list(INPUT_COLUMNS["adult"])), row=st.integers(0, len(COHORT) - 1),
       value=st.one_of(st.text(max_size=8), st.sampled_from(["inf", "-inf", "nan", "1e400", "", "2.5", "-1"])))
def test_cohort_loader_never_crashes_on_wrong_cells(folder: Path, column: str, row: int, value: str) -> None:
    frame = COHORT.astype(str)
    frame.iloc[row, frame.columns.get_loc(column)] = value
    path = folder / "cells.csv"
    frame.to_csv(path, index=False)
    expect_input_error(lambda: load_cohort_csv(path, "adult"), path)
