"""A small version of `safer check coverage`: intervals cover about 95%, and weighting removes bias.

The full run (500 replicates) is recorded in docs/coverage.md. Here 25-30 replicates over several
domains give a few hundred interval checks per indicator: enough to fail if the standard errors ignored
the design (clustering or calibration), not so many that the suite slows down.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from survey.synthetic.coverage import CoverageResult, coverage_setup, run_coverage


@pytest.fixture(scope="module")
def place_coverage() -> CoverageResult:
    return run_coverage(coverage_setup("place", 31, n_las=8, returns=1_100), 25, ("logit", "wald"))


@pytest.fixture(scope="module")
def bcs_coverage() -> CoverageResult:
    return run_coverage(coverage_setup("bcs", 31, n=8_000), 30, ("logit",))


def _row(result: CoverageResult, indicator: str, domain: str, method: str = "logit") -> pd.Series:
    summary = result.summary
    rows = summary[(summary["indicator"] == indicator) & (summary["domain"] == domain)
                   & (summary["ci_method"] == method)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("indicator", ["NI17", "NI21", "NI41", "NI119"])
def test_place_authority_intervals_cover_about_95_percent(place_coverage: CoverageResult, indicator: str) -> None:
    row = _row(place_coverage, indicator, "la")
    assert row["n_domains"] == 8 and row["replicates"] == 25
    assert 0.88 <= row["coverage"] <= 0.99
    assert 0.8 < row["se_ratio"] < 1.25  # calibration-aware SEs match the spread of the estimates


@pytest.mark.parametrize("indicator", ["NI17", "NI119", "NI41", "NI42", "NI5"])
def test_unweighted_place_estimates_are_biased_and_weighting_removes_most_of_it(
    place_coverage: CoverageResult, indicator: str
) -> None:
    row = _row(place_coverage, indicator, "la")
    assert row["mean_abs_bias_unweighted"] > 0.01  # more than a percentage point: older, female returns
    assert row["mean_abs_bias_weighted"] < 0.5 * row["mean_abs_bias_unweighted"]


def test_outcome_related_nonresponse_leaves_bias_that_weighting_cannot_remove(
    place_coverage: CoverageResult,
) -> None:
    # The response model favours the civically engaged: volunteering stays overestimated after raking.
    row = _row(place_coverage, "NI6", "la")
    assert row["mean_bias_weighted"] > 0.01
    assert row["coverage"] < 0.85


@pytest.mark.parametrize("indicator", ["PSA23_4", "PSA23_3", "PSA25_drugs"])
def test_bcs_regional_intervals_cover_about_95_percent(bcs_coverage: CoverageResult, indicator: str) -> None:
    row = _row(bcs_coverage, indicator, "region")
    assert 0.88 <= row["coverage"] <= 0.99
    national = _row(bcs_coverage, indicator, "all")
    assert abs(national["mean_bias_weighted"]) < 0.005
    assert 0.75 < national["se_ratio"] < 1.3


def test_clustering_matters_for_ASB_so_srs_intervals_would_be_too_narrow(bcs_coverage: CoverageResult) -> None:
    # The design effect of the ASB scale is well above 1: a simple-random-sampling interval (width / sqrt(deff))
    # would under-cover. The design-based interval's width matches the estimates' real spread instead.
    row = _row(bcs_coverage, "PSA23_4", "all")
    assert row["mean_ci_width"] == pytest.approx(2 * 1.96 * row["sd_estimate"], rel=0.3)


def test_check_coverage_command_writes_summary_and_detail(tmp_path: Path, runner: CliRunner) -> None:
    out, detail = tmp_path / "coverage.csv", tmp_path / "detail.csv"
    result = runner.invoke(app, ["check", "coverage", "--survey", "place", "--replicates", "3", "--seed", "4",
                                 "--las", "2", "--returns", "300", "--ci", "logit", "--out", str(out),
                                 "--detail", str(detail)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out)
    assert set(summary["domain"]) == {"all", "region", "la"}
    assert summary["replicates"].eq(3).all() and len(summary) == 18 * 3
    assert len(pd.read_csv(detail)) > len(summary)
    assert (tmp_path / "coverage.csv.meta.json").exists()
    bad = runner.invoke(app, ["check", "coverage", "--survey", "crime", "--replicates", "3", "--seed", "1",
                              "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2
