"""Questionnaires as data: the schema for items and indicators, with the cross-checks types cannot express.

A questionnaire file lists *items* (one question each: wording, response codes, missing codes, the
source-variable aliases a data file may use) and *indicators* (declarative rules turning item codes
into 1 = counts, 0 = in base but not counted, out of base). Every rule that changes a published
figure -- which codes count, which codes leave the base, how a scale is scored, its threshold and
what happens when a strand is missing -- is a field in the file, never a constant in code.

Validation errors name the file and the field, e.g. `indicators[NI17].threshold`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from survey.errors import SurveyInputError

SNAKE_ID = r"^[a-z][a-z0-9_]*$"
INDICATOR_ID = r"^[A-Z][A-Za-z0-9_]*$"

MissingKind = Literal["dont_know", "refused", "not_asked", "other"]
ItemType = Literal["coded", "numeric", "identifier"]
WordingSource = Literal["verbatim", "ext", "paraphrase", "derived"]
MissingStrandRule = Literal["all_required", "missing_as_zero", "prorate"]
Polarity = Literal["higher_is_better", "lower_is_better"]

MISSING_STRAND_RULE_TEXT: dict[str, str] = {
    "all_required": "every strand must carry a scored code; a blank or unscored strand puts the "
    "respondent out of base",
    "missing_as_zero": "blank or unscored strands score 0; in base when at least {min_answered} "
    "strand(s) are scored",
    "prorate": "score = mean of scored strands x number of strands; in base when at least "
    "{min_answered} strand(s) are scored",
}


class _Strict(BaseModel):
    """Common model settings: unknown fields are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MissingCode(_Strict):
    """A code that records a non-substantive answer (don't know, refused, not asked, other)."""

    code: int
    label: str
    kind: MissingKind


class Item(_Strict):
    """One question: its wording, codes and the column names a source file may use for it."""

    id: str = Field(pattern=SNAKE_ID, description="Canonical snake_case id; also the canonical column name.")
    wording: str = Field(min_length=1)
    stem: str | None = Field(
        None, description="Shared lead-in for a battery of strands, shown before wording."
    )
    wording_source: WordingSource = Field(
        description="verbatim = quoted in the seeds/DOMAIN.md; ext = public source outside the seeds; "
        "paraphrase = reconstructed, check against the published form; derived = not a question."
    )
    source: str | None = Field(None, description="Citation, e.g. '000:613'.")
    type: ItemType = "coded"
    codes: dict[int, str] = Field(default_factory=dict, description="Substantive response codes and labels.")
    missing: list[MissingCode] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="Source-variable names (case-insensitive).")
    required: bool = Field(True, description="The data file must carry a column for this item.")
    blank_allowed: bool = Field(True, description="Blank cells (system missing) are acceptable.")
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    notes: str | None = None

    @field_validator("aliases")
    @classmethod
    def _aliases_not_blank(cls, value: list[str]) -> list[str]:
        if any(not a.strip() for a in value):
            raise ValueError("aliases must be non-empty strings")
        return value

    @property
    def full_wording(self) -> str:
        """Stem (if any) followed by the item wording."""
        return f"{self.stem} {self.wording}" if self.stem else self.wording

    @property
    def valid_codes(self) -> list[int]:
        return list(self.codes)

    @property
    def missing_codes(self) -> list[int]:
        return [m.code for m in self.missing]

    @property
    def allowed_codes(self) -> list[int]:
        """Every code a clean data file may hold in this item's column (blank aside)."""
        return self.valid_codes + self.missing_codes

    def label_of(self, code: int) -> str:
        """Label of a valid or missing code ('?' when the code is not in the questionnaire)."""
        if code in self.codes:
            return self.codes[code]
        for m in self.missing:
            if m.code == code:
                return m.label
        return "?"

    def describe_codes(self) -> str:
        """E.g. '1 Strongly agree; 2 Tend to agree | missing: 8 Don't know (dont_know)'."""
        if self.type == "numeric":
            bounds = f"{self.minimum if self.minimum is not None else '-inf'} to "
            bounds += f"{self.maximum if self.maximum is not None else 'inf'}"
            text = f"number, {bounds}" + (", whole numbers" if self.integer else "")
        elif self.type == "identifier":
            text = "identifier (any value)"
        else:
            text = "; ".join(f"{c} {lab}" for c, lab in self.codes.items())
        if self.missing:
            text += " | missing: " + "; ".join(f"{m.code} {m.label} ({m.kind})" for m in self.missing)
        return text


