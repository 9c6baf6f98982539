"""Workbooks: one sheet per indicator plus notes, numbers stored as numbers, frozen headers, low bases flagged.

Each sheet is opened with openpyxl, as Excel would read the file: a number written as text, or a NaN written
as a number (which makes Excel offer to repair the file), fails here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd

from reporting.results import load_result
from reporting.workbook import sheet_name
from safer_io.outputs import write_output
from safer_io.provenance import provenance


def estimates() -> pd.DataFrame:
    rows = []
    for indicator in ("NI17", "NI21"):
        for value, base, low in (("all", 15000, False), ("E01", 800, False), ("E02", 31, True)):
            est = math.nan if low else 0.2
            rows.append({"indicator": indicator, "domain": "all" if value == "all" else "la", "domain_value": value,
                         "estimate": est, "se": math.nan if low else 0.01, "ci_lower": math.nan if low else 0.18,
                         "ci_upper": math.nan if low else 0.22, "ci_method": "logit", "n_unweighted": base,
                         "n_effective": base * 0.9, "deff": 1.1, "low_base": low})
    return pd.DataFrame(rows)


def write(tmp_path: Path) -> Path:
    out = tmp_path / "estimates.xlsx"
    meta = provenance("estimate", {"min_base": 50, "suppress": True}, []) | {
        "indicator_titles": {"NI17": "Perceptions of anti-social behaviour"}, "caveats": ["SYNTHETIC DATA."]}
    write_output(estimates(), out, meta)
    return out


def test_one_sheet_per_indicator_and_a_notes_sheet(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    assert book.sheetnames == ["NI17", "NI21", "notes"]


def test_numbers_are_numbers_with_number_formats_and_blanks_are_empty(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    for name in ("NI17", "NI21"):
        ws = book[name]
        header = [c.value for c in ws[1]]
        column = {h: i for i, h in enumerate(header)}
        assert ws.freeze_panes == "A2", "header row frozen"
        assert ws.auto_filter.ref, "header has an auto-filter"
        rows = list(ws.iter_rows(min_row=2))
        assert len(rows) == 3
        for row in rows:
            base = row[column["n_unweighted"]]
            assert isinstance(base.value, int) and base.data_type == "n", f"{name}: base stored as {base.value!r}"
            assert base.number_format == "#,##0"
            est = row[column["estimate"]]
            if row[column["low_base"]].value:
                assert est.value is None, "a suppressed estimate is an empty cell, not text or NaN"
            else:
                assert isinstance(est.value, float) and est.data_type == "n"
                assert est.number_format == "0.0%", "a proportion shows as a percentage"
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.lower() in ("nan", "inf", "")), cell.value


def test_low_bases_are_flagged_and_shaded(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["NI17"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        flagged = row[header.index("low_base")].value is True
        shaded = row[0].fill.fgColor.rgb not in (None, "00000000")
        assert flagged == shaded, f"row {row[0].row}: low_base {flagged}, shaded {shaded}"


def test_notes_sheet_has_definitions_method_provenance_and_caveats(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["notes"]
    notes = {str(r[0].value): str(r[1].value) for r in ws.iter_rows(min_row=2)}
    assert notes["definition NI17"] == "Perceptions of anti-social behaviour"
    assert notes["caveat"] == "SYNTHETIC DATA."
    assert "low_base TRUE" in notes["low bases"]
    assert notes["command"] == "estimate" and notes["tool"] == "safer"
    assert json.loads(notes["metadata (JSON)"])["command"] == "estimate"


def test_a_workbook_reads_back_as_the_same_result(tmp_path: Path) -> None:
    out = write(tmp_path)
    out.with_name(out.name + ".meta.json").unlink()  # the embedded copy of the metadata must do
    result = load_result(out)
    assert result.command == "estimate"
    pd.testing.assert_frame_equal(result.table, estimates(), check_dtype=False)


def test_sheet_names_are_legal_and_unique() -> None:
    assert sheet_name("mean:age/years", []) == "mean_age_years"
    assert sheet_name("x" * 40, ["x" * 31]) == "x" * 27 + " (2)"


def test_peer_and_keeping_pace_differences_show_as_percentages(tmp_path: Path) -> None:
    table = pd.DataFrame({"indicator": ["NI17"], "domain": ["la"], "domain_value": ["E01"], "estimate": [0.18],
                          "peer_mean": [0.2], "difference": [-0.02], "se_difference": [0.01], "change": [-0.03],
                          "peer_change": [-0.01], "pace_difference": [-0.02], "se_pace_difference": [0.012],
                          "pace_ci_lower": [-0.044], "pace_ci_upper": [0.004], "pace_p_value": [0.1]})
    out = tmp_path / "peers.xlsx"
    write_output(table, out, provenance("peers", {}, []))
    ws = openpyxl.load_workbook(out)["NI17"]
    formats = {ws.cell(1, i).value: ws.cell(2, i).number_format for i in range(1, ws.max_column + 1)}
    for column in ("peer_mean", "difference", "se_difference", "peer_change", "pace_difference",
                   "se_pace_difference", "pace_ci_lower", "pace_ci_upper"):
        assert formats[column] == "0.0%", f"{column}: expected a percentage format, got {formats[column]!r}"
    assert formats["pace_p_value"] == "0.000"
