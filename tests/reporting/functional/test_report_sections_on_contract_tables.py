"""Each report section, built from tables that follow the contract in docs/report.md.

For every kind of result (estimates by rolling period, change, peers, targets, small-area estimates, projection,
A.38 success, costs, sweep) the section appears, its charts expect exactly the marks the data call for, and
names replace codes. The browser test (tests/reporting/browser) checks that Chromium draws those marks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reporting.errors import ReportInputError
from reporting.report.build import ReportOptions, make_report
from reporting.report.figures import Figure
from reporting.report.html import render
from reporting.report.model import Report, Section, Table
from safer_io.sidecars import sidecar_path


@pytest.fixture
def full_report(contract_files: dict[str, Path]) -> Report:
    return make_report(list(contract_files.values()), ReportOptions(title="All sections", national_label="England"))


def figure(report: Report, id_part: str) -> Figure:
    found = [f for f in report.figures() if id_part in f.id]
    assert len(found) == 1, f"expected one figure with '{id_part}' in its id, got {[f.id for f in report.figures()]}"
    return found[0]


def section(report: Report, title_start: str) -> Section:
    found = [s for s in report.sections if s.title.startswith(title_start)]
    assert found, f"no section titled {title_start!r}: {[s.title for s in report.sections]}"
    return found[0]


def test_every_section_appears_for_what_was_given(full_report: Report) -> None:
    titles = [s.title for s in full_report.sections if s.level == 2]
    for expected in ("Rolling estimates by local authority, latest period 2008-09 Q3", "Change: 2007-08 to 2008-09",
                     "Areas against their peers", "Targets: the latest estimate against the trajectory",
                     "Small-area estimates", "Re-offending projection and the PSA 23 success test (A.38)",
                     "Sensitivity to assumptions", "Methods and provenance"):
        assert expected in titles, f"section {expected!r} missing from {titles}"
    assert not any(".csv" in t for t in titles), f"file names are not headings: {titles}"


def test_forest_plot_has_each_area_its_peer_mean_and_the_national_line(full_report: Report) -> None:
    forest = figure(full_report, "forest-ni17-la")
    # Latest quarter: six areas, each a point and an interval; one national rule; six peer-mean ticks.
    assert forest.marks == {"symbol": 6, "rule": 7, "rect": 6}, forest.marks
    assert list(forest.data["area"])[0] == "Frome", "areas sorted by estimate, highest first, named not coded"
    assert "peer-group mean" in forest.description and "England" in forest.description
    legends = json.dumps(forest.spec)
    assert "England (dashed line)" in legends and "peer-group mean (black tick)" in legends, (
        "the national line and the peer ticks are in the legend")


def test_rolling_trend_has_ribbon_series_and_target_trajectory(full_report: Report) -> None:
    trend = figure(full_report, "e0-trend-ni17-all-all")
    assert trend.marks == {"area": 1, "line": 2, "symbol": 5}, trend.marks
    assert "trajectory" in trend.description and "on track" in trend.description


def test_change_chart_and_table_show_direction_and_minimum_movement(full_report: Report) -> None:
    change = figure(full_report, "c0-change-ni17")
    assert change.marks == {"rule": 5, "symbol": 4}
    tables = [b for s in full_report.sections if s.id == "c0-change-ni17" for b in s.blocks if isinstance(b, Table)]
    (table,) = tables
    national = table.frame[table.frame["Area"] == "England"].iloc[0]
    assert national["Change (points)"] == "-1.2 +/- 1.2", national.to_dict()
    assert national["Level to reach"] == "18.8"
    assert set(table.frame["Direction"]) == {"improved", "deteriorated", "no significant change"}
    assert "Indicator" not in table.frame.columns, "one caption per indicator, not a title in every row"
    assert table.caption.startswith("NI 17:")


def test_small_area_chart_puts_direct_beside_model_and_marks_synthetic(full_report: Report) -> None:
    sae = figure(full_report, "sae-psa23-3")
    assert sae.marks == {"rule": 9, "symbol": 9}, "4 direct (one area has no sample) + 5 model-based"
    assert set(sae.data["estimator"]) == {"direct", "EBLUP", "synthetic"}


def test_projection_fans_show_monte_carlo_and_assumption_bands_apart(full_report: Report) -> None:
    fan = figure(full_report, "fan-baseline")
    # The baseline's adult rate: a Monte Carlo band and a wider band with assumptions; the 2004 baseline rule.
    assert fan.marks == {"area": 2, "line": 1, "rule": 1}, fan.marks
    assert "light band with assumption uncertainty" in fan.description
    differences = figure(full_report, "fan-differences")
    # ppo minus baseline from the first year they differ (2005-2011): one line, seven points, the zero rule.
    assert differences.marks == {"line": 1, "symbol": 7, "rule": 1}, differences.marks
    assert (differences.data["difference"] < 0).all(), "ppo lowers the rate in the fixture"


def test_success_probability_and_offences_averted(full_report: Report) -> None:
    success = figure(full_report, "success")
    assert success.marks == {"symbol": 8, "rule": 8} and len(success.panels) == 4, "one panel per criterion"
    averted = figure(full_report, "averted")
    assert averted.marks == {"rule": 4, "symbol": 2}, "only items counted in offences, one panel each"


def test_tornado_sorts_parameters_by_swing(full_report: Report) -> None:
    tornado = figure(full_report, "tornado")
    assert tornado.marks == {"rect": 8, "rule": 1}
    assert list(dict.fromkeys(tornado.data["parameter"])) == ["uptake", "rate_ratio", "completion", "court_lag"]


def test_headline_table_uses_publication_conventions_and_marks_low_bases(full_report: Report) -> None:
    table = next(b for b in section(full_report, "NI 17: Perceptions").blocks if isinstance(b, Table))
    frame = table.frame
    assert frame["Area"].iloc[0] == "England", "the national row first, with its name"
    assert "2008-09 Q3" in table.caption, "the latest period"
    frome = frame[frame["Area"] == "Frome"].iloc[0]
    assert frome["Note"] == "low base (base under 200)"
    assert frame[frame["Area"] == "Ashford"].iloc[0]["Note"] == ""


def test_caveats_and_assumptions_from_metadata_reach_the_reader(full_report: Report) -> None:
    assert "Youth rates are uncalibrated." in full_report.caveats
    assert full_report.caveat_summary == ["Youth rates are uncalibrated."]
    page = render(full_report)
    assert "No offending in custody" in page or "no offending in custody" in page
    assert page.count("<figure id=") == len(full_report.figures())


def test_a_projection_without_content_is_recognised_by_its_columns(contract_files: dict[str, Path]) -> None:
    meta_file = sidecar_path(contract_files["success"])
    meta = json.loads(meta_file.read_text())
    del meta["content"]
    meta_file.write_text(json.dumps(meta))
    report = make_report([contract_files["success"]])
    assert any("success" in f.id for f in report.figures())


def test_a_table_that_breaks_the_contract_is_refused_naming_the_column(contract_files: dict[str, Path]) -> None:
    path = contract_files["change"]
    pd.read_csv(path).drop(columns=["direction"]).to_csv(path, index=False)
    with pytest.raises(ReportInputError, match=r"change\.csv.*direction"):
        make_report([path])


def test_an_unknown_command_is_refused(contract_files: dict[str, Path]) -> None:
    path = contract_files["sweep"]
    sidecar_path(path).write_text(json.dumps({"command": "tea"}))
    with pytest.raises(ReportInputError, match="no section for output of 'tea'"):
        make_report([path])


def test_every_chart_takes_the_width_of_its_container(full_report: Report) -> None:
    """Phone and paper: no chart has a fixed width in the page (files written by --figures get one)."""
    from reporting.report.figures import file_spec

    for fig in full_report.figures():
        for spec in fig.browser_specs():
            assert spec.get("width") == "container", f"{fig.id}: width {spec.get('width')!r}"
            assert spec.get("autosize", {}).get("type") == "fit-x", f"{fig.id}: autosize {spec.get('autosize')}"
        if not fig.panels:
            assert isinstance(file_spec(fig.spec)["width"], int), f"{fig.id}: a file needs a fixed width"
