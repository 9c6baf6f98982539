"""The single-offence outcome kernel against the vectorised `offence_outcomes`, on the same draws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from simulation.offence_outcomes import OutcomeRules, offence_outcome, offence_outcomes
from simulation.rates import sanction_shares
from simulation.vocabulary import SERIOUS_TYPE


@pytest.mark.parametrize("kind", ["adult", "youth"])
def test_single_offence_kernel_equals_the_vectorised_outcomes(kind, params):
    rng = np.random.default_rng(11)
    n = 4000
    court, pre_court, _ = sanction_shares(kind, params)
    rules = OutcomeRules(court, pre_court, params)
    serious = rng.choice([0.0, 0.004, 0.3, 0.9], n)  # includes certain-not and likely-serious offenders
    draws = [rng.random(n), rng.random(n), ndtri(rng.random(n)), rng.random(n), ndtri(rng.random(n))]
    sanction, offence_type, lag, served = offence_outcomes(rules, serious, *draws)
    for j in range(n):
        got = offence_outcome(rules, float(serious[j]), *(float(d[j]) for d in draws))
        expected = (int(sanction[j]), int(offence_type[j]), float(lag[j]), float(served[j]))
        assert got[:2] == expected[:2], f"offence {j}: codes expected {expected[:2]}, got {got[:2]}"
        assert got[2:] == pytest.approx(expected[2:], rel=1e-13, abs=0), f"offence {j}: expected {expected}, got {got}"
    assert (served > 0).any() and (offence_type == SERIOUS_TYPE).any(), "the draws must reach custody and serious"
