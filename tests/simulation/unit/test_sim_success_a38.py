"""The A.38 test itself, on rows built by hand so that every answer is known: direction, baseline year, and when a
probability is not estimable. None of these reads a stored result.

A.38 (000:724-728): the adult rate, the youth rate and serious re-offences are each lower in 2011 than in 2004 Q1.
The rows give each (cohort, year, scenario, replication) a level, and each scenario's change from a baseline year to
2011 on the same offenders, for 2004 *and* 2005, so that code comparing the wrong year finds rows and answers wrongly
(rather than failing to find them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.inputs.figures import load_figures
from simulation.inputs.params import default_params
from simulation.inputs.year_effects import load_year_effects
from simulation.questions.projection_spec import ProjectionSpec
from simulation.questions.success import CRITERIA, success_probabilities

A38_BASELINE, A38_TARGET = 2004, 2011  # the Annex's years, written out: not read from the code under test
REPLICATIONS = 6
MC_VARIANCE = 40.0  # offender-level variance of a rate per 100: real cohorts of 45,000 give sigma about 0.04


def _spec() -> ProjectionSpec:
    return ProjectionSpec(default_params(), load_figures(), load_year_effects(), first_year=2004, adult_size=1000,
                          youth_size=1000, trend_sensitivity=False)


def _rows(levels: dict[tuple[str, int, str], float], scenarios: list[str]) -> pd.DataFrame:
    """Rows of levels (cohort, year, scenario) -> value for frequency and serious, and each scenario's change from
    2004 and from 2005 to 2011 (against the baseline's level in that year), with small replication noise."""
    rng = np.random.default_rng(1)
    rows = []
    for r in range(REPLICATIONS):
        noise = rng.normal(0, 0.05)
        for (cohort, year, scenario), value in levels.items():
            for measure, scale in (("frequency_per_100", 1.0), ("serious_per_100", 0.005)):
                rows.append({"cohort": cohort, "year": year, "scenario": scenario, "replication": r,
                             "measure": measure, "group": "all", "group_value": "all",
                             "value": scale * (value + noise), "mc_variance": scale**2 * MC_VARIANCE})
        for cohort in ("adult", "youth"):
            for scenario in scenarios:
                for start in (2004, 2005):
                    before = levels[(cohort, start, "baseline")]
                    after = levels[(cohort, A38_TARGET, scenario)]
                    for measure, scale in (("frequency_per_100", 1.0), ("serious_per_100", 0.005)):
                        rows.append({"cohort": cohort, "year": A38_TARGET, "scenario": scenario, "replication": r,
                                     "measure": f"{measure} change {start}-{A38_TARGET}", "group": "all",
                                     "group_value": "all", "value": scale * (after - before + noise),
                                     "mc_variance": scale**2 * MC_VARIANCE / 100})
    return pd.DataFrame(rows)


def _levels(base_2004: float, base_2005: float, baseline_2011: float, shifts: dict[str, float]
            ) -> dict[tuple[str, int, str], float]:
    out = {}
    for cohort in ("adult", "youth"):
        out[(cohort, 2004, "baseline")] = base_2004
        out[(cohort, 2005, "baseline")] = base_2005
        for scenario, shift in shifts.items():
            out[(cohort, A38_TARGET, scenario)] = baseline_2011 + shift
    return out


def _probability(table: pd.DataFrame, scenario: str, criterion: str) -> float:
    row = table[(table["scenario"] == scenario) & (table["criterion"] == criterion)].iloc[0]
    return float(row["probability"])


def test_a_scenario_that_lowers_2011_raises_p_success_and_one_that_raises_it_lowers_it():
    """2011 sits at the 2004 level in the baseline (P undecided); a scenario that lowers 2011 by 1 per 100 must
    raise P(success) for every criterion, one that raises it by 1 must lower it."""
    shifts = {"baseline": 0.0, "lowers": -1.0, "raises": 1.0}
    table = success_probabilities(_rows(_levels(180.0, 170.0, 180.0, shifts), list(shifts)), _spec(),
                                  names=list(shifts))
    for criterion in CRITERIA:
        base, lower, higher = (_probability(table, s, criterion) for s in ("baseline", "lowers", "raises"))
        assert 0.05 < base < 0.95, f"{criterion}: the baseline should be undecided, found P = {base:.3f}"
        assert lower > base + 0.1, f"{criterion}: lowering 2011 should raise P(success): {base:.3f} -> {lower:.3f}"
        assert higher < base - 0.1, f"{criterion}: raising 2011 should lower P(success): {base:.3f} -> {higher:.3f}"


def test_success_means_2011_below_the_2004_baseline_not_2005():
    """2004 is high (200), 2005 low (150), 2011 in between (175): A.38 compares 2011 with 2004 Q1 (000:673), so
    success is near certain; compared with 2005 it would be near impossible."""
    shifts = {"baseline": 0.0}
    table = success_probabilities(_rows(_levels(200.0, 150.0, 175.0, shifts), list(shifts)), _spec(),
                                  names=list(shifts))
    for criterion in CRITERIA:
        p = _probability(table, "baseline", criterion)
        assert p > 0.99, f"{criterion}: 2011 (175) is below 2004 (200), expected P(success) near 1, found {p:.3f}"


@pytest.mark.parametrize("missing", ["youth", "adult"])
def test_a_cohort_without_figures_is_not_estimable_never_a_probability(missing):
    shifts = {"baseline": 0.0}
    status = {(kind, year): "calibrated" for kind in ("adult", "youth") for year in (A38_BASELINE, A38_TARGET)}
    status[(missing, A38_BASELINE)] = status[(missing, A38_TARGET)] = "uncalibrated"
    table = success_probabilities(_rows(_levels(200.0, 150.0, 175.0, shifts), list(shifts)), _spec(), status,
                                  names=list(shifts))
    blank = table[table["criterion"].isin([missing, "serious", "all"])]
    assert blank["probability"].isna().all() and not blank["estimable"].any(), blank
    assert blank["note"].str.startswith("not estimable").all()
    kept = table[~table["criterion"].isin([missing, "serious", "all"])]
    assert kept["estimable"].all() and kept["probability"].notna().all()


def test_identical_2004_and_2011_cohorts_are_not_estimable_rather_than_fifty_percent():
    """The old youth answer: the same offenders under the same parameters in both years, a change of exactly zero
    in every replication, printed as Phi(0) = 50% (50-50). It must be refused."""
    levels = _levels(180.0, 170.0, 180.0, {"baseline": 0.0})
    rows = _rows(levels, ["baseline"])
    change = rows["measure"].str.contains(" change ")
    rows.loc[change, "value"] = 0.0
    table = success_probabilities(rows, _spec(), names=["baseline"])
    assert table["probability"].isna().all(), table
    assert not ((table["probability"] == 0.5) & (table["ci_lower"] == table["ci_upper"])).any()


def test_too_few_replications_for_a_probability_say_how_many_precision_would_run():
    from simulation.questions.projection_text import precision_advice

    shifts = {"baseline": 0.0}
    rows = _rows(_levels(180.0, 170.0, 180.0, shifts), list(shifts))
    rows.loc[rows["measure"].str.contains(" change "), "value"] *= 40  # noisy replications: a wide interval
    from simulation.questions.projection_spec import national_sizes
    from simulation.questions.success import replication_probabilities

    table = success_probabilities(rows, _spec(), names=["baseline"])
    per = replication_probabilities(rows, national_sizes(_spec()), ["baseline"])
    advice = precision_advice(table, per, None)
    assert advice is not None and f"rest on {REPLICATIONS} replications" in advice and "--precision 0.05" in advice
    needed = int(advice.split("--replications ")[1].rstrip(".").replace(",", ""))
    assert needed > REPLICATIONS, advice


def test_money_prints_as_pounds_with_separators_and_never_as_nan():
    from simulation.questions.projection_text import NOT_ESTIMABLE, money, percent

    assert money(1234567.4) == "£1,234,567" and money(-9876.5) == "-£9,876" and money(float("nan")) == NOT_ESTIMABLE
    assert percent(0.9999) == ">99%" and percent(0.0001) == "<1%" and percent(float("nan")) == NOT_ESTIMABLE
