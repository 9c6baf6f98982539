"""Workbooks open in LibreOffice (Debian's, headless) and its cells are numbers with the formats written.

LibreOffice loads each workbook and exports every sheet as CSV with the values as displayed: a proportion of
0.1669 shows as "16.7%", a base of 15376 as "15,376". A number stored as text would come out unformatted, and a
file LibreOffice had to repair would not convert. `.ci/run` installs `libreoffice-calc-nogui`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app, bundled_jobs_dir
from reporting.workbook import HEADER_ROW

SOFFICE = shutil.which("soffice")
if SOFFICE is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's libreoffice-calc-nogui (.ci/run does)")
    pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)", allow_module_level=True)

EXAMPLES = bundled_jobs_dir().parent
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def sheets_as_displayed(workbook: Path, tmp_path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet as LibreOffice displays it (formatted text), by sheet name."""
    out = tmp_path / "csv"
    done = subprocess.run(
        [str(SOFFICE), "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", CSV_FILTER, "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    sheets = {}
    for p in out.glob("*.csv"):
        name = p.stem.removeprefix(f"{workbook.stem}-")
        if name == "Cover":
            sheets[name] = pd.read_csv(p, dtype=str, keep_default_na=False, header=None)
        else:  # title in A1, a description in A2, the table's header in row 3
            sheets[name] = pd.read_csv(p, dtype=str, keep_default_na=False, skiprows=HEADER_ROW - 1)
    assert sheets, f"LibreOffice wrote no sheet: {done.stdout} {done.stderr}"
    return sheets


def test_estimate_workbook_shows_percentages_and_counts_in_libreoffice(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "est.xlsx"
    result = runner.invoke(app, ["estimate", str(EXAMPLES / "place.parquet"), "-q", "place", "--indicator", "NI17",
                                 "--indicator", "NI42", "--by", "la", "--weight", "design_weight", "--strata", "la",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    shown = sheets_as_displayed(out, tmp_path)
    assert set(shown) == {"Cover", "Contents", "Notes", "NI17", "NI42"}
    stored = pd.read_excel(out, sheet_name="NI17", skiprows=HEADER_ROW - 1)
    sheet = shown["NI17"]
    for (_, raw), (_, cells) in zip(stored.iterrows(), sheet.iterrows(), strict=True):
        assert cells["Estimate (%)"] == f"{100 * raw['Estimate (%)']:.1f}%", (raw["Estimate (%)"], cells)
        assert cells["Unweighted base"] == f"{int(raw['Unweighted base']):,}"
    assert "Definition NI 17" in set(shown["Notes"]["Note"])


def test_publication_workbook_opens_in_libreoffice(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["run", "council", "--dir", str(tmp_path / "job")])
    assert result.exit_code == 0, result.output
    workbook = tmp_path / "job" / "ni_tables.xlsx"
    shown = sheets_as_displayed(workbook, tmp_path)
    assert {"Cover", "Contents", "Notes", "NI17", "NI21", "NI27", "NI41", "NI42"} == set(shown)
    first = shown["NI17"].iloc[0]
    stored = pd.read_excel(workbook, sheet_name="NI17", skiprows=HEADER_ROW - 1).iloc[0]
    assert first["Estimate (%)"] == f"{stored['Estimate (%)']:.1f}" and first["As published"] == stored["As published"]
    assert first["Area type"] == "All areas" and shown["NI17"].iloc[1]["Area type"] == "local authority"


def test_demo_workbook_follows_the_same_layout(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    shown = sheets_as_displayed(tmp_path / "demo" / "demo_tables.xlsx", tmp_path)
    assert {"Cover", "Contents", "Notes", "Summary", "National", "BCS vs truth", "Place vs truth"} <= set(shown)
    assert "Estimate (%)" in shown["National"].columns
