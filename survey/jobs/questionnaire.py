"""The jobs behind `safer questionnaire show` and `safer questionnaire map`.

`show` loads one questionnaire and spells out each indicator's rule; `map` drafts a mapping file (item -> column,
recodes from the value labels) from a data file's names and labels, for a person to check before use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safer_io.outputs import atomic_path, check_outputs, table_format, write_sidecar
from safer_io.provenance import provenance
from survey.errors import SurveyInputError
from survey.questionnaire.schema import Questionnaire


def show_questionnaire(name: str | None, questionnaire: str | None) -> tuple[Questionnaire, list[str]]:
    """The questionnaire named once (as NAME or `-q NAME`), and each indicator's rule in words."""
    from survey.questionnaire.loading import load_questionnaire
    from survey.questionnaire.schema import describe_indicator

    chosen = questionnaire or name
    if chosen is None or (questionnaire and name and questionnaire != name):
        raise SurveyInputError("give one questionnaire: NAME or -q NAME.")
    q = load_questionnaire(chosen)
    return q, [describe_indicator(q, ind) for ind in q.indicators]


@dataclass(frozen=True)
class DraftedMapping:
    """What `questionnaire map` wrote."""

    out: Path
    """The mapping YAML."""
    entries: dict[str, Any]
    """Item -> its drafted entry (column, recode, missing codes)."""


def draft_mapping_file(data: Path, questionnaire: str, out: Path) -> DraftedMapping:
    """Draft the mapping of `questionnaire`'s items to `data`'s columns and write it (with a sidecar) to `out`."""
    from survey.questionnaire.loading import load_questionnaire, questionnaire_path
    from survey.reading.files import read_survey_file
    from survey.reading.mapping_draft import draft_mapping, mapping_yaml

    table_format(out, (".yaml", ".yml"))
    check_outputs([out], [data])
    q = load_questionnaire(questionnaire)
    entries = draft_mapping(read_survey_file(data), q)
    with atomic_path(out) as tmp:
        tmp.write_text(mapping_yaml(entries, q, data.name), encoding="utf-8")
    inputs = [data, questionnaire_path(questionnaire)]
    write_sidecar(out, provenance("questionnaire map", {"questionnaire": questionnaire}, inputs))
    return DraftedMapping(out, entries)