class BaseCondition(_Strict):
    """Restricts an indicator's base to respondents whose `item` holds one of `codes` (e.g. aged 65+)."""

    item: str
    codes: list[int] = Field(min_length=1)
    description: str | None = None


class Indicator(_Strict):
    """A declarative indicator: binary (codes that count) or scale (scored strands with a threshold)."""

    id: str = Field(pattern=INDICATOR_ID)
    title: str
    kind: Literal["binary", "scale"]
    items: list[str] = Field(min_length=1)
    polarity: Polarity = "higher_is_better"
    source: str | None = None
    notes: str | None = None
    # binary
    counts: list[int] = Field(default_factory=list, description="Codes that count (numerator).")
    base_excluded_codes: list[int] = Field(
        default_factory=list, description="Codes whose respondents leave the base (blank always does)."
    )
    # scale
    scoring: dict[int, float] | None = Field(None, description="Code -> score for every strand.")
    threshold: float | None = Field(None, description="A respondent counts when score >= threshold.")
    missing_strand_rule: MissingStrandRule | None = None
    min_answered: int | None = Field(None, ge=1)
    # both
    base_condition: BaseCondition | None = None

    def rule_text(self) -> str:
        """One-line statement of the missing-strand rule (scale indicators)."""
        if self.missing_strand_rule is None:
            return ""
        return MISSING_STRAND_RULE_TEXT[self.missing_strand_rule].format(
            min_answered=self.effective_min_answered
        )

    @property
    def effective_min_answered(self) -> int:
        """Strands that must be scored for a respondent to be in base."""
        if self.missing_strand_rule == "all_required":
            return len(self.items)
        return self.min_answered if self.min_answered is not None else 1


