"""`safer questionnaire list|show` and `safer validate` through the Typer app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from typer.testing import CliRunner

from cli import app
from survey.questionnaire.loading import bundled_questionnaire_dir, load_questionnaire
from tests.conftest import sha256


def _clean_place(n: int = 30) -> pd.DataFrame:
    q = load_questionnaire("place")
    rng = np.random.default_rng(5)
    columns: dict[str, object] = {
        item.id: rng.choice(np.asarray(item.allowed_codes), n) for item in q.items if item.type == "coded"
    }
    columns["la"] = rng.choice(["E06000001", "E08000025"], n)
    return pd.DataFrame(columns)


def test_list_names_both_questionnaires_with_counts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["questionnaire", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") >= 4}
    assert "bcs" in lines and "place" in lines
    assert "33" in lines["place"] and "18" in lines["place"]


def test_show_prints_items_codes_and_indicator_rules(runner: CliRunner) -> None:
    result = runner.invoke(app, ["questionnaire", "show", "place"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    expected = ("NI138", "NI17", "asb_drunk", "age_band", "Very big problem", "score >= 11", "all_required")
    for fragment in expected:
        assert fragment in flat, fragment


def test_show_unknown_questionnaire_exits_2_listing_names(runner: CliRunner) -> None:
    result = runner.invoke(app, ["questionnaire", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown questionnaire 'nope'" in result.output and "bcs, place" in result.output
    assert "Traceback" not in result.output


def test_validate_clean_file_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "place.csv"
    _clean_place().to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(path), "--questionnaire", "place"])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_validate_bad_file_exits_2_naming_row_column_value(runner: CliRunner, tmp_path: Path) -> None:
    frame = _clean_place()
    frame.loc[6, "health"] = 7  # data row 7
    frame = frame.astype({"respect": object})
    frame.loc[19, "respect"] = "lots"  # data row 20
    path = tmp_path / "place.csv"
    frame.to_csv(path, index=False)
    before = sha256(path)
    result = runner.invoke(app, ["validate", str(path), "--questionnaire", "place"])
    assert result.exit_code == 2, result.output
    table_rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in result.output.splitlines() if "│" in line
    ]
    assert ["7", "health", "7"] in [row[:3] for row in table_rows]
    assert ["20", "respect", "'lots'"] in [row[:3] for row in table_rows]
    assert "2 problem(s)" in " ".join(result.output.split())
    assert sha256(path) == before, "validate must not modify its input"


def test_validate_summary_counts_problems_beyond_the_listing(runner: CliRunner, tmp_path: Path) -> None:
    frame = _clean_place(n=60)
    frame.loc[:49, "health"] = 0  # 50 bad rows
    path = tmp_path / "place.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(path), "-q", "place", "--max-listed", "3"])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "50 problem(s)" in flat and "47 counted but not listed" in flat


def test_validate_sav_with_user_missing_codes(runner: CliRunner, tmp_path: Path) -> None:
    frame = _clean_place().drop(columns=["la"]).astype(float)
    frame["la"] = "E06000001"
    frame.loc[0, "belonging"] = 9  # declared user-missing in the file but not a Place code
    path = tmp_path / "place.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"belonging": [8, 9]})
    result = runner.invoke(app, ["validate", str(path), "-q", "place"])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "1 problem(s)" in flat and "belonging" in flat


def test_validate_missing_file_exits_2_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "absent.csv"), "-q", "place"])
    assert result.exit_code == 2
    assert "absent.csv does not exist" in result.output
    assert "Traceback" not in result.output


def test_validate_bad_questionnaire_file_names_the_field(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "place.csv"
    _clean_place().to_csv(data, index=False)
    bad = tmp_path / "bad.yaml"
    original = (bundled_questionnaire_dir() / "place.yaml").read_text()
    bad.write_text(original.replace("threshold: 11", "threshold: high"))
    result = runner.invoke(app, ["validate", str(data), "-q", str(bad)])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "indicators[NI17].threshold" in flat and "bad.yaml" in flat
