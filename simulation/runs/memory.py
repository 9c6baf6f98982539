"""Will a run fit in memory? An estimate from the cohort size, checked before any work is done.

The figures are measured peaks (`benchmarks/bench_simulation.py --memory` reports them again): a
process with the libraries loaded holds about 200 MB, and one replication of a baseline and a scenario
needs about 4.5 KB per offender on top, the cohort's own columns included. Measured as the growth of the
peak from 45,000 to 180,000 offenders with the national drug-treatment scenario (`run_simulation`, one
replication): 4.0 KB per offender (325 MB and 860 MB peaks), the rest is margin; before places were
scheduled in bulk it was 4.9 KB, above the 3.5 KB this estimate then assumed. Garbage is collected between
replications, so a replication's working memory does not add up; what does grow with the replications is the
rows each one leaves until the summary (about 150 KB a run, three times over while they are summarised), which
is how `--replications 1000000000` is refused at once instead of dying with MemoryError after minutes. Each
worker process holds the cohort and one replication at a time, beside the process that drives them.
"""

from __future__ import annotations

from safer_io.resources import HEADROOM, amount, available_bytes, fits
from simulation.errors import SimulationInputError

__all__ = ["HEADROOM", "available_bytes", "calibration_peak_bytes", "check_fits", "estimated_peak_bytes",
           "kept_rows_bytes", "projection_peak_bytes", "projection_rows_bytes"]

PROCESS_BYTES = 200 * 2**20
"""Interpreter, numpy, pandas, scipy and SimPy loaded, bytes."""
BYTES_PER_OFFENDER = 4_500
"""Peak bytes per offender of one replication of a baseline and a scenario, cohort included."""
ROWS_BYTES_PER_RUN = 150_000
"""Bytes the rows of one run (baseline or scenario) of one replication take while the run goes on: measured
113 KB for a baseline's 462 rows, 485 KB for a baseline and a scenario with its differences (1,882 rows)."""
SUMMARY_COPIES = 3
"""The rows are held about three times over while they are summarised (grouped, sorted, the table itself)."""
PROJECTION_ROWS_BYTES_PER_RUN = 15_000
"""Bytes a projection keeps of one run (one cohort, year and scenario) of one replication: only the rows its tables
read (`questions.project.rows_read`); measured 1.08 MB for a replication of the default projection, 12 years of
the baseline and up to six scenarios (3,849 rows), about 13 KB a run."""


PROJECTION_PROCESS_BYTES = 150 * 2**20
"""What a projection process holds beyond a `simulate run` process of the same offenders, whatever the sizes: the
intercept of its measured peaks (below), not itemised (the re-fits, the figures, the scenarios of every year)."""


def projection_process_bytes(adult: int, youth: int, check: int) -> int:
    """Peak bytes of one process running a projection's years (the only process, or one of the workers).

    Measured with `/usr/bin/time -v safer simulate project --workers 1` (VmHWM per process when polled with
    workers): 494 MB at the defaults (10,000 adults, 6,000 youths, 20,000 custody leavers to check: 36,000
    offenders), 626 MB at twice those sizes; the two workers of a default run 452 and 458 MB, their driver 319 MB.
    That is about 360 MB plus 3.9 KB per offender of the three cohorts summed: the years of one replication keep
    their cohorts, starts and numbers together. The estimate takes 4.5 KB (`BYTES_PER_OFFENDER`) on 350 MB.
    The check on the largest cohort alone (290 MB at the defaults) was under every one of these.

    >>> round(projection_process_bytes(10_000, 6_000, 20_000) / 2**20)
    504
    """
    return PROCESS_BYTES + PROJECTION_PROCESS_BYTES + BYTES_PER_OFFENDER * (adult + youth + check)


def projection_peak_bytes(adult: int, youth: int, check: int, workers: int = 1) -> int:
    """Peak bytes of a projection before its rows: one process, or a driving process (the largest cohort's worth)
    and `workers` worker processes."""
    process = projection_process_bytes(adult, youth, check)
    if workers <= 1:
        return process
    return PROCESS_BYTES + BYTES_PER_OFFENDER * max(adult, youth, check) + workers * process


CALIBRATION_BYTES_PER_OFFENDER_REPLICATION = 1024
"""Bytes a calibration step keeps per offender and replication (its replications' outcomes, compared with the
targets together): measured 0.95 KB, `simulate calibrate` on 45,000 offenders peaking at 495 MB with 4 replications
and 662 MB with 8, and 814 MB on 90,000 with 4 (so 3.5 KB per offender besides, under `BYTES_PER_OFFENDER`)."""
YEARS_BYTES_PER_OFFENDER_REPLICATION = 2048
"""The same for `simulate calibrate --years`, per offender of its year cohort and its check cohort together:
measured 1.74 KB (20,000 + 15,000 offenders: 623 MB with 4 replications, 861 MB with 8; 40,000 + 30,000 with 4:
981 MB)."""
YEARS_PROCESS_BYTES = 100 * 2**20
"""What `calibrate --years` holds beyond `PROCESS_BYTES` whatever the sizes: the intercept of the same peaks, 265 MB
against 200."""


