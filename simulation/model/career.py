"""An offender's career in the event loop: at liberty, offending, in custody, released, breaching.

An offender's life, as the process `Careers.life` reads: released or starting a sentence -> at liberty,
offends -> detected and sanctioned (court, caution/warning or penalty notice) -> convicted after a court
lag -> perhaps back in custody, where no offending happens -> released -> ... Breaches of supervision
happen too and may lead to recall, but are never offences. A programme placement interrupts the career
(its effects change the offending rate, so the next offence is drawn afresh: Poisson is memoryless).

Only detected-and-sanctioned offences are drawn (an exact thinning of the offending process), and an
offender is followed to the end of their follow-up: what happens later cannot change whether an offence
committed within follow-up is proven in time, because its proven date is drawn when it is committed.

On the bulk path an offender becomes a process only on meeting custody or a programme place
(`Careers.from_plan`, taking over from the plan, `plan_handover.py`); on the event path (`bulk=False`)
every offender with an event inside follow-up is one from the start. The careers are one object over the
whole cohort, with per-offender lists, not one object per offender: a 45,000-offender cohort would pay
for 45,000 objects it mostly never uses.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulation.inputs.interventions import Modifier
from simulation.model.career_draws import CareerDraws
from simulation.model.logs import CUSTODY_AFTER_BREACH, CUSTODY_AFTER_CONVICTION, BreachLog, CustodyLog, OffenceLog
from simulation.model.plan import PlanState
from simulation.model.plan_handover import PlanHandover

INF = math.inf
ProcessGenerator = Generator[simpy.Event, Any, None]


class Careers:
    """The cohort's careers in the event loop: a process for each offender who needs one, and what they did."""

    def __init__(self, env: simpy.Environment, draws: CareerDraws) -> None:
        self.env = env
        self.draws = draws
        """Each offender's next offence, outcome and breach."""
        n = len(draws.start)
        self.processes: list[simpy.Process | None] = [None] * n
        """Each offender's career process (None: they have none, or not yet)."""
        self.handover: PlanHandover | None = None
        """The bulk plan and who has left it (None on the event path)."""
        self.interruptible: list[bool] = [True] * n
        """Whether a programme may still interrupt each offender's career (a place is still to come); the
        others' offences and breaches are handled without the event loop, needed only for custody."""
        self._places_to_come = [0] * n
        """Places each offender is still to be given (bulk path: the schedule knows them in advance)."""
        self.offence_rows: list[tuple[int, float, float, int, int, int]] = []
        """(offender, committed, proven, sanction, type, custody code) of each offence the event loop saw."""
        self.custody_rows: list[tuple[int, float, float, int]] = []
        """(offender, entered, released, reason) of each custody spell."""
        self.breach_rows: list[tuple[int, float, bool]] = []
        """(offender, day, recalled) of each breach the event loop saw."""

    # ---- starting ------------------------------------------------------------------------------------------

    def start_every_career(self) -> None:
        """Event path: every offender with an event inside follow-up is a process from the start."""
        draws = self.draws
        first_offence, first_breach = draws.first_events()
        liberty_ends = draws.start_days + draws.follow_up
        # An offender whose first event falls after follow-up has nothing to simulate (what they do later
        # cannot be counted); they get a process only if a programme later changes their rate.
        active = np.flatnonzero(np.minimum(first_offence, first_breach) < liberty_ends)
        for i, offence, breach in zip(
            active.tolist(), first_offence[active].tolist(), first_breach[active].tolist(), strict=True
        ):
            self.processes[i] = self.env.process(self.life(i, offence, breach))

    def start_from_plan(self, schedules: list[list[tuple[float, int, float]]], horizon: float = INF) -> None:
        """Bulk path: careers are planned at once; those that meet custody inside follow-up go on from there:
        as processes now (`from_plan`) if a programme may still interrupt them, else followed to the end at once
        (`_follow`), as nothing can change them. `schedules` are every programme's placements (day placed,
        offender, day referred): only offenders still to be placed can be interrupted. `horizon`: where the event
        loop will stop."""
        for placements in schedules:
            for _, i, _ in placements:
                self._places_to_come[i] += 1
        self.interruptible = [waiting > 0 for waiting in self._places_to_come]
        self.handover = handover = PlanHandover(self.draws.plan(), self.draws)
        now = self.env.now
        stop = now + (horizon - now)  # the time SimPy's `run(until=horizon)` stops at, rounding and all
        for i in list(handover.trigger_states):
            if self.interruptible[i]:
                self.processes[i] = self.env.process(self.from_plan(i, float(handover.trigger[i]), handover))
            else:
                self._follow(i, handover.leave(i, float(handover.trigger[i])), now, stop)
        handover.expect_placements(schedules)

    def _follow(self, i: int, state: PlanState, now: float, stop: float) -> None:
        """The career of an offender no programme can interrupt, from their first custody to the end: what
        `from_plan` and `life` do for them in the event loop, whose only event is each release from custody,
        without it. Their ledger rows come in the same order for them (the measures read each offender's rows
        in order and never across offenders), and time moves as SimPy's would: each release at `now + (release -
        now)`, none at or after `stop`."""
        draws = self.draws
        next_offence_after, next_breach_after = draws.next_offence, draws.next_breach
        record_offence = self.offence_rows.append
        liberty_ends = draws.start[i] + draws.follow_up
        pending, next_offence, next_breach = state.pending_custody, INF, state.next_breach
        while True:
            next_custody = pending[0][0] if pending else INF
            when = min(next_offence, next_breach, next_custody)
            if when >= liberty_ends:
                return
            if when == next_offence:
                sanction, offence_type, lag, served, custody_code = draws.next_outcome(i, when)
                if served and when + lag < liberty_ends:
                    heapq.heappush(pending, (when + lag, served))
                record_offence((i, when, when + lag, sanction, offence_type, custody_code))
                next_offence = next_offence_after(i, when)
                continue
            if when == next_breach:
                recall_days = draws.recall_days(i)
                self.breach_rows.append((i, when, recall_days is not None))
                if not recall_days:
                    next_breach = next_breach_after(i, when)
                    continue
                release, reason = when + recall_days, CUSTODY_AFTER_BREACH
            else:
                _, days = heapq.heappop(pending)
                release, reason = when + days, CUSTODY_AFTER_CONVICTION
            while pending and pending[0][0] < release:  # as `_custody`
                convicted, days = heapq.heappop(pending)
                release = max(release, convicted + days)
            self.custody_rows.append((i, when, release, reason))  # logged on entry, as `_custody`
            while now < release:
                if now + (release - now) >= stop:  # the event loop ends first: nothing more can happen
                    return
                now += release - now
            next_offence = next_offence_after(i, now)
            next_breach = next_breach_after(i, now)

    # ---- the processes -------------------------------------------------------------------------------------

    def from_plan(self, i: int, trigger: float, handover: PlanHandover) -> ProcessGenerator:
        """An offender whose planned career first enters custody on day `trigger`.

        The event path takes over there, in the state the plan reached. An offender no programme can interrupt
        goes straight on: their first event is the release from that custody. One waiting for a programme
        place idles until the trigger, and leaves the plan early if the programme places them first.
        """
        env = self.env
        if self.interruptible[i]:
            try:
                yield env.timeout(trigger - env.now)
            except simpy.Interrupt:  # placed on a programme before first custody: leave the plan now
                state = handover.leave(i, env.now)
                next_offence = self.draws.next_offence(i, env.now)
                yield from self.life(i, next_offence, state.next_breach, state.pending_custody)
                return
        state = handover.leave(i, trigger)
        # Custody (the pending sentence or recall on the trigger day) is the next event; the offence drawn beyond
        # it is void.
        yield from self.life(i, INF, state.next_breach, state.pending_custody)

    def life(
        self,
        i: int,
        next_offence: float,
        next_breach: float,
        pending_custody: list[tuple[float, float]] | None = None,
    ) -> ProcessGenerator:
        """One offender at liberty from now to the end of follow-up (or until nothing more can count).

        `pending_custody` is a heap of (conviction day, days to serve) of sentences still to start.
        """
        env = self.env
        timeout = env.timeout
        draws = self.draws
        next_offence_after, next_breach_after = draws.next_offence, draws.next_breach
        record_offence, record_breach = self.offence_rows.append, self.breach_rows.append
        liberty_ends = draws.start[i] + draws.follow_up
        interruptible = self.interruptible
        if pending_custody is None:
            pending_custody = []
        while True:
            next_custody = pending_custody[0][0] if pending_custody else INF
            when = min(next_offence, next_breach, next_custody)
            if when >= liberty_ends:
                return
            if interruptible[i] and when > env.now:
                try:
                    yield timeout(when - env.now)
                except simpy.Interrupt:  # a programme changed the offending rate: redraw (Poisson is memoryless)
                    next_offence = next_offence_after(i, env.now)
                    continue
            # Offences and breaches of an offender no programme can interrupt need no event: only custody does.
            if when == next_offence:  # arrested and sanctioned; custody follows a custodial conviction
                sanction, offence_type, lag, served, custody_code = draws.next_outcome(i, when)
                if served and when + lag < liberty_ends:
                    heapq.heappush(pending_custody, (when + lag, served))
                record_offence((i, when, when + lag, sanction, offence_type, custody_code))
                next_offence = next_offence_after(i, when)
                continue
            if when == next_breach:  # breach proceedings (no new offence), perhaps recall
                recall_days = draws.recall_days(i)
                record_breach((i, when, recall_days is not None))
                if not recall_days:
                    next_breach = next_breach_after(i, when)
                    continue
                release, reason = when + recall_days, CUSTODY_AFTER_BREACH
            else:
                _, days = heapq.heappop(pending_custody)
                release, reason = when + days, CUSTODY_AFTER_CONVICTION
            # Entered custody on day `when` (now, if the process has been following events one by one): one event,
            # at release, is all the event loop needs for the spell and the liberty before it.
            yield from self._custody(i, when, release, pending_custody, reason)
            released = env.now
            next_offence = next_offence_after(i, released)
            next_breach = next_breach_after(i, released)

    def _custody(
        self, i: int, entered: float, release: float, pending_custody: list[tuple[float, float]], reason: int
    ) -> ProcessGenerator:
        """In custody from `entered` until `release`; sentences arriving meanwhile for older offences run
        concurrently."""
        env = self.env
        while pending_custody and pending_custody[0][0] < release:
            convicted, days = heapq.heappop(pending_custody)
            release = max(release, convicted + days)
        # Logged on entry, its release day known: a spell still running when the run ends (one entered late in
        # follow-up) counts like any other, the measures clipping it to follow-up (`committed.clipped_spells`).
        self.custody_rows.append((i, entered, release, reason))
        while env.now < release:
            try:
                yield env.timeout(release - env.now)
            except simpy.Interrupt:  # a programme started while inside: nothing to redraw until release
                continue

    # ---- programmes ----------------------------------------------------------------------------------------

    def placed(self, i: int, modifier: Modifier) -> None:
        """Offender `i` is placed on a programme now: its effects start, and the career takes them up.

        A career under way is interrupted (at liberty it redraws its next offence at the new rate); one still on
        the plan leaves it now; one that had nothing left inside follow-up at the old rate may have at the new.
        """
        env = self.env
        draws = self.draws
        placed = env.now
        draws.add_modifier(i, modifier)
        career = self.processes[i]
        if career is not None and career.is_alive:
            career.interrupt("programme starts")
        elif placed < draws.start[i] + draws.follow_up:
            if self.handover is not None and self.handover.on_plan[i]:  # a planned career without custody
                state = self.handover.leave(i, placed)
                life = self.life(i, draws.next_offence(i, placed), state.next_breach, state.pending_custody)
            else:
                # The career had nothing left inside follow-up at the old rate (its last breach draw lies
                # beyond it); at the new rate it may, so it resumes from now.
                life = self.life(i, draws.next_offence(i, placed), INF)
            self.processes[i] = env.process(life)
        if self.handover is not None:  # bulk path: no programme may interrupt them after their last placement
            self._places_to_come[i] -= 1
            self.interruptible[i] = self._places_to_come[i] > 0

    # ---- the record ----------------------------------------------------------------------------------------

    def logs(self) -> tuple[OffenceLog, CustodyLog, BreachLog]:
        """Offences, custody spells and breaches: the plan's that stand, then the event loop's."""
        offences = OffenceLog.from_rows(self.offence_rows)
        breaches = BreachLog.from_rows(self.breach_rows)
        if self.handover is not None:
            offences = self.handover.offences().followed_by(offences)
            breaches = self.handover.breaches().followed_by(breaches)
        return offences, CustodyLog.from_rows(self.custody_rows), breaches
