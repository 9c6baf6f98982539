"""Referrals to a programme from offenders outside the cohort: a Poisson stream drawn at once for the run.

Picture a drug-treatment service in its first week of January: its places are already full, taken by people
sentenced or released in the months before, and more are referred every day, from courts and prisons all
over the country, whether or not anyone from the cohort is. They compete with the cohort for places but are
not followed, so all that matters of each is when it arrives, its waiting-list priority and how long it
would hold a place. The stream is drawn at once for the whole run (`draw_outside_referrals`), from a warm-up
before 1 January, so that the service is in steady use when the cohort arrives.

On the bulk path the place schedule takes them with the cohort's referrals (`programme_referrals.py`). On the
event path `OutsideFlow` sends each to the places as it arrives: waiting (up to `max_wait_days`), holding a
place for its stay, and leaving.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulation.model.places import PlaceRequest, Places


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


class OutsideFlow:
    """Event path: the referrals from outside the cohort arriving, day by day, at a programme's places."""

    def __init__(
        self, env: simpy.Environment, places: Places, referrals: OutsideReferrals, max_wait_days: float | None
    ) -> None:
        self.env = env
        self.places = places
        """The places they wait for, shared with the cohort."""
        self.referrals = referrals
        """When each arrives, its priority and its stay."""
        self.max_wait_days = max_wait_days
        """Days a referral waits before giving up (None: no limit)."""
        self.started = 0
        """Referrals placed from 1 January."""

    def arrivals(self) -> Generator[simpy.Event, Any, None]:
        """Each referral arrives on its day (from the warm-up before 1 January) and asks for a place."""
        env = self.env
        referrals = self.referrals
        for day, priority, stay in zip(
            referrals.arrival.tolist(), referrals.priority.tolist(), referrals.stay.tolist(), strict=True
        ):
            if day > env.now:
                yield env.timeout(day - env.now)
            self.refer(priority, stay)

    def refer(self, priority: int, stay: float) -> None:
        """One referral: waits (up to `max_wait_days`), holds a place for `stay` days, leaves.

        Nobody follows an outside referral, so its journey needs no process of its own: callbacks on its
        request and timers do what `with places.request(...)` would (tens of thousands a run; a process
        each cost three more events and a generator). The callbacks are partials, not closures over the
        request: a request holding a closure that holds the request is a cycle, garbage only the cyclic
        collector frees.
        """
        request = self.places.request(priority=priority)
        request.callbacks.append(functools.partial(self._placed, stay))
        if self.max_wait_days is not None and not request.triggered:  # placed at once: no deadline to keep
            self.env.timeout(self.max_wait_days).callbacks.append(functools.partial(_give_up_waiting, request))

    def _placed(self, stay: float, request: Any) -> None:
        """A referral got its place: count the start (from 1 January) and give the place back after `stay`."""
        if self.env.now >= 0:
            self.started += 1
        self.env.timeout(stay).callbacks.append(functools.partial(_give_back, self.places, request))


def _give_up_waiting(request: PlaceRequest, _deadline: Any) -> None:
    """Withdraw a referral still waiting at its deadline."""
    if not request.triggered:
        request.cancel()


def _give_back(places: Places, request: PlaceRequest, _end: Any) -> None:
    """A referral's programme ends: its place goes to the next in line."""
    places.give_back_now(request)
