"""The model end to end: interventions with places and waiting lists, common random numbers, youth rules."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.inputs.interventions import BASELINE, eligible, load_scenario
from simulation.inputs.vocabulary import COUNTED_SANCTIONS, PENALTY_NOTICE, PRE_COURT
from simulation.measures.reoffending import CountingRules, counted, reoffending_counts
from simulation.model.cohort_simulation import simulate_replication
from simulation.model.streams import ReplicationStreams
from simulation.runs.runner import replication_seeds


def _streams(cohort, seed=3):
    return ReplicationStreams(replication_seeds(seed, 1)[0], cohort.size)


@pytest.fixture(scope="module")
def drug_run(small_adult, params, scenarios_dir):
    scenario = load_scenario(scenarios_dir / "drug_treatment.yaml")
    # A small cohort: shrink the programme so that demand still exceeds places.
    spec = scenario.interventions[0].model_copy(update={"capacity": 15, "referral_flow": None})
    scenario = scenario.model_copy(update={"interventions": [spec]})
    streams = _streams(small_adult)
    return (
        scenario,
        simulate_replication(small_adult, params, BASELINE, streams),
        simulate_replication(small_adult, params, scenario, streams),
    )


def test_places_are_never_exceeded_and_the_waiting_list_works(drug_run, small_adult):
    scenario, _, treated = drug_run
    programme = treated.programmes[0]
    spec = scenario.interventions[0]
    assert programme.peak_places_in_use == spec.capacity
    assert programme.started.size > spec.capacity  # places are reused as people leave
    assert programme.left_waiting_list > 0  # demand exceeds supply: some give up after max_wait_days
    assert (programme.wait_days <= spec.max_wait_days + 1e-9).all() and (programme.wait_days > 0).any()
    assert programme.referred == programme.started.size + programme.left_waiting_list
    usage = programme.usage
    assert usage.granted == programme.started.size, (usage.granted, programme.started.size)
    assert usage.withdrawn == programme.left_waiting_list, (usage.withdrawn, programme.left_waiting_list)
    assert usage.released <= usage.granted and usage.peak_queue > 0 and usage.mean_queue_length > 0
    assert 0 < usage.utilisation <= 1, usage.utilisation
    eligible_mask = eligible(spec.eligibility, small_adult.frame)
    assert eligible_mask[programme.started].all()
    assert programme.eligible == eligible_mask.sum()


def test_common_random_numbers_leave_untreated_careers_identical(drug_run):
    _, baseline, treated = drug_run
    started = set(treated.programmes[0].started.tolist())

    def careers(log, keep):
        offences = log.offences
        rows = zip(
            offences.offender.tolist(),
            offences.committed.tolist(),
            offences.proven.tolist(),
            offences.sanction.tolist(),
            offences.offence_type.tolist(),
            strict=True,
        )
        return sorted(row for row in rows if keep(row[0]))

    untreated = careers(baseline, lambda i: i not in started)
    assert untreated and untreated == careers(treated, lambda i: i not in started)
    assert careers(baseline, lambda i: i in started) != careers(treated, lambda i: i in started)


def test_waiting_list_places_the_most_prolific_waiting_offender_first(uniform_cohort, params, scenarios_dir):
    cohort = uniform_cohort(40, ppo=True)
    previous = np.random.default_rng(0).permutation(40) * 3
    cohort.frame["previous_sanctions"] = previous
    scenario = load_scenario(scenarios_dir / "ppo.yaml")
    spec = scenario.interventions[0].model_copy(
        update={
            "capacity": 4,
            "referral_flow": None,
            "programme_days": 120.0,
            "completion": scenario.interventions[0].completion.model_copy(
                update={"value": 0.0, "range": (0.0, 1.0)}
            ),
        }
    )
    scenario = scenario.model_copy(update={"interventions": [spec]})
    programme = simulate_replication(cohort, params, scenario, _streams(cohort)).programmes[0]
    start = cohort.frame["start_day"].to_numpy()
    placed_at = dict(
        zip(
            programme.started.tolist(), (start[programme.started] + programme.wait_days).tolist(), strict=True
        )
    )
    from_waiting_list = [
        i
        for i, wait in zip(programme.started.tolist(), programme.wait_days.tolist(), strict=True)
        if wait > 0
    ]
    assert len(from_waiting_list) >= 5
    for j in from_waiting_list:
        when = placed_at[j]
        waiting = [k for k in range(40) if start[k] <= when and placed_at.get(k, np.inf) > when]
        assert all(previous[j] >= previous[k] for k in waiting), (j, when)


def test_youth_count_reprimands_and_warnings_but_not_penalty_notices(small_youth, params):
    career = simulate_replication(small_youth, params, BASELINE, _streams(small_youth))
    start = small_youth.frame["start_day"].to_numpy(float)
    youth = counted(career.offences, career.custody, start, CountingRules.for_cohort("youth", params))
    adult_rules = CountingRules(params.follow_up_days, params.waiting_period_days, COUNTED_SANCTIONS["adult"])
    court_only = counted(career.offences, career.custody, start, adult_rules)
    pre_court = career.offences.sanction == PRE_COURT
    assert youth[pre_court].any() and not court_only[pre_court].any()
    assert not youth[career.offences.sanction == PENALTY_NOTICE].any()
    assert youth.sum() > court_only.sum()
    counts = reoffending_counts(small_youth, career, params)
    assert counts.proven.sum() == youth.sum()


def test_breaches_and_custody_happen_but_only_offences_count(small_adult, params):
    career = simulate_replication(small_adult, params, BASELINE, _streams(small_adult))
    assert career.breaches.offender.size > 0 and career.breaches.custody.any()
    assert (career.custody.reason == 1).any()
    counts = reoffending_counts(small_adult, career, params)
    assert counts.proven.sum() <= career.offences.offender.size
    # Cautions and penalty notices happen to adults, and none is counted.
    assert np.isin(career.offences.sanction, [PRE_COURT, PENALTY_NOTICE]).any()


def test_places_are_in_use_all_year_with_referrals_from_outside_the_cohort(small_adult, params, scenarios_dir):
    """The bundled drug-treatment service: 6,000 national places scaled to the cohort, fed all year by referrals
    from outside the cohort (and warmed up before 1 January). Without the outside flow the places serve the Q1
    cohort only and empty out; with it they are in use all year and waiting lists form. The cohort here stands
    for 45,000 offenders (scale 1/15)."""
    import dataclasses

    from simulation.inputs.interventions import scaled_capacity
    from simulation.inputs.services import derive_services

    cohort = dataclasses.replace(small_adult, national_size=45_000)
    scenario = derive_services(load_scenario(scenarios_dir / "drug_treatment.yaml"), cohort)
    streams = _streams(cohort)
    programme = simulate_replication(cohort, params, scenario, streams).programmes[0]
    spec = scenario.interventions[0]
    places = scaled_capacity(spec.capacity, cohort.scale)
    assert programme.capacity == places and places > 100
    usage = programme.usage
    assert usage.observed_days > 365
    # Demand equals the throughput the places allow (a service in steady state): busy, with a waiting list.
    assert usage.utilisation > 0.85, f"places in use {100 * usage.utilisation:.1f}% of the time"
    assert programme.outside_started > programme.started.size > 0
    assert usage.peak_queue > 0, "a waiting list forms"
    alone = scenario.model_copy(update={"interventions": [spec.model_copy(update={"referral_flow": None})]})
    cohort_only = simulate_replication(cohort, params, alone, streams).programmes[0]
    assert cohort_only.usage.utilisation < 0.6, "the cohort alone cannot keep the places full all year"


def test_youth_offending_rises_through_the_teens(params):
    """Youths aged 15-17 re-offend more than those aged 10-12 (the age-crime curve rises to its peak in the late
    teens). The difference must exceed four Monte Carlo standard errors of the two bands' means."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.questions.scenario_run import run_simulation
    from simulation.runs.runner import cohort_seed

    cohort = generate_cohort("youth", 20_000, cohort_seed(12))
    table = run_simulation(cohort, params, None, replications=2, seed=12)
    bands = table[(table["measure"] == "frequency_per_100") & (table["group"] == "age_band")].set_index("group_value")
    young, old = bands.loc["10-12"], bands.loc["15-17"]
    se = np.sqrt((young["sd_monte_carlo"] ** 2 + old["sd_monte_carlo"] ** 2) / 2)
    assert old["mean"] - young["mean"] > 4 * se, bands[["mean", "sd_monte_carlo"]]
