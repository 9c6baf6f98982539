"""`safer weight`: end to end with `safer estimate`, and bad input (exit 2, named cause, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from survey.design import make_design
from survey.estimation.variance import domain_means
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import read_control_totals
from tests.conftest import sha256

LAS = ("E06000001", "E06000002", "E07000010", "E08000021")
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")


def place_like(tmp_path: Path, per_la: int = 160, seed: int = 3) -> tuple[Path, Path]:
    """A postal survey per authority (older people and women over-represented) and its control totals."""
    rng = np.random.default_rng(seed)
    n = per_la * len(LAS)
    frame = pd.DataFrame({
        "la": np.repeat(LAS, per_la),
        "age": rng.choice(AGES, n, p=[.06, .10, .15, .18, .21, .30]),
        "sex": rng.choice([1, 2], n, p=[.42, .58]),
        "eth": rng.choice(["White", "Other"], n, p=[.86, .14]),
    })
    frame["safe"] = (rng.random(n) < 0.4 + 0.1 * (frame["sex"] == 1)).astype(int)
    frame["asb"] = np.where(rng.random(n) < 0.05, np.nan, (rng.random(n) < 0.2).astype(float))
    data = tmp_path / "place.csv"
    frame.to_csv(data, index=False)
    rows = []
    for i, la in enumerate(LAS):
        total = 90_000 + 10_000 * i
        for variable, categories, shares in (
            ("age", AGES, (.15, .17, .17, .17, .15, .19)),
            ("sex", ("Male", "Female"), (.49, .51)),  # matched to codes 1/2 through value labels? no: see below
            ("eth", ("White", "Other"), (.85, .15)),
        ):
            for category, share in zip(categories, shares, strict=True):
                rows.append((la, variable, category, total * share))
    controls = pd.DataFrame(rows, columns=["la", "variable", "category", "total"])
    controls["category"] = controls["category"].replace({"Male": "1", "Female": "2"})
    path = tmp_path / "totals.csv"
    controls.to_csv(path, index=False)
    return data, path


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_weight_then_estimate_gives_calibration_aware_standard_errors(runner: CliRunner, tmp_path: Path) -> None:
    data, totals = place_like(tmp_path)
    before = sha256(data)
    out = tmp_path / "weighted.parquet"
    report = tmp_path / "diag.json"
    code, output = run(runner, ["weight", data, "--controls", totals, "--by", "la", "--strata", "la",
                                "--out", out, "--report", report])
    assert code == 0, output
    assert sha256(data) == before
    weighted = pd.read_parquet(out)
    assert {"weight_design", "weight"} <= set(weighted.columns)
    controls = pd.read_csv(totals)
    for la in LAS:
        rows = weighted[weighted.la == la]
        for variable in ("age", "eth"):
            achieved = rows.groupby(variable)["weight"].sum()
            wanted = controls[(controls.la == la) & (controls.variable == variable)].set_index("category")["total"]
            np.testing.assert_allclose(achieved.sort_index(), wanted.sort_index(), rtol=1e-6)
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
    assert meta["weighting"]["calibration"]["variables"] == ["age", "sex", "eth"]
    assert meta["weighting"]["calibration"]["group_columns"] == ["la"]
    assert meta["output"]["sha256"] == sha256(out)
    assert set(meta["inputs"]) == {str(data), str(totals)}
    diagnostics = json.loads(report.read_text())["diagnostics"]
    assert [d["group"] for d in diagnostics] == [f"la={la}" for la in LAS]
    assert all(d["converged"] and d["deff_kish"] > 1 for d in diagnostics)

    est = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", out, "--proportion", "safe=1", "--by", "la", "--out", est])
    assert code == 0, output
    table = pd.read_csv(est).set_index("domain_value")

    # The same numbers from the Python API on the original data: calibrated design, residual-method SEs.
    frame = pd.read_csv(data)
    design = calibrate_to_margins(make_design(frame, strata="la"), read_control_totals(totals, ["la"]), by=["la"])
    codes, labels = pd.factorize(frame["la"], sort=True)
    expected = domain_means(design, (frame["safe"] == 1).to_numpy(float)[:, None], codes.astype(np.int64), len(labels))
    for i, la in enumerate(labels):
        assert table.loc[la, "estimate"] == pytest.approx(expected.estimate[i, 0], rel=1e-9)
        assert table.loc[la, "se"] == pytest.approx(np.sqrt(expected.variance[i, 0]), rel=1e-9)
    # Ignoring the calibration would give different (here larger) SEs: the metadata was really used.
    plain = make_design(frame.assign(weight=design.weights), weight="weight", strata="la")
    naive = domain_means(plain, (frame["safe"] == 1).to_numpy(float)[:, None], codes.astype(np.int64), len(labels))
    assert not np.allclose(naive.variance, expected.variance, rtol=1e-3)


def test_weight_with_bootstrap_replicates_feeds_replicate_variance(runner: CliRunner, tmp_path: Path) -> None:
    # Enough respondents that every category appears in every bootstrap replicate of every authority.
    data, totals = place_like(tmp_path, per_la=300)
    out = tmp_path / "weighted.parquet"
    args = ["weight", data, "--controls", totals, "--by", "la", "--strata", "la", "--replicates", "bootstrap:30",
            "--seed", "11", "--out", out]
    code, output = run(runner, args)
    assert code == 0, output
    weighted = pd.read_parquet(out)
    replicate_columns = [c for c in weighted.columns if c.startswith("weight_rep_")]
    assert len(replicate_columns) == 30
    # Every replicate is calibrated again: each reproduces the authority totals.
    age_totals = weighted.groupby(["la", "age"])[replicate_columns].sum()
    np.testing.assert_allclose(age_totals.to_numpy(), age_totals[[replicate_columns[0]]].to_numpy()
                               * np.ones((1, 30)), rtol=1e-6)
    # The same seed gives the same replicates.
    again = tmp_path / "again.parquet"
    code, output = run(runner, [*args[:-1], again])
    assert code == 0, output
    pd.testing.assert_frame_equal(pd.read_parquet(again), weighted)
    est = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", out, "--proportion", "safe=1", "--out", est])
    assert code == 0, output
    se = pd.read_csv(est)["se"].iloc[0]
    assert 0.003 < se < 0.05


def write_controls(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "bad_totals.csv"
    frame.to_csv(path, index=False)
    return path


def assert_clean_failure(code: int, output: str, out: Path, fragments: list[str]) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    flat = " ".join(output.split())
    for fragment in fragments:
        assert fragment in flat, f"{fragment!r} not in {flat!r}"
    assert not out.exists()
    assert not out.with_name(out.name + ".meta.json").exists()
    assert not list(out.parent.glob(f".{out.name}*")), "a temporary file was left behind"


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    data, totals = place_like(tmp_path, per_la=100)
    return data, pd.read_csv(totals, dtype={"category": str})


def weight_args(data: Path, totals: Path, out: Path, *extra: str) -> list[str]:
    return ["weight", str(data), "--controls", str(totals), "--by", "la", "--strata", "la", "--out", str(out), *extra]


def test_duplicate_control_rows(runner: CliRunner, tmp_path: Path, place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    bad = write_controls(tmp_path, pd.concat([controls, controls.iloc[[3]]]))
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, bad, out))
    assert_clean_failure(code, output, out, ["duplicate rows", "la=E06000001", "variable=age", "lines 5, 42"])


def test_positive_total_without_respondents(runner: CliRunner, tmp_path: Path,
                                            place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    extra = pd.DataFrame([{"la": LAS[1], "variable": "eth", "category": "Mixed", "total": 500.0}])
    adjusted = controls.copy()
    rows = (adjusted.la == LAS[1]) & (adjusted.variable == "eth") & (adjusted.category == "White")
    adjusted.loc[rows, "total"] -= 500.0
    bad = write_controls(tmp_path, pd.concat([adjusted, extra]))
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, bad, out))
    assert_clean_failure(code, output, out, [f"group la={LAS[1]}", "variable 'eth'", "category 'Mixed'",
                                             "no respondents"])


def test_respondents_without_total(runner: CliRunner, tmp_path: Path, place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    keep = ~((controls.la == LAS[2]) & (controls.variable == "age") & (controls.category == "16-24"))
    adjusted = controls[keep].copy()
    rows = (adjusted.la == LAS[2]) & (adjusted.variable == "age") & (adjusted.category == "25-34")
    adjusted.loc[rows, "total"] += controls[~keep]["total"].sum()
    bad = write_controls(tmp_path, adjusted)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, bad, out))
    assert_clean_failure(code, output, out, [f"group la={LAS[2]}", "age = '16-24'", "no total"])


def test_value_with_no_category_anywhere(runner: CliRunner, tmp_path: Path) -> None:
    data, totals = place_like(tmp_path, per_la=60)
    frame = pd.read_csv(data)
    frame.loc[7, "eth"] = "Unknown"
    frame.to_csv(data, index=False)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, totals, out))
    assert_clean_failure(code, output, out, ["eth = 'Unknown'", "no control total"])


def test_margins_with_different_grand_totals(runner: CliRunner, tmp_path: Path,
                                             place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    adjusted = controls.copy()
    rows = (adjusted.la == LAS[3]) & (adjusted.variable == "sex")
    adjusted.loc[rows, "total"] *= 1.01
    bad = write_controls(tmp_path, adjusted)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, bad, out))
    assert_clean_failure(code, output, out, [f"group la={LAS[3]}", "'sex' add up to", "'age' add up to"])


def test_nonconvergence_fails_naming_group_and_margin(runner: CliRunner, tmp_path: Path,
                                                      place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    totals = write_controls(tmp_path, controls)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, totals, out, "--max-iter", "1"))
    assert_clean_failure(code, output, out, ["did not converge in group la=E06000001", "margin '", "category"])


def test_nonconvergence_can_warn_and_write(runner: CliRunner, tmp_path: Path, place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    totals = write_controls(tmp_path, controls)
    out = tmp_path / "w.parquet"
    report = tmp_path / "diag.json"
    code, output = run(runner, weight_args(data, totals, out, "--max-iter", "1", "--on-nonconvergence", "warn",
                                           "--report", str(report)))
    assert code == 0, output
    assert "warning" in output and "did not converge" in " ".join(output.split())
    assert out.exists()
    diagnostics = json.loads(report.read_text())["diagnostics"]
    assert not all(d["converged"] for d in diagnostics)


def test_bounds_that_cannot_be_met(runner: CliRunner, tmp_path: Path, place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    totals = write_controls(tmp_path, controls)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, totals, out, "--method", "logit", "--bounds", "0.9,1.1"))
    assert_clean_failure(code, output, out, ["bounds 0.9,1.1 cannot be met in group la=", "variable '", "category"])


def test_logit_needs_bounds(runner: CliRunner, tmp_path: Path, place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    totals = write_controls(tmp_path, controls)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, totals, out, "--method", "logit"))
    assert_clean_failure(code, output, out, ["logit calibration needs finite bounds"])


def test_bad_total_names_file_line_and_column(runner: CliRunner, tmp_path: Path,
                                              place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    adjusted = controls.astype({"total": object})
    adjusted.loc[4, "total"] = "lots"
    bad = write_controls(tmp_path, adjusted)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, bad, out))
    assert_clean_failure(code, output, out, ["bad_totals.csv", "line 6", "column 'total'", "'lots'"])


def test_controls_group_column_must_match_by(runner: CliRunner, tmp_path: Path,
                                             place: tuple[Path, pd.DataFrame]) -> None:
    data, controls = place
    totals = write_controls(tmp_path, controls)
    out = tmp_path / "w.parquet"
    code, output = run(runner, ["weight", str(data), "--controls", str(totals), "--out", str(out)])
    assert_clean_failure(code, output, out, ["column 'la' is neither a --by group column", "Pass --by"])


def test_output_columns_must_not_clobber_input(runner: CliRunner, tmp_path: Path) -> None:
    data, totals = place_like(tmp_path, per_la=60)
    pd.read_csv(data).assign(weight=1.0).to_csv(data, index=False)
    out = tmp_path / "w.parquet"
    code, output = run(runner, weight_args(data, totals, out))
    assert_clean_failure(code, output, out, ["already has a column 'weight'"])
