"""Running a job: check every step first, then run them in one process, later steps reading earlier ones from memory.

`plan_job` resolves each step before anything runs: the command exists, its options validate against the
command's own signature (types, bounds, required options, no unknown names), `@name` references point to an
earlier step's option that is set, `{examples}` and `{job}` are expanded, relative paths are taken from the
working folder, and no two steps write the same file. `run_job` then calls each command's function in turn under
a `JobMemory`, so a table written by one step reaches the next without being read back from disk (the files are
still written), and start-up is paid once.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reporting.errors import ReportInputError
from reporting.jobs.commands import StepCommand
from reporting.jobs.spec import JobSpec, StepSpec
from safer_io.checking import CheckedOnly, checking_only
from safer_io.memory import job_memory
from safer_io.outputs import recording_outputs

REFERENCE = re.compile(r"^@([A-Za-z][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?$")
VARIABLE = re.compile(r"\{(examples|job)\}")
OUTPUT_OPTIONS = ("out", "report", "truth", "controls", "detail", "figures")
"""Options that name files a step writes (checked for clashes between steps)."""


@dataclass(frozen=True)
class PlannedStep:
    """A step ready to run."""

    spec: StepSpec
    """As written in the job file."""
    command: StepCommand
    """The command it runs."""
    arguments: dict[str, Any]
    """Every parameter of the command's function, resolved."""


@dataclass
class StepTiming:
    """How long a step took."""

    name: str
    """Step name."""
    command: str
    """Command run."""
    seconds: float
    """Wall-clock time."""
    written: list[str] = field(default_factory=list)
    """The outputs it wrote."""


@dataclass
class JobRecord:
    """What a run did."""

    job: str
    """Job title."""
    steps: list[StepTiming] = field(default_factory=list)
    """Each step, in order."""
    memory_hits: int = 0
    """Reads of earlier steps' outputs served from memory instead of the disk."""


def _where(source: str, index: int, step: StepSpec) -> str:
    return f"{source}, step {index} ('{step.name}', {step.command})"


def _aliases(command: StepCommand) -> dict[str, str]:
    names: dict[str, str] = {}
    for name, info in command.options.model_fields.items():
        choices = getattr(info.validation_alias, "choices", None) or [name]
        for alias in choices:
            names[str(alias)] = name
    return names


def _expand(value: Any, variables: dict[str, str], done: dict[str, dict[str, Any]], where: str) -> Any:
    if isinstance(value, list):
        return [_expand(v, variables, done, where) for v in value]
    if not isinstance(value, str):
        return value
    match = REFERENCE.match(value)
    if match:
        step, option = match.group(1), match.group(2) or "out"
        if step not in done:
            raise ReportInputError(f"{where}: '{value}' refers to no earlier step (steps so far: "
                                   f"{', '.join(done) or 'none'}).")
        referred = done[step].get(option.replace("-", "_"))
        if referred is None or referred == []:
            raise ReportInputError(f"{where}: '{value}': step '{step}' has no '{option}' set.")
        return referred
    return VARIABLE.sub(lambda m: variables[m.group(1)], value)


def _resolve_path(value: Any, workdir: Path) -> Any:
    if isinstance(value, list):
        return [_resolve_path(v, workdir) for v in value]
    if isinstance(value, Path) and not value.is_absolute():
        return workdir / value
    return value


def plan_step(step: StepSpec, command: StepCommand, where: str, variables: dict[str, str],
              done: dict[str, dict[str, Any]], workdir: Path) -> dict[str, Any]:
    """Validate one step's options and resolve references, variables and paths."""
    aliases = _aliases(command)
    raw: dict[str, Any] = {}
    for key, value in step.options.items():
        name = aliases.get(str(key))
        if name is None:
            known = ", ".join(sorted(k for k in command.options.model_fields))
            raise ReportInputError(f"{where}: '{key}' is not an option of safer {command.name} (its options: {known}).")
        value = _expand(value, variables, done, where)
        if name in command.list_options and not isinstance(value, list):
            value = [value]
        raw[name] = value
    try:
        validated = command.options.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"option {'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg']}" for e in exc.errors())
        raise ReportInputError(f"{where}: {problems}.") from None
    arguments = {name: getattr(validated, name) for name in command.options.model_fields}
    for name in command.path_options:
        arguments[name] = _resolve_path(arguments[name], workdir)
    return arguments


def plan_job(job: JobSpec, commands: Mapping[str, StepCommand], *, source: str, workdir: Path,
             variables: dict[str, str]) -> list[PlannedStep]:
    """Check the whole job and resolve every step; nothing runs and nothing is written."""
    workdir = workdir.absolute()  # references carry resolved paths: they must not be joined to it twice
    done: dict[str, dict[str, Any]] = {}
    planned: list[PlannedStep] = []
    written: dict[Path, str] = {}
    for index, step in enumerate(job.steps, start=1):
        where = _where(source, index, step)
        command = commands.get(" ".join(step.command.split()))
        if command is None:
            raise ReportInputError(f"{where}: '{step.command}' is not a command that a job can run (commands: "
                                   f"{', '.join(sorted(commands))}).")
        arguments = plan_step(step, command, where, variables, done, workdir)
        for option in OUTPUT_OPTIONS:
            target = arguments.get(option)
            if isinstance(target, Path) and option in command.path_options:
                key = target.resolve()
                if key in written:
                    raise ReportInputError(f"{where}: writes {target}, which step '{written[key]}' writes too.")
                written[key] = step.name
        done[step.name] = arguments
        planned.append(PlannedStep(step, command, arguments))
    return planned


def run_job(job: JobSpec, plan: list[PlannedStep], on_step: Callable[[int, PlannedStep], None] | None = None,
            record: JobRecord | None = None) -> JobRecord:
    """Run the planned steps in this process, sharing outputs in memory; a failing or interrupted step stops the
    job. `record` (made here when not given) holds each finished step and what it wrote as the job goes, so a
    caller can say which steps finished when one stops."""
    record = record if record is not None else JobRecord(job.job)
    with job_memory() as memory, recording_outputs() as written:
        for index, step in enumerate(plan, start=1):
            if on_step is not None:
                on_step(index, step)
            started, before = time.perf_counter(), len(written)
            step.command.function(**step.arguments)
            record.steps.append(StepTiming(step.spec.name, step.command.name, time.perf_counter() - started,
                                           [str(p) for p in written[before:]]))
        record.memory_hits = memory.hits
    return record


def check_job(plan: list[PlannedStep], on_step: Callable[[int, PlannedStep], None] | None = None) -> None:
    """`safer run --check`: run every step's own checks (`safer_io.checking`) and nothing else.

    Each step's command runs in checking mode and stops where its work would begin; an option it would refuse
    (an unknown indicator, a level of 5, a cohort too big for memory) stops the check there, through the command's
    own error, before anything is written. `on_step(index, step)` is told which step is checked.
    """
    with checking_only(), job_memory():
        for index, step in enumerate(plan, start=1):
            if on_step is not None:
                on_step(index, step)
            with contextlib.suppress(CheckedOnly):
                step.command.function(**step.arguments)
