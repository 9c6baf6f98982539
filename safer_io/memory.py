"""Outputs of earlier steps of a `safer run` job, kept in memory so that later steps need not read them back.

A batch job weights a file, estimates from it and reports on the estimates. Run as separate commands, each
step writes its output and the next reads it again: start-up, a Parquet round trip and a hash of every input
per step. Inside `safer run` the steps run in one process under a `JobMemory`: when a command writes an
output through `safer_io.outputs` (or a job layer calls `remember`), the table and its metadata are kept here,
keyed by the output's resolved path, together with the SHA-256 of the bytes written. A later step that reads
that path gets the object from memory (`recall`), and provenance gets the recorded hash instead of reading the
file again. The files are still written: the user asked for them.

An entry is trusted only while the file on disk is the one that was written (same size and modification time),
so a file changed by someone else during the job is read again. Outside a job nothing is remembered.
"""

from __future__ import annotations

import contextlib
import copy
import pickle
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safer_io.hashing import sha256_of_file


@dataclass
class Remembered:
    """One output written by an earlier step."""

    value: Any
    """The object a reader of the file would build (a `pandas.DataFrame` for tables)."""
    metadata: dict[str, Any] | None
    """The metadata written beside it (its sidecar's content), if any."""
    sha256: str | None = None
    """SHA-256 of the bytes written, for provenance."""
    stat: tuple[int, int] | None = None
    """(size, mtime_ns) of the file when written: the entry is stale once the file changes."""


@dataclass
class JobMemory:
    """Outputs of one job, by resolved path; counts how often a step was served from memory."""

    entries: dict[Path, Remembered] = field(default_factory=dict)
    """What each written path holds."""
    hits: int = 0
    """Reads served from memory (a test checks that later steps really use it)."""


_current: ContextVar[JobMemory | None] = ContextVar("safer_job_memory", default=None)


@contextlib.contextmanager
def job_memory() -> Iterator[JobMemory]:
    """Keep outputs in memory for the duration of the block (one `safer run` job)."""
    memory = JobMemory()
    token = _current.set(memory)
    try:
        yield memory
    finally:
        _current.reset(token)


def active() -> JobMemory | None:
    """The memory of the running job, or None outside `safer run`."""
    return _current.get()


def _key(path: str | Path) -> Path:
    return Path(path).resolve()


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _copy_on_write() -> bool:
    """Whether pandas copies a shallow copy's data before either side writes to it (always, from pandas 3)."""
    import pandas as pd

    return int(pd.__version__.split(".")[0]) >= 3


def private_copy(value: Any) -> Any:
    """A copy of a remembered object that no later change, by the writer or a reader, can reach.

    Under pandas' copy-on-write a shallow copy of a table is such a copy and costs nothing; before pandas 3 the
    data are copied. Metadata (plain dicts and lists, a few thousand objects after raking) go through pickle,
    several times faster than `copy.deepcopy`.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"w": [1.0, 2.0]})
    >>> mine = private_copy(table)
    >>> mine.loc[0, "w"] = 9.0
    >>> float(table.loc[0, "w"])
    1.0
    """
    if value is None:
        return None
    if hasattr(value, "copy") and hasattr(value, "columns"):
        return value.copy(deep=not _copy_on_write())
    try:
        return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(value)


def remember(path: str | Path, value: Any, metadata: dict[str, Any] | None = None,
             sha256: str | None = None) -> None:
    """Record what was written to `path` (call after the file is in place). No-op outside a job."""
    memory = _current.get()
    if memory is None:
        return
    key = _key(path)
    if sha256 is None and key.exists():
        sha256 = sha256_of_file(key)
    memory.entries[key] = Remembered(private_copy(value), private_copy(metadata), sha256, _stat(key))


def _fresh(path: str | Path) -> Remembered | None:
    memory = _current.get()
    if memory is None:
        return None
    key = _key(path)
    entry = memory.entries.get(key)
    if entry is None:
        return None
    if entry.stat is not None and _stat(key) != entry.stat:
        del memory.entries[key]  # changed on disk since it was written: read the file instead
        return None
    return entry


def recall(path: str | Path) -> Remembered | None:
    """What an earlier step wrote to `path`, as a private copy, or None (not written in this job, or changed)."""
    entry = _fresh(path)
    if entry is None:
        return None
    memory = _current.get()
    assert memory is not None
    memory.hits += 1
    return Remembered(private_copy(entry.value), private_copy(entry.metadata), entry.sha256, entry.stat)


def recorded_sha256(path: str | Path) -> str | None:
    """The SHA-256 recorded when `path` was written in this job, or None."""
    entry = _fresh(path)
    return None if entry is None else entry.sha256
