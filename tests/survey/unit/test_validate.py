"""Validation finds every problem, names row (1-based data row), column, value and rule, and counts all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.errors import SurveyInputError
from survey.questionnaire.loading import load_questionnaire
from survey.questionnaire.schema import Questionnaire
from survey.reading.validate import count_problems, resolve_item_columns, validate_against_questionnaire


def clean_frame(q: Questionnaire, n: int = 12, seed: int = 3) -> pd.DataFrame:
    """Every item filled with codes drawn from its valid and missing codes (a clean file)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for item in q.items:
        if item.type == "coded":
            columns[item.id] = rng.choice(np.asarray(item.allowed_codes), n)
        elif item.type == "numeric":
            columns[item.id] = rng.integers(int(item.minimum or 0), int(item.minimum or 0) + 4, n)
        else:
            columns[item.id] = rng.choice(["E06000001", "E08000025"], n)
    return pd.DataFrame(columns)


@pytest.mark.parametrize("name", ["bcs", "place"])
def test_clean_file_has_no_problems(name: str) -> None:
    q = load_questionnaire(name)
    assert validate_against_questionnaire(clean_frame(q), q) == []


def test_code_outside_questionnaire_names_row_column_value_rule() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q)
    frame.loc[2, "belonging"] = 7  # third data row
    problems = validate_against_questionnaire(frame, q)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "belonging", 7)
    assert "code not in questionnaire item 'belonging'" in problem.rule
    assert "valid 1, 2, 3, 4; missing 8" in problem.rule
    assert str(problem).startswith("data row 3 (1-based, header not counted), column 'belonging', value 7")


def test_row_numbers_are_positions_not_index_labels() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q).set_index(pd.Index(range(100, 112)))
    frame.iloc[0, frame.columns.get_loc("health")] = 0
    (problem,) = validate_against_questionnaire(frame, q)
    assert problem.row == 1


def test_non_numeric_value_in_coded_column() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q).astype({"health": object})
    frame.loc[4, "health"] = "good"
    (problem,) = validate_against_questionnaire(frame, q)
    assert (problem.row, problem.column, problem.value) == (5, "health", "good")
    assert "non-numeric" in problem.rule


def test_text_codes_with_spaces_and_blanks_are_accepted() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q).astype({"health": object})
    frame.loc[0, "health"] = " 2 "
    frame.loc[1, "health"] = ""
    frame.loc[2, "health"] = None
    assert validate_against_questionnaire(frame, q) == []


def test_missing_required_column_is_reported_and_optional_is_not() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q).drop(columns=["influence", "value_for_money"])
    (problem,) = validate_against_questionnaire(frame, q, source="place.csv")
    assert problem.row is None and problem.column == "influence"
    assert "required column missing in place.csv" in problem.rule


def test_columns_resolve_through_aliases_case_insensitively() -> None:
    q = load_questionnaire("bcs")
    frame = clean_frame(q).rename(columns={"asb_drugs": "USEDEAL", "n_adults": "NAdults"})
    mapping = resolve_item_columns(frame, q)
    assert mapping["asb_drugs"] == "USEDEAL"
    assert mapping["n_adults"] == "NAdults"
    assert validate_against_questionnaire(frame, q) == []


def test_two_columns_for_one_item_is_ambiguous() -> None:
    q = load_questionnaire("bcs")
    frame = clean_frame(q).rename(columns={"asb_drugs": "drugs"})
    frame["usedeal"] = frame["drugs"]
    frame["USEDEAL"] = frame["drugs"]
    with pytest.raises(SurveyInputError, match="asb_drugs.*usedeal, USEDEAL"):
        resolve_item_columns(frame, q)
    problems = validate_against_questionnaire(frame, q)
    assert [p.column for p in problems] == ["usedeal, USEDEAL"]


def test_listing_is_capped_per_rule_but_every_problem_is_counted() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q, n=300)
    frame.loc[100:199, "health"] = 9  # 100 bad rows: data rows 101..200
    capped = validate_against_questionnaire(frame, q, max_per_rule=5)
    assert [p.row for p in capped[:5]] == [101, 102, 103, 104, 105]
    assert capped[5].row is None and capped[5].count == 95
    assert "first listed at data row 106" in capped[5].rule
    assert count_problems(capped) == 100
    full = validate_against_questionnaire(frame, q, max_per_rule=None)
    assert len(full) == 100 and count_problems(full) == 100
    assert [p.row for p in full] == list(range(101, 201))


def test_blank_identifier_is_a_problem_when_not_allowed() -> None:
    q = load_questionnaire("place")
    frame = clean_frame(q).astype({"la": object})
    frame.loc[[3, 7], "la"] = ["", None]
    problems = validate_against_questionnaire(frame, q)
    assert [(p.row, p.column) for p in problems] == [(4, "la"), (8, "la")]
    assert all("must be filled" in p.rule for p in problems)


def test_numeric_item_range_and_whole_number_rules() -> None:
    q = load_questionnaire("bcs")
    frame = clean_frame(q).astype({"n_adults": float})
    frame.loc[0, "n_adults"] = 0
    frame.loc[1, "n_adults"] = 2.5
    frame.loc[2, "n_adults"] = np.nan
    problems = validate_against_questionnaire(frame, q)
    rules = {p.row: p.rule for p in problems}
    assert "below the minimum 1" in rules[1]
    assert "not a whole number" in rules[2]
    assert "blank value" in rules[3]
    assert len(problems) == 3


def test_every_problem_in_a_column_is_found_with_mixed_faults() -> None:
    q = load_questionnaire("bcs")
    frame = clean_frame(q, n=50).astype({"confidence": object})
    bad = {5: 6, 17: "n/a", 33: -9, 49: 3.5}
    for position, value in bad.items():
        frame.loc[position, "confidence"] = value
    problems = validate_against_questionnaire(frame, q)
    assert {(p.row, p.value) for p in problems} == {(pos + 1, val) for pos, val in bad.items()}
