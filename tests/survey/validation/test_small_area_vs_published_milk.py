"""Against published results of the area-level model on the milk expenditure data that samplics ships.

The published figures are those of samplics' own tutorial on area-level modelling (its documentation page
"Area Level Modeling": EblupAreaModel, REML, major areas as dummies, tol 1e-8): the fixed effects, the SD of the
area effects, all 43 EBLUPs (printed in full) and MSEs (printed to six decimals). The same model in R's `sae`
(`eblupFH(yi ~ as.factor(MajorArea), SD^2)`) gives the same values; see test_small_area_vs_r.py. The data
(Arora & Lahiri 1997; You & Chapman 2006) come from `samplics.datasets.load_expenditure_milk`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from survey.small_area.model import SmallAreaOptions, small_area_estimates

PUBLISHED_FIXED_EFFECTS = [0.96818899, 0.13278031, 0.22694622, -0.24130104]
PUBLISHED_AREA_SD = 0.1361996136767915
PUBLISHED_EBLUP = [
    1.0219705441558895, 1.047601951445677, 1.0679514263086396, 0.7608165650758552,
    0.8461570437704427, 0.9743727061135175, 1.0584526719577583, 1.0977762561870668,
    1.2215454894600388, 1.1951460148495627, 0.7852149191679922, 1.2139462053925374,
    1.2096597208051414, 0.9834964411924453, 1.1864247095921692, 1.1556981139181453,
    1.2263412506598241, 1.2856489886705895, 1.2363248408581458, 1.2349601393920562,
    1.090301627484137, 1.1923057228337588, 1.1216467667588341, 1.2230297218953323,
    1.1938054443945294, 0.7627195896418987, 0.7649551532185552, 0.7338443880846521,
    0.7699295541643933, 0.6134416233555452, 0.7695560722792778, 0.7958253116952814,
    0.7723188477263883, 0.610230068308824, 0.7001781896510536, 0.7592788104101726,
    0.5298863364482942, 0.743446678039724, 0.7548996331139428, 0.7701919657191105,
    0.7481164238473628, 0.8040775158100446, 0.6810868850580024,
]
PUBLISHED_MSE = [
    0.01346, 0.005373, 0.005702, 0.008542, 0.00958, 0.011671, 0.015926, 0.010587,
    0.014184, 0.014902, 0.007694, 0.016337, 0.012563, 0.012117, 0.012031, 0.011709,
    0.01086, 0.013691, 0.011035, 0.01308, 0.009949, 0.017244, 0.011292, 0.013625,
    0.008066, 0.009205, 0.009205, 0.016477, 0.007801, 0.006099, 0.015442, 0.014658,
    0.009025, 0.003871, 0.007801, 0.009646, 0.006404, 0.010156, 0.00721, 0.00847,
    0.005485, 0.009205, 0.009904,
]


def milk_as_direct_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The milk data as a `safer estimate --by small_area` table and a covariate file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.datasets import load_expenditure_milk
    milk = load_expenditure_milk()["data"]
    direct = pd.DataFrame({
        "indicator": "milk", "domain": "small_area", "domain_value": milk["small_area"].astype(str),
        "estimate": milk["direct_est"], "se": milk["std_error"], "n_unweighted": milk["samp_size"],
    })
    covariates = pd.DataFrame({"small_area": milk["small_area"].astype(str), "major_area": milk["major_area"]})
    return direct, covariates


def test_reml_fit_reproduces_the_published_milk_results() -> None:
    direct, covariates = milk_as_direct_table()
    result = small_area_estimates(direct, covariates, "~ C(major_area)", options=SmallAreaOptions(method="reml"))
    model = result.models["milk"]
    np.testing.assert_allclose(list(model["coefficients"].values()), PUBLISHED_FIXED_EFFECTS, atol=5e-9,
                               err_msg="fixed effects: expected the published values")
    np.testing.assert_allclose(np.sqrt(model["area_variance"]), PUBLISHED_AREA_SD, rtol=1e-7,
                               err_msg="SD of the area effects: expected the published value")
    np.testing.assert_allclose(result.table["eblup"], PUBLISHED_EBLUP, rtol=1e-7,
                               err_msg="EBLUPs: expected the published values")
    np.testing.assert_allclose(result.table["mse"], PUBLISHED_MSE, atol=5e-7,
                               err_msg="MSEs: expected the published values (printed to 6 decimals)")


def test_published_comparison_has_power() -> None:
    """ML instead of REML moves the milk MSEs by more than the published rounding: the test above can fail."""
    direct, covariates = milk_as_direct_table()
    ml = small_area_estimates(direct, covariates, "~ C(major_area)", options=SmallAreaOptions(method="ml")).table
    assert np.max(np.abs(ml["mse"].to_numpy() - PUBLISHED_MSE)) > 1e-5
