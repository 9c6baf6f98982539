"""Bad recorded-crime input: a clear message naming what is wrong, exit code 2, and nothing written.

Each case `safer crime validate` lists is checked twice: `validate` lists it (exit 2) and a judging command refuses
it (exit 2, no output file, no sidecar). Then the cases only the judging commands meet: a base period outside the
data, a most similar group of fewer than 3 areas, a series too short to estimate its fluctuation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from tests.recorded_crime.conftest import counts_frame


def damaged(files: dict[str, Path], tmp_path: Path, change: object) -> Path:
    frame = counts_frame(files)
    frame = change(frame)  # type: ignore[operator]
    path = tmp_path / "counts.csv"
    frame.to_csv(path, index=False)
    return path


def refused(runner: CliRunner, args: list[str], out: Path, *expected: str) -> str:
    result = runner.invoke(app, args)
    text = " ".join(result.output.split())
    assert result.exit_code == 2, f"expected exit 2, got {result.exit_code}: {text}"
    for words in expected:
        assert words in text, f"expected {words!r} in the message, got: {text}"
    assert not out.exists() and not Path(f"{out}.meta.json").exists(), "nothing may be written"
    assert "Traceback" not in text
    return text


def _unknown(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[3, "code"] = "8X"
    return frame


def _negative(frame: pd.DataFrame) -> pd.DataFrame:
    frame["count"] = frame["count"].astype(float)
    frame.loc[5, "count"] = -2
    return frame


def _fraction(frame: pd.DataFrame) -> pd.DataFrame:
    frame["count"] = frame["count"].astype(float)
    frame.loc[7, "count"] = 2.5
    return frame


def _duplicate(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[10]]], ignore_index=True)


def _missing_month(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~((frame["area"] == "E002") & (frame["period"] == "2008-07"))]


def _era(frame: pd.DataFrame) -> pd.DataFrame:
    row = frame[(frame["period"] == "2006-05")].index[0]
    frame.loc[row, "code"], frame.loc[row, "count"] = "8F", 4
    return frame


CASES = {
    "unknown code": (_unknown, ["unknown offence code '8X'", "nearest known: 8A, 8D, 8F"]),
    "negative count": (_negative, ["negative count", "(-2)"]),
    "non-integer count": (_fraction, ["not a whole number", "(2.5)"]),
    "duplicate rows": (_duplicate, ["repeat the area, period and code of an earlier row", "counted twice"]),
    "missing months": (_missing_month, ["area E002: no row at all for 1 of the 72 months", "2008-07"]),
    "code changed over time": (_era, ["code 8F has offences in 2006-05", "outside the months it was in use",
                                      "from 2008-04"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_lists_the_problem_and_a_judging_command_refuses_it(case: str, crime_files: dict[str, Path],
                                                                     tmp_path: Path, runner: CliRunner) -> None:
    change, expected = CASES[case]
    counts = damaged(crime_files, tmp_path, change)
    result = runner.invoke(app, ["crime", "validate", str(counts)])
    text = " ".join(result.output.split())
    assert result.exit_code == 2, f"{case}: expected validate to exit 2, got {result.exit_code}: {text}"
    for words in expected:
        assert words in text, f"{case}: expected {words!r} in validate's list, got: {text}"
    out = tmp_path / "change.csv"
    refused(runner, ["crime", "change", str(counts), "--out", str(out)], out, *expected, "safer crime validate")


def test_the_clean_file_validates(crime_files: dict[str, Path], runner: CliRunner) -> None:
    """The cases above fail because of the damage done, not because the fixture is bad."""
    result = runner.invoke(app, ["crime", "validate", str(crime_files["counts"]), "--population",
                                 str(crime_files["population"]), "--groups", str(crime_files["groups"])])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_an_area_without_population_is_refused(crime_files: dict[str, Path], tmp_path: Path,
                                               runner: CliRunner) -> None:
    people = pd.read_csv(crime_files["population"])
    short = tmp_path / "population.csv"
    people[~((people["area"] == "E004") & (people["year"] == 2008))].to_csv(short, index=False)
    result = runner.invoke(app, ["crime", "validate", str(crime_files["counts"]), "--population", str(short)])
    assert result.exit_code == 2 and "area E004 has no population for mid-2008 (for 2008-09)" in \
        " ".join(result.output.split()), result.output
    out = tmp_path / "rates.csv"
    refused(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(short), "--out", str(out)],
            out, "area E004 has no population for mid-2008")
    people[people["area"] != "E005"].to_csv(short, index=False)
    refused(runner, ["crime", "rates", str(crime_files["counts"]), "--population", str(short), "--out", str(out)],
            out, "area E005 has no population", "nearest names there")


def test_a_combined_code_beside_a_code_it_holds_is_refused(crime_files: dict[str, Path], tmp_path: Path,
                                                          runner: CliRunner) -> None:
    def both(frame: pd.DataFrame) -> pd.DataFrame:
        extra = pd.DataFrame({"area": ["E001", "E001"], "period": ["2009-01", "2009-01"],
                              "code": ["1/4.1/4.10/4.2", "1"], "count": [2, 1]})
        return pd.concat([frame[~((frame["area"] == "E001") & (frame["period"] == "2009-01") &
                                  (frame["code"] == "1"))], extra], ignore_index=True)

    counts = damaged(crime_files, tmp_path, both)
    out = tmp_path / "change.csv"
    refused(runner, ["crime", "change", str(counts), "--out", str(out)], out, "which already holds them",
            "counted twice")


def test_a_base_period_outside_the_data_is_refused(crime_files: dict[str, Path], tmp_path: Path,
                                                   runner: CliRunner) -> None:
    out = tmp_path / "change.csv"
    refused(runner, ["crime", "change", str(crime_files["counts"]), "--base", "2002-03", "--out", str(out)], out,
            "--base 2002-03 is outside the data", "holds 2005-06 to 2010-11 whole")
    refused(runner, ["crime", "peers", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                     "--groups", str(crime_files["groups"]), "--current", "2011-12", "--out", str(out)], out,
            "--current 2011-12 is outside the data")


def test_a_group_of_fewer_than_three_areas_is_refused(crime_files: dict[str, Path], tmp_path: Path,
                                                      runner: CliRunner) -> None:
    groups = pd.read_csv(crime_files["groups"])
    small = tmp_path / "groups.csv"
    keep = groups[(groups["area"] != "E006") | (groups["peer"] == groups[groups["area"] == "E006"]["peer"].iloc[0])]
    keep.to_csv(small, index=False)
    out = tmp_path / "peers.csv"
    refused(runner, ["crime", "peers", str(crime_files["counts"]), "--population", str(crime_files["population"]),
                     "--groups", str(small), "--out", str(out)], out,
            "the most similar group of E006 (2 areas) has fewer than 3 areas")


def test_a_series_too_short_for_its_fluctuation_is_refused_not_tested_by_poisson(
        crime_files: dict[str, Path], tmp_path: Path, runner: CliRunner) -> None:
    frame = counts_frame(crime_files)
    months = frame["period"].str.slice(0, 4).astype(int) * 12 + frame["period"].str.slice(5, 7).astype(int)
    quarter = frame.assign(period=[f"{(m - 4) // 12}-{((m - 4) // 12 + 1) % 100:02d} Q{(m - 4) % 12 // 3 + 1}"
                                   for m in months])
    short = quarter[quarter["period"].str[:4].astype(int).between(2007, 2010)]
    short = short.groupby(["area", "period", "code"], as_index=False)["count"].sum()
    counts = tmp_path / "quarters.csv"
    short.to_csv(counts, index=False)
    out = tmp_path / "change.csv"
    text = refused(runner, ["crime", "change", str(counts), "--out", str(out)], out,
                   "too short to estimate its ordinary fluctuation", "4 complete financial year(s)",
                   "9 residual degrees of freedom", "at least 10 (5 complete years of quarters, 20 periods)",
                   "a plain Poisson test is not used instead")
    assert "p_value_poisson" not in text
    result = runner.invoke(app, ["crime", "change", str(counts), "--out", str(out), "--min-df", "9"])
    assert result.exit_code == 0 and out.exists(), "lowering --min-df knowingly lets it run: " + result.output


def test_an_output_over_an_input_is_refused_before_reading(crime_files: dict[str, Path], runner: CliRunner) -> None:
    before = crime_files["counts"].read_bytes()
    result = runner.invoke(app, ["crime", "change", str(crime_files["counts"]), "--out", str(crime_files["counts"])])
    assert result.exit_code == 2 and "inputs are never modified" in " ".join(result.output.split())
    assert crime_files["counts"].read_bytes() == before


def test_codes_as_numbers_are_refused(tmp_path: Path, runner: CliRunner) -> None:
    frame = pd.DataFrame({"area": ["A"] * 24, "period": [f"{2007 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}"
                                                         for m in range(24)],
                          "code": [4.1] * 24, "count": [1] * 24})
    path = tmp_path / "numeric.parquet"
    frame.to_parquet(path)
    out = tmp_path / "change.csv"
    refused(runner, ["crime", "change", str(path), "--out", str(out)], out, "holds numbers, not text",
            "4.10 and 4.1 cannot be told apart")
