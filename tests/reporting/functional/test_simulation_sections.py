"""Simulation charts a policy analyst can read: the A.38 answer first, honest about thin replications, money in
pounds, "not estimable" instead of "nan", and a tornado split by scenario with the difference first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from reporting.report.build import make_report
from reporting.report.figures import Figure
from reporting.report.html import render
from reporting.report.model import Paragraph, Table
from reporting.report.success import MIN_REPLICATIONS
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path


def write(path: Path, table: pd.DataFrame, command: str, **meta: object) -> Path:
    table.to_csv(path, index=False)
    sidecar_path(path).write_text(json.dumps(provenance(command, {}, []) | meta))
    return path


def success(replications: int) -> pd.DataFrame:
    rows = [{"scenario": s, "criterion": c, "probability": p, "ci_lower": max(p - 0.3, 0), "ci_upper": min(p + 0.3, 1),
             "replications": replications}
            for s, p in (("baseline", 0.25), ("ppo", 0.5)) for c in ("adult", "serious", "all")]
    # Youth not calibrated: the probability cannot be estimated.
    rows += [{"scenario": s, "criterion": "youth", "probability": np.nan, "ci_lower": np.nan, "ci_upper": np.nan,
              "replications": replications} for s in ("baseline", "ppo")]
    return pd.DataFrame(rows)


def costs() -> pd.DataFrame:
    return pd.DataFrame([
        {"scenario": "ppo", "item": "net_cost", "mean": -124658609.2, "ci_lower": -130e6, "ci_upper": -119e6,
         "unit": "GBP"},
        {"scenario": "ppo", "item": "net_cost_per_offence_averted", "mean": 8752.2, "ci_lower": np.nan,
         "ci_upper": np.nan, "unit": "GBP per offence"},
        {"scenario": "ppo", "item": "cost_of_crime_averted", "mean": np.nan, "ci_lower": np.nan, "ci_upper": np.nan,
         "unit": "GBP"},
        {"scenario": "ppo", "item": "offences_committed_averted", "mean": 23844.3, "ci_lower": 12046.2,
         "ci_upper": 35642.4, "unit": "offences"},
    ])


def test_the_a38_answer_comes_first_with_a_warning_when_replications_are_few(tmp_path: Path) -> None:
    thin = write(tmp_path / "success.csv", success(4), "simulate project", content="success")
    report = make_report([thin])
    blocks = report.sections[0].blocks
    first_figure = next(b for b in blocks if isinstance(b, Figure))
    assert first_figure.id.endswith("success"), "the A.38 probability is the first chart"
    assert "only 4 replications" in first_figure.warning and str(MIN_REPLICATIONS) in first_figure.warning
    assert any("too few to rely on" in p for p in report.main_points), report.main_points
    enough = write(tmp_path / "enough.csv", success(MIN_REPLICATIONS), "simulate project", content="success")
    figure = next(f for f in make_report([enough]).figures() if f.id.endswith("success"))
    assert figure.warning == "", "no warning once the replications are enough"


def test_a_missing_probability_reads_not_estimable_and_is_not_drawn(tmp_path: Path) -> None:
    report = make_report([write(tmp_path / "success.csv", success(200), "simulate project", content="success")])
    table = next(b for b in report.sections[0].blocks if isinstance(b, Table))
    assert set(table.frame["youth rate lower"]) == {"not estimable"}, table.frame.to_dict()
    figure = next(f for f in report.figures() if f.id.endswith("success"))
    assert figure.marks == {"symbol": 6, "rule": 6}, "six probabilities drawn; the two youth rows are not"
    assert "Not estimable: baseline (youth rate lower), ppo (youth rate lower)." in figure.description


def test_money_is_in_pounds_with_separators_and_never_nan(tmp_path: Path) -> None:
    report = make_report([write(tmp_path / "costs.csv", costs(), "simulate project", content="costs")])
    (table,) = [b for b in report.sections[0].blocks if isinstance(b, Table)]
    shown = dict(zip(table.frame["Item"], table.frame["Mean (95% interval)"], strict=True))
    assert shown["Net cost"] == "-£124,658,609 (-£130,000,000 to -£119,000,000)"
    assert shown["Net cost per offence averted"] == "£8,752 (interval not estimable) per offence"
    assert shown["Cost of crime averted"] == "not estimable"
    assert shown["Offences committed, averted"] == "23,844 (12,046 to 35,642) offences"
    text = re.sub(r"<script.*?</script>", "", render(report), flags=re.S)
    assert not re.search(r"\bnan\b|GBP|e\+0", text), re.findall(r".{30}(?:\bnan\b|GBP|e\+0).{30}", text)


def sweep_with_scenarios() -> pd.DataFrame:
    rows = []
    for scenario, base, scale in (("baseline", 158.6, 1.0), ("ppo", 158.5, 1.0), ("ppo minus baseline", -0.1, 0.05)):
        for parameter, low, high in (("ppo.ppo_scheme.rate_ratio", -1, 1.5), ("age_log_rate_per_year", -4, 1)):
            rows.append({"parameter": parameter, "measure": "frequency_per_100", "scenario": scenario,
                         "base_value": 0.5, "low_value": 0.3, "high_value": 0.7, "base_result": base,
                         "low_result": base + scale * low, "high_result": base + scale * high})
    return pd.DataFrame(rows)


def test_the_tornado_with_scenarios_draws_one_panel_per_scenario_difference_first(tmp_path: Path) -> None:
    report = make_report([write(tmp_path / "sweep.csv", sweep_with_scenarios(), "simulate sweep")])
    (tornado,) = [f for f in report.figures() if "tornado" in f.id]
    titles = [p["title"] for p in tornado.panels]
    assert titles == ["ppo minus baseline", "ppo", "baseline"], titles
    for panel, scenario in zip(tornado.panels, titles, strict=True):
        (values,) = [v for k, v in panel["datasets"].items() if any("parameter" in row for row in v)]
        assert {row["scenario"] for row in values} == {scenario}, "each panel holds its own scenario only"
    assert tornado.marks == {"rect": 12, "rule": 3}


def test_projection_fans_never_go_below_zero_and_overlay_published_figures(tmp_path: Path) -> None:
    rows = []
    for scenario, shift in (("baseline", 0.0), ("ppo", -0.1)):
        for year in range(2003, 2012):
            rows.append({"scenario": scenario, "cohort": "adult and youth", "year": year,
                         "measure": "serious_per_100", "mean": 0.6 + shift, "ci_lower": -0.2 + shift,
                         "ci_upper": 1.5 + shift, "figure": 0.86 if year == 2005 and scenario == "baseline" else None,
                         "figure_status": "published" if year == 2005 and scenario == "baseline" else None})
    path = write(tmp_path / "projection.csv", pd.DataFrame(rows), "simulate project", content="projection")
    report = make_report([path])
    fans = next(f for f in report.figures() if f.id.endswith("fan-baseline"))
    assert (fans.data["mc_lower"] >= 0).all(), "a count's band is cut at zero"
    assert fans.marks == {"area": 1, "line": 1, "symbol": 1, "rule": 1}, "one published figure drawn"
    ends = next(b for b in report.sections[0].blocks if isinstance(b, Table) and "2004 and 2011" in b.caption)
    assert "-" not in "".join(ends.frame["2011"]), ends.frame.to_dict()


def test_percent_change_rows_are_not_drawn_as_a_scenario_on_a_rate_axis(tmp_path: Path) -> None:
    rows = []
    for scenario, mean in (("baseline", 158.8), ("ppo", 150.2), ("ppo minus baseline", -8.6),
                           ("ppo percent change", -5.4)):
        for measure in ("frequency_per_100", "binary_rate_percent", "serious_per_100"):
            rows.append({"scenario": scenario, "measure": measure, "group": "all", "group_value": "all",
                         "mean": mean, "ci_lower": mean - 2, "ci_upper": mean + 2, "replications": 8})
        for band in ("18-20", "21-24"):
            rows.append({"scenario": scenario, "measure": "frequency_per_100", "group": "age_band",
                         "group_value": band, "mean": mean, "ci_lower": mean - 3, "ci_upper": mean + 3,
                         "replications": 8})
    report = make_report([write(tmp_path / "run.csv", pd.DataFrame(rows), "simulate run",
                                parameters={"cohort": "adult", "size": 4000, "replications": 8})])
    by_age = next(f for f in report.figures() if "rate-by-age" in f.id)
    assert set(by_age.data["scenario"]) == {"baseline", "ppo"}, "only levels on a per-100 axis"
    differences = next(b for b in report.sections[0].blocks if isinstance(b, Table) and "against the baseline"
                       in b.caption)
    assert differences.frame["Percent change (95% interval)"].iloc[0] == "-5.4% (-7.4% to -3.4%)"
    assert differences.frame["Judgement"].iloc[0] == "fewer"


@pytest.mark.parametrize(("difference", "said"), [(-8.6, "fewer proven re-offences"),
                                                   (0.3, "more proven re-offences (proven, not committed")])
def test_a_scenario_main_point_says_proven_re_offences_not_offending(tmp_path: Path, difference: float,
                                                                    said: str) -> None:
    # PPO raises detection: proven re-offending can rise while crime falls, so a point must not say "re-offences"
    # as if it were offending.
    rows = [{"scenario": scenario, "measure": "frequency_per_100", "group": "all", "group_value": "all",
             "mean": mean, "ci_lower": mean - (0.2 if "minus" in scenario else 2),
             "ci_upper": mean + (0.2 if "minus" in scenario else 2), "replications": 8}
            for scenario, mean in (("baseline", 158.8), ("ppo", 158.8 + difference),
                                   ("ppo minus baseline", difference))]
    report = make_report([write(tmp_path / "run.csv", pd.DataFrame(rows), "simulate run",
                                parameters={"cohort": "adult", "size": 4000, "replications": 8})])
    (point,) = [p for p in report.main_points if p.startswith("Simulated ppo")]
    assert said in point, f"expected {said!r} in the main point, found: {point}"


@pytest.fixture(scope="module")
def projected_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real `simulate project` outputs at a tiny size: one plain (with its trend table), one with --uncertainty
    (with the tornado read off its draws)."""
    folder = tmp_path_factory.mktemp("projected")
    runner = CliRunner()
    small = ["--adult-size", "600", "--youth-size", "500", "--check-size", "600", "--scenario", "ppo"]
    for stem, extra in (("plain", ["--replications", "2"]), ("drawn", ["--replications", "4", "--uncertainty"])):
        result = runner.invoke(app, ["simulate", "project", *small, *extra, "--out", str(folder / f"{stem}.csv")])
        assert result.exit_code == 0, result.output
    return folder


