"""Weights and standard errors after weighting agree with R's survey package.

References are written by tests/r/weighting_reference.R into tests/r/reference/weighting (see that script for
what each case computes). Tolerances: weights 1e-8 relative; SEs 1e-6 relative (Taylor after calibrate(),
and replicate SEs after as.svrepdesign() + calibrate()). rake() is compared on weights only: its SEs are an
approximation (10 sweeps of alternating projections), so the exact calibrate() SEs are the reference.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.design import ReplicateWeights, SurveyDesign, make_design
from survey.estimation.replication import replicate_domain_means
from survey.estimation.strata import DomainMeans
from survey.estimation.variance import domain_means
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import ControlTotals, read_control_totals
from survey.weighting.replicates import replicate_design
from survey.weighting.steps import trim_weights

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "weighting_reference.R"
REFERENCE_DIR = R_DIR / "reference" / "weighting"
WEIGHT_RTOL = 1e-8
SE_RTOL = 1e-6
NATIONAL_BOUNDS = (0.55, 1.75)


def read_values(directory: Path) -> pd.DataFrame:
    values = pd.read_csv(directory / "values.csv", dtype=str, keep_default_na=False)
    values["value"] = values["value"].astype(float)
    return values


@functools.cache
def values() -> pd.DataFrame:
    return read_values(REFERENCE_DIR)


def reference(case: str, statistic: str, variable: str = "", domain: str = "all") -> float:
    v = values()
    hit = v[(v.case == case) & (v.statistic == statistic) & (v.variable == variable) & (v.domain == domain)]
    assert len(hit) == 1, (case, statistic, variable, domain)
    return float(hit["value"].iloc[0])


def reference_weights(case: str) -> np.ndarray:
    return pd.read_csv(REFERENCE_DIR / "weights" / f"{case}.csv")["weight"].to_numpy()


@functools.cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"{name}.csv", keep_default_na=False, na_values=[""])


def controls(name: str, by: tuple[str, ...] = ()) -> ControlTotals:
    return read_control_totals(REFERENCE_DIR / "data" / f"{name}.csv", by)


def moments(design: SurveyDesign, variable: str, by: str | None = None) -> tuple[DomainMeans, list[str]]:
    data = design.data
    if by is None:
        codes, labels = np.zeros(len(data), dtype=np.int64), ["all"]
    else:
        codes_index, uniques = pd.factorize(data[by], sort=True)
        codes, labels = codes_index.astype(np.int64), [f"{by}={u}" for u in uniques]
    values_ = data[variable].to_numpy(dtype=np.float64)[:, None]
    compute = replicate_domain_means if design.replicates is not None else domain_means
    return compute(design, values_, codes, len(labels)), labels


def assert_ses(design: SurveyDesign, case: str, variable: str, by: str | None = None) -> None:
    result, labels = moments(design, variable, by)
    for i, label in enumerate(labels):
        assert result.estimate[i, 0] == pytest.approx(reference(case, "mean", variable, label), rel=1e-9)
        se = float(np.sqrt(result.variance[i, 0]))
        assert se == pytest.approx(reference(case, "se", variable, label), rel=SE_RTOL), (case, variable, label)


def assert_weights(actual: np.ndarray, case: str) -> None:
    np.testing.assert_allclose(actual, reference_weights(case), rtol=WEIGHT_RTOL, atol=0)


@functools.cache
def national_calibrated(method: str, bounded: bool) -> SurveyDesign:
    design = make_design(dataset("national"), weight="w")
    bounds = NATIONAL_BOUNDS if bounded else None
    return calibrate_to_margins(design, controls("national_controls"), method=method, bounds=bounds)


NATIONAL_CASES = [
    ("cal_raking", "raking", False),
    ("cal_linear", "linear", False),
    ("cal_logit", "logit", True),
    ("cal_linear_bounded", "linear", True),
    ("cal_raking_bounded", "raking", True),
]


@pytest.mark.parametrize(("case", "method", "bounded"), NATIONAL_CASES)
def test_calibrated_weights_match_r_calibrate(case: str, method: str, bounded: bool) -> None:
    assert_weights(national_calibrated(method, bounded).weights, case)


@pytest.mark.parametrize(("case", "method", "bounded"), NATIONAL_CASES)
def test_calibrated_standard_errors_match_r_calibrate(case: str, method: str, bounded: bool) -> None:
    design = national_calibrated(method, bounded)
    for variable in ("y1", "y2", "y3"):
        assert_ses(design, case, variable)
    assert_ses(design, case, "y1", "sex")
    assert_ses(design, case, "y2", "region")


def test_bounds_bind_in_the_bounded_references() -> None:
    """The bounded cases would be no test of bounds if no g-weight reached them."""
    base = dataset("national")["w"].to_numpy()
    g = reference_weights("cal_linear_bounded") / base
    assert g.min() == pytest.approx(NATIONAL_BOUNDS[0]) and g.max() == pytest.approx(NATIONAL_BOUNDS[1])
    unbounded = reference_weights("cal_linear") / base
    assert unbounded.min() < NATIONAL_BOUNDS[0]


def test_raking_reaches_r_rake_fixed_point() -> None:
    design = make_design(dataset("national"), weight="w")
    raked = calibrate_to_margins(design, controls("national_controls"), method="raking", epsilon=1e-13)
    assert_weights(raked.weights, "rake_national")


@pytest.mark.parametrize(("case", "upper", "lower", "strict"), [
    ("trim_raking", 300.0, -np.inf, False),
    ("trim_raking_strict", 280.0, 110.0, True),
])
def test_trimming_after_calibration_matches_r_trimweights(case: str, upper: float, lower: float, strict: bool) -> None:
    calibrated = national_calibrated("raking", False)
    trimmed = trim_weights(calibrated.weights, upper=upper, lower=lower, strict=strict)
    assert not np.allclose(trimmed, calibrated.weights)
    assert_weights(trimmed, case)
    design = calibrated.with_weights(trimmed, "trimming")
    for variable in ("y1", "y2", "y3"):
        assert_ses(design, case, variable)
    assert_ses(design, case, "y1", "sex")


def test_trimming_base_weights_matches_r() -> None:
    base = dataset("national")["w"].to_numpy()
    trimmed = trim_weights(base, upper=200, lower=90)
    assert trimmed.sum() == pytest.approx(base.sum(), rel=1e-12)
    assert_weights(trimmed, "trim_base")


@pytest.mark.parametrize(("case", "strata"), [
    ("clus_cal_raking_unstratified", None),
    ("clus_cal_raking_stratified", "stratum"),
])
def test_clustered_calibration_matches_r(case: str, strata: str | None) -> None:
    design = make_design(dataset("clustered"), weight="w", strata=strata, psu="psu")
    calibrated = calibrate_to_margins(design, controls("clustered_controls"), method="raking")
    assert_weights(calibrated.weights, case)
    for variable in ("y1", "y2"):
        assert_ses(calibrated, case, variable)


REPLICATE_CASES = [
    ("jk1_raking", "jk1", None, "raking", None),
    ("jk1_none", "jk1", None, None, None),
    ("jkn_raking", "jkn", "stratum", "raking", None),
    ("jkn_linear", "jkn", "stratum", "linear", None),
    ("jkn_logit", "jkn", "stratum", "logit", (0.5, 2.0)),
]


@pytest.mark.parametrize(("case", "kind", "strata", "method", "bounds"), REPLICATE_CASES)
def test_jackknife_replicates_recalibrated_match_r(
    case: str, kind: str, strata: str | None, method: str | None, bounds: tuple[float, float] | None
) -> None:
    design = replicate_design(make_design(dataset("clustered"), weight="w", strata=strata, psu="psu"), kind)
    if method is not None:
        design = calibrate_to_margins(design, controls("clustered_controls"), method=method, bounds=bounds)
    assert design.replicates is not None
    assert design.replicates.scale == pytest.approx(reference(case, "scale"), rel=1e-12)
    assert design.degrees_of_freedom == reference(case, "degf")
    assert_weights(design.weights, case)
    for variable in ("y1", "y2"):
        assert_ses(design, case, variable)
    assert_ses(design, case, "y1", "sex")


def test_bootstrap_replicates_recalibrated_match_r() -> None:
    """R draws the bootstrap (its random numbers cannot be reproduced); its factors are read back here."""
    factors = pd.read_csv(REFERENCE_DIR / "replicates" / "bootstrap_factors.csv").to_numpy(dtype=np.float64)
    design = make_design(dataset("clustered"), weight="w", strata="stratum", psu="psu")
    scale = reference("boot_raking", "scale")
    # The same scale from R's formula on this design: m / ((m - 1)(R - 1)), m the harmonic mean of PSUs.
    m = 1.0 / np.mean(1.0 / design.n_psu_in_stratum)
    assert scale == pytest.approx(m / ((m - 1) * (factors.shape[1] - 1)), rel=1e-12)
    replicates = ReplicateWeights(
        weights=factors * design.weights[:, None], scale=scale, rscales=np.ones(factors.shape[1]),
        method="bootstrap", degrees_of_freedom=int(reference("boot_raking", "degf")),
    )
    from dataclasses import replace

    calibrated = calibrate_to_margins(replace(design, replicates=replicates), controls("clustered_controls"))
    assert_weights(calibrated.weights, "boot_raking")
    for variable in ("y1", "y2"):
        assert_ses(calibrated, "boot_raking", variable)
    assert_ses(calibrated, "boot_raking", "y1", "sex")


@functools.cache
def place_design() -> SurveyDesign:
    return make_design(dataset("place"), weight="w", strata="la")


def test_per_authority_raking_matches_r_with_authority_as_stratum() -> None:
    calibrated = calibrate_to_margins(
        place_design(), controls("place_controls", ("la",)), by=["la"], method="raking", epsilon=1e-12
    )
    assert_weights(calibrated.weights, "la_raking")
    for variable in ("y1", "y2"):
        assert_ses(calibrated, "la_raking", variable)
        assert_ses(calibrated, "la_raking", variable, "la")


def test_per_authority_rake_and_bounded_logit_match_r_on_each_authority() -> None:
    place_controls = controls("place_controls", ("la",))
    raked = calibrate_to_margins(place_design(), place_controls, by=["la"], method="raking", epsilon=1e-13)
    assert_weights(raked.weights, "la_rake")
    logit = calibrate_to_margins(place_design(), place_controls, by=["la"], method="logit", bounds=(0.3, 3.5))
    assert_weights(logit.weights, "la_logit")
    # R rescales each authority's weights (population/sample > 20) before applying the bounds, as here.
    groups = logit.calibrations[0].diagnostics["groups"]
    assert all(g["rescale"] > 20 for g in groups)
    # A domain by authority in the design stratified by authority equals R on the authority's own design.
    assert_ses(logit, "la_logit", "y1", "la")


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_references_equal_a_fresh_r_run(tmp_path: Path) -> None:
    run = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr
    fresh = read_values(tmp_path)
    stored = values()
    assert list(fresh.case) == list(stored.case)
    np.testing.assert_allclose(fresh["value"].to_numpy(), stored["value"].to_numpy(), rtol=1e-10)
    for path in sorted((REFERENCE_DIR / "weights").glob("*.csv")):
        fresh_weights = pd.read_csv(tmp_path / "weights" / path.name)["weight"].to_numpy()
        np.testing.assert_allclose(fresh_weights, reference_weights(path.stem), rtol=1e-12)
