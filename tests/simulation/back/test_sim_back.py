"""Back tests: results for fixed inputs and seed are unchanged from the stored expectations.

A failure means the model's output changed. If the change was intended, regenerate with
``python tests/simulation/back/make_expected.py`` and review the difference.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("sim_back_make_expected", HERE / "make_expected.py")
assert spec is not None and spec.loader is not None
make_expected = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_expected)


@pytest.mark.parametrize("case", sorted(make_expected.CASES))
def test_results_match_stored_expectations(case):
    expected = pd.read_csv(HERE / f"expected_{case}.csv", keep_default_na=False, na_values=[""])
    got = pd.read_csv(
        io.StringIO(make_expected.expected_table(case).to_csv(index=False)),
        keep_default_na=False,
        na_values=[""],
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-12)
