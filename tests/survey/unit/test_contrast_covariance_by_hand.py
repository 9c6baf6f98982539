"""The covariance of two overlapping domain means, by hand, and the contrast kernel against the domain kernel.

For a one-stratum design where each row is its own PSU (with replacement), R's variance of a total of
influence values z is n / (n - 1) * sum (z_i - zbar)^2. The influence of a mean over a window A is
u_i = w_i (y_i - ybar_A) / N_A on A's rows, so

    Cov(ybar_A, ybar_B) = n / (n - 1) * sum_{i in A and B} w_i^2 (y_i - ybar_A)(y_i - ybar_B) / (N_A N_B)

(the sums of u over all rows are zero). Only the shared rows carry covariance.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from survey.design import SurveyDesign, make_design
from survey.estimation.contrasts import Contrasts, Estimands
from survey.estimation.targets import Target
from survey.estimation.variance import contrast_means, domain_means
from survey.judging.change import change
from survey.judging.periods import Period
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame

Y = [1, 3, 2, 5, 4, 6]
IN_A = [True, True, True, True, False, False]
IN_B = [False, False, True, True, True, True]


def hand_covariance(y: list[int], in_a: list[bool], in_b: list[bool]) -> Fraction:
    """The closed form above with weights of 1, in exact rational arithmetic."""
    n = len(y)
    a = [v for v, keep in zip(y, in_a, strict=True) if keep]
    b = [v for v, keep in zip(y, in_b, strict=True) if keep]
    mean_a, mean_b = Fraction(sum(a), len(a)), Fraction(sum(b), len(b))
    shared = sum((v - mean_a) * (v - mean_b) for v, x, z in zip(y, in_a, in_b, strict=True) if x and z)
    return Fraction(n, n - 1) * shared / (len(a) * len(b))


def test_overlap_covariance_equals_the_closed_form() -> None:
    """Var(B - A) = Var(A) + Var(B) - 2 Cov(A, B), with Cov(A, B) = 0.253125 exactly for this design."""
    design = make_design(pd.DataFrame({"y": np.array(Y, dtype=float)}))
    estimands = Estimands.from_domains([np.array(IN_A), np.array(IN_B)], np.zeros(6, dtype=np.int64), 1)
    # contrasts: A, B, B - A, A + B
    contrasts = Contrasts.from_terms([(0, 0, 1.0), (1, 1, 1.0), (2, 1, 1.0), (2, 0, -1.0), (3, 0, 1.0),
                                      (3, 1, 1.0)], 4)
    result = contrast_means(design, np.array(Y, dtype=float), estimands, contrasts)
    var_a, var_b, var_diff, var_sum = result.variance[:, 0]
    covariance = hand_covariance(Y, IN_A, IN_B)
    assert covariance == Fraction(81, 320), f"closed form: expected 81/320, got {covariance}"
    assert var_a + var_b - 2 * float(covariance) == pytest.approx(var_diff, rel=1e-12), (
        f"Var(B - A): expected {var_a + var_b - 2 * float(covariance)}, got {var_diff}")
    assert var_a + var_b + 2 * float(covariance) == pytest.approx(var_sum, rel=1e-12), (
        f"Var(A + B): expected {var_a + var_b + 2 * float(covariance)}, got {var_sum}")
    assert var_diff == pytest.approx(0.80625, rel=1e-12)


def test_disjoint_windows_have_zero_covariance_and_shared_rows_only_count() -> None:
    """Without shared rows the variance of the difference is the sum of the variances; moving one row into
    both windows changes it by exactly the closed form."""
    design = make_design(pd.DataFrame({"y": np.array(Y, dtype=float)}))
    first = np.array([True, True, True, False, False, False])
    second = ~first
    table = change(design, [_mean(Y)], Period("a", first), Period("b", second), min_base=1)
    row = table.iloc[0]
    assert row["se_change"] ** 2 == pytest.approx(row["base_se"] ** 2 + row["current_se"] ** 2, rel=1e-12), (
        "disjoint windows of one stratum: Var(B - A) should be Var(A) + Var(B)")
    overlapping = second.copy()
    overlapping[2] = True
    table = change(design, [_mean(Y)], Period("a", first), Period("b", overlapping), min_base=1)
    row = table.iloc[0]
    covariance = float(hand_covariance(Y, list(first), list(overlapping)))
    expected = row["base_se"] ** 2 + row["current_se"] ** 2 - 2 * covariance
    assert row["se_change"] ** 2 == pytest.approx(expected, rel=1e-12), (
        f"one shared row: expected Var {expected}, got {row['se_change'] ** 2}")
    assert int(row["shared_n"]) == 1


def _mean(values: Sequence[float]) -> Target:
    return Target("mean:y", np.array(values, dtype=float), "mean")


def _random_design(rng: np.random.Generator, calibrated: bool, clustered: bool) -> SurveyDesign:
    n = 400
    data = pd.DataFrame({
        "stratum": rng.integers(0, 5, n), "psu": rng.integers(0, 6, n), "w": rng.uniform(1, 4, n),
        "sex": rng.integers(1, 3, n).astype(str), "area": rng.integers(0, 7, n),
        "y": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
    })
    design = make_design(data, weight="w", strata="stratum", psu="psu" if clustered else None)
    if calibrated:
        controls = control_totals_from_frame(pd.DataFrame({"variable": ["sex", "sex"], "category": ["1", "2"],
                                                           "total": [700.0, 650.0]}))
        design = calibrate_to_margins(design, controls, by=[])
    return design


@pytest.mark.parametrize("calibrated", [False, True])
@pytest.mark.parametrize("clustered", [False, True])
def test_single_estimands_agree_with_the_domain_kernel(calibrated: bool, clustered: bool) -> None:
    """Both ways: the contrast kernel's variance of one domain mean equals the domain kernel's (the moment
    and PSU-pair paths), for every area, with and without clusters and calibration."""
    rng = np.random.default_rng(7)
    design = _random_design(rng, calibrated, clustered)
    codes = design.data["area"].to_numpy()
    values = design.data[["y"]].to_numpy()
    expected = domain_means(design, values, codes, 7)
    estimands = Estimands.from_domains([np.ones(design.n_rows, dtype=bool)], codes, 7)
    identity = Contrasts(np.arange(7), np.arange(7), np.ones(7), 7)
    got = contrast_means(design, values, estimands, identity)
    np.testing.assert_allclose(got.contrast, expected.estimate, rtol=1e-12)
    np.testing.assert_allclose(got.variance, expected.variance, rtol=1e-9,
                               err_msg="variance of each area mean: contrast kernel vs domain kernel")


def test_peer_difference_of_independent_areas_by_hand() -> None:
    """Areas that are strata are independent, so Var(area - group mean) = (1 - 1/m)^2 V_a + sum_{b != a} V_b / m^2."""
    from survey.judging.peers import peer_comparison, peer_groups_from_frame

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"la": np.repeat(list("ABCDE"), 30), "w": rng.uniform(1, 3, 150), "y": rng.normal(size=150)})
    design = make_design(data, weight="w", strata="la")
    groups = peer_groups_from_frame(pd.DataFrame({"area": list("ABCDE"), "group": ["g"] * 3 + ["h"] * 2}))
    table = peer_comparison(design, [_mean(list(data["y"]))], "la", groups, min_base=1).set_index("domain_value")
    variance = table["se"] ** 2
    for area, members in (("A", "ABC"), ("B", "ABC"), ("D", "DE")):
        m = len(members)
        expected = (1 - 1 / m) ** 2 * variance[area] + sum(variance[b] for b in members if b != area) / m**2
        got = table.loc[area, "se_difference"] ** 2
        assert got == pytest.approx(expected, rel=1e-10), f"{area}: expected Var {expected}, got {got}"
        assert table.loc[area, "peer_mean"] == pytest.approx(np.mean([table.loc[b, "estimate"] for b in members]))
