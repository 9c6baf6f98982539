"""`safer run`, `safer report` and `safer docs` on the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape

from reporting.console.terminal import console, err_console

# ---- jobs, reports and docs ---------------------------------------------------------------------------------------

def print_job_checked(job: Path, plan: Sequence[Any]) -> None:
    """`safer run --check`: each step's own checks run (`reporting.jobs.runner.check_job`); every step valid, or the
    failing step's message and which step it was. Nothing is run or written either way."""
    import typer

    from reporting.jobs.runner import check_job

    checking: list[int] = []
    try:
        check_job(list(plan), lambda index, _step: checking.append(index))
    except typer.Exit as failed:
        if failed.exit_code and checking:
            step, name = plan[checking[-1] - 1], escape(plan[checking[-1] - 1].spec.name)
            err_console.print(f"[bold red]job not valid:[/] step {checking[-1]}/{len(plan)} ('{name}', safer "
                              f"{step.command.name}) would be refused (see above); nothing was run or written.",
                              highlight=False, soft_wrap=True)
        raise
    console.print(f"{job}: {len(plan)} steps, all valid ({', '.join(s.spec.name for s in plan)}); every step's own "
                  "checks passed.", highlight=False)


def print_step_heading(index: int, total: int, step: Any) -> None:
    """A rule before each step of a job."""
    console.rule(f"step {index}/{total}: {step.spec.name} (safer {step.command.name})")


def job_stopped_text(record: Any, plan: Sequence[Any], code: int) -> str:
    """Which step stopped the job and why, which steps finished and what they wrote (kept), what did not run.

    >>> from types import SimpleNamespace as S
    >>> plan = [S(spec=S(name="weighted")), S(spec=S(name="estimates")), S(spec=S(name="report"))]
    >>> record = S(steps=[S(name="weighted", written=["w.parquet", "w.parquet.meta.json"])])
    >>> for part in job_stopped_text(record, plan, 130).split("; "):
    ...     print(part)
    step 2/3 ('estimates') was interrupted
    finished before it: 'weighted' (kept: w.parquet, w.parquet.meta.json)
    not run: 'report'
    """
    done = len(record.steps)
    stopped = plan[done].spec.name if done < len(plan) else "?"
    how = "was interrupted" if code in (130, 143) else "failed (see above)"
    from reporting.console.terminal import described_first

    finished = "; ".join(f"'{s.name}' (kept: {', '.join(described_first(s.written)) or 'no files'})"
                         for s in record.steps) or "none"
    later = ", ".join(f"'{p.spec.name}'" for p in plan[done + 1:]) or "none"
    return f"step {done + 1}/{len(plan)} ('{stopped}') {how}; finished before it: {finished}; not run: {later}"


def print_job_stopped(record: Any, plan: Sequence[Any], code: int) -> None:
    """A step failed or was interrupted: the job stops there, and says what the finished steps kept."""
    err_console.print(f"[bold red]job stopped:[/] {escape(job_stopped_text(record, plan, code))}.", highlight=False,
                      soft_wrap=True)


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


def run_job_file(job: Path, workdir: Path, commands: Any, examples: Path, guarded: Any, check_only: bool = False,
                 trust_edited: bool = False) -> None:
    """`safer run` (and the job of `safer demo`) on the terminal: plan the job file (through the command line's
    `guarded`), then check every step (`--check`) or run the steps, a heading before each; a job that stops says
    which steps finished and what they kept. `trust_edited` lets every step read outputs edited since written."""
    import typer

    from reporting.jobs.files import plan_job_file
    from reporting.jobs.runner import JobRecord, run_job
    from safer_io.verification import trusting_edited

    spec, plan = guarded(lambda: plan_job_file(job, commands, workdir, examples))
    if check_only:
        print_job_checked(job, plan)
        return
    record = JobRecord(spec.job)
    try:
        with trusting_edited(trust_edited):
            run_job(spec, plan, lambda i, step: print_step_heading(i, len(plan), step), record)
    except typer.Exit as stop:
        if stop.exit_code:
            print_job_stopped(record, plan, stop.exit_code)
        raise
    print_job_run(record)
