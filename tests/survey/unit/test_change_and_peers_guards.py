"""Change and peer judgements on thin data: t tests on the design's degrees of freedom, empty periods, and the
retrospective threshold beside the Annex's prospective minimum movement (issue 20, part 4).

Before: the tests used z = 1.96 while each estimate's interval used t; a domain with no sample in one period got
`current_se = 0` and a minimum movement; `safer peers` crashed with a KeyError; the minimum movement was called
"the level a change from the base must pass to be significant", which fails when the current SE differs or the
periods overlap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.design import make_design
from survey.estimation.targets import mean_target, proportion_target
from survey.judging.change import change
from survey.judging.peers import peer_comparison, peer_groups_from_frame
from survey.judging.periods import Period, level_period


def two_years(n_psu: int = 3, seed: int = 11) -> pd.DataFrame:
    """Two survey years of a clustered sample: two strata of `n_psu` PSUs each, areas A-D."""
    rng = np.random.default_rng(seed)
    rows = []
    for year, shift in ((2008, 0.0), (2009, 0.12)):
        for stratum in ("s1", "s2"):
            for psu in range(n_psu):
                effect = rng.normal(0, 0.08)
                for i in range(20):
                    area = {"s1": "AB", "s2": "CD"}[stratum][i % 2]
                    rows.append({"year": year, "stratum": f"{year}{stratum}", "psu": psu, "area": area,
                                 "agree": int(rng.random() < 0.4 + shift + effect) + 1, "w": rng.uniform(1, 3)})
    return pd.DataFrame(rows)


def test_change_is_tested_with_t_on_the_changes_degrees_of_freedom_not_z() -> None:
    data = two_years()
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    base, current = level_period(data, "year", "2008"), level_period(data, "year", "2009")
    row = change(design, [proportion_target(data, "agree", "1")], base, current, min_base=1).iloc[0]
    df = design.degrees_of_freedom
    assert row["degrees_of_freedom"] == df == 8, f"expected 12 PSUs - 4 strata = 8, found {row['degrees_of_freedom']}"
    expected_p = 2 * stats.t.sf(abs(row["change"]) / row["se_change"], df)
    assert row["p_value"] == pytest.approx(expected_p, rel=1e-10), "p-value: expected Student's t on the design df"
    assert row["p_value"] > 2 * stats.norm.sf(abs(row["change"]) / row["se_change"]), "t is wider than z"
    half = row["ci_upper"] - row["change"]
    assert half == pytest.approx(stats.t.ppf(0.975, df) * row["se_change"], rel=1e-10)
    assert row["retrospective_movement"] == pytest.approx(half, rel=1e-12)


def test_a_domain_with_no_sample_in_one_period_gets_an_empty_row_with_a_note() -> None:
    data = two_years()
    data = data[~((data["year"] == 2009) & (data["area"] == "D"))].reset_index(drop=True)
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    base, current = level_period(data, "year", "2008"), level_period(data, "year", "2009")
    table = change(design, [proportion_target(data, "agree", "1")], base, current, by=["area"], min_base=1)
    d = table[table["domain_value"] == "D"].iloc[0]
    assert d["current_n"] == 0
    for column in ("current_estimate", "current_se", "change", "se_change", "p_value", "retrospective_threshold"):
        assert np.isnan(d[column]), f"{column}: expected blank for a domain with no current sample, found {d[column]}"
    assert pd.isna(d["significant"]) and pd.isna(d["direction"]), "no test, no direction"
    assert "no respondent in this domain in period '2009'" in d["note"], f"expected a note, found {d['note']!r}"
    assert np.isfinite(d["minimum_movement"]), "the prospective movement needs only the base"


def test_peers_with_an_area_unsampled_in_one_period_give_empty_rows_not_a_crash() -> None:
    data = two_years()
    data = data[~((data["year"] == 2009) & (data["area"] == "D"))].reset_index(drop=True)
    design = make_design(data, weight="w", strata="stratum", psu="psu")
    groups = peer_groups_from_frame(pd.DataFrame({"area": list("ABCD"), "group": ["g1", "g1", "g2", "g2"]}))
    base, current = level_period(data, "year", "2008"), level_period(data, "year", "2009")
    table = peer_comparison(design, [proportion_target(data, "agree", "1")], "area", groups, base=base,
                            current=current, min_base=1)
    d = table[table["domain_value"] == "D"].iloc[0]
    assert np.isnan(d["estimate"]) and np.isnan(d["difference"]) and np.isnan(d["pace_difference"])
    assert "no respondent in this area in period '2009'" in d["note"], f"expected a note, found {d['note']!r}"
    c = table[table["domain_value"] == "C"].iloc[0]
    assert c["peer_mean"] == pytest.approx(c["estimate"]), "C's only sampled peer in 2009 is C itself"
    assert np.isfinite(c["p_value"]) or c["se_difference"] == 0


def test_the_retrospective_threshold_is_the_one_significance_follows() -> None:
    """Overlapping windows and a current SE unlike the base's: the prospective threshold (Annex) can disagree
    with the test; the retrospective one never does."""
    rng = np.random.default_rng(2)
    n = 3000
    data = pd.DataFrame({"month": rng.integers(0, 18, n), "y": rng.normal(10, 3, n),
                         "w": np.where(rng.random(n) < 0.5, 1.0, 6.0)})
    data.loc[data["month"] >= 12, "y"] += 0.25
    design = make_design(data, weight="w")
    base = Period("first year", (data["month"] < 12).to_numpy())
    current = Period("rolling year", (data["month"] >= 6).to_numpy())
    table = change(design, [mean_target(data, "y")], base, current, min_base=1)
    row = table.iloc[0]
    assert row["shared_n"] > 0
    beyond = abs(row["change"]) > row["retrospective_movement"]
    assert beyond == bool(row["significant"]), "significant exactly when the change passes the retrospective threshold"
    assert row["retrospective_movement"] != pytest.approx(row["minimum_movement"], rel=0.02), (
        "with overlap the retrospective threshold must differ from the prospective one")
