"""Thin domains, concentrated weights and suppressed rows: what an estimate cannot support is said beside it.

Each test is a case of issue 20 ("No confident wrong answer from the survey half") that gave a confident
number before: an authority inside one PSU with a NaN or near-zero interval and no note, an interval on 1
degree of freedom printed as "+/- 50.0", one weight a million times the rest with an effective n above n, a
suppressed row whose `ci_method` gave away that everyone agreed, and a certainty stratum refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reporting.publication import publication_table
from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import mean_target, proportion_target


def clustered_areas() -> pd.DataFrame:
    """Three strata of clustered returns; area 'thin' lies wholly inside one PSU of stratum s1, area 'two'
    in two PSUs of stratum s2 (1 degree of freedom), area 'wide' across many PSUs."""
    rng = np.random.default_rng(5)
    rows = []
    for stratum, n_psu in (("s1", 4), ("s2", 4), ("s3", 6)):
        for psu in range(n_psu):
            for _ in range(15):
                if stratum == "s1":
                    area = "thin" if psu == 0 else "wide"
                elif stratum == "s2":
                    area = "two" if psu < 2 else "wide"
                else:
                    area = "wide"
                rows.append({"stratum": stratum, "psu": psu, "area": area, "w": rng.uniform(5, 15),
                             "agree": int(rng.random() < 0.4) + 1, "y": rng.normal(10, 2)})
    return pd.DataFrame(rows)


def row(table: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    return table[(table["indicator"] == indicator) & (table["domain_value"] == area)].iloc[0]


def test_a_domain_inside_one_psu_has_no_interval_and_the_row_says_why() -> None:
    data = clustered_areas()
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    table = estimate(design, [proportion_target(data, "agree", "1"), mean_target(data, "y")], by=["area"],
                     min_base=1)
    for indicator in ("proportion:agree=1", "mean:y"):
        thin = row(table, indicator, "thin")
        found = thin["degrees_of_freedom"]
        assert found == 0, f"one PSU in one stratum: expected 0 df, found {found}"
        assert np.isnan(thin["ci_lower"]) and np.isnan(thin["ci_upper"]), (
            f"{indicator}: an interval on 0 df must be blank, found {thin['ci_lower']}-{thin['ci_upper']}")
        assert "not estimable: 0 degrees of freedom" in thin["caution"], f"no reason given: {thin['caution']!r}"
        assert np.isnan(thin["se"]), f"{indicator}: a variance on 0 df is no SE, found {thin['se']}"
    wide = row(table, "proportion:agree=1", "wide")
    assert "degree" not in wide["caution"] and np.isfinite(wide["ci_lower"]), "a domain on many PSUs is not flagged"


def test_an_interval_on_one_degree_of_freedom_is_flagged_in_the_table_and_hidden_in_publication() -> None:
    data = clustered_areas()
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    table = estimate(design, [proportion_target(data, "agree", "1")], by=["area"], min_base=1)
    two = row(table, "proportion:agree=1", "two")
    assert two["degrees_of_freedom"] == 1
    assert "interval on 1 degree of freedom" in two["caution"], f"expected a flag, found {two['caution']!r}"
    published = publication_table(table, {})
    shown = published[published["area"].astype(str).str.contains("two")].iloc[0]
    assert "+/-" not in shown["published"], f"an interval on 1 df must not be printed as +/-: {shown['published']!r}"
    assert "1 degree of freedom" in shown["note"], f"the publication note must say why: {shown['note']!r}"
    assert pd.isna(shown["half_width"]), f"expected no half-width, found {shown['half_width']}"


def test_df_design_uses_the_whole_designs_degrees_of_freedom() -> None:
    data = clustered_areas()
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    table = estimate(design, [proportion_target(data, "agree", "1")], by=["area"], min_base=1, df_rule="design")
    assert set(table["degrees_of_freedom"]) == {design.degrees_of_freedom}, "--df design: every row on degf(design)"
    with pytest.raises(SurveyInputError, match="--df 'psu'"):
        estimate(design, [proportion_target(data, "agree", "1")], df_rule="psu")  # type: ignore[arg-type]


def test_one_weight_a_million_times_the_rest_is_reported_and_flagged() -> None:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"w": np.ones(400), "agree": (rng.random(400) < 0.3).astype(int) + 1})
    data.loc[7, ["w", "agree"]] = [1e6, 1]
    table = estimate(make_design(data, weight="w"), [proportion_target(data, "agree", "1")], min_base=1)
    overall = table.iloc[0]
    share = overall["weight_share_max"]
    assert share > 0.99, f"largest weight's share expected > 0.99, found {share}"
    assert overall["n_effective_kish"] < 1.01, f"Kish effective n expected about 1, found {overall['n_effective_kish']}"
    assert overall["n_effective"] > overall["n_unweighted"], "the case: design-based effective n above n"
    assert "exceeds n" in overall["caution"], f"effective n above n must be flagged: {overall['caution']!r}"


def test_a_suppressed_row_blanks_ci_method_too() -> None:
    data = pd.DataFrame({"area": ["a"] * 10 + ["b"] * 100, "agree": [1] * 10 + [1, 2] * 50})
    table = estimate(make_design(data), [proportion_target(data, "agree", "1")], by=["area"], min_base=50,
                     suppress=True)
    small = row(table, "proportion:agree=1", "a")
    assert bool(small["low_base"]) and np.isnan(small["estimate"])
    assert small["ci_method"] is None or pd.isna(small["ci_method"]), (
        f"a suppressed row must not say how its interval was made: ci_method = {small['ci_method']!r}")
    assert not small["caution"], "nor carry cautions that describe its answers"


def test_a_certainty_stratum_adds_no_variance_and_is_not_refused_as_lonely() -> None:
    """A stratum whose fpc says it was fully sampled (f = 1) is a certainty stratum: R's onestrat returns 0
    before looking at lonely PSUs, so lonely-PSU 'fail' does not trip on it."""
    data = pd.DataFrame({"s": ["a", "a", "a", "b"], "psu": [1, 2, 3, 1], "popsize": [10, 10, 10, 1],
                         "w": [3.0, 3.0, 4.0, 1.0], "y": [1.0, 2.0, 4.0, 7.0]})
    design = make_design(data, weight="w", strata="s", psu="psu", fpc="popsize", lonely_psu="fail")
    table = estimate(design, [mean_target(data, "y")], by=["s"], min_base=1)
    overall = row(table, "mean:y", "all")
    assert np.isfinite(overall["se"]) and overall["se"] > 0, f"expected an SE from stratum a, found {overall['se']}"
    only_a = make_design(data[data["s"] == "a"], weight="w", strata="s", psu="psu", fpc="popsize")
    ya = estimate(only_a, [mean_target(data[data["s"] == "a"], "y")], min_base=1).iloc[0]
    assert row(table, "mean:y", "a")["se"] == pytest.approx(ya["se"], rel=1e-12)
