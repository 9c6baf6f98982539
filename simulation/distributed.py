"""Running tasks: in this process, or as Dask tasks on a local cluster or an existing one.

Dask (`distributed`) is the engine whenever more than one worker is asked for: a `LocalCluster` of
single-threaded worker processes on this machine (`workers`), or a running cluster reached through its
scheduler (`scheduler="tcp://host:port"`). The cohort is sent to every worker once; each task then
travels as its scenario, parameters and seed sequence. With one worker and no scheduler, tasks run in
this process one after the other, without starting a cluster.

Results are put back in task order whatever order they finish in, so the output does not depend on the
number of workers or on the engine. Each finished task can be handed to a `TaskStore` as it completes
(for `--resume`) and reported to a progress callback.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

from simulation.cohort import Cohort
from simulation.tasks import SimulationTask, run_task

if TYPE_CHECKING:
    from distributed import Client

    from simulation.checkpoints import TaskStore

TaskDone = Callable[[SimulationTask], None]
"""Called in the driving process as each task finishes (or is found finished by a resume)."""


@contextlib.contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None, processes: bool = True) -> Iterator[Client]:
    """A Dask client: on the cluster at `scheduler`, or on a new local cluster of `workers` single-threaded
    workers (processes, or threads in this process when `processes` is False), closed on leaving."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    # Worker processes talk over loopback TCP; threads in this process use Dask's in-process transport.
    where = {"host": "127.0.0.1"} if processes else {}
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        **where,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def execute(
    cohort: Cohort,
    tasks: list[SimulationTask],
    workers: int = 1,
    scheduler: str | None = None,
    client: Client | None = None,
    store: TaskStore | None = None,
    on_task_done: TaskDone | None = None,
) -> list[pd.DataFrame]:
    """Every task's result, in task order.

    `client` runs the tasks on an existing Dask client; otherwise `scheduler` or `workers > 1` starts one
    (see `dask_client`), and one worker with no scheduler runs them here. Tasks already in `store` are not
    run again; every task finished here is saved to it as it completes.
    """
    results: dict[int, pd.DataFrame] = store.done() if store is not None else {}
    for task in tasks:
        if task.index in results and on_task_done is not None:
            on_task_done(task)
    todo = [task for task in tasks if task.index not in results]

    def finished(task: SimulationTask, table: pd.DataFrame) -> None:
        results[task.index] = table
        if store is not None:
            store.save(task.index, table)
        if on_task_done is not None:
            on_task_done(task)

    if todo:
        if client is not None:
            _on_dask(client, cohort, todo, finished)
        elif scheduler is None and workers <= 1:
            for task in todo:
                finished(task, run_task(cohort, task))
        else:
            with dask_client(workers, scheduler) as new_client:
                _on_dask(new_client, cohort, todo, finished)
    return [results[task.index] for task in tasks]


def _on_dask(
    client: Client,
    cohort: Cohort,
    tasks: list[SimulationTask],
    finished: Callable[[SimulationTask, pd.DataFrame], None],
) -> None:
    from distributed import as_completed

    shared = client.scatter(cohort, broadcast=True)
    run_token = uuid.uuid4().hex[:12]  # keys unique to this run, should the cluster serve others too
    futures = {client.submit(run_task, shared, task, key=f"{task.key}-{run_token}"): task for task in tasks}
    try:
        for future in as_completed(futures):
            finished(futures[future], future.result())
    finally:
        for future in futures:
            future.cancel()
