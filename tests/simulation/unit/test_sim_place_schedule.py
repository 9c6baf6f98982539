"""The bulk schedule of programme places (`simulation/model/place_schedule.py`) against SimPy's resource run
referral by referral (`simulation/places.Places`, the event path), and against cases worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.model.place_schedule import PlaceSchedule, _by_priority, schedule_places, schedule_usage
from simulation.model.places import Places, PlaceUsage

TIME_TOLERANCE_DAYS = 1e-9


def _simpy_reference(
    arrival: np.ndarray, priority: np.ndarray, stay: np.ndarray, capacity: int, max_wait: float | None, until: float
) -> tuple[PlaceSchedule, PlaceUsage]:
    """Each referral a process in SimPy's `with request` idiom, waiting at most `max_wait` days."""
    env = simpy.Environment()
    places = Places(env, capacity=capacity)
    placed = np.full(arrival.size, np.nan)
    gave_up = np.full(arrival.size, np.nan)

    def journey(k: int):  # type: ignore[no-untyped-def]
        with places.request(priority=int(priority[k])) as request:
            if max_wait is None:
                yield request
            else:
                yield request | env.timeout(max_wait)
                if not request.triggered:
                    gave_up[k] = env.now
                    return
            placed[k] = env.now
            yield env.timeout(float(stay[k]))

    def referrals():  # type: ignore[no-untyped-def]
        for k, day in enumerate(arrival.tolist()):
            yield env.timeout(day - env.now)
            env.process(journey(k))

    env.process(referrals())
    env.run(until=until)
    return PlaceSchedule(placed, gave_up), places.usage(until=until)


