"""Reading SPSS and Stata files in a child process, so that a damaged file cannot take `safer` down with it.

ReadStat, the C library under pyreadstat, trusts the sizes a file's header declares. One damaged byte in a
`.sav` can make it read out of bounds (a segmentation fault, which no `except` clause can catch) and one in a
`.dta` can make it ask for more memory than the machine has. Fuzzing found both. So the read runs in a
forked child with its address space capped (a few hundred times the file's size, never more than the machine
has available): whatever happens to the child, the parent gets either the data or a message naming the
file, and the user gets exit code 2.

Forking costs a few milliseconds; the rows come back through a pipe.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from survey.errors import SurveyInputError

T = TypeVar("T")

MIN_BUDGET_BYTES = 1 << 30
"""Memory a read may always use beyond what the process already holds (bytes)."""
BUDGET_PER_FILE_BYTE = 200
"""Memory a read may use per byte of the file (bytes), up to what the machine has available."""


def _available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _virtual_size_bytes() -> int | None:
    """This process's current address-space size, from /proc/self/statm (Linux)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _child(connection: Connection, read: Callable[[], Any], file_bytes: int) -> None:
    # A crash here is expected and reported by the parent; a fault handler inherited from it would only add noise.
    faulthandler.disable()
    available, current = _available_memory_bytes(), _virtual_size_bytes()
    if available is not None and current is not None:
        # Rows in memory take a few times their size on disk (strings become objects; .zsav is compressed);
        # a header declaring far more than that is damage, and fails at once instead of filling the machine.
        budget = min(available, max(MIN_BUDGET_BYTES, BUDGET_PER_FILE_BYTE * file_bytes))
        limit = current + budget
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        connection.send(("ok", read()))
    except MemoryError:
        connection.send(("error", "it declares far more data than its size allows; the file looks damaged"))
    except Exception as exc:  # ReadstatError and friends: the parent turns the text into the message
        text = str(exc).strip()
        connection.send(("error", text.splitlines()[0] if text else type(exc).__name__))
    finally:
        connection.close()


def read_isolated(read: Callable[[], T], *, source: str, kind: str, file_bytes: int = 0) -> T:
    """Run `read` (which returns picklable data) in a forked child and return its result.

    The child's memory is capped by `file_bytes`, the size of the file read (see `BUDGET_PER_FILE_BYTE`).

    A child that dies (a signal, or running out of memory) or raises becomes a `SurveyInputError` naming
    `source` and saying it cannot be read as `kind`.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, read, file_bytes), daemon=True)
    process.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = None
    finally:
        receiver.close()
        process.join()
    if outcome is not None and outcome[0] == "ok":
        result: T = outcome[1]
        return result
    if outcome is not None:
        reason = outcome[1]
    elif process.exitcode is not None and process.exitcode < 0:
        name = signal.Signals(-process.exitcode).name
        reason = f"the reader stopped on it ({name}); the file looks damaged or is not a {kind} file"
    else:
        reason = f"the reader stopped on it (exit code {process.exitcode}); the file looks damaged"
    raise SurveyInputError(f"data file {source} cannot be read as {kind}: {reason}")
