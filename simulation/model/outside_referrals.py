"""Referrals to a programme from offenders outside the cohort: a Poisson stream drawn at once for the run.

They compete with the cohort for places but are not followed, so all that matters of each is when it
arrives, its waiting-list priority and how long it would hold a place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutsideReferrals:
    """Referrals from outside the cohort, in order of arrival."""

    arrival: np.ndarray
    """Day of each referral (days from 1 January; negative during a warm-up)."""
    priority: np.ndarray
    """Waiting-list priority of each (lower is served first)."""
    stay: np.ndarray
    """Days each would hold a place: the programme's length if completing, else the part before dropping out."""

    @classmethod
    def none(cls) -> OutsideReferrals:
        """No referrals."""
        return cls(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0))


def draw_outside_referrals(
    rng: np.random.Generator,
    per_day: float,
    since: float,
    until: float,
    eligible_priorities: np.ndarray,
    completion_probability: float,
    programme_days: float,
) -> OutsideReferrals:
    """Referrals arriving at `per_day` per day over [`since`, `until`) days, each with the priority of an
    eligible cohort member picked at random, completing with `completion_probability` and otherwise dropping
    out at a uniform point of the `programme_days`."""
    if per_day <= 0 or until <= since:
        return OutsideReferrals.none()
    expected = per_day * (until - since)
    chunk = int(expected + 6.0 * math.sqrt(expected)) + 16  # one chunk nearly always covers the run
    arrivals: list[np.ndarray] = []
    day = since
    while day < until:
        days = day + np.cumsum(rng.exponential(1.0 / per_day, size=chunk))
        arrivals.append(days)
        day = float(days[-1])
    arrival = np.concatenate(arrivals)
    arrival = arrival[arrival < until]
    completes, dropout, pick = rng.random((3, arrival.size))
    if eligible_priorities.size:
        priority = np.asarray(eligible_priorities, dtype=np.int64)[(pick * eligible_priorities.size).astype(np.int64)]
    else:
        priority = np.zeros(arrival.size, dtype=np.int64)
    stay = np.where(completes < completion_probability, programme_days, dropout * programme_days)
    return OutsideReferrals(arrival, priority, stay)
