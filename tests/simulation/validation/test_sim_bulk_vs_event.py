"""The bulk path (careers planned with numpy up to first custody, `simulation/model/plan.py`, and programme places
scheduled before the run, `simulation/model/place_schedule.py`) against the event path (every career a SimPy
process from the start, every referral a request on SimPy's resource), on the same random streams.

Both consume exactly the same random numbers, so they must record the same careers: the same offences
with the same sanctions and types, the same custody spells and breaches, the same programme starts.
Times may differ only by floating-point rounding (the bulk path sums hazards where the event path steps
through them), so they are compared to 1e-9 days.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.inputs.assumptions import Assumption
from simulation.inputs.interventions import BASELINE, load_scenario
from simulation.measures.reoffending import reoffending_counts
from simulation.model.cohort_simulation import CohortSimulation, simulate_replication
from simulation.model.logs import CareerLog
from simulation.model.outside_referrals import OutsideFlow
from simulation.model.streams import ReplicationStreams
from simulation.runs.runner import replication_seeds

TIME_TOLERANCE_DAYS = 1e-9



def _flow(per_year: float) -> Assumption:
    """A fixed flow of outside referrals a year (the bundled services derive theirs for each cohort)."""
    return Assumption(value=per_year, range=(0.0, 2 * per_year), source="Assumption: a test flow")

def _sorted_rows(columns: list[np.ndarray]) -> np.ndarray:
    table = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    return table[np.lexsort(table.T[::-1])]


def _assert_same_careers(bulk: CareerLog, event: CareerLog) -> None:
    for name, fields, exact in (
        ("offences", ("offender", "committed", "proven", "sanction", "offence_type"), (0, 3, 4)),
        ("custody", ("offender", "entered", "released", "reason"), (0, 3)),
        ("breaches", ("offender", "day", "custody"), (0, 2)),
    ):
        got = _sorted_rows([getattr(getattr(bulk, name), f) for f in fields])
        expected = _sorted_rows([getattr(getattr(event, name), f) for f in fields])
        assert got.shape == expected.shape, f"{name}: event path has {expected.shape[0]} rows, bulk {got.shape[0]}"
        for j, field in enumerate(fields):
            if j in exact:
                assert np.array_equal(got[:, j], expected[:, j]), f"{name}.{field} differs"
            else:
                worst = float(np.max(np.abs(got[:, j] - expected[:, j]), initial=0.0))
                assert worst <= TIME_TOLERANCE_DAYS, f"{name}.{field}: largest difference {worst} days"
    for got_programme, expected_programme in zip(bulk.programmes, event.programmes, strict=True):
        assert np.array_equal(got_programme.started, expected_programme.started)
        assert np.array_equal(got_programme.completed, expected_programme.completed)
        assert np.allclose(got_programme.wait_days, expected_programme.wait_days, rtol=0, atol=TIME_TOLERANCE_DAYS)
        assert got_programme.usage.granted == expected_programme.usage.granted
        assert got_programme.left_waiting_list == expected_programme.left_waiting_list


def _both_paths(cohort, params, scenario, seed):
    streams = ReplicationStreams(replication_seeds(seed, 1)[0], cohort.size)
    bulk = simulate_replication(cohort, params, scenario, streams, bulk=True)
    event = simulate_replication(cohort, params, scenario, streams, bulk=False)
    return bulk, event


@pytest.mark.parametrize("cohort_name", ["small_adult", "small_youth"])
def test_baseline_bulk_path_records_the_event_paths_careers(cohort_name, request, params):
    cohort = request.getfixturevalue(cohort_name)
    bulk, event = _both_paths(cohort, params, BASELINE, seed=21)
    assert event.custody.offender.size > 100 and event.breaches.custody.any(), "the case must exercise custody"
    _assert_same_careers(bulk, event)
    got = reoffending_counts(cohort, bulk, params)
    expected = reoffending_counts(cohort, event, params)
    assert np.array_equal(got.proven, expected.proven) and np.array_equal(got.serious, expected.serious)


@pytest.mark.parametrize(("scenario_file", "capacity"), [("drug_treatment.yaml", 15), ("ppo.yaml", 10)])
def test_scenario_bulk_path_records_the_event_paths_careers(scenario_file, capacity, small_adult, params,
                                                             scenarios_dir):
    scenario = load_scenario(scenarios_dir / scenario_file)
    spec = scenario.interventions[0].model_copy(update={"capacity": capacity, "referral_flow": None})
    scenario = scenario.model_copy(update={"interventions": [spec]})
    bulk, event = _both_paths(small_adult, params, scenario, seed=22)
    programme = event.programmes[0]
    assert programme.started.size > capacity and programme.usage.peak_queue > 0, "places must be contested"
    if spec.max_wait_days is not None:
        assert programme.left_waiting_list > 0, "some referrals must give up waiting"
    _assert_same_careers(bulk, event)


def test_prolific_offenders_beyond_the_bulk_width_are_planned_exactly(uniform_cohort, with_params):
    # A very high rate and no custody: every offender commits far more than the 16 offences worked out in
    # bulk before any trigger, so the plan's one-by-one continuation is exercised for everyone.
    params = with_params(base_offending_rate=400.0, detection_probability=0.5, heterogeneity_theta=0.0,
                         custody_probability=0.0, serious_custody_probability=0.0, breach_rate_per_year=6.0,
                         breach_custody_probability=0.0)
    cohort = uniform_cohort(60, disposal="community")
    bulk, event = _both_paths(cohort, params, BASELINE, seed=23)
    per_offender = np.bincount(event.offences.offender, minlength=60)
    assert per_offender.min() > 40, f"expected > 40 offences each, got min {per_offender.min()}"
    assert np.bincount(event.breaches.offender, minlength=60).max() > 4, "breaches beyond the bulk width"
    _assert_same_careers(bulk, event)


def test_referrals_from_outside_the_cohort_leave_both_paths_alike(small_adult, params, scenarios_dir):
    """A service shared with a flow of outside referrals (warmed up before 1 January): both paths meet the same
    competition for places, so they still record the same careers."""
    scenario = load_scenario(scenarios_dir / "drug_treatment.yaml")
    flow = scenario.interventions[0].referral_flow
    assert flow is not None
    spec = scenario.interventions[0].model_copy(update={
        "capacity": 20,
        "referral_flow": flow.model_copy(update={"given": _flow(60.0)}),
    })
    scenario = scenario.model_copy(update={"interventions": [spec]})
    bulk, event = _both_paths(small_adult, params, scenario, seed=24)
    programme = event.programmes[0]
    assert programme.outside_started > 0 and programme.started.size > 0, "both flows must use the places"
    assert bulk.programmes[0].outside_started == programme.outside_started
    _assert_same_careers(bulk, event)


class _OutsideReferralsAsProcesses(OutsideFlow):
    """The reference: each outside referral a SimPy process in SimPy's `with request` idiom, released by a
    `Release` event (the model before outside referrals became callbacks)."""

    def refer(self, priority, stay):  # type: ignore[override]
        self.env.process(self._journey_process(priority, stay))

    def _journey_process(self, priority, stay):
        env = self.env
        max_wait = self.max_wait_days
        with self.places.request(priority=priority) as request:
            if max_wait is None:
                yield request
            else:
                yield request | env.timeout(max_wait)
                if not request.triggered:
                    return
            if env.now >= 0:
                self.started += 1
            yield env.timeout(stay)


class _SimulationWithOutsideReferralsAsProcesses(CohortSimulation):
    outside_flow = _OutsideReferralsAsProcesses


def test_outside_referrals_as_callbacks_match_a_process_each_and_the_bulk_schedule(small_adult, params,
                                                                                  scenarios_dir):
    """On the event path outside referrals are callbacks on their request and timers, not processes: the places
    must be granted, withdrawn and given back exactly as one `with request` process per referral would. The bulk
    path schedules every referral before the run (`place_schedule`) and must find the same use of places (a
    queue that overflows, so that deadlines, withdrawals and competition with the cohort all happen)."""
    scenario = load_scenario(scenarios_dir / "drug_treatment.yaml")
    spec = scenario.interventions[0]
    flow = spec.referral_flow
    assert flow is not None
    spec = spec.model_copy(update={"capacity": 30, "referral_flow": flow.model_copy(update={"given": _flow(400.0)})})
    scenario = scenario.model_copy(update={"interventions": [spec]})
    results = []
    for simulation_class, bulk in ((CohortSimulation, False), (_SimulationWithOutsideReferralsAsProcesses, False),
                                   (CohortSimulation, True)):
        streams = ReplicationStreams(replication_seeds(25, 1)[0], small_adult.size)
        career = simulation_class(small_adult, params, scenario, streams, bulk=bulk).run()
        results.append((career, career.programmes[0]))
    (career, programme), (reference_career, reference), (bulk_career, bulk) = results
    usage = programme.usage
    assert usage.withdrawn > 10 and usage.peak_queue > 10 and programme.outside_started > 10, "the queue must overflow"
    assert usage == reference.usage
    for got in (programme, bulk):
        assert (got.outside_referred, got.outside_started) == (reference.outside_referred, reference.outside_started)
        assert np.array_equal(got.started, reference.started)
    for name in ("peak_in_use", "peak_queue", "granted", "released", "withdrawn"):
        assert getattr(bulk.usage, name) == getattr(usage, name), name
    for name in ("place_days", "queue_days", "observed_days"):
        assert getattr(bulk.usage, name) == pytest.approx(getattr(usage, name), rel=1e-9), name
    _assert_same_careers(career, reference_career)
    _assert_same_careers(bulk_career, reference_career)


def test_offenders_placed_on_two_programmes_leave_both_paths_alike(small_adult, params, scenarios_dir):
    """Drug treatment twice over, for the same offenders: one service first come, first served with an outside
    flow, the other by previous sanctions with PPO's effects. Many are placed on both, so a second placement
    interrupts the career the first one started, wherever it stands (on the plan, at liberty, in custody)."""
    drug = load_scenario(scenarios_dir / "drug_treatment.yaml").interventions[0]
    ppo = load_scenario(scenarios_dir / "ppo.yaml").interventions[0]
    flow = drug.referral_flow
    assert flow is not None
    drug = drug.model_copy(update={"capacity": 40, "referral_flow": flow.model_copy(update={"given": _flow(60.0)})})
    ppo = drug.model_copy(update={
        "name": "drug_treatment_by_sanctions", "capacity": 25, "referral_flow": None, "priority": "previous_sanctions",
        "rate_ratio": ppo.rate_ratio, "detection_ratio": ppo.detection_ratio, "court_lag_ratio": ppo.court_lag_ratio,
    })
    scenario = load_scenario(scenarios_dir / "drug_treatment.yaml").model_copy(
        update={"name": "both", "interventions": [drug, ppo]})
    bulk, event = _both_paths(small_adult, params, scenario, seed=26)
    both = np.intersect1d(event.programmes[0].started, event.programmes[1].started)
    assert both.size >= 3, f"expected offenders placed on both programmes, got {both.size}"
    assert all(p.usage.peak_queue > 0 for p in event.programmes), "places must be contested"
    _assert_same_careers(bulk, event)
