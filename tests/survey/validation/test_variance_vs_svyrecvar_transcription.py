"""The fast domain-variance kernel agrees with a direct implementation of R's formulas (compute it both ways)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.design import CalibrationStep, SurveyDesign, make_design
from survey.estimation.variance import domain_means
from tests.survey.validation.svyrecvar_transcription import reference_domain_variance


def _random_design(seed: int, *, clustered: bool, fpc: bool, lonely: str = "adjust") -> SurveyDesign:
    rng = np.random.default_rng(seed)
    n_strata = 6
    rows = []
    for h in range(n_strata):
        n_psu = 1 if (lonely != "fail" and h == 5) else int(rng.integers(2, 6))
        for c in range(n_psu):
            size = int(rng.integers(3, 9)) if clustered else 1
            for _ in range(size):
                rows.append((h, c if clustered else len(rows), 40 + 10 * h))
    frame = pd.DataFrame(rows, columns=["h", "psu", "N"])
    n = len(frame)
    frame["w"] = rng.uniform(0.5, 4.0, n)
    frame["dom"] = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    frame["age"] = rng.integers(0, 3, n)
    frame["sex"] = rng.integers(0, 2, n)
    if not clustered:
        frame["psu"] = np.arange(n)
        frame["N"] = frame.groupby("h")["h"].transform("size") * 3
    return make_design(
        frame, weight="w", strata="h", psu="psu" if clustered else None, fpc="N" if fpc else None, lonely_psu=lonely
    )


def _calibrate_cells(design: SurveyDesign, seed: int, *, grouped: bool, trim: bool) -> SurveyDesign:
    """Attach an arbitrary (not fitted) calibration step: the variance formula holds for any g per cell."""
    rng = np.random.default_rng(seed)
    data = design.data
    group = data["h"].to_numpy() // 3 if grouped else np.zeros(design.n_rows, dtype=np.int64)
    # Groups must contain whole PSUs: strata do, so group on strata.
    key = group * 6 + data["age"].to_numpy() * 2 + data["sex"].to_numpy()
    cells, cell = np.unique(key, return_inverse=True)
    cell_group = cells // 6
    age, sex = (cells % 6) // 2, cells % 2
    matrix = np.column_stack([np.ones(cells.size), age == 1, age == 2, sex == 1]).astype(float)
    g = rng.uniform(0.6, 1.6, cells.size)
    before = design.weights
    after = before * g[cell]
    step = CalibrationStep("raking", ("age", "sex"), ("h",) if grouped else (), None, cell.astype(np.int64),
                           cell_group.astype(np.int64), matrix, g, before, after)
    calibrated = design.with_calibration(step)
    if trim:
        trimmed = np.minimum(after, np.quantile(after, 0.9))
        calibrated = calibrated.with_weights(trimmed * after.sum() / trimmed.sum(), "trim")
    return calibrated


CASES = [
    pytest.param(dict(clustered=c, fpc=f, lonely=lo), id=f"clustered={c}-fpc={f}-lonely={lo}")
    for c in (False, True)
    for f in (False, True)
    for lo in ("adjust", "average", "certainty", "remove")
]


@pytest.mark.parametrize("options", CASES)
@pytest.mark.parametrize("calibration", ["none", "national", "grouped", "grouped-trimmed"])
def test_kernel_matches_direct_formula(options: dict, calibration: str) -> None:
    design = _random_design(11, **options)
    if calibration != "none":
        design = _calibrate_cells(design, 5, grouped=calibration.startswith("grouped"), trim="trimmed" in calibration)
    rng = np.random.default_rng(3)
    n = design.n_rows
    values = np.column_stack([
        (rng.random(n) < 0.35).astype(float),
        rng.normal(500, 40, n),
    ])
    values[rng.random(n) < 0.15, 0] = np.nan
    codes, labels = pd.factorize(design.data["dom"], sort=True)
    result = domain_means(design, values, codes.astype(np.int64), len(labels))
    for d in range(len(labels)):
        for j in range(values.shape[1]):
            mean, variance = reference_domain_variance(design, values[:, j], codes == d)
            assert result.estimate[d, j] == pytest.approx(mean, rel=1e-10)
            assert result.variance[d, j] == pytest.approx(variance, rel=1e-8, abs=1e-14)
    overall = domain_means(design, values, np.zeros(n, dtype=np.int64), 1)
    for j in range(values.shape[1]):
        mean, variance = reference_domain_variance(design, values[:, j], np.ones(n, dtype=bool))
        assert overall.variance[0, j] == pytest.approx(variance, rel=1e-8)


def test_rows_outside_every_domain_still_enter_the_calibration_fit() -> None:
    design = _calibrate_cells(_random_design(2, clustered=False, fpc=False), 9, grouped=False, trim=False)
    codes = np.where(design.data["dom"].to_numpy() == "a", 0, -1).astype(np.int64)
    y = np.random.default_rng(1).random(design.n_rows)
    result = domain_means(design, y[:, None], codes, 1)
    mean, variance = reference_domain_variance(design, y, codes == 0)
    assert result.variance[0, 0] == pytest.approx(variance, rel=1e-8)


def test_large_means_do_not_lose_precision() -> None:
    design = _random_design(4, clustered=False, fpc=False)
    rng = np.random.default_rng(8)
    y = 1e7 + rng.normal(0, 1, design.n_rows)
    result = domain_means(design, y[:, None], np.zeros(design.n_rows, dtype=np.int64), 1)
    mean, variance = reference_domain_variance(design, y, np.ones(design.n_rows, dtype=bool))
    assert result.variance[0, 0] == pytest.approx(variance, rel=1e-7)
