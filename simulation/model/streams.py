"""Random numbers with common random numbers (CRN) built in.

Each replication has one `numpy.random.SeedSequence`. Every *purpose* (offence gaps, court lags, ...)
gets its own child sequence, and within a purpose each offender owns one row of pre-drawn numbers:
offender i's k-th number for that purpose is the same in every scenario, whatever the cohort size and
however many workers run the replications. So a scenario changes an offender's career only through
what the scenario changes, and scenario differences are precise.

Numbers come in chunks of a fixed width. Chunk c is a stream keyed by (purpose, c) whose draws
i*width ... (i+1)*width-1 are offender i's: so offender i's numbers are the same whatever the cohort
size, and exact and deterministic however prolific the offender. Chunk 0 is drawn for every offender at
once (fast, vectorised) when the purpose is first used. Later chunks are needed by few offenders, so
each offender's row is read on demand by jumping the generator ahead to it (PCG64 `advance`), which
gives exactly the numbers a full block would hold.

`ReplicationStreams` is the set of them one replication draws from, handed to every scenario run in it.

Every run of a replication draws the same first chunks (a projection runs each cohort size some forty times: every
year and scenario), so the chunks are kept per process (`BLOCKS`, a few replications' worth) and shared, read-only.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any

import numpy as np
from scipy.special import ndtri

Transform = Callable[[np.ndarray], np.ndarray]
OVERFLOW_KEY = 0
"""Marks the seed key of a chunk beyond the first (key: replication, purpose, OVERFLOW_KEY, chunk)."""
OFFENCE_GAP_WIDTH = 24
"""Offence gaps (and thinning uniforms) per offender in the first chunk."""
OFFENCE_MARK_WIDTH = 16
"""Offence outcomes (sanction, type, lag, custody, time served) per offender in the first chunk."""
BREACH_WIDTH = 4
"""Breach gaps and outcomes per offender in the first chunk."""


class Purpose(IntEnum):
    """What a stream of random numbers is for; the value is part of the seed key, so never renumber."""

    FRAILTY = 1
    OFFENCE_GAP = 2
    THINNING = 3
    SANCTION = 4
    OFFENCE_TYPE = 5
    LAG = 6
    CUSTODY = 7
    SERVED = 8
    BREACH_GAP = 9
    BREACH_OUTCOME = 10
    BREACH_CUSTODY = 11


def uniform(u: np.ndarray) -> np.ndarray:
    """Uniform on [0, 1)."""
    return u


def standard_exponential(u: np.ndarray) -> np.ndarray:
    """Unit-rate exponential by inversion (u in [0, 1) so 1 - u > 0)."""
    return -np.log1p(-u)


def standard_normal(u: np.ndarray) -> np.ndarray:
    """Standard normal by inversion; u = 0 is nudged to the smallest positive double."""
    return ndtri(np.maximum(u, np.finfo(float).tiny))


def programme_purpose(programme_name: str) -> int:
    """A stable purpose number for an intervention programme's draws (uptake, completion, dropout)."""
    return 1000 + zlib.crc32(programme_name.encode("utf-8"))


def outside_purpose(programme_name: str) -> int:
    """A stable purpose number for a programme's referrals from outside the cohort."""
    return 1000 + (1 << 32) + zlib.crc32(programme_name.encode("utf-8"))


