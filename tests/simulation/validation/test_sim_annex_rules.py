"""The Annex counting rules, case by case, on hand-made offenders and hand-made event logs.

Offender 0 starts follow-up on day 10 (one year: days 10 to 375; waiting period 6 months = 182.625 days,
so proof must come by day 557.625).

Each rule has a test that fails when the rule is broken (checked by breaking it on purpose; the list of
mutations and the tests that caught them is in docs/simulation.md, "Tests with power"):
- ignoring the waiting period: `test_offence_inside_follow_up_but_proven_too_late_does_not_count`;
- counting cautions for adults:
  `test_a_caution_does_not_count_for_an_adult_but_a_reprimand_or_warning_does_for_a_youth`;
- counting breaches: `test_a_breach_is_not_a_re_offence`, `test_a_breach_with_a_new_offence_counts_the_offence_once`;
- counting offences committed after day 365 of follow-up: `test_offences_outside_follow_up_do_not_count`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.inputs.cohort import Cohort
from simulation.inputs.vocabulary import (
    COUNTED_SANCTIONS,
    COURT_CONVICTION,
    N_SERIOUS_TYPES,
    OFFENCE_GROUPS,
    PENALTY_NOTICE,
    PRE_COURT,
    SERIOUS_SEXUAL_TYPE,
    TABLE1_GROUPS,
)
from simulation.measures.reoffending import CountingRules, counted, reoffending_counts
from simulation.model.logs import BreachLog, CareerLog, CustodyLog, OffenceLog

START = 10.0
DEADLINE_6 = START + 365 + 6 * 365.25 / 12
THEFT = N_SERIOUS_TYPES + OFFENCE_GROUPS.index("theft_handling")  # a non-serious re-offence type code
SERIOUS_TYPE = TABLE1_GROUPS.index("wounding_endangering_life")


def one_offender(kind: str = "adult") -> Cohort:
    frame = pd.DataFrame(
        {
            "offender_id": ["X1"],
            "age": [25.0 if kind == "adult" else 15.0],
            "sex": ["male"],
            "offence_group": ["burglary"],
            "disposal": ["community"],
            "previous_sanctions": [3],
            "age_first_sanction": [14.0],
            "drug_misuse": [False],
            "ppo": [False],
            "start_day": [START],
        }
    )
    return Cohort(kind=kind, frame=frame, source="hand-made")  # type: ignore[arg-type]


def log(*offences: tuple[float, float, int, int]) -> OffenceLog:
    return OffenceLog.from_rows(
        [(0, committed, proven, sanction, kind) for committed, proven, sanction, kind in offences]
    )


NO_CUSTODY = CustodyLog.from_rows([])


def count_one(
    offence: tuple[float, float, int, int],
    kind: str = "adult",
    waiting_months: float = 6.0,
    custody: CustodyLog = NO_CUSTODY,
) -> bool:
    rules = CountingRules(365.0, waiting_months * 365.25 / 12, COUNTED_SANCTIONS[kind])
    return bool(counted(log(offence), custody, np.array([START]), rules)[0])


def test_conviction_inside_follow_up_and_proven_in_time_counts():
    assert count_one((100.0, 300.0, COURT_CONVICTION, THEFT))


def test_offence_inside_follow_up_but_proven_too_late_does_not_count():
    assert not count_one((370.0, DEADLINE_6 + 1.0, COURT_CONVICTION, THEFT))


def test_proof_on_the_last_day_of_the_waiting_period_counts():
    assert count_one((370.0, DEADLINE_6, COURT_CONVICTION, THEFT))


def test_a_longer_waiting_period_lets_a_late_conviction_count():
    late = (370.0, DEADLINE_6 + 60.0, COURT_CONVICTION, THEFT)
    assert not count_one(late, waiting_months=6.0)
    assert count_one(late, waiting_months=9.0)


@pytest.mark.parametrize("committed", [START - 0.5, START + 365.0, START + 400.0])
def test_offences_outside_follow_up_do_not_count(committed):
    assert not count_one((committed, committed + 1.0, COURT_CONVICTION, THEFT))


def test_first_day_of_follow_up_counts():
    assert count_one((START, START + 30.0, COURT_CONVICTION, THEFT))


def test_a_caution_does_not_count_for_an_adult_but_a_reprimand_or_warning_does_for_a_youth():
    pre_court = (100.0, 110.0, PRE_COURT, THEFT)
    assert not count_one(pre_court, kind="adult")
    assert count_one(pre_court, kind="youth")


@pytest.mark.parametrize("kind", ["adult", "youth"])
def test_a_fixed_penalty_notice_never_counts(kind):
    assert not count_one((100.0, 105.0, PENALTY_NOTICE, THEFT), kind=kind)


def test_a_breach_is_not_a_re_offence(params):
    cohort = one_offender()
    career = CareerLog(
        offences=OffenceLog.from_rows([]),
        custody=CustodyLog.from_rows([(0, 120.0, 150.0, 1)]),  # recalled to custody after the breach
        breaches=BreachLog.from_rows([(0, 120.0, True)]),
        programmes=[],
    )
    counts = reoffending_counts(cohort, career, params)
    assert counts.proven.tolist() == [0]


def test_an_offence_dated_inside_custody_is_not_counted_but_one_on_release_day_is():
    custody = CustodyLog.from_rows([(0, 100.0, 160.0, 0)])
    assert not count_one((100.0, 200.0, COURT_CONVICTION, THEFT), custody=custody)  # on the day of entry
    assert not count_one((130.0, 200.0, COURT_CONVICTION, THEFT), custody=custody)
    assert count_one((160.0, 200.0, COURT_CONVICTION, THEFT), custody=custody)  # released that day
    assert count_one((99.0, 200.0, COURT_CONVICTION, THEFT), custody=custody)


def test_custody_of_another_offender_does_not_matter():
    custody = CustodyLog.from_rows([(1, 100.0, 160.0, 0)])
    rules = CountingRules(365.0, 182.625, frozenset({COURT_CONVICTION}))
    offences = OffenceLog.from_rows(
        [(0, 130.0, 200.0, COURT_CONVICTION, THEFT), (1, 130.0, 200.0, COURT_CONVICTION, THEFT)]
    )
    assert counted(offences, custody, np.array([START, START]), rules).tolist() == [True, False]


def test_counts_per_offender_and_serious_counts(params):
    cohort = one_offender()
    career = CareerLog(
        offences=OffenceLog.from_rows(
            [
                (0, 50.0, 120.0, COURT_CONVICTION, SERIOUS_TYPE),  # counts, serious
                (0, 60.0, 90.0, COURT_CONVICTION, THEFT),  # counts
                (0, 70.0, 80.0, PRE_COURT, SERIOUS_TYPE),  # caution: not for adults
                (0, 374.0, DEADLINE_6 + 5, COURT_CONVICTION, SERIOUS_TYPE),  # proven too late
            ]
        ),
        custody=NO_CUSTODY,
        breaches=BreachLog.from_rows([(0, 40.0, False)]),
        programmes=[],
    )
    counts = reoffending_counts(cohort, career, params)
    assert counts.proven.tolist() == [2]
    assert counts.serious.tolist() == [1]
    assert counts.detected.tolist() == [4], "detected offences count every sanction, proven in time or not"


def test_a_breach_with_a_new_offence_counts_the_offence_once(params):
    """Breach proceedings that come with a new offence: the offence is a proven re-offence, the breach is not
    a second one (000:703)."""
    cohort = one_offender()
    career = CareerLog(
        offences=OffenceLog.from_rows([(0, 120.0, 200.0, COURT_CONVICTION, THEFT)]),
        custody=CustodyLog.from_rows([(0, 200.0, 260.0, 1)]),
        breaches=BreachLog.from_rows([(0, 120.0, True)]),  # the same day: breached by offending
        programmes=[],
    )
    counts = reoffending_counts(cohort, career, params)
    assert counts.proven.tolist() == [1]


def test_several_offences_on_one_day_each_count(params):
    """Three offences committed on the same day (e.g. a spree dealt with together) are three proven
    re-offences, not one: the frequency counts offences, the binary rate the offender once."""
    cohort = one_offender()
    career = CareerLog(
        offences=OffenceLog.from_rows(
            [
                (0, 80.0, 150.0, COURT_CONVICTION, THEFT),
                (0, 80.0, 150.0, COURT_CONVICTION, THEFT),
                (0, 80.0, 150.0, COURT_CONVICTION, SERIOUS_SEXUAL_TYPE),
            ]
        ),
        custody=NO_CUSTODY,
        breaches=BreachLog.from_rows([]),
        programmes=[],
    )
    counts = reoffending_counts(cohort, career, params)
    assert counts.proven.tolist() == [3]
    assert counts.serious.tolist() == [1] and counts.serious_sexual.tolist() == [1]


def test_the_simulation_counts_several_offences_on_one_day(params):
    """The same through the measures' grouping: two offenders, one with three same-day offences."""
    from simulation.measures.replication_measures import measure_values

    outcomes = pd.DataFrame({"proven": [3, 0], "serious": [0, 0], "serious_sexual": [0, 0], "detected": [3, 0],
                             "committed": [3.0, 0.0], "serious_committed": [0.0, 0.0], "custody_days": [0.0, 0.0],
                             "probation_days": [0.0, 0.0], "community_orders": [0.0, 0.0]})
    values = measure_values(outcomes, np.array([True, True]))
    assert values["frequency_per_100"][0] == 150.0
    assert values["binary_rate_percent"][0] == 50.0
    assert values["proven_reoffences"][0] == 3.0


