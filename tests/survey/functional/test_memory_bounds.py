"""Requests too big for memory are refused before any work (issue 21): `weight --replicates bootstrap:1000000000`
and `check sae --replicates 1000000000` ended in "internal error ... please report it"."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli import app
from survey.errors import SurveyInputError
from survey.memory import check_redraws_fit, check_replicate_weights_fit

ROOT = Path(__file__).resolve().parents[3]


def said(result) -> str:
    return " ".join(result.output.split())


def test_a_billion_bootstrap_replicates_are_refused_before_the_data_are_read(runner, tmp_path):
    out = tmp_path / "weighted.parquet"
    started = time.monotonic()
    result = runner.invoke(app, ["weight", str(ROOT / "data/examples/bcs.parquet"), "--selection-prob",
                                 "selection_probability", "--strata", "stratum", "--psu", "psu", "--controls",
                                 str(ROOT / "data/examples/bcs_controls.csv"), "--by", "region",
                                 "--replicates", "bootstrap:1000000000", "--out", str(out)])
    assert result.exit_code == 2, said(result)
    assert "--replicates 1,000,000,000" in said(result) and "internal error" not in said(result), said(result)
    assert time.monotonic() - started < 60 and not out.exists()


def test_a_billion_redrawn_samples_are_refused_before_the_population_is_built(runner, tmp_path):
    result = runner.invoke(app, ["check", "sae", "--seed", "1", "--replicates", "1000000000",
                                 "--out", str(tmp_path / "check.csv")])
    assert result.exit_code == 2, said(result)
    assert "--replicates 1,000,000,000" in said(result) and "TB of memory" in said(result), said(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_replicate_weights_estimate_counts_rows_and_replicates():
    check_replicate_weights_fit(525_000, 200, available=16 * 2**30)  # 3.1 GB: fits
    with pytest.raises(SurveyInputError, match="for 525,000 rows need about 31.3 GB"):
        check_replicate_weights_fit(525_000, 2_000, available=16 * 2**30)
    with pytest.raises(SurveyInputError, match="fewer"):
        check_redraws_fit(10**9, available=16 * 2**30)
