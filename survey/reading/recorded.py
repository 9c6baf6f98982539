"""Which survey a file says it holds: the questionnaire recorded in its metadata, checked against the one given.

A file written by `safer weight -q place` records the questionnaire (id and version) it was weighted with; a file
drawn by `safer synth place` records the survey it imitates. Estimating such a file with another questionnaire
binds its columns to the wrong items (a Place Survey file read as the BCS gives NI 17 labelled as PSA 23
indicator 4), so it is refused, naming both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safer_io.inputs import load_json, read_embedded_metadata
from safer_io.sidecars import sidecar_path
from survey.errors import SurveyInputError
from survey.questionnaire.schema import Questionnaire


@dataclass(frozen=True)
class RecordedQuestionnaire:
    """The questionnaire a file's metadata names."""

    name: str
    """Questionnaire id (bcs, place, ...)."""
    version: str | None
    """Its version, when recorded."""
    found_in: str
    """Where it was read, for messages."""

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


def _metadata(path: Path) -> tuple[dict[str, Any], str] | None:
    sidecar = sidecar_path(path)
    if sidecar.exists():
        meta = load_json(sidecar, "metadata file", SurveyInputError)
        if isinstance(meta, dict):
            return meta, sidecar.name
    embedded = read_embedded_metadata(path, SurveyInputError)
    return (embedded, "the metadata embedded in the file") if embedded is not None else None


def questionnaire_of_metadata(meta: dict[str, Any]) -> dict[str, Any] | None:
    """{name, version} of the questionnaire a metadata document records, or None.

    >>> questionnaire_of_metadata({"command": "synth place"})
    {'name': 'place', 'version': None}
    """
    weighting = meta.get("weighting")
    if isinstance(weighting, dict) and isinstance(weighting.get("questionnaire"), dict):
        return weighting["questionnaire"]
    q = meta.get("questionnaire")
    if isinstance(q, dict) and isinstance(q.get("name"), str):
        return {"name": q["name"], "version": q.get("version")}
    command = meta.get("command")
    if isinstance(command, str) and command.startswith("synth ") and len(command.split()) == 2:
        return {"name": command.split()[1], "version": None}
    return None


def recorded_questionnaire(path: Path) -> RecordedQuestionnaire | None:
    """The questionnaire `path`'s metadata (sidecar, else embedded) records, or None."""
    found = _metadata(Path(path))
    if found is None:
        return None
    q = questionnaire_of_metadata(found[0])
    if q is None or not isinstance(q.get("name"), str):
        return None
    version = q.get("version")
    return RecordedQuestionnaire(q["name"], str(version) if version is not None else None, found[1])


def check_questionnaire(path: Path, questionnaire: Questionnaire) -> None:
    """Refuse `questionnaire` for a file whose metadata records another (name, or version when both are known)."""
    recorded = recorded_questionnaire(path)
    if recorded is None:
        return
    differs = recorded.name != questionnaire.name or (
        recorded.version is not None and questionnaire.version is not None
        and recorded.version != questionnaire.version)
    if differs:
        raise SurveyInputError(
            f"{path} holds the '{recorded.label}' survey ({recorded.found_in}), but --questionnaire "
            f"'{questionnaire.survey_label}' was given: its items would be read as another survey's and its "
            f"indicators labelled wrongly. Give --questionnaire {recorded.name}."
        )
