"""Cohorts: generation follows the Annex definitions; CSV loading validates and names what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import generate_cohort, load_cohort_csv
from simulation.inputs.vocabulary import ADULT_DISPOSALS, YOUTH_DISPOSALS


def test_adult_cohort_follows_the_annex_definition(small_adult):
    frame = small_adult.frame
    assert (frame["age"] >= 18).all()
    assert frame["disposal"].isin(ADULT_DISPOSALS).all()
    assert frame["start_day"].between(0, 90, inclusive="left").all()  # January to March
    assert (frame["age_first_sanction"] <= frame["age"]).all() and (frame["age_first_sanction"] >= 10).all()
    custody_share = (frame["disposal"] == "custody").mean()
    assert 0.30 < custody_share < 0.40  # 35% by the documented default


def test_youth_start_day_follows_the_annex_rule(small_youth):
    frame = small_youth.frame
    assert frame["age"].between(10, 18, inclusive="left").all()
    assert frame["disposal"].isin(YOUTH_DISPOSALS).all()
    custody = frame["disposal"] == "custody"
    assert custody.any() and (~custody).any()
    assert np.allclose(frame.loc[custody, "start_day"], frame.loc[custody, "release_day"])
    assert np.allclose(frame.loc[~custody, "start_day"], frame.loc[~custody, "sanction_day"])
    assert frame["start_day"].between(0, 90, inclusive="left").all()
    assert (frame.loc[custody, "sanction_day"] < frame.loc[custody, "release_day"]).all()
    assert frame["disposal"].isin(["reprimand", "final_warning"]).mean() > 0.5  # over half pre-court


def test_ppo_flag_goes_to_the_most_prolific(small_adult):
    frame = small_adult.frame
    ppo = frame["ppo"]
    assert ppo.sum() == round(0.02 * len(frame))
    assert frame.loc[ppo, "previous_sanctions"].min() >= frame.loc[~ppo, "previous_sanctions"].max()


def test_generation_is_deterministic_per_seed():
    a = generate_cohort("adult", 500, 3).frame
    assert a.equals(generate_cohort("adult", 500, 3).frame)
    assert not a.equals(generate_cohort("adult", 500, 4).frame)


@pytest.mark.parametrize("kind", ["adult", "youth"])
def test_csv_round_trip(tmp_path, kind):
    cohort = generate_cohort(kind, 200, 11)
    path = tmp_path / "cohort.csv"
    columns = [c for c in cohort.frame.columns if not (kind == "youth" and c == "start_day")]
    cohort.frame[columns].to_csv(path, index=False)
    loaded = load_cohort_csv(path, kind)
    for column in cohort.frame.columns:
        expected, got = cohort.frame[column], loaded.frame[column]
        if expected.dtype.kind == "f":
            assert np.allclose(expected.fillna(-1), got.fillna(-1)), column
        else:
            assert (expected.astype(str) == got.astype(str)).all(), column


def _write_adult(tmp_path, **changes):
    frame = generate_cohort("adult", 8, 5).frame
    for column, (row, value) in changes.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("column", "row", "value", "reason"),
    [
        ("age", 2, 16, "must be a number of years"),
        ("age", 0, "old", "must be a number of years"),
        ("sex", 3, "x", "must be one of"),
        ("disposal", 1, "reprimand", "must be one of"),
        ("start_day", 4, 120, "January-March"),
        ("previous_sanctions", 5, 2.5, "whole number"),
        ("drug_misuse", 6, "maybe", "true/false"),
        ("offender_id", 7, "A0000000", "duplicate"),
    ],
)
def test_bad_cohort_values_name_file_column_line_and_reason(tmp_path, column, row, value, reason):
    path = _write_adult(tmp_path, **{column: (row, value)})
    with pytest.raises(SimulationInputError) as error:
        load_cohort_csv(path, "adult")
    message = str(error.value)
    assert str(path) in message
    assert f"column '{column}'" in message
    assert f"line(s) {row + 2}" in message
    assert reason in message


def test_missing_column_is_named(tmp_path):
    frame = generate_cohort("adult", 5, 5).frame.drop(columns=["ppo"])
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SimulationInputError, match=r"\['ppo'\].*missing"):
        load_cohort_csv(path, "adult")


def test_youth_custody_needs_a_release_day_and_start_day_is_not_accepted(tmp_path):
    frame = generate_cohort("youth", 60, 9).frame
    custody_row = int(np.flatnonzero(frame["disposal"] == "custody")[0])
    path = tmp_path / "y.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SimulationInputError, match="start_day"):
        load_cohort_csv(path, "youth")
    frame = frame.drop(columns=["start_day"])
    frame.loc[custody_row, "release_day"] = np.nan
    frame.to_csv(path, index=False)
    with pytest.raises(SimulationInputError, match=rf"release_day', line\(s\) {custody_row + 2}: required"):
        load_cohort_csv(path, "youth")


def test_empty_and_unreadable_files(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("")
    with pytest.raises(SimulationInputError, match="cohort file is empty"):
        load_cohort_csv(path, "adult")
