"""Issue 20 end to end: inputs that gave a confident number with exit 0 now refuse, warn or say what they cannot
support (the right survey, the right sample, screen tables, peers on an area missing from a period)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from cli import app

AREAS = ["E1", "E2", "E3", "E4"]


def year_file(tmp_path: Path, year: int, name: str | None = None, drop_area: str | None = None) -> Path:
    """A Place-like year with a respondent id, an agree item (1 agree, 2 disagree), a mean near 17 and dates."""
    rng = np.random.default_rng(year)
    n_each = 80
    la = np.repeat(AREAS, n_each)
    frame = pd.DataFrame({
        "respondent_id": np.arange(la.size) + year * 10_000, "la": la, "w": rng.uniform(20, 60, la.size),
        "agree": np.where(rng.random(la.size) < 0.45, 1, 2), "score": rng.normal(17.09, 2.0, la.size),
        "interview_date": (np.datetime64(f"{year}-09-22") + rng.integers(0, 90, la.size)).astype(str),
    })
    if drop_area is not None:
        frame = frame[frame["la"] != drop_area]
    path = tmp_path / (name or f"year_{year}.csv")
    frame.to_csv(path, index=False)
    return path


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


def test_change_and_peers_screen_tables_show_means_as_means(runner: CliRunner, tmp_path: Path) -> None:
    first, second = year_file(tmp_path, 2008), year_file(tmp_path, 2009)
    code, output = run(runner, ["change", str(first), str(second), "--weight", "w", "--strata", "la",
                                "--mean", "score", "--out", str(tmp_path / "change.csv")])
    assert code == 0, output
    base = pd.read_csv(tmp_path / "change.csv").iloc[0]["base_estimate"]
    assert f"{base:.1f}" in output, f"the base mean {base:.1f} should be on screen: {output}"
    assert f"{100 * base:.1f}" not in output, "a mean must not be shown x100"
    peers = tmp_path / "groups.csv"
    pd.DataFrame({"area": AREAS, "group": ["g1", "g1", "g2", "g2"]}).to_csv(peers, index=False)
    code, output = run(runner, ["peers", str(second), "--weight", "w", "--strata", "la", "--mean", "score",
                                "--peers", str(peers), "--area-col", "la", "--out", str(tmp_path / "peers.csv")])
    assert code == 0, output
    estimate = pd.read_csv(tmp_path / "peers.csv").iloc[0]["estimate"]
    assert f"{estimate:.1f}" in output and f"{100 * estimate:.1f}" not in output, output


def test_peers_with_an_area_missing_from_one_period_writes_empty_rows(runner: CliRunner, tmp_path: Path) -> None:
    first, second = year_file(tmp_path, 2008), year_file(tmp_path, 2009, drop_area="E4")
    peers = tmp_path / "groups.csv"
    pd.DataFrame({"area": AREAS, "group": ["g1", "g1", "g2", "g2"]}).to_csv(peers, index=False)
    out = tmp_path / "peers.csv"
    code, output = run(runner, ["peers", str(first), str(second), "--weight", "w", "--strata", "la",
                                "--proportion", "agree=1", "--peers", str(peers), "--area-col", "la",
                                "--out", str(out)])
    assert code == 0, output
    assert "KeyError" not in output and "internal error" not in output
    e4 = pd.read_csv(out).set_index("domain_value").loc["E4"]
    assert np.isnan(e4["estimate"]) and "no respondent" in e4["note"], e4.to_dict()


# ---- the right survey and the right sample (part 2) ----------------------------------------------------------

import pytest  # noqa: E402


@pytest.fixture(scope="module")
def weighted_place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic Place Survey file weighted by `safer weight` (its sidecar records 'synth place')."""
    folder = tmp_path_factory.mktemp("place")
    runner = CliRunner()
    raw, controls, weighted = folder / "p.csv", folder / "c.csv", folder / "pw.parquet"
    result = runner.invoke(app, ["synth", "place", "--seed", "3", "--las", "3", "--returns", "150", "--out", str(raw),
                                 "--controls", str(controls)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["weight", str(raw), "--controls", str(controls), "--by", "la", "--strata", "la",
                                 "--weight", "design_weight", "--out", str(weighted)])
    assert result.exit_code == 0, result.output
    return weighted


def test_a_weighted_file_records_its_questionnaire_and_another_is_refused_naming_both(
        runner: CliRunner, weighted_place: Path, tmp_path: Path) -> None:
    meta = json.loads(weighted_place.with_name(weighted_place.name + ".meta.json").read_text())
    assert meta["weighting"]["questionnaire"]["name"] == "place", "the weighted file records which survey it is"
    out = tmp_path / "e.csv"
    code, output = run(runner, ["estimate", str(weighted_place), "-q", "bcs", "--indicator", "PSA23_4",
                                "--out", str(out)])
    assert code == 2, output
    assert "'place'" in output and "'bcs 2008/09'" in output, f"the refusal names both surveys: {output}"
    assert not out.exists()
    code, output = run(runner, ["estimate", str(weighted_place), "-q", "place", "--indicator", "NI17",
                                "--out", str(out)])
    assert code == 0, output


def test_flags_contradicting_a_weighted_files_design_are_refused_unless_overridden(
        runner: CliRunner, weighted_place: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    args = ["estimate", str(weighted_place), "-q", "place", "--indicator", "NI17", "--weight", "design_weight",
            "--strata", "la", "--out", str(out)]
    code, output = run(runner, args)
    assert code == 2, output
    assert "--weight design_weight (recorded: weight)" in output and "--override-design" in output, output
    code, output = run(runner, [*args, "--override-design"])
    assert code == 0, output
    meta = json.loads((tmp_path / "e.csv.meta.json").read_text())
    assert meta["parameters"]["override_design"] is True and meta["design"]["override_design"] is True
    assert "overriding the recorded design" in meta["design"]["from"]
    code, output = run(runner, ["estimate", str(weighted_place), "-q", "place", "--indicator", "NI17", "--strata", "la",
                                "--out", str(tmp_path / "same.csv")])
    assert code == 0, f"a flag that agrees with the recorded design is no contradiction: {output}"


def test_change_refuses_a_file_and_its_copy(runner: CliRunner, tmp_path: Path) -> None:
    first = year_file(tmp_path, 2008)
    copy = tmp_path / "copy_of_year_2008.csv"
    shutil.copy(first, copy)
    out = tmp_path / "change.csv"
    code, output = run(runner, ["change", str(first), str(copy), "--weight", "w", "--strata", "la",
                                "--proportion", "agree=1", "--out", str(out)])
    assert code == 2 and "hold one sample (the same bytes" in output, output
    assert not out.exists()


def test_change_refuses_the_same_respondents_in_another_file(runner: CliRunner, tmp_path: Path) -> None:
    """A Parquet copy with an extra weight column: other bytes, same respondents by id and answers."""
    first = year_file(tmp_path, 2008)
    frame = pd.read_csv(first)
    again = tmp_path / "reweighted.parquet"
    frame.assign(w=frame["w"] * 1.1, new_weight=1.0).sample(frac=1.0, random_state=1).to_parquet(again)
    code, output = run(runner, ["change", str(first), str(again), "--weight", "w", "--strata", "la",
                                "--proportion", "agree=1", "--out", str(tmp_path / "change.csv")])
    assert code == 2 and "the same 320 respondent ids ('respondent_id') with the same answers" in output, output


def test_stacked_files_of_one_survey_whose_dates_overlap_draw_a_warning(runner: CliRunner, tmp_path: Path) -> None:
    first = year_file(tmp_path, 2008)
    overlapping = year_file(tmp_path, 2008, name="again_2008.csv")
    frame = pd.read_csv(overlapping)
    frame["respondent_id"] += 500_000
    frame["agree"] = 3 - frame["agree"]
    frame.to_csv(overlapping, index=False)
    out = tmp_path / "est.csv"
    result = runner.invoke(app, ["estimate", str(first), str(overlapping), "--weight", "w", "--strata", "la",
                                 "--proportion", "agree=1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "warning:" in said and "overlap in interview dates" in said, said
    meta = json.loads((tmp_path / "est.csv.meta.json").read_text())
    assert any("overlap in interview dates" in w for w in meta["warnings"])
    later = year_file(tmp_path, 2009)
    code, output = run(runner, ["estimate", str(first), str(later), "--weight", "w", "--strata", "la",
                                "--proportion", "agree=1", "--out", str(tmp_path / "est2.csv")])
    assert code == 0 and "overlap" not in output, "consecutive years do not overlap"


def test_a_window_partly_covered_by_fieldwork_is_labelled_by_its_data(runner: CliRunner, tmp_path: Path) -> None:
    first = year_file(tmp_path, 2008)  # interviews from 22 September for 90 days
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", str(first), "--weight", "w", "--strata", "la", "--proportion", "agree=1",
                                "--date-col", "interview_date", "--window", "2008-07:2008-12", "--out", str(out)])
    assert code == 0, output
    period = pd.read_csv(out)["period"].iloc[0]
    assert period == "2008-07:2008-12 (fieldwork in 4 of 6 months, 2008-09 to 2008-12)", period
    meta = json.loads((tmp_path / "est.csv.meta.json").read_text())
    assert any("only partly covered" in note for note in meta["notes"]), meta["notes"]


def test_a_rolling_window_needs_ninety_per_cent_of_its_months_covered(runner: CliRunner, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    days = np.datetime64("2008-04-01") + rng.integers(0, 730, 3000)
    frame = pd.DataFrame({"w": 1.0, "agree": rng.integers(1, 3, 3000), "interview_date": days.astype(str)})
    frame.loc[0, "interview_date"] = "1899-12-30"  # a stray date
    path = tmp_path / "bcs.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "rolling.csv"
    code, output = run(runner, ["estimate", str(path), "--proportion", "agree=1", "--date-col", "interview_date",
                                "--rolling", "12m", "--every", "quarter", "--out", str(out)])
    assert code == 0, output
    periods = pd.read_csv(out)["period_start"].unique()
    assert all(p >= "2008-04-01" for p in periods), f"a window with the stray date or half-covered: {periods}"
    meta = json.loads((tmp_path / "rolling.csv.meta.json").read_text())
    assert any("is left out: fieldwork covers" in note for note in meta["notes"]), meta["notes"]


# ---- targets: period alignment and direction (part 4) ---------------------------------------------------------


def targets_file(tmp_path: Path, target: float) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "questionnaire: bcs\ntargets:\n  - indicator: PSA23_3\n    area: all\n    baseline:\n"
        "      period: 2007-10:2008-03\n      value: 0.45\n"
        f"    target: {target}\n    by: 2012-03-31\n", encoding="utf-8")
    return path


def test_targets_state_their_period_alignment_and_warn_on_a_target_below_the_baseline(
        runner: CliRunner, tmp_path: Path) -> None:
    from survey.jobs.demo import examples_dir

    bcs = examples_dir() / "bcs.parquet"
    args = ["targets", str(bcs), "--weight", "design_weight", "--strata", "stratum", "--psu", "psu",
            "--date-col", "interview_date"]
    out = tmp_path / "t.csv"
    result = runner.invoke(app, [*args, "--targets", str(targets_file(tmp_path, 0.60)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "t.csv.meta.json").read_text())
    alignment = meta["period_alignment"][0]
    assert (alignment["baseline_months"], alignment["assessed_months"]) == (6, [12]), alignment
    assert any("joins a 6-month baseline to 12-month estimates" in n for n in meta["notes"]), meta["notes"]
    assert not meta["warnings"], "a target above the baseline of a higher-is-better indicator is fine"
    result = runner.invoke(app, [*args, "--targets", str(targets_file(tmp_path, 0.40)), "--out",
                                 str(tmp_path / "t2.csv")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "warning:" in said and "is below its baseline 0.45" in said, said


# ---- estimators (part 5) --------------------------------------------------------------------------------------


def test_estimate_totals_ratios_and_quantiles_by_domain(runner: CliRunner, tmp_path: Path) -> None:
    first = year_file(tmp_path, 2008)
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", str(first), "--weight", "w", "--strata", "la", "--by", "la",
                                "--total", "score", "--ratio", "score/w", "--quantile", "score=0.5", "--out", str(out)])
    assert code == 0, output
    table = pd.read_csv(out)
    frame = pd.read_csv(first)
    total = table[(table["indicator"] == "total:score") & (table["domain"] == "all")].iloc[0]
    assert total["estimate"] == pytest.approx(float((frame["score"] * frame["w"]).sum()), rel=1e-12)
    ratio = table[(table["indicator"] == "ratio:score/w") & (table["domain_value"] == "E1")].iloc[0]
    e1 = frame[frame["la"] == "E1"]
    assert ratio["estimate"] == pytest.approx(float((e1["score"] * e1["w"]).sum() / (e1["w"] ** 2).sum()), rel=1e-12)
    median = table[table["indicator"] == "quantile:score=0.5"]
    assert set(median["ci_method"]) == {"woodruff"} and len(median) == 5
    assert (median["ci_lower"] <= median["estimate"]).all() and (median["estimate"] <= median["ci_upper"]).all()
    published = tmp_path / "pub.csv"
    code, output = run(runner, ["estimate", str(first), "--weight", "w", "--strata", "la", "--total", "score",
                                "--format", "publication", "--out", str(published)])
    assert code == 0, output
    assert pd.read_csv(published).iloc[0]["unit"] == "mean", "a total is printed in its own unit, not as per cent"
