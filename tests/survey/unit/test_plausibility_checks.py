"""Implausible inputs draw a warning or a refusal (issue 20, part 3).

Before: controls given as shares (summing to 1 per authority) were accepted and moved national NI 17 from 0.178
to 0.170; control totals whose margins differed by 1 person in 24,420 were refused with no way round it;
`sae` modelled direct estimates x100 (or above 1) as a proportion and gave negative EBLUPs; and `sae --variance
direct` gave an authority inside one PSU a shrinkage of 0.99 and a 2-point interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from survey.errors import SurveyInputError, SurveyWarning
from survey.small_area.model import checked_options, small_area_estimates
from survey.weighting.controls import control_totals_from_frame


def shares_by_authority() -> pd.DataFrame:
    rows = []
    for la in ("E1", "E2", "E3"):
        rows += [(la, "sex", "1", 0.49), (la, "sex", "2", 0.51), (la, "age", "1", 0.3), (la, "age", "2", 0.7)]
    return pd.DataFrame(rows, columns=["la", "variable", "category", "total"])


def test_controls_that_add_up_to_one_per_group_draw_a_warning_asking_about_shares() -> None:
    with pytest.warns(SurveyWarning, match=r"add up to about 1 .*are these shares or percentages"):
        control_totals_from_frame(shares_by_authority(), ["la"])
    percentages = shares_by_authority().assign(total=lambda f: f["total"] * 100)
    with pytest.warns(SurveyWarning, match="add up to about 100"):
        control_totals_from_frame(percentages, ["la"])
    counts = shares_by_authority().assign(total=lambda f: f["total"] * 24_420)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SurveyWarning)
        control_totals_from_frame(counts, ["la"])  # population counts: no warning


def test_margins_one_person_apart_are_refused_by_default_naming_the_largest_and_accepted_with_a_tolerance() -> None:
    frame = pd.DataFrame({"la": ["E1"] * 4 + ["E2"] * 4, "variable": ["sex", "sex", "age", "age"] * 2,
                          "category": ["1", "2", "1", "2"] * 2,
                          "total": [12000, 12420, 10000, 14421, 500, 500, 400, 600.5]})
    with pytest.raises(SurveyInputError) as refused:
        control_totals_from_frame(frame, ["la"])
    message = str(refused.value)
    assert "largest discrepancy is in group la=E2" in message, message  # 0.5 in 1,000 beats 1 in 24,420
    assert "--control-tolerance" in message
    with pytest.warns(SurveyWarning, match="scaled to its group's 'sex' total"):
        controls = control_totals_from_frame(frame, ["la"], tolerance=1e-3)
    sums = controls.table.groupby(["la", "variable"])["total"].sum()
    assert sums[("E1", "age")] == pytest.approx(24_420, rel=1e-12) and sums[("E2", "age")] == pytest.approx(1000)


def direct_table(estimates: list[float], degrees: list[int] | None = None, survey: str = "place 2008") -> pd.DataFrame:
    areas = [f"A{i}" for i in range(len(estimates))]
    table = pd.DataFrame({"survey": survey, "indicator": "NI17", "domain": "la", "domain_value": areas,
                          "estimate": estimates, "se": 0.02, "n_unweighted": 120, "n_effective": 80.0, "deff": 1.5,
                          "low_base": False})
    if degrees is not None:
        table["degrees_of_freedom"] = degrees
    return table


COVARIATES = pd.DataFrame({"la": [f"A{i}" for i in range(8)], "imd": np.linspace(0, 1, 8)})


def test_sae_refuses_a_proportion_indicator_given_in_per_cent() -> None:
    per_cent = [12.0, 18.5, 15.2, 22.1, 9.8, 17.0, 14.4, 20.3]
    with pytest.raises(SurveyInputError, match=r"NI17 is a proportion, but 8 area\(s\) have direct estimates "
                                               r"outside \[0, 1\]"):
        small_area_estimates(direct_table(per_cent), COVARIATES, "~ imd", options=checked_options())
    small_area_estimates(direct_table([v / 100 for v in per_cent]), COVARIATES, "~ imd", options=checked_options())


def test_sae_with_direct_variances_refuses_areas_on_zero_degrees_of_freedom_naming_them() -> None:
    table = direct_table([0.12, 0.18, 0.15, 0.22, 0.10, 0.17, 0.14, 0.20], degrees=[9, 9, 0, 9, 9, 9, 9, 9])
    table.loc[2, "se"] = 0.0004  # an authority inside one PSU: a near-zero SE
    with pytest.raises(SurveyInputError, match=r"A2.*--variance gvf"):
        small_area_estimates(table, COVARIATES, "~ imd", options=checked_options(variance="direct"))
    result = small_area_estimates(table, COVARIATES, "~ imd", options=checked_options(variance="gvf"))
    a2 = result.table.set_index("area").loc["A2"]
    assert a2["shrinkage"] < 0.99, "with smoothed variances the area no longer takes all the weight"
