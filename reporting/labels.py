"""Titles instead of codes, names instead of area codes, and the judgement each indicator's polarity implies.

An indicator id is not enough to know its wording: NI 41 and NI 42 exist in the BCS and in the Place Survey with
different questions, so titles and polarities are kept per survey and indicator, learnt from each result (an
`indicator_title` column, the metadata's `indicator_titles` and `indicator_polarity`, and the survey named by
its `questionnaire` metadata or `survey` column). Area names come from the metadata's `labels`
(`{column: {code: name}}`) and, above them, from a file of names given to `safer report --labels` (columns
`code, name, type`; see `reporting.area_labels`). Domain columns read as words: `la` -> "local authority".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.numbers import missing

NATIONAL = "all"
"""`domain` and `domain_value` of the overall row of an estimate table."""

SURVEY_NAMES = {"bcs": "British Crime Survey", "place": "Place Survey"}
"""Survey keys (questionnaire names) -> how a reader knows them."""

DOMAIN_NAMES: dict[str, tuple[str, str]] = {
    "region": ("region", "regions"),
    "pfa": ("police force area", "police force areas"),
    "la": ("local authority", "local authorities"),
    "cdrp": ("community safety partnership", "community safety partnerships"),
    "csp": ("community safety partnership", "community safety partnerships"),
}
"""Domain columns of the bundled questionnaires -> (singular, plural) in words."""


def survey_key(table: pd.DataFrame | None, metadata: dict[str, Any]) -> str:
    """Which survey a result comes from: the questionnaire's name ("bcs", "place"), else "" when unknown."""
    questionnaire = metadata.get("questionnaire")
    if isinstance(questionnaire, dict) and questionnaire.get("name"):
        return str(questionnaire["name"]).lower()
    named = (metadata.get("parameters") or {}).get("questionnaire")
    if isinstance(named, str) and named:
        return Path(named).stem.lower()
    if table is not None and "survey" in table.columns:
        named_rows = [str(v).split() for v in table["survey"].dropna()]
        first = next((words[0] for words in named_rows if words), "")
        return first.lower()
    return ""


def survey_name(key: str) -> str:
    """"Place Survey" for "place"; an unknown survey keeps its key."""
    return SURVEY_NAMES.get(key, key)


def indicator_code(indicator: str) -> str:
    """How a reader writes an indicator id: "NI17" -> "NI 17", "PSA23_3" -> "PSA 23 indicator 3".

    >>> indicator_code("NI17"), indicator_code("PSA23_4"), indicator_code("mean:age"), indicator_code("x_rate")
    ('NI 17', 'PSA 23 indicator 4', 'mean of age', 'x_rate')
    """
    text = str(indicator)
    kind, _, rest = text.partition(":")
    if rest and kind in ("mean", "total"):
        return f"{kind} of {rest}"
    if rest and kind in ("ratio", "quantile"):
        return f"{kind} {rest}"
    if match := re.fullmatch(r"NI_?(\d+)", text, flags=re.IGNORECASE):
        return f"NI {match.group(1)}"
    if match := re.fullmatch(r"PSA_?(\d+)_(\d+)", text, flags=re.IGNORECASE):
        return f"PSA {match.group(1)} indicator {match.group(2)}"
    return text


def normal_polarity(value: Any) -> str | None:
    """"higher" or "lower" (which way is better) from "higher_is_better", "lower", ...; None if unknown."""
    text = "" if missing(value) else str(value).lower()
    if text.startswith("higher"):
        return "higher"
    if text.startswith("lower"):
        return "lower"
    return None


@dataclass
class Labeller:
    """Readable names for the codes in a set of results."""

    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    """Survey key -> indicator id -> title (the survey key is "" when a result does not say its survey)."""
    polarities: dict[str, dict[str, str]] = field(default_factory=dict)
    """Survey key -> indicator id -> "higher" or "lower" (which way is better)."""
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Domain column -> code -> name."""
    given_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Names from a `--labels` file: they win over the names results carry."""
    national: str = "All areas"
    """How the overall row is named ("England", "England and Wales", ...)."""

    def add(self, table: pd.DataFrame, metadata: dict[str, Any]) -> None:
        """Learn titles, polarities and names from one result."""
        survey = survey_key(table, metadata)
        titles = self.titles.setdefault(survey, {})
        if {"indicator", "indicator_title"} <= set(table.columns):
            for indicator, title in zip(table["indicator"], table["indicator_title"], strict=True):
                if not missing(title):
                    titles.setdefault(str(indicator), str(title))
        for indicator, title in (metadata.get("indicator_titles") or {}).items():
            titles.setdefault(str(indicator), str(title))
        polarities = self.polarities.setdefault(survey, {})
        for indicator, polarity in (metadata.get("indicator_polarity") or {}).items():
            if normal_polarity(polarity):
                polarities.setdefault(str(indicator), str(normal_polarity(polarity)))
        if {"indicator", "polarity"} <= set(table.columns):
            for indicator, polarity in zip(table["indicator"], table["polarity"], strict=True):
                if normal_polarity(polarity):
                    polarities.setdefault(str(indicator), str(normal_polarity(polarity)))
        for column, mapping in (metadata.get("labels") or {}).items():
            self.names.setdefault(str(column), {}).update({str(k): str(v) for k, v in mapping.items()})
        national = (metadata.get("parameters") or {}).get("national_label")
        if national:
            self.national = str(national)

    def _lookup(self, table: dict[str, dict[str, str]], indicator: str, survey: str) -> str | None:
        if survey and indicator in table.get(survey, {}):
            return table[survey][indicator]
        found = {t[indicator] for t in table.values() if indicator in t}
        # Without the survey, a wording is used only when every survey that has the indicator agrees.
        return found.pop() if len(found) == 1 else None

    def wording(self, indicator: str, survey: str = "") -> str:
        """The indicator's title in its survey ("" when unknown or ambiguous)."""
        return self._lookup(self.titles, str(indicator), survey) or ""

    def title(self, indicator: str, survey: str = "") -> str:
        """"NI 17: Perceptions of anti-social behaviour" for a known id, else "NI 17"."""
        wording = self.wording(indicator, survey)
        code = indicator_code(indicator)
        return f"{code}: {wording}" if wording else code

    def polarity(self, indicator: str, survey: str = "") -> str | None:
        """"higher" or "lower" is better for this indicator in this survey; None when no result says."""
        return self._lookup(self.polarities, str(indicator), survey)

    def area(self, domain: Any, value: Any) -> str:
        """The name of an area code in a domain column, or the code; the overall row gets the national name."""
        if str(domain) == NATIONAL:
            return self.national
        column, code = str(domain), str(value)
        for source in (self.given_names, self.names):
            if code in source.get(column, {}):
                return source[column][code]
        return code

    def national_in_text(self) -> str:
        """The national name inside a sentence: "All surveyed authorities" -> "all surveyed authorities"."""
        name = self.national
        return name[0].lower() + name[1:] if name.lower().startswith("all ") else name

    def domain(self, domain: Any, plural: bool = False) -> str:
        """A domain column in words: `la` -> "local authority" ("local authorities"); `all` -> the national name."""
        if str(domain) == NATIONAL:
            return self.national
        singular, many = DOMAIN_NAMES.get(str(domain), (str(domain).replace("_", " "),) * 2)
        return many if plural else singular

    def give_names(self, names: dict[str, dict[str, str]]) -> None:
        """Names from a `--labels` file (domain column -> code -> name), used before any a result carries."""
        for column, mapping in names.items():
            self.given_names.setdefault(column, {}).update(mapping)