class BlockCache:
    """First chunks already drawn in this process, by (seed, purpose, offenders, width, transform): the same numbers
    every run of a replication would draw again. Least recently used ones go beyond `limit_bytes`."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        """Most bytes kept."""
        self._blocks: dict[tuple[Any, ...], np.ndarray] = {}
        self._bytes = 0
        self._rows: dict[tuple[Any, ...], dict[tuple[int, int], np.ndarray]] = {}
        self._lock = threading.Lock()

    def rows(self, key: tuple[Any, ...]) -> dict[tuple[int, int], np.ndarray]:
        """The rows of later chunks read so far under `key` ((offender, chunk) -> numbers), kept while its block is
        (a few hundred prolific offenders' rows: small beside the block)."""
        with self._lock:
            return self._rows.setdefault(key, {})

    def get(self, key: tuple[Any, ...], draw: Callable[[], np.ndarray]) -> np.ndarray:
        """The block under `key`, drawn by `draw` (and made read-only) the first time."""
        with self._lock:  # Dask workers may be threads of one process
            block = self._blocks.pop(key, None)
            if block is None:
                block = draw()
                block.setflags(write=False)  # shared by every run: nobody may change another run's numbers
                self._bytes += block.nbytes
            self._blocks[key] = block  # most recently used last
            while self._bytes > self.limit_bytes and len(self._blocks) > 1:
                oldest = next(iter(self._blocks))
                self._bytes -= self._blocks.pop(oldest).nbytes
                self._rows.pop(oldest, None)
            if len(self._rows) > 4 * len(self._blocks) + 64:  # rows of streams whose block was never drawn
                self._rows = {k: v for k, v in self._rows.items() if k in self._blocks}
            return block

    def keep_only(self, replication: np.random.SeedSequence) -> None:
        """Forget the blocks and rows of every other replication: their numbers can serve no run of this one (a
        replication's numbers are its own), and runs come replication by replication (`tasks.groups_for`)."""
        mine = (replication.entropy, tuple(replication.spawn_key))

        def ours(key: tuple[Any, ...]) -> bool:
            return (key[0], key[1][:-1]) == mine  # (entropy, (*spawn_key, purpose), ...): see `_cache_key`

        with self._lock:
            for key in [key for key in self._blocks if not ours(key)]:
                self._bytes -= self._blocks.pop(key).nbytes
            self._rows = {key: rows for key, rows in self._rows.items() if ours(key)}

    def clear(self) -> None:
        """Forget every block and row."""
        with self._lock:
            self._blocks.clear()
            self._rows.clear()
            self._bytes = 0


BLOCKS = BlockCache(limit_bytes=96 * 2**20)
"""This process's first chunks: 96 MB holds every purpose of the cohorts of two or three replications of a
projection (about 11 MB for 10,000 offenders)."""


class OffenderStream:
    """Pre-drawn numbers for one purpose: `value(i, k)` is offender i's k-th number."""

    __slots__ = ("_block", "_n", "_width", "_entropy", "_key", "_transform", "_overflow", "_rows")

    def __init__(
        self,
        replication: np.random.SeedSequence,
        purpose: int,
        n_offenders: int,
        width: int,
        transform: Transform,
    ) -> None:
        self._entropy = replication.entropy
        self._key = (*replication.spawn_key, purpose)
        self._width = width
        self._transform = transform
        self._n = n_offenders
        self._block: np.ndarray | None = None  # drawn on first use: some purposes are rarely needed
        self._overflow: dict[int, tuple[np.random.Generator, Mapping[str, Any]]] = {}
        """Generator of each later chunk and its starting state, for jumping to an offender's row."""
        self._rows: dict[tuple[int, int], np.ndarray] = BLOCKS.rows(self._cache_key)
        """Transformed rows of the later chunks that have been read (by any run of the replication in this
        process: the same numbers)."""

    def _generator(self, chunk: int) -> np.random.Generator:
        key = self._key if chunk == 0 else (*self._key, OVERFLOW_KEY, chunk)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._entropy, spawn_key=key)))

    def uniforms(self, chunk: int) -> np.ndarray:
        """Chunk `chunk` of every offender as uniforms, drawn in full (row i: draws i*width ... (i+1)*width-1)."""
        return self._generator(chunk).random((self._n, self._width))

    def _row_uniforms(self, i: int, chunk: int) -> np.ndarray:
        """Row `i` of chunk `chunk`, without drawing the rows before it: `uniforms(chunk)[i]` exactly."""
        entry = self._overflow.get(chunk)
        if entry is None:
            generator = self._generator(chunk)
            entry = self._overflow[chunk] = (generator, generator.bit_generator.state)
        generator, state = entry
        bits = generator.bit_generator
        bits.state = state
        bits.advance(i * self._width)  # type: ignore[attr-defined]  # one 64-bit draw per double
        return generator.random(self._width)

    @property
    def block(self) -> np.ndarray:
        """The first chunk of every offender: row i is offender i's numbers 0 to width - 1."""
        if self._block is None:
            self._block = BLOCKS.get(self._cache_key, lambda: self._transform(self.uniforms(0)))
        return self._block

    @property
    def _cache_key(self) -> tuple[Any, ...]:
        return (self._entropy, self._key, self._n, self._width, self._transform.__name__)

    @property
    def width(self) -> int:
        """Numbers per chunk."""
        return self._width

    def chunk(self, i: int, chunk: int) -> np.ndarray:
        """Offender `i`'s numbers `chunk * width` to `(chunk + 1) * width - 1`."""
        if chunk == 0:
            return self.block[i]
        row = self._rows.get((i, chunk))
        if row is None:
            row = self._rows[(i, chunk)] = self._transform(self._row_uniforms(i, chunk))
            row.setflags(write=False)
        return row

    def value(self, i: int, k: int) -> float:
        """Offender `i`'s `k`-th number (k = 0, 1, ...)."""
        if k < self._width:
            return float(self.block.item(i, k))
        chunk, position = divmod(k, self._width)
        return float(self.chunk(i, chunk).item(position))

    def column(self, k: int = 0) -> np.ndarray:
        """Everyone's `k`-th number at once (k below the width), for vectorised draws."""
        return self.block[:, k]