# ---- the rules the model runs with: `CountingRules.for_cohort` under the bundled and the class defaults --------------


def _defaults() -> list:
    from simulation.inputs.params import ModelParams, default_params

    bare = ModelParams(base_offending_rate=1.0, heterogeneity_theta=1.0, serious_share=0.01)
    return [default_params("adult"), default_params("youth"), bare]


def _counted_by(rules: CountingRules, offence: tuple[float, float, int, int]) -> bool:
    return bool(counted(log(offence), NO_CUSTODY, np.array([START]), rules)[0])


@pytest.mark.parametrize("kind", ["adult", "youth"])
@pytest.mark.parametrize("which", [0, 1, 2], ids=["bundled adult defaults", "bundled youth defaults", "class defaults"])
def test_the_rules_the_model_runs_with_follow_up_one_year_and_wait_six_months(kind, which):
    """The Annex: offences committed within one year of the start (000:715), proven within a further six months
    (6-9 allowed; the model's default is 6). A 13-month follow-up, or a longer wait, would count the late ones."""
    rules = CountingRules.for_cohort(kind, _defaults()[which])
    last_day = START + 364.5
    assert _counted_by(rules, (last_day, last_day + 20.0, COURT_CONVICTION, THEFT)), "day 364 of follow-up counts"
    for committed in (START + 365.5, START + 380.0, START + 395.0):
        assert not _counted_by(rules, (committed, committed + 10.0, COURT_CONVICTION, THEFT)), (
            f"an offence committed on day {committed - START:.1f} of follow-up counted: the follow-up is longer than "
            f"one year ({rules.follow_up_days} days)")
    assert _counted_by(rules, (START + 300.0, DEADLINE_6 - 0.5, COURT_CONVICTION, THEFT))
    assert not _counted_by(rules, (START + 300.0, DEADLINE_6 + 1.0, COURT_CONVICTION, THEFT)), (
        f"proven after the six-month wait and counted: waiting period {rules.waiting_period_days} days")


@pytest.mark.parametrize("which", [0, 1, 2], ids=["bundled adult defaults", "bundled youth defaults", "class defaults"])
def test_youth_rules_count_reprimands_and_warnings_and_adult_rules_do_not(which):
    """`CountingRules.for_cohort`: for a youth cohort reprimands and final warnings count (000:707, 000:717); for an
    adult cohort only court convictions (000:703); penalty notices never."""
    params = _defaults()[which]
    youth, adult = CountingRules.for_cohort("youth", params), CountingRules.for_cohort("adult", params)
    warning = (START + 50.0, START + 60.0, PRE_COURT, THEFT)
    notice = (START + 50.0, START + 60.0, PENALTY_NOTICE, THEFT)
    assert _counted_by(youth, warning), "a youth's reprimand or final warning must count"
    assert not _counted_by(adult, warning), "an adult's caution must not count"
    assert not _counted_by(youth, notice) and not _counted_by(adult, notice), "a penalty notice never counts"
    assert youth != adult, "youth and adult cohorts must not share one set of counting rules"
