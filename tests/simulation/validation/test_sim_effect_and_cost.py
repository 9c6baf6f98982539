"""A programme's effect and its cost reach the money as they should: what it costs is always counted, what it averts
only when it has an effect.

A programme for every adult leaving custody, unlimited places, everyone taking it and completing: with a rate ratio
of 0.7 it must avert offences (clearly above zero) and its net benefit must be the crime averted less its net cost;
with a rate ratio of 1.0 (no effect) it must avert nothing (intervals around zero: the careers of participants
are drawn afresh once they are placed, so they differ by Monte Carlo noise) while its places are still paid for,
so its net benefit is clearly negative. Breaking either half (the effect silently 1.0, or the cost dropped
when nothing is averted) fails one of the two tests.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from simulation.inputs.cohort import generate_cohort
from simulation.inputs.interventions import Scenario
from simulation.measures.costs import load_unit_costs
from simulation.questions.scenario_run import run_simulation
from simulation.runs.runner import cohort_seed

COST = 2000.0


def _scenario(rate_ratio: float) -> Scenario:
    assumption = {"range": [0.0, 1.0], "source": "Assumption: a test programme with known effects"}
    return Scenario.model_validate({
        "name": "test_programme",
        "interventions": [{
            "name": "programme", "cohort": "adult", "eligibility": {"disposal": "custody"}, "programme_days": 180,
            "uptake": {"value": 1.0, **assumption}, "completion": {"value": 1.0, **assumption},
            "rate_ratio": {"value": rate_ratio, "range": [0.5, 1.0], "source": "Assumption: the test's effect"},
            "effect_days": 365, "decay": "none",
            "cost_per_place": {"value": COST, "range": [0, 5000], "price_year": 2008, "source": "Assumption: test"},
        }],
    })


def _money(rate_ratio: float) -> pd.DataFrame:
    cohort = dataclasses.replace(generate_cohort("adult", 4000, cohort_seed(31)), national_size=None)
    table = run_simulation(cohort, None, _scenario(rate_ratio), replications=4, seed=31, unit_costs=load_unit_costs())
    money = table[table["group"] == "costs"].set_index("measure")
    starts = table[(table["group"] == "programme") & (table["measure"] == "programme_starts")]["mean"].iloc[0]
    return money.assign(starts=starts)


@pytest.fixture(scope="module")
def effective() -> pd.DataFrame:
    return _money(0.7)


@pytest.fixture(scope="module")
def no_effect() -> pd.DataFrame:
    return _money(1.0)


def test_an_effective_programme_averts_offences_and_its_benefit_counts_them(effective):
    averted = effective.loc["offences_committed_averted"]
    assert averted["ci_lower"] > 0, f"a rate ratio of 0.7 must avert offences: {averted['mean']:.0f} " \
                                    f"({averted['ci_lower']:.0f} to {averted['ci_upper']:.0f})"
    proven = effective.loc["proven_reoffences_averted"]
    assert proven["ci_lower"] > 0, f"and proven re-offences: {proven['mean']:.1f}"
    crime = effective.loc["cost_of_crime_averted", "mean"]
    net_cost = effective.loc["net_cost", "mean"]
    assert crime > 0
    assert effective.loc["net_benefit", "mean"] == pytest.approx(crime - net_cost, rel=1e-9)
    places = effective.loc["cost_of_places", "mean"]
    assert places == pytest.approx(COST * effective["starts"].iloc[0], rel=1e-9), "each start costs its place"


def test_a_programme_with_no_effect_still_costs_its_places_and_averts_nothing(no_effect):
    averted = no_effect.loc["offences_committed_averted"]
    assert averted["ci_lower"] <= 0 <= averted["ci_upper"] or abs(averted["mean"]) < 1e-6, (
        f"a rate ratio of 1.0 averted {averted['mean']:.1f} ({averted['ci_lower']:.1f} to {averted['ci_upper']:.1f})")
    places = no_effect.loc["cost_of_places", "mean"]
    assert places == pytest.approx(COST * no_effect["starts"].iloc[0], rel=1e-9) and places > 0, (
        "the places are paid for whether or not the programme works")
    crime = no_effect.loc["cost_of_crime_averted"]
    assert crime["ci_lower"] <= 0 <= crime["ci_upper"], "no effect averts no cost of crime beyond Monte Carlo noise"
    assert no_effect.loc["net_benefit", "mean"] == pytest.approx(crime["mean"] - no_effect.loc["net_cost", "mean"],
                                                                  rel=1e-9)
    assert no_effect.loc["net_benefit", "ci_upper"] < 0, "no effect, a cost: the net benefit is negative"
