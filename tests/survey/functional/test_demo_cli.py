"""`safer demo`: the main job runs on the bundled examples and writes its tables and summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cli import app
from survey.jobs.demo import DEMO_SURVEYS, examples_dir


def test_bundled_examples_are_small_and_complete() -> None:
    folder = examples_dir()
    for example in DEMO_SURVEYS:
        for name in (example.data_file, example.controls_file, example.truth_file):
            assert (folder / name).exists(), name
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 10 * 2**20


def test_demo_weights_estimates_and_compares_with_truth(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("bcs_estimates_vs_truth.csv", "place_estimates_vs_truth.csv", "demo_tables.xlsx", "summary.md",
                 "demo.meta.json"):
        assert (out / name).exists(), name
    place = pd.read_csv(out / "place_estimates_vs_truth.csv", dtype={"domain_value": str})
    assert set(place["domain"]) == {"all", "region", "la"}
    assert place["domain_value"][place["domain"] == "la"].nunique() == 20
    assert place["true_value"].notna().all()
    # Intervals mostly cover the truth; raking shrinks the error of the age-driven indicators.
    assert place["covered"].mean() > 0.8
    la = place[(place["domain"] == "la") & place["indicator"].isin(["NI17", "NI119", "NI41", "NI42"])]
    assert la["error"].abs().mean() < 0.75 * la["error_unweighted"].abs().mean()
    bcs = pd.read_csv(out / "bcs_estimates_vs_truth.csv", dtype={"domain_value": str})
    national = bcs[bcs["domain"] == "all"].set_index("indicator")
    assert abs(national.loc["PSA23_4", "estimate"] - 0.175) < 0.02
    sheets = pd.read_excel(out / "demo_tables.xlsx", sheet_name=None)
    assert {"Cover", "Contents", "Notes", "Summary", "National", "BCS vs truth", "Place vs truth"} <= set(sheets)
    summary = (out / "summary.md").read_text()
    assert "SYNTHETIC" in summary and "cover the true value" in summary
    meta = json.loads((out / "demo.meta.json").read_text())
    assert meta["command"] == "demo" and len(meta["inputs"]) == 6
    assert "PSA23_4" in result.output
