"""Dates are parsed strictly (issue 21): a target date of 2012-02-30 ended in "internal error ... please report
it"; it is bad input, named with its file, line and column, exit code 2."""

from __future__ import annotations

from pathlib import Path

from cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_an_impossible_target_date_is_bad_input_not_an_internal_error(runner, tmp_path):
    spec = (ROOT / "data/examples/targets/confidence.yaml").read_text(encoding="utf-8")
    assert "by: 2012-03-31" in spec
    bad = tmp_path / "targets.yaml"
    bad.write_text(spec.replace("by: 2012-03-31", "by: 2012-02-30"), encoding="utf-8")
    result = runner.invoke(app, ["targets", str(ROOT / "data/examples/bcs.parquet"), "--targets", str(bad),
                                 "--weight", "design_weight", "--strata", "stratum", "--psu", "psu",
                                 "--date-col", "interview_date", "--out", str(tmp_path / "t.csv")])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, f"expected exit code 2, found {result.exit_code}: {output}"
    assert "internal error" not in output, output
    assert "'2012-02-30' is not a real date" in output and "targets.yaml" in output and "line" in output, output
    assert not (tmp_path / "t.csv").exists()


def test_an_impossible_window_date_is_refused(runner, tmp_path):
    result = runner.invoke(app, ["estimate", str(ROOT / "data/examples/bcs.parquet"), "-q", "bcs", "--indicator",
                                 "PSA23_4", "--weight", "design_weight", "--date-col", "interview_date",
                                 "--window", "2008-04-01:2009-02-30", "--out", str(tmp_path / "e.csv")])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "not a real date" in output, output
