"""The Fay-Herriot fit, EBLUPs and MSEs agree with R: sae::mseFH and metafor::rma/blup, to 1e-6 relative.

References: tests/r/reference/small_area/cases.csv, written by tests/r/small_area_reference.R from the milk
expenditure data (as samplics ships it, identical to sae's `milk`) and a seeded synthetic set. sae is not
packaged for Debian, so its rows were produced where it was installed from source; metafor's are produced
in CI too. The live test re-runs the script and checks that the stored files are current.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.small_area.eblup import predict
from survey.small_area.fay_herriot import fit_fay_herriot

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "small_area_reference.R"
REFERENCE_DIR = R_DIR / "reference" / "small_area"
RTOL = 1e-6


def case_inputs(case: str, directory: Path = REFERENCE_DIR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, D and the design matrix of a reference case, as the R script builds them."""
    if case == "milk":
        milk = pd.read_csv(directory / "data" / "milk.csv")
        dummies = pd.get_dummies(milk["major_area"], drop_first=True).to_numpy(np.float64)
        x = np.column_stack([np.ones(len(milk)), dummies])
        return milk["direct_est"].to_numpy(), milk["std_error"].to_numpy() ** 2, x
    data = pd.read_csv(directory / "data" / "synthetic.csv")
    x = np.column_stack([np.ones(len(data)), data["x1"], data["x2"]])
    return data["y"].to_numpy(), data["vardir"].to_numpy(), x


def ours(case: str, method: str, directory: Path = REFERENCE_DIR) -> dict[str, np.ndarray]:
    y, d, x = case_inputs(case, directory)
    fit = fit_fay_herriot(y, d, x, "reml" if method == "REML" else "ml")
    prediction = predict(fit, y, d, x, np.ones(len(y), dtype=bool))
    return {
        "area_variance": np.array([fit.area_variance]),
        "beta": fit.beta,
        "eblup": prediction.eblup,
        "mse": prediction.mse,
        "g1_plus_g2": prediction.g1 + prediction.g2,
    }


def reference(directory: Path = REFERENCE_DIR) -> pd.DataFrame:
    return pd.read_csv(directory / "cases.csv")


def compare(table: pd.DataFrame, directory: Path = REFERENCE_DIR) -> int:
    """Assert every reference value is matched; return how many were compared."""
    compared = 0
    for (case, method, engine, quantity), group in table.groupby(["case", "method", "engine", "quantity"]):
        got = ours(case, method, directory)[quantity][group["index"].to_numpy()]
        expected = group["value"].to_numpy()
        np.testing.assert_allclose(
            got, expected, rtol=RTOL, atol=1e-12,
            err_msg=f"{case} {method}: {quantity} against {engine}: expected R's values, got ours",
        )
        compared += len(group)
    return compared


@pytest.mark.parametrize("engine", ["sae", "metafor"])
def test_fit_eblup_and_mse_match_stored_r_values(engine: str) -> None:
    table = reference()
    chosen = table[table["engine"] == engine]
    assert len(chosen) > 400, f"expected the stored {engine} references (both cases, REML and ML), got {len(chosen)}"
    assert compare(chosen) == len(chosen)


def test_sae_mse_covers_both_methods_and_cases() -> None:
    table = reference()
    sae_mse = table[(table["engine"] == "sae") & (table["quantity"] == "mse")]
    assert set(zip(sae_mse["case"], sae_mse["method"], strict=True)) == {
        ("milk", "REML"), ("milk", "ML"), ("synthetic", "REML"), ("synthetic", "ML")}


def test_ml_and_reml_differ_enough_for_the_comparison_to_tell_them_apart() -> None:
    """The comparison has power: applying the REML MSE formula to an ML fit misses sae's ML MSE by far more than
    the tolerance."""
    table = reference()
    sae_ml = table[(table["engine"] == "sae") & (table["method"] == "ML") & (table["quantity"] == "mse")
                   & (table["case"] == "milk")]
    y, d, x = case_inputs("milk")
    fit = fit_fay_herriot(y, d, x, "ml")
    from dataclasses import replace
    wrong = predict(replace(fit, method="reml"), y, d, x, np.ones(len(y), dtype=bool)).mse
    gap = np.max(np.abs(wrong - sae_ml["value"].to_numpy()) / sae_ml["value"].to_numpy())
    assert gap > 100 * RTOL, f"expected the ML bias term to matter (> {100 * RTOL}), got a relative gap of {gap:.2e}"


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_live_r_reproduces_the_stored_references(tmp_path: Path) -> None:
    check = subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.skip("R package metafor not installed (.ci/run installs r-cran-metafor)")
    run = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    fresh = reference(tmp_path)
    stored = reference()
    for engine in fresh["engine"].unique():
        mine = fresh[fresh["engine"] == engine].reset_index(drop=True)
        kept = stored[stored["engine"] == engine].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[["case", "method", "quantity", "index"]],
                                      kept[["case", "method", "quantity", "index"]])
        np.testing.assert_allclose(mine["value"], kept["value"], rtol=1e-9,
                                   err_msg=f"stored {engine} references are stale: rerun {R_SCRIPT}")
    assert compare(fresh, tmp_path) == len(fresh)
