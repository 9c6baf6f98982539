"""Reports that answer first: main points with intervals and judgements, forest plots judged by polarity, an area's
profile.

A change that is not significant is never written as a rise, fall, improvement or deterioration; an area above
the national value is "worse" for perceived anti-social behaviour (lower is better) and "better" for confidence
(higher is better); `--area` adds one row per indicator with value, interval, change, peer position and target.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from reporting.errors import ReportInputError
from reporting.report.build import ReportOptions, make_report
from reporting.report.html import render
from reporting.report.model import Paragraph, Table
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path

CHANGE_WORDS = re.compile(r"\b(rose|fell|risen|fallen|increas\w*|decreas\w*|improv\w*|deteriorat\w*|drop\w*|up|down)\b",
                          re.IGNORECASE)
INTERVAL = re.compile(r"\(.*?-?\d[\d.,]*%? to -?\+?\d[\d.,]*%?.*?\)")


def test_main_points_each_state_an_estimate_with_its_interval(contract_files: dict[str, Path]) -> None:
    points = make_report(list(contract_files.values())).main_points
    assert 3 <= len(points) <= 8, points
    for point in points:
        assert INTERVAL.search(point), f"no interval in the main point: {point}"


def test_a_change_that_is_not_significant_is_not_called_a_change(contract_files: dict[str, Path]) -> None:
    path = contract_files["change"]
    table = pd.read_csv(path)
    national = table["domain"] == "all"
    table.loc[national, ["current_estimate", "change", "ci_lower", "ci_upper", "p_value"]] = [0.196, -0.004, -0.016,
                                                                                               0.008, 0.51]
    table.loc[national, ["significant", "direction"]] = [False, "no significant change"]
    table.to_csv(path, index=False)
    points = [p for p in make_report([path]).main_points if "not significant" in p]
    assert len(points) == 1, make_report([path]).main_points
    (point,) = points
    assert "20.0%" in point and "19.6%" in point and "-0.4 points (95% interval -1.6 to +0.8)" in point, point
    assert not CHANGE_WORDS.search(point), f"a non-significant difference worded as a change: {point}"


def test_a_significant_change_is_judged_by_direction(contract_files: dict[str, Path]) -> None:
    points = make_report([contract_files["change"]]).main_points
    (national,) = [p for p in points if p.startswith("NI 17") and "fell" in p]
    assert national.endswith("a significant improvement."), national
    (areas,) = [p for p in points if "of 3 local authorities" in p]
    assert "1 improved significantly and 1 deteriorated" in areas, areas


def estimates(indicator: str, polarity: str) -> tuple[pd.DataFrame, dict[str, object]]:
    rows = [("all", "all", 0.20, 12000, False), ("la", "A", 0.26, 900, False), ("la", "B", 0.14, 900, False),
            ("la", "C", 0.21, 900, False), ("la", "D", float("nan"), 20, True)]
    table = pd.DataFrame([{"indicator": indicator, "domain": d, "domain_value": v, "estimate": e, "se": 0.01,
                           "ci_lower": e - 0.02, "ci_upper": e + 0.02, "ci_method": "logit", "n_unweighted": n,
                           "n_effective": 0.8 * n, "deff": 1.25, "low_base": low} for d, v, e, n, low in rows])
    meta = {"indicator_polarity": {indicator: polarity},
            "labels": {"la": {"A": "Ashford", "B": "Bury", "C": "Crewe", "D": "Dover"}}}
    return table, meta


def write(path: Path, table: pd.DataFrame, meta: dict[str, object], command: str = "estimate") -> Path:
    table.to_csv(path, index=False)
    sidecar_path(path).write_text(json.dumps(provenance(command, {"level": 0.95, "min_base": 50}, []) | meta))
    return path


@pytest.mark.parametrize(("indicator", "polarity", "ashford", "bury"),
                         [("NI17", "lower_is_better", "worse", "better"),
                          ("NI21", "higher_is_better", "better", "worse")])
def test_forest_plots_colour_better_and_worse_by_polarity(tmp_path: Path, indicator: str, polarity: str,
                                                          ashford: str, bury: str) -> None:
    table, meta = estimates(indicator, polarity)
    report = make_report([write(tmp_path / "est.csv", table, meta)], ReportOptions(national_label="England"))
    (forest,) = [f for f in report.figures() if "forest" in f.id]
    judged = dict(zip(forest.data["area"], forest.data["against national"], strict=True))
    assert judged == {"Ashford": f"{ashford} than England", "Bury": f"{bury} than England",
                      "Crewe": "no different from England"}, judged
    colours = json.dumps(forest.spec)
    assert '"worse than England"' in colours and "#D55E00" in colours, "worse is vermillion whatever the polarity"
    notes = [b.text for s in report.sections for b in s.blocks if isinstance(b, Paragraph) and b.kind == "note"]
    assert "Not shown: 1 local authority whose estimates are suppressed (fewer than 50 respondents): Dover." in notes


def test_without_a_polarity_the_forest_says_higher_or_lower_and_judges_nothing(tmp_path: Path) -> None:
    table, meta = estimates("NI17", "")
    del meta["indicator_polarity"]
    report = make_report([write(tmp_path / "est.csv", table, meta)])
    (forest,) = [f for f in report.figures() if "forest" in f.id]
    assert set(forest.data["against national"]) == {"higher than all areas", "lower than all areas",
                                                    "no different from all areas"}
    assert "not judged" in json.dumps(forest.spec)


def test_an_area_profile_has_one_row_per_indicator_and_a_small_multiple(contract_files: dict[str, Path]) -> None:
    report = make_report(list(contract_files.values()), ReportOptions(areas=("E01",), national_label="England"))
    profile = report.sections[0]
    assert profile.title == "Profile: Ashford"
    (table,) = [b for b in profile.blocks if isinstance(b, Table)]
    row = table.frame.iloc[0]
    assert len(table.frame) == 1 and row["Indicator"] == "NI 17: Perceptions of anti-social behaviour"
    assert (row["Value"], row["95% interval"]) == ("18.0", "15.5 to 20.5"), "the latest quarter's estimate"
    assert row["Change"].startswith("deteriorated: +3.0 +/- 1.2 points"), row["Change"]
    assert row["Against peers"] == "not different (rank 1 of 3)"
    assert row["Target"] == "no result given"
    (figure,) = [f for f in report.figures() if f.id.startswith("profile")]
    assert len(figure.panels) == 1 and figure.marks == {"rule": 2, "symbol": 1, "rect": 9}, (
        "the area's interval and the national line; its point; ticks for 6 areas and 3 peers")
    assert report.main_points[0].startswith("Ashford: NI 17 18.0% (95% interval 15.5 to 20.5)"), report.main_points


def test_an_unknown_area_is_refused_with_exit_code_2(contract_files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ReportInputError, match="--area E99: no estimate result has this area"):
        make_report([contract_files["estimate"]], ReportOptions(areas=("E99",)))
    result = CliRunner().invoke(app, ["report", str(contract_files["estimate"]), "--area", "E99", "--out",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert "E99" in result.output and "Traceback" not in result.output


def test_the_page_opens_with_main_points_then_one_caveat_box(contract_files: dict[str, Path]) -> None:
    page = render(make_report(list(contract_files.values())))
    body = page.split("<body>")[1]
    assert body.index('id="main-points"') < body.index('class="caveat"') < body.index("<nav")
    top = body.split("<nav")[0]
    assert top.count('class="caveat"') == 1, "the caveats are folded into one box at the top"


def test_a_profile_includes_the_areas_model_based_estimates(contract_files: dict[str, Path]) -> None:
    meta_file = sidecar_path(contract_files["sae"])
    meta_file.write_text(json.dumps(json.loads(meta_file.read_text()) | {"domain": "la"}))
    report = make_report([contract_files["estimate"], contract_files["sae"]], ReportOptions(areas=("E02",)))
    (table,) = [b for b in report.sections[0].blocks if isinstance(b, Table)]
    assert list(table.frame["Indicator"]) == ["NI 17: Perceptions of anti-social behaviour",
                                              "PSA 23 indicator 3: Confidence in local agencies (model-based)"]
    model = table.frame.iloc[1]
    assert (model["Value"], model["95% interval"]) == ("32.5", "28.6 to 36.4"), model.to_dict()
    assert model["Against all areas"] == "no result given", "no national value of PSA 23 indicator 3 was given"