class Questionnaire(_Strict):
    """A survey questionnaire: items and the indicators built from them."""

    name: str = Field(pattern=SNAKE_ID)
    title: str
    version: str | None = Field(None, description="Survey year or questionnaire edition, e.g. '2008/09'.")
    description: str | None = None
    source_notes: str | None = None
    items: list[Item] = Field(min_length=1)
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_check(self) -> Questionnaire:
        problems = cross_check_questionnaire(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def survey_label(self) -> str:
        """Questionnaire id and version, as in the `survey` column of estimate tables (e.g. `bcs 2008/09`)."""
        return f"{self.name} {self.version}" if self.version else self.name

    def item(self, item_id: str) -> Item:
        """The item with this id (SurveyInputError listing the ids when unknown)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise SurveyInputError(
            f"questionnaire '{self.name}' has no item '{item_id}'; items are: "
            + ", ".join(i.id for i in self.items)
        )

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id (SurveyInputError listing the valid ids when unknown)."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise SurveyInputError(
            f"unknown indicator '{indicator_id}' for questionnaire '{self.name}'; valid indicators are: "
            + ", ".join(i.id for i in self.indicators)
        )


def _dupes(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for v in values:
        if v in seen and v not in out:
            out.append(v)
        seen.add(v)
    return out


def _check_item(item: Item) -> list[str]:
    where = f"items[{item.id}]"
    problems: list[str] = []
    if item.type == "coded":
        if not item.codes:
            problems.append(f"{where}.codes: a coded item needs at least one response code")
        overlap = sorted(set(item.codes) & set(item.missing_codes))
        if overlap:
            problems.append(f"{where}.missing: code(s) {overlap} are also response codes")
        if _dupes([str(c) for c in item.missing_codes]):
            problems.append(
                f"{where}.missing: duplicate missing codes {_dupes([str(c) for c in item.missing_codes])}"
            )
        if item.minimum is not None or item.maximum is not None or item.integer:
            problems.append(f"{where}.minimum/maximum/integer: only numeric items take a range")
    else:
        if item.codes:
            problems.append(f"{where}.codes: a {item.type} item has no response codes (use type: coded)")
        if item.type == "identifier" and (
            item.minimum is not None or item.maximum is not None or item.integer
        ):
            problems.append(f"{where}.minimum/maximum/integer: only numeric items take a range")
        if item.minimum is not None and item.maximum is not None and item.minimum > item.maximum:
            problems.append(f"{where}.minimum: {item.minimum} is above maximum {item.maximum}")
    return problems


def _check_binary(ind: Indicator, where: str, items: dict[str, Item]) -> list[str]:
    problems: list[str] = []
    if len(ind.items) != 1:
        problems.append(f"{where}.items: a binary indicator uses exactly one item, got {len(ind.items)}")
    if ind.scoring is not None or ind.threshold is not None or ind.missing_strand_rule is not None:
        problems.append(f"{where}: scoring/threshold/missing_strand_rule belong to scale indicators only")
    if ind.min_answered is not None:
        problems.append(f"{where}.min_answered: belongs to scale indicators only")
    if not ind.counts:
        problems.append(f"{where}.counts: a binary indicator needs at least one counted code")
    item = items.get(ind.items[0])
    if item is None or item.type != "coded":
        return problems
    not_valid = [c for c in ind.counts if c not in item.codes]
    if not_valid:
        problems.append(
            f"{where}.counts: code(s) {not_valid} are not response codes of item '{item.id}' "
            f"(valid: {item.valid_codes})"
        )
    unknown = [c for c in ind.base_excluded_codes if c not in item.allowed_codes]
    if unknown:
        problems.append(
            f"{where}.base_excluded_codes: code(s) {unknown} are not codes of item '{item.id}' "
            f"(codes: {item.allowed_codes})"
        )
    both = sorted(set(ind.counts) & set(ind.base_excluded_codes))
    if both:
        problems.append(f"{where}: code(s) {both} are both counted and excluded from the base")
    not_asked = [
        m.code for m in item.missing if m.kind == "not_asked" and m.code not in ind.base_excluded_codes
    ]
    if not_asked:
        problems.append(
            f"{where}.base_excluded_codes: 'not asked' code(s) {not_asked} of item '{item.id}' must be "
            "excluded from the base (a respondent who was not asked cannot be in it)"
        )
    return problems


def _check_scale(ind: Indicator, where: str, items: dict[str, Item]) -> list[str]:
    problems: list[str] = []
    if ind.counts or ind.base_excluded_codes:
        problems.append(
            f"{where}: counts/base_excluded_codes belong to binary indicators; a scale uses scoring, "
            "threshold and missing_strand_rule"
        )
    if not ind.scoring:
        problems.append(f"{where}.scoring: a scale indicator needs a code -> score mapping")
    if ind.threshold is None:
        problems.append(
            f"{where}.threshold: a scale indicator needs a threshold (counts when score >= threshold)"
        )
    if ind.missing_strand_rule is None:
        problems.append(
            f"{where}.missing_strand_rule: a scale indicator must declare one of all_required, "
            "missing_as_zero, prorate"
        )
    elif ind.missing_strand_rule == "all_required" and ind.min_answered is not None:
        problems.append(f"{where}.min_answered: not used with missing_strand_rule all_required")
    if ind.min_answered is not None and ind.min_answered > len(ind.items):
        problems.append(f"{where}.min_answered: {ind.min_answered} exceeds the {len(ind.items)} strands")
    if _dupes(ind.items):
        problems.append(f"{where}.items: strands listed twice: {_dupes(ind.items)}")
    if not ind.scoring:
        return problems
    for item_id in ind.items:
        item = items.get(item_id)
        if item is None or item.type != "coded":
            continue
        unknown = [c for c in ind.scoring if c not in item.allowed_codes]
        if unknown:
            problems.append(
                f"{where}.scoring: code(s) {unknown} are not codes of item '{item_id}' "
                f"(codes: {item.allowed_codes})"
            )
        unscored = [c for c in item.valid_codes if c not in ind.scoring]
        if unscored:
            problems.append(
                f"{where}.scoring: response code(s) {unscored} of item '{item_id}' have no score "
                "(every substantive answer must be scored)"
            )
    return problems


def cross_check_questionnaire(q: Questionnaire) -> list[str]:
    """Consistency rules the field types cannot express; each message starts with the field path."""
    problems: list[str] = []
    items = {it.id: it for it in q.items}
    for dup in _dupes([it.id for it in q.items]):
        problems.append(f"items: id '{dup}' is used by more than one item")
    for dup in _dupes([ind.id for ind in q.indicators]):
        problems.append(f"indicators: id '{dup}' is used by more than one indicator")
    # A column name must resolve to one item only (names compare case-insensitively).
    owner: dict[str, str] = {}
    for it in q.items:
        for name in dict.fromkeys([it.id.lower(), *(a.lower() for a in it.aliases)]):
            if name in owner and owner[name] != it.id:
                problems.append(
                    f"items[{it.id}].aliases: column name '{name}' already names item '{owner[name]}'"
                )
            owner.setdefault(name, it.id)
    for it in q.items:
        problems.extend(_check_item(it))
    for ind in q.indicators:
        where = f"indicators[{ind.id}]"
        for item_id in ind.items:
            if item_id not in items:
                problems.append(f"{where}.items: no item '{item_id}' in this questionnaire")
            elif items[item_id].type != "coded":
                problems.append(f"{where}.items: item '{item_id}' is {items[item_id].type}, not coded")
        if ind.kind == "binary":
            problems.extend(_check_binary(ind, where, items))
        else:
            problems.extend(_check_scale(ind, where, items))
        cond = ind.base_condition
        if cond is not None:
            cond_item = items.get(cond.item)
            if cond_item is None:
                problems.append(f"{where}.base_condition.item: no item '{cond.item}' in this questionnaire")
            elif cond_item.type != "coded":
                problems.append(f"{where}.base_condition.item: item '{cond.item}' is not coded")
            else:
                unknown = [c for c in cond.codes if c not in cond_item.allowed_codes]
                if unknown:
                    problems.append(
                        f"{where}.base_condition.codes: code(s) {unknown} are not codes of item '{cond.item}'"
                    )
    return problems


def describe_indicator(q: Questionnaire, ind: Indicator) -> str:
    """Plain-language statement of an indicator's rule, with code labels (for `questionnaire show`)."""
    parts: list[str] = []
    if ind.kind == "binary":
        item = q.item(ind.items[0])
        counted = ", ".join(f"{c} {item.label_of(c)}" for c in ind.counts)
        parts.append(f"counts {item.id} = {counted}")
        excluded = ", ".join(f"{c} {item.label_of(c)}" for c in ind.base_excluded_codes)
        parts.append("out of base: blank" + (f", {excluded}" if excluded else ""))
        kept = [c for c in item.missing_codes if c not in ind.base_excluded_codes]
        if kept:
            parts.append("in base, not counted: " + ", ".join(f"{c} {item.label_of(c)}" for c in kept))
    else:
        scoring = ind.scoring or {}
        first = q.item(ind.items[0])
        score_text = ", ".join(f"{first.label_of(c)}={s:g}" for c, s in scoring.items())
        parts.append(f"sum over {len(ind.items)} strands ({', '.join(ind.items)}) scoring {score_text}")
        parts.append(f"counts when score >= {ind.threshold:g}")
        parts.append(f"missing-strand rule {ind.missing_strand_rule}: {ind.rule_text()}")
    if ind.base_condition is not None:
        cond_item = q.item(ind.base_condition.item)
        codes = ", ".join(f"{c} ({cond_item.label_of(c)})" for c in ind.base_condition.codes)
        parts.append(f"base restricted to {cond_item.id} = {codes}")
    parts.append("lower is better" if ind.polarity == "lower_is_better" else "higher is better")
    return "; ".join(parts)
