"""Handing an offender from the bulk plan to the event loop.

The plan (`plan.py`) has worked out every career at once, up to each offender's first custody. Picture a
relay: the plan runs each offender's career until the *trigger*, the first day they enter custody, or until
a programme places them, whichever comes first, and there hands the baton to the event loop: the state the
career has reached (sentences pending, the next breach already drawn, the random numbers used), exactly as
the event path would have it. Whatever the plan recorded before an offender left it stands in the log;
what it worked out beyond that day is void, because the event loop carries on from there.

Most offenders never leave the plan: with no custody inside follow-up and no programme, their planned
career is their whole career.
"""

from __future__ import annotations

import numpy as np

from simulation.model.career_draws import CareerDraws
from simulation.model.logs import BreachLog, OffenceLog
from simulation.model.plan import CareerPlan, PlanState

INF = float("inf")


class PlanHandover:
    """Which offenders are still on the plan, and their state on the day each leaves it."""

    def __init__(self, plan: CareerPlan, draws: CareerDraws) -> None:
        self.plan = plan
        """Every career worked out in bulk up to first custody."""
        self.draws = draws
        """The numbers the event loop draws from, told on hand-over how many the plan had used."""
        self.trigger = plan.trigger
        """Day of each offender's first custody inside follow-up (inf: none)."""
        self.trigger_states = plan.states_at_trigger()
        """The state of every offender with a trigger on that day, worked out at once (in index order)."""
        self._placement_states: dict[int, tuple[float, PlanState]] = {}
        """(day, state) of each offender first placed while still on the plan, worked out before the run."""
        n = plan.trigger.size
        self.on_plan: list[bool] = [True] * n
        """Whether each offender's career still follows the plan."""
        self.left_plan = np.full(n, INF)
        """Day each offender left the plan (inf: never; their planned career stands to the end)."""

    def expect_placements(self, schedules: list[list[tuple[float, int, float]]]) -> None:
        """The state of every offender on the day of their first placement (schedules of (day placed, offender,
        day referred)), if it comes before their first custody: worked out at once, not one `state_at` each."""
        first: dict[int, float] = {}
        for placements in schedules:
            for day, i, _ in placements:
                if day < first.get(i, INF):
                    first[i] = day
        trigger = self.trigger
        on_plan = [(i, day) for i, day in first.items() if day < trigger[i]]
        who = np.array([i for i, _ in on_plan], dtype=np.int64)
        days = np.array([day for _, day in on_plan], dtype=float)
        states = self.plan.states_at(who, days)
        self._placement_states = {i: (day, states[i]) for i, day in on_plan}

    def leave(self, i: int, day: float) -> PlanState:
        """Offender `i` leaves the plan at `day` (their trigger, or a placement before it): their state then, with
        the random numbers used so far."""
        planned = self._placement_states.pop(i, None)
        if day == self.trigger[i]:
            state = self.trigger_states.pop(i)
        elif planned is not None and planned[0] == day:
            state = planned[1]
        else:
            state = self.plan.state_at(i, day)
        self.on_plan[i] = False
        self.left_plan[i] = day
        draws = self.draws  # the event loop carries on from the numbers the plan had used
        draws.gaps_used[i] = state.gaps_used
        draws.offences_drawn[i] = state.offences_before
        draws.breaches_drawn[i] = state.breaches_drawn
        return state

    def offences(self) -> OffenceLog:
        """The planned offences that stand: those committed before each offender left the plan."""
        return OffenceLog(*self.plan.offences_before(self.left_plan))

    def breaches(self) -> BreachLog:
        """The planned breaches that stand (never recalls: a recall is a trigger)."""
        who, day = self.plan.breaches_before(self.left_plan)
        return BreachLog(who, day, np.zeros(who.size, dtype=bool))
