"""What happens next to each offender: the next detected offence, how it is dealt with, the next breach.

Picture each offender with their own dice, numbered in the order they will be thrown: the k-th offence
gap, the k-th offence's sanction and type and lag, the j-th breach and whether it brings recall. The
career process asks "when is my next offence, from today?" and "what became of it?", and this module
answers from the offender's own numbers (`streams.ReplicationStreams`), counting the throws, so that
the same offender throws the same dice in every scenario (common random numbers).

The offence times follow the offender's rate along the age-crime curve (`rates.AgePath`): exact inversion
of the cumulative hazard while no programme touches them; thinning against a dominating rate once a
programme's effects (`interventions.Modifier`) change it, which is exact for any effect shape.

The bulk plan (`plan.py`) works from the very same numbers (`plan_inputs`), and an offender handed from the
plan to the event loop carries on with the throws the plan had used (`plan_handover.py`).
"""

from __future__ import annotations

import math
import threading

import numpy as np

from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import Modifier
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import COURT_CONVICTION, DAYS_PER_YEAR
from simulation.model.offence_outcomes import Outcome, offence_outcome, offence_outcomes, outcome_rules
from simulation.model.plan import CareerPlan, PlanInputs, plan_careers
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
from simulation.model.streams import OFFENCE_GAP_WIDTH, OFFENCE_MARK_WIDTH, ReplicationStreams

INF = math.inf


