"""Stacked files keep each file's design: per-file estimates and SEs are unchanged, strata stay apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import mean_target
from survey.stacking import stack_designs
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame
from survey.weighting.replicates import replicate_design


def _file(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 5, n), "w": rng.uniform(1, 3, n),
                         "sex": rng.integers(1, 3, n).astype(str), "region": rng.choice(["n", "s"], n),
                         "y": rng.normal(10 + seed, 2, n)})


@pytest.mark.parametrize("calibrate_first", [False, True])
def test_each_file_keeps_its_estimates_and_ses(calibrate_first: bool) -> None:
    a = make_design(_file(1), weight="w", strata="stratum", psu="psu")
    b = make_design(_file(2), weight="w", strata="stratum", psu="psu")
    if calibrate_first:
        controls = control_totals_from_frame(pd.DataFrame({"variable": ["sex", "sex"], "category": ["1", "2"],
                                                           "total": [320.0, 300.0]}))
        a = calibrate_to_margins(a, controls)
    stacked = stack_designs([a, b], ["a", "b"], source_column="file")
    assert stacked.n_strata == a.n_strata + b.n_strata
    together = estimate(stacked, [mean_target(stacked.data, "y")], by=["file"], ci="wald").set_index("domain_value")
    for label, design in (("a", a), ("b", b)):
        alone = estimate(design, [mean_target(design.data, "y")], ci="wald").iloc[0]
        assert together.loc[label, "estimate"] == pytest.approx(alone["estimate"], rel=1e-12)
        assert together.loc[label, "se"] == pytest.approx(alone["se"], rel=1e-10), (
            f"file {label}: stacked SE {together.loc[label, 'se']} vs alone {alone['se']}")


def test_replicate_files_and_clashing_columns_are_refused() -> None:
    a = make_design(_file(1), weight="w", strata="stratum", psu="psu")
    with pytest.raises(SurveyInputError, match="replicate weights"):
        stack_designs([replicate_design(a, "jkn"), a], ["a", "b"], source_column="file")
    with pytest.raises(SurveyInputError, match="already has a column 'region'"):
        stack_designs([a, a], ["a", "b"], source_column="region")
