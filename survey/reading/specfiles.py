"""Reading and validating YAML spec files (design, weighting) with errors that name the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from safer_io.inputs import load_yaml
from survey.errors import SurveyInputError


def read_yaml_mapping(path: str | Path, kind: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file; `kind` names the file in messages ("design file", ...).

    Every way the file can be unreadable (missing, not UTF-8, not YAML, nested without end, not a mapping)
    raises `SurveyInputError` naming the file.
    """
    raw = load_yaml(path, kind, SurveyInputError)
    if not isinstance(raw, dict):
        raise SurveyInputError(f"{path}: {kind} must be a mapping of field: value.")
    return raw


SpecT = TypeVar("SpecT", bound=BaseModel)


def validate_spec(model: type[SpecT], raw: dict[str, Any], source: str) -> SpecT:
    """Validate `raw` against a pydantic spec model; the error names the source and every bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"field '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}" for err in exc.errors())
        raise SurveyInputError(f"{source}: {problems}.") from None