def _contested(seed: int, n: int, capacity: int, levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n` referrals over 100 days, each holding a place 5-40 days: about twice what `capacity` places serve."""
    rng = np.random.default_rng(seed)
    arrival = np.sort(rng.uniform(0.0, 100.0, n))
    return arrival, rng.integers(0, levels, n), rng.uniform(5.0, 40.0, n)


def _assert_same_days(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert np.array_equal(np.isnan(got), np.isnan(expected)), f"{what}: different referrals"
    both = ~np.isnan(expected)
    worst = float(np.max(np.abs(got[both] - expected[both]), initial=0.0))
    assert worst <= TIME_TOLERANCE_DAYS, f"{what}: largest difference {worst} days"


@pytest.mark.parametrize(
    ("seed", "capacity", "levels", "max_wait"),
    [(1, 5, 1, 12.0), (2, 8, 1, None), (3, 5, 4, 12.0), (4, 3, 3, None), (5, 12, 6, 3.0), (6, 1, 1, 30.0)],
)
def test_the_schedule_places_everyone_as_simpy_does(seed, capacity, levels, max_wait):
    arrival, priority, stay = _contested(seed, 400, capacity, levels)
    until = 110.0
    got = schedule_places(arrival, priority, stay, capacity, max_wait, until)
    expected, expected_usage = _simpy_reference(arrival, priority, stay, capacity, max_wait, until)
    assert np.count_nonzero(~np.isnan(expected.placed)) > 2 * capacity, "places must change hands"
    if max_wait is not None:
        assert np.count_nonzero(~np.isnan(expected.gave_up)) > 10, "some referrals must give up"
    _assert_same_days(got.placed, expected.placed, "placed")
    _assert_same_days(got.gave_up, expected.gave_up, "gave up")
    usage = schedule_usage(arrival, stay, got, capacity, 0.0, until)
    for name in ("peak_in_use", "peak_queue", "granted", "released", "withdrawn"):
        assert getattr(usage, name) == getattr(expected_usage, name), name
    for name in ("place_days", "queue_days", "observed_days"):
        assert getattr(usage, name) == pytest.approx(getattr(expected_usage, name), rel=1e-9), name


def test_first_come_first_served_and_the_priority_loop_agree_when_priorities_are_equal():
    arrival, _, stay = _contested(7, 3000, 40, 1)
    fast = schedule_places(arrival, np.zeros(arrival.size, dtype=np.int64), stay, 40, 9.0, 105.0)
    general = _by_priority(arrival, np.zeros(arrival.size, dtype=np.int64), stay, 40, 9.0, 105.0)
    assert np.array_equal(fast.placed, general.placed, equal_nan=True)
    assert np.array_equal(fast.gave_up, general.gave_up, equal_nan=True)


def test_one_place_worked_by_hand():
    # Day 0: the first takes the place until day 10. The second (day 1) would wait until day 10 but gives up
    # on day 6; the third (day 2) gives up on day 7; the fourth (day 8) waits 2 days and holds it to day 22;
    # the fifth (day 19) waits 3 days; the sixth (day 30) is placed at once. At most two wait at once.
    arrival = np.array([0.0, 1.0, 2.0, 8.0, 19.0, 30.0])
    stay = np.array([10.0, 10.0, 10.0, 12.0, 3.0, 1.0])
    schedule = schedule_places(arrival, np.zeros(6, dtype=np.int64), stay, 1, 5.0, 100.0)
    assert np.array_equal(schedule.placed, [0.0, np.nan, np.nan, 10.0, 22.0, 30.0], equal_nan=True)
    assert np.array_equal(schedule.gave_up, [np.nan, 6.0, 7.0, np.nan, np.nan, np.nan], equal_nan=True)
    usage = schedule_usage(arrival, stay, schedule, 1, 0.0, 100.0)
    assert (usage.granted, usage.released, usage.withdrawn, usage.peak_in_use, usage.peak_queue) == (4, 4, 2, 1, 2)
    assert usage.place_days == pytest.approx(10.0 + 12.0 + 3.0 + 1.0)
    assert usage.queue_days == pytest.approx(5.0 + 5.0 + 2.0 + 3.0)


def test_a_higher_priority_referral_goes_ahead_of_earlier_ones():
    arrival = np.array([0.0, 1.0, 2.0, 3.0])
    priority = np.array([0, 5, 5, 1])
    schedule = schedule_places(arrival, priority, np.full(4, 10.0), 1, None, 100.0)
    assert np.array_equal(schedule.placed, [0.0, 20.0, 30.0, 10.0])


def test_nothing_happens_at_or_after_the_end_of_the_run():
    arrival = np.array([0.0, 1.0, 2.0])
    schedule = schedule_places(arrival, np.zeros(3, dtype=np.int64), np.full(3, 10.0), 1, 15.0, 10.0)
    # The second would be placed on day 10, the end: it is neither placed nor gone; nor is the third.
    assert np.array_equal(schedule.placed, [0.0, np.nan, np.nan], equal_nan=True)
    assert np.isnan(schedule.gave_up).all()


def test_unlimited_places_place_everyone_on_arrival():
    arrival = np.array([0.0, 0.0, 3.5])
    schedule = schedule_places(arrival, np.array([2, 1, 0]), np.ones(3), math.inf, 1.0, 10.0)
    assert np.array_equal(schedule.placed, arrival)


def test_referrals_out_of_order_are_refused():
    with pytest.raises(ValueError, match="order of arrival"):
        schedule_places(np.array([2.0, 1.0]), np.zeros(2, dtype=np.int64), np.ones(2), 1, None, 10.0)


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 3), min_size=1, max_size=60),
    stays=st.lists(st.integers(0, 12), min_size=60, max_size=60),
    capacity=st.integers(1, 4),
    max_wait=st.one_of(st.none(), st.integers(0, 10)),
)
def test_both_kernels_break_ties_alike_on_whole_days(gaps, stays, capacity, max_wait):
    """Loaded cohorts may refer on whole days, and completers hold a place a whole number of days, so arrivals,
    releases and deadlines fall on the same instant: both kernels must settle those ties the same way (a release
    before a deadline before an arrival; equal arrivals in the order given)."""
    arrival = np.cumsum(np.array(gaps, dtype=float))
    stay = np.array(stays[: arrival.size], dtype=float)
    priority = np.zeros(arrival.size, dtype=np.int64)
    until = float(arrival[-1]) + 5.0
    fast = schedule_places(arrival, priority, stay, capacity, None if max_wait is None else float(max_wait), until)
    general = _by_priority(arrival, priority, stay, capacity, math.inf if max_wait is None else float(max_wait), until)
    assert np.array_equal(fast.placed, general.placed, equal_nan=True)
    assert np.array_equal(fast.gave_up, general.gave_up, equal_nan=True)
