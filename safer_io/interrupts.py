"""Interrupts end a command cleanly: Ctrl-C (SIGINT) and SIGTERM alike.

Python turns SIGINT into `KeyboardInterrupt`, so every `finally` runs: temporary files beside an output are
removed (`safer_io.outputs.atomic_path`), a staging folder goes, a Dask cluster is closed. SIGTERM, by default,
ends the process on the spot and leaves all of that behind; under `signals_as_interrupts()` it raises
`Terminated`, a `KeyboardInterrupt`, in the main thread instead, so it is cleaned up the same way.

What an interrupted command kept (outputs it had finished, finished replications of a simulation) is reported
by the command line: outputs through `safer_io.outputs.recording_outputs`, work that a rerun can continue by
`Interrupted`, which a job raises in place of the interrupt.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so that every `finally` runs."""


class Interrupted(KeyboardInterrupt):
    """An interrupt, with what the interrupted work kept for a rerun to continue from."""

    def __init__(self, kept: list[str], resume_option: str | None = None, terminated: bool = False) -> None:
        super().__init__("; ".join(kept))
        self.kept = kept
        """What is kept, in words ("out.csv.parts/: 3 of 10 replications")."""
        self.resume_option = resume_option
        """The option that continues from it ("--resume"), or None."""
        self.terminated = terminated
        """Whether it was SIGTERM rather than Ctrl-C."""


def was_terminated(exc: BaseException) -> bool:
    """Whether an interrupt came from SIGTERM."""
    return isinstance(exc, Terminated) or bool(getattr(exc, "terminated", False))


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """For the duration, SIGTERM raises `Terminated` in the main thread (SIGINT already raises
    KeyboardInterrupt); elsewhere than the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
