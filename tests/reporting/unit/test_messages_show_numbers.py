"""Messages show numbers as numbers (issue 21): several showed `np.float64(nan)`, numpy 2's repr of a scalar."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_a_missing_weight_is_named_as_nan_not_as_a_numpy_repr(runner, tmp_path):
    data = pd.read_parquet(ROOT / "data/examples/bcs.parquet")
    data.loc[3, "design_weight"] = float("nan")
    bad = tmp_path / "bcs.csv"
    data.to_csv(bad, index=False)
    result = runner.invoke(app, ["estimate", str(bad), "-q", "bcs", "--indicator", "PSA23_3", "--weight",
                                 "design_weight", "--out", str(tmp_path / "e.csv")])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert "(value nan)" in output and "np." not in output, output