class CareerDraws:
    """Every offender's next offence, its outcome, next breach and recall, drawn from their own numbers."""

    def __init__(self, cohort: Cohort, params: ModelParams, streams: ReplicationStreams) -> None:
        if streams.n_offenders != cohort.size:
            raise ValueError("streams were drawn for a different cohort size")
        self.streams = streams
        self.params = params
        n = cohort.size
        shared = self._shared = CohortStart.of(cohort, params, streams)
        self.start_days = shared.start_days
        self.committed_rate = shared.committed_rate
        """Each offender's rate of offences committed (detected or not) at the start of follow-up, per day."""
        self.rates_at_start = shared.rates_at_start
        self.supervision_ends = shared.supervision_ends
        self.ages = shared.ages
        # Plain floats for the event loop, where numpy's per-call overhead would dominate (tuples: shared by runs).
        self.start: tuple[float, ...] = shared.start
        """Start of each offender's follow-up, days."""
        self.rate_at_start: tuple[float, ...] = shared.rate_at_start
        """Each offender's detected-offence rate at the start of follow-up, per day."""
        self.supervision_end: tuple[float, ...] = shared.supervision_end
        """End of each offender's supervision, days."""
        self._age_path: list[AgePath | None] = [None] * n
        """Each offender's age path in plain floats, made when the event loop first needs it (most offenders
        never leave the bulk plan, and making 45,000 costs several percent of a replication)."""
        self.breach_rate = params.breach_rate_per_year / DAYS_PER_YEAR
        """Breaches per day under supervision."""
        self.follow_up = params.follow_up_days
        """Days of follow-up: nothing at or after `start + follow_up` can count."""
        self._outcome_rules = shared.outcome_rules
        self._serious_probability = shared.serious_probability
        self._sexual_share = shared.sexual_share
        self.outcome_block = shared.outcome_block
        """(sanction, type, lag, days served, custody code) of every offender's first `OFFENCE_MARK_WIDTH`
        offences, offenders x width each."""
        self._gap_block = streams.offence_gap.block
        self.gaps_used = [0] * n
        """Offence gaps each offender has thrown."""
        self.thinning_used = [0] * n
        """Thinning uniforms each offender has thrown."""
        self.offences_drawn = [0] * n
        """Offence outcomes each offender has thrown."""
        self.breaches_drawn = [0] * n
        """Breach gaps each offender has thrown."""
        self.modifiers: list[list[Modifier] | None] = [None] * n
        """The programme effects each offender has received (None: none yet, the common case)."""

    def plan(self) -> CareerPlan:
        """Every career worked out in bulk up to first custody (`plan.py`): the same for every run that starts
        from the same `CohortStart`, so made once for them."""
        shared = self._shared
        if shared.plan is None:
            shared.plan = plan_careers(self.plan_inputs())
        return shared.plan

    def first_events(self) -> tuple[np.ndarray, np.ndarray]:
        """Everyone's first offence and breach day, vectorised; uses each offender's first draw of each."""
        start, breach_rate = self.start_days, self.breach_rate
        wait = self.ages.days_at_hazard(self.rates_at_start, self.streams.offence_gap.column(0))
        self.gaps_used = [1] * len(self.gaps_used)
        can_breach = (start < self.supervision_ends) & (breach_rate > 0)
        with np.errstate(divide="ignore"):
            breach_day = start + self.streams.breach_gap.column(0) / breach_rate
        first_breach = np.where(can_breach & (breach_day < self.supervision_ends), breach_day, INF)
        self.breaches_drawn = can_breach.astype(int).tolist()
        return start + wait, first_breach

    def plan_inputs(self) -> PlanInputs:
        """What the bulk plan needs: the same numbers, as blocks for the cohort and one by one beyond them."""
        streams = self.streams
        sanction, offence_type, lag, served, custody_code = self.outcome_block
        return PlanInputs(
            start=self.start_days,
            liberty_end=self.start_days + self.follow_up,
            supervision_end=self.supervision_ends,
            rate_at_start=self.rates_at_start,
            ages=self.ages,
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
            outcome=self.outcome,
            breach_gap=streams.breach_gap.value,
            breach_uniform=streams.breach_outcome.value,
            age_path=self.age_path,
        )

    def age_path(self, i: int) -> AgePath:
        """Offender `i`'s age path in plain floats, for the event loop."""
        path = self._age_path[i]
        if path is None:
            ages = self.ages
            path = self._age_path[i] = AgePath(
                ages.first_slope.item(i), ages.kink.item(i), ages.second_slope.item(i)
            )
        return path

    def add_modifier(self, i: int, modifier: Modifier) -> None:
        """A programme's effects on offender `i` start (on top of any they already have)."""
        existing = self.modifiers[i]
        self.modifiers[i] = [modifier] if existing is None else [*existing, modifier]

    def next_offence(self, i: int, t: float) -> float:
        """Day of the next detected-and-sanctioned offence after day `t` at liberty (inf if none)."""
        modifiers = self.modifiers[i]
        start = self.start[i]
        rate, path = self.rate_at_start[i], self._age_path[i] or self.age_path(i)
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

    def _gap(self, i: int) -> float:
        """Offender `i`'s next unit-exponential hazard for the offending process."""
        k = self.gaps_used[i]
        self.gaps_used[i] = k + 1
        if k < OFFENCE_GAP_WIDTH:
            return float(self._gap_block.item(i, k))
        return self.streams.offence_gap.value(i, k)

    def next_outcome(self, i: int, day: float) -> Outcome:
        """How offender `i`'s next detected offence, committed on `day`, is dealt with: (sanction, type, days to
        proof, days to serve or 0, custody code); a programme's court-lag effect shortens a court's lag."""
        k = self.offences_drawn[i]
        self.offences_drawn[i] = k + 1
        if k < OFFENCE_MARK_WIDTH:  # the common case, kept inline
            sanctions, offence_types, lags, days_served, custody_codes = self.outcome_block
            sanction, offence_type = sanctions.item(i, k), offence_types.item(i, k)
            lag, served, custody_code = lags.item(i, k), days_served.item(i, k), custody_codes.item(i, k)
        else:
            sanction, offence_type, lag, served, custody_code = self.outcome(i, k)
        modifiers = self.modifiers[i]
        if modifiers is not None and sanction == COURT_CONVICTION:
            lag *= math.prod(m.lag_multiplier(day) for m in modifiers)
        return sanction, offence_type, lag, served, custody_code

    def outcome(self, i: int, k: int) -> Outcome:
        """Outcome of offender `i`'s `k`-th detected offence, before any programme's effect."""
        if k < OFFENCE_MARK_WIDTH:
            sanction, offence_type, lag, served, custody_code = self.outcome_block
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

    def next_breach(self, i: int, t: float) -> float:
        """Day of the next breach after day `t` at liberty (inf if none before supervision ends)."""
        end = self.supervision_end[i]
        if t >= end or self.breach_rate <= 0:
            return INF
        k = self.breaches_drawn[i]
        self.breaches_drawn[i] = k + 1
        day = t + self.streams.breach_gap.value(i, k) / self.breach_rate
        return day if day < end else INF

    def recall_days(self, i: int) -> float | None:
        """Days of recall to custody after offender `i`'s latest breach (None: no recall)."""
        k = self.breaches_drawn[i] - 1  # the breach whose gap was drawn last
        params = self.params
        if self.streams.breach_outcome.value(i, k) >= params.breach_custody_probability:
            return None
        return params.breach_custody_median_days * math.exp(
            params.breach_custody_sigma * self.streams.breach_custody.value(i, k)
        )


