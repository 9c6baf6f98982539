"""The SimPy model: each offender's career is a process; interventions are processes with places.

An offender's life, as the process reads: released or starting a sentence -> at liberty, offends ->
detected and sanctioned (court, caution/warning or penalty notice) -> convicted after a court lag ->
perhaps back in custody, where no offending happens -> released -> ... Breaches of supervision happen
too and may lead to recall, but are never offences.

Only detected-and-sanctioned offences are drawn (an exact thinning of the offending process), and an
offender is followed to the end of their follow-up: what happens later cannot change whether an
offence committed within follow-up is proven in time, because its proven date is drawn when it is
committed. The model records what happened; `measures` applies the Annex counting rules.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulation.cohort import QUARTER_END_DAY, Cohort
from simulation.interventions import InterventionSpec, Modifier, Scenario, eligible, modifier_for
from simulation.offence_outcomes import Outcome, OutcomeRules, as_rows, offence_outcomes
from simulation.params import ModelParams
from simulation.places import Places, PlaceUsage, interval_usage
from simulation.rates import (
    age_slope_per_day,
    detected_rate_per_day,
    gamma_frailty,
    sanction_shares,
    serious_probability,
)
from simulation.streams import (
    OffenderStream,
    Purpose,
    programme_purpose,
    standard_exponential,
    standard_normal,
    uniform,
)
from simulation.vocabulary import COURT_CONVICTION, DAYS_PER_YEAR

INF = math.inf
CUSTODY_AFTER_CONVICTION = 0
CUSTODY_AFTER_BREACH = 1
ProcessGenerator = Generator[simpy.Event, Any, None]

# Widths of the pre-drawn rows (numbers per offender before the overflow chunks are needed).
OFFENCE_GAP_WIDTH = 24
OFFENCE_MARK_WIDTH = 16
BREACH_WIDTH = 4


@dataclass(frozen=True)
class OffenceLog:
    """Detected re-offences: who, when committed and proven (days from 1 January), sanction and type codes."""

    offender: np.ndarray
    """Offender index."""
    committed: np.ndarray
    """Day committed (days from 1 January)."""
    proven: np.ndarray
    """Day proven (conviction or out-of-court disposal)."""
    sanction: np.ndarray
    """Sanction code (`vocabulary`)."""
    offence_type: np.ndarray
    """Offence type code (`vocabulary`)."""

    @classmethod
    def from_rows(cls, rows: list[tuple[int, float, float, int, int]]) -> OffenceLog:
        """Build from (offender, committed, proven, sanction, offence_type) tuples."""
        table = np.array(rows, dtype=float).reshape(-1, 5)
        return cls(
            offender=table[:, 0].astype(np.int64),
            committed=table[:, 1],
            proven=table[:, 2],
            sanction=table[:, 3].astype(np.int8),
            offence_type=table[:, 4].astype(np.int8),
        )


@dataclass(frozen=True)
class CustodyLog:
    """Custody spells: who, entered and released (days), and why (0 conviction, 1 breach)."""

    offender: np.ndarray
    """Offender index."""
    entered: np.ndarray
    """Day custody began."""
    released: np.ndarray
    """Day of release."""
    reason: np.ndarray
    """0 after a conviction, 1 after a breach (recall)."""

    @classmethod
    def from_rows(cls, rows: list[tuple[int, float, float, int]]) -> CustodyLog:
        """Build from (offender, entered, released, reason) tuples."""
        table = np.array(rows, dtype=float).reshape(-1, 4)
        return cls(table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3].astype(np.int8))


@dataclass(frozen=True)
class BreachLog:
    """Breaches of supervision (never offences): who, when (days), and whether custody followed."""

    offender: np.ndarray
    """Offender index."""
    day: np.ndarray
    """Day of the breach."""
    custody: np.ndarray
    """Whether recall to custody followed."""

    @classmethod
    def from_rows(cls, rows: list[tuple[int, float, bool]]) -> BreachLog:
        """Build from (offender, day, custody) tuples."""
        table = np.array(rows, dtype=float).reshape(-1, 3)
        return cls(table[:, 0].astype(np.int64), table[:, 1], table[:, 2].astype(bool))


@dataclass(frozen=True)
class ProgrammeLog:
    """One intervention's activity: eligible, referred (took up), starts, completions, waits, leavers."""

    name: str
    """The intervention's name in the scenario file."""
    eligible: int
    """Offenders meeting the eligibility rule."""
    referred: int
    """Eligible offenders who took up the offer and were referred."""
    started: np.ndarray
    """Offender index of each start, in order of starting."""
    wait_days: np.ndarray
    """Days from referral to start, per start."""
    completed: np.ndarray
    """Whether each start completed the programme (bool per start)."""
    left_waiting_list: int
    """Referrals that gave up waiting (after `max_wait_days`) and never held a place."""
    usage: PlaceUsage
    """Use of the places over the run: place-days, utilisation, peak in use, time-weighted queue."""
    cost_per_place: float
    """Cost charged per start, in the scenario's currency and price year."""

    @property
    def peak_places_in_use(self) -> int:
        """Most places in use at one moment."""
        return self.usage.peak_in_use


