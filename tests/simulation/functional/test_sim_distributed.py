"""Tasks on Dask: the same results for 1, 2 and 4 workers and in this process, and after a resume.

Each scenario of a replication is a task; a replication's scenarios form a group, reduced by a task that
depends on them (the pairing of scenario and baseline needs both).

The tests start their own local clusters (workers as threads, so they start in a second and need no
network beyond loopback); `--workers N` starts worker processes the same way through `dask_client`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from cli import app
from simulation.errors import SimulationInputError
from simulation.inputs.interventions import load_scenario
from simulation.questions.scenario_run import run_simulation
from simulation.runs.checkpoints import TaskStore, parts_folder, run_fingerprint
from simulation.runs.distributed import dask_client, execute_tasks
from simulation.runs.runner import scenario_runs
from simulation.runs.tasks import run_task, simulation_tasks

pytest.importorskip("distributed")

REPLICATIONS, SEED = 3, 31


class Killed(Exception):
    """Stands for the run being killed after some tasks."""


@pytest.fixture(scope="module")
def cohort(small_adult):
    """3,000 adults standing for the national 45,000: the drug-treatment service gets 1/15 of its places and of
    its referrals from outside the cohort."""
    return dataclasses.replace(small_adult, national_size=45_000)


@pytest.fixture(scope="module")
def scenario(scenarios_dir):
    return load_scenario(scenarios_dir / "drug_treatment.yaml")


@pytest.fixture(scope="module")
def in_process(cohort, params, scenario):
    return run_simulation(cohort, params, scenario, REPLICATIONS, SEED)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_dask_results_are_bit_identical_for_any_number_of_workers(workers, cohort, params, scenario, in_process):
    with dask_client(workers, processes=False) as client:
        scheduler = client.scheduler.address
        on_dask = run_simulation(cohort, params, scenario, REPLICATIONS, SEED, scheduler=scheduler)
        assert len(client.scheduler_info()["workers"]) == workers
    pd.testing.assert_frame_equal(on_dask, in_process, check_exact=True)


def test_a_task_depends_only_on_its_own_seed_sequence(cohort, params, scenario):
    tasks = simulation_tasks(scenario_runs(params, scenario), REPLICATIONS, SEED)
    last = tasks[-1]
    alone = run_task(cohort, last)  # run first, in a fresh order: nothing carried over from other tasks
    together = execute_tasks(cohort, tasks)[-1]
    pd.testing.assert_frame_equal(alone.outcomes, together.outcomes, check_exact=True)
    pd.testing.assert_frame_equal(alone.programmes, together.programmes, check_exact=True)
    with dask_client(2, processes=False) as client:
        remote = execute_tasks(cohort, tasks, client)[-1]
    pd.testing.assert_frame_equal(alone.outcomes, remote.outcomes, check_exact=True)
    assert [t.sequence.spawn_key for t in tasks[:2]] == [tasks[0].sequence.spawn_key] * 2, "CRN within a replication"


@pytest.mark.parametrize("engine", ["in process", "dask"])
def test_a_killed_run_resumes_from_its_finished_tasks_with_identical_output(engine, tmp_path, cohort, params,
                                                                            scenario, in_process):
    folder = parts_folder(tmp_path / "out.csv")
    fingerprint = run_fingerprint({"seed": SEED, "replications": REPLICATIONS}, [])
    done: list[int] = []

    def kill_after_two(group):
        done.append(group.index)
        if len(done) == 2:
            raise Killed

    def run(store, on_task_done=None):
        if engine == "dask":
            with dask_client(2, processes=False) as client:
                return run_simulation(cohort, params, scenario, REPLICATIONS, SEED, scheduler=client.scheduler.address,
                                      store=store, on_group_done=on_task_done)
        return run_simulation(cohort, params, scenario, REPLICATIONS, SEED, store=store, on_group_done=on_task_done)

    with pytest.raises(Killed):
        run(TaskStore(folder, fingerprint, resume=False), kill_after_two)
    kept = sorted(int(p.stem.split("-")[1]) for p in folder.glob("group-*.parquet"))
    assert kept == sorted(done) and len(kept) == 2, f"finished groups {done}, kept {kept}"
    with pytest.raises(SimulationInputError, match="--resume"):
        TaskStore(folder, fingerprint, resume=False)

    reported: list[int] = []
    resumed = run(TaskStore(folder, fingerprint, resume=True), lambda group: reported.append(group.index))
    pd.testing.assert_frame_equal(resumed, in_process, check_exact=True)
    assert sorted(reported) == list(range(REPLICATIONS)), "progress counts the finished groups too"


def test_a_resume_with_other_parameters_is_refused(tmp_path):
    folder = tmp_path / "out.csv.parts"
    TaskStore(folder, run_fingerprint({"seed": 1}, []), resume=False)
    with pytest.raises(SimulationInputError, match="different parameters or inputs"):
        TaskStore(folder, run_fingerprint({"seed": 2}, []), resume=True)


def test_cli_resume_refuses_changed_inputs_and_a_finished_run_leaves_no_parts(runner, tmp_path):
    out = tmp_path / "sim.csv"
    args = ["simulate", "run", "--size", "600", "--replications", "2", "--seed", "4", "--out", str(out)]
    folder = parts_folder(out)
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"fingerprint": "0" * 64}))
    refused = runner.invoke(app, [*args, "--resume"])
    assert refused.exit_code == 2 and "different parameters or inputs" in refused.output, refused.output
    left_over = runner.invoke(app, args)
    assert left_over.exit_code == 2 and "--resume" in left_over.output, left_over.output
    folder.joinpath("manifest.json").unlink()
    folder.rmdir()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.exists() and not folder.exists()


def test_cli_local_cluster_of_worker_processes_writes_the_same_file(runner, tmp_path: Path):
    files = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.csv"
        result = runner.invoke(app, ["simulate", "run", "--size", "800", "--replications", "2", "--seed", "9",
                                     "--scenario", "drug_treatment", "--workers", str(workers), "--out", str(out)])
        assert result.exit_code == 0, result.output
        files[workers] = out.read_bytes()
    assert files[1] == files[2]


def test_cli_rejects_a_malformed_scheduler_address(runner, tmp_path):
    result = runner.invoke(app, ["simulate", "run", "--size", "100", "--scheduler", "localhost:8786",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "tcp://HOST:PORT" in result.output
