"""The single-offence outcome kernel against the vectorised `offence_outcomes`, on the same draws; and the
rules the outcome follows: sanctions that depend on seriousness, the Table 1 split, short custody replaced."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from simulation.inputs.vocabulary import (
    COURT_CONVICTION,
    N_SERIOUS_TYPES,
    PENALTY_NOTICE,
    PRE_COURT,
    SERIOUS_SEXUAL_TYPE,
    TABLE1_GROUPS,
)
from simulation.model.offence_outcomes import (
    COMMUNITY_ORDER_INSTEAD,
    CUSTODY,
    offence_outcome,
    offence_outcomes,
    outcome_rules,
)


def draws(rng, n):
    return [rng.random(n), rng.random(n), ndtri(rng.random(n)), rng.random(n), ndtri(rng.random(n))]


@pytest.mark.parametrize("kind", ["adult", "youth"])
@pytest.mark.parametrize("replaced", [0.0, 0.6])
def test_single_offence_kernel_equals_the_vectorised_outcomes(kind, replaced, with_params):
    params = with_params(short_custody_replaced_share=replaced)
    rng = np.random.default_rng(11)
    n = 4000
    rules = outcome_rules(kind, params)
    serious = rng.choice([0.0, 0.004, 0.3, 0.9], n)  # includes certain-not and likely-serious offenders
    sexual = rng.choice([0.0, 0.1, 0.6, 1.0], n)
    d = draws(rng, n)
    vectorised = offence_outcomes(rules, serious, *d, sexual_share=sexual)
    for j in range(n):
        got = offence_outcome(rules, float(serious[j]), *(float(x[j]) for x in d), float(sexual[j]))
        expected = tuple(v[j].item() for v in vectorised)
        assert (got[0], got[1], got[4]) == (expected[0], expected[1], expected[4]), f"offence {j}: {expected} {got}"
        assert got[2:4] == pytest.approx(expected[2:4], rel=1e-13, abs=0), f"offence {j}: {expected} {got}"
    sanction, offence_type, _, served, custody_code = vectorised
    assert (served > 0).any() and (offence_type < N_SERIOUS_TYPES).any(), "the draws must reach custody and serious"
    assert set(np.unique(offence_type[offence_type < N_SERIOUS_TYPES])) == set(range(N_SERIOUS_TYPES))
    if replaced:
        replaced_rows = custody_code == COMMUNITY_ORDER_INSTEAD
        assert replaced_rows.any() and (served[replaced_rows] == 0).all()


@pytest.mark.parametrize("kind", ["adult", "youth"])
def test_serious_offences_are_sanctioned_by_their_own_shares(kind, params):
    """A Table 1 offence is not cautioned at the rate of a theft: with 200,000 draws per arm the shares are
    known to +/-0.2 points, far inside the gap between the serious and non-serious shares."""
    rng = np.random.default_rng(3)
    n = 200_000
    rules = outcome_rules(kind, params)
    for probability, prefix in ((1.0, f"{kind}_serious_"), (0.0, f"{kind}_")):
        sanction, offence_type, *_ = offence_outcomes(rules, np.full(n, probability), *draws(rng, n))
        assert ((offence_type < N_SERIOUS_TYPES) == (probability == 1.0)).all()
        pre, penalty = getattr(params, f"{prefix}pre_court_share"), getattr(params, f"{prefix}penalty_notice_share")
        for code, share in ((PRE_COURT, pre), (PENALTY_NOTICE, penalty), (COURT_CONVICTION, 1 - pre - penalty)):
            got = (sanction == code).mean()
            assert abs(got - share) < 4 * np.sqrt(share * (1 - share) / n) + 1e-12, f"{prefix} {code}: {share} vs {got}"
    assert params.adult_serious_pre_court_share < params.adult_pre_court_share / 2


def test_the_serious_sexual_tier_is_split_off_by_its_share(params):
    rng = np.random.default_rng(5)
    n = 100_000
    rules = outcome_rules("adult", params)
    _, offence_type, *_ = offence_outcomes(rules, np.ones(n), *draws(rng, n), sexual_share=np.full(n, 0.25))
    sexual = (offence_type == SERIOUS_SEXUAL_TYPE).mean()
    assert abs(sexual - 0.25) < 4 * np.sqrt(0.25 * 0.75 / n), sexual
    violent = offence_type[offence_type != SERIOUS_SEXUAL_TYPE]
    for group, share in params.serious_violent_mix.items():
        got = (violent == TABLE1_GROUPS.index(group)).mean()
        assert abs(got - share) < 4 * np.sqrt(share * (1 - share) / violent.size) + 1e-9, (group, share, got)


def test_only_short_custody_is_replaced(with_params):
    params = with_params(short_custody_replaced_share=1.0)
    rng = np.random.default_rng(9)
    n = 50_000
    _, _, _, served, code = offence_outcomes(outcome_rules("adult", params), np.zeros(n), *draws(rng, n))
    assert (served[code == CUSTODY] >= params.short_custody_days).all()
    assert (code == COMMUNITY_ORDER_INSTEAD).sum() > 1000
