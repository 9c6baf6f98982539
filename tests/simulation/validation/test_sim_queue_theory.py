"""The places schedule against queueing theory: with Poisson referrals, exponential stays, first come first
served and nobody giving up, c places form an M/M/c queue, whose chance of waiting and mean wait are Erlang's C
formula (closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.model.place_schedule import _by_priority, schedule_places


def erlang_c(places: int, offered: float) -> float:
    """Probability that a referral waits in an M/M/c queue with `offered` = arrival rate / service rate."""
    top = offered**places / math.factorial(places) / (1.0 - offered / places)
    return top / (sum(offered**k / math.factorial(k) for k in range(places)) + top)


@pytest.mark.parametrize("kernel", ["first come first served", "priority loop"])
def test_an_m_m_c_service_waits_as_erlang_c_says(kernel):
    places, per_day, mean_stay = 5, 4.0, 1.0
    rng = np.random.default_rng(2026)
    n = 300_000
    arrival = np.cumsum(rng.exponential(1.0 / per_day, n))
    stay = rng.exponential(mean_stay, n)
    priority = np.zeros(n, dtype=np.int64)
    if kernel == "first come first served":
        schedule = schedule_places(arrival, priority, stay, places, None, math.inf)
    else:
        schedule = _by_priority(arrival, priority, stay, places, math.inf, math.inf)
    wait = (schedule.placed - arrival)[n // 10:]  # after a warm-up
    expected = erlang_c(places, per_day * mean_stay)  # 0.554
    mean_wait = expected / (places / mean_stay - per_day)  # 0.554 days
    # Batch means over these referrals give standard errors of 0.0045 and 0.015 days, so the tolerances are
    # about 3 standard errors. One place more would make the chance of waiting 0.285, and places held 10%
    # longer 0.718.
    assert np.mean(wait > 0) == pytest.approx(expected, abs=0.015)
    assert np.mean(wait) == pytest.approx(mean_wait, rel=0.08)
