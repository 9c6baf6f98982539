"""The CI quantiles (`scipy.special` with `scipy.stats`' argument checks) equal `scipy.stats` and agree with R.

`survey.estimation.intervals` takes its normal, t and beta quantiles from `scipy.special` so that
`safer estimate` does not pay for importing `scipy.stats`. They must be the same numbers: bit for bit against
`scipy.stats` (including NaN where a parameter is zero, negative or missing), and within 1e-10 relative of
R's `qnorm`, `qt` and `qbeta` (tests/r/quantiles_reference.R; the estimation parity tolerance is 1e-6).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.estimation.intervals import beta_quantile, normal_quantile, t_quantile

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "quantiles_reference.R"
REFERENCE = R_DIR / "reference" / "quantiles" / "values.csv"
R_RTOL = 1e-10
EDGES = np.array([0.0, -1.0, np.nan, np.inf, 1e-300, 1e300, 1.0])


def _probabilities(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.concatenate([rng.uniform(0, 1, size), [0.0, 1.0, 0.5, 1e-12, 1 - 1e-12, np.nan, -0.1, 1.1]])


def _positive(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.uniform(0.1, 5, size) * 10 ** rng.uniform(-3, 6, size)


def test_normal_quantile_equals_scipy_stats_bit_for_bit() -> None:
    q = _probabilities(np.random.default_rng(1), 5_000)
    with np.errstate(all="ignore"):
        got, want = normal_quantile(q), stats.norm.ppf(q)
    assert np.array_equal(got, want, equal_nan=True), f"max difference {np.nanmax(np.abs(got - want))}"


def test_t_quantile_equals_scipy_stats_bit_for_bit() -> None:
    rng = np.random.default_rng(2)
    df = np.concatenate([_positive(rng, 5_000), EDGES])
    q = rng.choice(_probabilities(rng, 100), df.size)
    with np.errstate(all="ignore"):
        got, want = t_quantile(q, df), stats.t.ppf(q, df)
    assert np.array_equal(got, want, equal_nan=True), f"max difference {np.nanmax(np.abs(got - want))}"


def test_beta_quantile_equals_scipy_stats_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    a = np.concatenate([_positive(rng, 5_000), EDGES, np.repeat(EDGES, EDGES.size)])
    b = np.concatenate([_positive(rng, 5_000), EDGES, np.tile(EDGES, EDGES.size)])
    q = rng.choice(_probabilities(rng, 100), a.size)
    with np.errstate(all="ignore"):
        got, want = beta_quantile(q, a, b), stats.beta.ppf(q, a, b)
    assert np.array_equal(got, want, equal_nan=True), f"max difference {np.nanmax(np.abs(got - want))}"


def _r_values(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


@pytest.mark.parametrize("distribution", ["normal", "t", "beta"])
def test_quantiles_agree_with_r(distribution: str) -> None:
    rows = _r_values(REFERENCE).query("distribution == @distribution")
    assert len(rows) >= 10, f"expected reference rows for {distribution}, got {len(rows)}"
    q, a, b = (rows[c].to_numpy(dtype=np.float64) for c in ("q", "a", "b"))
    got = {"normal": lambda: normal_quantile(q), "t": lambda: t_quantile(q, a),
           "beta": lambda: beta_quantile(q, a, b)}[distribution]()
    want = rows["value"].to_numpy(dtype=np.float64)
    relative = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
    worst = int(np.argmax(relative))
    assert relative[worst] <= R_RTOL, (
        f"{distribution} quantile at q={q[worst]}, a={a[worst]}, b={b[worst]}: R {want[worst]!r}, "
        f"got {got[worst]!r} (relative difference {relative[worst]:.2e})"
    )


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_quantiles_equal_a_fresh_r_run(tmp_path: Path) -> None:
    """Re-run the R script into a temporary directory; a stale stored reference fails here."""
    completed = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    fresh, stored = _r_values(tmp_path / "values.csv"), _r_values(REFERENCE)
    pd.testing.assert_frame_equal(fresh, stored, check_exact=True)