def test_the_projection_trend_table_is_reported_with_each_setting_in_words(projected_outputs: Path) -> None:
    trend = projected_outputs / "plain_trend.csv"
    report = make_report([projected_outputs / "plain_success.csv", trend])
    tables = [b for s in report.sections for b in s.blocks if isinstance(b, Table)]
    shown = [t for t in tables if "against the trend" in t.caption]
    assert len(shown) == 1, f"expected one trend table, found captions {[t.caption for t in tables]}"
    settings = shown[0].frame["Trend after the last published year"].tolist()
    assert settings[0] == "fitted (central)" and "flat" in settings and "rising 3% a year" in settings, settings
    assert "all three lower (A.38 met)" in shown[0].frame.columns
    paragraphs = [b.text for s in report.sections for b in s.blocks if isinstance(b, Paragraph)]
    assert any("Too few replications" in p for p in paragraphs), "2 replications must carry the warning"


def test_the_projection_tornado_of_the_draws_is_reported_one_panel_per_scenario(projected_outputs: Path) -> None:
    report = make_report([projected_outputs / "drawn_tornado.csv"])
    titles = [s.title for s in report.sections]
    assert "Sensitivity of the projection to its assumptions" in titles, titles
    figures = [f for f in report.figures() if "tornado" in f.id]
    assert figures, "the draws' tornado must be drawn"
    assert any("split at the median" in b.text for s in report.sections for b in s.blocks
               if isinstance(b, Paragraph)), "the reader is told how the tornado of the draws is read"