class CohortStart:
    """What every run of one set of parameters on one cohort with one replication's numbers starts from, worked
    out in bulk: rates, frailty, age paths, the outcomes of the first offences, and the bulk plan (`plan.py`).
    A scenario whose programmes leave the parameters alone starts exactly where its baseline does, so the runs of
    one projection year share it (`of`); everything in it is read-only."""

    __slots__ = ("cohort", "start_days", "committed_rate", "rates_at_start", "supervision_ends", "ages", "start",
                 "rate_at_start", "supervision_end", "outcome_rules", "serious_probability", "sexual_share",
                 "outcome_block", "plan")

    def __init__(self, cohort: Cohort, params: ModelParams, streams: ReplicationStreams) -> None:
        frame = cohort.frame
        self.cohort = cohort  # kept, so that the cache's key (its id) cannot be reused while the entry lives
        self.start_days = start = frame["start_day"].to_numpy(float)
        frailty = gamma_frailty(streams.frailty.column(0), frailty_variance(frame, params))
        self.committed_rate = committed_rate_per_day(frame, params, frailty)
        self.rates_at_start = self.committed_rate * params.detection_probability
        self.supervision_ends = start + category_values(frame["disposal"], params.supervision_days)
        self.ages = age_paths(frame, params)
        self.start = tuple(start.tolist())
        self.rate_at_start = tuple(self.rates_at_start.tolist())
        self.supervision_end = tuple(self.supervision_ends.tolist())
        self.outcome_rules = outcome_rules(cohort.kind, params)
        self.serious_probability = serious_probability(frame, params)
        self.sexual_share = serious_sexual_share(frame, params)
        s = streams
        self.outcome_block = offence_outcomes(
            self.outcome_rules, self.serious_probability[:, None], s.sanction.block, s.offence_type.block,
            s.lag.block, s.custody.block, s.served.block, sexual_share=self.sexual_share[:, None],
        )
        for array in (self.start_days, self.committed_rate, self.rates_at_start, self.supervision_ends,
                      self.serious_probability, self.sexual_share, *self.outcome_block):
            array.setflags(write=False)
        self.plan: CareerPlan | None = None
        """The bulk plan, made by the first run that needs it (`CareerDraws.plan`)."""

    @classmethod
    def of(cls, cohort: Cohort, params: ModelParams, streams: ReplicationStreams) -> CohortStart:
        """The start of runs of `params` on `cohort` with `streams`' numbers: made once, kept for the next few."""
        key = (id(cohort), params.model_dump_json(), streams.replication.entropy, streams.replication.spawn_key,
               streams.n_offenders)
        with _LOCK:  # Dask workers may be threads of one process
            found = _STARTS.pop(key, None)
            if found is None or found.cohort is not cohort:
                found = None
                # Make room before working the new start out, not after: the bound holds at the peak too (at
                # national size the replication before is let go first, not kept beside the new one).
                while _STARTS and sum(kept.cohort.size for kept in _STARTS.values()) + cohort.size > KEPT_OFFENDERS:
                    del _STARTS[next(iter(_STARTS))]
        if found is None:
            found = cls(cohort, params, streams)
        with _LOCK:
            _STARTS[key] = found  # most recently used last
            while len(_STARTS) > 1 and sum(kept.cohort.size for kept in _STARTS.values()) > KEPT_OFFENDERS:
                del _STARTS[next(iter(_STARTS))]
        return found


def keep_only(replication: np.random.SeedSequence) -> None:
    """Forget the starts of every other replication: no run of this one can use them (see `BlockCache.keep_only`)."""
    with _LOCK:
        for key in [key for key in _STARTS if (key[2], key[3]) != (replication.entropy, replication.spawn_key)]:
            del _STARTS[key]


KEPT_OFFENDERS = 80_000
"""Offenders whose starts are kept per process (at least the newest start): a projection year's runs at the default
sizes (10,000 adults, 6,000 youths, 20,000 in a re-fit) share several, while at national size (45,000) only the
replication in hand is kept. A start holds a few KB per offender, so bounding by offenders bounds the memory:
counted in starts, four national ones took 10 replications of `simulate run` from 353 MB to 645 MB."""
_STARTS: dict[tuple, CohortStart] = {}
_LOCK = threading.Lock()
