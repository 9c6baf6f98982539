"""Offences committed under programme effects, every modified offender at once, equal to the piece-by-piece
integral of one offender at a time (`_committed_with_modifiers`, the reference) to rounding."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulation.inputs.interventions import load_scenario, policy_params, scenario_params
from simulation.inputs.services import derive_services
from simulation.measures import committed
from simulation.model.cohort_simulation import ReplicationStreams, simulate_replication
from simulation.model.rates import AgePath, age_paths
from simulation.runs.runner import replication_seeds


@pytest.mark.parametrize("name", ["drug_treatment", "ppo"])
def test_every_modified_offender_at_once_equals_one_at_a_time(small_adult, params, scenarios_dir, name):
    cohort = dataclasses.replace(small_adult, national_size=45_000)
    scenario = derive_services(load_scenario(scenarios_dir / f"{name}.yaml"), cohort)
    chosen = policy_params(scenario, scenario_params(scenario, params, "test"), "test")
    career = simulate_replication(cohort, chosen, scenario, ReplicationStreams(replication_seeds(5, 1)[0],
                                                                                   cohort.size))
    assert len(career.modifiers) > 20, "the test needs offenders under the programme"
    start = cohort.frame["start_day"].to_numpy(float)
    ages = age_paths(cohort.frame, chosen)
    together = committed.expected_committed(career, start, ages, chosen.follow_up_days)
    end = start + chosen.follow_up_days
    who, entered, released = committed.clipped_spells(career.custody, start, end)
    for i, modifiers in career.modifiers.items():
        spells = [(float(e), float(r)) for e, r in zip(entered[who == i], released[who == i], strict=True)]
        path = AgePath(float(ages.first_slope[i]), float(ages.kink[i]), float(ages.second_slope[i]))
        alone = committed._committed_with_modifiers(float(career.committed_rate[i]), path, float(start[i]),
                                                    float(end[i]), spells, modifiers)
        assert together[i] == pytest.approx(alone, rel=1e-13), f"offender {i}: {together[i]} against {alone}"
    assert np.isfinite(together).all()
