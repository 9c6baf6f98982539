"""Reading YAML spec files (design, weighting, questionnaire) with errors that name the file and place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