@dataclass(frozen=True)
class CareerLog:
    """Everything one replication of one scenario recorded."""

    offences: OffenceLog
    """Detected re-offences."""
    custody: CustodyLog
    """Custody spells."""
    breaches: BreachLog
    """Breaches of supervision."""
    programmes: list[ProgrammeLog]
    """One log per intervention, in scenario order."""


class ReplicationStreams:
    """All random numbers of one replication, shared by every scenario run in it (common random numbers)."""

    def __init__(self, replication: np.random.SeedSequence, n_offenders: int) -> None:
        self.replication = replication
        self.n_offenders = n_offenders

        def stream(purpose: int, width: int, transform: Any) -> OffenderStream:
            return OffenderStream(replication, purpose, n_offenders, width, transform)

        self.frailty = stream(Purpose.FRAILTY, 1, uniform)
        self.offence_gap = stream(Purpose.OFFENCE_GAP, OFFENCE_GAP_WIDTH, standard_exponential)
        self.thinning = stream(Purpose.THINNING, OFFENCE_GAP_WIDTH, uniform)
        self.sanction = stream(Purpose.SANCTION, OFFENCE_MARK_WIDTH, uniform)
        self.offence_type = stream(Purpose.OFFENCE_TYPE, OFFENCE_MARK_WIDTH, uniform)
        self.lag = stream(Purpose.LAG, OFFENCE_MARK_WIDTH, standard_normal)
        self.custody = stream(Purpose.CUSTODY, OFFENCE_MARK_WIDTH, uniform)
        self.served = stream(Purpose.SERVED, OFFENCE_MARK_WIDTH, standard_normal)
        self.breach_gap = stream(Purpose.BREACH_GAP, BREACH_WIDTH, standard_exponential)
        self.breach_outcome = stream(Purpose.BREACH_OUTCOME, BREACH_WIDTH, uniform)
        self.breach_custody = stream(Purpose.BREACH_CUSTODY, BREACH_WIDTH, standard_normal)
        self._programmes: dict[str, OffenderStream] = {}

    def programme(self, name: str) -> OffenderStream:
        """Per-offender (uptake, completion, drop-out point) uniforms for a programme, keyed by its name."""
        if name not in self._programmes:
            self._programmes[name] = OffenderStream(
                self.replication, programme_purpose(name), self.n_offenders, 3, uniform
            )
        return self._programmes[name]


