"""How a long job tells the person waiting how far it has got, without knowing that there is a terminal.

A job (`survey.jobs`, `simulation.jobs`) takes a `Tracker`. It opens a spinner with a message (`status`) while a
step of unknown length runs, or a set of bars (`bars`) that fill as replications finish. The command line hands
in the console's tracker (`reporting.console.ConsoleTracker`); the job runner, a test or a notebook hands in
`SILENT`, which shows nothing. Jobs open one display at a time (a spinner, then bars), never one inside another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol


class Bar(Protocol):
    """One bar: how many of a known (or growing) number of things are done."""

    def advance(self, amount: int = 1) -> None:
        """Count `amount` more things done."""

    def resize(self, total: int) -> None:
        """The number of things to do has changed (more replications were asked for)."""


class Bars(Protocol):
    """A set of bars shown together under one label."""

    def add(self, description: str, total: int | None = None, visible: bool = True) -> Bar:
        """A new bar; `total` None while the number is not yet known."""


class Tracker(Protocol):
    """What a job may show while it works."""

    def status(self, message: str) -> AbstractContextManager[object]:
        """A spinner with `message` while the block runs."""

    def bars(self, label: str) -> AbstractContextManager[Bars]:
        """Bars under `label` while the block runs."""


class _SilentBar:
    def advance(self, amount: int = 1) -> None:
        """Nothing to show."""

    def resize(self, total: int) -> None:
        """Nothing to show."""


class _SilentBars:
    def add(self, description: str, total: int | None = None, visible: bool = True) -> Bar:
        return _SilentBar()


class SilentTracker:
    """Shows nothing: for jobs run where no one is watching a terminal."""

    def status(self, message: str) -> AbstractContextManager[object]:
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def bars(self, label: str) -> Iterator[Bars]:
        yield _SilentBars()


SILENT: Tracker = SilentTracker()
"""The tracker that shows nothing."""

SILENT_BARS: Bars = _SilentBars()
"""Bars that show nothing (for a display a job leaves off, e.g. the bootstrap bar when there is no bootstrap)."""