def calibration_peak_bytes(offenders: int, replications: int, years: bool = False) -> int:
    """Peak bytes of `simulate calibrate` on `offenders` (with `years`: the year cohort and the check cohort summed),
    `replications` per step. It was checked as one replication of a run: 393 MB for the default calibration, which
    peaked at 495 MB, and 372 MB for `--years`, which peaked at 981 MB.

    >>> round(calibration_peak_bytes(45_000, 4) / 2**20), round(calibration_peak_bytes(70_000, 4, years=True) / 2**20)
    (569, 1147)
    """
    per_replication = YEARS_BYTES_PER_OFFENDER_REPLICATION if years else CALIBRATION_BYTES_PER_OFFENDER_REPLICATION
    extra = YEARS_PROCESS_BYTES if years else 0
    return PROCESS_BYTES + extra + (BYTES_PER_OFFENDER + per_replication * replications) * offenders


def projection_rows_bytes(replications: int, years: int, scenarios: int) -> int:
    """Bytes of the rows a projection keeps until the summary (adult and youth cohorts counted as one run).

    >>> projection_rows_bytes(100, 12, 6)
    378000000
    """
    return SUMMARY_COPIES * PROJECTION_ROWS_BYTES_PER_RUN * years * (1 + scenarios) * replications


def kept_rows_bytes(replications: int, scenarios: int = 0) -> int:
    """Bytes of the per-replication rows kept until the summary: each scenario brings its own rows and two sets of
    differences from the baseline.

    >>> kept_rows_bytes(10, 1)
    18000000
    """
    return SUMMARY_COPIES * ROWS_BYTES_PER_RUN * (1 + 3 * scenarios) * replications


def estimated_peak_bytes(offenders: int, workers: int = 1, replications: int = 1, scenarios: int = 0) -> int:
    """Estimated peak memory of a run: the driving process with every replication's rows, and each worker holding
    one replication."""
    replication = PROCESS_BYTES + BYTES_PER_OFFENDER * offenders
    rows = kept_rows_bytes(replications, scenarios)
    return replication + rows if workers <= 1 else replication + rows + workers * replication


def check_fits(offenders: int, workers: int = 1, available: int | None = None, replications: int = 1,
               scenarios: int = 0, rows_bytes: int | None = None, peak_bytes: int | None = None,
               sizes: str | None = None, advice: str = "use smaller cohorts") -> None:
    """Raise `SimulationInputError` when a run of `offenders` on `workers` workers, `replications` replications of
    the baseline and `scenarios` scenarios, cannot fit in memory.

    `available` defaults to the memory available now; the message gives the estimate and what is there, and says
    what to reduce. `rows_bytes`: the rows kept until the summary, when the run keeps fewer than every row
    (`projection_rows_bytes`); by default `kept_rows_bytes`. `peak_bytes`: the processes' peak before the rows,
    when the run's shape is not one cohort of `offenders` (`projection_peak_bytes`, `calibration_peak_bytes`), with
    `sizes` saying what the user chose and `advice` what to reduce; by default `estimated_peak_bytes`.
    """
    rows = kept_rows_bytes(replications, scenarios) if rows_bytes is None else rows_bytes
    processes = estimated_peak_bytes(offenders, workers) if peak_bytes is None else peak_bytes
    needed = processes + rows
    ok, available = fits(needed, available)
    if ok or available is None:
        return
    if rows > needed / 2:
        raise SimulationInputError(
            f"--replications {replications:,}: keeping their rows until they are summarised needs about "
            f"{amount(needed)} of memory (about {amount(rows / replications)} a replication), but only "
            f"{amount(available)} is available; ask for fewer replications (--precision stops as soon as the "
            "intervals are narrow enough)"
        )
    per_worker = "" if workers <= 1 else f" on {workers} workers"
    if peak_bytes is not None:
        raise SimulationInputError(
            f"{sizes or f'cohort size {offenders:,}'}: a run{per_worker} needs about {amount(needed)} of memory, but "
            f"only {amount(available)} is available; {advice}" + (" or fewer workers" if workers > 1 else "")
        )
    raise SimulationInputError(
        f"cohort size {offenders:,}: a run{per_worker} needs about {amount(needed)} of memory "
        f"({BYTES_PER_OFFENDER:,} bytes per offender per replication, plus {PROCESS_BYTES // 2**20} MB per "
        f"process), but only {amount(available)} is available; use a smaller cohort"
        + (" or fewer workers" if workers > 1 else "")
    )
