"""The same file, byte for byte, from 1, 2 and 4 worker processes and from a separately started Dask cluster.

Issue 21: `safer simulate run` at national size gave different last digits in `committed_per_100`,
`offences_committed` and the day and cost measures with `--workers 2` or `--scheduler` than with
`--workers 1`. The tests with threads never saw it: worker threads share this process's BLAS, worker
processes run BLAS on one thread. So these run the command as a user does, as processes: `safer` in a
subprocess, `--workers N` starting a local cluster of worker processes, and a cluster started with
`dask scheduler` and `dask worker` on loopback, reached through `--scheduler`.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

NATIONAL = ["--scenario", "drug_treatment", "--replications", "4", "--seed", "99"]
"""The national drug-treatment scenario: 45,000 offenders (the default size), 4 replications."""


def safer_command() -> list[str]:
    """`safer` as installed beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("safer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def run_safer(args: list[str], cwd: Path) -> None:
    done = subprocess.run([*safer_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=1800,
                          check=False)
    assert done.returncode == 0, f"safer {' '.join(args)} exited {done.returncode}: {done.stderr}"


@contextlib.contextmanager
def separate_cluster(folder: Path, workers: int) -> Iterator[str]:
    """A scheduler and `workers` single-threaded worker processes started as their own processes; its address."""
    scheduler_file = folder / "scheduler.json"
    started: list[subprocess.Popen] = []
    logs = []
    try:
        log = open(folder / "scheduler.log", "w")  # noqa: SIM115 - closed in finally
        logs.append(log)
        started.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)], stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        log = open(folder / "worker.log", "w")  # noqa: SIM115 - closed in finally
        logs.append(log)
        started.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", str(workers),
             "--nthreads", "1", "--no-dashboard"], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        for log in logs:
            log.close()


@pytest.mark.slow
def test_national_drug_treatment_scenario_is_byte_identical_on_processes_and_a_separate_cluster(tmp_path):
    outputs = {}
    for name, extra in (("one process", ["--workers", "1"]), ("two worker processes", ["--workers", "2"])):
        out = tmp_path / f"{name.replace(' ', '_')}.csv"
        run_safer(["simulate", "run", *NATIONAL, *extra, "--out", str(out)], tmp_path)
        outputs[name] = out.read_bytes()
    with separate_cluster(tmp_path, workers=2) as address:
        out = tmp_path / "separate_cluster.csv"
        run_safer(["simulate", "run", *NATIONAL, "--scheduler", address, "--out", str(out)], tmp_path)
        outputs["a separate cluster of two worker processes"] = out.read_bytes()
    reference = outputs["one process"]
    assert len(reference) > 100_000, "expected the full national table"
    for name, content in outputs.items():
        first_difference = next((i for i, (a, b) in enumerate(zip(reference, content, strict=False)) if a != b), None)
        assert content == reference, (
            f"{name}: output differs from one process's (first differing byte {first_difference}: "
            f"{content[max(0, (first_difference or 0) - 60):(first_difference or 0) + 20]!r})"
        )


@pytest.mark.slow
def test_four_worker_processes_write_the_same_file_as_one(tmp_path):
    # National size (BLAS threads split the group sums of 45,000 offenders), two replications to keep it short.
    args = ["simulate", "run", "--replications", "2", "--seed", "5", "--scenario", "drug_treatment"]
    outputs = {}
    for workers in (1, 4):
        out = tmp_path / f"w{workers}.csv"
        run_safer([*args, "--workers", str(workers), "--out", str(out)], tmp_path)
        outputs[workers] = out.read_bytes()
    assert outputs[4] == outputs[1], "4 worker processes: output differs from one process's"
