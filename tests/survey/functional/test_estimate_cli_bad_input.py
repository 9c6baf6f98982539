"""Bad input to `safer estimate`: one readable paragraph, exit code 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.conftest import sha256


def _survey_file(tmp_path: Path, **changes: object) -> Path:
    rng = np.random.default_rng(7)
    n = 120
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["a", "b", "c"], n // 3),
            "psu": np.tile(np.arange(8), n // 8)[:n],
            "w": rng.uniform(1, 3, n),
            "y": rng.integers(0, 2, n),
            "region": rng.choice(["north", "south"], n),
            "confidence": rng.choice([1, 2, 3, 4, 5, 8], n),
        }
    )
    for column, value in changes.items():
        frame[column] = value
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def _run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def _assert_clean_failure(code: int, output: str, out: Path, expected: list[str]) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in {output!r}"
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*")), "a temporary file was left behind"


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(tmp_path / "absent.csv"), "--mean", "y", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["absent.csv", "does not exist"])


def test_unparseable_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"this is not parquet")
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(bad), "--mean", "y", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["broken.parquet"])


@pytest.mark.parametrize("flag", ["--weight", "--strata", "--psu", "--fpc"])
def test_missing_design_column(runner: CliRunner, tmp_path: Path, flag: str) -> None:
    data = _survey_file(tmp_path)
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", flag, "no_such_column", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["no_such_column", "survey.csv"])


@pytest.mark.parametrize("bad_weight", [np.nan, 0.0, -1.5])
def test_bad_weights(runner: CliRunner, tmp_path: Path, bad_weight: float) -> None:
    data = _survey_file(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[17, "w"] = bad_weight
    frame.to_csv(data, index=False)
    before = sha256(data)
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", "--weight", "w", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["'w'", "row 18"])
    assert sha256(data) == before


def test_code_outside_questionnaire(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[41, "confidence"] = 7
    frame.to_csv(data, index=False)
    out = tmp_path / "est.csv"
    code, output = _run(
        runner,
        ["estimate", str(data), "--questionnaire", "bcs", "--indicator", "PSA23_3", "--weight", "w", "--out", str(out)],
    )
    _assert_clean_failure(code, output, out, ["confidence", "7"])


def test_lonely_psu_fail(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[frame["stratum"] == "c", "psu"] = 99
    frame.to_csv(data, index=False)
    out = tmp_path / "est.csv"
    args = ["estimate", str(data), "--mean", "y", "--weight", "w", "--strata", "stratum", "--psu", "psu"]
    code, output = _run(runner, [*args, "--lonely-psu", "fail", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["stratum 'c'", "one PSU"])
    code, output = _run(runner, [*args, "--lonely-psu", "adjust", "--out", str(out)])
    assert code == 0, output
    assert out.exists()


def test_empty_domain(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path, region=np.nan)
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", "--by", "region", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["region", "empty"])


def test_unknown_indicator(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path)
    out = tmp_path / "est.csv"
    code, output = _run(
        runner, ["estimate", str(data), "--questionnaire", "bcs", "--indicator", "NI999", "--out", str(out)]
    )
    _assert_clean_failure(code, output, out, ["NI999", "PSA23_3"])


def test_debug_shows_traceback(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "est.csv"
    result = runner.invoke(app, ["--debug", "estimate", str(tmp_path / "absent.csv"), "--mean", "y", "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert not out.exists()


def test_failed_run_keeps_existing_output(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path)
    out = tmp_path / "est.csv"
    out.write_text("previous results\n")
    code, _ = _run(runner, ["estimate", str(data), "--mean", "y", "--weight", "nope", "--out", str(out)])
    assert code == 2
    assert out.read_text() == "previous results\n"


def test_unknown_output_format(runner: CliRunner, tmp_path: Path) -> None:
    data = _survey_file(tmp_path)
    out = tmp_path / "est.txt"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["est.txt", ".csv"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".xlsx"])
def test_output_formats_round_trip(runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    data = _survey_file(tmp_path)
    out = tmp_path / f"est{suffix}"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", "--by", "region", "--weight", "w",
                                 "--out", str(out)])
    assert code == 0, output
    if suffix == ".csv":
        table = pd.read_csv(out)
    elif suffix == ".parquet":
        table = pd.read_parquet(out)
    elif suffix == ".json":
        table = pd.DataFrame(pd.read_json(out, typ="series")["rows"])
    else:
        from reporting.results import read_table

        table, _ = read_table(out)  # a sheet per indicator, headers in words: read back as the long table
        assert "mean_y" in pd.ExcelFile(out).sheet_names
    assert list(table["domain_value"]) == ["all", "north", "south"]
    frame = pd.read_csv(data)
    expected = np.average(frame["y"], weights=frame["w"])
    assert table["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)
    meta = (tmp_path / f"est{suffix}.meta.json").read_text()
    assert sha256(data) in meta


def test_outputs_get_ordinary_file_permissions(runner: CliRunner, tmp_path: Path) -> None:
    import os

    data = _survey_file(tmp_path)
    out = tmp_path / "est.csv"
    code, output = _run(runner, ["estimate", str(data), "--mean", "y", "--out", str(out)])
    assert code == 0, output
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
