"""The terminal itself: stdout and stderr consoles, progress drawn with rich, and the lines every command shares
(how questionnaire items were bound, notes an output records)."""


from __future__ import annotations

import contextlib
import re
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
    from reporting.numbers import scale

    return "" if value != value else f"{scale(indicator) * value:.1f}"


# ---- interrupts ---------------------------------------------------------------------------------------------------

def interrupted_lines(exc: BaseException, written: list[Any], command: list[str], in_job: bool) -> list[str]:
    """What an interrupted command says: how it was stopped, what it kept (finished outputs, finished work a rerun
    can continue from) and, for such work, the command that continues it. Temporaries are gone by now.

    >>> from safer_io.interrupts import Interrupted
    >>> interrupted_lines(Interrupted(["o.csv.parts/: 2 of 4 replications finished"], "--resume"), [],
    ...                   ["safer", "simulate", "run", "--out", "o.csv"], False)[-1]
    'continue with: safer simulate run --out o.csv --resume'
    """
    import shlex

    from safer_io.interrupts import was_terminated

    lines = ["terminated (SIGTERM)" if was_terminated(exc) else "interrupted (Ctrl-C)"]
    kept = [str(k) for k in getattr(exc, "kept", [])]
    outputs = [] if in_job else described_first([str(p) for p in dict.fromkeys(written)])  # a job lists its own
    if outputs:
        lines.append("kept, written whole before the interrupt: " + ", ".join(outputs))
    if kept:
        lines.append("kept: " + "; ".join(kept))
    if not outputs and not kept:
        lines.append("nothing was written; temporary files were removed")
    option = getattr(exc, "resume_option", None)
    if option and kept:
        if in_job:
            lines.append(f"continue it by running the job again with `{option.lstrip('-')}: true` in this step")
        else:
            again = [*command, option] if option not in command else list(command)
            lines.append(f"continue with: {shlex.join(again)}")
    return lines


def described_first(paths: list[str]) -> list[str]:
    """Paths in order, each file before its `.meta.json` sidecar.

    >>> described_first(["a.csv.meta.json", "a.csv", "b.csv"])
    ['a.csv', 'a.csv.meta.json', 'b.csv']
    """
    order = {p: i for i, p in enumerate(paths)}
    return sorted(paths, key=lambda p: (order.get(p.removesuffix(".meta.json"), order[p]), p.endswith(".meta.json")))


@contextlib.contextmanager
def interrupts_reported() -> Iterator[None]:
    """Run a command so that Ctrl-C and SIGTERM end it cleanly: SIGTERM raised as an interrupt (every `finally`
    runs, so temporaries go), the outputs it finished recorded, and on an interrupt what was kept printed and the
    command ended with exit code 130 (Ctrl-C) or 143 (SIGTERM)."""
    import typer

    from safer_io.interrupts import signals_as_interrupts
    from safer_io.outputs import recording_outputs

    with signals_as_interrupts(), recording_outputs() as written:
        try:
            yield
        except KeyboardInterrupt as exc:
            raise typer.Exit(code=print_interrupted(exc, written)) from None


def print_interrupted(exc: BaseException, written: list[Any]) -> int:
    """`interrupted_lines` of this command line on stderr, the first in bold; the exit code (130 for Ctrl-C, 143
    for SIGTERM, as a shell reports a process ended by the signal)."""
    import sys

    from safer_io.interrupts import was_terminated
    from safer_io.memory import active

    first, *rest = interrupted_lines(exc, written, ["safer", *sys.argv[1:]], active() is not None)
    err_console.print(f"[bold yellow]{escape(first)}:[/] " + escape("; ".join(rest)) + ".", highlight=False,
                      soft_wrap=True)
    return 143 if was_terminated(exc) else 130


_NUMPY_SCALAR = re.compile(r"np\.(?:float|int|uint|complex|longdouble|bool)\w*\(([^()]*)\)"
                           r"|np\.str_\(('[^']*'|\"[^\"]*\")\)")


def plain_numbers(text: str) -> str:
    """A message with numbers as numbers: numpy 2 writes a scalar's repr as `np.float64(nan)`, which a message
    built with `{value!r}` shows the user; here it reads `nan`.

    >>> plain_numbers("data row 4 (value np.float64(nan)); 2 of np.int64(3); np.str_('E01'); np.True_")
    "data row 4 (value nan); 2 of 3; 'E01'; True"
    """
    text = _NUMPY_SCALAR.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    return text.replace("np.True_", "True").replace("np.False_", "False")
