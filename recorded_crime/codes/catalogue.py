"""The indicators file loaded and cross-checked: which codes each indicator and crime type counts, and when.

`load_catalogue()` reads the bundled `indicators.yaml` (or a copy given with `--indicators`), checks it against the
schema, then across its sections: every code an indicator counts is a known code in canonical notation; each Annex
row's `codes` are exactly what its `codes_as_printed` stands for; code changes and displacement pairs name known
codes; a special-collection indicator counts only special-collection codes. Any failure names the file and field.

A crime type counts its Annex codes, the codes that replaced them after a reclassification (`successors`), and
the open data's combined codes that stand in for them (`open_data_codes`, e.g. homicide's `1/4.1/4.10/4.2`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from recorded_crime.codes.notation import canonical_code, expand_printed
from recorded_crime.codes.schema import CatalogueSpec, Indicator, OffenceCode
from recorded_crime.errors import CrimeInputError
from safer_io.hashing import sha256_of_file

BUNDLED = Path(__file__).resolve().parent / "indicators.yaml"
"""The bundled indicators file."""


def month_index(month: str) -> int:
    """A YYYY-MM month as a count of months (year x 12 + month - 1), the time axis of every series.

    >>> month_index("2008-04") - month_index("2007-04")
    12
    """
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


@dataclass(frozen=True)
class CodeEra:
    """When a code was in use."""

    first: int | None
    """First month index it was used, or None when not known."""
    last: int | None
    """Last month index, or None."""
    enforced: bool
    """A count outside the era is refused (True) or noted (False)."""
    note: str
    """The change that bounds it."""


@dataclass(frozen=True)
class CrimeTypeCodes:
    """One crime type of an indicator, with every code it counts."""

    indicator: str
    """Indicator id."""
    id: str
    """Crime type id."""
    title: str
    """Its title."""
    codes: tuple[str, ...]
    """Every code counted: the Annex's, their successors and open-data stand-ins."""
    stand_ins: tuple[str, ...] = ()
    """The open-data combined codes among them."""
    comparable_from: int | None = None
    """Month index from which the type is counted whole (None: always)."""


def comparable_from(types: list[CrimeTypeCodes]) -> int | None:
    """The latest `comparable_from` month of the crime types (None when every type is always counted whole)."""
    months = [t.comparable_from for t in types if t.comparable_from is not None]
    return max(months) if months else None


