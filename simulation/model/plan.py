"""Careers in bulk: every offender's offences and breaches up to their first custody, drawn at once.

Until an offender first goes into custody (a custodial conviction, or recall after a breach) or is
placed on a programme, nothing in their career depends on the event loop: offences arrive as a Poisson
process whose rate changes only with age, breaches as a Poisson process during supervision, and each
offence's outcome is fixed by the offender's own random numbers. So those stretches are worked out for
the whole cohort at once with numpy, from exactly the random numbers the event path would use:

* offence times by inverting the cumulative hazard of the offender's rate along the age-crime curve
  (`rates.AgePaths`) at `H_k`, the running sum of the offender's unit-exponential gaps (the event path's
  step-by-step inversion, summed; equal in exact arithmetic, and to rounding in floating point);
* breach times as `start + (running sum of gaps) / breach rate`;
* the *trigger*: the first day the offender enters custody, the earliest conviction day of a custodial
  sentence or recall breach inside follow-up (inf if none).

An offender with no trigger and no programme needs no SimPy process at all. The others hand over to the
event loop at the trigger (or at placement), in the state the event path would have reached there:
the same random numbers consumed, the same sentences pending. `tests/simulation/validation/
test_sim_bulk_vs_event.py` checks the two paths against each other on the same streams.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulation.model.rates import AgePath, AgePaths

INF = float("inf")

OffenceOutcome = tuple[int, int, float, float, int]
"""(sanction code, offence type code, lag days, days to serve or 0, custody code), as `offence_outcomes.Outcome`."""


@dataclass(frozen=True)
class PlanInputs:
    """What the plan is drawn from: per-offender arrays, the random-number blocks and their overflow."""

    start: np.ndarray
    """Start of follow-up, days."""
    liberty_end: np.ndarray
    """End of follow-up, days: nothing at or after it is simulated."""
    supervision_end: np.ndarray
    """End of supervision, days: breaches happen only before it."""
    rate_at_start: np.ndarray
    """Detected-offence rate at the start of follow-up, per day."""
    ages: AgePaths
    """How each offender's rate changes as they age during follow-up."""
    breach_rate: float
    """Breaches per day during supervision."""
    recall_probability: float
    """Probability that a breach leads to recall to custody."""
    gaps: np.ndarray
    """Unit-exponential offence gaps, offenders x (at least `width`) columns."""
    sanction: np.ndarray
    """Sanction code of each offender's k-th offence, offenders x `width`."""
    offence_type: np.ndarray
    """Offence type code, offenders x `width`."""
    lag: np.ndarray
    """Days from offence to proof, offenders x `width`."""
    served: np.ndarray
    """Days to serve in custody (0: no custody), offenders x `width`."""
    custody_code: np.ndarray
    """Custody code (`offence_outcomes`: none, custody, community order instead), offenders x `width`."""
    breach_gaps: np.ndarray
    """Unit-exponential breach gaps, offenders x `breach_width`."""
    breach_uniforms: np.ndarray
    """Uniforms deciding recall, offenders x `breach_width`."""
    gap: Callable[[int, int], float]
    """Offender i's k-th offence gap, for any k."""
    outcome: Callable[[int, int], OffenceOutcome]
    """Outcome of offender i's k-th offence, for any k."""
    breach_gap: Callable[[int, int], float]
    """Offender i's j-th breach gap, for any j."""
    breach_uniform: Callable[[int, int], float]
    """Offender i's j-th recall uniform, for any j."""
    age_path: Callable[[int], AgePath]
    """Offender i's age path in plain floats."""

    @property
    def width(self) -> int:
        """Offences per offender worked out in bulk."""
        return int(self.sanction.shape[1])

    @property
    def breach_width(self) -> int:
        """Breaches per offender worked out in bulk."""
        return int(self.breach_gaps.shape[1])


@dataclass(frozen=True)
class PlanState:
    """Where an offender's career stands when it leaves the plan at day `t`, as the event path would have it."""

    offences_before: int
    """Planned offences committed before `t`; also the index of the next offence's outcome."""
    gaps_used: int
    """Offence gaps consumed: one per offence before `t`, plus the draw that lies beyond `t`."""
    pending_custody: list[tuple[float, float]]
    """Heap of (conviction day, days to serve) of custodial sentences still to start."""
    next_breach: float
    """Day of the next breach already drawn (inf if it lies beyond supervision)."""
    breaches_drawn: int
    """Breach gaps consumed."""


