"""Finding a job file (a path, or a bundled job by name) and checking it whole before anything runs.

The command line hands in its commands (`commands.app_commands(app)`) and the bundled examples folder, so this
package knows neither the Typer app nor the survey package.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reporting.errors import ReportInputError
from reporting.jobs.commands import StepCommand
from reporting.jobs.runner import PlannedStep, plan_job
from reporting.jobs.spec import JobSpec, load_job


def job_path(name: str, bundled: Path) -> Path:
    """A job file given by path, or a job in `bundled` by name (`council`, `home-office`, `demo`)."""
    given = Path(name)
    if given.is_file() or given.suffix in (".yaml", ".yml"):
        return given
    found = bundled / f"{name}.yaml"
    if found.exists():
        return found
    names = ", ".join(sorted(p.stem for p in bundled.glob("*.yaml")))
    raise ReportInputError(f"{name}: no such job file, and no bundled job of that name (bundled: {names}).")


def plan_job_file(job: Path, commands: Mapping[str, StepCommand], workdir: Path,
                  examples: Path) -> tuple[JobSpec, list[PlannedStep]]:
    """The job file read and every step resolved (`{examples}` and `{job}` expanded); nothing runs."""
    spec = load_job(job)
    variables = {"examples": str(examples), "job": str(job.parent.resolve())}
    return spec, plan_job(spec, commands, source=str(job), workdir=workdir, variables=variables)
