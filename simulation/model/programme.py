"""A programme in the run: its places, its waiting list, and the cohort's journeys through them.

Picture the service on the morning an offender from the cohort is referred: a place is free and they start
at once, or they join the waiting list, by priority and then by referral, and either a place falls free
in time or they give up after `max_wait_days`. Once placed they hold the place for the programme,
completing it or dropping out part way, and give it back; the programme's effects start with the
placement and change their career from that day (`career.Careers.placed`).

Two ways to run it, giving the same placements:

* the event path (`bulk=False`): each referral is a process, `journey`, that asks for a place in SimPy's
  `with places.request(...)` idiom on a `places.Places` resource; `refer_cohort` starts each journey on its
  day, and `keep_deadlines` takes those still waiting off the list;
* the bulk path: nothing in a career changes anyone's wait, so the places are scheduled for every referral
  before the run (`ProgrammeReferrals.schedule`), and `start_placements` only starts each placement on its
  day.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulation.inputs.interventions import modifier_for
from simulation.model.career import Careers
from simulation.model.logs import ProgrammeLog
from simulation.model.outside_referrals import OutsideFlow
from simulation.model.places import Places, PlaceUsage, interval_usage
from simulation.model.programme_referrals import ProgrammeReferrals, ScheduledPlaces

ProcessGenerator = Generator[simpy.Event, Any, None]


class Programme:
    """One intervention in one run: who started it, when and for how long, and who gave up waiting."""

    def __init__(self, env: simpy.Environment, referrals: ProgrammeReferrals, careers: Careers, bulk: bool) -> None:
        self.env = env
        self.referrals = referrals
        """Who is referred and what each would do there, settled before the run."""
        self.careers = careers
        """The careers a placement changes."""
        capacity = referrals.capacity
        self.places = Places(env, capacity=int(capacity)) if math.isfinite(capacity) and not bulk else None
        """Its places as a SimPy resource (event path), or None when capacity is unlimited (nobody waits) or the
        referrals are scheduled in bulk."""
        self.outside_flow: OutsideFlow | None = None
        """Event path: the referrals from outside the cohort, when it has any."""
        self.started: list[int] = []
        """Offender index of each start."""
        self.waits: list[float] = []
        """Days waited, per start."""
        self.completed: list[bool] = []
        """Completion, per start."""
        self.placed: list[float] = []
        """Day of each start."""
        self.ends: list[float] = []
        """Day each start gives the place back (may lie beyond the end of the run)."""
        self.left_waiting_list = 0
        """Referrals that gave up waiting."""
        self._journeys: dict[int, simpy.Process] = {}
        """Each referral's journey, by offender (event path)."""
        self._waiting: set[int] = set()
        """Offenders whose referral is on the waiting list now (event path)."""
        self._scheduled: ScheduledPlaces | None = None
        """The bulk path's schedule, once worked out."""

    # ---- the bulk path -------------------------------------------------------------------------------------

    def schedule(self, horizon: float) -> list[tuple[float, int, float]]:
        """Bulk path: schedule every referral; (day placed, offender, day referred) of the cohort's placements."""
        self._scheduled = scheduled = self.referrals.schedule(horizon)
        self.left_waiting_list = scheduled.left_waiting_list
        return scheduled.placements

    def start_placements(self, placements: list[tuple[float, int, float]]) -> ProcessGenerator:
        """Bulk path: start each scheduled placement on its day (in order of placing)."""
        env = self.env
        for day, i, referred in placements:
            if day > env.now:
                yield env.timeout(day - env.now)
            self._start(i, referred)

    # ---- the event path ------------------------------------------------------------------------------------

    def refer_cohort(self) -> ProcessGenerator:
        """Refer each offender who took up the offer on the day they enter the cohort (in index order on a
        tie): their journey starts then, so the event queue never holds thousands of referrals to come."""
        env = self.env
        for i, day in self.referrals.in_order():
            if day > env.now:
                yield env.timeout(day - env.now)
            self._journeys[i] = env.process(self.journey(i))

    def journey(self, i: int) -> ProcessGenerator:
        """Referred now, on entering the cohort -> waits for a place -> starts -> completes or drops out.

        The place is held inside SimPy's `with request` block: leaving it withdraws a request still on the
        waiting list and gives back a granted place, whatever ends the wait or the stay (here the end of the
        programme, or an interrupt from `keep_deadlines`).
        """
        env = self.env
        places = self.places
        referred = env.now
        wanted = places.request(priority=self.referrals.priority[i]) if places is not None else None
        try:
            with wanted if wanted is not None else contextlib.nullcontext():
                if wanted is not None and not wanted.triggered:
                    self._waiting.add(i)
                    yield wanted
                    self._waiting.discard(i)
                yield env.timeout(self._start(i, referred))
        except simpy.Interrupt:  # gave up waiting: the `with` block has withdrawn the request
            self._waiting.discard(i)
            self.left_waiting_list += 1

    def keep_deadlines(self) -> ProcessGenerator:
        """Take off the waiting list, `max_wait_days` after referral, everyone not yet placed.

        The referral's journey is interrupted inside its `with request` block, which withdraws the request. One
        process keeping every deadline costs two events a referral fewer than a `request | timeout` in each
        journey, which matters where most referrals give up.
        """
        env = self.env
        max_wait = self.referrals.spec.max_wait_days
        assert max_wait is not None
        for i, day in self.referrals.in_order():
            deadline = day + max_wait
            if deadline > env.now:
                yield env.timeout(deadline - env.now)
            if i in self._waiting:
                self._journeys[i].interrupt("gave up waiting")

    # ---- both ----------------------------------------------------------------------------------------------

    def _start(self, i: int, referred: float) -> float:
        """Offender `i`, referred on day `referred`, is placed now: record the start, start the programme's
        effects on the career; returns the days the place is held."""
        placed = self.env.now
        referrals = self.referrals
        completed = referrals.completes[i]
        stay = referrals.stay(i)
        self.started.append(i)
        self.waits.append(placed - referred)
        self.completed.append(completed)
        self.placed.append(placed)
        self.ends.append(placed + stay)
        self.careers.placed(i, modifier_for(referrals.spec, placed, placed + stay, completed))
        return stay

    def log(self, horizon: float) -> ProgrammeLog:
        """What the programme did over the run (use of places from 1 January to `horizon`)."""
        referrals = self.referrals
        spec = referrals.spec
        usage: PlaceUsage
        if self._scheduled is not None and self._scheduled.usage is not None:
            usage = self._scheduled.usage
        elif self.places is not None:
            usage = self.places.usage(until=horizon)
        else:
            usage = interval_usage(np.array(self.placed), np.array(self.ends), 0.0, horizon)
        if self._scheduled is not None:
            outside_started = self._scheduled.outside_started
        else:
            outside_started = self.outside_flow.started if self.outside_flow is not None else 0
        saving = spec.saving_per_place
        return ProgrammeLog(
            name=spec.name,
            eligible=int(referrals.eligible_mask.sum()),
            referred=int(referrals.referred.size),
            started=np.array(self.started, dtype=np.int64),
            wait_days=np.array(self.waits, dtype=float),
            completed=np.array(self.completed, dtype=bool),
            left_waiting_list=self.left_waiting_list,
            usage=usage,
            cost_per_place=spec.cost_per_place.value,
            eligible_mask=referrals.eligible_mask,
            capacity=referrals.capacity,
            outside_referred=referrals.outside_referred,
            outside_started=outside_started,
            saving_per_place=saving.value if saving is not None else 0.0,
        )
