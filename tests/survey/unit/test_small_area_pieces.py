"""The pieces of the small-area model against hand computations and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from survey.errors import SurveyInputError
from survey.small_area import gvf
from survey.small_area.eblup import predict
from survey.small_area.fay_herriot import fit_fay_herriot, fit_many
from survey.small_area.formula import check_full_rank, design_matrix, parse_formula
from survey.small_area.model import SmallAreaOptions, small_area_estimates
from survey.small_area.transform import arcsine_sqrt, bias_corrected_back


def test_batched_fits_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(25), rng.normal(size=25)])
    d = rng.uniform(0.01, 0.05, 25)
    y = 0.5 + 0.1 * x[:, 1] + rng.normal(0, 0.1, (6, 25)) + rng.normal(0, np.sqrt(d), (6, 25))
    many = fit_many(y, d, x, "reml")
    for row in range(6):
        one = fit_fay_herriot(y[row], d, x, "reml")
        assert many.area_variance[row] == pytest.approx(one.area_variance, rel=1e-9)
        np.testing.assert_allclose(many.beta[row], one.beta, rtol=1e-9)


def test_no_area_effect_gives_a_boundary_fit_and_synthetic_estimates() -> None:
    x = np.column_stack([np.ones(8), np.arange(8.0)])
    y = 0.2 + 0.03 * np.arange(8.0) + np.array([0.001, -0.001] * 4)  # far less spread than the sampling variance
    d = np.full(8, 0.01)
    fit = fit_fay_herriot(y, d, x, "reml")
    assert fit.at_boundary and fit.area_variance == 0.0
    prediction = predict(fit, y, d, x, np.ones(8, dtype=bool))
    np.testing.assert_allclose(prediction.eblup, prediction.synthetic)
    np.testing.assert_allclose(prediction.shrinkage, 0.0)


def test_out_of_sample_mse_is_the_limit_of_a_huge_sampling_variance() -> None:
    rng = np.random.default_rng(8)
    x = np.column_stack([np.ones(20), rng.normal(size=20)])
    d = rng.uniform(0.01, 0.03, 20)
    y = x @ np.array([0.3, 0.05]) + rng.normal(0, 0.1, 20)
    in_fit = np.arange(20) < 19
    for method in ("reml", "ml"):
        fit = fit_fay_herriot(y[:19], d[:19], x[:19], method)  # area 19 has no direct estimate
        out = predict(fit, y, d, x, in_fit)
        # The same area "sampled" with an enormous sampling variance carries no information: same MSE.
        limit = predict(fit, y, np.r_[d[:19], 1e15], x, np.ones(20, dtype=bool))
        assert out.mse[19] == pytest.approx(limit.mse[19], rel=1e-9), method
        assert out.shrinkage[19] == 0.0 and out.eblup[19] == pytest.approx(x[19] @ fit.beta)
        if method == "reml":
            assert out.mse[19] == pytest.approx(fit.area_variance + x[19] @ fit.beta_cov @ x[19], rel=1e-12)


@pytest.mark.parametrize(("theta", "variance"), [(0.3, 0.01), (0.8, 0.05), (1.4, 0.02), (0.05, 0.03)])
def test_bias_corrected_back_transform_is_the_normal_expectation_of_sin_squared(theta: float,
                                                                                variance: float) -> None:
    sd = np.sqrt(variance)
    expected, _ = integrate.quad(lambda t: np.sin(t) ** 2 * stats.norm.pdf(t, theta, sd), theta - 12 * sd,
                                 theta + 12 * sd)
    assert float(bias_corrected_back(np.array([theta]), np.array([variance]))[0]) == pytest.approx(expected,
                                                                                                  rel=1e-9)


def test_arcsine_scale_variance_is_stable_across_p() -> None:
    rng = np.random.default_rng(1)
    n = 400
    for p in (0.1, 0.5):
        draws = arcsine_sqrt(rng.binomial(n, p, 200_000) / n)
        assert np.var(draws) == pytest.approx(1 / (4 * n), rel=0.05), f"p = {p}"


def test_gvf_pieces() -> None:
    assert gvf.pooled_design_effect(np.array([1.0, 3.0, np.nan]), np.array([100, 300, 50])) == 2.5
    base = gvf.smoothed_effective_base(np.array([100.0, 0.0]), 2.0)
    assert base[0] == 50.0 and np.isnan(base[1])
    assert gvf.proportion_variance(np.array([0.2]), np.array([50.0]))[0] == pytest.approx(0.2 * 0.8 / 50)
    assert gvf.proportion_variance(np.array([0.0]), np.array([50.0]))[0] > 0, "D must stay positive at p = 0"
    assert gvf.arcsine_variance(np.array([50.0]))[0] == pytest.approx(1 / 200)
    with pytest.raises(SurveyInputError, match="design effects"):
        gvf.pooled_design_effect(np.array([np.nan]), np.array([10]))


def test_formula_terms_and_collinearity_are_named() -> None:
    covariates = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8], "r": ["x", "y", "x", "z"],
                               "c": [1.0, 5, 2, 7]})
    x, names = design_matrix(parse_formula("~ a + log(c) + C(r)"), covariates, "areas.csv")
    assert names == ["(Intercept)", "a", "log(c)", "C(r)[y]", "C(r)[z]"]
    np.testing.assert_allclose(x[:, 2], np.log(covariates["c"]))
    x, names = design_matrix(parse_formula("~ a + b"), covariates, "areas.csv")
    with pytest.raises(SurveyInputError, match=r"'b' is collinear .*linear combination of a"):
        check_full_rank(x, names, "areas.csv")
    with pytest.raises(SurveyInputError, match="log\\(a\\) needs positive"):
        design_matrix(parse_formula("~ log(a)"), covariates.assign(a=[0.0, 1, 2, 3]), "areas.csv")
    with pytest.raises(SurveyInputError, match="response is the direct estimate"):
        parse_formula("y ~ a")


def direct_table(estimates: list[float], low_base: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": "P", "domain": "la", "domain_value": [f"A{i}" for i in range(len(estimates))],
        "estimate": estimates, "se": [np.nan if np.isnan(e) else 0.04 for e in estimates],
        "n_unweighted": [30 if flag else 120 for flag in low_base], "low_base": low_base,
    })


def test_suppressed_and_missing_areas_get_the_synthetic_estimate_and_say_why() -> None:
    estimates = [0.10, 0.22, np.nan, 0.35, 0.30, 0.41, 0.27, np.nan]
    low_base = [False, False, True, False, False, False, False, False]
    covariates = pd.DataFrame({"la": [f"A{i}" for i in range(9)], "imd": np.arange(9.0)})
    out = small_area_estimates(direct_table(estimates, low_base), covariates, "~ imd").table.set_index("area")
    assert out.loc["A2", "method"] == "synthetic: direct suppressed"
    assert out.loc["A7", "method"] == "synthetic: no direct estimate"
    assert out.loc["A8", "method"] == "synthetic: no sample"
    for area in ("A2", "A7", "A8"):
        assert bool(out.loc[area, "synthetic"])
        assert out.loc[area, "eblup"] == pytest.approx(out.loc[area, "synthetic_estimate"])
    assert out.loc["A2", "n_unweighted"] == 30
    assert (~out.loc[["A0", "A1", "A3"], "synthetic"].astype(bool)).all()


def test_gvf_option_uses_the_effective_base_not_the_direct_se() -> None:
    estimates = [0.0, 0.22, 0.18, 0.35, 0.30, 0.41, 0.27]
    table = direct_table(estimates, [False] * 7).assign(se=[0.0, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04], deff=2.0)
    covariates = pd.DataFrame({"la": [f"A{i}" for i in range(7)], "imd": np.arange(7.0)})
    with pytest.raises(SurveyInputError, match="--variance gvf"):
        small_area_estimates(table, covariates, "~ imd")
    out = small_area_estimates(table, covariates, "~ imd", options=SmallAreaOptions(variance="gvf")).table
    synthetic = out["synthetic_estimate"].to_numpy()
    # A first fit's synthetic values differ a little from the final fit's; D follows p (1 - p) deff / n closely.
    np.testing.assert_allclose(out["sampling_variance"], synthetic * (1 - synthetic) * 2.0 / 120, rtol=0.2)
    assert (out["sampling_variance"] > 0).all()
