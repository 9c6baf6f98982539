"""The memory estimate that refuses runs which cannot fit."""

from __future__ import annotations

import pytest

from simulation.errors import SimulationInputError
from simulation.runs.memory import (
    BYTES_PER_OFFENDER,
    PROCESS_BYTES,
    check_fits,
    estimated_peak_bytes,
    kept_rows_bytes,
)


def test_estimate_grows_with_offenders_and_workers():
    one = estimated_peak_bytes(45_000)
    replication = PROCESS_BYTES + 45_000 * BYTES_PER_OFFENDER
    assert one == replication + kept_rows_bytes(1)
    assert estimated_peak_bytes(90_000) - one == 45_000 * BYTES_PER_OFFENDER
    assert estimated_peak_bytes(45_000, workers=4) == 5 * replication + kept_rows_bytes(1)  # driver and 4 workers


def test_estimate_grows_with_replications_and_scenarios():
    assert kept_rows_bytes(20, 1) == 2 * kept_rows_bytes(10, 1)
    assert kept_rows_bytes(10, 2) > kept_rows_bytes(10, 1) > kept_rows_bytes(10, 0)


def test_a_billion_replications_are_refused_before_any_work():
    """Issue 21: `simulate run --replications 1000000000` ran for 103 s and died with MemoryError."""
    with pytest.raises(SimulationInputError) as refused:
        check_fits(45_000, replications=1_000_000_000, available=24 * 2**30)
    message = str(refused.value)
    assert "--replications 1,000,000,000" in message and "TB" in message and "fewer replications" in message, message


def test_a_run_that_fits_passes_and_one_that_does_not_names_size_estimate_and_memory():
    check_fits(45_000, available=8 * 2**30)
    with pytest.raises(SimulationInputError) as refused:
        check_fits(10_000_000, available=24 * 2**30)
    message = str(refused.value)
    assert "10,000,000" in message and "42.1 GB" in message and "24.0 GB is available" in message, message
    with pytest.raises(SimulationInputError, match="fewer workers"):
        check_fits(2_000_000, workers=4, available=24 * 2**30)



def _garbage_left_for_the_cyclic_collector(cohort, params, scenario) -> tuple[int, int]:
    """Bytes a replication leaves that only a full cyclic collection frees, and bytes held after it."""
    import gc
    import tracemalloc

    from simulation.model.cohort_simulation import simulate_replication
    from simulation.model.streams import ReplicationStreams
    from simulation.runs.runner import replication_seeds

    streams = ReplicationStreams(replication_seeds(3, 1)[0], cohort.size)
    gc.collect()
    tracemalloc.start()
    gc.disable()
    try:
        before = tracemalloc.get_traced_memory()[0]
        career = simulate_replication(cohort, params, scenario, streams)
        held = tracemalloc.get_traced_memory()[0] - before
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
        assert career.offences.offender.size > 0
    finally:
        gc.enable()
        tracemalloc.stop()
    return held - kept, kept


def test_a_replication_frees_most_of_its_memory_without_the_cyclic_collector(small_adult, params, scenarios_dir,
                                                                             monkeypatch):
    """Processes and the simulation refer to each other; left to the cyclic collector, a replication's memory
    outlived it into the next one (peak 604 MB for 10 replications of 45,000 with the drug-treatment scenario,
    377 MB once `dismantle` frees it). Measured against the same run with `dismantle` switched off."""
    from simulation.inputs.interventions import load_scenario
    from simulation.inputs.services import derive_services
    from simulation.model.cohort_simulation import CohortSimulation

    scenario = derive_services(load_scenario(scenarios_dir / "drug_treatment.yaml"), small_adult)
    garbage, kept = _garbage_left_for_the_cyclic_collector(small_adult, params, scenario)
    monkeypatch.setattr(CohortSimulation, "dismantle", lambda self: None)
    garbage_undismantled, _ = _garbage_left_for_the_cyclic_collector(small_adult, params, scenario)
    assert garbage < 0.6 * garbage_undismantled, (
        f"{garbage / 2**20:.1f} MB left for the cyclic collector, {garbage_undismantled / 2**20:.1f} MB without "
        f"dismantling ({kept / 2**20:.1f} MB is the log and caches)")


MEASURED_PROJECTION_MB = {  # /usr/bin/time -v and VmHWM per process, 2026-12-06 (see `projection_process_bytes`)
    ("one process", 10_000, 6_000, 20_000, 1): 494,
    ("one process, twice the sizes", 20_000, 12_000, 40_000, 1): 626,
    ("driver and two workers", 10_000, 6_000, 20_000, 2): 319 + 452 + 458,
}


