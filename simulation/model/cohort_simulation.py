"""The SimPy model: offenders' careers from their first custody, and interventions with places, as processes.

An offender's life, as the process reads: released or starting a sentence -> at liberty, offends ->
detected and sanctioned (court, caution/warning or penalty notice) -> convicted after a court lag ->
perhaps back in custody, where no offending happens -> released -> ... Breaches of supervision happen
too and may lead to recall, but are never offences.

Only detected-and-sanctioned offences are drawn (an exact thinning of the offending process), and an
offender is followed to the end of their follow-up: what happens later cannot change whether an
offence committed within follow-up is proven in time, because its proven date is drawn when it is
committed. The model records what happened; `measures` applies the Annex counting rules.

Until an offender first enters custody or is placed on a programme, their career needs no event loop:
`plan.py` works it out for the whole cohort at once, and only offenders who meet custody, or wait for a
place, become processes here, taking over in the state the plan reached (`bulk=False` runs every career
as a process from the start instead: the event path the bulk path is tested against).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import heapq
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import simpy

from simulation.inputs.cohort import QUARTER_END_DAY, Cohort
from simulation.inputs.interventions import (
    InterventionSpec,
    Modifier,
    Scenario,
    eligible,
    modifier_for,
    scaled_capacity,
)
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import COURT_CONVICTION, DAYS_PER_YEAR
from simulation.model.offence_outcomes import Outcome, offence_outcome, offence_outcomes, outcome_rules
from simulation.model.outside_referrals import OutsideReferrals, draw_outside_referrals
from simulation.model.place_schedule import schedule_places, schedule_usage
from simulation.model.places import PlaceRequest, Places, PlaceUsage, interval_usage
from simulation.model.plan import CareerPlan, PlanInputs, PlanState, plan_careers
from simulation.model.rates import (
    AgePath,
    age_paths,
    category_values,
    committed_rate_per_day,
    frailty_variance,
    gamma_frailty,
    serious_probability,
    serious_sexual_share,
)
from simulation.model.streams import (
    OffenderStream,
    Purpose,
    outside_purpose,
    programme_purpose,
    standard_exponential,
    standard_normal,
    uniform,
)

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
    """Detected re-offences: who, when committed and proven (days from 1 January), sanction, type and custody
    codes."""

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
    custody_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    """Custody code (`offence_outcomes`: none, custody, community order instead); all none when not given."""

    def __post_init__(self) -> None:
        if self.custody_code.size != self.offender.size:
            object.__setattr__(self, "custody_code", np.zeros(self.offender.size, dtype=np.int8))

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> OffenceLog:
        """Build from (offender, committed, proven, sanction, offence_type[, custody_code]) tuples."""
        width = 6 if rows and len(rows[0]) == 6 else 5
        table = np.array(rows, dtype=float).reshape(-1, width)
        return cls(
            offender=table[:, 0].astype(np.int64),
            committed=table[:, 1],
            proven=table[:, 2],
            sanction=table[:, 3].astype(np.int8),
            offence_type=table[:, 4].astype(np.int8),
            custody_code=table[:, 5].astype(np.int8) if width == 6 else np.zeros(len(table), dtype=np.int8),
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
    eligible_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Which offenders met the eligibility rule."""
    capacity: float = float("inf")
    """Places simulated (the national capacity scaled to the cohort; inf when unlimited)."""
    outside_referred: int = 0
    """Referrals from outside the cohort during the observed period (from 1 January)."""
    outside_started: int = 0
    """Starts of referrals from outside the cohort during the observed period."""
    saving_per_place: float = 0.0
    """Cost avoided per start."""

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
    committed_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Each offender's rate of offences committed (detected or not) at the start of follow-up, per day."""
    modifiers: dict[int, list[Modifier]] = field(default_factory=dict)
    """The programme effects each offender received (only offenders with any)."""


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

    def outside_referrals(self, name: str) -> np.random.Generator:
        """The generator of a programme's referrals from outside the cohort (arrivals, completion, drop-out,
        priority), keyed by the programme's name: the same in every scenario that runs the programme."""
        key = (*self.replication.spawn_key, outside_purpose(name))
        return np.random.default_rng(np.random.SeedSequence(self.replication.entropy, spawn_key=key))

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
    """Its places as a SimPy resource (event path), or None when capacity is unlimited (nobody waits) or the
    referrals are scheduled in bulk."""
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
    journeys: dict[int, simpy.Process] = field(default_factory=dict)
    """Each referral's journey, by offender."""
    waiting: set[int] = field(default_factory=set)
    """Offenders whose referral is on the waiting list now."""
    in_order: list[tuple[int, float]] | None = None
    """(offender, day) of each referral in order of referral, once worked out."""
    eligible_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Which offenders met the eligibility rule."""
    capacity: float = float("inf")
    """Places simulated."""
    outside_referred: int = 0
    """Outside referrals from day 0."""
    outside_started: int = 0
    """Outside starts from day 0."""
    outside: OutsideReferrals = field(default_factory=OutsideReferrals.none)
    """Referrals from outside the cohort over the whole run, warm-up included."""
    usage: PlaceUsage | None = None
    """Use of the places, once worked out from the bulk schedule."""


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
        bulk: bool = True,
    ) -> None:
        if streams.n_offenders != cohort.size:
            raise ValueError("streams were drawn for a different cohort size")
        # A service fed from outside the cohort runs from before 1 January, so it is in steady use when the
        # cohort arrives; nothing of the cohort happens before day 0.
        warm_up = max(
            (
                spec.referral_flow.warm_up_days
                for spec in scenario.applies_to(cohort.kind)
                if spec.referral_flow is not None and spec.capacity is not None
            ),
            default=0.0,
        )
        self.env = env if env is not None else simpy.Environment(initial_time=-warm_up)
        self.cohort = cohort
        self.params = params
        self.scenario = scenario
        self.streams = streams
        frame = cohort.frame
        n = cohort.size
        start = frame["start_day"].to_numpy(float)
        self._start = start
        frailty = gamma_frailty(streams.frailty.column(0), frailty_variance(frame, params))
        self._committed_rate = committed_rate_per_day(frame, params, frailty)
        self._rate_at_start = self._committed_rate * params.detection_probability
        self._supervision_end = start + category_values(frame["disposal"], params.supervision_days)
        self.start: list[float] = start.tolist()
        self.rate_at_start: list[float] = self._rate_at_start.tolist()
        self.supervision_end: list[float] = self._supervision_end.tolist()
        self._ages = age_paths(frame, params)
        self.age_path: list[AgePath] = [
            AgePath(a, k, b)
            for a, k, b in zip(
                self._ages.first_slope.tolist(), self._ages.kink.tolist(), self._ages.second_slope.tolist(), strict=True
            )
        ]
        self.breach_rate = params.breach_rate_per_year / DAYS_PER_YEAR
        self.follow_up = params.follow_up_days
        self.horizon = QUARTER_END_DAY + params.follow_up_days + params.waiting_period_days
        self._outcome_rules = outcome_rules(cohort.kind, params)
        self._serious_probability = serious_probability(frame, params)
        self._sexual_share = serious_sexual_share(frame, params)
        self._outcome_block = self._first_outcomes()
        self._gap_block = streams.offence_gap.block
        self.gaps_used = [0] * n
        self.thinning_used = [0] * n
        self.offences_drawn = [0] * n
        self.breaches_drawn = [0] * n
        self.modifiers: list[list[Modifier] | None] = [None] * n
        self.offence_rows: list[tuple[int, float, float, int, int, int]] = []
        self.custody_rows: list[tuple[int, float, float, int]] = []
        self.breach_rows: list[tuple[int, float, bool]] = []
        self.processes: list[simpy.Process | None] = [None] * n
        self.programmes: list[_Programme] = []
        self.bulk = bulk
        """Work out careers in bulk up to first custody (`plan.py`); False runs every career as a process."""
        self.plan: CareerPlan | None = None
        self.on_plan: list[bool] = [bulk] * n
        """Whether each offender's career still follows the plan (bulk mode)."""
        self.left_plan = np.full(n, INF)
        """Day each offender left the plan (inf: never; their planned career stands to the end)."""
        self._trigger_states: dict[int, PlanState] = {}
        self._placement_states: dict[int, tuple[float, PlanState]] = {}
        """(day, state) of each offender first placed while still on the plan, worked out before the run."""
        self.interruptible: list[bool] = [True] * n
        """Whether a programme may still interrupt each offender's career (a place is still to come); the
        others' offences and breaches are handled without the event loop, needed only for custody."""
        self.referrals_waiting = [0] * n
        """Places each offender is still to be given (bulk mode: the schedule knows them in advance)."""

    # ---- running ------------------------------------------------------------------------------------------

    def run(self) -> CareerLog:
        """Start every career that needs the event loop and every referral, run to the end of the horizon,
        return the log."""
        env = self.env
        with _collector_paused():
            self.programmes = [self._programme(spec) for spec in self.scenario.applies_to(self.cohort.kind)]
            if self.bulk:
                schedules = [self._schedule(programme) for programme in self.programmes]
                for placements in schedules:
                    for _, i, _ in placements:
                        self.referrals_waiting[i] += 1
                self.interruptible = [waiting > 0 for waiting in self.referrals_waiting]
                self._start_from_plan()
                self._plan_states_at_placement(schedules)
                for programme, placements in zip(self.programmes, schedules, strict=True):
                    env.process(self.placements(programme, placements))
            else:
                self._start_every_career()
                for programme in self.programmes:
                    env.process(self.referrals(programme))
                    if programme.places is not None and programme.spec.max_wait_days is not None:
                        env.process(self.waiting_list_deadlines(programme))
                    if programme.outside.arrival.size:
                        env.process(self.outside_referrals(programme))
                if any(p.places is not None for p in self.programmes) and env.now < 0:
                    env.process(self._observe_from_day_zero())
            env.run(until=self.horizon)
            # Inside the pause: the log's allocations would otherwise set off a full collection of the live run.
            return self._career_log()

    def dismantle(self) -> None:
        """Free the run's memory now that its log is taken.

        Every process's generator holds the simulation, which holds the processes: reference cycles that only
        a full cyclic collection frees, and a full collection walks the whole heap (0.1-0.5 s a replication).
        Emptying the event queue and the simulation lets reference counting free nearly all of it at once
        (the processes left waiting are closed as their last references go). The object is unusable after.
        """
        self.env._queue.clear()
        self.__dict__.clear()

    def _observe_from_day_zero(self) -> ProcessGenerator:
        """Services warmed up before 1 January report their use from 1 January only."""
        yield self.env.timeout(-self.env.now)
        for programme in self.programmes:
            if programme.places is not None:
                programme.places.restart_statistics()

    def _start_every_career(self) -> None:
        """Event path: every offender with an event inside follow-up is a process from the start."""
        first_offence, first_breach = self._first_events()
        liberty_ends = self._start + self.follow_up
        # An offender whose first event falls after follow-up has nothing to simulate (what they do later
        # cannot be counted); they get a process only if a programme later changes their rate.
        active = np.flatnonzero(np.minimum(first_offence, first_breach) < liberty_ends)
        for i, offence, breach in zip(
            active.tolist(), first_offence[active].tolist(), first_breach[active].tolist(), strict=True
        ):
            self.processes[i] = self.env.process(self.offender_life(i, offence, breach))

    def _start_from_plan(self) -> None:
        """Bulk path: careers are planned at once; only those that meet custody inside follow-up become
        processes (see `career_from_plan`)."""
        self.plan = plan = plan_careers(self._plan_inputs())
        self._trigger_states = plan.states_at_trigger()
        for i in self._trigger_states:
            self.processes[i] = self.env.process(self.career_from_plan(i, float(plan.trigger[i])))

    def _plan_states_at_placement(self, schedules: list[list[tuple[float, int, float]]]) -> None:
        """Bulk path: the plan's state of every offender on the day of their first placement, if that comes
        before their first custody, worked out at once rather than by one `state_at` each."""
        assert self.plan is not None
        first: dict[int, float] = {}
        for placements in schedules:
            for day, i, _ in placements:
                if day < first.get(i, INF):
                    first[i] = day
        trigger = self.plan.trigger
        on_plan = [(i, day) for i, day in first.items() if day < trigger[i]]
        who = np.array([i for i, _ in on_plan], dtype=np.int64)
        days = np.array([day for _, day in on_plan], dtype=float)
        states = self.plan.states_at(who, days)
        self._placement_states = {i: (day, states[i]) for i, day in on_plan}

    def _plan_inputs(self) -> PlanInputs:
        streams = self.streams
        sanction, offence_type, lag, served, custody_code = self._outcome_block
        return PlanInputs(
            start=self._start,
            liberty_end=self._start + self.follow_up,
            supervision_end=self._supervision_end,
            rate_at_start=self._rate_at_start,
            ages=self._ages,
            breach_rate=self.breach_rate,
            recall_probability=self.params.breach_custody_probability,
            gaps=self._gap_block,
            sanction=sanction,
            offence_type=offence_type,
            lag=lag,
            served=served,
            custody_code=custody_code,
            breach_gaps=streams.breach_gap.block,
            breach_uniforms=streams.breach_outcome.block,
            gap=streams.offence_gap.value,
            outcome=self._outcome,
            breach_gap=streams.breach_gap.value,
            breach_uniform=streams.breach_outcome.value,
            age_path=self.age_path.__getitem__,
        )

    def _career_log(self) -> CareerLog:
        offences = OffenceLog.from_rows(self.offence_rows)
        breaches = BreachLog.from_rows(self.breach_rows)
        if self.plan is not None:
            planned = OffenceLog(*self.plan.offences_before(self.left_plan))
            offences = OffenceLog(
                *(np.concatenate([getattr(planned, f.name), getattr(offences, f.name)]) for f in fields(OffenceLog))
            )
            who, day = self.plan.breaches_before(self.left_plan)
            breaches = BreachLog(
                np.concatenate([who, breaches.offender]),
                np.concatenate([day, breaches.day]),
                np.concatenate([np.zeros(who.size, dtype=bool), breaches.custody]),
            )
        modifiers = {i: list(m) for i, m in enumerate(self.modifiers) if m is not None}
        return CareerLog(
            offences=offences,
            custody=CustodyLog.from_rows(self.custody_rows),
            breaches=breaches,
            programmes=[self._programme_log(p) for p in self.programmes],
            committed_rate=self._committed_rate,
            modifiers=modifiers,
        )

    def _first_events(self) -> tuple[np.ndarray, np.ndarray]:
        """Everyone's first offence and breach day, vectorised; uses each offender's first draw of each."""
        wait = self._ages.days_at_hazard(self._rate_at_start, self.streams.offence_gap.column(0))
        self.gaps_used = [1] * self.cohort.size
        first_offence = self._start + wait
        can_breach = (self._start < self._supervision_end) & (self.breach_rate > 0)
        with np.errstate(divide="ignore"):
            breach_day = self._start + self.streams.breach_gap.column(0) / self.breach_rate
        first_breach = np.where(can_breach & (breach_day < self._supervision_end), breach_day, INF)
        self.breaches_drawn = can_breach.astype(int).tolist()
        return first_offence, first_breach

    # ---- the offender -------------------------------------------------------------------------------------

    def career_from_plan(self, i: int, trigger: float) -> ProcessGenerator:
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
                state = self._leave_plan(i, env.now)
                next_offence = self._next_offence(i, env.now)
                yield from self.offender_life(i, next_offence, state.next_breach, state.pending_custody)
                return
        state = self._leave_plan(i, trigger)
        # Custody (the pending sentence or recall on the trigger day) is the next event; the offence drawn beyond
        # it is void.
        yield from self.offender_life(i, INF, state.next_breach, state.pending_custody)

    def _leave_plan(self, i: int, day: float) -> PlanState:
        """Hand offender `i` from the plan to the event path at `day`, with the random numbers it has used."""
        assert self.plan is not None
        planned = self._placement_states.pop(i, None)
        if day == self.plan.trigger[i]:
            state = self._trigger_states.pop(i)
        elif planned is not None and planned[0] == day:
            state = planned[1]
        else:
            state = self.plan.state_at(i, day)
        self.on_plan[i] = False
        self.left_plan[i] = day
        self.gaps_used[i] = state.gaps_used
        self.offences_drawn[i] = state.offences_before
        self.breaches_drawn[i] = state.breaches_drawn
        return state

    def offender_life(
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
        liberty_ends = self.start[i] + self.follow_up
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
                    next_offence = self._next_offence(i, env.now)
                    continue
            # Offences and breaches of an offender no programme can interrupt need no event: only custody does.
            if when == next_offence:
                self._offence_detected(i, when, pending_custody, liberty_ends)
                next_offence = self._next_offence(i, when)
                continue
            if when == next_breach:
                recall_days = self._breach(i, when)
                if not recall_days:
                    next_breach = self._next_breach(i, when)
                    continue
                release, reason = when + recall_days, CUSTODY_AFTER_BREACH
            else:
                _, days = heapq.heappop(pending_custody)
                release, reason = when + days, CUSTODY_AFTER_CONVICTION
            # Entered custody on day `when` (now, if the process has been following events one by one): one event,
            # at release, is all the event loop needs for the spell and the liberty before it.
            yield from self._custody(i, when, release, pending_custody, reason)
            released = env.now
            next_offence = self._next_offence(i, released)
            next_breach = self._next_breach(i, released)

    def _custody(
        self, i: int, entered: float, release: float, pending_custody: list[tuple[float, float]], reason: int
    ) -> ProcessGenerator:
        """In custody from `entered` until `release`; sentences arriving meanwhile for older offences run
        concurrently."""
        env = self.env
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
        rate, path = self.rate_at_start[i], self.age_path[i]
        if modifiers is None:  # the common case, kept inline: one draw, exact inversion
            k = self.gaps_used[i]
            self.gaps_used[i] = k + 1
            hazard = (
                self._gap_block.item(i, k) if k < OFFENCE_GAP_WIDTH else self.streams.offence_gap.value(i, k)
            )
            return start + path.days_at_hazard(rate, path.hazard(rate, t - start) + hazard)
        # Thinning against a dominating rate (`bound` x the rate): exact for any intervention effect shape.
        only = modifiers[0] if len(modifiers) == 1 else None  # the common case, without the products
        bound = only.bound() if only is not None else math.prod(m.bound() for m in modifiers)
        liberty_ends = start + self.follow_up
        thinning = self.streams.thinning.block  # drawn on first use: a baseline never thins
        while True:
            t = start + path.days_at_hazard(rate, path.hazard(rate, t - start) + self._gap(i) / bound)
            if t >= liberty_ends:
                return t
            j = self.thinning_used[i]
            self.thinning_used[i] = j + 1
            u = thinning.item(i, j) if j < OFFENCE_GAP_WIDTH else self.streams.thinning.value(i, j)
            if only is not None:
                multiplier = only.detected_rate_multiplier(t)
            else:
                multiplier = math.prod(m.detected_rate_multiplier(t) for m in modifiers)
            if u * bound < multiplier:
                return t

    def _first_outcomes(self) -> tuple[np.ndarray, ...]:
        """Outcomes of every offender's first `OFFENCE_MARK_WIDTH` offences, in one vectorised pass."""
        s = self.streams
        draws = [st.block for st in (s.sanction, s.offence_type, s.lag, s.custody, s.served)]
        return offence_outcomes(
            self._outcome_rules, self._serious_probability[:, None], draws[0], draws[1], draws[2], draws[3], draws[4],
            sexual_share=self._sexual_share[:, None],
        )

    def _outcome(self, i: int, k: int) -> Outcome:
        """Outcome of offender `i`'s `k`-th detected offence."""
        if k < OFFENCE_MARK_WIDTH:
            sanction, offence_type, lag, served, custody_code = self._outcome_block
            return (
                sanction.item(i, k),
                offence_type.item(i, k),
                lag.item(i, k),
                served.item(i, k),
                custody_code.item(i, k),
            )
        s = self.streams
        u_sanction, u_type, z_lag, u_custody, z_served = (
            st.value(i, k) for st in (s.sanction, s.offence_type, s.lag, s.custody, s.served)
        )
        return offence_outcome(
            self._outcome_rules,
            float(self._serious_probability[i]),
            u_sanction,
            u_type,
            z_lag,
            u_custody,
            z_served,
            float(self._sexual_share[i]),
        )

    def _offence_detected(
        self, i: int, day: float, pending_custody: list[tuple[float, float]], liberty_ends: float
    ) -> None:
        """Arrested and sanctioned: the k-th offence's outcome; custody follows a custodial conviction."""
        k = self.offences_drawn[i]
        self.offences_drawn[i] = k + 1
        if k < OFFENCE_MARK_WIDTH:  # the common case, kept inline
            sanctions, offence_types, lags, days_served, custody_codes = self._outcome_block
            sanction, offence_type = sanctions.item(i, k), offence_types.item(i, k)
            lag, served, custody_code = lags.item(i, k), days_served.item(i, k), custody_codes.item(i, k)
        else:
            sanction, offence_type, lag, served, custody_code = self._outcome(i, k)
        modifiers = self.modifiers[i]
        if modifiers is not None and sanction == COURT_CONVICTION:
            lag *= math.prod(m.lag_multiplier(day) for m in modifiers)
        if served and day + lag < liberty_ends:
            heapq.heappush(pending_custody, (day + lag, served))
        self.offence_rows.append((i, day, day + lag, sanction, offence_type, custody_code))

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
        capacity = scaled_capacity(spec.capacity, self.cohort.scale) if spec.capacity is not None else None
        places = Places(self.env, capacity=capacity) if capacity is not None and not self.bulk else None
        outside = OutsideReferrals.none()
        if spec.referral_flow is not None and capacity is not None:
            # From the warm-up before 1 January, so that the service is in steady use when the cohort arrives.
            outside = draw_outside_referrals(
                self.streams.outside_referrals(spec.name),
                per_day=spec.referral_flow.per_year.value * self.cohort.scale / DAYS_PER_YEAR,
                since=self.env.now,
                until=self.horizon,
                eligible_priorities=priority[is_eligible],
                completion_probability=spec.completion.value,
                programme_days=spec.programme_days,
            )
        return _Programme(
            spec=spec,
            places=places,
            priority=priority.tolist(),
            completes=(draws.column(1) < spec.completion.value).tolist(),
            dropout_point=draws.column(2).tolist(),
            eligible_count=int(is_eligible.sum()),
            referred=np.flatnonzero(takes_up).tolist(),
            eligible_mask=is_eligible,
            capacity=float(capacity) if capacity is not None else INF,
            outside_referred=int(np.count_nonzero(outside.arrival >= 0)),
            outside=outside,
        )

    def _schedule(self, programme: _Programme) -> list[tuple[float, int, float]]:
        """Bulk path: when each referral, the cohort's and those from outside, gets a place (`place_schedule`).

        Returns (day placed, offender, day referred) of the cohort's placements in order of placing, and
        records the programme's leavers, outside starts and use of places.
        """
        spec = programme.spec
        who = self._referred_in_order(programme)
        referred = self._start[who]
        completes = np.asarray(programme.completes, dtype=bool)[who]
        dropout = np.asarray(programme.dropout_point, dtype=float)[who]
        outside = programme.outside
        arrival = np.concatenate([referred, outside.arrival])
        priority = np.concatenate([np.asarray(programme.priority, dtype=np.int64)[who], outside.priority])
        stay = np.concatenate(
            [np.where(completes, spec.programme_days, dropout * spec.programme_days), outside.stay]
        )
        order = np.argsort(arrival, kind="stable")  # on a tie, the cohort's referral first
        arrival, priority, stay = arrival[order], priority[order], stay[order]
        schedule = schedule_places(arrival, priority, stay, programme.capacity, spec.max_wait_days, self.horizon)
        if math.isfinite(programme.capacity):
            programme.usage = schedule_usage(arrival, stay, schedule, programme.capacity, 0.0, self.horizon)
        from_cohort = order < who.size
        programme.outside_started = int(np.count_nonzero(schedule.placed[~from_cohort] >= 0))
        programme.left_waiting_list = int(np.count_nonzero(~np.isnan(schedule.gave_up[from_cohort])))
        placed_cohort = np.flatnonzero(from_cohort & ~np.isnan(schedule.placed))
        placed_cohort = placed_cohort[np.argsort(schedule.placed[placed_cohort], kind="stable")]
        k = order[placed_cohort]
        return list(zip(schedule.placed[placed_cohort].tolist(), who[k].tolist(), referred[k].tolist(), strict=True))

    def placements(self, programme: _Programme, placements: list[tuple[float, int, float]]) -> ProcessGenerator:
        """Bulk path: start each scheduled placement on its day (in order of placing)."""
        env = self.env
        for day, i, referred in placements:
            if day > env.now:
                yield env.timeout(day - env.now)
            self._start_programme(i, programme, referred)

    def outside_referrals(self, programme: _Programme) -> ProcessGenerator:
        """Event path: referrals from eligible offenders outside the cohort, drawn for the whole run (from the
        warm-up before 1 January), each waiting for a place in the same list as the cohort and holding it for
        the programme, completing or dropping out like anyone. They are not followed: only the cohort is."""
        env = self.env
        outside = programme.outside
        for day, priority, stay in zip(
            outside.arrival.tolist(), outside.priority.tolist(), outside.stay.tolist(), strict=True
        ):
            if day > env.now:
                yield env.timeout(day - env.now)
            self._outside_journey(programme, priority, stay)

    def _outside_journey(self, programme: _Programme, priority: int, stay: float) -> None:
        """An outside referral: waits (up to `max_wait_days`), holds a place for `stay` days, leaves.

        Nobody follows an outside referral, so its journey needs no process of its own: callbacks on its
        request and timers do what `with places.request(...)` would (tens of thousands a run; a process
        each cost three more events and a generator). The callbacks are partials, not closures over the
        request: a request holding a closure that holds the request is a cycle, garbage only the cyclic
        collector frees.
        """
        places = programme.places
        assert places is not None
        request = places.request(priority=priority)
        request.callbacks.append(functools.partial(self._outside_placed, programme, stay))
        max_wait = programme.spec.max_wait_days
        if max_wait is not None and not request.triggered:  # placed at once: no deadline to keep
            self.env.timeout(max_wait).callbacks.append(functools.partial(_give_up_waiting, request))

    def _outside_placed(self, programme: _Programme, stay: float, request: Any) -> None:
        """An outside referral got its place: count the start (from 1 January) and give it back after `stay`."""
        places = programme.places
        assert places is not None
        if self.env.now >= 0:
            programme.outside_started += 1
        self.env.timeout(stay).callbacks.append(functools.partial(_give_back, places, request))

    def referrals(self, programme: _Programme) -> ProcessGenerator:
        """Refer each offender who took up the offer on the day they enter the cohort (in index order on a
        tie): their journey starts then, so the event queue never holds thousands of referrals to come."""
        env = self.env
        for i, day in self._in_order_of_referral(programme):
            if day > env.now:
                yield env.timeout(day - env.now)
            programme.journeys[i] = env.process(self.programme_journey(i, programme))

    def waiting_list_deadlines(self, programme: _Programme) -> ProcessGenerator:
        """Take off the waiting list, `max_wait_days` after referral, everyone not yet placed.

        The referral's journey is interrupted inside its `with request` block, which withdraws the request. One
        process keeping every deadline costs two events a referral fewer than a `request | timeout` in each
        journey, which matters where most referrals give up.
        """
        env = self.env
        assert programme.spec.max_wait_days is not None
        for i, day in self._in_order_of_referral(programme):
            deadline = day + programme.spec.max_wait_days
            if deadline > env.now:
                yield env.timeout(deadline - env.now)
            if i in programme.waiting:
                programme.journeys[i].interrupt("gave up waiting")

    def _in_order_of_referral(self, programme: _Programme) -> list[tuple[int, float]]:
        """(offender, day) of each referral, by day and then offender index (worked out once per programme)."""
        if programme.in_order is None:
            who = self._referred_in_order(programme)
            programme.in_order = list(zip(who.tolist(), self._start[who].tolist(), strict=True))
        return programme.in_order

    def _referred_in_order(self, programme: _Programme) -> np.ndarray:
        """The offenders referred, by day of referral (entering the cohort) and then index."""
        referred = np.asarray(programme.referred, dtype=np.int64)
        return referred[np.argsort(self._start[referred], kind="stable")]

    def _stop_waiting(self, i: int) -> None:
        """Offender `i` has been placed: no programme may interrupt them after their last placement (bulk mode,
        where referrals that will give up never made them interruptible)."""
        if self.bulk:
            self.referrals_waiting[i] -= 1
            self.interruptible[i] = self.referrals_waiting[i] > 0

    def programme_journey(self, i: int, programme: _Programme) -> ProcessGenerator:
        """Referred now, on entering the cohort -> waits for a place -> starts -> completes or drops out.

        The place is held inside SimPy's `with request` block: leaving it withdraws a request still on the
        waiting list and gives back a granted place, whatever ends the wait or the stay (here the end of the
        programme, or an interrupt from `waiting_list_deadlines`).
        """
        env = self.env
        places = programme.places
        referred = env.now
        wanted = places.request(priority=programme.priority[i]) if places is not None else None
        try:
            with wanted if wanted is not None else contextlib.nullcontext():
                if wanted is not None and not wanted.triggered:
                    programme.waiting.add(i)
                    yield wanted
                    programme.waiting.discard(i)
                yield from self._programme_stay(i, programme, referred)
        except simpy.Interrupt:  # gave up waiting: the `with` block has withdrawn the request
            programme.waiting.discard(i)
            programme.left_waiting_list += 1
            self._stop_waiting(i)

    def _programme_stay(self, i: int, programme: _Programme, referred: float) -> ProcessGenerator:
        """Placed now: the programme's effects start, and the place is held for the stay."""
        yield self.env.timeout(self._start_programme(i, programme, referred))

    def _start_programme(self, i: int, programme: _Programme, referred: float) -> float:
        """Offender `i`, referred on day `referred`, is placed now: the programme's effects start; returns the
        days the place is held."""
        env = self.env
        spec = programme.spec
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
            if self.on_plan[i]:  # a planned career without custody: leave the plan now, at the new rate
                state = self._leave_plan(i, placed)
                life = self.offender_life(
                    i, self._next_offence(i, placed), state.next_breach, state.pending_custody
                )
            else:
                # The career had nothing left inside follow-up at the old rate (its last breach draw lies
                # beyond it); at the new rate it may, so it resumes from now.
                life = self.offender_life(i, self._next_offence(i, placed), INF)
            self.processes[i] = env.process(life)
        self._stop_waiting(i)
        return stay

    def _programme_log(self, programme: _Programme) -> ProgrammeLog:
        if programme.usage is not None:
            usage = programme.usage
        elif programme.places is not None:
            usage = programme.places.usage(until=self.horizon)
        else:
            usage = interval_usage(np.array(programme.placed), np.array(programme.ends), 0.0, self.horizon)
        saving = programme.spec.saving_per_place
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
            eligible_mask=programme.eligible_mask,
            capacity=programme.capacity,
            outside_referred=programme.outside_referred,
            outside_started=programme.outside_started,
            saving_per_place=saving.value if saving is not None else 0.0,
        )


def _give_up_waiting(request: PlaceRequest, _deadline: Any) -> None:
    """Withdraw an outside referral still waiting at its deadline."""
    if not request.triggered:
        request.cancel()


def _give_back(places: Places, request: PlaceRequest, _end: Any) -> None:
    """An outside referral's programme ends: its place goes to the next in line."""
    places.give_back_now(request)


def simulate_replication(
    cohort: Cohort,
    params: ModelParams,
    scenario: Scenario,
    streams: ReplicationStreams,
    env: simpy.Environment | None = None,
    bulk: bool = True,
) -> CareerLog:
    """Run one replication of one scenario; pass the same `streams` to every scenario for CRN.

    `bulk=False` runs every career as a SimPy process from the start (the event path), for checking the
    bulk path against it.
    """
    simulation = CohortSimulation(cohort, params, scenario, streams, env, bulk)
    with _collector_paused():  # until the run is dismantled: a collection now would walk all of it for nothing
        try:
            return simulation.run()
        finally:
            simulation.dismantle()
