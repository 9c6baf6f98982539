"""From a data file on disk to the canonical frame every later stage works on, with a record of how.

`prepare_survey_file` reads the file, binds the questionnaire's items to its columns (`mapping.py`), compares
the file's value labels with the questionnaire (`labels.py`) and applies the mapping. What it did -- the
questionnaire (id, version, SHA-256 of its file), the binding of every item and how it was found, the label
check and whether its conflicts were overridden -- is in `PreparedData.record()`, which every output stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import SurveyInputError
from survey.questionnaire.loading import load_questionnaire, questionnaire_path
from survey.questionnaire.schema import Questionnaire
from survey.reading.files import SurveyFile, read_survey_file
from survey.reading.labels import LabelCheck, check_labels
from survey.reading.mapping import (
    ColumnMapping,
    MappingSpec,
    apply_mapping,
    code_key,
    load_mapping,
    mapped_value_labels,
    parse_map_options,
    resolve_mapping,
)
from survey.reading.recorded import check_questionnaire


@dataclass(frozen=True)
class MappingOptions:
    """How the command line says which column feeds which item."""

    map_items: tuple[str, ...] = ()
    """`--map ITEM=COLUMN` options."""
    mapping_file: Path | None = None
    """`--mapping FILE.yaml`."""
    ignore_labels: bool = False
    """`--ignore-labels`: go on when the file's value labels contradict the questionnaire (recorded)."""


@dataclass
class PreparedData:
    """A survey file read and mapped: `data` has each bound item under its id, in questionnaire codes."""

    file: SurveyFile
    """The file as read (source column names and codes)."""
    data: pd.DataFrame
    """The canonical frame."""
    value_labels: dict[str, dict[Any, str]]
    """Value labels keyed by canonical column and code."""
    questionnaire: Questionnaire | None = None
    """The questionnaire, when one was given."""
    questionnaire_file: Path | None = None
    """Its YAML file (bundled or the user's), hashed into every output's provenance."""
    mapping: ColumnMapping | None = None
    """The binding of every item; None without a questionnaire."""
    labels: LabelCheck | None = None
    """The value-label check; None without a questionnaire."""
    options: MappingOptions = field(default_factory=MappingOptions)
    """The options the mapping came from."""

    @property
    def user_missing(self) -> dict[str, list[Any]]:
        """The file's declared user-missing values (SPSS) by canonical column: an item's under its id, in
        questionnaire codes after the mapping's recodes; other columns under their own names."""
        declared = self.file.user_missing
        by_column = {b.column: b for b in self.mapping.bindings.values()} if self.mapping is not None else {}
        out: dict[str, list[Any]] = {}
        for column, values in declared.items():
            binding = by_column.get(column)
            if binding is None:
                out[column] = list(values)
                continue
            recode = {code_key(k): v for k, v in binding.recode.items()}
            out[binding.item] = [v if isinstance(v, tuple) else recode.get(code_key(v), v) for v in values]
        return out

    @property
    def input_files(self) -> list[Path]:
        """Every file read besides the data: questionnaire and mapping file, for provenance."""
        return [p for p in (self.questionnaire_file, self.options.mapping_file) if p is not None]

    def record(self) -> dict[str, Any]:
        """JSON-ready: questionnaire id and version, resolved mapping and label check (with the override)."""
        if self.questionnaire is None or self.mapping is None or self.labels is None:
            return {}
        return {
            "questionnaire": {"name": self.questionnaire.name, "version": self.questionnaire.version,
                              "survey": self.questionnaire.survey_label, "file": str(self.questionnaire_file)},
            "mapping": self.mapping.record() | {
                "map_options": list(self.options.map_items),
                "mapping_file": str(self.options.mapping_file) if self.options.mapping_file else None,
            },
            "label_check": self.labels.record(ignored=self.options.ignore_labels),
        }


def label_conflict_message(path: Path, labels: LabelCheck) -> str:
    """The refusal when value labels contradict the questionnaire (or cannot be matched to an indicator's
    scale), with what to do."""
    parts = []
    if labels.conflicts:
        shown = "; ".join(str(c) for c in labels.conflicts[:4])
        more = f" (and {len(labels.conflicts) - 4} more)" if len(labels.conflicts) > 4 else ""
        parts.append(f"the file's value labels contradict the questionnaire: {shown}{more}")
    if labels.unmatched_scales:
        shown = "; ".join(f"column '{c}': {', '.join(v[:5])}" for c, v in list(labels.unmatched_scales.items())[:3])
        parts.append(f"labels of an indicator's item match no questionnaire label by text or meaning, so which way "
                     f"its codes run cannot be checked: {shown}")
    return (
        f"{path}: {'; and '.join(parts)}. Recode the column(s) in a mapping file (--mapping, see `safer "
        "questionnaire map`), or give --ignore-labels if the labels are wrong and the codes right (recorded in the "
        "output)."
    )


def prepare_survey_file(
    path: Path,
    questionnaire: str | Path | None,
    options: MappingOptions | None = None,
    *,
    strict: bool = True,
) -> PreparedData:
    """Read `path`, bind and recode its items, and check its labels.

    With `strict` (every command but `safer validate`), shape problems of the file and label conflicts (unless
    `ignore_labels`) raise `SurveyInputError`; otherwise they are left for the caller to list.
    """
    options = options or MappingOptions()
    survey_file = read_survey_file(path)
    if strict:
        survey_file.require_sound()
    if questionnaire is None:
        if options.map_items or options.mapping_file is not None:
            raise SurveyInputError("--map and --mapping bind columns to questionnaire items: give --questionnaire "
                                   "NAME too.")
        return PreparedData(survey_file, survey_file.data, dict(survey_file.value_labels), options=options)
    q = load_questionnaire(questionnaire)
    if strict:
        check_questionnaire(path, q)
    spec = load_mapping(options.mapping_file) if options.mapping_file is not None else None
    mapping = resolve_for(survey_file, q, options.map_items, spec)
    labels = check_labels(survey_file.value_labels, mapping, q)
    if strict and labels.refused and not options.ignore_labels:
        raise SurveyInputError(label_conflict_message(path, labels))
    data = apply_mapping(survey_file.data, mapping, source=str(path))
    return PreparedData(
        file=survey_file, data=data, value_labels=mapped_value_labels(survey_file.value_labels, mapping),
        questionnaire=q, questionnaire_file=questionnaire_path(questionnaire), mapping=mapping, labels=labels,
        options=options,
    )


def resolve_for(
    survey_file: SurveyFile, q: Questionnaire, map_items: Sequence[str], spec: MappingSpec | None
) -> ColumnMapping:
    """The mapping of one file (see `survey.reading.mapping.resolve_mapping`)."""
    return resolve_mapping([str(c) for c in survey_file.data.columns], q, explicit=parse_map_options(map_items),
                           spec=spec, source=str(survey_file.path))