@pytest.mark.parametrize(("shape", "adult", "youth", "check", "workers"), list(MEASURED_PROJECTION_MB))
def test_the_projection_estimate_covers_its_measured_peaks_without_refusing_runs_that_fit(shape, adult, youth,
                                                                                          check, workers):
    """The projection was checked as one cohort of the largest size: 290 MB a process at the defaults, where a
    process peaked at 494 MB, so a machine that could not hold the run was let start it."""
    from simulation.runs.memory import projection_peak_bytes

    measured = MEASURED_PROJECTION_MB[(shape, adult, youth, check, workers)]
    estimate = projection_peak_bytes(adult, youth, check, workers) / 2**20
    assert measured <= estimate <= 1.25 * measured, f"{shape}: estimate {estimate:.0f} MB, measured {measured} MB"


def test_a_projection_that_cannot_fit_on_its_workers_is_refused_before_any_work(runner, tmp_path, monkeypatch):
    """1.1 GB available, two workers at the default sizes (1.23 GB measured): the old check (0.9 GB) let it start."""
    import safer_io.resources
    from cli import app

    monkeypatch.setattr(safer_io.resources, "available_bytes", lambda: int(1.1 * 2**30))
    out = tmp_path / "projection.csv"
    result = runner.invoke(app, ["simulate", "project", "--workers", "2", "--out", str(out)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert "--adult-size 10,000, --youth-size 6,000 and --check-size 20,000" in said and "fewer workers" in said, said
    assert sorted(p.name for p in tmp_path.iterdir()) == []


MEASURED_CALIBRATION_MB = {  # /usr/bin/time -v, 2026-12-06 (see `calibration_peak_bytes`)
    ("calibrate", 45_000, 4, False): 495,
    ("calibrate, 8 replications", 45_000, 8, False): 662,
    ("calibrate, twice the cohort", 90_000, 4, False): 814,
    ("calibrate --years, 20,000 + 15,000", 35_000, 4, True): 623,
    ("calibrate --years, 20,000 + 15,000, 8 replications", 35_000, 8, True): 861,
    ("calibrate --years, defaults 40,000 + 30,000", 70_000, 4, True): 981,
}


@pytest.mark.parametrize(("shape", "offenders", "replications", "years"), list(MEASURED_CALIBRATION_MB))
def test_the_calibration_estimate_covers_its_measured_peaks_without_refusing_runs_that_fit(shape, offenders,
                                                                                           replications, years):
    """Calibration was checked as one replication of one cohort: 372 MB for `--years` at its defaults, which peaked
    at 981 MB, because every replication of a step, and the check cohort beside the year's, are held together."""
    from simulation.runs.memory import calibration_peak_bytes

    measured = MEASURED_CALIBRATION_MB[(shape, offenders, replications, years)]
    estimate = calibration_peak_bytes(offenders, replications, years=years) / 2**20
    assert measured <= estimate <= 1.25 * measured, f"{shape}: estimate {estimate:.0f} MB, measured {measured} MB"


@pytest.mark.parametrize(("args", "named"), [
    (["--years"], "--size 40,000 and --check-size 30,000 with --replications 4"),
    ([], "--size 45,000 with --replications 4"),
])
def test_a_calibration_that_cannot_fit_is_refused_before_any_work(runner, tmp_path, monkeypatch, args, named):
    """Calibration's own peaks (981 MB for `--years`, 495 MB by default) against 900 MB and 520 MB available: the old
    check (372 and 393 MB) let both start."""
    import safer_io.resources
    from cli import app

    available = 900 if args else 520
    monkeypatch.setattr(safer_io.resources, "available_bytes", lambda: available * 2**20)
    out = tmp_path / "calibrated.yaml"
    result = runner.invoke(app, ["simulate", "calibrate", *args, "--out", str(out)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert named in said and "fewer replications" in said, said
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_calibration_on_a_cohort_file_is_checked_once_the_file_is_read(runner, tmp_path, monkeypatch):
    """`--cohort-file` gives no size up front, and calibration then had no check at all (`simulate run` checks the
    file's size once read): a file of 2,000 offenders (216 MB estimated) against 230 MB available is refused,
    naming the file."""
    import safer_io.resources
    from cli import app
    from simulation.inputs.cohort import generate_cohort

    cohort = tmp_path / "cohort.csv"
    generate_cohort("adult", 2000, 4).frame.to_csv(cohort, index=False)
    monkeypatch.setattr(safer_io.resources, "available_bytes", lambda: 230 * 2**20)
    out = tmp_path / "calibrated.yaml"
    result = runner.invoke(app, ["simulate", "calibrate", "--cohort-file", str(cohort), "--out", str(out)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert "(2,000 offenders) with --replications 4" in said and "fewer replications" in said, said
    assert not out.exists()
