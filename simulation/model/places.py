"""Programme places: a SimPy priority resource that keeps its own use statistics.

Picture a drug-treatment service with 200 places. Offenders are referred as they enter the cohort; if
every place is taken they join a waiting list, ordered by priority and then by referral, and some give
up after a while. A place is held for the programme and handed to the next person on the list when it
is given back.

`Places` is that service as a `simpy.PriorityResource`, as the event path (`bulk=False`) runs it and the
bulk schedule (`place_schedule.py`) is tested against it, used with SimPy's own idiom,

    with places.request(priority=p) as request:
        yield request | env.timeout(max_wait)
        ...

so leaving the `with` block withdraws a request still on the waiting list and gives back a place
that was granted, whatever the reason for leaving (reneging, an interrupt, the end of the programme).

The resource watches itself: every grant, release, new waiting request and withdrawal first adds the
time since the last change, times the places in use and the length of the waiting list, to running
totals. So it reports place-days, utilisation, the peak in use and the time-weighted queue length
without any bookkeeping in the processes that use it.

Acknowledgements: the monitoring follows `MonitoredResource` in pythonhealthdatascience/pydesrap_mms
(a `simpy.Resource` subclass that tracks time-weighted use and queue length), adapted to a priority
resource and to this model's measures.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.core import BoundClass
from simpy.resources.resource import PriorityRequest, Release, Request


@dataclass(frozen=True)
class PlaceUsage:
    """How a programme's places were used over an observed period."""

    capacity: float
    """Places available at once (inf when unlimited)."""
    observed_days: float
    """Length of the observed period, days (from the start of the run to its end)."""
    place_days: float
    """Time integral of places in use, place-days."""
    peak_in_use: int
    """Most places in use at one moment."""
    queue_days: float
    """Time integral of the waiting-list length, person-days spent waiting."""
    peak_queue: int
    """Longest waiting list at one moment."""
    granted: int
    """Requests granted a place."""
    released: int
    """Places given back (a withdrawn request that held no place gives back nothing)."""
    withdrawn: int
    """Requests that left the waiting list before being granted a place."""

    @property
    def utilisation(self) -> float:
        """Mean share of places in use over the observed period (nan when capacity is unlimited)."""
        if not np.isfinite(self.capacity) or self.observed_days <= 0:
            return float("nan")
        return self.place_days / (self.capacity * self.observed_days)

    @property
    def mean_queue_length(self) -> float:
        """Time-weighted mean length of the waiting list over the observed period."""
        return self.queue_days / self.observed_days if self.observed_days > 0 else float("nan")