@dataclass(frozen=True)
class Catalogue:
    """A loaded, cross-checked indicators file."""

    spec: CatalogueSpec
    """The file's content."""
    path: Path
    """Where it was read from."""
    sha256: str
    """SHA-256 of its bytes, for provenance."""
    indicators: dict[str, Indicator] = field(default_factory=dict)
    """By id, in file order."""
    codes: dict[str, OffenceCode] = field(default_factory=dict)
    """Known codes by canonical code."""

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id; an unknown id is refused, naming the known ones."""
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise CrimeInputError(f"--indicator {indicator_id}: no such indicator in {self.path.name} (known: "
                                  f"{', '.join(self.indicators)}).") from None

    def crime_types(self, indicator_id: str) -> list[CrimeTypeCodes]:
        """The crime types of an indicator with every code each counts."""
        indicator = self.indicator(indicator_id)
        return [CrimeTypeCodes(indicator.id, t.id, t.title,
                               tuple(dict.fromkeys([*t.codes, *(s.code for s in t.successors), *t.open_data_codes])),
                               tuple(t.open_data_codes),
                               month_index(t.comparable_from) if t.comparable_from else None)
                for t in indicator.crime_types]

    def indicator_codes(self, indicator_id: str) -> set[str]:
        """Every code an indicator counts."""
        return {c for t in self.crime_types(indicator_id) for c in t.codes}

    def era(self, code: str) -> CodeEra | None:
        """When a code was in use, or None when the file gives no dates for it."""
        entry = self.codes.get(code)
        if entry is None or (entry.valid_from is None and entry.valid_to is None):
            return None
        return CodeEra(month_index(entry.valid_from) if entry.valid_from else None,
                       month_index(entry.valid_to) if entry.valid_to else None,
                       entry.era_enforced, entry.era_note or "")

    def covers(self) -> dict[str, tuple[str, ...]]:
        """Combined and class-level codes and the codes they hold (never to be counted together)."""
        return {c.code: tuple(c.covers) for c in self.spec.offence_codes if c.covers}

    def source_text(self, key: str) -> str:
        """A source by key, or the text itself when it is not a key."""
        return self.spec.sources.get(key, key)


def _problems(spec: CatalogueSpec) -> list[str]:
    """Every cross-section inconsistency of the file, as 'field: problem' sentences."""
    problems: list[str] = []
    known = {c.code: c for c in spec.offence_codes}
    if len(known) != len(spec.offence_codes):
        seen: set[str] = set()
        problems += [f"offence_codes: '{c.code}' is listed twice" for c in spec.offence_codes
                     if c.code in seen or seen.add(c.code)]  # type: ignore[func-returns-value]
    ids = [i.id for i in spec.indicators]
    problems += [f"indicators: id '{i}' is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for ind in spec.indicators:
        type_ids = [t.id for t in ind.crime_types]
        problems += [f"indicators.{ind.id}: crime type '{t}' is listed twice"
                     for t in sorted({t for t in type_ids if type_ids.count(t) > 1})]
        for crime_type in ind.crime_types:
            where = f"indicators.{ind.id}.crime_types.{crime_type.id}"
            counted = [*crime_type.codes, *(s.code for s in crime_type.successors), *crime_type.open_data_codes]
            for code in counted:
                if canonical_code(code) != code:
                    problems.append(f"{where}: code '{code}' is not in canonical notation (write "
                                    f"'{canonical_code(code)}')")
                elif code not in known:
                    problems.append(f"{where}: code '{code}' is not among offence_codes")
                elif (ind.basis == "special collection") != known[code].special_collection:
                    problems.append(f"{where}: code '{code}' does not fit the indicator's basis '{ind.basis}'")
            if (crime_type.cite is None) != (crime_type.codes_as_printed is None):
                problems.append(f"{where}: cite and codes_as_printed go together")
            if crime_type.codes_as_printed is not None:
                printed = expand_printed(crime_type.codes_as_printed)
                if printed != list(crime_type.codes):
                    problems.append(f"{where}: codes {crime_type.codes} are not what '{crime_type.codes_as_printed}' "
                                    f"stands for ({printed})")
            for successor in crime_type.successors:
                replaced = {*crime_type.codes, *(s.code for s in crime_type.successors)}
                if successor.replaces not in replaced:
                    problems.append(f"{where}: successor '{successor.code}' replaces '{successor.replaces}', which "
                                    "the crime type does not count")
        if not ind.source.outside_seeds and any(t.cite is None for t in ind.crime_types):
            problems.append(f"indicators.{ind.id}: a seed-based indicator cites the line of every crime type")
    for change in spec.code_changes:
        problems += [f"code_changes.{change.id}: code '{c}' is not among offence_codes"
                     for c in [*change.before, *change.after] if c not in known]
    for pair in spec.displacement_pairs:
        problems += [f"displacement_pairs.{pair.id}: code '{c}' is not among offence_codes"
                     for c in [*pair.watched.codes, *pair.partner.codes] if c not in known]
    for entry in spec.offence_codes:
        problems += [f"offence_codes.{entry.code}: covers '{c}', which is not among offence_codes"
                     for c in entry.covers if c not in known]
    return problems


def describe_validation(source: str, exc: ValidationError) -> str:
    """A pydantic error as one paragraph naming the file and each field."""
    parts = []
    for error in exc.errors()[:10]:
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        parts.append(f"{where}: {error['msg']}")
    more = f" (and {len(exc.errors()) - 10} more)" if len(exc.errors()) > 10 else ""
    return f"{source}: the indicators file is not valid: " + "; ".join(parts) + more + "."


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The indicators file at `path` (default: the bundled one), checked; errors name the file and field.

    >>> catalogue = load_catalogue()
    >>> sorted(catalogue.indicator_codes("PSA23_2"))[:6]
    ['28', '28A', '28B', '28C', '28D', '28E']
    """
    if path is None:
        return _bundled()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _bundled() -> Catalogue:
    return _load(BUNDLED)


def _load(path: Path) -> Catalogue:
    from safer_io.inputs import load_yaml

    payload = load_yaml(path, "indicators file", CrimeInputError)
    if not isinstance(payload, dict):
        raise CrimeInputError(f"{path}: an indicators file is a mapping (schema, indicators, offence_codes, ...).")
    try:
        spec = CatalogueSpec.model_validate(payload)
    except ValidationError as exc:
        raise CrimeInputError(describe_validation(str(path), exc)) from None
    problems = _problems(spec)
    if problems:
        raise CrimeInputError(f"{path}: the indicators file is not consistent: " + "; ".join(problems[:10]) + ".")
    return Catalogue(spec, path, sha256_of_file(path), {i.id: i for i in spec.indicators},
                     {c.code: c for c in spec.offence_codes})
