"""Programme places: SimPy's `with request` idiom, self-kept use statistics, and a heap waiting list that
serves requests in exactly SimPy's `PriorityResource` order (checked against SimPy itself)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.model.places import Places, WaitingList, interval_usage


def _holder(env, places, log, name, hold, priority=0):
    with places.request(priority=priority) as request:
        yield request
        log.append((name, "granted", env.now))
        yield env.timeout(hold)
    log.append((name, "left", env.now))


def test_a_referral_that_leaves_the_waiting_list_releases_nothing_and_holds_no_place():
    env = simpy.Environment()
    places = Places(env, capacity=1)
    log: list[tuple[str, str, float]] = []
    env.process(_holder(env, places, log, "a", hold=10.0))
    seen: dict[str, object] = {}

    def impatient():
        with places.request(priority=0) as request:
            seen["request"] = request
            yield request | env.timeout(3.0)
            seen["granted"] = request.triggered
            seen["waiting_inside"] = len(places.queue)
        seen["waiting_after"] = len(places.queue)
        seen["users_after"] = list(places.users)
        seen["released_after"] = places.released

    env.process(impatient())
    env.run(until=5.0)
    assert seen["granted"] is False
    assert seen["waiting_inside"] == 1, "still on the list inside the block"
    assert seen["waiting_after"] == 0, "leaving the block must withdraw the request"
    assert seen["request"] not in seen["users_after"], "a withdrawn request must hold no place"
    assert seen["released_after"] == 0, f"nothing may be released by a withdrawal, got {seen['released_after']}"
    assert [r.proc for r in places.users] and len(places.users) == 1, "the holder keeps its place"
    usage = places.usage()
    assert (usage.granted, usage.released, usage.withdrawn) == (1, 0, 1)
    # The place it never held is still handed on when the holder leaves.
    env.process(_holder(env, places, log, "b", hold=1.0))
    env.run(until=20.0)
    assert ("b", "granted", 10.0) in log, log


def test_a_granted_place_is_released_after_an_interrupt():
    env = simpy.Environment()
    places = Places(env, capacity=1)
    log: list[tuple[str, str, float]] = []

    def expelled():
        try:
            with places.request() as request:
                yield request
                yield env.timeout(100.0)
        except simpy.Interrupt as interrupt:
            log.append(("a", f"interrupted: {interrupt.cause}", env.now))

    holder = env.process(expelled())
    env.process(_holder(env, places, log, "b", hold=5.0))

    def expel():
        yield env.timeout(4.0)
        holder.interrupt("expelled")

    env.process(expel())
    env.run()
    assert ("a", "interrupted: expelled", 4.0) in log
    assert ("b", "granted", 4.0) in log, f"the place should pass on at the interrupt: {log}"
    assert len(places.users) == 0 and places.released == 2


def test_use_statistics_match_a_hand_worked_schedule():
    # Capacity 2. a holds [0, 6), b [1, 4), c waits from 2 to 4 then holds [4, 9), d waits from 3 and gives
    # up at 5. In use: 1 on [0,1), 2 on [1,6), 1 on [6,9), 0 on [9,10) -> 1 + 10 + 3 = 14 place-days.
    # Waiting: 1 on [2,3), 2 on [3,4), 1 on [4,5) -> 4 person-days; peak 2.
    env = simpy.Environment()
    places = Places(env, capacity=2)
    log: list[tuple[str, str, float]] = []

    def arrive(name, at, hold, patience=None):
        yield env.timeout(at)
        with places.request() as request:
            yield request | env.timeout(patience if patience is not None else 1e9)
            if not request.triggered:
                return
            yield env.timeout(hold)

    for args in (("a", 0, 6), ("b", 1, 3), ("c", 2, 5), ("d", 3, 1, 2.0)):
        env.process(arrive(*args))
    env.run(until=10.0)
    usage = places.usage()
    expected = {"place_days": 14.0, "queue_days": 4.0, "peak_in_use": 2, "peak_queue": 2, "granted": 3,
                "released": 3, "withdrawn": 1, "observed_days": 10.0}
    got = {name: getattr(usage, name) for name in expected}
    assert got == pytest.approx(expected), f"expected {expected}, got {got}"
    assert usage.utilisation == pytest.approx(14.0 / 20.0)
    assert usage.mean_queue_length == pytest.approx(0.4)
    del log


def test_place_days_and_peak_agree_with_the_intervals_of_the_holders():
    rng = np.random.default_rng(4)
    env = simpy.Environment()
    places = Places(env, capacity=5)
    held: list[tuple[float, float]] = []

    def user(at, hold):
        yield env.timeout(at)
        with places.request(priority=int(rng.integers(3))) as request:
            yield request
            start = env.now
            yield env.timeout(hold)
            held.append((start, env.now))

    for at, hold in zip(rng.uniform(0, 50, 60), rng.exponential(8, 60), strict=True):
        env.process(user(at, hold))
    env.run(until=60.0)
    starts = np.array([s for s, _ in held] + [r.usage_since for r in places.users])
    ends = np.array([e for _, e in held] + [np.inf] * len(places.users))
    from_intervals = interval_usage(starts, ends, 0.0, 60.0)
    usage = places.usage()
    assert usage.place_days == pytest.approx(from_intervals.place_days, rel=1e-12)
    assert usage.peak_in_use == from_intervals.peak_in_use == 5
    assert usage.released == from_intervals.released


# ---- the heap waiting list against SimPy's own PriorityResource --------------------------------------------

Step = tuple[float, int, float, float | None]  # (arrival gap, priority, hold, patience or None)


def _serve(resource_type, steps: list[Step], capacity: int) -> list[tuple[int, str, float]]:
    env = simpy.Environment()
    resource = resource_type(env, capacity=capacity)
    order: list[tuple[int, str, float]] = []

    def customer(k, priority, hold, patience):
        with resource.request(priority=priority) as request:
            yield request | env.timeout(patience) if patience is not None else request
            if not request.triggered:
                order.append((k, "gave up", env.now))
                return
            order.append((k, "served", env.now))
            yield env.timeout(hold)

    def arrivals():
        for k, (gap, priority, hold, patience) in enumerate(steps):
            yield env.timeout(gap)
            env.process(customer(k, priority, hold, patience))

    env.process(arrivals())
    env.run()
    return order


steps_strategy = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.5]),  # many simultaneous arrivals: ties by time of request
        st.integers(-2, 2),
        st.sampled_from([0.5, 1.0, 3.0, 7.0]),
        st.one_of(st.none(), st.sampled_from([0.5, 2.0, 4.0])),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps=steps_strategy, capacity=st.integers(1, 4))
def test_heap_waiting_list_serves_and_withdraws_exactly_as_simpy_priority_resource(steps, capacity):
    expected = _serve(simpy.PriorityResource, steps, capacity)
    got = _serve(Places, steps, capacity)
    assert got == expected, f"SimPy order {expected}\nheap order {got}"


def test_waiting_list_order_and_lazy_withdrawal():
    env = simpy.Environment()
    queue = WaitingList()
    holder = simpy.PriorityResource(env, capacity=1)  # only to build requests; never granted from `queue`
    holder.request()  # takes the single slot so later requests stay pending
    requests = [simpy.resources.resource.PriorityRequest(holder, priority=p) for p in (2, 1, 2, 0, 1)]
    for request in requests:
        queue.append(request)
    queue.remove(requests[3])  # the best one leaves from the top
    queue.remove(requests[2])  # one leaves from the middle
    with pytest.raises(ValueError):
        queue.remove(requests[2])
    assert len(queue) == 3
    assert list(queue) == [requests[1], requests[4], requests[0]]
    assert [queue.pop(0) for _ in range(3)] == [requests[1], requests[4], requests[0]]
    assert len(queue) == 0
    with pytest.raises(IndexError):
        queue[0]
    with contextlib.suppress(IndexError):
        queue.pop(1)


def test_giving_back_now_frees_that_place_and_grants_the_next_in_line_at_once():
    env = simpy.Environment()
    places = Places(env, capacity=2)
    first, second, third = (places.request(priority=p) for p in (0, 0, 1))
    assert first.triggered and second.triggered and not third.triggered
    assert list(places.users) == [first, second], "holders are kept in the order they were granted"
    places.give_back_now(second)
    assert third.triggered and list(places.users) == [first, third] and places.released == 1
    places.give_back_now(second)  # holds nothing any more: gives back nothing
    assert places.released == 1 and len(places.users) == 2
