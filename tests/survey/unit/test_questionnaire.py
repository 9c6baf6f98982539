"""The bundled questionnaires load, carry the required items and indicators, and bad files are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from survey.errors import SurveyInputError
from survey.questionnaire.loading import (
    bundled_questionnaire_dir,
    list_questionnaires,
    load_questionnaire,
    parse_questionnaire,
)
from survey.questionnaire.schema import describe_indicator

PLACE_NIS = [1, 2, 3, 4, 5, 6, 17, 21, 22, 23, 27, 37, 41, 42, 119, 138, 139, 140]
ASB_STRANDS = [
    "asb_noisy_neighbours",
    "asb_teenagers",
    "asb_rubbish",
    "asb_vandalism",
    "asb_drugs",
    "asb_drunk",
    "asb_cars",
]
# 000:613 in the seeds, quoted in DOMAIN.md section 2.
BCS_CONFIDENCE_VERBATIM = (
    "It is the responsibility of the police and local council working in partnership to deal with "
    "anti-social behaviour and crime in your local area. How much would you agree or disagree that the "
    "police and local council are dealing with the anti-social behaviour and crime issues that matter "
    "in this area?"
)


def test_list_shows_both_bundled_questionnaires_with_counts() -> None:
    summaries = {s.name: s for s in list_questionnaires()}
    assert set(summaries) == {"bcs", "place"}
    for name, summary in summaries.items():
        q = load_questionnaire(name)
        assert summary.n_items == len(q.items) > 0
        assert summary.n_indicators == len(q.indicators) > 0
        assert summary.path.is_file()


def test_bundled_dir_is_the_checkout_data_folder_when_not_installed_as_wheel() -> None:
    folder = bundled_questionnaire_dir()
    assert (folder / "bcs.yaml").is_file()
    assert (folder / "place.yaml").is_file()


def test_place_has_exactly_the_eighteen_national_indicators() -> None:
    q = load_questionnaire("place")
    assert [ind.id for ind in q.indicators] == [f"NI{n}" for n in PLACE_NIS]


def test_bcs_has_the_required_indicators() -> None:
    ids = {ind.id for ind in load_questionnaire("bcs").indicators}
    assert {"PSA23_3", "PSA23_4", "PSA25_drunk", "PSA25_drugs"} <= ids


def test_bcs_confidence_item_is_verbatim_with_the_annex_codes() -> None:
    item = load_questionnaire("bcs").item("confidence")
    assert item.wording == BCS_CONFIDENCE_VERBATIM
    assert item.wording_source == "verbatim"
    assert item.codes == {
        1: "Strongly agree",
        2: "Tend to agree",
        3: "Neither agree nor disagree",
        4: "Tend to disagree",
        5: "Strongly disagree",
    }
    kinds = {m.kind for m in item.missing}
    assert {"dont_know", "refused", "not_asked"} <= kinds


def test_place_confidence_asks_about_other_local_public_services_not_the_council() -> None:
    place = load_questionnaire("place").item("confidence").wording
    bcs = load_questionnaire("bcs").item("confidence").wording
    assert "the police and other local public services" in place
    assert "local council" not in place
    assert "other local public services" not in bcs


@pytest.mark.parametrize("name, indicator_id", [("bcs", "PSA23_4"), ("place", "NI17")])
def test_asb_scale_declares_scoring_threshold_and_missing_strand_rule(name: str, indicator_id: str) -> None:
    q = load_questionnaire(name)
    ind = q.indicator(indicator_id)
    assert ind.kind == "scale"
    assert ind.items == ASB_STRANDS
    assert ind.scoring == {1: 3, 2: 2, 3: 1, 4: 0}
    assert ind.threshold == 11
    assert ind.missing_strand_rule == "all_required"
    assert ind.polarity == "lower_is_better"
    text = describe_indicator(q, ind)
    assert ">= 11" in text and "all_required" in text


def test_confidence_base_rule_is_declared_in_the_file() -> None:
    bcs = load_questionnaire("bcs").indicator("PSA23_3")
    assert bcs.counts == [1, 2]
    assert 8 in bcs.base_excluded_codes  # don't know declared out of base
    assert -1 in bcs.base_excluded_codes  # not asked can never be in base


def test_ni138_base_is_restricted_to_the_65_plus_band() -> None:
    q = load_questionnaire("place")
    ind = q.indicator("NI138")
    assert ind.base_condition is not None
    assert ind.base_condition.item == "age_band"
    assert [q.item("age_band").codes[c] for c in ind.base_condition.codes] == ["65 and over"]


def test_age_bands_match_each_survey_population() -> None:
    assert list(load_questionnaire("bcs").item("age_band").codes.values())[0] == "16-24"
    assert list(load_questionnaire("place").item("age_band").codes.values())[0] == "18-24"
    for name in ("bcs", "place"):
        assert len(load_questionnaire(name).item("age_band").codes) == 6


def test_unknown_indicator_lists_valid_ids() -> None:
    with pytest.raises(SurveyInputError, match="NI99.*NI1, NI2"):
        load_questionnaire("place").indicator("NI99")


def test_unknown_name_lists_bundled_names() -> None:
    with pytest.raises(SurveyInputError, match="'nope'.*bcs, place"):
        load_questionnaire("nope")


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(SurveyInputError, match="absent.yaml"):
        load_questionnaire(tmp_path / "absent.yaml")


def test_load_by_path_equals_load_by_name(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text((bundled_questionnaire_dir() / "bcs.yaml").read_text())
    assert load_questionnaire(str(copy)) == load_questionnaire("bcs")


# ---- bad questionnaire files ------------------------------------------------------------------------------


def _minimal() -> dict[str, Any]:
    return {
        "name": "mini",
        "title": "Minimal questionnaire",
        "items": [
            {
                "id": "conf",
                "wording": "Agree?",
                "wording_source": "paraphrase",
                "codes": {1: "Agree", 2: "Disagree"},
                "missing": [{"code": 8, "label": "Don't know", "kind": "dont_know"}],
                "aliases": ["q_conf"],
            },
            {
                "id": "strand_a",
                "wording": "A",
                "wording_source": "paraphrase",
                "codes": {1: "Big", 2: "Small"},
            },
            {
                "id": "strand_b",
                "wording": "B",
                "wording_source": "paraphrase",
                "codes": {1: "Big", 2: "Small"},
            },
        ],
        "indicators": [
            {"id": "IND_B", "title": "binary", "kind": "binary", "items": ["conf"], "counts": [1]},
            {
                "id": "IND_S",
                "title": "scale",
                "kind": "scale",
                "items": ["strand_a", "strand_b"],
                "scoring": {1: 1, 2: 0},
                "threshold": 2,
                "missing_strand_rule": "all_required",
            },
        ],
    }


def _write(tmp_path: Path, raw: Any) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_minimal_questionnaire_is_valid(tmp_path: Path) -> None:
    q = load_questionnaire(_write(tmp_path, _minimal()))
    assert [i.id for i in q.indicators] == ["IND_B", "IND_S"]


def _error_for(tmp_path: Path, raw: Any) -> str:
    path = _write(tmp_path, raw)
    with pytest.raises(SurveyInputError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert str(path) in message, "the error must name the file"
    return message


def test_non_numeric_threshold_names_the_field(tmp_path: Path) -> None:
    raw = _minimal()
    raw["indicators"][1]["threshold"] = "eleven"
    assert "indicators[IND_S].threshold" in _error_for(tmp_path, raw)


def test_misspelt_field_is_an_error_not_ignored(tmp_path: Path) -> None:
    raw = _minimal()
    raw["indicators"][1]["treshold"] = 2
    assert "indicators[IND_S].treshold" in _error_for(tmp_path, raw)


def test_counted_code_not_in_item_names_the_field(tmp_path: Path) -> None:
    raw = _minimal()
    raw["indicators"][0]["counts"] = [1, 5]
    message = _error_for(tmp_path, raw)
    assert "indicators[IND_B].counts" in message and "[5]" in message


def test_indicator_on_unknown_item_names_the_field(tmp_path: Path) -> None:
    raw = _minimal()
    raw["indicators"][0]["items"] = ["no_such_item"]
    assert "indicators[IND_B].items: no item 'no_such_item'" in _error_for(tmp_path, raw)


def test_scale_without_missing_strand_rule_is_rejected(tmp_path: Path) -> None:
    raw = _minimal()
    del raw["indicators"][1]["missing_strand_rule"]
    assert "indicators[IND_S].missing_strand_rule" in _error_for(tmp_path, raw)


def test_scale_leaving_a_response_code_unscored_is_rejected(tmp_path: Path) -> None:
    raw = _minimal()
    raw["indicators"][1]["scoring"] = {1: 1}
    assert "indicators[IND_S].scoring" in _error_for(tmp_path, raw)


def test_not_asked_code_kept_in_base_is_rejected(tmp_path: Path) -> None:
    raw = _minimal()
    raw["items"][0]["missing"].append({"code": -1, "label": "Not asked", "kind": "not_asked"})
    assert "indicators[IND_B].base_excluded_codes" in _error_for(tmp_path, raw)


def test_bad_missing_kind_names_the_item_field(tmp_path: Path) -> None:
    raw = _minimal()
    raw["items"][0]["missing"][0]["kind"] = "dunno"
    assert "items[conf].missing[0].kind" in _error_for(tmp_path, raw)


def test_alias_naming_two_items_is_rejected(tmp_path: Path) -> None:
    raw = _minimal()
    raw["items"][1]["aliases"] = ["Q_CONF"]
    assert "items[strand_a].aliases" in _error_for(tmp_path, raw)


def test_unquoted_yes_label_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "yes.yaml"
    text = yaml.safe_dump(_minimal(), sort_keys=False).replace("1: Agree", "1: Yes")
    path.write_text(text)
    with pytest.raises(SurveyInputError, match=r"items\[conf\]\.codes"):
        load_questionnaire(path)


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nitems: [\n  - id: a\n")
    with pytest.raises(SurveyInputError, match=r"broken\.yaml: questionnaire file is not valid YAML at line \d+"):
        load_questionnaire(path)


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    assert "expected a mapping" in _error_for(tmp_path, [1, 2])


def test_parse_questionnaire_uses_the_given_source_name() -> None:
    raw = _minimal()
    raw["name"] = "Not Snake"
    with pytest.raises(SurveyInputError, match=r"questionnaire file inline.*name"):
        parse_questionnaire(raw, source="inline")
