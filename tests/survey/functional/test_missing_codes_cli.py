"""`--mean` and `--proportion` honour missing codes (issue 20, part 1).

Before: `safer estimate pw.parquet -q place --mean confidence` counted "don't know" (code 8) as a value (3.66 on
824 respondents instead of 3.11 on 725); `--proportion confidence=1` had the same base error; a `.sav` file with
8 declared user-missing gave 3.64; and an unbound column with codes 8 beside a 1-5 scale passed without a word.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app


def place_like(n: int = 600, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    confidence = rng.choice([1, 2, 3, 4, 5, 8], size=n, p=[0.1, 0.25, 0.25, 0.15, 0.1, 0.15])
    return pd.DataFrame({"w": rng.uniform(1, 4, n), "confidence": confidence, "rating": confidence})


def weighted_mean(frame: pd.DataFrame, column: str) -> float:
    keep = frame[column] != 8
    return float(np.average(frame.loc[keep, column], weights=frame.loc[keep, "w"]))


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


def test_mean_and_proportion_of_a_bound_item_leave_its_missing_codes_out(runner: CliRunner, tmp_path: Path) -> None:
    data = place_like()
    path = tmp_path / "pw.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", str(path), "-q", "place", "--weight", "w", "--mean", "confidence",
                                "--proportion", "confidence=1", "--out", str(out)])
    assert code == 0, output
    table = pd.read_csv(out).set_index("indicator")
    answered = int((data["confidence"] != 8).sum())
    mean = table.loc["mean:confidence"]
    assert mean["n_unweighted"] == answered, f"base: expected {answered} answers, found {mean['n_unweighted']}"
    assert mean["estimate"] == pytest.approx(weighted_mean(data, "confidence"), rel=1e-12)
    share = table.loc["proportion:confidence=1"]
    assert share["n_unweighted"] == answered, "--proportion on the item has the same base"
    meta = json.loads((tmp_path / "est.csv.meta.json").read_text())
    assert any("missing codes (8 Don't know)" in note for note in meta["notes"]), meta["notes"]


def test_a_sav_files_declared_user_missing_leave_the_base(runner: CliRunner, tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    data = place_like()
    path = tmp_path / "pw.sav"
    pyreadstat.write_sav(data, str(path), missing_ranges={"rating": [8]})
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", str(path), "--weight", "w", "--mean", "rating", "--out", str(out)])
    assert code == 0, output
    row = pd.read_csv(out).iloc[0]
    assert row["estimate"] == pytest.approx(weighted_mean(data, "rating"), rel=1e-12), (
        f"declared user-missing 8 counted as a value: {row['estimate']}")


def test_an_unbound_column_with_missing_looking_codes_warns_and_names_the_option(runner: CliRunner,
                                                                                 tmp_path: Path) -> None:
    data = place_like()
    path = tmp_path / "pw.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "est.csv"
    result = runner.invoke(app, ["estimate", str(path), "--weight", "w", "--mean", "rating", "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "warning:" in said and "--missing rating=8" in said, f"expected a warning naming --missing: {said}"
    meta = json.loads((tmp_path / "est.csv.meta.json").read_text())
    assert any("--missing rating=8" in w for w in meta["warnings"]), "the warning is recorded in the output"
    code, output = run(runner, ["estimate", str(path), "--weight", "w", "--mean", "rating", "--missing", "rating=8",
                                "--out", str(tmp_path / "est2.csv")])
    assert code == 0, output
    assert "warning:" not in output
    assert pd.read_csv(tmp_path / "est2.csv").iloc[0]["estimate"] == pytest.approx(weighted_mean(data, "rating"))
