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

__all__ = ["HEADROOM", "available_bytes", "check_fits", "estimated_peak_bytes", "kept_rows_bytes",
           "projection_rows_bytes"]

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
               scenarios: int = 0, rows_bytes: int | None = None) -> None:
    """Raise `SimulationInputError` when a run of `offenders` on `workers` workers, `replications` replications of
    the baseline and `scenarios` scenarios, cannot fit in memory.

    `available` defaults to the memory available now; the message gives the estimate and what is there, and says
    what to reduce. `rows_bytes`: the rows kept until the summary, when the run keeps fewer than every row
    (`projection_rows_bytes`); by default `kept_rows_bytes`.
    """
    rows = kept_rows_bytes(replications, scenarios) if rows_bytes is None else rows_bytes
    needed = estimated_peak_bytes(offenders, workers) + rows
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
    raise SimulationInputError(
        f"cohort size {offenders:,}: a run{per_worker} needs about {amount(needed)} of memory "
        f"({BYTES_PER_OFFENDER:,} bytes per offender per replication, plus {PROCESS_BYTES // 2**20} MB per "
        f"process), but only {amount(available)} is available; use a smaller cohort"
        + (" or fewer workers" if workers > 1 else "")
    )
