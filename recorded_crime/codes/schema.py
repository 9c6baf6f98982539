"""The shape of the indicators file (`indicators.yaml`), checked field by field on loading.

Every field is typed and no unknown field is accepted, so a misspelt key in a copy of the file is named rather than
ignored. Codes must be text in the file (YAML reads `37_1` unquoted as the number 371): a number where a code
belongs is refused. Cross-checks between sections (every counted code is a known code, ids are unique) are made by
`recorded_crime.codes.catalogue` after this schema.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

CITE = r"^\d{3}:\d+$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
FINANCIAL_YEAR = r"^\d{4}-\d{2}$"
Confidence = Literal["high", "medium-high", "medium", "low-medium", "low", "very low"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SeedQuote(_Strict):
    """Words of a seed document, verbatim, with the line they are on."""

    cite: str = Field(pattern=CITE)
    """`file:line`, e.g. `000:441`."""
    quote: StrictStr
    """A substring of that line."""


class Source(_Strict):
    """Where an indicator's definition comes from."""

    outside_seeds: bool
    """True when the definition is not in the seed documents (the NI handbook, the Home Office data)."""
    document: StrictStr
    """The document, or the key of one in `sources`."""
    where: StrictStr
    """Lines, pages or what was and was not read."""
    confidence: Confidence
    """How sure the definition is."""


class Successor(_Strict):
    """A code that replaced one of the Annex's after a reclassification (from outside the seeds, or assumed)."""

    code: StrictStr
    """The later code (canonical notation)."""
    replaces: StrictStr
    """The code it replaced."""
    source: StrictStr
    """Key of the source in `sources`."""
    confidence: Confidence
    """How sure the succession is."""
    note: StrictStr | None = None
    """What the code is, or why it is counted."""
    from_month: str | None = Field(None, alias="from", pattern=MONTH)
    """First month it was used (YYYY-MM), when known."""


class CrimeType(_Strict):
    """One row of an indicator's table: a grouping of crime (A.3 judges each on its own)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Short name, used in output tables."""
    title: StrictStr
    """The Annex's words for it (verbatim for the seed-based indicators)."""
    codes: list[StrictStr] = Field(min_length=1)
    """The codes counted, canonical notation; for Annex rows exactly those `codes_as_printed` stands for."""
    cite: str | None = Field(None, pattern=CITE)
    """The seed line of the row (Annex-based indicators)."""
    codes_as_printed: StrictStr | None = None
    """The code cell of that line exactly as printed."""
    successors: list[Successor] = Field(default_factory=list)
    """Codes that replaced the Annex's later, counted too."""
    open_data_codes: list[StrictStr] = Field(default_factory=list)
    """Combined codes of the open data that may stand in for the codes (counted, with a note)."""
    comparable_from: str | None = Field(None, pattern=MONTH)
    """First month from which every offence of the type was counted centrally (YYYY-MM): a comparison with an
    earlier period would compare two definitions and is refused (GBH without intent from April 2007, 000:454)."""
    note: StrictStr | None = None
    """What a reader should know."""


class Criterion(_Strict):
    """A success criterion of the Annex and which command judges it."""

    id: StrictStr
    """The Annex's paragraph (A.1, A.20 first limb, ...)."""
    cite: str = Field(pattern=CITE)
    """Its seed line."""
    quote: StrictStr
    """Verbatim words of it."""
    judged_by: StrictStr
    """Where `safer` answers it."""


class Indicator(_Strict):
    """A recorded-crime indicator."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    """PSA23_1, PSA23_2, SSO, NI15, ..."""
    title: StrictStr
    """Short title."""
    kind: Literal["psa", "national indicator", "reference"]
    """A PSA indicator, an NI of the local performance framework, or listed for reference only."""
    target: bool
    """Whether the PSA judges it (the serious sexual offences are listed for reference only, 000:496)."""
    basis: Literal["codes", "special collection"]
    """Counted from offence codes, or from a special collection given in the counts under its own code."""
    rate_per: int = Field(gt=0)
    """Rates are per this many residents."""
    source: Source
    """Where the definition comes from."""
    crime_types: list[CrimeType] = Field(min_length=1)
    """Its rows, in the Annex's order."""
    baseline: str | None = Field(None, pattern=FINANCIAL_YEAR)
    """Baseline financial year, when the Annex gives one."""
    quotes: list[SeedQuote] = Field(default_factory=list)
    """Seed lines backing the header facts (title, data set, baseline, no confidence intervals)."""
    success_criteria: list[Criterion] = Field(default_factory=list)
    """The Annex's success criteria for it."""
    notes: list[StrictStr] = Field(default_factory=list)
    """Caveats shown with every output on it."""


