"""Will a request fit in this machine's memory? Checked before any work, so that a run too big to finish is refused
in one sentence instead of running for minutes and dying with MemoryError (issue 21).

Each pipeline has its own model of what a request needs (`simulation.runs.memory` for cohorts and replications,
`survey.memory` for replicate weights); this module reads what is available and words the refusal.
"""

from __future__ import annotations

import os
from pathlib import Path

HEADROOM = 0.9
"""Share of the available memory a request may plan to use."""


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


def amount(size: float) -> str:
    """Bytes in words a reader can weigh: MB, GB or TB, one decimal.

    >>> amount(42.1 * 2**30), amount(3 * 2**20), amount(5e15)
    ('42.1 GB', '3.0 MB', '4547.5 TB')
    """
    for unit, scale in (("TB", 2**40), ("GB", 2**30)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size / 2**20:.1f} MB"


def fits(needed: float, available: int | None = None) -> tuple[bool, int | None]:
    """Whether `needed` bytes fit in the headroom of what is available (and what is); unknown memory fits."""
    available = available_bytes() if available is None else available
    if available is None:
        return True, None
    return needed <= HEADROOM * available, available
