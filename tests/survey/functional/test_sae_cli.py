"""`safer sae` end to end: the outputs and their metadata, and every bad input of issue 13 (clear message,
exit code 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

MILK = Path(__file__).resolve().parents[2] / "r" / "reference" / "small_area" / "data" / "milk.csv"


def write_inputs(folder: Path, *, extra_area: bool = True) -> tuple[Path, Path]:
    """A direct table (milk data as `safer estimate --by small_area` output) and a covariate file."""
    milk = pd.read_csv(MILK)
    direct = pd.DataFrame({
        "indicator": "milk", "domain": "small_area", "domain_value": milk["small_area"].astype(str),
        "estimate": milk["direct_est"], "se": milk["std_error"], "n_unweighted": milk["samp_size"],
        "n_effective": milk["samp_size"] / 1.5, "deff": 1.5, "low_base": False,
    })
    overall = pd.DataFrame({"indicator": ["milk"], "domain": ["all"], "domain_value": ["all"], "estimate": [0.95],
                            "se": [0.02], "n_unweighted": [int(milk["samp_size"].sum())], "low_base": [False]})
    direct_path = folder / "direct.csv"
    pd.concat([overall, direct], ignore_index=True).to_csv(direct_path, index=False)
    covariates = pd.DataFrame({"small_area": milk["small_area"], "major_area": milk["major_area"],
                               "households": milk["samp_size"] * 120, "x": np.linspace(0, 1, len(milk))})
    if extra_area:
        covariates = pd.concat([covariates, pd.DataFrame({"small_area": [99], "major_area": [2], "households": [9000],
                                                          "x": [0.5]})], ignore_index=True)
    covariates_path = folder / "areas.csv"
    covariates.to_csv(covariates_path, index=False)
    return direct_path, covariates_path


def run(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_writes_table_diagnostics_and_metadata(runner: CliRunner, tmp_path: Path) -> None:
    direct, areas = write_inputs(tmp_path)
    out = tmp_path / "local.csv"
    code, output = run(runner, "sae", direct, "--covariates", areas, "--formula", "~ C(major_area)", "--out", out)
    assert code == 0, output
    table = pd.read_csv(out)
    assert list(table.columns[:13]) == ["indicator", "area", "direct", "direct_se", "eblup", "mse", "ci_lower",
                                        "ci_upper", "shrinkage", "synthetic", "n_unweighted", "n_effective", "method"]
    assert len(table) == 44
    no_sample = table[table["area"] == 99].iloc[0]
    assert bool(no_sample["synthetic"]) and no_sample["method"] == "synthetic: no sample"
    assert no_sample["eblup"] == pytest.approx(no_sample["synthetic_estimate"])
    meta = json.loads((tmp_path / "local.csv.meta.json").read_text())
    assert meta["command"] == "sae" and meta["content"] == "estimates"
    assert set(meta["inputs"]) == {str(direct), str(areas)}
    assert meta["model"]["milk"]["method"] == "reml"
    diagnostics = pd.read_csv(tmp_path / "local.diagnostics.csv")
    assert {"model", "area_variance", "coefficient", "normality", "cv"} <= set(diagnostics["section"])
    assert json.loads((tmp_path / "local.diagnostics.csv.meta.json").read_text())["content"] == "diagnostics"


def test_benchmarked_estimates_add_to_the_national_direct_estimate(runner: CliRunner, tmp_path: Path) -> None:
    direct, areas = write_inputs(tmp_path)
    for mse in ("analytic", "bootstrap"):
        out = tmp_path / f"bench_{mse}.csv"
        code, output = run(runner, "sae", direct, "--covariates", areas, "--formula", "~ C(major_area) + x",
                            "--out", out, "--benchmark", "national", "--population", "households", "--mse", mse,
                            "--replicates", "200")
        assert code == 0, output
        table = pd.read_csv(out)
        population = pd.read_csv(areas)["households"].to_numpy()
        total = float(np.sum(population / population.sum() * table["eblup"].to_numpy()))
        assert total == pytest.approx(0.95, abs=1e-12), f"expected the weighted sum 0.95, got {total!r} ({mse})"
        assert table["method"].str.endswith("benchmarked").all()


def test_same_seed_same_bootstrap_file(runner: CliRunner, tmp_path: Path) -> None:
    direct, areas = write_inputs(tmp_path)
    outputs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        out = tmp_path / f"{name}.csv"
        code, output = run(runner, "sae", direct, "--covariates", areas, "--formula", "~ C(major_area)", "--out",
                           out, "--mse", "bootstrap", "--replicates", "100", "--seed", str(seed))
        assert code == 0, output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1], "the same seed must give the same file"
    assert outputs[0] != outputs[2], "a different seed should give different bootstrap MSEs"


def modified_direct(direct: Path, change: str) -> None:
    table = pd.read_csv(direct, dtype={"domain_value": str})
    if change == "zero se":
        table.loc[table["domain_value"] == "7", "se"] = 0.0
    elif change == "missing se":
        table.loc[table["domain_value"] == "7", "se"] = np.nan
    elif change == "unknown area":
        table.loc[table["domain_value"] == "7", "domain_value"] = "77"
    elif change == "no national":
        table = table[table["domain"] != "all"]
    table.to_csv(direct, index=False)


BAD_INPUTS = {
    "area missing from covariates": (["unknown area"], ["~ C(major_area)"], [], ["not in the covariate file", "77"]),
    "zero sampling variance": (["zero se"], ["~ C(major_area)"], [], ["7 (se 0.0)", "--variance gvf"]),
    "missing sampling variance": (["missing se"], ["~ C(major_area)"], [], ["7 (se nan)", "standard error"]),
    "unknown formula column": ([], ["~ imd + major_area"], [], ["imd", "not in the covariate file"]),
    "collinear covariates": ([], ["~ x + C(major_area) + households"], ["--area-column", "small_area"],
                             ["collinear"]),
    "unreadable term": ([], ["~ x * major_area"], [], ["cannot read the term"]),
    "fewer areas than parameters": ([], ["~ C(small_area)"], [], ["too few", "fewer covariates"]),
    "REML does not converge": ([], ["~ C(major_area)"], ["--max-iter", "1"],
                               ["did not converge", "--method ml", "fewer covariates"]),
    "arcsine with analytic MSE": ([], ["~ x"], ["--transform", "arcsin", "--mse", "analytic"],
                                  ["--mse analytic cannot be used with --transform arcsin"]),
    "benchmark without population": ([], ["~ x"], ["--benchmark", "national"], ["--population"]),
    "benchmark without national row": (["no national"], ["~ x"], ["--benchmark", "national", "--population",
                                                                  "households"], ["overall", "'all'"]),
    "unknown method": ([], ["~ x"], ["--method", "bayes"], ["--method 'bayes'"]),
    "bad output extension": ([], ["~ x"], ["--out-name", "local.txt"], ["extension"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exit_2_with_a_clear_message_and_nothing_written(runner: CliRunner, tmp_path: Path,
                                                                   case: str) -> None:
    changes, formula, extra, expected = BAD_INPUTS[case]
    direct, areas = write_inputs(tmp_path)
    for change in changes:
        modified_direct(direct, change)
    name = "local.csv"
    if "--out-name" in extra:
        name = extra[extra.index("--out-name") + 1]
        extra = []
    if case == "collinear covariates":
        table = pd.read_csv(areas)
        table["households"] = 3.0 * table["x"] + 1.0
        table.to_csv(areas, index=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, output = run(runner, "sae", direct, "--covariates", areas, "--formula", formula[0], "--out",
                       tmp_path / name, *extra)
    assert code == 2, f"{case}: expected exit 2, got {code}: {output}"
    flat = " ".join(output.split())
    for words in expected:
        assert words in flat, f"{case}: expected {words!r} in the message, got: {flat}"
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == before, f"{case}: something was written"


def test_bundled_example_end_to_end_beats_direct_against_truth(runner: CliRunner, tmp_path: Path) -> None:
    """The README walk on the bundled synthetic BCS: direct estimates by authority (suppressed below 50, the
    default), then `safer sae` with the bundled covariate file; suppressed and unsampled authorities get the
    synthetic estimate, and the EBLUPs are closer to the true values than the direct estimates."""
    from survey.jobs.estimate import DesignOptions, estimate_file

    examples = Path(__file__).resolve().parents[3] / "data" / "examples"
    table, _ = estimate_file(examples / "bcs.parquet", design_options=DesignOptions("design_weight", "stratum", "psu"),
                             questionnaire="bcs", indicators=["PSA23_4"], by=["la"], suppress=True)
    direct = tmp_path / "la_direct.csv"
    table.to_csv(direct, index=False)
    out = tmp_path / "local.csv"
    code, output = run(runner, "sae", direct, "--covariates", examples / "bcs_areas.csv", "--formula",
                       "~ imd + log(recorded_asb_rate)", "--variance", "gvf", "--out", out)
    assert code == 0, output
    local = pd.read_csv(out, dtype={"area": str})
    assert len(local) == 372
    assert (local["method"] == "synthetic: direct suppressed").sum() > 0
    truth = pd.read_csv(examples / "bcs_truth.csv", dtype={"domain_value": str})
    truth = truth[(truth["domain"] == "la") & (truth["indicator"] == "PSA23_4")].set_index("domain_value")
    local["truth"] = truth.loc[local["area"], "true_value"].to_numpy()
    with_direct = local[~local["synthetic"].astype(bool)]
    eblup_error = float(np.mean((with_direct["eblup"] - with_direct["truth"]) ** 2))
    direct_error = float(np.mean((with_direct["direct"] - with_direct["truth"]) ** 2))
    assert eblup_error < 0.5 * direct_error, (
        f"expected EBLUP MSE well below direct: {eblup_error:.2e} vs {direct_error:.2e}")
