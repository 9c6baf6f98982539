"""Replications: independent streams per replication, common random numbers across scenarios.

Seeds: `SeedSequence(seed).spawn(2)` gives one child for drawing a generated cohort and one parent of
the replications, whose `spawn(R)` children are the replications. Replication r therefore has the same
stream whatever R is, and every scenario in replication r uses it (common random numbers). Each
replication runs whole in one worker and results are put back in replication order, so the output is
bit-identical for a seed however many workers are used.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.cohort import Cohort, generate_cohort
from simulation.interventions import BASELINE, Scenario, scenario_params
from simulation.measures import annex_measures, programme_measures, reoffending_counts, summarise
from simulation.memory import check_fits
from simulation.model import ReplicationStreams, simulate_replication
from simulation.params import ModelParams, default_params

ProgressCallback = Callable[[int], None]


def cohort_seed(seed: int) -> np.random.SeedSequence:
    """The stream that draws a generated cohort for `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[0]


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent stream per replication, spawned from `seed`."""
    return np.random.SeedSequence(seed).spawn(2)[1].spawn(replications)


@dataclass(frozen=True)
class _Run:
    """What every replication needs: the cohort and the (scenario, parameters) pairs to run in it."""

    cohort: Cohort
    """The cohort every replication simulates."""
    runs: list[tuple[Scenario, ModelParams]]
    """The (scenario, parameters) pairs run in every replication."""


_worker_run: _Run | None = None


def _install(run: _Run) -> None:
    global _worker_run
    _worker_run = run


def _replication_in_worker(index: int, sequence: np.random.SeedSequence) -> pd.DataFrame:
    assert _worker_run is not None
    return run_replication(_worker_run.cohort, _worker_run.runs, sequence, index)


def run_replication(
    cohort: Cohort, runs: list[tuple[Scenario, ModelParams]], sequence: np.random.SeedSequence, index: int
) -> pd.DataFrame:
    """Every scenario in one replication, sharing its random numbers. Columns: replication, scenario,
    measure, group, group_value, value."""
    streams = ReplicationStreams(sequence, cohort.size)
    frames = []
    for scenario, params in runs:
        career = simulate_replication(cohort, params, scenario, streams)
        table = pd.concat(
            [
                annex_measures(cohort, reoffending_counts(cohort, career, params)),
                programme_measures(career.programmes),
            ],
            ignore_index=True,
        )
        table.insert(0, "scenario", scenario.name)
        frames.append(table)
        # The event loop leaves its processes in reference cycles (generators hold the simulation that holds
        # them), which only the cyclic collector frees; left to it, memory grows ~110 MB a replication.
        del career
        gc.collect()
    result = pd.concat(frames, ignore_index=True)
    result.insert(0, "replication", index)
    return result


def run_replications(
    cohort: Cohort,
    runs: list[tuple[Scenario, ModelParams]],
    replications: int,
    seed: int,
    workers: int = 1,
    on_replication_done: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Per-replication results for every scenario, in replication order."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    check_fits(cohort.size, workers)
    sequences = replication_seeds(seed, replications)
    results: list[pd.DataFrame | None] = [None] * replications
    if workers <= 1 or replications == 1:
        for r, sequence in enumerate(sequences):
            results[r] = run_replication(cohort, runs, sequence, r)
            if on_replication_done is not None:
                on_replication_done(r)
    else:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_install, initargs=(_Run(cohort, runs),)
        ) as pool:
            futures = {pool.submit(_replication_in_worker, r, s): r for r, s in enumerate(sequences)}
            for future in as_completed(futures):
                r = futures[future]
                results[r] = future.result()
                if on_replication_done is not None:
                    on_replication_done(r)
    return pd.concat(results, ignore_index=True)


def run_simulation(
    cohort: Cohort,
    params: ModelParams | None = None,
    scenario: Scenario | None = None,
    replications: int = 10,
    seed: int = 2005,
    workers: int = 1,
    on_replication_done: ProgressCallback | None = None,
    scenario_source: str = "scenario",
) -> pd.DataFrame:
    """The baseline and (optionally) one scenario, summarised across replications.

    The scenario's parameter overrides apply to its baseline too, so the difference rows isolate the
    interventions. Columns: scenario, measure, group, group_value, mean, ci_lower, ci_upper, replications.
    """
    params = params if params is not None else default_params()
    runs: list[tuple[Scenario, ModelParams]]
    if scenario is None:
        runs = [(BASELINE, params)]
    else:
        scenario_parameters = scenario_params(scenario, params, scenario_source)
        runs = [(BASELINE, scenario_parameters), (scenario, scenario_parameters)]
    per_replication = run_replications(cohort, runs, replications, seed, workers, on_replication_done)
    return summarise(per_replication)


def run_baseline_projection(seed: int, size: int, replications: int, workers: int = 1) -> pd.DataFrame:
    """A generated adult cohort of `size` under the calibrated defaults, no interventions.

    Same long format as `safer simulate run`.
    """
    cohort = generate_cohort("adult", size, cohort_seed(seed))
    return run_simulation(cohort, default_params(), None, replications, seed, workers)
