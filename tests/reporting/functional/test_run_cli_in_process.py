"""`safer run`: a whole job in one process, later steps taking earlier outputs from memory, same numbers as
running the commands one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import survey.reading.files
from cli import app, bundled_jobs_dir

EXAMPLES = bundled_jobs_dir().parent


def job_file(tmp_path: Path, steps: list[dict[str, object]]) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump({"job": "test job", "steps": steps}))
    return path


WEIGHT = {"name": "weighted", "command": "weight", "options": {
    "data": "{examples}/place.parquet", "controls": "{examples}/place_controls.csv", "by": ["la"],
    "weight": "design_weight", "strata": "la", "out": "weighted.parquet"}}
ESTIMATE = {"name": "estimates", "command": "estimate", "options": {
    "data": "@weighted", "questionnaire": "place", "indicator": ["NI17", "NI21"], "by": ["la"], "out": "est.csv"}}
REPORT = {"name": "report", "command": "report", "options": {"results": ["@estimates"], "out": "report.html"}}


@pytest.mark.parametrize("name", ["council", "home-office", "demo", "community-safety"])
def test_bundled_jobs_validate(runner: CliRunner, tmp_path: Path, name: str) -> None:
    result = runner.invoke(app, ["run", name, "--dir", str(tmp_path), "--check"])
    assert result.exit_code == 0, result.output
    assert "all valid" in " ".join(result.output.split()), result.output
    assert not list(tmp_path.iterdir()), "--check writes nothing"


def test_later_steps_use_earlier_outputs_from_memory(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    weighted = (tmp_path / "weighted.parquet").resolve()
    real_read = pd.read_parquet

    def read_inputs_only(path: str | Path, *args: object, **kwargs: object) -> pd.DataFrame:
        assert Path(path).resolve() != weighted, "the estimate step read the weighted file back from disk"
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(survey.reading.files.pd, "read_parquet", read_inputs_only)
    result = runner.invoke(app, ["run", str(job_file(tmp_path, [WEIGHT, ESTIMATE, REPORT])), "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("weighted.parquet", "weighted.parquet.meta.json", "est.csv", "est.csv.meta.json", "report.html"):
        assert (tmp_path / name).exists(), f"{name}: the files the user asked for are still written"
    # The weighted rows (weight -> estimate) and the estimate table (estimate -> report).
    assert "2 reads of earlier steps' outputs came from memory" in result.output


def test_a_job_gives_the_same_numbers_and_provenance_as_separate_commands(runner: CliRunner, tmp_path: Path) -> None:
    in_job = tmp_path / "job"
    result = runner.invoke(app, ["run", str(job_file(tmp_path, [WEIGHT, ESTIMATE])), "--dir", str(in_job)])
    assert result.exit_code == 0, result.output
    apart = tmp_path / "apart"
    apart.mkdir()
    for args in (["weight", str(EXAMPLES / "place.parquet"), "--controls", str(EXAMPLES / "place_controls.csv"),
                  "--by", "la", "--weight", "design_weight", "--strata", "la", "--out", str(apart / "w.parquet")],
                 ["estimate", str(apart / "w.parquet"), "--questionnaire", "place", "--indicator", "NI17",
                  "--indicator", "NI21", "--by", "la", "--out", str(apart / "est.csv")]):
        step = runner.invoke(app, args)
        assert step.exit_code == 0, step.output
    job_table = pd.read_csv(in_job / "est.csv", dtype={"domain_value": str})
    apart_table = pd.read_csv(apart / "est.csv", dtype={"domain_value": str})
    pd.testing.assert_frame_equal(job_table, apart_table, check_exact=False, rtol=1e-12)
    job_meta = json.loads((in_job / "est.csv.meta.json").read_text())
    weighted_hash = json.loads((in_job / "weighted.parquet.meta.json").read_text())["output"]["sha256"]
    assert job_meta["inputs"][str(in_job / "weighted.parquet")] == weighted_hash, "the hash recorded in memory"
    apart_meta = json.loads((apart / "est.csv.meta.json").read_text())
    assert len(job_meta["inputs"]) == len(apart_meta["inputs"])
    differs = {k for k in job_meta["design"] if job_meta["design"][k] != apart_meta["design"][k]}
    assert differs <= {"from"}, f"the design read in the job differs from the one read apart in {differs}"


def test_a_relative_working_folder_holds_every_output(runner: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(job_file(tmp_path, [WEIGHT, ESTIMATE])), "--dir", "out"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "weighted.parquet").exists() and (tmp_path / "out" / "est.csv").exists()


def test_a_failing_step_stops_the_job_with_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = {**ESTIMATE, "options": {**ESTIMATE["options"], "indicator": ["NI999"]}}  # type: ignore[dict-item]
    result = runner.invoke(app, ["run", str(job_file(tmp_path, [WEIGHT, bad, REPORT])), "--dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "NI999" in result.output and "job stopped" in result.output
    assert not (tmp_path / "report.html").exists(), "steps after the failure do not run"


def test_an_invalid_job_runs_nothing(runner: CliRunner, tmp_path: Path) -> None:
    bad = {**REPORT, "options": {**REPORT["options"], "colour": "red"}}  # type: ignore[dict-item]
    result = runner.invoke(app, ["run", str(job_file(tmp_path, [WEIGHT, ESTIMATE, bad])), "--dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "'colour' is not an option of safer report" in result.output
    assert not (tmp_path / "weighted.parquet").exists(), "the job is checked whole before the first step runs"


def test_an_unknown_job_name_lists_the_bundled_jobs(runner: CliRunner) -> None:
    result = runner.invoke(app, ["run", "nonesuch"])
    assert result.exit_code == 2
    assert "council" in result.output and "home-office" in result.output


def test_a_folder_named_like_a_bundled_job_does_not_hide_it(runner: CliRunner, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # `safer run council --dir council` is natural; the output folder must not be taken for the job file.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "council").mkdir()
    result = runner.invoke(app, ["run", "council", "--check"])
    assert result.exit_code == 0, result.output
    assert "all valid" in " ".join(result.output.split()), result.output