class WaitingList:
    """A waiting list ordered by `PriorityRequest.key` (priority, then time of request), then by arrival.

    SimPy's `SortedQueue` re-sorts a list on every request, which is quadratic in the length of the list;
    this is a binary heap, so joining and leaving the top are O(log n). A request withdrawn from inside
    the list is only marked, and dropped when it reaches the top, so withdrawal is O(1). The order is
    exactly SimPy's: its sort is stable, so equal keys keep the order of arrival, which the arrival ticket
    reproduces here.

    It offers what SimPy's resources use of a queue: `append`, `remove`, `len`, the first item as `[0]`
    and `pop(0)`.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[Any, ...]] = []
        """Entries (priority, time, not preempt, ticket, request): the key flattened, for cheap comparisons."""
        self._tickets = itertools.count()
        self._withdrawn: set[int] = set()
        """Tickets of requests withdrawn but still in the heap."""
        self._ticket_of: dict[int, int] = {}
        """Ticket of each request in the heap, by `id(request)` (unique while the heap holds it)."""
        self._live = 0
        """Requests on the list (the heap also holds withdrawn ones not yet dropped)."""

    def __len__(self) -> int:
        return self._live

    def append(self, request: PriorityRequest) -> None:
        """Join the list."""
        ticket = next(self._tickets)
        self._ticket_of[id(request)] = ticket
        heapq.heappush(self._heap, (*request.key, ticket, request))
        self._live += 1

    def remove(self, request: PriorityRequest) -> None:
        """Leave the list from wherever one stands (lazily: dropped when it reaches the top)."""
        ticket = self._ticket_of.pop(id(request), None)
        if ticket is None:
            raise ValueError("request is not on the waiting list")
        self._withdrawn.add(ticket)
        self._live -= 1
        self._drop_withdrawn()

    def _drop_withdrawn(self) -> None:
        heap, withdrawn = self._heap, self._withdrawn
        while heap and heap[0][-2] in withdrawn:
            withdrawn.remove(heapq.heappop(heap)[-2])

    def __getitem__(self, index: int) -> PriorityRequest:
        if index != 0 or not self._live:
            raise IndexError("only the first request of a waiting list can be read")
        return self._heap[0][-1]

    def pop(self, index: int = 0) -> PriorityRequest:
        """Take the first request off the list."""
        if index != 0 or not self._live:
            raise IndexError("only the first request of a waiting list can be taken")
        request = heapq.heappop(self._heap)[-1]
        del self._ticket_of[id(request)]
        self._live -= 1
        self._drop_withdrawn()
        return request

    def __iter__(self) -> Iterator[PriorityRequest]:
        """Requests in the order they will be served (a sorted copy: O(n log n), for inspection)."""
        live = sorted(entry for entry in self._heap if entry[-2] not in self._withdrawn)
        return iter([entry[-1] for entry in live])


class Holders:
    """The requests holding a place, in the order they were granted: what SimPy keeps as `Resource.users`.

    SimPy's list makes giving a place back O(places) (`list.remove`); with thousands of places and a
    release every few minutes of simulated time that was the largest cost of a scenario. A dict keeps the
    order of granting and makes both membership and removal O(1).
    """

    def __init__(self) -> None:
        self._holders: dict[Request, None] = {}

    def __len__(self) -> int:
        return len(self._holders)

    def __contains__(self, request: object) -> bool:
        return request in self._holders

    def __iter__(self) -> Iterator[Request]:
        return iter(self._holders)

    def append(self, request: Request) -> None:
        """Record that `request` now holds a place."""
        self._holders[request] = None

    def remove(self, request: Request) -> None:
        """Record that `request` gave its place back."""
        del self._holders[request]


class PlaceRequest(PriorityRequest):
    """A request for a place; withdrawing it from the waiting list is recorded by the resource."""

    resource: Places

    def cancel(self) -> None:
        """Withdraw from the waiting list if not yet granted (called on leaving the `with` block)."""
        if not self.triggered:
            self.resource._withdraw(self)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Leaving the `with` block: withdraw if still waiting, give the place back if one was granted.

        SimPy's `Request` also sends a release for a request that never held a place, which changes nothing
        but costs an event; a waiting list where most referrals give up would pay it for each of them.
        """
        self.cancel()
        if self.triggered and exc_type is not GeneratorExit:  # no release on generator clean-up, as SimPy
            self.resource.release(self)


