"""The offence-code tables of the indicators file equal the Measurement Annex's, read from the seed lines themselves.

The seed lines are read from the excerpts vendored under tests/recorded_crime/seeds/ (CI has no seeds); where the
seeds are present, the excerpts are checked to be exact copies first. Each Annex table (indicator 1 at 000:440,
the serious sexual offences at 000:498, indicator 2 at 000:534) is parsed from its header to the blank line that
ends it, and every row must be a crime type of the file, in order: code cell verbatim, title verbatim (less a
footnote mark), and the codes it stands for.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from recorded_crime.codes.catalogue import load_catalogue
from recorded_crime.codes.notation import expand_printed

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ORIGINALS = {"000": "000_bd818ae3b3921c49.txt", "003": "003_0f19e53db58257c2.txt"}
TABLES = {"PSA23_1": 440, "SSO": 498, "PSA23_2": 534}
"""Each Annex table's header line in seed 000."""
FOOTNOTE = re.compile(r"\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+$")


def seed_lines() -> dict[str, dict[int, str]]:
    lines: dict[str, dict[int, str]] = {}
    for name in ORIGINALS:
        text = (SEEDS / f"{name}_excerpt.txt").read_text(encoding="utf-8")
        lines[name] = {int(n): body for n, _, body in (row.partition("\t") for row in text.splitlines())}
    return lines


def line(cite: str) -> str:
    name, number = cite.split(":")
    excerpt = seed_lines()[name]
    assert int(number) in excerpt, f"{cite} is not in the vendored excerpt; add it (see tests/recorded_crime/seeds)"
    return excerpt[int(number)]


def test_vendored_excerpts_are_exact_copies_of_the_seeds() -> None:
    folder = Path(os.environ.get("SAFER_SEEDS", "/work/shared/seeds"))
    if not folder.is_dir():
        pytest.skip("the seed documents are not on this machine (set SAFER_SEEDS)")
    for name, file in ORIGINALS.items():
        original = (folder / file).read_text(encoding="utf-8").split("\n")
        for number, body in seed_lines()[name].items():
            assert original[number - 1] == body, f"{name}:{number}: expected the seed's line, found {body!r}"


@pytest.mark.parametrize("indicator_id", sorted(TABLES))
def test_each_annex_table_equals_the_indicators_file(indicator_id: str) -> None:
    catalogue = load_catalogue()
    excerpt = seed_lines()["000"]
    number, rows = TABLES[indicator_id] + 1, []
    while excerpt[number].strip():
        rows.append((number, *excerpt[number].split("\t")))
        number += 1
    types = catalogue.indicator(indicator_id).crime_types
    assert len(rows) == len(types) >= 5, f"{indicator_id}: expected one crime type per Annex row ({len(rows)}), " \
                                         f"found {len(types)}"
    for (number, cell, title), crime_type in zip(rows, types, strict=True):
        assert crime_type.cite == f"000:{number}", f"{crime_type.id}: expected 000:{number}, found {crime_type.cite}"
        assert crime_type.codes_as_printed == cell, f"{crime_type.id}: expected code cell {cell!r}, found " \
                                                    f"{crime_type.codes_as_printed!r}"
        assert crime_type.title == FOOTNOTE.sub("", title), f"{crime_type.id}: expected title {title!r}"
        assert list(crime_type.codes) == expand_printed(cell), f"{crime_type.id}: expected codes " \
                                                               f"{expand_printed(cell)}, found {crime_type.codes}"


def test_the_annex_codes_are_the_ones_domain_md_lists() -> None:
    """The same tables written out by hand (DOMAIN.md section 9), so that a parsing slip cannot hide a wrong code."""
    catalogue = load_catalogue()
    printed = {i: [t.codes_as_printed for t in catalogue.indicator(i).crime_types] for i in TABLES}
    assert printed["PSA23_1"] == ["1, 4_1, 4_2, 4_3", "2", "5, 8_1", "4_4, 4_6, 4_8", "37_1"]
    assert printed["PSA23_2"] == ["28", "29", "34A", "34B", "48", "37/2", "45"]
    assert printed["SSO"] == ["19A-H", "21", "17A, 17B (&17)", "20A, 20B (&20)", "22A", "70", "71", "72"]


def _quotes(node: object) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "cite" in node and "quote" in node:
            found.append((node["cite"], node["quote"]))
        for value in node.values():
            found += _quotes(value)
    elif isinstance(node, list):
        for value in node:
            found += _quotes(value)
    return found


def test_every_quote_is_on_the_line_it_cites() -> None:
    catalogue = load_catalogue()
    quotes = _quotes(catalogue.spec.model_dump(by_alias=True))
    assert len(quotes) >= 38, f"expected the quotes of titles, criteria and code changes, found {len(quotes)}"
    for cite, quote in quotes:
        assert quote in line(cite), f"{cite}: expected {quote!r} on the line, found {line(cite)!r}"


def test_national_indicators_are_marked_outside_the_seeds_with_their_source() -> None:
    catalogue = load_catalogue()
    for indicator_id in ("NI15", "NI16", "NI20", "NI28", "NI29", "NI34"):
        indicator = catalogue.indicator(indicator_id)
        assert indicator.source.outside_seeds, f"{indicator_id}: expected to be marked outside the seeds"
        assert indicator.source.document in catalogue.spec.sources, f"{indicator_id}: its source must be named"
        assert indicator.source.confidence in ("medium", "low-medium", "low", "very low"), indicator_id
        assert all(t.cite is None for t in indicator.crime_types), f"{indicator_id}: no seed line defines its codes"
        title = next(q for q in indicator.quotes if q.cite.startswith("003:"))
        assert indicator_id.replace("NI", "NI ") in line(title.cite), f"{indicator_id}: title line {title.cite}"


def test_code_changes_over_time_are_recorded() -> None:
    catalogue = load_catalogue()
    changes = {c.id: c for c in catalogue.spec.code_changes}
    split = changes["sexual-offences-act-2003"]
    assert (split.effective, set(split.before), set(split.after)) == ("2004-05", {"17", "20"},
                                                                      {"17A", "17B", "20A", "20B"})
    assert {q.cite for q in split.quotes} == {"000:508", "000:512"}
    careless = changes["careless-driving-2008"]
    assert careless.after == ["4.8"] and careless.quotes[0].cite == "000:451"
    reclassified = changes["violence-reclassification-2008"]
    assert reclassified.effective == "2008-04" and {"5", "8.1"} <= set(reclassified.before)
    assert {"5A", "5B", "5C", "8F"} <= set(reclassified.after)
    era = catalogue.era("8F")
    assert era is not None and era.enforced and era.first == 2008 * 12 + 3, "8F is in use from April 2008"
    era = catalogue.era("5")
    assert era is not None and era.enforced and era.last == 2008 * 12 + 2, "5 is in use to March 2008"
