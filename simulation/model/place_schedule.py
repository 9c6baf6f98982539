"""Who gets a programme place and when, worked out for every referral at once, before the event loop runs.

A referral's wait for a place depends only on the referrals before it and on how long each holder keeps
its place, never on what the referred offender does meanwhile: nobody leaves a waiting list or a place
because of custody or a new offence. So the whole service, the cohort's referrals and the tens of
thousands from outside it, can be scheduled in one pass, and the event loop only has to start each
cohort member's programme on the day this schedule gives. The event path (`bulk=False`) runs the same
referrals through SimPy's resource (`places.Places`), and the tests hold this schedule to it.

Two kernels give the same answer:

* first come, first served (every referral has the same priority): the start of referral k is the later
  of its arrival and the earliest day a place falls free, because everyone ahead of it in the list has
  already been placed or has given up. One heap of the days each place falls free; the referrals that
  give up before it are skipped by bisection, so the Python loop turns once per place given.
* by priority: a small event loop over arrivals, releases and deadlines with a heap-ordered waiting list
  (priority, then arrival), O(n log n).

At equal instants (which continuous arrival times make vanishingly rare) a release is handled before a
deadline, and a deadline before an arrival; a referral placed on its deadline day is placed.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass

import numpy as np

from simulation.model.places import PlaceUsage

INF = math.inf


@dataclass(frozen=True)
class PlaceSchedule:
    """What happened to each referral, in the order the referrals were given."""

    placed: np.ndarray
    """Day the referral was given a place (nan: never, before the end of the run)."""
    gave_up: np.ndarray
    """Day the referral left the waiting list unplaced, at its deadline (nan: it did not, before the end)."""


def schedule_places(
    arrival: np.ndarray,
    priority: np.ndarray,
    stay: np.ndarray,
    capacity: float,
    max_wait: float | None,
    until: float,
) -> PlaceSchedule:
    """Place referrals arriving on days `arrival` (ascending; ties served in the order given).

    `priority`: lower is served first; `stay`: days each holds its place once placed; `capacity`: places
    (inf: nobody waits); `max_wait`: days a referral waits before giving up (None: no limit); `until`: the
    end of the run, day (nothing at or after it happens).
    """
    arrival = np.asarray(arrival, dtype=float)
    n = arrival.size
    if n and np.any(np.diff(arrival) < 0):
        raise ValueError("referrals must be given in order of arrival")
    patience = INF if max_wait is None else float(max_wait)
    if not math.isfinite(capacity):
        placed = np.where(arrival < until, arrival, np.nan)
        return PlaceSchedule(placed, np.full(n, np.nan))
    priority = np.asarray(priority)
    if n == 0 or np.all(priority == priority[0]):
        return _first_come_first_served(arrival, np.asarray(stay, dtype=float), int(capacity), patience, until)
    return _by_priority(arrival, priority, np.asarray(stay, dtype=float), int(capacity), patience, until)


def _first_come_first_served(
    arrival: np.ndarray, stay: np.ndarray, capacity: int, patience: float, until: float
) -> PlaceSchedule:
    n = arrival.size
    deadline = arrival + patience
    placed = [math.nan] * n
    if capacity > 0:
        days, stays, deadlines = arrival.tolist(), stay.tolist(), deadline.tolist()
        free = [-INF] * capacity
        """Day each place falls free (a heap)."""
        replace, first_waiting = heapq.heapreplace, bisect.bisect_left
        k = 0
        # A referral gives up exactly when its deadline passes before the earliest place falls free; deadlines
        # rise with arrival, so the loop jumps over those at once and turns only once per place given.
        while (earliest := free[0]) < until:
            if k < n and deadlines[k] < earliest:
                k = first_waiting(deadlines, earliest, k)
            if k == n:
                break
            day = days[k]
            start = day if day >= earliest else earliest
            if start >= until:  # everyone later would start later still
                break
            placed[k] = start
            replace(free, start + stays[k])
            k += 1
    placed_days = np.array(placed)
    # Anyone not placed whose deadline fell inside the run gave up then (the others were still waiting).
    gave_up = np.where(np.isnan(placed_days) & (deadline < until), deadline, np.nan)
    return PlaceSchedule(placed_days, gave_up)


def _by_priority(
    arrival: np.ndarray, priority: np.ndarray, stay: np.ndarray, capacity: int, patience: float, until: float
) -> PlaceSchedule:
    n = arrival.size
    days, priorities, stays = arrival.tolist(), priority.tolist(), stay.tolist()
    placed = [math.nan] * n
    gave_up = [math.nan] * n
    waiting_now = bytearray(n)
    waiting: list[tuple[int, float, int]] = []
    """The waiting list: (priority, arrival, referral), with those who gave up dropped when they reach the top."""
    releases: list[float] = []
    """Days the places in use fall free (a heap)."""
    in_use = 0
    arrived = 0
    """Referrals arrived so far (the next to arrive)."""
    oldest = 0
    """The earliest-arrived referral that may still be waiting: deadlines fall in order of arrival."""
    push, pop = heapq.heappush, heapq.heappop
    while True:
        next_arrival = days[arrived] if arrived < n else INF
        next_release = releases[0] if releases else INF
        while oldest < arrived and not waiting_now[oldest]:
            oldest += 1
        next_deadline = days[oldest] + patience if oldest < arrived else INF
        now = min(next_arrival, next_release, next_deadline)
        if now >= until:
            break
        if next_release == now:
            pop(releases)
            in_use -= 1
            while waiting:
                k = pop(waiting)[2]
                if waiting_now[k]:
                    waiting_now[k] = 0
                    placed[k] = now
                    push(releases, now + stays[k])
                    in_use += 1
                    break
        elif next_deadline == now:
            waiting_now[oldest] = 0
            gave_up[oldest] = now
        else:
            k = arrived
            arrived += 1
            if in_use < capacity:  # a free place means nobody is waiting
                placed[k] = now
                push(releases, now + stays[k])
                in_use += 1
            else:
                waiting_now[k] = 1
                push(waiting, (priorities[k], now, k))
    return PlaceSchedule(np.array(placed), np.array(gave_up))


def schedule_usage(
    arrival: np.ndarray,
    stay: np.ndarray,
    schedule: PlaceSchedule,
    capacity: float,
    since: float,
    until: float,
) -> PlaceUsage:
    """Use of the places over [`since`, `until`) days, from a schedule: what `Places` records as it runs.

    At equal instants, leaving (a place or the list) is counted before joining, so peaks are never
    inflated by a place changing hands.
    """
    arrival = np.asarray(arrival, dtype=float)
    placed, gave_up = schedule.placed, schedule.gave_up
    is_placed = ~np.isnan(placed)
    starts = placed[is_placed]
    ends = starts + np.asarray(stay, dtype=float)[is_placed]
    # A referral waits from arrival until placed, until it gives up, or to the end of the run.
    left_list = np.where(is_placed, placed, np.where(np.isnan(gave_up), INF, gave_up))
    waited = left_list > arrival
    joins, leaves = arrival[waited], left_list[waited]

    def clipped(days: np.ndarray) -> np.ndarray:
        return np.clip(days, since, until)

    return PlaceUsage(
        capacity=float(capacity),
        observed_days=until - since,
        place_days=float((clipped(ends) - clipped(starts)).sum()),
        peak_in_use=_peak(starts, ends, since, until),
        queue_days=float((clipped(leaves) - clipped(joins)).sum()),
        peak_queue=_peak(joins, leaves, since, until),
        granted=int(np.count_nonzero((starts >= since) & (starts < until))),
        released=int(np.count_nonzero((ends >= since) & (ends < until))),
        withdrawn=int(np.count_nonzero((gave_up >= since) & (gave_up < until))),
    )


def _peak(joins: np.ndarray, leaves: np.ndarray, since: float, until: float) -> int:
    """Most intervals [join, leave) open at once in [`since`, `until`), starting from those open at `since`."""
    open_at_start = int(np.count_nonzero((joins < since) & (leaves >= since)))
    join_days = joins[(joins >= since) & (joins < until)]
    leave_days = leaves[(leaves >= since) & (leaves < until)]
    if not join_days.size:
        return open_at_start
    times = np.concatenate([leave_days, join_days])
    steps = np.concatenate([-np.ones(leave_days.size, dtype=np.int64), np.ones(join_days.size, dtype=np.int64)])
    order = np.argsort(times, kind="stable")  # at equal times, leaving (listed first) comes before joining
    return open_at_start + max(0, int(np.cumsum(steps[order]).max()))
