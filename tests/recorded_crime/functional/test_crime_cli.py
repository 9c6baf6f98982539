"""The `safer crime` commands end to end on small synthetic files: what they write, checked by hand or against truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from cli import app
from tests.recorded_crime.conftest import counts_frame


def run(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, f"expected success, got {result.exit_code}: {result.output}"
    return " ".join(result.output.split())


def test_rates_equal_a_hand_count(crime_files: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "rates.csv"
    run(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                 "--indicator", "PSA23_2", "--out", str(out)])
    rates = pd.read_csv(out)
    row = rates[(rates["area"] == "E003") & (rates["period"] == "2008-09")].iloc[0]
    frame = counts_frame(crime_files)
    codes = {"28", "28A", "28B", "28C", "28D", "29", "34A", "34B", "48", "37.2", "45"}
    months = [f"2008-{m:02d}" for m in range(4, 13)] + [f"2009-{m:02d}" for m in range(1, 4)]
    count = frame[(frame["area"] == "E003") & frame["period"].isin(months) & frame["code"].isin(codes)]["count"].sum()
    people = pd.read_csv(crime_files["population"]).set_index(["area", "year"])["population"]
    assert row["count"] == count, f"expected the hand count {count}, got {row['count']}"
    assert row["population"] == people[("E003", 2008)] and row["population_year"] == 2008
    assert row["rate"] == count / people[("E003", 2008)] * 1000
    assert row["rate_ci_lower"] < row["rate"] < row["rate_ci_upper"]
    total = rates[(rates["area"] == "All areas") & (rates["period"] == "2008-09")].iloc[0]
    assert total["count"] == rates[(rates["area"] != "All areas") & (rates["period"] == "2008-09")]["count"].sum()
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    assert meta["command"] == "crime rates" and str(crime_files["counts"]) in meta["inputs"]
    assert any("not a sample" in c for c in meta["caveats"]) and any("SYNTHETIC" in c for c in meta["caveats"]) is False


def test_rolling_and_lagged_rates(crime_files: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "rolling.csv"
    run(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                 "--indicator", "PSA23_2", "--period", "rolling", "--no-total", "--out", str(out)])
    rolling = pd.read_csv(out)
    assert set(rolling["period"].str[-2:]) == {"03", "06", "09", "12"}, "rolling years end each quarter"
    first = rolling.iloc[0]
    assert first["period"] == "12 months to 2006-03" and first["period_months"] == 12
    second = rolling[rolling["period"] == "12 months to 2006-06"].iloc[0]
    assert second["population_year"] == 2006, "July 2005 - June 2006 holds 30 June 2006"
    people = pd.read_csv(crime_files["population"])
    earlier = people[people["year"] == 2005].assign(year=2004, population=1)
    lagged = tmp_path / "population.csv"
    pd.concat([earlier, people]).to_csv(lagged, index=False)
    out = tmp_path / "lagged.csv"
    run(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(lagged), "--indicator", "PSA23_2",
                 "--population-lag", "1", "--no-total", "--out", str(out)])
    first = pd.read_csv(out).iloc[0]
    assert (first["period"], first["population_year"], first["population"]) == ("2005-06", 2004, 1)


def test_change_finds_the_true_changes_and_not_the_others(tmp_path: Path, runner: CliRunner) -> None:
    """Against truth: areas drawn with a 30% fall in acquisitive crime from 2009-10 are called fallen; areas drawn
    with no change (and no trend) mostly are not."""
    counts, truth = tmp_path / "counts.csv", tmp_path / "truth.csv"
    run(runner, ["synth", "crime", "--areas", "24", "--years", "2005-06:2010-11", "--change-share", "0.5",
                 "--effect", "0.7", "--change-from", "2009-10", "--seed", "3", "--out", str(counts), "--population",
                 str(tmp_path / "p.csv"), "--groups", str(tmp_path / "g.csv"), "--truth", str(truth)])
    out = tmp_path / "change.csv"
    run(runner, ["crime", "change", str(counts), "--indicator", "PSA23_2", "--current", "2010-11", "--out", str(out)])
    change = pd.read_csv(out)
    totals = change[change["crime_type"] == "all"].set_index("area")
    caveats = json.loads(Path(f"{out}.meta.json").read_text())["caveats"]
    assert caveats[0].startswith("SYNTHETIC DATA"), "a synthetic input makes a synthetic output, said first"
    changed = set(pd.read_csv(truth).query("change_factor != 1")["area"])
    assert 4 <= len(changed) <= 20, f"expected about half the areas changed, got {len(changed)}"
    assert all(totals.loc[a, "direction"] == "fell" for a in changed), totals.loc[sorted(changed), "direction"]
    # every area's true ratio (2010-11 over 2007-08 expected counts, trends and changes included) in its interval
    expected = pd.read_csv(truth)
    psa = expected[expected["offence_type"].isin(["burglary_dwelling", "aggravated_burglary", "robbery_business",
                                                  "robbery_personal", "theft_of_vehicle", "aggravated_vehicle_taking",
                                                  "theft_from_vehicle"])]
    by_year = psa.groupby(["area", "financial_year"])["expected"].sum().unstack()
    true_ratio = by_year["2010-11"] / by_year["2007-08"]
    covered = (totals["ratio_ci_lower"] <= true_ratio) & (true_ratio <= totals["ratio_ci_upper"])
    assert covered.sum() >= 20, f"expected the true ratio inside nearly every 95% interval, got {covered.sum()} of 24"
    assert set(change["crime_type"]) == {"all", "burglary_dwelling", "aggravated_burglary_dwelling",
                                         "robbery_business", "robbery_personal", "theft_of_vehicle",
                                         "aggravated_vehicle_taking", "theft_from_vehicle"}
    types = change[change["crime_type"] != "all"]
    assert types["criterion"].eq("A.24").all() and types["multiplicity"].eq("holm").all()
    rule = json.loads(Path(f"{out}.meta.json").read_text())["multiplicity"]
    assert rule.startswith("Holm's step-down across an indicator's crime types"), rule
    assert (change["dispersion_used"] >= 1).all()


def test_publication_and_workbook_forms(crime_files: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    from openpyxl import load_workbook

    from reporting.workbook import HEADER_ROW

    out = tmp_path / "change.xlsx"
    run(runner, ["crime", "change", str(crime_files["counts"]), "--indicator", "PSA23_1", "--indicator", "PSA23_2",
                 "--format", "publication", "--area", "E001", "--out", str(out)])
    book = load_workbook(out)
    assert {"Cover", "Contents", "Notes"} < set(book.sheetnames), book.sheetnames
    sheet = book[book.sheetnames[-1]]
    assert sheet["A1"].value == "Recorded crime: change", "the title is in A1 (the spreadsheet guidance)"
    header = [c.value for c in sheet[HEADER_ROW]]
    assert "Change (%), interval" in header and "p (plain Poisson)" in header, header
    assert all(row[1] == "E001" for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    long = tmp_path / "peers.parquet"
    run(runner, ["crime", "peers", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                 "--groups", str(crime_files["groups"]), "--benchmark", "quantile:0.75", "--out", str(long)])
    peers = pd.read_parquet(long)
    assert (peers["benchmark_rule"] == "quantile:0.75").all()
    assert set(peers["a20_status"]) <= {"below benchmark", "rose above benchmark", "reached benchmark",
                                        "met trajectory target", "not met"}


def test_national_view_gives_both_years_and_says_when_one_is_missing(crime_files: dict[str, Path], tmp_path: Path,
                                                                     runner: CliRunner) -> None:
    out = tmp_path / "national.csv"
    text = run(runner, ["crime", "national", str(crime_files["counts"]), "--indicator", "PSA23_2", "--out",
                        str(out)])
    national = pd.read_csv(out)
    views = national[national["view"].notna()]
    assert set(views["current_period"]) == {"2010-11", "2012-13"}
    missing = views[views["current_period"] == "2012-13"].iloc[0]
    assert missing["verdict"].startswith("not in the data"), missing["verdict"]
    assert "PSA23_2 2010-11 against 2007-08" in text
    frame = counts_frame(crime_files)
    year = frame["period"].str[:4].astype(int) - (frame["period"].str[5:7].astype(int) < 4)
    codes = {"28A", "28B", "28C", "28D", "29", "34A", "34B", "48", "37.2", "45"}
    total = frame[(year == 2010) & frame["code"].isin(codes)]["count"].sum()
    row = national[(national["crime_type"] == "all") & (national["current_period"] == "2010-11")
                   & (national["comparison"] == "against base")].iloc[0]
    assert row["current_count"] == total


def test_spc_and_displacement(crime_files: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    spc = tmp_path / "spc.csv"
    run(runner, ["crime", "spc", str(crime_files["counts"]), "--indicator", "PSA23_2", "--area", "E002",
                 "--out", str(spc)])
    limits = pd.read_csv(spc)
    assert len(limits) == 72 and (limits["area"] == "E002").all()
    assert ((limits["lower_control"] <= limits["centre"]) & (limits["centre"] <= limits["upper_control"])).all()
    beyond = (limits["count"] > limits["upper_control"]) | (limits["count"] < limits["lower_control"])
    assert (limits.loc[beyond, "signal"].str.contains("control limit")).all()
    out = tmp_path / "displacement.csv"
    run(runner, ["crime", "displacement", str(crime_files["counts"]), "--out", str(out)])
    pairs = pd.read_csv(out, dtype={"signal": str}, keep_default_na=False)
    assert set(pairs["pair"]) == {"vehicle", "burglary"}
    assert (pairs[pairs["period"] == "2007-08"].empty), "the base year is not compared with itself"
    both = (pairs["watched_direction"] == "fell") & (pairs["partner_direction"] == "rose")
    assert (pairs["signal"] == np.where(both, "possible displacement", "")).all()


def test_synth_is_byte_identical_for_a_seed(tmp_path: Path, runner: CliRunner) -> None:
    def draw(folder: Path, seed: str) -> bytes:
        folder.mkdir()
        run(runner, ["synth", "crime", "--areas", "5", "--years", "2007-08:2008-09", "--seed", seed, "--out",
                     str(folder / "c.csv"), "--population", str(folder / "p.csv"), "--groups", str(folder / "g.csv")])
        return (folder / "c.csv").read_bytes()

    assert draw(tmp_path / "a", "5") == draw(tmp_path / "b", "5") != draw(tmp_path / "c", "6")


def test_home_office_layout_with_a_combined_homicide_code(crime_files: dict[str, Path], tmp_path: Path,
                                                           runner: CliRunner) -> None:
    """The open data's layout: financial year and quarter, CSP Name, Offence Code with dots, Number of Offences;
    homicide as one combined code on two rows (two descriptions), added; read from CSV and from XLSX."""
    frame = counts_frame(crime_files)
    month = frame["period"].str[5:7].astype(int)
    year = frame["period"].str[:4].astype(int) - (month < 4)
    frame["Financial Year"] = year.astype(str) + "/" + ((year + 1) % 100).astype(str).str.zfill(2)
    frame["Financial Quarter"] = ((month - 4) % 12 // 3 + 1).astype(str)
    homicide = frame["code"].isin(["1", "4.1", "4.2"])
    frame.loc[homicide, "Offence Description"] = np.where(frame.loc[homicide, "code"] == "1", "Murder",
                                                          "Manslaughter etc")
    frame.loc[homicide, "code"] = "1/4.1/4.10/4.2"
    frame["Offence Description"] = frame["Offence Description"].fillna("other")
    quarters = frame.groupby(["Financial Year", "Financial Quarter", "area", "Offence Description", "code"],
                             as_index=False)["count"].sum()
    quarters = quarters.rename(columns={"area": "CSP Name", "code": "Offence Code", "count": "Number of Offences"})
    quarters.insert(2, "Force Name", "Synthetic")
    path = tmp_path / "prc-csp.csv"
    quarters.to_csv(path, index=False)
    out = tmp_path / "rates.csv"
    text = run(runner, ["crime", "rates", str(path), "--population", str(crime_files["population"]), "--indicator",
                        "PSA23_1", "--by-type", "--out", str(out)])
    assert "combined code 1/4.1/4.10/4.2" in text
    rates = pd.read_csv(out)
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    assert meta["counts"]["layout"] == "home-office" and meta["counts"]["frequency"] == "quarter"
    original = counts_frame(crime_files)
    orig_year = original["period"].str[:4].astype(int) - (original["period"].str[5:7].astype(int) < 4)
    expected = original[(orig_year == 2008) & (original["area"] == "E001")
                        & original["code"].isin(["1", "4.1", "4.2", "4.3"])]["count"].sum()
    got = rates[(rates["area"] == "E001") & (rates["period"] == "2008-09") & (rates["crime_type"] == "homicide")]
    assert got["count"].iloc[0] == expected
    xlsx = tmp_path / "prc-csp.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        for fy, rows in quarters.groupby("Financial Year"):
            rows.to_excel(writer, sheet_name=str(fy).replace("/", "_"), index=False)
    out2 = tmp_path / "rates2.csv"
    run(runner, ["crime", "rates", str(xlsx), "--population", str(crime_files["population"]), "--indicator",
                 "PSA23_1", "--by-type", "--out", str(out2)])
    pd.testing.assert_frame_equal(pd.read_csv(out2), rates)


def test_a_mapping_file_binds_other_column_names(crime_files: dict[str, Path], tmp_path: Path,
                                                 runner: CliRunner) -> None:
    frame = counts_frame(crime_files).rename(columns={"area": "Partnership", "count": "Offences recorded"})
    path = tmp_path / "odd.csv"
    frame.to_csv(path, index=False)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("layout: long\ncolumns: {area: Partnership, count: Offences recorded}\n")
    text = run(runner, ["crime", "validate", str(path), "--mapping", str(mapping)])
    assert "area=Partnership" in text and "clean" in text
    run(runner, ["crime", "validate", str(path), "--map", "area=Partnership", "--map", "count=Offences recorded"])


def test_the_check_command_reports_false_alarms_and_power(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "check.csv"
    text = run(runner, ["check", "crime-change", "--areas", "60", "--effect", "0.7", "--out", str(out)])
    assert "no change, quasi-Poisson (safer crime change):" in text and "false-alarm rate" in text
    table = pd.read_csv(out)
    power = table[(table["true_ratio"] == 0.7) & table["test"].str.startswith("quasi")]["rejection_rate"].iloc[0]
    assert power > 0.8, f"a 30% fall should be seen in most areas, got {power}"


def test_no_rate_for_a_period_before_an_indicator_was_counted_whole(crime_files: dict[str, Path], tmp_path: Path,
                                                                     runner: CliRunner) -> None:
    """GBH without intent was collected centrally only from April 2007 (000:454): PSA 23 indicator 1 has no rate
    for 2005-06 or 2006-07 (a too-low figure would be a wrong answer), and NI 20 none before 2008-09."""
    out = tmp_path / "rates.csv"
    run(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                 "--indicator", "PSA23_1", "--indicator", "NI20", "--out", str(out)])
    rates = pd.read_csv(out, keep_default_na=True)
    early = rates[(rates["indicator"] == "PSA23_1") & rates["period"].isin(["2005-06", "2006-07"])]
    assert early["rate"].isna().all() and early["note"].eq("not counted whole before 2007-04").all()
    assert rates[(rates["indicator"] == "PSA23_1") & (rates["period"] == "2007-08")]["rate"].notna().all()
    assert rates[(rates["indicator"] == "NI20") & (rates["period"] == "2007-08")]["rate"].isna().all()
    publication = tmp_path / "rates.xlsx"
    run(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                 "--indicator", "PSA23_1", "--format", "publication", "--out", str(publication)])
