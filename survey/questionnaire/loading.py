"""Loading questionnaires: the bundled YAML files by name, or any questionnaire file by path.

Validation errors name the file and the field, e.g. `indicators[NI17].threshold`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safer_io.inputs import load_yaml
from survey.errors import SurveyInputError
from survey.questionnaire.schema import Questionnaire


def bundled_questionnaire_dir() -> Path:
    """Where the bundled questionnaires live: inside the wheel, or `data/questionnaires` in a checkout."""
    package_dir = Path(__file__).resolve().parents[1]
    wheel_dir = package_dir / "_bundled" / "questionnaires"
    if wheel_dir.is_dir():
        return wheel_dir
    return package_dir.parent / "data" / "questionnaires"


def bundled_questionnaire_names() -> list[str]:
    """Names of the bundled questionnaires (file stems), sorted."""
    folder = bundled_questionnaire_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml"))


@dataclass(frozen=True)
class QuestionnaireSummary:
    """One line of `safer questionnaire list`."""

    name: str
    title: str
    path: Path
    n_items: int
    n_indicators: int


def list_questionnaires() -> list[QuestionnaireSummary]:
    """Load and summarise every bundled questionnaire (a broken bundled file raises SurveyInputError)."""
    out = []
    for name in bundled_questionnaire_names():
        q = load_questionnaire(name)
        out.append(
            QuestionnaireSummary(
                name=q.name,
                title=q.title,
                path=bundled_questionnaire_dir() / f"{name}.yaml",
                n_items=len(q.items),
                n_indicators=len(q.indicators),
            )
        )
    return out


def _field_path(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn a pydantic location into a readable path, naming list entries by their id when they have one."""
    text = ""
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            label: str = str(part)
            if isinstance(node, list) and 0 <= part < len(node):
                entry = node[part]
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    label = entry["id"]
                node = entry
            else:
                node = None
            text += f"[{label}]"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def _format_validation_error(exc: ValidationError, raw: Any) -> str:
    messages = []
    for err in exc.errors(include_url=False):
        # Pydantic appends the union/validator step to loc (e.g. 'int', 'function-after'); drop non-fields.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("-" in p or p in {"int", "str"})))
        msg = err["msg"].removeprefix("Value error, ")
        messages.append(
            msg if err["type"] == "value_error" and not loc else f"{_field_path(loc, raw)}: {msg}"
        )
    return "; ".join(messages)


def parse_questionnaire(raw: Any, *, source: str) -> Questionnaire:
    """Validate an already-parsed YAML mapping; errors name `source` (a file) and the field."""
    if not isinstance(raw, dict):
        raise SurveyInputError(
            f"questionnaire file {source}: expected a mapping with name, title, items and indicators at the "
            f"top level, found {type(raw).__name__}"
        )
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise SurveyInputError(
            f"questionnaire file {source} is invalid: {_format_validation_error(exc, raw)}"
        ) from None


def _looks_like_path(text: str) -> bool:
    return bool(re.search(r"[\\/]", text)) or text.lower().endswith((".yaml", ".yml"))


def questionnaire_path(name_or_path: str | Path) -> Path:
    """The YAML file a questionnaire name or path stands for (the bundled file for a bundled name)."""
    if isinstance(name_or_path, str) and not _looks_like_path(name_or_path):
        return bundled_questionnaire_dir() / f"{name_or_path}.yaml"
    return Path(name_or_path)


def load_questionnaire(name_or_path: str | Path) -> Questionnaire:
    """Load a bundled questionnaire by name ('bcs', 'place') or any questionnaire YAML file by path.

    A plain word is a bundled name; a Path, or text with a slash or a .yaml/.yml suffix, is a file.
    """
    by_name = isinstance(name_or_path, str) and not _looks_like_path(name_or_path)
    if by_name:
        names = bundled_questionnaire_names()
        if name_or_path not in names:
            raise SurveyInputError(
                f"unknown questionnaire '{name_or_path}'; bundled questionnaires are: "
                + (", ".join(names) if names else "(none found)")
                + "; or give the path to a questionnaire YAML file"
            )
        path = bundled_questionnaire_dir() / f"{name_or_path}.yaml"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise SurveyInputError(f"questionnaire file {path} does not exist (or is not a file)")
    raw = load_yaml(path, "questionnaire file", SurveyInputError)
    q = parse_questionnaire(raw, source=str(path))
    if by_name and q.name != name_or_path:
        raise SurveyInputError(f"questionnaire file {path}: field name is '{q.name}', expected '{path.stem}'")
    return q