class CodeChange(_Strict):
    """A change of the offence classification over time."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    """Short name."""
    before: list[StrictStr]
    """Codes in use before (empty for a new offence)."""
    after: list[StrictStr]
    """Codes in use after."""
    effective: str = Field(pattern=MONTH)
    """First month of the new classification (YYYY-MM)."""
    what: StrictStr
    """The change in words."""
    source: StrictStr
    """Key of the source in `sources`."""
    confidence: Confidence
    """How sure the change (and its month) is."""
    quotes: list[SeedQuote] = Field(default_factory=list)
    """Seed lines saying so, where the seeds do."""


class PairSide(_Strict):
    """One side of a displacement pair."""

    title: StrictStr
    """What is counted."""
    codes: list[StrictStr] = Field(min_length=1)
    """Its codes."""


class DisplacementPair(_Strict):
    """A pair A.17 asks to be watched side by side."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Short name."""
    title: StrictStr
    """The pair in words."""
    watched: PairSide
    """The category whose fall is judged."""
    partner: PairSide
    """Where offences might be displaced to."""
    quotes: list[SeedQuote] = Field(default_factory=list)
    """Seed lines asking for it."""
    note: StrictStr | None = None
    """How the codes were chosen."""


class OffenceCode(_Strict):
    """A known notifiable offence code (or a special collection's code)."""

    code: StrictStr
    """Canonical notation."""
    description: StrictStr
    """What it counts."""
    source: StrictStr
    """Key of the source in `sources`."""
    confidence: StrictStr
    """How sure the code and its description are."""
    valid_from: str | None = Field(None, pattern=MONTH)
    """First month it was in use (YYYY-MM), when known."""
    valid_to: str | None = Field(None, pattern=MONTH)
    """Last month it was in use, when known."""
    era_enforced: bool = False
    """Whether a count outside `valid_from`-`valid_to` is refused (the dates are sure) or only noted."""
    era_note: StrictStr | None = None
    """The change that bounds it."""
    covers: list[StrictStr] = Field(default_factory=list)
    """For a combined or class-level code: the codes it holds (never counted together with it)."""
    special_collection: bool = False
    """A count from a special collection (NI28, NI29, NI34), not an offence code."""


class CatalogueSpec(_Strict):
    """The whole indicators file."""

    schema_: str = Field(alias="schema", pattern=r"^safer/recorded-crime-indicators 1$")
    """File format and version."""
    seeds: dict[str, StrictStr]
    """The seed documents cited, by file number."""
    sources: dict[str, StrictStr]
    """Documents outside the seeds, by key."""
    indicators: list[Indicator] = Field(min_length=1)
    """The indicators."""
    code_changes: list[CodeChange] = Field(default_factory=list)
    """Changes of the classification over time."""
    displacement_pairs: list[DisplacementPair] = Field(default_factory=list)
    """A.17's pairs."""
    offence_codes: list[OffenceCode] = Field(min_length=1)
    """Every known code."""

    @field_validator("offence_codes")
    @classmethod
    def _codes_in_canonical_form(cls, codes: list[OffenceCode]) -> list[OffenceCode]:
        from recorded_crime.codes.notation import canonical_code

        for entry in codes:
            if canonical_code(entry.code) != entry.code:
                raise ValueError(f"code '{entry.code}' is not in canonical notation "
                                 f"(write '{canonical_code(entry.code)}')")
            if entry.valid_from and entry.valid_to and entry.valid_from > entry.valid_to:
                raise ValueError(f"code '{entry.code}': valid_from {entry.valid_from} is after valid_to "
                                 f"{entry.valid_to}")
        return codes


def is_month(text: str) -> bool:
    """Whether `text` is a YYYY-MM month.

    >>> is_month("2008-04"), is_month("2008-13")
    (True, False)
    """
    return re.match(MONTH, text) is not None