@dataclass
class _Programme:
    """Run-time state of one intervention."""

    spec: InterventionSpec
    """The intervention as the scenario file gives it."""
    places: Places | None
    """Its places, or None when capacity is unlimited (nobody waits)."""
    priority: list[int]
    """Waiting-list priority of every offender (lower is served first)."""
    completes: list[bool]
    """Whether each offender would complete the programme if started."""
    dropout_point: list[float]
    """Share of `programme_days` after which each offender would drop out if not completing."""
    eligible_count: int
    """Offenders meeting the eligibility rule."""
    referred: list[int]
    """Offenders referred, in index order."""
    started: list[int] = field(default_factory=list)
    """Offender index of each start."""
    waits: list[float] = field(default_factory=list)
    """Days waited, per start."""
    completed: list[bool] = field(default_factory=list)
    """Completion, per start."""
    placed: list[float] = field(default_factory=list)
    """Day of each start."""
    ends: list[float] = field(default_factory=list)
    """Day each start gives the place back (may lie beyond the end of the run)."""
    left_waiting_list: int = 0
    """Referrals that gave up waiting."""


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the event loop runs.

    A run allocates a few hundred thousand short-lived events and log tuples beside tens of thousands of
    live processes; the collector's repeated scans of the live ones add 40-70% to the run's CPU time.
    Everything is collected normally once the run ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class CohortSimulation:
    """One replication of one scenario for a cohort."""

    def __init__(
        self,
        cohort: Cohort,
        params: ModelParams,
        scenario: Scenario,
        streams: ReplicationStreams,
        env: simpy.Environment | None = None,
    ) -> None:
        if streams.n_offenders != cohort.size:
            raise ValueError("streams were drawn for a different cohort size")
        self.env = env if env is not None else simpy.Environment()
        self.cohort = cohort
        self.params = params
        self.scenario = scenario
        self.streams = streams
        frame = cohort.frame
        n = cohort.size
        start = frame["start_day"].to_numpy(float)
        self._start = start
        self._rate_at_start = detected_rate_per_day(
            frame, params, gamma_frailty(streams.frailty.column(0), params.heterogeneity_theta)
        )
        self._supervision_end = start + frame["disposal"].map(params.supervision_days).to_numpy(float)
        self.start: list[float] = start.tolist()
        self.rate_at_start: list[float] = self._rate_at_start.tolist()
        self.supervision_end: list[float] = self._supervision_end.tolist()
        self.age_slope = age_slope_per_day(params)
        self.breach_rate = params.breach_rate_per_year / DAYS_PER_YEAR
        self.follow_up = params.follow_up_days
        self.horizon = QUARTER_END_DAY + params.follow_up_days + params.waiting_period_days
        court, pre_court, _ = sanction_shares(cohort.kind, params)
        self._outcome_rules = OutcomeRules(court, pre_court, params)
        self._serious_probability = serious_probability(frame, params)
        self._outcome_block = self._outcomes_for_chunk(np.arange(n), 0)
        self._outcome_overflow: dict[tuple[int, int], list[Outcome]] = {}
        self._gap_block = streams.offence_gap.block
        self.gaps_used = [0] * n
        self.thinning_used = [0] * n
        self.offences_drawn = [0] * n
        self.breaches_drawn = [0] * n
        self.modifiers: list[list[Modifier] | None] = [None] * n
        self.offence_rows: list[tuple[int, float, float, int, int]] = []
        self.custody_rows: list[tuple[int, float, float, int]] = []
        self.breach_rows: list[tuple[int, float, bool]] = []
        self.processes: list[simpy.Process | None] = [None] * n
        self.programmes: list[_Programme] = []

    # ---- running ------------------------------------------------------------------------------------------

    def run(self) -> CareerLog:
        """Start every offender's career and every referral, run to the end of the horizon, return the log."""
        env = self.env
        first_offence, first_breach = self._first_events()
        liberty_ends = self._start + self.follow_up
        with _collector_paused():
            # An offender whose first event falls after follow-up has nothing to simulate (what they do later
            # cannot be counted); they get a process only if a programme later changes their rate.
            active = np.flatnonzero(np.minimum(first_offence, first_breach) < liberty_ends)
            for i, offence, breach in zip(
                active.tolist(), first_offence[active].tolist(), first_breach[active].tolist(), strict=True
            ):
                self.processes[i] = env.process(self.offender_life(i, offence, breach))
            for spec in self.scenario.interventions:
                programme = self._programme(spec)
                self.programmes.append(programme)
                for i in programme.referred:
                    env.process(self.programme_journey(i, programme))
            env.run(until=self.horizon)
        return CareerLog(
            offences=OffenceLog.from_rows(self.offence_rows),
            custody=CustodyLog.from_rows(self.custody_rows),
            breaches=BreachLog.from_rows(self.breach_rows),
            programmes=[self._programme_log(p) for p in self.programmes],
        )

    def _first_events(self) -> tuple[np.ndarray, np.ndarray]:
        """Everyone's first offence and breach day, vectorised; uses each offender's first draw of each."""
        rate = self._rate_at_start
        hazard = self.streams.offence_gap.column(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.age_slope == 0:
                wait = np.where(rate > 0, hazard / rate, INF)
            else:
                y = 1.0 + self.age_slope * hazard / rate
                wait = np.where((rate > 0) & (y > 0), np.log(np.where(y > 0, y, 1.0)) / self.age_slope, INF)
        self.gaps_used = [1] * self.cohort.size
        first_offence = self._start + wait
        can_breach = (self._start < self._supervision_end) & (self.breach_rate > 0)
        with np.errstate(divide="ignore"):
            breach_day = self._start + self.streams.breach_gap.column(0) / self.breach_rate
        first_breach = np.where(can_breach & (breach_day < self._supervision_end), breach_day, INF)
        self.breaches_drawn = can_breach.astype(int).tolist()
        return first_offence, first_breach

    # ---- the offender -------------------------------------------------------------------------------------

    def offender_life(self, i: int, next_offence: float, next_breach: float) -> ProcessGenerator:
        """One offender at liberty from now to the end of follow-up (or until nothing more can count)."""
        env = self.env
        timeout = env.timeout
        liberty_ends = self.start[i] + self.follow_up
        pending_custody: list[tuple[float, float]] = []  # heap of (conviction day, days to serve)
        while True:
            next_custody = pending_custody[0][0] if pending_custody else INF
            when = min(next_offence, next_breach, next_custody)
            if when >= liberty_ends:
                return
            try:
                yield timeout(when - env.now)
            except simpy.Interrupt:  # a programme changed the offending rate: redraw (Poisson is memoryless)
                next_offence = self._next_offence(i, env.now)
                continue
            if when == next_offence:
                self._offence_detected(i, when, pending_custody, liberty_ends)
                next_offence = self._next_offence(i, when)
                continue
            if when == next_breach:
                recall_days = self._breach(i, when)
                if not recall_days:
                    next_breach = self._next_breach(i, when)
                    continue
                yield from self._custody(i, when + recall_days, pending_custody, CUSTODY_AFTER_BREACH)
            else:
                _, days = heapq.heappop(pending_custody)
                yield from self._custody(i, when + days, pending_custody, CUSTODY_AFTER_CONVICTION)
            released = env.now
            next_offence = self._next_offence(i, released)
            next_breach = self._next_breach(i, released)

    def _custody(
        self, i: int, release: float, pending_custody: list[tuple[float, float]], reason: int
    ) -> ProcessGenerator:
        """In custody until `release`; sentences arriving meanwhile for older offences run concurrently."""
        env = self.env
        entered = env.now
        while pending_custody and pending_custody[0][0] < release:
            convicted, days = heapq.heappop(pending_custody)
            release = max(release, convicted + days)
        while env.now < release:
            try:
                yield env.timeout(release - env.now)
            except simpy.Interrupt:  # a programme started while inside: nothing to redraw until release
                continue
        self.custody_rows.append((i, entered, release, reason))

    def _gap(self, i: int) -> float:
        """Offender `i`'s next unit-exponential hazard for the offending process."""
        k = self.gaps_used[i]
        self.gaps_used[i] = k + 1
        if k < OFFENCE_GAP_WIDTH:
            return float(self._gap_block.item(i, k))
        return self.streams.offence_gap.value(i, k)

    def _next_offence(self, i: int, t: float) -> float:
        """Day of the next detected-and-sanctioned offence after day `t` at liberty (inf if none)."""
        modifiers = self.modifiers[i]
        start = self.start[i]
        if modifiers is None:  # the common case, kept inline: one draw, exact inversion
            k = self.gaps_used[i]
            self.gaps_used[i] = k + 1
            hazard = (
                self._gap_block.item(i, k) if k < OFFENCE_GAP_WIDTH else self.streams.offence_gap.value(i, k)
            )
            c = self.age_slope
            rate = self.rate_at_start[i] * math.exp(c * (t - start))
            if rate <= 0:
                return INF
            if c == 0:
                return t + hazard / rate
            y = 1.0 + c * hazard / rate  # as in _wait_for_hazard, inlined for speed
            return t + math.log(y) / c if y > 0 else INF
        # Thinning against a dominating rate: exact for any intervention effect shape.
        bound = math.prod(m.bound() for m in modifiers)
        liberty_ends = start + self.follow_up
        while True:
            rate = self.rate_at_start[i] * math.exp(self.age_slope * (t - start))
            t += self._wait_for_hazard(self._gap(i), rate * bound)
            if t >= liberty_ends:
                return t
            j = self.thinning_used[i]
            self.thinning_used[i] = j + 1
            multiplier = math.prod(m.detected_rate_multiplier(t) for m in modifiers)
            if self.streams.thinning.value(i, j) * bound < multiplier:
                return t

    def _wait_for_hazard(self, hazard: float, rate: float) -> float:
        """Days until a rate of `rate`/day, changing by `age_slope`/day, accumulates `hazard`."""
        if rate <= 0:
            return INF
        c = self.age_slope
        if c == 0:
            return hazard / rate
        y = 1.0 + c * hazard / rate
        return math.log(y) / c if y > 0 else INF  # y <= 0: a declining rate never accumulates that much

    def _outcomes_for_chunk(self, rows: np.ndarray, chunk: int) -> tuple[np.ndarray, ...]:
        s = self.streams
        if chunk == 0:
            draws = [st.block[rows] for st in (s.sanction, s.offence_type, s.lag, s.custody, s.served)]
        else:
            draws = [
                st.chunk(int(rows[0]), chunk)[None, :]
                for st in (s.sanction, s.offence_type, s.lag, s.custody, s.served)
            ]
        return offence_outcomes(self._outcome_rules, self._serious_probability[rows][:, None], *draws)

    def _outcome(self, i: int, k: int) -> Outcome:
        """Outcome of offender `i`'s `k`-th detected offence."""
        if k < OFFENCE_MARK_WIDTH:
            sanction, offence_type, lag, served = self._outcome_block
            return sanction.item(i, k), offence_type.item(i, k), lag.item(i, k), served.item(i, k)
        chunk, position = divmod(k, OFFENCE_MARK_WIDTH)
        rows = self._outcome_overflow.get((i, chunk))
        if rows is None:
            extra = self._outcomes_for_chunk(np.array([i]), chunk)
            rows = self._outcome_overflow[(i, chunk)] = as_rows(*(column[0] for column in extra))
        return rows[position]

    def _offence_detected(
        self, i: int, day: float, pending_custody: list[tuple[float, float]], liberty_ends: float
    ) -> None:
        """Arrested and sanctioned: the k-th offence's outcome; custody follows a custodial conviction."""
        k = self.offences_drawn[i]
        self.offences_drawn[i] = k + 1
        if k < OFFENCE_MARK_WIDTH:  # the common case, kept inline
            sanctions, offence_types, lags, days_served = self._outcome_block
            sanction, offence_type = sanctions.item(i, k), offence_types.item(i, k)
            lag, served = lags.item(i, k), days_served.item(i, k)
        else:
            sanction, offence_type, lag, served = self._outcome(i, k)
        modifiers = self.modifiers[i]
        if modifiers is not None and sanction == COURT_CONVICTION:
            lag *= math.prod(m.lag_multiplier(day) for m in modifiers)
        if served and day + lag < liberty_ends:
            heapq.heappush(pending_custody, (day + lag, served))
        self.offence_rows.append((i, day, day + lag, sanction, offence_type))

    def _next_breach(self, i: int, t: float) -> float:
        """Day of the next breach after day `t` at liberty (inf if none before supervision ends)."""
        end = self.supervision_end[i]
        if t >= end or self.breach_rate <= 0:
            return INF
        k = self.breaches_drawn[i]
        self.breaches_drawn[i] = k + 1
        day = t + self.streams.breach_gap.value(i, k) / self.breach_rate
        return day if day < end else INF

    def _breach(self, i: int, day: float) -> float:
        """Breach proceedings (no new offence): record it; return days of recall to custody (0 if none)."""
        k = self.breaches_drawn[i] - 1  # the breach whose gap was drawn last
        recalled = self.streams.breach_outcome.value(i, k) < self.params.breach_custody_probability
        self.breach_rows.append((i, day, recalled))
        if not recalled:
            return 0.0
        params = self.params
        return params.breach_custody_median_days * math.exp(
            params.breach_custody_sigma * self.streams.breach_custody.value(i, k)
        )

    # ---- interventions ------------------------------------------------------------------------------------

    def _programme(self, spec: InterventionSpec) -> _Programme:
        frame = self.cohort.frame
        is_eligible = eligible(spec.eligibility, frame)
        draws = self.streams.programme(spec.name)
        takes_up = is_eligible & (draws.column(0) < spec.uptake.value)
        # SimPy places the lowest priority number first; ties are placed in referral order.
        if spec.priority == "previous_sanctions":
            priority = -frame["previous_sanctions"].to_numpy(np.int64)
        elif spec.priority is not None:  # youngest first, to the day
            priority = np.round(frame[spec.priority].to_numpy(float) * DAYS_PER_YEAR).astype(np.int64)
        else:
            priority = np.zeros(len(frame), dtype=np.int64)
        places = Places(self.env, capacity=spec.capacity) if spec.capacity is not None else None
        return _Programme(
            spec=spec,
            places=places,
            priority=priority.tolist(),
            completes=(draws.column(1) < spec.completion.value).tolist(),
            dropout_point=draws.column(2).tolist(),
            eligible_count=int(is_eligible.sum()),
            referred=np.flatnonzero(takes_up).tolist(),
        )

    def programme_journey(self, i: int, programme: _Programme) -> ProcessGenerator:
        """Referred on entering the cohort -> waits for a place -> starts -> completes or drops out.

        The place is held inside SimPy's `with request` block: leaving it withdraws a request still on the
        waiting list and gives back a granted place, whatever ends the wait or the stay.
        """
        env = self.env
        spec = programme.spec
        places = programme.places
        yield env.timeout(self.start[i] - env.now)
        referred = env.now
        wanted = places.request(priority=programme.priority[i]) if places is not None else None
        with wanted if wanted is not None else contextlib.nullcontext():
            if wanted is not None:
                if spec.max_wait_days is None:
                    yield wanted
                else:
                    yield wanted | env.timeout(spec.max_wait_days)
                    if not wanted.triggered:  # gave up waiting; leaving the block withdraws the request
                        programme.left_waiting_list += 1
                        return
            placed = env.now
            completed = programme.completes[i]
            stay = spec.programme_days if completed else programme.dropout_point[i] * spec.programme_days
            programme.started.append(i)
            programme.waits.append(placed - referred)
            programme.completed.append(completed)
            programme.placed.append(placed)
            programme.ends.append(placed + stay)
            modifier = modifier_for(spec, placed, placed + stay, completed)
            existing = self.modifiers[i]
            self.modifiers[i] = [modifier] if existing is None else [*existing, modifier]
            career = self.processes[i]
            if career is not None and career.is_alive:
                career.interrupt("programme starts")
            elif placed < self.start[i] + self.follow_up:
                # The career had nothing left inside follow-up at the old rate (its last breach draw lies beyond
                # it); at the new rate it may, so it resumes from now.
                self.processes[i] = env.process(self.offender_life(i, self._next_offence(i, placed), INF))
            yield env.timeout(stay)

    def _programme_log(self, programme: _Programme) -> ProgrammeLog:
        if programme.places is not None:
            usage = programme.places.usage(until=self.horizon)
        else:
            usage = interval_usage(np.array(programme.placed), np.array(programme.ends), 0.0, self.horizon)
        return ProgrammeLog(
            name=programme.spec.name,
            eligible=programme.eligible_count,
            referred=len(programme.referred),
            started=np.array(programme.started, dtype=np.int64),
            wait_days=np.array(programme.waits, dtype=float),
            completed=np.array(programme.completed, dtype=bool),
            left_waiting_list=programme.left_waiting_list,
            usage=usage,
            cost_per_place=programme.spec.cost_per_place.value,
        )


def simulate_replication(
    cohort: Cohort,
    params: ModelParams,
    scenario: Scenario,
    streams: ReplicationStreams,
    env: simpy.Environment | None = None,
) -> CareerLog:
    """Run one replication of one scenario; pass the same `streams` to every scenario for CRN."""
    return CohortSimulation(cohort, params, scenario, streams, env).run()