class Places(simpy.PriorityResource):
    """A priority resource of programme places that records its own use (see the module docstring)."""

    PutQueue = WaitingList  # type: ignore[assignment]
    put_queue: WaitingList  # type: ignore[assignment]

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        super().__init__(env, capacity)
        self.users: Holders = Holders()  # type: ignore[assignment]
        self._since = env.now
        """Start of the observed period, days."""
        self._last_change = env.now
        """Time of the last change of places in use or waiting-list length, days."""
        self._place_days = 0.0
        self._queue_days = 0.0
        self._waiting = 0
        """Length of the waiting list after the last change."""
        self.peak_in_use = 0
        """Most places in use at one moment so far."""
        self.peak_queue = 0
        """Longest waiting list so far."""
        self.granted = 0
        """Requests granted a place so far."""
        self.released = 0
        """Places given back so far."""
        self.withdrawn = 0
        """Requests withdrawn from the waiting list so far."""

    if TYPE_CHECKING:

        def request(self, priority: int = 0, preempt: bool = True) -> PlaceRequest:
            """Ask for a place with the given `priority` (lower is served first)."""
            return PlaceRequest(self, priority, preempt)

    else:
        request = BoundClass(PlaceRequest)

    def _observe(self) -> None:
        """Add the state since the last change to the running totals; called before every change."""
        now = self._env.now
        elapsed = now - self._last_change
        if elapsed:
            self._place_days += len(self.users) * elapsed
            self._queue_days += self._waiting * elapsed
            self._last_change = now

    def _trigger_put(self, get_event: Release | None) -> None:
        """Grant a place to the first waiting request if one is free.

        Called, as in SimPy, once for each new request (which joins the list first, so one granted at once
        never counts as waiting) and once for each processed release. Like SimPy's `Resource`, it grants at
        most one place per call, so that same-instant events interleave exactly as in SimPy.
        """
        self._observe()
        queue = self.put_queue
        users = self.users
        if queue._live and len(users) < self.capacity:
            request = queue.pop(0)
            users.append(request)
            request.usage_since = self._env.now
            request.succeed()
            self.granted += 1
            self.peak_in_use = max(self.peak_in_use, len(users))
        waiting = self._waiting = queue._live
        if waiting > self.peak_queue:
            self.peak_queue = waiting

    def _do_get(self, event: Release) -> None:
        """Give back the place `event.request` holds; a request that holds none gives back nothing."""
        request = event.request
        if request in self.users:
            self._observe()
            self.users.remove(request)
            self.released += 1
        event.succeed()

    def give_back_now(self, request: PlaceRequest) -> None:
        """Give back the place `request` holds and grant it to the next in line, in this instant.

        `release` does the same through a `Release` event, which a process can wait for; a holder nobody waits
        on (an outside referral) saves that event.
        """
        if request in self.users:
            self._observe()
            self.users.remove(request)
            self.released += 1
            self._trigger_put(None)

    def _withdraw(self, request: PlaceRequest) -> None:
        self._observe()
        self.put_queue.remove(request)
        self.withdrawn += 1
        self._waiting = len(self.put_queue)

    def restart_statistics(self) -> None:
        """Observe from now on only (after a warm-up): totals restart at zero, peaks at the present state."""
        self._observe()
        self._since = self._last_change = self._env.now
        self._place_days = self._queue_days = 0.0
        self.peak_in_use = len(self.users)
        self.peak_queue = self._waiting
        self.granted = self.released = self.withdrawn = 0

    def usage(self, until: float | None = None) -> PlaceUsage:
        """Use of the places from the resource's creation to `until` (default: now), days."""
        until = self._env.now if until is None else until
        tail = until - self._last_change
        return PlaceUsage(
            capacity=float(self.capacity),
            observed_days=until - self._since,
            place_days=self._place_days + len(self.users) * tail,
            peak_in_use=self.peak_in_use,
            queue_days=self._queue_days + self._waiting * tail,
            peak_queue=self.peak_queue,
            granted=self.granted,
            released=self.released,
            withdrawn=self.withdrawn,
        )


def interval_usage(starts: np.ndarray, ends: np.ndarray, since: float, until: float) -> PlaceUsage:
    """Use of unlimited places from each holder's (start, end) days, clipped to [`since`, `until`].

    For programmes without a capacity, which need no resource: nobody waits, and utilisation is undefined.
    """
    starts = np.clip(np.asarray(starts, dtype=float), since, until)
    ends = np.clip(np.asarray(ends, dtype=float), since, until)
    if starts.size:
        times = np.concatenate([starts, ends])
        steps = np.concatenate([np.ones(starts.size, dtype=np.int64), -np.ones(ends.size, dtype=np.int64)])
        order = np.lexsort((steps, times))  # at equal times, leaving comes before arriving
        peak = int(np.cumsum(steps[order]).max(initial=0))
    else:
        peak = 0
    released = int(np.count_nonzero(np.asarray(ends) < until))
    return PlaceUsage(
        capacity=float("inf"),
        observed_days=until - since,
        place_days=float((ends - starts).sum()),
        peak_in_use=peak,
        queue_days=0.0,
        peak_queue=0,
        granted=int(starts.size),
        released=released,
        withdrawn=0,
    )
