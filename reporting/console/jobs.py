"""`safer run`, `safer report` and `safer docs` on the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape

from reporting.console.terminal import console, err_console

# ---- jobs, reports and docs ---------------------------------------------------------------------------------------

def print_job_checked(job: Path, plan: Sequence[Any]) -> None:
    """`safer run --check`: every step valid."""
    console.print(f"{job}: {len(plan)} steps, all valid ({', '.join(s.spec.name for s in plan)}).", highlight=False)


def print_step_heading(index: int, total: int, step: Any) -> None:
    """A rule before each step of a job."""
    console.rule(f"step {index}/{total}: {step.spec.name} (safer {step.command.name})")


def print_job_stopped() -> None:
    """A step failed: the job stops there."""
    err_console.print("[bold red]job stopped:[/] a step failed (see above); later steps were not run.",
                      highlight=False)


def print_job_run(record: Any) -> None:
    """Each step's time, and how many reads came from memory."""
    from rich.table import Table

    shown = Table(title=f"{record.job}: {len(record.steps)} steps in one process")
    for column in ("step", "command", "seconds"):
        shown.add_column(column, justify="right" if column == "seconds" else "left")
    for timing in record.steps:
        shown.add_row(timing.name, timing.command, f"{timing.seconds:.2f}")
    console.print(shown)
    console.print(f"{record.memory_hits} reads of earlier steps' outputs came from memory.", highlight=False)


def print_report(meta: dict[str, Any], out: Path, figures: Path | None) -> None:
    """The report written: sections, charts, figure files."""
    extra = f"; {len(meta.get('figure_files', []))} figure files in {figures}" if figures else ""
    console.print(f"wrote {out}: {len(meta['sections'])} sections, {len(meta['figures'])} charts{extra}",
                  highlight=False)


def print_docs(pages: dict[str, str]) -> None:
    """The documentation pages, each with its title."""
    for name, title in pages.items():
        console.print(f"[bold]{escape(name)}[/]  {escape(title)}", highlight=False)
    console.print("show one with: safer docs PAGE", highlight=False)


def print_doc(text: str) -> None:
    """One documentation page, rendered."""
    from rich.markdown import Markdown

    console.print(Markdown(text))
