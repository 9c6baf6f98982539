"""The terminal itself: stdout and stderr consoles, progress drawn with rich, and the lines every command shares
(how questionnaire items were bound, notes an output records)."""


from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape

from safer_io.progress import Bar, Bars

console = Console()
"""Standard output: tables and what was written."""
err_console = Console(stderr=True)
"""Standard error: errors, warnings and progress."""


# ---- progress -----------------------------------------------------------------------------------------------------

class _RichBar:
    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task, amount)

    def resize(self, total: int) -> None:
        self.progress.update(self.task, total=total)


class _RichBars:
    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def add(self, description: str, total: int | None = None, visible: bool = True) -> Bar:
        return _RichBar(self.progress, self.progress.add_task(description, total=total, visible=visible))


class ConsoleTracker:
    """A `safer_io.progress.Tracker` drawn with rich: a spinner, or bars that vanish when done (`transient`)."""

    def __init__(self, on: Console, columns: str, transient: bool) -> None:
        self.on, self.columns, self.transient = on, columns, transient

    def status(self, message: str) -> Any:
        return self.on.status(message)

    @contextlib.contextmanager
    def bars(self, label: str) -> Iterator[Bars]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        heading = TextColumn(f"[bold]{label}[/]")
        columns = {"timed": (heading, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                             TimeRemainingColumn()),
                   "counted": (heading, BarColumn(), MofNCompleteColumn()),
                   "described": (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn())}[self.columns]
        with Progress(*columns, console=self.on, transient=self.transient) as progress:
            yield _RichBars(progress)


SIMULATION_PROGRESS = ConsoleTracker(err_console, "timed", transient=True)
"""Simulations: elapsed time and ETA on stderr, gone when done."""
BOOTSTRAP_PROGRESS = ConsoleTracker(err_console, "counted", transient=True)
"""The small-area bootstrap: replicates counted on stderr."""
CHECK_PROGRESS = ConsoleTracker(console, "described", transient=False)
"""Self-checks and the demo: on stdout, kept as a record of the run."""


# ---- shared -------------------------------------------------------------------------------------------------------

def print_bindings(record: dict[str, Any]) -> None:
    """How each questionnaire item was bound to a column: exact ids on one line, every other binding listed."""
    from rich.table import Table

    for warning in record.get("warnings") or []:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    mapping = record.get("mapping")
    if not mapping:
        return
    items = mapping["items"]
    exact = [item for item, b in items.items() if b["found_by"] == "exact id" and not b.get("recode")
             and not b.get("missing")]
    others = {item: b for item, b in items.items() if item not in exact}
    if others:
        table = Table(title=f"Questionnaire items bound to columns ({len(others)} not by exact id)")
        for column in ("item", "column", "found by", "recode / missing"):
            table.add_column(column, overflow="fold")
        for item, b in others.items():
            changes = ", ".join(f"{k}->{v}" for k, v in (b.get("recode") or {}).items())
            if b.get("missing"):
                changes += ("; " if changes else "") + "blank: " + ", ".join(str(c) for c in b["missing"])
            table.add_row(escape(item), escape(b["column"]), b["found_by"], escape(changes))
        console.print(table)
    if exact:
        console.print(f"items bound by exact id ({len(exact)}): {escape(', '.join(exact))}", highlight=False)
    if mapping.get("not_found"):
        console.print(f"items with no column: {escape(', '.join(mapping['not_found']))}", highlight=False)
    labels = record.get("label_check") or {}
    unmatched = sum(len(v) for v in (labels.get("unmatched_scales") or {}).values())
    if (labels.get("conflicts") or unmatched) and labels.get("conflicts_ignored"):
        err_console.print(f"[bold yellow]warning:[/] {len(labels.get('conflicts') or [])} value label(s) contradict "
                          f"the questionnaire and {unmatched} of an indicator's scale match none of its labels; "
                          "--ignore-labels was given, and the output records it.", highlight=False)


def print_notes(notes: list[str]) -> None:
    """Notes an output records (respondents in no domain, ...), on the terminal too."""
    for note in notes:
        console.print(f"note: {escape(note)}", highlight=False)


def _percent(value: float, indicator: str = "") -> str:
    """A proportion in per cent; a mean, total, ratio or quantile as it is."""
    from reporting.labels import scale

    return "" if value != value else f"{scale(indicator) * value:.1f}"
