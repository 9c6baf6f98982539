"""The questionnaires' wordings and citations checked against the seed lines they cite (issue 20, part 6).

Before: the BCS seven strands were the seed's words (000:638-644) but marked paraphrase; three Place strands
differed from the seed lines they cited (000:639, 641, 644) without saying so; the BCS NI27/NI41/NI42 cited the
local NI list (003:97/107/108) although the BCS drunk and drugs items are the PSA 25 items (000:666); the variant
wordings of 001:152 were nowhere; and the NI21 title ("by the local council and police") was not the Place
wording ("police and other local public services", 004:167).

The seed lines are quoted here (`SEED_LINES`), so the checks run anywhere; `test_quoted_seed_lines_are_the_seeds`
compares them with the seed files when they are beside the repository (shared/seeds, see DOMAIN.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.questionnaire.loading import load_questionnaire
from survey.questionnaire.schema import Item, Questionnaire
from survey.reading.scale_labels import normalise_label

SEED_LINES: dict[str, str] = {
    "000:613": "‘It is the responsibility of the police and local council working in partnership to deal with "
               "anti-social behaviour and crime in your local area. How much would you agree or disagree that the "
               "police and local council are dealing with the anti-social behaviour and crime issues that matter in "
               "this area?’",
    "000:638": "- noisy neighbours or loud parties;",
    "000:639": "- teenagers hanging around on the streets;",
    "000:640": "- rubbish or litter lying around;",
    "000:641": "- vandalism, graffiti and other deliberate damage to property;",
    "000:642": "- people using or dealing drugs;",
    "000:643": "- people being drunk or rowdy in public places; and",
    "000:644": "- abandoned or burnt-out cars.",
    "001:152": "⁴ The British Crime Survey (BCS) measures 'high' levels of perceived anti-social behaviour from "
               "responses to seven individual anti-social behaviour strands: abandoned or burnt-out cars; noisy "
               "neighbours or loud parties; young people hanging around; people being drunk or rowdy; people using or "
               "dealing drugs; rubbish or litter lying around; and vandalism or graffiti.",
}
"""Seed lines as they stand in shared/seeds (file:line)."""

QUESTIONNAIRES = {name: load_questionnaire(name) for name in ("bcs", "place")}


def seed_text(line: str) -> str:
    """A seed line as words: list dash, closing 'and', quotes and punctuation dropped."""
    text = re.sub(r"^\s*-\s*", "", line)
    text = re.sub(r";\s*and$", "", text.strip())
    return normalise_label(text)


def cited_line(item: Item) -> str | None:
    """The first seed line an item's source cites (000:638), if any."""
    found = re.search(r"\b(\d{3}:\d+)\b", item.source or "")
    return found.group(1) if found else None


def items_citing_quoted_lines() -> list[tuple[str, Item]]:
    return [(name, item) for name, q in QUESTIONNAIRES.items() for item in q.items
            if cited_line(item) in SEED_LINES and cited_line(item) != "001:152"]


@pytest.mark.parametrize(("survey", "item"), items_citing_quoted_lines(), ids=lambda v: getattr(v, "id", v))
def test_an_item_citing_a_seed_line_quotes_it_or_says_it_differs(survey: str, item: Item) -> None:
    line = cited_line(item)
    assert line is not None
    quoted = normalise_label(item.wording) in seed_text(SEED_LINES[line])
    if quoted:
        if survey == "bcs":
            assert item.wording_source == "verbatim", (
                f"{survey} {item.id}: its wording is the seed's ({line}) word for word, expected 'verbatim', found "
                f"'{item.wording_source}'")
    else:
        assert "differs" in (item.source or "") and seed_text(SEED_LINES[line]) in normalise_label(item.source or ""), (
            f"{survey} {item.id}: the wording differs from {line}; its source must say so and quote the seed, "
            f"found {item.source!r}")
        assert item.wording_source != "verbatim", f"{survey} {item.id}: a wording unlike its seed is not verbatim"


def test_verbatim_wordings_are_in_the_seed_lines_they_cite() -> None:
    checked = 0
    for name, q in QUESTIONNAIRES.items():
        for item in q.items:
            line = cited_line(item)
            if item.wording_source == "verbatim" and line in SEED_LINES:
                checked += 1
                assert normalise_label(item.wording) in seed_text(SEED_LINES[line]), (
                    f"{name} {item.id}: marked verbatim from {line}, but the seed reads {SEED_LINES[line]!r}")
    assert checked >= 8, f"expected the BCS confidence item and its seven strands, checked {checked}"


def test_bcs_indicators_do_not_cite_the_local_ni_list_and_the_drunk_and_drugs_items_are_psa_25() -> None:
    bcs = QUESTIONNAIRES["bcs"]
    cites_ni_list = [ind.id for ind in bcs.indicators if "003:" in (ind.source or "")]
    assert not cites_ni_list, f"BCS indicators citing the NI list (003), a Place Survey measure: {cites_ni_list}"
    ids = {ind.id for ind in bcs.indicators}
    assert not {"NI41", "NI42"} & ids, "the BCS drunk and drugs items are the PSA 25 items, not NI 41 and NI 42"
    for strand in ("asb_drunk", "asb_drugs"):
        indicator = next(ind for ind in bcs.indicators if ind.items == [strand])
        assert indicator.id.startswith("PSA25") and "000:666" in (indicator.source or ""), indicator


def test_the_variant_wordings_of_001_152_are_recorded() -> None:
    listed = SEED_LINES["001:152"].split("strands:", 1)[1]
    phrases = [normalise_label(re.sub(r"^\s*and\s+", "", p)) for p in listed.split(";")]
    strands: list[Item] = [item for item in QUESTIONNAIRES["bcs"].items if item.id.startswith("asb_")]
    assert len(phrases) == 7 and len(strands) == 7
    for phrase in phrases:
        same = [s.id for s in strands if normalise_label(s.wording) == phrase]
        noted = [s.id for s in strands if phrase in normalise_label(s.notes or "")]
        assert same or noted, f"001:152's '{phrase}' is neither a strand's wording nor recorded in a strand's notes"
        assert all("001:152" in (s.notes or "") for s in strands), "each strand says how 001:152 words it"


def test_the_ni21_title_follows_its_place_wording() -> None:
    place: Questionnaire = QUESTIONNAIRES["place"]
    title = place.indicator("NI21").title
    assert "police and other local public services" in place.item("confidence").wording
    assert "police and other local public services" in title, f"NI21 title {title!r} is not the Place wording (004:167)"


def _seeds_dir() -> Path | None:
    root = Path(__file__).resolve().parents[3]
    for candidate in (root.parent / "shared" / "seeds", root / "shared" / "seeds", Path("/work/shared/seeds")):
        if candidate.is_dir():
            return candidate
    return None


@pytest.mark.skipif(_seeds_dir() is None, reason="the seed files are not beside the repository")
def test_quoted_seed_lines_are_the_seeds() -> None:
    seeds = _seeds_dir()
    assert seeds is not None
    for ref, quoted in SEED_LINES.items():
        number, line = ref.split(":")
        (path,) = seeds.glob(f"{number}_*.txt")
        actual = path.read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert actual.strip() == quoted, f"{ref}: expected the seed line {actual!r}, quoted {quoted!r}"
