"""Fuzzing the recorded-crime readers: a damaged counts, population, groups, targets or indicators file gives
`CrimeInputError` naming the file (or reads), never a traceback.

Each gets random bytes, truncation, a flipped byte, other encodings and deep nesting; the counts also get cells of
the wrong kind, and the indicators file fields of the wrong type. A counts file is read and then checked, as every
command does.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorded_crime.codes.catalogue import BUNDLED, load_catalogue
from recorded_crime.errors import CrimeInputError
from recorded_crime.judging.a20 import read_targets
from recorded_crime.reading.counts import read_counts
from recorded_crime.reading.cube import build_cube
from recorded_crime.reading.groups import read_groups
from recorded_crime.reading.population import read_population
from recorded_crime.reading.validate import check_counts
from tests.fuzz_inputs import FUZZ_EXAMPLES, damaged_text, write, wrong_types

FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COUNTS = "area,period,code,count\n" + "".join(
    f"A{a},{2007 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d},{code},{(a + m) % 7}\n"
    for a in range(2) for m in range(24) for code in ("28A", "45", "4.1"))
POPULATION = "area,year,population\nA0,2007,1000\nA1,2007,2000\nA0,2008,1010\nA1,2008,2020\n"
GROUPS = "area,peer\nA0,A1\nA0,A2\nA1,A0\nA1,A2\nA2,A0\nA2,A1\n"
TARGETS = "indicator,area,target_rate\nPSA23_2,A0,12.5\n"
INDICATORS = BUNDLED.read_text(encoding="utf-8")


def expect_input_error(read: Callable[[], Any], path: Path) -> None:
    try:
        read()
    except CrimeInputError as exc:
        assert path.name in str(exc), f"the message does not name the file {path.name}: {exc}"


def counts_then_checked(path: Path) -> None:
    raw = read_counts(path)
    build_cube(check_counts(raw, load_catalogue()))


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="fuzz-crime-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_the_undamaged_files_read(folder: Path) -> None:
    path = write(folder / "counts.csv", COUNTS.encode())
    counts_then_checked(path)
    assert len(read_population(write(folder / "p.csv", POPULATION.encode())).values) == 4
    assert len(read_groups(write(folder / "g.csv", GROUPS.encode())).members) == 3
    assert read_targets(write(folder / "t.csv", TARGETS.encode())).get("PSA23_2", "A0") == 12.5


@FUZZ
@given(content=damaged_text(COUNTS))
def test_counts_reading_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "counts.csv", content)
    expect_input_error(lambda: counts_then_checked(path), path)


@FUZZ
@given(row=st.integers(0, 143), column=st.sampled_from(["area", "period", "code", "count"]),
       value=st.one_of(st.text(max_size=8), st.sampled_from(["inf", "-inf", "nan", "1e400", "", "2.5", "-1", "4.10",
                                                              "2008Q1", "2008-04-15", "1,234"])))
def test_counts_never_crash_on_wrong_cells(folder: Path, row: int, column: str, value: str) -> None:
    import pandas as pd

    frame = pd.read_csv(pd.io.common.StringIO(COUNTS), dtype=str)
    frame.iloc[row, frame.columns.get_loc(column)] = value
    path = folder / "cells.csv"
    frame.to_csv(path, index=False)
    expect_input_error(lambda: counts_then_checked(path), path)


@FUZZ
@given(content=damaged_text(POPULATION), which=st.sampled_from(["population", "groups", "targets"]))
def test_small_files_never_crash(folder: Path, content: bytes, which: str) -> None:
    path = write(folder / f"{which}.csv", content)
    reader = {"population": read_population, "groups": read_groups, "targets": read_targets}[which]
    expect_input_error(lambda: reader(path), path)


@FUZZ
@given(content=st.one_of(damaged_text(INDICATORS), wrong_types(yaml.safe_load(INDICATORS))))
def test_indicators_file_never_crashes(folder: Path, content: bytes) -> None:
    path = write(folder / "indicators.yaml", content)
    expect_input_error(lambda: load_catalogue(path), path)