@dataclass(frozen=True)
class CareerPlan:
    """Every offender's career up to the trigger (see the module docstring), and how to leave it."""

    inputs: PlanInputs
    """What it was drawn from."""
    committed: np.ndarray
    """Day of each of the first `width` offences (offenders x width); inf where the hazard runs out."""
    breach_days: np.ndarray
    """Day of each of the first `breach_width` breach draws; inf where the offender cannot breach."""
    trigger: np.ndarray
    """Day of first custody inside follow-up, per offender; inf if none."""
    extra_offences: dict[int, list[tuple[float, OffenceOutcome]]]
    """Offences beyond `width` (committed day, outcome), for the few offenders who reach them before the trigger."""
    extra_breaches: dict[int, list[float]]
    """Breach draws beyond `breach_width`, likewise."""

    def offence_count_before(self, i: int, t: float) -> int:
        """Planned offences of offender `i` committed before day `t`."""
        count = int(np.searchsorted(self.committed[i], t, side="left"))
        if count == self.inputs.width:
            count += sum(1 for day, _ in self.extra_offences.get(i, ()) if day < t)
        return count

    def state_at(self, i: int, t: float) -> PlanState:
        """The event path's state of offender `i` at day `t` (no later than the trigger)."""
        inputs = self.inputs
        n_before = self.offence_count_before(i, t)
        pending: list[tuple[float, float]] = []
        liberty_end = float(inputs.liberty_end[i])
        for k in range(n_before):
            if k < inputs.width:
                day = float(self.committed[i, k])
                lag, served = float(inputs.lag[i, k]), float(inputs.served[i, k])
            else:
                day, (_, _, lag, served, _) = self.extra_offences[i][k - inputs.width]
            if served and day + lag < liberty_end:
                heapq.heappush(pending, (day + lag, served))
        draws = self._breach_draws(i)
        if not draws:
            return PlanState(n_before, n_before + 1, pending, INF, 0)
        # Breaches handled before `t` (inside supervision); the event path has drawn one more, still pending.
        supervision_end = float(inputs.supervision_end[i])
        handled = sum(1 for day in draws if day < min(t, supervision_end))
        next_breach = draws[handled] if handled < len(draws) else INF
        return PlanState(
            offences_before=n_before,
            gaps_used=n_before + 1,
            pending_custody=pending,
            next_breach=next_breach if next_breach < supervision_end else INF,
            breaches_drawn=handled + 1,
        )

    def states_at_trigger(self) -> dict[int, PlanState]:
        """`state_at(i, trigger[i])` for every offender with a trigger, worked out at once."""
        who = np.flatnonzero(self.trigger < INF)
        return self.states_at(who, self.trigger[who])

    def states_at(self, who: np.ndarray, day: np.ndarray) -> dict[int, PlanState]:
        """`state_at(i, t)` for offenders `who` (each once) at days `day` (none later than their trigger), at once."""
        inputs = self.inputs
        committed = self.committed[who]
        before = committed < day[:, None]
        n_before = before.sum(axis=1)
        convicted = committed + inputs.lag[who]
        pending = before & (inputs.served[who] > 0) & (convicted < inputs.liberty_end[who][:, None])
        heaps: list[list[tuple[float, float]]] = [[] for _ in range(who.size)]
        rows, columns = np.nonzero(pending)
        for r, conviction, served in zip(
            rows.tolist(), convicted[rows, columns].tolist(), inputs.served[who[rows], columns].tolist(), strict=True
        ):
            heaps[r].append((conviction, served))
        draws = self.breach_days[who]
        supervision_end = inputs.supervision_end[who]
        handled = (draws < np.minimum(day, supervision_end)[:, None]).sum(axis=1)
        can_breach = np.isfinite(draws[:, 0])
        width = self.inputs.breach_width
        pending_draw = draws[np.arange(who.size), np.minimum(handled, width - 1)]
        next_breach = np.where(can_breach & (handled < width) & (pending_draw < supervision_end), pending_draw, INF)
        drawn = np.where(can_breach, handled + 1, 0)
        states: dict[int, PlanState] = {}
        for r, (i, t, n, following, count) in enumerate(
            zip(who.tolist(), day.tolist(), n_before.tolist(), next_breach.tolist(), drawn.tolist(), strict=True)
        ):
            if i in self.extra_offences or i in self.extra_breaches:
                states[i] = self.state_at(i, t)
            else:
                heap = heaps[r]
                heapq.heapify(heap)
                states[i] = PlanState(n, n + 1, heap, following, count)
        return states

    def _breach_draws(self, i: int) -> list[float]:
        row = self.breach_days[i]
        if not np.isfinite(row[0]):
            return []
        return [*row.tolist(), *self.extra_breaches.get(i, ())]

    def offences_before(self, cutoff: np.ndarray) -> tuple[np.ndarray, ...]:
        """Planned offences committed before each offender's `cutoff`: offender, committed, proven, sanction, type,
        custody code."""
        inputs = self.inputs
        who, k = np.nonzero(self.committed < cutoff[:, None])
        committed = self.committed[who, k]
        columns = [
            who,
            committed,
            committed + inputs.lag[who, k],
            inputs.sanction[who, k],
            inputs.offence_type[who, k],
            inputs.custody_code[who, k],
        ]
        cut = {i: float(cutoff[i]) for i in self.extra_offences}
        extra = [
            (i, day, day + lag, sanction, offence_type, custody_code)
            for i, rows in self.extra_offences.items()
            for day, (sanction, offence_type, lag, _, custody_code) in rows
            if day < cut[i]
        ]
        if extra:
            table = np.array(extra, dtype=float)
            columns = [np.concatenate([c, table[:, j]]) for j, c in enumerate(columns)]
        return (
            columns[0].astype(np.int64),
            columns[1].astype(float),
            columns[2].astype(float),
            columns[3].astype(np.int8),
            columns[4].astype(np.int8),
            columns[5].astype(np.int8),
        )

    def breaches_before(self, cutoff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Planned breaches (never recalls: a recall is a trigger) before each offender's `cutoff`: who, day."""
        inputs = self.inputs
        end = np.minimum(np.minimum(inputs.supervision_end, inputs.liberty_end), cutoff)
        who, j = np.nonzero(self.breach_days < end[:, None])
        days = self.breach_days[who, j]
        ends = {i: float(end[i]) for i in self.extra_breaches}
        extra = [(i, day) for i, draws in self.extra_breaches.items() for day in draws if day < ends[i]]
        if extra:
            table = np.array(extra, dtype=float)
            who = np.concatenate([who, table[:, 0].astype(np.int64)])
            days = np.concatenate([days, table[:, 1]])
        return who.astype(np.int64), days.astype(float)


def plan_careers(inputs: PlanInputs) -> CareerPlan:
    """Work out every offender's plan (see the module docstring)."""
    width, breach_width = inputs.width, inputs.breach_width
    start, liberty_end = inputs.start, inputs.liberty_end
    rate = inputs.rate_at_start
    column = (slice(None), slice(0, width))

    # Offences: times by inversion of the cumulative hazard; first custody from a conviction.
    hazard = np.cumsum(inputs.gaps[column], axis=1)
    ages = inputs.ages
    with np.errstate(invalid="ignore"):
        committed = start[:, None] + AgePaths(
            ages.first_slope[:, None], ages.kink[:, None], ages.second_slope[:, None]
        ).days_at_hazard(rate[:, None], hazard)
    committed = np.where(committed < liberty_end[:, None], committed, INF)
    convicted = committed + inputs.lag
    custodial = (inputs.served > 0) & (convicted < liberty_end[:, None])
    conviction_trigger = np.where(custodial, convicted, INF).min(axis=1, initial=INF)

    # Breaches: times, and first recall inside supervision and follow-up.
    can_breach = (start < inputs.supervision_end) & (inputs.breach_rate > 0)
    with np.errstate(divide="ignore"):
        breach_days = start[:, None] + np.cumsum(inputs.breach_gaps, axis=1) / inputs.breach_rate
    breach_days = np.where(can_breach[:, None], breach_days, INF)
    breach_end = np.minimum(inputs.supervision_end, liberty_end)
    recalled = (inputs.breach_uniforms < inputs.recall_probability) & (breach_days < breach_end[:, None])
    recall_trigger = np.where(recalled, breach_days, INF).min(axis=1, initial=INF)

    trigger = np.minimum(conviction_trigger, recall_trigger)
    extra_offences: dict[int, list[tuple[float, OffenceOutcome]]] = {}
    extra_breaches: dict[int, list[float]] = {}

    # The few offenders who breach more often than the bulk width before any trigger: draw on, one by one.
    for i in np.flatnonzero(breach_days[:, -1] < np.minimum(breach_end, trigger)).tolist():
        day, j, draws = float(breach_days[i, -1]), breach_width, []
        end = float(breach_end[i])
        while day < min(end, trigger[i]):
            day += inputs.breach_gap(i, j) / inputs.breach_rate
            draws.append(day)
            if day < end and inputs.breach_uniform(i, j) < inputs.recall_probability:
                trigger[i] = min(trigger[i], day)
            j += 1
        extra_breaches[i] = draws

    # The few who offend more often than the bulk width before any trigger: likewise.
    for i in np.flatnonzero(committed[:, -1] < np.minimum(liberty_end, trigger)).tolist():
        h, k, rows = float(hazard[i, -1]), width, []
        day, end, first_custody = float(committed[i, -1]), float(liberty_end[i]), float(trigger[i])
        offender_start, offender_rate, path = float(start[i]), float(rate[i]), inputs.age_path(i)
        while day < min(end, first_custody):
            h += inputs.gap(i, k)
            day = offender_start + path.days_at_hazard(offender_rate, h)
            if day >= end:
                break
            outcome = inputs.outcome(i, k)
            rows.append((day, outcome))
            _, _, lag, served, _ = outcome
            if served and day + lag < end:
                first_custody = min(first_custody, day + lag)
            k += 1
        trigger[i] = first_custody
        extra_offences[i] = rows

    trigger = np.where(trigger < liberty_end, trigger, INF)
    return CareerPlan(inputs, committed, breach_days, trigger, extra_offences, extra_breaches)
