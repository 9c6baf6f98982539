"""Workbooks as the government's guidance for published spreadsheets asks, opened with openpyxl as Excel reads them.

A cover sheet (title, source, date, contact, notes), a contents sheet linking every table, a notes sheet, and on
each table sheet the title in A1 and one table with headers in words, numbers stored as numbers with number
formats, "[c]" for a suppressed estimate, low bases flagged and shaded, the header frozen and repeated on every
printed page, landscape and one page wide; short unique sheet names. A number written as text, or a NaN written as
a number (which makes Excel offer to repair the file), fails here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from reporting.publication import change_publication_table
from reporting.results import load_result
from reporting.workbook import HEADER_ROW, P_VALUE, sheet_name
from safer_io.outputs import write_output
from safer_io.provenance import provenance

TABLE_SHEETS = ("NI17", "NI21")


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
    meta = provenance("estimate", {"min_base": 50, "suppress": True, "level": 0.95, "ci": "logit"}, []) | {
        "indicator_titles": {"NI17": "Perceptions of anti-social behaviour"}, "caveats": ["SYNTHETIC DATA."],
        "questionnaire": {"name": "place", "version": "2008"}, "inputs": {"/home/me/secret/place.parquet": "ab" * 32}}
    write_output(estimates(), out, meta)
    return out


def header(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, int]:
    return {c.value: c.column for c in ws[HEADER_ROW]}


def test_cover_contents_notes_then_one_sheet_per_indicator(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    assert book.sheetnames == ["Cover", "Contents", "Notes", *TABLE_SHEETS]
    cover = [c.value for c in book["Cover"]["A"] if c.value]
    assert cover[0] == "Place Survey: estimates"
    for start in ("Source:", "Date:", "Contact:"):
        assert any(str(line).startswith(start) for line in cover), f"cover lacks {start} {cover}"
    assert "SYNTHETIC DATA." in cover, "the caveats are on the cover"
    contents = book["Contents"]
    links = {c.value: c.hyperlink.location for c in contents["A"][HEADER_ROW:] if c.hyperlink}
    assert links == {"Notes": "'Notes'!A1", "NI17": "'NI17'!A1", "NI21": "'NI21'!A1"}, links


def test_each_table_sheet_has_its_title_in_a1_and_headers_in_words(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    ws = book["NI17"]
    assert ws["A1"].value == "NI 17: Perceptions of anti-social behaviour, by local authorities (Place Survey)"
    assert list(header(ws))[:6] == ["Indicator", "Area type", "Area code", "Estimate (%)", "Standard error",
                                    "Lower limit (%)"]
    assert "n_unweighted" not in header(ws) and "Unweighted base" in header(ws)
    assert ws.tables, "the table is an Excel table object, which screen readers announce"


def test_numbers_are_numbers_with_formats_and_suppressed_cells_say_so(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    for name in TABLE_SHEETS:
        ws = book[name]
        column = header(ws)
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}", "header row frozen"
        rows = list(ws.iter_rows(min_row=HEADER_ROW + 1))
        assert len(rows) == 3
        for row in rows:
            base = row[column["Unweighted base"] - 1]
            assert isinstance(base.value, int) and base.data_type == "n", f"{name}: base stored as {base.value!r}"
            assert base.number_format == "#,##0"
            est = row[column["Estimate (%)"] - 1]
            if row[column["Low base"] - 1].value == "Yes":
                assert est.value == "[c]", "a suppressed estimate says so, not a blank or NaN"
            else:
                assert isinstance(est.value, float) and est.data_type == "n"
                assert est.number_format == "0.0%", "a proportion shows as a percentage"
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.lower() in ("nan", "inf", "")), cell.value


def test_low_bases_are_flagged_and_shaded(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["NI17"]
    column = header(ws)
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        flagged = row[column["Low base"] - 1].value == "Yes"
        shaded = row[0].fill.fgColor.rgb not in (None, "00000000")
        assert flagged == shaded, f"row {row[0].row}: low base {flagged}, shaded {shaded}"


def test_every_sheet_prints_landscape_one_page_wide_with_the_header_repeated(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write(tmp_path))
    for name in ("Contents", "Notes", *TABLE_SHEETS):
        ws = book[name]
        setup = ws.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}", f"{name}: header not repeated"


def test_notes_sheet_has_definitions_method_provenance_and_caveats(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["Notes"]
    assert ws["A1"].value == "Notes"
    notes: dict[str, list[str]] = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        notes.setdefault(str(row[0].value), []).append(str(row[1].value))
    assert notes["Definition NI 17"] == ["Perceptions of anti-social behaviour"]
    assert notes["Caveat"] == ["SYNTHETIC DATA."]
    assert "Low base: Yes" in notes["Low bases"][0]
    assert notes["Input file"] == [f"place.parquet (SHA-256 {'ab' * 32})"], "inputs by file name, not path"
    assert json.loads(notes["metadata (JSON)"][0])["command"] == "estimate"


def test_a_workbook_reads_back_as_the_same_result(tmp_path: Path) -> None:
    out = write(tmp_path)
    out.with_name(out.name + ".meta.json").unlink()  # the embedded copy of the metadata must do
    result = load_result(out)
    assert result.command == "estimate"
    pd.testing.assert_frame_equal(result.table, estimates(), check_dtype=False)


def test_sheet_names_are_legal_short_and_unique() -> None:
    assert sheet_name("mean:age/years", []) == "mean_age_years"
    assert sheet_name("x" * 40, ["x" * 31]) == "x" * 27 + " (2)"


def test_a_simulation_workbook_has_few_short_sheets(tmp_path: Path) -> None:
    measures = [f"programme_measure_with_a_long_name_{i}" for i in range(50)] + ["frequency_per_100"]
    groups = ["all", "age_band", "programme:ppo_scheme", "programme", "costs"]
    table = pd.DataFrame([{"scenario": "baseline", "measure": m, "group": g, "group_value": "x", "mean": 1.0,
                           "ci_lower": 0.5, "ci_upper": 1.5, "replications": 8} for m in measures for g in groups])
    out = tmp_path / "run.xlsx"
    write_output(table, out, provenance("simulate run", {}, []))
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Whole cohort", "By age band", "Programmes", "Costs"]
    assert all(len(n) <= 31 for n in book.sheetnames)


def test_publication_p_values_are_not_rounded_to_zero(tmp_path: Path, contract_files: dict[str, Path]) -> None:
    change = load_result(contract_files["change"])
    table = change.table.copy()
    table.loc[0, "p_value"] = 3e-9
    published = change_publication_table(table, change.metadata)
    assert published["p_value"].iloc[0] == pytest.approx(3e-9), "a p-value of 3e-9 is not 0"
    out = tmp_path / "change.xlsx"
    write_output(published, out, change.metadata | {"content": "publication"})
    ws = openpyxl.load_workbook(out)["NI17"]
    cell = ws.cell(row=HEADER_ROW + 1, column=header(ws)["p-value"])
    assert cell.value == pytest.approx(3e-9) and cell.number_format == P_VALUE


def test_peer_and_keeping_pace_differences_show_as_percentages(tmp_path: Path) -> None:
    table = pd.DataFrame({"indicator": ["NI17"], "domain": ["la"], "domain_value": ["E01"], "estimate": [0.18],
                          "peer_mean": [0.2], "difference": [-0.02], "se_difference": [0.01], "change": [-0.03],
                          "peer_change": [-0.01], "pace_difference": [-0.02], "se_pace_difference": [0.012],
                          "pace_ci_lower": [-0.044], "pace_ci_upper": [0.004], "pace_p_value": [0.1]})
    out = tmp_path / "peers.xlsx"
    write_output(table, out, provenance("peers", {}, []))
    ws = openpyxl.load_workbook(out)["NI17"]
    formats = {ws.cell(HEADER_ROW, i).value: ws.cell(HEADER_ROW + 1, i).number_format
               for i in range(1, ws.max_column + 1)}
    for column in ("Peer mean", "Difference", "Standard error of difference", "Peer change", "Pace difference",
                   "Se pace difference", "Pace ci lower", "Pace ci upper"):
        assert formats[column] == "0.0%", f"{column}: expected a percentage format, got {formats[column]!r}"
    assert formats["Pace p value"] == P_VALUE