class ReplicationStreams:
    """All random numbers of one replication, shared by every scenario run in it (common random numbers)."""

    def __init__(self, replication: np.random.SeedSequence, n_offenders: int) -> None:
        self.replication = replication
        """The replication's seed sequence (`runs.runner.replication_seeds`)."""
        self.n_offenders = n_offenders
        """Offenders in the cohort the streams were drawn for."""

        def stream(purpose: int, width: int, transform: Transform) -> OffenderStream:
            return OffenderStream(replication, purpose, n_offenders, width, transform)

        self.frailty = stream(Purpose.FRAILTY, 1, uniform)
        self.offence_gap = stream(Purpose.OFFENCE_GAP, OFFENCE_GAP_WIDTH, standard_exponential)
        self.thinning = stream(Purpose.THINNING, OFFENCE_GAP_WIDTH, uniform)
        self.sanction = stream(Purpose.SANCTION, OFFENCE_MARK_WIDTH, uniform)
        self.offence_type = stream(Purpose.OFFENCE_TYPE, OFFENCE_MARK_WIDTH, uniform)
        self.lag = stream(Purpose.LAG, OFFENCE_MARK_WIDTH, standard_normal)
        self.custody = stream(Purpose.CUSTODY, OFFENCE_MARK_WIDTH, uniform)
        self.served = stream(Purpose.SERVED, OFFENCE_MARK_WIDTH, standard_normal)
        self.breach_gap = stream(Purpose.BREACH_GAP, BREACH_WIDTH, standard_exponential)
        self.breach_outcome = stream(Purpose.BREACH_OUTCOME, BREACH_WIDTH, uniform)
        self.breach_custody = stream(Purpose.BREACH_CUSTODY, BREACH_WIDTH, standard_normal)
        self._programmes: dict[str, OffenderStream] = {}

    def outside_referrals(self, name: str) -> np.random.Generator:
        """The generator of a programme's referrals from outside the cohort (arrivals, completion, drop-out,
        priority), keyed by the programme's name: the same in every scenario that runs the programme."""
        key = (*self.replication.spawn_key, outside_purpose(name))
        return np.random.default_rng(np.random.SeedSequence(self.replication.entropy, spawn_key=key))

    def programme(self, name: str) -> OffenderStream:
        """Per-offender (uptake, completion, drop-out point) uniforms for a programme, keyed by its name."""
        if name not in self._programmes:
            self._programmes[name] = OffenderStream(
                self.replication, programme_purpose(name), self.n_offenders, 3, uniform
            )
        return self._programmes[name]
