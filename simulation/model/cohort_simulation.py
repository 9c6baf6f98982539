"""One replication of one scenario for a cohort: the model's parts wired together and run.

Picture the quarter's cohort on 1 January: offenders released from custody or starting community
sentences, each with a career ahead (`career.py`: offences, convictions, custody, breaches, drawn from
their own numbers by `career_draws.py`), and the scenario's programmes open for referrals (`programme.py`,
with the referrals settled before the run in `programme_referrals.py` and those from outside the cohort in
`outside_referrals.py`). `CohortSimulation` sets them up on one SimPy environment, runs it to the end of the
waiting period and hands back the ledgers (`logs.py`); `simulation.measures` counts them by the Annex rules.

Until an offender first enters custody or is placed on a programme, their career needs no event loop:
`plan.py` works it out for the whole cohort at once, and only offenders who meet custody, or wait for a
place, become processes, taking over in the state the plan reached (`plan_handover.py`). `bulk=False`
runs every career as a process from the start instead, and every referral as a request on SimPy's resource:
the event path the bulk path is tested against.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Generator, Iterator
from typing import Any

import simpy

from simulation.inputs.cohort import QUARTER_END_DAY, Cohort
from simulation.inputs.interventions import Scenario
from simulation.inputs.params import ModelParams
from simulation.model.career import Careers
from simulation.model.career_draws import CareerDraws
from simulation.model.logs import CareerLog
from simulation.model.outside_referrals import OutsideFlow
from simulation.model.programme import Programme
from simulation.model.programme_referrals import programme_referrals
from simulation.model.streams import ReplicationStreams


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

    outside_flow = OutsideFlow
    """How referrals from outside the cohort reach the places on the event path (a test swaps in its own)."""

    def __init__(
        self,
        cohort: Cohort,
        params: ModelParams,
        scenario: Scenario,
        streams: ReplicationStreams,
        env: simpy.Environment | None = None,
        bulk: bool = True,
    ) -> None:
        draws = CareerDraws(cohort, params, streams)
        applying = scenario.applies_to(cohort.kind)
        # A service fed from outside the cohort runs from before 1 January, so it is in steady use when the
        # cohort arrives; nothing of the cohort happens before day 0.
        warm_up = max(
            (
                spec.referral_flow.warm_up_days
                for spec in applying
                if spec.referral_flow is not None and spec.capacity is not None
            ),
            default=0.0,
        )
        self.env = env if env is not None else simpy.Environment(initial_time=-warm_up)
        self.horizon = QUARTER_END_DAY + params.follow_up_days + params.waiting_period_days
        """End of the run, day: the last follow-up's end plus the waiting period."""
        self.bulk = bulk
        """Work out careers in bulk up to first custody (`plan.py`); False runs every career as a process."""
        self.draws = draws
        self.careers = Careers(self.env, draws)
        self._applying = applying
        self._cohort = cohort
        self._streams = streams
        self.programmes: list[Programme] = []

    def run(self) -> CareerLog:
        """Start every career that needs the event loop and every referral, run to the end of the horizon,
        return the log."""
        env = self.env
        with _collector_paused():
            self.programmes = [
                Programme(env, programme_referrals(spec, self._cohort, self._streams, env.now, self.horizon),
                          self.careers, self.bulk)
                for spec in self._applying
            ]
            if self.bulk:
                self._start_bulk_path()
            else:
                self._start_event_path()
            env.run(until=self.horizon)
            # Inside the pause: the log's allocations would otherwise set off a full collection of the live run.
            return self._career_log()

    def _start_bulk_path(self) -> None:
        """Careers planned and places scheduled at once; processes only for custody and placements."""
        schedules = [programme.schedule(self.horizon) for programme in self.programmes]
        self.careers.start_from_plan(schedules, self.horizon)
        for programme, placements in zip(self.programmes, schedules, strict=True):
            self.env.process(programme.start_placements(placements))

    def _start_event_path(self) -> None:
        """Every career a process from the start, every referral a request on the places."""
        env = self.env
        self.careers.start_every_career()
        for programme in self.programmes:
            env.process(programme.refer_cohort())
            if programme.places is not None and programme.referrals.spec.max_wait_days is not None:
                env.process(programme.keep_deadlines())
            outside = programme.referrals.outside
            if outside.arrival.size:
                assert programme.places is not None
                flow = self.outside_flow(env, programme.places, outside, programme.referrals.spec.max_wait_days)
                programme.outside_flow = flow
                env.process(flow.arrivals())
        if any(p.places is not None for p in self.programmes) and env.now < 0:
            env.process(self._observe_from_day_zero())

    def _observe_from_day_zero(self) -> Generator[simpy.Event, Any, None]:
        """Services warmed up before 1 January report their use from 1 January only."""
        yield self.env.timeout(-self.env.now)
        for programme in self.programmes:
            if programme.places is not None:
                programme.places.restart_statistics()

    def _career_log(self) -> CareerLog:
        offences, custody, breaches = self.careers.logs()
        modifiers = {i: list(m) for i, m in enumerate(self.draws.modifiers) if m is not None}
        return CareerLog(
            offences=offences,
            custody=custody,
            breaches=breaches,
            programmes=[programme.log(self.horizon) for programme in self.programmes],
            committed_rate=self.draws.committed_rate,
            modifiers=modifiers,
        )

    def dismantle(self) -> None:
        """Free the run's memory now that its log is taken.

        Every process's generator holds the careers or a programme, which hold the processes: reference cycles
        that only a full cyclic collection frees, and a full collection walks the whole heap (0.1-0.5 s a
        replication). Emptying the event queue and every part of the run lets reference counting free nearly
        all of it at once (the processes left waiting are closed as their last references go). The frames of
        processes caught in a cycle still refer to some of the parts' lists and to the plan (a local bound to
        `offence_rows.append`, the hand-over passed in), so those are emptied too: what waits for the cyclic
        collector is then only the frames, not the cohort's per-offender lists. Nothing is usable after.
        """
        self.env._queue.clear()
        careers = self.careers
        parts: list[Any] = [careers, self.draws]
        if careers.handover is not None:
            parts.append(careers.handover)
        for programme in self.programmes:
            parts += [programme, programme.outside_flow] if programme.outside_flow is not None else [programme]
        for part in parts:
            for value in vars(part).values():
                if isinstance(value, list | dict | set):
                    value.clear()
            part.__dict__.clear()
        self.__dict__.clear()

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
