"""Value labels checked against the questionnaire: a scale coded the other way round is an error, not a figure.

An SPSS or Stata file says what each code means. When a column's label for a code reads (after
normalising: case, punctuation and spacing ignored) as the questionnaire's label of a *different* code of the
same item, the file and the questionnaire disagree about what the code means: a reversed scale
(1 = "Not a problem at all"), a shifted one (0 = "Very big problem") or a recode that went wrong. Estimating
anyway would turn "not a problem" into "a very big problem" without a word, so it is refused unless
`--ignore-labels` is given (and that is recorded).

Wordings differ between files and survey years, so a label that matches no questionnaire label word for word
is compared by meaning (`survey.reading.scale_labels`): agree/disagree, problem/no problem and
satisfied/dissatisfied scales are recognised in either order and either word order ("Disagree strongly" is
"Strongly disagree"), by their pole and strength. A label whose pole is the other end of the scale from the code
it would be read as is a conflict, exactly as a reversed text match is. A label of an item that feeds an
indicator that can be matched neither by text nor by meaning is an unmatched scale: the check cannot tell which
way the codes run, so that is refused too unless `--ignore-labels` is given. Other unmatched labels (a region
spelt differently) are only noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.schema import Item, Questionnaire
from survey.reading.mapping import ColumnMapping, code_key
from survey.reading.scale_labels import is_non_answer, meant_by_meaning, normalise_label


@dataclass(frozen=True)
class LabelConflict:
    """A code whose label in the file is the questionnaire's label of another code of the item."""

    column: str
    """The data column."""
    item: str
    """The questionnaire item it feeds."""
    source_code: Any
    """The code as it stands in the file."""
    label: str
    """The file's label for it."""
    read_as: Any
    """The questionnaire code it becomes (after any recode)."""
    meant: list[int]
    """The questionnaire code(s) whose label the file's label matches."""
    questionnaire_label: str
    """The questionnaire's label of `read_as` ('?' when it is not a code of the item)."""

    def __str__(self) -> str:
        recoded = f" (recoded to {self.read_as})" if self.read_as != self.source_code else ""
        meant = ", ".join(str(c) for c in self.meant)
        return (
            f"column '{self.column}', code {self.source_code}{recoded}: the file labels it '{self.label}', which is "
            f"the questionnaire's label of code {meant} of item '{self.item}', but it would be read as code "
            f"{self.read_as} ('{self.questionnaire_label}')"
        )


def _item_labels(item: Item) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for code in item.allowed_codes:
        out.setdefault(normalise_label(item.label_of(code)), []).append(code)
    return out


@dataclass(frozen=True)
class LabelCheck:
    """The outcome of comparing a file's value labels with the questionnaire."""

    conflicts: list[LabelConflict]
    """Codes labelled as another code of the item: errors unless ignored."""
    unmatched: dict[str, list[str]]
    """Column -> labels that match no label of its item (noted, not errors)."""
    checked: list[str]
    """Columns whose labels were compared."""
    unmatched_scales: dict[str, list[str]] = field(default_factory=dict)
    """Column -> labels of an indicator's item matched neither by text nor by meaning: errors unless ignored."""

    @property
    def refused(self) -> bool:
        """Whether the check stops a command (unless `--ignore-labels`)."""
        return bool(self.conflicts or self.unmatched_scales)

    def summary(self) -> str:
        """One line for `safer validate`: what was compared and what was found."""
        if not self.checked:
            return "value labels: the file labels none of the questionnaire's coded items."
        found = []
        if self.conflicts:
            found.append(f"{len(self.conflicts)} code(s) labelled as another code of the item")
        if self.unmatched_scales:
            found.append(f"{sum(map(len, self.unmatched_scales.values()))} label(s) of "
                         f"{len(self.unmatched_scales)} scale(s) matched neither by text nor by meaning")
        noted = sum(map(len, self.unmatched.values()))
        tail = f"; {noted} other label(s) match no questionnaire label (noted)" if noted else ""
        verdict = "; ".join(found) if found else "all agree with the questionnaire, by text or by meaning"
        return f"value labels of {len(self.checked)} column(s) checked: {verdict}{tail}."

    def record(self, ignored: bool) -> dict[str, Any]:
        """JSON-ready, for an output's metadata."""
        return {
            "checked_columns": self.checked,
            "conflicts": [str(c) for c in self.conflicts],
            "conflicts_ignored": ignored,
            "unmatched_scales": self.unmatched_scales,
            "unmatched_labels": self.unmatched,
        }


def _indicator_items(questionnaire: Questionnaire) -> set[str]:
    """Items whose codes decide an indicator (its strands and its base condition)."""
    used = {item for ind in questionnaire.indicators for item in ind.items}
    used |= {ind.base_condition.item for ind in questionnaire.indicators if ind.base_condition is not None}
    return used


def check_labels(
    value_labels: Mapping[str, Mapping[Any, str]], mapping: ColumnMapping, questionnaire: Questionnaire
) -> LabelCheck:
    """Compare the labels of every bound, labelled, coded column with its item's code labels."""
    conflicts: list[LabelConflict] = []
    unmatched: dict[str, list[str]] = {}
    unmatched_scales: dict[str, list[str]] = {}
    checked: list[str] = []
    scales = _indicator_items(questionnaire)
    for binding in mapping.bindings.values():
        labels = value_labels.get(binding.column)
        item = questionnaire.item(binding.item)
        if not labels or item.type != "coded":
            continue
        checked.append(binding.column)
        by_label = _item_labels(item)
        recode = {code_key(k): v for k, v in binding.recode.items()}
        missing = {code_key(c) for c in binding.missing}
        for code, label in labels.items():
            key = code_key(code)
            if key in missing:
                continue
            read_as = recode.get(key, key)
            meant = by_label.get(normalise_label(label))
            if meant is None:
                meant = meant_by_meaning(str(label), item)
            if meant is None:
                if item.id in scales:
                    unmatched_scales.setdefault(binding.column, []).append(f"{code} {label}")
                else:
                    unmatched.setdefault(binding.column, []).append(f"{code} {label}")
            elif read_as not in meant and not (is_non_answer(str(label)) and read_as not in item.codes):
                conflicts.append(LabelConflict(
                    column=binding.column, item=item.id, source_code=code, label=str(label), read_as=read_as,
                    meant=meant, questionnaire_label=item.label_of(read_as) if isinstance(read_as, int) else "?",
                ))
    return LabelCheck(conflicts, unmatched, checked, unmatched_scales)


def label_recode(labels: Mapping[Any, str], item: Item) -> tuple[dict[Any, int], list[Any]]:
    """A recode that the labels imply (source code -> the questionnaire code with the same label), and the
    source codes whose labels match none; for `safer questionnaire map`."""
    by_label = _item_labels(item)
    recode: dict[Any, int] = {}
    unknown: list[Any] = []
    for code, label in labels.items():
        meant = by_label.get(normalise_label(label)) or meant_by_meaning(str(label), item)
        if meant is not None and len(meant) == 1:
            recode[code_key(code)] = meant[0]
        else:
            unknown.append(code_key(code))
    return recode, unknown
