"""Who is referred to a programme, and what each referral would do there: settled before the run.

Picture the day a scenario's programme opens. Each offender in the cohort who meets its eligibility rule
is offered a place and takes it up or not (uptake); each who takes it up is referred on the day they enter
the cohort, with a place on the waiting list by the programme's priority (most previous sanctions first,
youngest first, or first come, first served), and would complete the programme or drop out at some point
of it. A service shared with the rest of the country also has referrals from outside the cohort
(`outside_referrals.py`), all year, from a warm-up before 1 January. None of this depends on what happens
in anyone's career, so it is all drawn at once, from each offender's own programme numbers.

On the bulk path the places are then scheduled for every referral at once (`ProgrammeReferrals.schedule`,
through `place_schedule.py`); on the event path the referrals queue for a SimPy resource
(`programme.Programme`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import InterventionSpec, eligible, scaled_capacity
from simulation.inputs.vocabulary import DAYS_PER_YEAR
from simulation.model.outside_referrals import OutsideReferrals, draw_outside_referrals
from simulation.model.place_schedule import schedule_places, schedule_usage
from simulation.model.places import PlaceUsage
from simulation.model.streams import ReplicationStreams

INF = math.inf


@dataclass(frozen=True)
class ScheduledPlaces:
    """Bulk path: what the schedule of a programme's places gives, for the whole run."""

    placements: list[tuple[float, int, float]]
    """(day placed, offender, day referred) of the cohort's placements, in order of placing."""
    left_waiting_list: int
    """The cohort's referrals that gave up waiting."""
    outside_started: int
    """Outside referrals placed from 1 January."""
    usage: PlaceUsage | None
    """Use of the places (None when they are unlimited: worked out from the starts instead)."""


@dataclass(frozen=True)
class ProgrammeReferrals:
    """One programme's referrals from the cohort and from outside it, with what each would do there."""

    spec: InterventionSpec
    """The intervention as the scenario file gives it."""
    eligible_mask: np.ndarray
    """Which offenders met the eligibility rule."""
    referred: np.ndarray
    """The offenders who took up the offer, by day of referral (entering the cohort) and then index."""
    referred_day: np.ndarray
    """Day of each of their referrals."""
    priority: list[int]
    """Waiting-list priority of every offender (lower is served first)."""
    completes: list[bool]
    """Whether each offender would complete the programme if started."""
    dropout_point: list[float]
    """Share of `programme_days` after which each offender would drop out if not completing."""
    capacity: float
    """Places simulated (the national capacity scaled to the cohort; inf when unlimited)."""
    outside: OutsideReferrals
    """Referrals from outside the cohort over the whole run, warm-up included."""

    def stay(self, i: int) -> float:
        """Days offender `i` would hold a place: the programme, or the part of it before dropping out."""
        days = self.spec.programme_days
        return days if self.completes[i] else self.dropout_point[i] * days

    @property
    def outside_referred(self) -> int:
        """Referrals from outside the cohort from 1 January (those of the warm-up are not reported)."""
        return int(np.count_nonzero(self.outside.arrival >= 0))

    def in_order(self) -> list[tuple[int, float]]:
        """(offender, day) of each of the cohort's referrals, in order of referral."""
        return list(zip(self.referred.tolist(), self.referred_day.tolist(), strict=True))

    def schedule(self, horizon: float) -> ScheduledPlaces:
        """Bulk path: when each referral, the cohort's and those from outside, gets a place (`place_schedule`)."""
        spec, who, outside = self.spec, self.referred, self.outside
        completes = np.asarray(self.completes, dtype=bool)[who]
        dropout = np.asarray(self.dropout_point, dtype=float)[who]
        arrival = np.concatenate([self.referred_day, outside.arrival])
        priority = np.concatenate([np.asarray(self.priority, dtype=np.int64)[who], outside.priority])
        stay = np.concatenate(
            [np.where(completes, spec.programme_days, dropout * spec.programme_days), outside.stay]
        )
        order = np.argsort(arrival, kind="stable")  # on a tie, the cohort's referral first
        arrival, priority, stay = arrival[order], priority[order], stay[order]
        schedule = schedule_places(arrival, priority, stay, self.capacity, spec.max_wait_days, horizon)
        usage = None
        if math.isfinite(self.capacity):
            usage = schedule_usage(arrival, stay, schedule, self.capacity, 0.0, horizon)
        from_cohort = order < who.size
        placed_cohort = np.flatnonzero(from_cohort & ~np.isnan(schedule.placed))
        placed_cohort = placed_cohort[np.argsort(schedule.placed[placed_cohort], kind="stable")]
        k = order[placed_cohort]
        return ScheduledPlaces(
            placements=list(zip(
                schedule.placed[placed_cohort].tolist(), who[k].tolist(), self.referred_day[k].tolist(), strict=True
            )),
            left_waiting_list=int(np.count_nonzero(~np.isnan(schedule.gave_up[from_cohort]))),
            outside_started=int(np.count_nonzero(schedule.placed[~from_cohort] >= 0)),
            usage=usage,
        )


def programme_referrals(
    spec: InterventionSpec, cohort: Cohort, streams: ReplicationStreams, since: float, until: float
) -> ProgrammeReferrals:
    """Draw `spec`'s referrals for a run from day `since` (a warm-up before 1 January, for a service with
    referrals from outside the cohort) to `until`."""
    frame = cohort.frame
    is_eligible = eligible(spec.eligibility, frame)
    draws = streams.programme(spec.name)
    takes_up = is_eligible & (draws.column(0) < spec.uptake.value)
    # SimPy places the lowest priority number first; ties are placed in referral order.
    if spec.priority == "previous_sanctions":
        priority = -frame["previous_sanctions"].to_numpy(np.int64)
    elif spec.priority is not None:  # youngest first, to the day
        priority = np.round(frame[spec.priority].to_numpy(float) * DAYS_PER_YEAR).astype(np.int64)
    else:
        priority = np.zeros(len(frame), dtype=np.int64)
    capacity = scaled_capacity(spec.capacity, cohort.scale) if spec.capacity is not None else None
    outside = OutsideReferrals.none()
    if spec.referral_flow is not None and capacity is not None:
        # From the warm-up before 1 January, so that the service is in steady use when the cohort arrives.
        outside = draw_outside_referrals(
            streams.outside_referrals(spec.name),
            per_day=spec.referral_flow.per_year.value * cohort.scale / DAYS_PER_YEAR,
            since=since,
            until=until,
            eligible_priorities=priority[is_eligible],
            completion_probability=spec.completion.value,
            programme_days=spec.programme_days,
        )
    referred = np.flatnonzero(takes_up)
    start = frame["start_day"].to_numpy(float)
    referred = referred[np.argsort(start[referred], kind="stable")]
    return ProgrammeReferrals(
        spec=spec,
        eligible_mask=is_eligible,
        referred=referred,
        referred_day=start[referred],
        priority=priority.tolist(),
        completes=(draws.column(1) < spec.completion.value).tolist(),
        dropout_point=draws.column(2).tolist(),
        capacity=float(capacity) if capacity is not None else INF,
        outside=outside,
    )
