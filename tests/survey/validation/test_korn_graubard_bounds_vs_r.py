"""Proportions at exactly 0 or 1 get a Korn-Graubard interval that is never zero-width, checked against R.

R's `svyciprop(method = "beta")` returns NaN limits there (its effective sample size is 0 / 0); the reference
(tests/r/korn_graubard_bounds_reference.R) is svyciprop's own code with the effective size set to the domain's
sample size, as Korn and Graubard (1998) do. Inside (0, 1) the same code is svyciprop, and so is safer.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.design import make_design
from survey.estimation.estimates import estimate
from survey.estimation.targets import proportion_target

R_SCRIPT = Path(__file__).resolve().parents[2] / "r" / "korn_graubard_bounds_reference.R"
REFERENCE = R_SCRIPT.parent / "reference" / "korn_graubard_bounds"
RTOL = 1e-6


def _table(ci: str, level: float) -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "data.csv")
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    table = estimate(design, [proportion_target(data, "y", "1")], by=["area"], ci=ci, level=level, min_base=1)
    return table[table["domain"] == "area"].set_index("domain_value")


@pytest.mark.parametrize("ci", ["logit", "wald", "wilson", "korn-graubard"])
def test_intervals_at_0_and_1_are_korn_graubard_as_r_computes_it(ci: str) -> None:
    cases = pd.read_csv(REFERENCE / "cases.csv")
    for case in cases.itertuples(index=False):
        row = _table(ci, case.level).loc[case.area]
        assert row["estimate"] == pytest.approx(case.estimate, rel=RTOL, abs=1e-12)
        at_bound = case.estimate in (0.0, 1.0)
        if not at_bound and ci != "korn-graubard":
            continue  # other methods inside (0, 1) are checked against R in test_estimation_vs_r.py
        for side in ("ci_lower", "ci_upper"):
            expected, got = getattr(case, side), row[side]
            assert got == pytest.approx(expected, rel=RTOL, abs=1e-12), (
                f"{ci}, area {case.area}, level {case.level}: {side} expected {expected}, got {got}")
        if at_bound:
            assert row["ci_upper"] - row["ci_lower"] > 0.05, "an interval at p = 0 or 1 must not be a point"
            assert row["ci_method"] == f"korn-graubard at p={case.estimate:g}", row["ci_method"]
            assert np.isnan(case.r_beta_lower) and np.isnan(case.r_beta_upper), (
                "R's svyciprop(method = 'beta') gives NaN at p = 0 or 1; if it no longer does, compare with it")
        else:
            assert row["ci_method"] == ci
            assert got == pytest.approx(case.r_beta_upper, rel=RTOL), "inside (0, 1): R's svyciprop itself"


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_references_equal_a_fresh_r_run(tmp_path: Path) -> None:
    completed = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    fresh, stored = pd.read_csv(tmp_path / "cases.csv"), pd.read_csv(REFERENCE / "cases.csv")
    pd.testing.assert_frame_equal(fresh, stored, check_exact=False, rtol=1e-12)
    assert (tmp_path / "data.csv").read_text() == (REFERENCE / "data.csv").read_text()
