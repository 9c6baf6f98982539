"""A small, seeded version of `safer check change-coverage`: 95% intervals for a change cover the true change,
and a change is found significant about 5% of the time when the population did not change.

The full runs (300 redraws, full-size surveys) are recorded in docs/judging.md. Here the surveys are smaller
and there are fewer redraws, sized so that the checks keep their power: with about 1,000 authority intervals,
coverage is known to within about 1.5 points (two standard errors), so SEs 20% too small (coverage near 89%,
what ignoring the calibration or the clustering would give here) fail; and the national BCS SE/SD ratio is
known to within about 15%, so ignoring the BCS clustering (a design effect near 1.6, a ratio near 0.8) fails.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from survey.synthetic.change_coverage import change_coverage_setup, run_change_coverage
from survey.synthetic.population import World, build_world

SEED = 31


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED)


def _summary(world: World, survey: str, drift: float, redraws: int, **size: int) -> pd.DataFrame:
    setup = change_coverage_setup(survey, SEED, drift=drift, world=world, **size)
    return run_change_coverage(setup, redraws)[0].set_index(["indicator", "domain"])


@pytest.fixture(scope="module")
def place_changing(world: World) -> pd.DataFrame:
    return _summary(world, "place", 1.0, 100, n_las=10, returns=600)


@pytest.fixture(scope="module")
def place_still(world: World) -> pd.DataFrame:
    return _summary(world, "place", 0.0, 100, n_las=10, returns=600)


@pytest.fixture(scope="module")
def bcs_changing(world: World) -> pd.DataFrame:
    return _summary(world, "bcs", 1.0, 150, n=8_000)


@pytest.fixture(scope="module")
def bcs_still(world: World) -> pd.DataFrame:
    return _summary(world, "bcs", 0.0, 150, n=8_000)


@pytest.mark.slow
@pytest.mark.parametrize("indicator", ["NI17", "NI21"])
def test_change_by_authority_intervals_cover_the_true_change(place_changing: pd.DataFrame, indicator: str) -> None:
    row = place_changing.loc[(indicator, "la")]
    assert row["intervals"] == 1_000
    assert row["mean_abs_true_change"] > 0.005, "the population must really change for this test to mean much"
    assert 0.93 <= row["coverage"] <= 0.97, f"{indicator} by authority: expected 93-97%, got {row['coverage']:.3f}"
    assert 0.9 < row["se_ratio"] < 1.1, f"SE / SD of the change: expected about 1, got {row['se_ratio']:.3f}"


@pytest.mark.slow
def test_no_change_by_authority_is_rejected_about_five_percent_of_the_time(place_still: pd.DataFrame) -> None:
    row = place_still.loc[("NI17", "la")]
    assert row["mean_abs_true_change"] == 0.0
    assert 0.03 <= row["rejection_rate"] <= 0.07, f"expected 3-7% false positives, got {row['rejection_rate']:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("indicator", ["PSA23_3", "PSA23_4"])
def test_national_bcs_change_intervals_cover_and_carry_the_clustering(bcs_changing: pd.DataFrame,
                                                                      indicator: str) -> None:
    row = bcs_changing.loc[(indicator, "all")]
    assert abs(row["mean_true_change"]) > 0.005
    assert 0.90 <= row["coverage"] <= 0.99, f"{indicator}: expected about 95%, got {row['coverage']:.3f}"
    assert 0.85 < row["se_ratio"] < 1.18, f"{indicator}: SE / SD of the change {row['se_ratio']:.3f}"
    regions = bcs_changing.loc[(indicator, "region")]
    assert 0.93 <= regions["coverage"] <= 0.97, f"{indicator} by region: {regions['coverage']:.3f}"


@pytest.mark.slow
def test_no_national_or_regional_bcs_change_is_rejected_about_five_percent_of_the_time(
    bcs_still: pd.DataFrame,
) -> None:
    regions = bcs_still.loc[("PSA23_4", "region")]
    assert regions["intervals"] == 1_500
    assert 0.03 <= regions["rejection_rate"] <= 0.07, f"expected 3-7%, got {regions['rejection_rate']:.3f}"


def test_check_change_coverage_command_writes_summary_and_detail(tmp_path: Path, runner: CliRunner) -> None:
    out, detail = tmp_path / "cov.csv", tmp_path / "detail.csv"
    result = runner.invoke(app, ["check", "change-coverage", "--survey", "place", "--replicates", "3", "--seed", "5",
                                 "--las", "3", "--returns", "200", "--drift", "0", "--out", str(out),
                                 "--detail", str(detail)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out)
    assert set(summary["domain"]) == {"all", "region", "la"} and (summary["mean_true_change"] == 0).all()
    assert len(pd.read_csv(detail)) > 0
    assert (tmp_path / "cov.csv.meta.json").exists()
