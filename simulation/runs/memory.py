"""Will a run fit in memory? An estimate from the cohort size, checked before any work is done.

The figures are measured peaks (`benchmarks/bench_simulation.py --memory` reports them again): a
process with the libraries loaded holds about 200 MB, and one replication of a baseline and a scenario
needs about 4.5 KB per offender on top, the cohort's own columns included. Measured as the growth of the
peak from 45,000 to 180,000 offenders with the national drug-treatment scenario (`run_simulation`, one
replication): 4.0 KB per offender (325 MB and 860 MB peaks), the rest is margin; before places were
scheduled in bulk it was 4.9 KB, above the 3.5 KB this estimate then assumed. Garbage is collected between
replications, so the peak does not grow with the number of replications. Each worker process holds the
cohort and one replication at a time, beside the process that drives them.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulation.errors import SimulationInputError

PROCESS_BYTES = 200 * 2**20
"""Interpreter, numpy, pandas, scipy and SimPy loaded, bytes."""
BYTES_PER_OFFENDER = 4_500
"""Peak bytes per offender of one replication of a baseline and a scenario, cohort included."""
HEADROOM = 0.9
"""Share of the available memory a run may plan to use."""


def estimated_peak_bytes(offenders: int, workers: int = 1) -> int:
    """Estimated peak memory of a run: the driving process, and each worker holding one replication."""
    replication = PROCESS_BYTES + BYTES_PER_OFFENDER * offenders
    return replication if workers <= 1 else replication + workers * replication


def available_bytes() -> int | None:
    """Memory available to new work now (Linux `MemAvailable`), or None where it cannot be read."""
    meminfo = Path("/proc/meminfo")
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(offenders: int, workers: int = 1, available: int | None = None) -> None:
    """Raise `SimulationInputError` when a run of `offenders` on `workers` workers cannot fit in memory.

    `available` defaults to the memory available now; the message gives the estimate and what is there.
    """
    available = available_bytes() if available is None else available
    if available is None:
        return
    needed = estimated_peak_bytes(offenders, workers)
    if needed > HEADROOM * available:
        per_worker = "" if workers <= 1 else f" on {workers} workers"
        raise SimulationInputError(
            f"cohort size {offenders:,}: a run{per_worker} needs about {needed / 2**30:.1f} GB of memory "
            f"({BYTES_PER_OFFENDER:,} bytes per offender per replication, plus {PROCESS_BYTES // 2**20} MB per "
            f"process), but only {available / 2**30:.1f} GB is available; use a smaller cohort"
            + (" or fewer workers" if workers > 1 else "")
        )
