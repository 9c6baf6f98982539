"""The project's raking and Taylor SEs against samplics, the library they replace (through the adapter).

Where samplics is right - raked weights, and SEs of designs without calibration - the two must agree.
Where it is not (SEs after raking, which it treats as design weights), ours must differ and agree with
the residual formula; R parity for that case is in test_weighting_r_parity.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import samplics_adapter
from survey.design import make_design
from survey.estimation.estimates import estimate
from survey.estimation.targets import Target
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(20)
    n = 900
    frame = pd.DataFrame({
        "age": rng.choice(["18-34", "35-54", "55+"], n, p=[0.2, 0.35, 0.45]),
        "sex": rng.choice(["m", "f"], n, p=[0.42, 0.58]),
        "w": rng.uniform(0.8, 2.5, n),
    })
    frame["y"] = (rng.random(n) < 0.25 + 0.1 * (frame["sex"] == "m")).astype(float)
    totals = pd.DataFrame({
        "variable": ["age", "age", "age", "sex", "sex"],
        "category": ["18-34", "35-54", "55+", "m", "f"],
        "total": [3000.0, 3400.0, 3600.0, 4900.0, 5100.0],
    })
    return frame, totals


def test_raked_weights_match_samplics(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, totals = sample
    design = make_design(frame, weight="w")
    ours = calibrate_to_margins(design, control_totals_from_frame(totals), method="raking", epsilon=1e-12).weights
    control = {v: dict(zip(g["category"], g["total"], strict=True)) for v, g in totals.groupby("variable")}
    theirs = samplics_adapter.rake(
        frame["w"].to_numpy(), {v: frame[v].to_numpy() for v in control}, control, tol=1e-12, max_iter=500
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_uncalibrated_se_matches_samplics(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, _ = sample
    design = make_design(frame, weight="w")
    row = estimate(design, [Target("y", frame["y"].to_numpy(), "proportion")]).iloc[0]
    point, se = samplics_adapter.proportion(frame["y"].to_numpy(), frame["w"].to_numpy())
    assert row["estimate"] == pytest.approx(point, rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-10)


def test_se_after_raking_differs_from_samplics(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """samplics ignores the raking; the calibration-aware SE is smaller here because sex predicts y."""
    frame, totals = sample
    design = calibrate_to_margins(make_design(frame, weight="w"), control_totals_from_frame(totals), method="raking")
    row = estimate(design, [Target("y", frame["y"].to_numpy(), "proportion")]).iloc[0]
    _, naive = samplics_adapter.proportion(frame["y"].to_numpy(), design.weights)
    assert row["se"] < naive * 0.999
