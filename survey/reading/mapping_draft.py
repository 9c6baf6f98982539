"""A starting mapping file drawn from a data file's column names, variable labels and value labels.

`safer questionnaire map` writes it for a person to check, never to be trusted blind: every binding carries a
comment saying how it was found. Items are bound by exact id or alias first (as every command would bind
them), then by the column whose variable label reads most like the item's wording and whose value labels
carry the item's response labels (a labelled column none of whose labels match is never proposed). Recodes
come from the value labels: a code labelled as the questionnaire labels code 3 is recoded to 3. A code whose
label matches none of the item's and which the file declares user-missing (SPSS) is listed as read-as-blank.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.schema import Item, Questionnaire
from survey.reading.files import SurveyFile
from survey.reading.labels import label_recode, normalise_label
from survey.reading.mapping import automatic_matches, code_key

WORDING_CUTOFF = 0.6
"""Least score for a column to be proposed: the similarity of its variable label to the item's wording (see
`_similarity`), averaged with the share of the item's response labels its value labels carry."""


@dataclass
class DraftEntry:
    """One item's proposed binding."""

    column: str | None
    """The proposed column (None: nothing found)."""
    how: str
    """How it was found, for the comment."""
    recode: dict[Any, int] = field(default_factory=dict)
    """Source code -> questionnaire code, where the labels say they differ."""
    missing: list[Any] = field(default_factory=list)
    """Declared user-missing codes whose labels match no questionnaire code: read as blank."""
    unknown: list[Any] = field(default_factory=list)
    """Other labelled codes matching nothing: for the person to decide."""


def _is_user_missing(code: Any, declared: list[Any]) -> bool:
    key = code_key(code)
    for value in declared:
        if isinstance(value, tuple):
            low, high = value
            if isinstance(key, int | float) and low <= key <= high:
                return True
        elif code_key(value) == key:
            return True
    return False


_STOP_WORDS = frozenset((
    "a", "an", "and", "are", "about", "as", "at", "by", "for", "from", "how", "in", "is", "it", "of", "on", "or",
    "that", "the", "this", "to", "with", "you", "your",
))


def _words(text: str) -> set[str]:
    return {w for w in normalise_label(text).split() if w not in _STOP_WORDS}


def _similarity(label: str, item: Item) -> float:
    """How alike a variable label and an item are: the larger of the difflib ratio of the texts and the share of
    the label's words that the item's wording (with its stem) uses."""
    ratio = max(difflib.SequenceMatcher(None, normalise_label(label), normalise_label(text)).ratio()
                for text in (item.wording, item.id.replace("_", " ")))
    words = _words(label)
    contained = len(words & _words(item.full_wording)) / len(words) if words else 0.0
    return max(ratio, contained)


def _label_overlap(labels: dict[Any, str], item: Item) -> float:
    """Share of the item's response labels that the column's value labels carry (0 to 1)."""
    wanted = {normalise_label(item.label_of(c)) for c in item.valid_codes}
    have = {normalise_label(label) for label in labels.values()}
    return len(wanted & have) / len(wanted) if wanted else 0.0


def draft_mapping(survey_file: SurveyFile, questionnaire: Questionnaire) -> dict[str, DraftEntry]:
    """Item id -> proposed entry, in questionnaire order."""
    columns = [str(c) for c in survey_file.data.columns]
    found, ambiguous = automatic_matches(columns, questionnaire)
    entries: dict[str, DraftEntry] = {}
    taken = {columns[pos] for pos, _ in found.values()}
    for item_id, (pos, how) in found.items():
        entries[item_id] = DraftEntry(columns[pos], how)
    candidates: list[tuple[float, str, str]] = []
    for item in questionnaire.items:
        if item.id in found:
            continue
        for column in columns:
            if column in taken:
                continue
            labels = survey_file.value_labels.get(column)
            text = survey_file.column_labels.get(column, column)
            score = _similarity(text, item)
            if item.type == "coded" and labels:
                overlap = _label_overlap(labels, item)
                if overlap == 0:
                    continue  # labelled as something else entirely (a count of cars is not an ASB strand)
                # Both must agree: the labels say what the codes mean, the wording which question it was.
                score = (score + overlap) / 2
            if score >= WORDING_CUTOFF:
                candidates.append((score, item.id, column))
    for score, item_id, column in sorted(candidates, reverse=True):
        if item_id in entries or column in taken:
            continue
        entries[item_id] = DraftEntry(column, f"variable and value labels match the item ({score:.0%} alike)")
        taken.add(column)
    for item in questionnaire.items:
        entry = entries.get(item.id)
        if entry is None:
            note = "several columns match: " + ", ".join(ambiguous[item.id]) if item.id in ambiguous else "not found"
            entries[item.id] = DraftEntry(None, note)
            continue
        labels = survey_file.value_labels.get(entry.column or "")
        if item.type != "coded" or not labels:
            continue
        recode, unknown = label_recode(labels, item)
        entry.recode = {k: v for k, v in recode.items() if k != v}
        declared = survey_file.user_missing.get(entry.column or "", [])
        entry.missing = [c for c in unknown if _is_user_missing(c, declared)]
        entry.unknown = [c for c in unknown if c not in entry.missing]
    return {item.id: entries[item.id] for item in questionnaire.items}


def _scalar(value: Any) -> str:
    """A YAML scalar: numbers bare, text double-quoted (JSON strings are valid YAML)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(str(value))


def mapping_yaml(entries: dict[str, DraftEntry], questionnaire: Questionnaire, data_name: str) -> str:
    """The draft as a commented mapping file (see `survey.reading.mapping` for the format)."""
    lines = [
        f"# Starting mapping of {data_name} to questionnaire '{questionnaire.survey_label}', written by",
        "# `safer questionnaire map`. CHECK EVERY LINE before use: each says how its column was found.",
        "# Use with: safer validate DATA -q " + questionnaire.name + " --mapping THIS_FILE",
        f"questionnaire: {questionnaire.name}",
        "items:",
    ]
    for item_id, entry in entries.items():
        if entry.column is None:
            lines.append(f"  # {item_id}: COLUMN    # {entry.how}")
            continue
        comment = f"# {entry.how}"
        if entry.unknown:
            comment += f"; labelled codes matching no questionnaire code: {', '.join(map(str, entry.unknown))}"
        if not entry.recode and not entry.missing:
            lines.append(f"  {item_id}: {_scalar(entry.column)}    {comment}")
            continue
        lines.append(f"  {item_id}:    {comment}")
        lines.append(f"    column: {_scalar(entry.column)}")
        if entry.recode:
            pairs = ", ".join(f"{_scalar(k)}: {v}" for k, v in entry.recode.items())
            lines.append(f"    recode: {{{pairs}}}    # from the value labels")
        if entry.missing:
            codes = ", ".join(_scalar(c) for c in entry.missing)
            lines.append(f"    missing: [{codes}]    # declared user-missing, labels match no code: read as blank")
    return "\n".join(lines) + "\n"
