"""Indicator values from hand-made rows: 1 counts, 0 in base, NaN out of base."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import SurveyInputError
from survey.estimation.indicators import indicator_ids, indicator_values
from survey.questionnaire.loading import load_questionnaire, parse_questionnaire
from survey.questionnaire.schema import Questionnaire

PLACE = load_questionnaire("place")
BCS = load_questionnaire("bcs")
STRANDS = PLACE.indicator("NI17").items
NAN = np.nan


def _strand_frame(rows: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=STRANDS, dtype="float64")


def _same(actual: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_array_equal(actual, np.asarray(expected, dtype="float64"))


def test_ni17_known_scores_threshold_edges_and_missing_strand_rule() -> None:
    rows = [
        [1, 1, 1, 1, 1, 1, 1],  # 21: high
        [1, 1, 1, 3, 3, 4, 4],  # 3+3+3+1+1 = 11: exactly at threshold, counts
        [1, 1, 1, 3, 4, 4, 4],  # 3+3+3+1 = 10: one below threshold, in base
        [4, 4, 4, 4, 4, 4, 4],  # 0
        [1, 1, 1, 1, 1, 1, 8],  # "no opinion" on one strand: out of base (all_required)
        [1, 1, 1, 1, 1, 1, NAN],  # blank strand: out of base
        [2, 2, 2, 2, 2, 3, 4],  # 2*5+1 = 11
    ]
    values = indicator_values(_strand_frame(rows), PLACE, "NI17")
    assert values.dtype == np.float64
    _same(values, [1, 1, 0, 0, NAN, NAN, 1])


def test_ni41_and_ni42_are_single_strands() -> None:
    frame = _strand_frame(
        [
            [4, 4, 4, 4, 1, 2, 4],
            [4, 4, 4, 4, 3, 4, 4],
            [4, 4, 4, 4, 8, 8, 4],
            [4, 4, 4, 4, NAN, 1, 4],
        ]
    )
    _same(indicator_values(frame, PLACE, "NI41"), [1, 0, NAN, 1])
    _same(indicator_values(frame, PLACE, "NI42"), [1, 0, NAN, NAN])


def test_ni138_counts_only_satisfied_with_both_and_only_aged_65_plus() -> None:
    frame = pd.DataFrame(
        {
            "age_band": [6, 6, 6, 5, 1, NAN, 6, 6],
            "area_satisfaction": [1, 2, 1, 1, 1, 1, 3, 1],
            "home_satisfaction": [2, 1, 4, 1, 1, 1, 1, NAN],
        }
    )
    # rows: both satisfied; both; home dissatisfied; aged 55-64; aged 18-24; age blank;
    # area neither; home blank
    _same(indicator_values(frame, PLACE, "NI138"), [1, 1, 0, NAN, NAN, NAN, 0, NAN])


def test_ni3_counts_any_yes_and_treats_unanswered_groups_as_no() -> None:
    civic = PLACE.indicator("NI3").items
    rows = [
        [2, 2, 2, 2, 2, 2],
        [2, 2, 1, 2, 2, 2],
        [NAN, NAN, NAN, NAN, NAN, 1],
        [NAN, NAN, NAN, NAN, NAN, 2],
        [NAN] * 6,
    ]
    frame = pd.DataFrame(rows, columns=civic)
    _same(indicator_values(frame, PLACE, "NI3"), [0, 1, 1, 0, NAN])


def test_binary_base_exclusions_are_read_from_the_file() -> None:
    codes = [1, 2, 3, 4, 5, 8, 9, -1, NAN]
    frame = pd.DataFrame({"confidence": codes})
    _same(indicator_values(frame, BCS, "PSA23_3"), [1, 1, 0, 0, 0, NAN, NAN, NAN, NAN])
    place = pd.DataFrame({"confidence": [1, 2, 3, 4, 5, 8, NAN]})
    _same(indicator_values(place, PLACE, "NI21"), [1, 1, 0, 0, 0, NAN, NAN])


def test_ni1_excludes_dont_know_and_does_not_apply_answers() -> None:
    frame = pd.DataFrame({"get_on_well": [1, 2, 3, 4, 6, 7, 8]})
    _same(indicator_values(frame, PLACE, "NI1"), [1, 1, 0, 0, NAN, NAN, NAN])


def test_text_codes_and_alias_columns_work() -> None:
    frame = pd.DataFrame({"USEDEAL": ["1", " 3", "", "8"]})
    _same(indicator_values(frame, BCS, "PSA25_drugs"), [1, 0, NAN, NAN])


def test_every_indicator_runs_on_a_clean_file_and_stays_in_range() -> None:
    rng = np.random.default_rng(11)
    n = 400
    frame = pd.DataFrame(
        {
            item.id: rng.choice(np.asarray(item.allowed_codes), n)
            for item in PLACE.items
            if item.type == "coded"
        }
    )
    assert indicator_ids(PLACE) == [ind.id for ind in PLACE.indicators]
    for indicator_id in indicator_ids(PLACE):
        values = indicator_values(frame, PLACE, indicator_id)
        assert values.shape == (n,)
        present = values[~np.isnan(values)]
        assert present.size > 0, indicator_id
        assert set(np.unique(present)) <= {0.0, 1.0}


def test_unknown_indicator_lists_the_valid_ids() -> None:
    with pytest.raises(SurveyInputError, match=r"unknown indicator 'NI18'.*NI17, NI21"):
        indicator_values(pd.DataFrame({"x": [1]}), PLACE, "NI18")


def test_code_outside_questionnaire_names_row_column_and_value() -> None:
    frame = _strand_frame([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 5, 1, 1], [1, 1, 1, 1, 6, 1, 1]])
    with pytest.raises(SurveyInputError) as info:
        indicator_values(frame, PLACE, "NI17")
    message = str(info.value)
    assert "data row 2 (1-based, header not counted)" in message
    assert "column 'asb_drugs'" in message and "value 5" in message
    assert "1 more row(s)" in message


def test_non_numeric_code_is_an_error() -> None:
    frame = pd.DataFrame({"health": ["1", "good"]})
    with pytest.raises(SurveyInputError, match=r"data row 2 .*column 'health', value 'good'"):
        indicator_values(frame, PLACE, "NI119")


def test_missing_item_column_is_named() -> None:
    with pytest.raises(SurveyInputError, match=r"NI5 needs item 'area_satisfaction'"):
        indicator_values(pd.DataFrame({"health": [1]}), PLACE, "NI5")


# ---- the scale rules against a plain per-row reference --------------------------------------------------


def _with_rule(rule: str, min_answered: int | None) -> Questionnaire:
    raw = PLACE.model_dump(mode="python")
    for ind in raw["indicators"]:
        if ind["id"] == "NI17":
            ind["missing_strand_rule"] = rule
            ind["min_answered"] = min_answered
    return parse_questionnaire(raw, source="test")


def _reference(row: list[float], rule: str, min_answered: int) -> float:
    """Per-row statement of the declared rules (score 3/2/1/0, high = 11+)."""
    points = {1: 3, 2: 2, 3: 1, 4: 0}
    scored = [points[int(c)] for c in row if not math.isnan(c) and int(c) in points]
    needed = len(row) if rule == "all_required" else min_answered
    if len(scored) < needed:
        return math.nan
    total = sum(scored) if rule != "prorate" else sum(scored) * len(row) / len(scored)
    return 1.0 if total >= 11 - 1e-9 else 0.0


strand_code = st.sampled_from([1.0, 2.0, 3.0, 4.0, 8.0, math.nan])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(strand_code, min_size=7, max_size=7), min_size=1, max_size=40),
    rule=st.sampled_from(["all_required", "missing_as_zero", "prorate"]),
    min_answered=st.integers(1, 7),
)
def test_scale_rules_match_per_row_reference(rows: list[list[float]], rule: str, min_answered: int) -> None:
    q = _with_rule(rule, None if rule == "all_required" else min_answered)
    values = indicator_values(_strand_frame(rows), q, "NI17")
    expected = [_reference(row, rule, min_answered) for row in rows]
    np.testing.assert_array_equal(values, np.asarray(expected))


def test_prorate_and_missing_as_zero_differ_on_a_known_row() -> None:
    row = [[1, 1, 1, 2, 8, 8, 8]]  # scored strands 3+3+3+2 = 11 over 4 strands
    assert indicator_values(_strand_frame(row), _with_rule("missing_as_zero", 1), "NI17")[0] == 1.0
    assert indicator_values(_strand_frame(row), _with_rule("prorate", 1), "NI17")[0] == 1.0  # 11*7/4
    low = [[3, 3, 2, 8, 8, 8, 8]]  # 1+1+2 = 4; prorated 4*7/3 = 9.33
    assert indicator_values(_strand_frame(low), _with_rule("prorate", 3), "NI17")[0] == 0.0
    assert math.isnan(indicator_values(_strand_frame(low), _with_rule("prorate", 4), "NI17")[0])
