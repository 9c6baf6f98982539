"""Benchmark: one replication of a 45,000-offender adult cohort, beside bare SimPy measured in the same run.

Target (issue 5): one replication over the 18-21 month horizon (12 months' follow-up plus the 6-9 month
waiting period) takes at most 3 s on this 2-core machine. The peer is bare SimPy: the same number of
processes, each yielding plain timeouts, under the same garbage-collector policy as the model. Events are
counted the same way for both: every event SimPy scheduled (process starts and ends included), read from
SimPy's event-id counter after the run.

    python benchmarks/bench_simulation.py [--size 45000] [--repeats 3] [--waiting-months 6]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulation.cohort import generate_cohort  # noqa: E402
from simulation.interventions import BASELINE  # noqa: E402
from simulation.measures import reoffending_counts  # noqa: E402
from simulation.model import CohortSimulation, ReplicationStreams, _collector_paused  # noqa: E402
from simulation.params import default_params, merged_params  # noqa: E402
from simulation.runner import cohort_seed, replication_seeds  # noqa: E402

TARGET_SECONDS = 3.0


def events_scheduled(env: simpy.Environment) -> int:
    """Number of events SimPy has scheduled in ``env`` (its event ids count from 0)."""
    return next(env._eid)


def bare_simpy(processes: int, timeouts_each: int, seed: int) -> tuple[float, int]:
    """Seconds and events for ``processes`` processes each yielding ``timeouts_each`` exponential timeouts."""
    gaps = np.random.default_rng(seed).exponential(30.0, (processes, timeouts_each)).tolist()

    def life(env: simpy.Environment, waits: list[float]) -> Any:
        for wait in waits:
            yield env.timeout(wait)

    env = simpy.Environment()
    started = time.perf_counter()
    with _collector_paused():
        for waits in gaps:
            env.process(life(env, waits))
        env.run()
    return time.perf_counter() - started, events_scheduled(env)


def one_replication(size: int, seed: int, waiting_months: float) -> dict[str, float]:
    """Time one replication end to end (streams, set-up, run, Annex counts) and the event loop alone."""
    cohort = generate_cohort("adult", size, cohort_seed(seed))
    params = merged_params(default_params(), {"waiting_period_months": waiting_months}, source="benchmark")
    started = time.perf_counter()
    streams = ReplicationStreams(replication_seeds(seed, 1)[0], cohort.size)
    simulation = CohortSimulation(cohort, params, BASELINE, streams)
    loop_started = time.perf_counter()
    career = simulation.run()
    loop_seconds = time.perf_counter() - loop_started
    counts = reoffending_counts(cohort, career, params)
    total_seconds = time.perf_counter() - started
    return {
        "total_seconds": total_seconds,
        "loop_seconds": loop_seconds,
        "events": float(events_scheduled(simulation.env)),
        "offences": float(career.offences.offender.size),
        "frequency_per_100": 100.0 * float(counts.proven.mean()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=45_000, help="offenders in the cohort (default 45,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side; medians are reported")
    parser.add_argument("--waiting-months", type=float, default=6.0, help="waiting period, 6 to 9 months")
    parser.add_argument("--seed", type=int, default=2005)
    args = parser.parse_args()

    # Model and bare SimPy runs alternate, so that load from other jobs hits both sides alike.
    model_runs: list[dict[str, float]] = []
    bare_runs: list[tuple[float, int]] = []
    for r in range(args.repeats):
        model_runs.append(one_replication(args.size, args.seed + r, args.waiting_months))
        timeouts_each = max(1, round(model_runs[0]["events"] / args.size) - 2)  # minus start and end events
        bare_runs.append(bare_simpy(args.size, timeouts_each, args.seed + r))

    total = statistics.median(run["total_seconds"] for run in model_runs)
    loop = statistics.median(run["loop_seconds"] for run in model_runs)
    model_rate = statistics.median(run["events"] / run["loop_seconds"] for run in model_runs)
    bare_rate = statistics.median(events / seconds for seconds, events in bare_runs)
    horizon = 12 + args.waiting_months
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"{machine}, SimPy {simpy.__version__}")
    print(
        f"cohort: {args.size} adult offenders, horizon {horizon:g} months, {args.repeats} repeats (medians)"
    )
    print(
        f"model: one replication {total:.2f} s end to end (event loop {loop:.2f} s), "
        f"{statistics.median(r['events'] for r in model_runs):,.0f} events, "
        f"{statistics.median(r['offences'] for r in model_runs):,.0f} detected offences, "
        f"frequency {statistics.median(r['frequency_per_100'] for r in model_runs):.1f}/100"
    )
    print(f"model events/s:      {model_rate:,.0f}")
    print(f"bare SimPy events/s: {bare_rate:,.0f} ({args.size} processes x {timeouts_each} timeouts)")
    print(f"ratio model / bare:  {model_rate / bare_rate:.2f}")
    print(
        f"1-minute load average after the run: {os.getloadavg()[0]:.1f} (other jobs share the machine above 2)"
    )
    verdict = "PASS" if total <= TARGET_SECONDS else "FAIL"
    print(f"target <= {TARGET_SECONDS:g} s per replication: {verdict}")
    return 0 if total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
