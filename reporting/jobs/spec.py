"""The job file of `safer run`: a named list of steps, each a `safer` command with its options.

```yaml
job: Council NI report
steps:
  - name: weighted
    command: weight
    options: {data: "{examples}/place.parquet", controls: "{examples}/place_controls.csv", by: [la], ...}
  - name: estimates
    command: estimate
    options: {data: "@weighted", questionnaire: place, indicator: [NI17, NI21], by: [la], out: estimates.csv}
  - name: report
    command: report
    options: {results: ["@estimates"], out: report.html}
```

Options are the command's own, named as on the command line without dashes (`cohort-file` or `cohort_file`).
`@name` stands for the output (`out`) of the earlier step `name`, `@name.option` for another of its options (e.g.
`@synth.controls`). `{examples}` is the folder of bundled examples and `{job}` the job file's folder; relative paths
are taken from the working folder. The whole file is checked before any step runs (`reporting.jobs.runner`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reporting.errors import ReportInputError

STEP_NAME = r"^[A-Za-z][A-Za-z0-9_-]*$"


class StepSpec(BaseModel):
    """One step: a command and its options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=STEP_NAME)
    """How later steps refer to this one (`@name`)."""
    command: str = Field(min_length=1)
    """A `safer` command as typed: "estimate", "simulate run", "report", ..."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The command's options, by name (dashes or underscores)."""
    description: str | None = None
    """What the step is for (printed when it runs)."""


class JobSpec(BaseModel):
    """A whole job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job: str = Field(min_length=1)
    """Title of the job."""
    description: str | None = None
    """What it does and for whom."""
    steps: list[StepSpec] = Field(min_length=1)
    """Run in order; a step may use any earlier step's outputs."""

    @field_validator("steps")
    @classmethod
    def _unique_names(cls, steps: list[StepSpec]) -> list[StepSpec]:
        seen: set[str] = set()
        for step in steps:
            if step.name in seen:
                raise ValueError(f"two steps are named '{step.name}'; step names must be unique")
            seen.add(step.name)
        return steps


def describe_validation_error(source: str, exc: ValidationError) -> str:
    """A pydantic error as one paragraph naming the file and each field."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        parts.append(f"{where}: {error['msg']}")
    return f"{source}: " + "; ".join(parts)


def load_job(path: Path) -> JobSpec:
    """Read and check a job file; errors name the file and the field."""
    from safer_io.inputs import load_yaml

    payload = load_yaml(path, "job file", ReportInputError)
    if not isinstance(payload, dict):
        raise ReportInputError(f"{path}: a job file is a mapping with 'job' and 'steps'.")
    try:
        return JobSpec.model_validate(payload)
    except ValidationError as exc:
        raise ReportInputError(describe_validation_error(str(path), exc)) from None
