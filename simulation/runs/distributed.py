"""Running tasks: in this process, or as Dask tasks on a local cluster or an existing one.

Dask (`distributed`) is the engine whenever more than one worker is asked for: a `LocalCluster` of
single-threaded worker processes on this machine (`workers`), or a running cluster reached through its
scheduler (`scheduler="tcp://host:port"`). The cohort is sent to every worker once; each task then
travels as its scenario, parameters and seed sequence (a projection year's cohort as its recipe). With one
worker and no scheduler, tasks run in this process one after the other, without starting a cluster.

The runs of a group that share their labels (a projection year's baseline, its scenarios and its trend variants;
every run of a `simulate run` replication) are one Dask task, run one after the other, so that a scenario starts
from the bulk start its baseline has just worked out (`career_draws.CohortStart`), as it does in one process; the
group's reduction is a task that depends on them, so the offender-level results stay on the workers and only the
group's rows come back. Rows are put back in group
order whatever order they finish in, so the output does not depend on the number of workers or on the
engine. Each finished group can be handed to a `TaskStore` as it completes (for `--resume`) and reported to a
progress callback.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.runs.tasks import RunResult, SimulationTask, TaskGroup, reduce_group, run_group, run_task

if TYPE_CHECKING:
    from distributed import Client

    from simulation.runs.checkpoints import TaskStore

GroupDone = Callable[[TaskGroup], None]
"""Called in the driving process as each group finishes (or is found finished by a resume)."""
TaskDone = GroupDone


REACH_TIMEOUT = 5.0
"""Seconds to wait for a scheduler to accept a connection before it is refused as unreachable."""


def check_reachable(scheduler: str, timeout: float = REACH_TIMEOUT) -> None:
    """Refuse, before anything is written, a scheduler address where nothing accepts a connection.

    Dask's own client waits 30 s and then fails with a timeout, after the run has made its `<out>.parts/`; a plain
    TCP connection answers at once when the port is closed, and within `timeout` when the host does not answer.
    In-process and UCX addresses are not checked.
    """
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(scheduler)
    if parts.scheme not in ("tcp", "tls"):
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise SimulationInputError(f"--scheduler {scheduler}: expected an address such as tcp://HOST:PORT")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc)).lower()
        raise SimulationInputError(
            f"--scheduler {scheduler}: no Dask scheduler answers there ({reason}); nothing was written. Start one "
            f"(`dask scheduler`, then `dask worker {scheduler}`), or check the address."
        ) from None


@contextlib.contextmanager
def _workers_ignore_ctrl_c(processes: bool) -> Iterator[None]:
    """Start worker processes with Ctrl-C ignored (they inherit it), so that Ctrl-C in a terminal, which reaches
    every process of the command, is handled by this process alone: it closes the cluster and says what it kept,
    instead of every worker printing its own KeyboardInterrupt traceback."""
    import signal
    import threading

    if not processes or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def worker_settings() -> dict[str, object]:
    """Dask settings of the workers safer starts, against two defaults that cost a simulation CPU for nothing:

    * Dask starts workers with `MALLOC_TRIM_THRESHOLD_=65536`, so that memory freed goes back to the system at
      once; that also turns every array of more than 128 KB into an mmap and its pages into faults when touched:
      the workers' system time was 15% of a drawn projection's CPU (14 s of 100 over 8 draws), 1.6 s without it,
      for 60 MB more at the peak of each worker (576 MB against 512 MB). Tasks here free what they use (`run_task`).
    * the workers' statistical profiler samples every task's stack every 10 ms (3-5% of the CPU); nothing reads it.
    """
    import dask.config

    environment = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environment.pop("MALLOC_TRIM_THRESHOLD_", None)
    return {"distributed.nanny.pre-spawn-environ": environment, "distributed.worker.profile.enabled": False}


@contextlib.contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None, processes: bool = True) -> Iterator[Client]:
    """A Dask client: on the cluster at `scheduler`, or on a new local cluster of `workers` single-threaded
    workers (processes, or threads in this process when `processes` is False), closed on leaving."""
    import dask.config
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
    with _workers_ignore_ctrl_c(processes), dask.config.set(worker_settings()):
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
    except BaseException:
        cluster.close()
        raise
    try:
        yield client
    finally:
        with _scheduler_quiet_while_closing():
            try:
                client.close()
            finally:
                cluster.close()


@contextlib.contextmanager
def _scheduler_quiet_while_closing() -> Iterator[None]:
    """Hold back what the local cluster's scheduler (in this process) logs while it closes.

    On Ctrl-C the unfinished tasks are cancelled and the client closed at once; the scheduler may still be
    answering the cancellations then, and it logs each answer it cannot send as CRITICAL, with a traceback
    (`Closed comm <BatchedSend: closed> while trying to write ... cancelled-keys`). Nothing has gone wrong: the
    command is stopping, and it says itself what it kept. `silence_logs` holds back only up to ERROR.
    """
    handlers = [handler for handler in logging.getLogger("distributed").handlers
                if isinstance(handler, logging.StreamHandler)]
    levels = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


def execute(
    cohort: Cohort | None,
    groups: list[TaskGroup],
    workers: int = 1,
    scheduler: str | None = None,
    client: Client | None = None,
    store: TaskStore | None = None,
    on_group_done: GroupDone | None = None,
) -> list[pd.DataFrame]:
    """Every group's rows, in group order.

    `client` runs the tasks on an existing Dask client; otherwise `scheduler` or `workers > 1` starts one
    (see `dask_client`), and one worker with no scheduler runs them here. Groups already in `store` are not
    run again; every group finished here is saved to it as it completes.
    """
    results: dict[int, pd.DataFrame] = store.done() if store is not None else {}
    for group in groups:
        if group.index in results and on_group_done is not None:
            on_group_done(group)
    todo = [group for group in groups if group.index not in results]

    def finished(group: TaskGroup, table: pd.DataFrame) -> None:
        results[group.index] = table
        if store is not None:
            store.save(group.index, table)
        if on_group_done is not None:
            on_group_done(group)

    if todo:
        if client is not None:
            _on_dask(client, cohort, todo, finished)
        elif scheduler is None and workers <= 1:
            for group in todo:
                finished(group, run_group(cohort, group))
        else:
            with dask_client(workers, scheduler) as new_client, environment_errors(scheduler):
                _on_dask(new_client, cohort, todo, finished)
    return [results[group.index] for group in groups]


@contextlib.contextmanager
def environment_errors(scheduler: str | None) -> Iterator[None]:
    """A cluster that cannot unpickle safer's tasks (its scheduler or workers run without safer) is an error in
    the setup, said as such, not an internal error."""
    try:
        yield
    except Exception as exc:
        text = str(exc)
        if "deserializ" not in text.lower():
            raise
        where = f"the cluster at {scheduler}" if scheduler else "the local cluster"
        raise SimulationInputError(
            f"{where} could not load safer's tasks ({text.splitlines()[0].strip()}): its scheduler and workers need "
            "the same versions of safer and its libraries as this machine."
        ) from None


def execute_tasks(cohort: Cohort | None, tasks: list[SimulationTask], client: Client | None = None) -> list[RunResult]:
    """Run single tasks (no reduction), in task order: here, or on `client`."""
    if client is None:
        return [run_task(cohort, task) for task in tasks]
    shared = client.scatter(cohort, broadcast=True) if cohort is not None else None
    token = uuid.uuid4().hex[:12]
    futures = [client.submit(run_task, shared, task, key=f"{task.key}-{token}") for task in tasks]
    return list(client.gather(futures))


def run_tasks(cohort: Cohort | None, tasks: tuple[SimulationTask, ...]) -> tuple[RunResult, ...]:
    """Run tasks one after the other in this process (on a worker: one Dask task)."""
    return tuple(run_task(cohort, task) for task in tasks)


def reduce_chunks(cohort: Cohort | None, group: TaskGroup, *chunks: tuple[RunResult, ...]) -> pd.DataFrame:
    """`reduce_group` of a group whose tasks ran in chunks (`run_tasks`), in task order."""
    return reduce_group(cohort, group, *(result for chunk in chunks for result in chunk))


def same_labels(tasks: tuple[SimulationTask, ...]) -> list[tuple[SimulationTask, ...]]:
    """The tasks in runs of equal labels (consecutive, in task order)."""
    chunks: list[list[SimulationTask]] = []
    for task in tasks:
        if chunks and chunks[-1][0].run.labels == task.run.labels:
            chunks[-1].append(task)
        else:
            chunks.append([task])
    return [tuple(chunk) for chunk in chunks]


def _on_dask(
    client: Client,
    cohort: Cohort | None,
    groups: list[TaskGroup],
    finished: Callable[[TaskGroup, pd.DataFrame], None],
) -> None:
    from distributed import as_completed

    shared = client.scatter(cohort, broadcast=True) if cohort is not None else None
    run_token = uuid.uuid4().hex[:12]  # keys unique to this run, should the cluster serve others too
    futures = {}
    for group in groups:
        runs = [client.submit(run_tasks, shared, chunk, key=f"{chunk[0].key}-{run_token}")
                for chunk in same_labels(group.tasks)]
        futures[client.submit(reduce_chunks, shared, group, *runs, key=f"{group.key}-{run_token}")] = group
    try:
        for future in as_completed(futures):
            finished(futures[future], future.result())
            future.release()
    finally:
        # One message for every unfinished task (a message each was one answer each to race the closing client).
        unfinished = [future for future in futures if not future.done()]
        if unfinished:
            client.cancel(unfinished)
