"""Value labels compared by meaning, and duplicated respondents, in `safer validate` and `safer estimate`
(issue 20, part 1).

Before: labels 1 "Disagree strongly" ... 5 "Agree strongly" on the confidence item (a reversed scale in other
words) gave NI 21 counted from the wrong end; `validate` said "clean" and the unmatched labels appeared only in
the sidecar. 50 duplicated respondents passed `validate`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from survey.jobs.validate import validate_file

pyreadstat = pytest.importorskip("pyreadstat")


def place_returns(n: int = 300, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "respondent_id": np.arange(1, n + 1), "la": rng.choice(["E1", "E2"], n), "w": rng.uniform(1, 3, n),
        "confidence": rng.choice([1, 2, 3, 4, 5, 8], n), "asb_drunk": rng.choice([1, 2, 3, 4], n),
        "area_satisfaction": rng.choice([1, 2, 3, 4, 5], n),
    })


def sav(tmp_path: Path, data: pd.DataFrame, labels: dict[str, dict[int, str]], name: str = "pw.sav") -> Path:
    path = tmp_path / name
    pyreadstat.write_sav(data, str(path), variable_value_labels=labels)
    return path


AGREE_OTHER_WORDS = {1: "Agree strongly", 2: "Agree", 3: "Neither", 4: "Disagree", 5: "Disagree strongly",
                     8: "Don't know"}


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


def test_a_reversed_agreement_scale_in_other_words_is_caught_by_validate_and_refused_by_estimate(
        runner: CliRunner, tmp_path: Path) -> None:
    reversed_words = {1: "Disagree strongly", 2: "Tend to disagree", 3: "Neither agree nor disagree",
                      4: "Tend to agree", 5: "Agree strongly", 8: "Don't know"}
    path = sav(tmp_path, place_returns(), {"confidence": reversed_words})
    code, output = run(runner, ["validate", str(path), "-q", "place"])
    assert code == 2, f"a reversed scale is not clean: {output}"
    assert "4 code(s) labelled as another code of the item" in output, output
    rules = [p.rule for p in validate_file(path, "place").problems if p.column == "confidence"]
    assert any("'Disagree strongly'" in r and "read as code 1 ('Strongly agree')" in r for r in rules), rules
    out = tmp_path / "ni21.csv"
    code, output = run(runner, ["estimate", str(path), "-q", "place", "--indicator", "NI21", "--weight", "w",
                                "--out", str(out)])
    assert code == 2 and "contradict the questionnaire" in output, output
    assert not out.exists()


def test_the_same_scale_in_other_words_and_the_same_order_is_clean(runner: CliRunner, tmp_path: Path) -> None:
    labels = {"confidence": AGREE_OTHER_WORDS,
              "asb_drunk": {1: "A very big problem", 2: "Fairly big problem", 3: "Not a very big problem",
                            4: "Not a problem at all"},
              "area_satisfaction": {1: "Very satisfied", 2: "Fairly satisfied", 3: "Neither",
                                    4: "Fairly dissatisfied", 5: "Very dissatisfied"}}
    path = sav(tmp_path, place_returns(), labels)
    code, output = run(runner, ["validate", str(path), "-q", "place"])
    assert "value labels of 3 column(s) checked: all agree with the questionnaire" in output, output
    assert "labelled as another code" not in output


@pytest.mark.parametrize(("item", "labels"), [
    ("asb_drunk", {1: "No problem at all", 2: "Not a big problem", 3: "A fairly big problem",
                   4: "A very big problem"}),
    ("area_satisfaction", {1: "Dissatisfied (very)", 2: "Dissatisfied (fairly)", 3: "Neither",
                           4: "Satisfied (fairly)", 5: "Satisfied (very)"}),
], ids=["problem", "satisfied"])
def test_problem_and_satisfaction_scales_reversed_are_conflicts(runner: CliRunner, tmp_path: Path, item: str,
                                                                labels: dict[int, str]) -> None:
    path = sav(tmp_path, place_returns(), {item: labels})
    code, output = run(runner, ["validate", str(path), "-q", "place"])
    assert code == 2 and "labelled as another code of the item" in output, output
    flagged = {p.value for p in validate_file(path, "place").problems if p.column == item}
    assert {1, 2, 4, 5} <= flagged or {1, 2, 3, 4} <= flagged, f"the ends of the scale are conflicts: {flagged}"


def test_an_unmatched_scale_fails_unless_ignore_labels_which_is_recorded(runner: CliRunner, tmp_path: Path) -> None:
    labels = {"confidence": {1: "Top box", 2: "Second", 3: "Middle", 4: "Fourth", 5: "Bottom box", 8: "DK"}}
    path = sav(tmp_path, place_returns(), labels)
    code, output = run(runner, ["validate", str(path), "-q", "place"])
    assert code == 2 and "matched neither by text nor by meaning" in output, output
    out = tmp_path / "ni21.csv"
    args = ["estimate", str(path), "-q", "place", "--indicator", "NI21", "--weight", "w", "--out", str(out)]
    code, output = run(runner, args)
    assert code == 2 and "which way its codes run cannot be checked" in output and "Top box" in output, output
    code, output = run(runner, [*args, "--ignore-labels"])
    assert code == 0, output
    meta = json.loads((tmp_path / "ni21.csv.meta.json").read_text())
    assert meta["label_check"]["conflicts_ignored"] is True
    assert "1 Top box" in meta["label_check"]["unmatched_scales"]["confidence"]


def test_validate_reports_duplicated_respondents(runner: CliRunner, tmp_path: Path) -> None:
    data = place_returns()
    copies = data.iloc[:50]
    reused = data.iloc[60:63].assign(w=9.9, confidence=1)  # same ids, other answers
    path = tmp_path / "dup.csv"
    pd.concat([data, copies, reused], ignore_index=True).to_csv(path, index=False)
    code, output = run(runner, ["validate", str(path), "-q", "place"])
    assert code == 2, output
    problems = validate_file(path, "place").problems
    rules = [p.rule for p in problems]
    assert "duplicated respondent: the row repeats data row 1 in every column" in rules, rules[:5]
    assert sum(p.count for p in problems if "repeat" in p.rule) == 50, "50 copies: 20 listed, 30 counted"
    reused_ids = [p.value for p in problems if p.rule.startswith("duplicated respondent id")]
    assert reused_ids == [61, 62, 63], reused_ids
