"""`safer change`, `safer peers`, `safer targets` and `safer estimate` with periods, end to end; and every
bad input the issue lists: one readable paragraph, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from reporting.results import read_table
from survey.jobs.demo import examples_dir

AREAS = ["E1", "E2", "E3", "E4", "E5", "E6"]


def _year_file(tmp_path: Path, year: int, shift: float, name: str | None = None, **changes: object) -> Path:
    """A Place-like year: each area a stratum, an agree item (1 agree, 2 disagree) and return dates."""
    rng = np.random.default_rng(year)
    n_each = 90
    la = np.repeat(AREAS, n_each)
    p = 0.45 + shift + 0.05 * (np.arange(la.size) // n_each % 3)
    start = np.datetime64(f"{year}-09-22")
    frame = pd.DataFrame({
        "la": la, "w": rng.uniform(20, 60, la.size), "agree": np.where(rng.random(la.size) < p, 1, 2),
        "survey_year": year, "interview_date": (start + rng.integers(0, 90, la.size)).astype(str),
    })
    for column, value in changes.items():
        frame[column] = value
    path = tmp_path / (name or f"place_{year}.csv")
    frame.to_csv(path, index=False)
    return path


def _peers(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "groups.csv"
    pd.DataFrame(rows, columns=["area", "group"]).to_csv(path, index=False)
    return path


GROUPS = [(a, "g1" if i < 3 else "g2") for i, a in enumerate(AREAS)]
DESIGN = ["--weight", "w", "--strata", "la", "--proportion", "agree=1"]


def _run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def _assert_clean_failure(code: int, output: str, out: Path, expected: list[str]) -> None:
    flat = " ".join(output.split())
    assert code == 2, output
    assert "Traceback" not in output
    for fragment in expected:
        assert fragment in flat, f"{fragment!r} not in {flat!r}"
    assert not out.exists(), "a failed run must write nothing"
    assert not out.with_name(out.name + ".meta.json").exists()
    assert not list(out.parent.glob(f".{out.name}*")), "a temporary file was left behind"


def test_change_between_two_files_writes_the_table_and_provenance(runner: CliRunner, tmp_path: Path) -> None:
    first, second = _year_file(tmp_path, 2008, 0.0), _year_file(tmp_path, 2010, 0.15)
    out = tmp_path / "change.csv"
    code, output = _run(runner, ["change", str(first), str(second), *DESIGN, "--by", "la", "--out", str(out)])
    assert code == 0, output
    table = pd.read_csv(out)
    overall = table[table["domain"] == "all"].iloc[0]
    assert (overall["base_period"], overall["current_period"]) == ("place_2008", "place_2010")
    assert overall["change"] == pytest.approx(overall["current_estimate"] - overall["base_estimate"])
    assert overall["shared_n"] == 0 and bool(overall["significant"]), "a 15-point rise on 540 per year is real"
    assert overall["direction"] == "increased", "a --proportion has no polarity: increased/decreased"
    assert set(table["domain_value"]) == {"all", *AREAS}
    meta = json.loads((tmp_path / "change.csv.meta.json").read_text())
    assert meta["command"] == "change"
    assert set(meta["inputs"]) == {str(first), str(second)}
    assert [p["label"] for p in meta["periods"]] == ["place_2008", "place_2010"]


def test_change_between_levels_of_a_column_and_from_tables(runner: CliRunner, tmp_path: Path) -> None:
    first, second = _year_file(tmp_path, 2008, 0.0), _year_file(tmp_path, 2010, 0.15)
    out = tmp_path / "change.csv"
    code, output = _run(runner, ["change", str(first), str(second), *DESIGN, "--between", "survey_year=2008,2010",
                                 "--independent", "--out", str(out)])
    assert code == 0, output
    micro = pd.read_csv(out).iloc[0]
    tables = []
    for path in (first, second):
        est = tmp_path / f"est_{path.stem}.csv"
        assert _run(runner, ["estimate", str(path), *DESIGN, "--ci", "wald", "--out", str(est)])[0] == 0
        tables.append(est)
    from_tables = tmp_path / "from_tables.csv"
    code, output = _run(runner, ["change", "--tables", str(tables[0]), str(tables[1]), "--out", str(from_tables)])
    assert code == 0, output
    row = pd.read_csv(from_tables).iloc[0]
    # Independent files: the tables give the same change and SE as the microdata.
    assert row["change"] == pytest.approx(micro["change"], rel=1e-9)
    assert row["se_change"] == pytest.approx(micro["se_change"], rel=1e-6)


def test_peers_with_keeping_pace(runner: CliRunner, tmp_path: Path) -> None:
    first, second = _year_file(tmp_path, 2008, 0.0), _year_file(tmp_path, 2010, 0.1)
    out = tmp_path / "peers.xlsx"
    code, output = _run(runner, ["peers", str(first), str(second), *DESIGN, "--peers", str(_peers(tmp_path, GROUPS)),
                                 "--area-col", "la", "--out", str(out)])
    assert code == 0, output
    table, _ = read_table(out)  # a workbook: one sheet per indicator and a notes sheet
    assert list(table["domain_value"]) == AREAS and set(table["domain"]) == {"la"}
    assert {"peer_mean", "difference", "difference_ci_lower", "flag", "rank", "pace_difference", "pace_flag"} <= set(
        table.columns)
    g1 = table[table["group"] == "g1"]
    assert g1["peer_mean"].iloc[0] == pytest.approx(g1["estimate"].mean())
    meta = json.loads((tmp_path / "peers.xlsx.meta.json").read_text())
    assert meta["command"] == "peers" and "unweighted mean" in meta["peer_mean"]
    assert str(tmp_path / "groups.csv") in meta["inputs"], "the peers file is hashed into the provenance"


def test_estimate_by_window_and_rolling_on_the_bundled_bcs(runner: CliRunner, tmp_path: Path) -> None:
    bcs = examples_dir() / "bcs.parquet"
    out = tmp_path / "rolling.csv"
    code, output = _run(runner, ["estimate", str(bcs), "--questionnaire", "bcs", "--indicator", "PSA23_4",
                                 "--weight", "design_weight", "--strata", "stratum", "--psu", "psu",
                                 "--date-col", "interview_date", "--window", "2008-10:2009-03", "--rolling", "6m",
                                 "--every", "quarter", "--out", str(out)])
    assert code == 0, output
    table = pd.read_csv(out)
    columns = list(table.columns)
    after = columns.index("indicator_title") + 1
    assert columns[after:after + 3] == ["period", "period_start", "period_end"], "period columns follow the title"
    assert list(table["period"]) == ["2008-10:2009-03", "6 months to 2008-09-30", "6 months to 2008-12-31",
                                     "6 months to 2009-03-31"]
    assert table["n_unweighted"].iloc[0] == table["n_unweighted"].iloc[-1], "the same six months"


def test_targets_on_the_bundled_confidence_target(runner: CliRunner, tmp_path: Path) -> None:
    bcs = examples_dir() / "bcs.parquet"
    out = tmp_path / "targets.csv"
    targets = examples_dir() / "targets" / "confidence.yaml"
    code, output = _run(runner, ["targets", str(bcs), "--targets", str(targets), "--weight", "design_weight",
                                 "--strata", "stratum", "--psu", "psu", "--date-col", "interview_date",
                                 "--out", str(out)])
    assert code == 0, output
    row = pd.read_csv(out).iloc[0]
    assert row["indicator"] == "PSA23_3" and row["latest_period"] == "12 months to 2009-03-31"
    assert (row["domain"], row["domain_value"], row["latest_date"]) == ("all", "all", "2009-03-31")
    assert row["target_value"] == pytest.approx(0.60) and row["target_date"] == "2012-03-31"
    assert row["status"] in {"on track", "off track", "cannot tell"}
    assert 0 <= row["probability_on_track"] <= 1


# ---- bad input ---------------------------------------------------------------------------------------------


def test_a_window_with_no_respondents(runner: CliRunner, tmp_path: Path) -> None:
    data = _year_file(tmp_path, 2008, 0.0)
    out = tmp_path / "change.csv"
    code, output = _run(runner, ["change", str(data), *DESIGN, "--date-col", "interview_date", "--base-window",
                                 "2005-01:2005-06", "--current-window", "2008-10:2008-12", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["--base-window 2005-01:2005-06", "no respondent was interviewed"])


def test_overlapping_periods_when_independent_is_asserted(runner: CliRunner, tmp_path: Path) -> None:
    data = _year_file(tmp_path, 2008, 0.0)
    out = tmp_path / "change.csv"
    code, output = _run(runner, ["change", str(data), *DESIGN, "--date-col", "interview_date", "--base-window",
                                 "2008-09:2008-11", "--current-window", "2008-10:2008-12", "--independent",
                                 "--out", str(out)])
    _assert_clean_failure(code, output, out, ["--independent was asserted", "share", "respondent(s)"])


@pytest.mark.parametrize(("rows", "expected"), [
    ([*GROUPS, ("E9", "g2")], ["not in the data's 'la' column", "E9"]),
    (GROUPS[:-1], ["in no group", "E6"]),
    ([*GROUPS[:-1], ("E6", "g3")], ["group 'g3' has only one area"]),
    ([*GROUPS, ("E1", "g2")], ["area 'E1' is listed twice"]),
    ([*GROUPS[:-1], ("E6", "")], ["row 6 has no group"]),
], ids=["unknown area", "area in no group", "group of one", "area twice", "blank group"])
def test_bad_peers_files(runner: CliRunner, tmp_path: Path, rows: list[tuple[str, str]], expected: list[str]) -> None:
    data = _year_file(tmp_path, 2008, 0.0)
    out = tmp_path / "peers.csv"
    code, output = _run(runner, ["peers", str(data), *DESIGN, "--peers", str(_peers(tmp_path, rows)), "--area-col",
                                 "la", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["groups.csv", *expected])


TARGET = """questionnaire: bcs
targets:
  - indicator: {indicator}
    baseline: {{period: "2007-10:2008-03", value: 0.45}}
    target: 0.60
    by: {by}
{extra}"""


@pytest.mark.parametrize(("fields", "expected"), [
    ({"indicator": "PSA23_3", "by": "2007-12-31", "extra": ""}, ["target date 2007-12-31 is not after the baseline"]),
    ({"indicator": "NI99", "by": "2012-03-31", "extra": ""}, ["unknown indicator 'NI99'"]),
    ({"indicator": "PSA23_4", "by": "2012-03-31", "extra": "    polarity: higher_is_better\n"},
     ["polarity higher_is_better contradicts", "lower_is_better"]),
    ({"indicator": "PSA23_3", "by": "2012-03-31", "extra": "    colour: red\n"}, ["targets.0.colour"]),
], ids=["date before baseline", "unknown indicator", "polarity contradicts", "unknown field"])
def test_bad_targets_files(runner: CliRunner, tmp_path: Path, fields: dict[str, str], expected: list[str]) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(TARGET.format(**fields))
    out = tmp_path / "targets.csv"
    code, output = _run(runner, ["targets", str(examples_dir() / "bcs.parquet"), "--targets", str(targets),
                                 "--weight", "design_weight", "--date-col", "interview_date", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["targets.yaml", *expected])


def test_tables_with_mismatched_domains(runner: CliRunner, tmp_path: Path) -> None:
    columns = {"indicator": ["NI1", "NI1"], "estimate": [0.5, 0.6], "se": [0.01, 0.01], "domain": ["la", "la"]}
    base, current = tmp_path / "base.csv", tmp_path / "current.csv"
    pd.DataFrame(columns | {"domain_value": ["E1", "E2"]}).to_csv(base, index=False)
    pd.DataFrame(columns | {"domain_value": ["E1", "E3"]}).to_csv(current, index=False)
    out = tmp_path / "change.csv"
    code, output = _run(runner, ["change", "--tables", str(base), str(current), "--out", str(out)])
    _assert_clean_failure(code, output, out, ["do not hold the same indicators and domains",
                                              "NI1 la=E2 only in", "NI1 la=E3 only in"])


def test_dates_that_cannot_be_parsed_name_the_row(runner: CliRunner, tmp_path: Path) -> None:
    dates = [f"2008-10-{d:02d}" for d in range(1, 31)] * 18
    dates[41] = "the 3rd of October"
    data = _year_file(tmp_path, 2008, 0.0, interview_date=dates)
    out = tmp_path / "estimate.csv"
    code, output = _run(runner, ["estimate", str(data), *DESIGN, "--date-col", "interview_date", "--window",
                                 "2008-10:2008-12", "--out", str(out)])
    _assert_clean_failure(code, output, out, ["interview_date", "data row 42", "the 3rd of October"])


def test_synth_years_writes_a_file_per_year_and_the_true_changes(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "place_{year}.csv"
    bad = _run(runner, ["synth", "place", "--seed", "3", "--las", "2", "--returns", "60", "--years", "2008,2009",
                        "--out", str(tmp_path / "place.csv"), "--controls", str(tmp_path / "c.csv")])
    _assert_clean_failure(*bad, tmp_path / "place.csv", ["put {year} in the file name"])
    code, output = _run(runner, ["synth", "place", "--seed", "3", "--las", "2", "--returns", "60", "--years",
                                 "2008,2009", "--drift", "0", "--out", str(out), "--controls", str(tmp_path / "c.csv"),
                                 "--change-truth", str(tmp_path / "change.csv")])
    assert code == 0, output
    years = [pd.read_csv(tmp_path / f"place_{y}.csv") for y in (2008, 2009)]
    assert [set(y["survey_year"]) for y in years] == [{2008}, {2009}]
    assert years[1]["interview_date"].between("2009-09-22", "2009-12-19").all()
    truth = pd.read_csv(tmp_path / "change.csv")
    assert (truth["true_change"] == 0).all(), "--drift 0: the population does not change"
    meta = json.loads((tmp_path / "place_2009.csv.meta.json").read_text())
    assert meta["parameters"]["years"] == "2008,2009" and meta["summary"]["year"] == "2009"


def test_change_in_publication_form(runner: CliRunner, tmp_path: Path) -> None:
    first, second = _year_file(tmp_path, 2008, 0.0), _year_file(tmp_path, 2010, 0.15)
    out = tmp_path / "change_pub.csv"
    code, output = _run(runner, ["change", str(first), str(second), *DESIGN, "--format", "publication",
                                 "--out", str(out)])
    assert code == 0, output
    row = pd.read_csv(out).iloc[0]
    assert row["published"].startswith("+") and "+/-" in row["published"], "change in points with its half-width"
    meta = json.loads((tmp_path / "change_pub.csv.meta.json").read_text())
    assert meta["command"] == "change" and meta["content"] == "publication"
    bad = tmp_path / "bad.csv"
    _assert_clean_failure(*_run(runner, ["change", str(first), str(second), *DESIGN, "--format", "wide",
                                         "--out", str(bad)]), bad, ["--format wide"])
