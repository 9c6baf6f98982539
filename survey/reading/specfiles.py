"""Reading and validating YAML spec files (design, weighting) with errors that name the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from survey.errors import SurveyInputError


def read_yaml_mapping(path: str | Path, kind: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file; `kind` names the file in messages ("design file", ...)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SurveyInputError(f"{path}: {kind} does not exist.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SurveyInputError(f"{path}: {kind} is not valid YAML{where}: {problem}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyInputError(f"{path}: {kind} cannot be read: {exc}.") from None
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
