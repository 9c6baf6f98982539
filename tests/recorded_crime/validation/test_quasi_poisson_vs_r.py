"""The overdispersed change test agrees with R's `glm(family = quasipoisson)` on fixed series, to 1e-6 relative.

References: tests/r/reference/recorded_crime/cases.csv, written by tests/r/recorded_crime_reference.R from the
series it draws with a seed (data/series.csv): a monthly series with seasons and overdispersion, a quarterly one,
a sparse one with zero months, and one close to Poisson whose dispersion estimate falls below 1. The live test
re-runs the script and checks the stored files are current.

R's numbers are compared with the model as R fits it (`floor=False`); safer's default never takes the dispersion
below 1, which the last test shows moves only the underdispersed case.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recorded_crime.judging.quasi_poisson import fit_year_season, year_contrast
from recorded_crime.rates.poisson import conditional_test

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "recorded_crime_reference.R"
REFERENCE = R_DIR / "reference" / "recorded_crime"
RTOL = 1e-6
CONTRASTS = {"monthly": (2010, 2007), "quarterly": (2010, 2007), "sparse": (2009, 2007), "underdispersed": (2009, 2007)}


def ours(case: str, directory: Path = REFERENCE, floor: bool = False) -> dict[str, np.ndarray]:
    series = pd.read_csv(directory / "data" / "series.csv")
    data = series[series["case"] == case].sort_values(["year", "season"])
    years = sorted(data["year"].unique())
    counts = data["count"].to_numpy(np.float64).reshape(1, len(years), -1)
    fit = fit_year_season(counts)
    current, base = CONTRASTS[case]
    contrast = year_contrast(fit, years.index(current), years.index(base), 0.95, floor=floor)
    poisson_two, poisson_higher, _ = conditional_test(contrast.current, contrast.base)
    return {"dispersion": contrast.dispersion, "df": np.array([fit.df]), "log_ratio": contrast.log_ratio,
            "se": contrast.se, "t": contrast.t, "p_value": contrast.p_value, "p_higher": contrast.p_higher,
            "ratio_ci_lower": contrast.ratio_ci_lower, "ratio_ci_upper": contrast.ratio_ci_upper,
            "fitted": fit.fitted.reshape(-1), "p_value_poisson": poisson_two, "p_higher_poisson": poisson_higher}


def compare(table: pd.DataFrame, directory: Path = REFERENCE) -> int:
    compared = 0
    for case, rows in table.groupby("case"):
        mine = ours(str(case), directory)
        for quantity, group in rows.groupby("quantity"):
            got = mine[str(quantity)][group["index"].to_numpy()]
            np.testing.assert_allclose(got, group["value"].to_numpy(), rtol=RTOL, atol=1e-12,
                                       err_msg=f"{case} {quantity}: expected R's glm value, got ours")
            compared += len(group)
    return compared


def test_every_stored_r_value_is_matched() -> None:
    table = pd.read_csv(REFERENCE / "cases.csv")
    assert set(table["case"]) == set(CONTRASTS), f"expected the four reference cases, found {set(table['case'])}"
    assert compare(table) == len(table) > 150


def test_the_comparison_tells_overdispersion_from_poisson() -> None:
    """Power: with the dispersion left at 1 (a Poisson model) the SE misses R's quasi-Poisson SE by far more than
    the tolerance, so the comparison above would catch a test that ignored the series' fluctuation."""
    table = pd.read_csv(REFERENCE / "cases.csv")
    r_se = table[(table["case"] == "monthly") & (table["quantity"] == "se")]["value"].iloc[0]
    mine = ours("monthly")
    poisson_se = mine["se"][0] / np.sqrt(mine["dispersion"][0])
    assert abs(poisson_se - r_se) / r_se > 0.5, f"expected a Poisson SE far from R's {r_se}, got {poisson_se}"


def test_the_floor_moves_only_a_dispersion_below_one() -> None:
    for case in CONTRASTS:
        plain, floored = ours(case), ours(case, floor=True)
        if plain["dispersion"][0] >= 1:
            np.testing.assert_allclose(floored["se"], plain["se"], err_msg=f"{case}: the floor moved a dispersion >= 1")
        else:
            assert floored["se"][0] > plain["se"][0], f"{case}: expected the floor to widen the SE"
            assert case == "underdispersed", f"expected only the near-Poisson case below 1, found {case}"


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_live_r_reproduces_the_stored_references(tmp_path: Path) -> None:
    run = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    fresh, stored = pd.read_csv(tmp_path / "cases.csv"), pd.read_csv(REFERENCE / "cases.csv")
    pd.testing.assert_frame_equal(fresh[["case", "quantity", "index"]], stored[["case", "quantity", "index"]])
    np.testing.assert_allclose(fresh["value"], stored["value"], rtol=1e-9,
                               err_msg=f"stored references are stale: rerun {R_SCRIPT}")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "data" / "series.csv"),
                                  pd.read_csv(REFERENCE / "data" / "series.csv"))
    assert compare(fresh, tmp_path) == len(fresh)
