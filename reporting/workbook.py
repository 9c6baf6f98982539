"""Excel workbooks laid out as the government's guidance for published spreadsheets asks.

The Analysis Function's "Releasing statistics in spreadsheets" guidance: a cover sheet (title, what the workbook
holds, source, date, a contact, notes), a contents sheet linking every table, a notes sheet, and on each table
sheet the title in cell A1, a line of description under it, then one table (an Excel table object) with plain
column headers, no blank rows or merged cells, shorthand in square brackets for what is not a number ("[c]"
suppressed, "[x]" not available) explained on the cover sheet. Numbers are stored as numbers with number formats
(a proportion of 0.175 shows as 17.5%, money as £1,308, p-values below 0.001 as "<0.001"), the header row is
frozen, low-base rows are shaded and said so in a column, and each sheet prints landscape, one page wide, with the
header row repeated on every page. Sheet names are short (at most 31 characters) and unique.

The layout (header row, human header -> column) and the full metadata are kept on the notes sheet as JSON, so a
workbook reads back as the result it was made from (`reporting.results`). The metadata records `content_sha256`,
the hash of the table sheets' cells as stored (`safer_io.verification.cells_sha256`), so an edited workbook is
noticed (`workbook_content_sha256`, `embedded_workbook_metadata`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.verification import CONTENT_KEY, cells_sha256

PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL1 = "#,##0.0"
DECIMAL2 = "#,##0.00"
DECIMAL3 = "0.000"
P_VALUE = '[<0.001]"<0.001";0.000'
"""A p-value to three decimals, and "<0.001" below that (never "0.000": it is not zero)."""
MONEY = '"£"#,##0;-"£"#,##0'
LOW_BASE_FILL = "FFF2CC"
"""Pale amber shading of low-base rows (a column says the same in words, for black-and-white print)."""
MAX_CELL = 32_000
"""Excel holds at most 32,767 characters in a cell."""
SUPPRESSED, NOT_AVAILABLE = "[c]", "[x]"
"""Shorthand for a cell without a number: suppressed (too few respondents), or not available."""
COVER, CONTENTS, NOTES = "Cover", "Contents", "Notes"
OLD_NOTES = "notes"
"""The notes sheet of workbooks written before issue 22 (a header in row 1 of every sheet)."""
METADATA_NOTE = "metadata (JSON)"
LAYOUT_NOTE = "layout (JSON)"
HEADER_ROW = 3
"""Row of each table's header: the title is in A1 and a line of description in A2."""
CONTACT = "Contact: [name and email of the team responsible; fill in before publishing]"


@dataclass
class Sheet:
    """One table sheet: a title, a line describing it, a table and how to format it."""

    name: str
    """Sheet name (at most 31 characters, no []:*?/\\)."""
    title: str
    """What the table shows, in cell A1."""
    table: pd.DataFrame
    """The rows; index not written. Columns are the machine names; `headers` says how each reads."""
    description: str = ""
    """One line under the title (cell A2): what a row is, units, shorthand used."""
    headers: dict[str, str] = field(default_factory=dict)
    """Column -> header as a person reads it."""
    formats: dict[str, str] = field(default_factory=dict)
    """Column -> Excel number format."""
    flag: str | None = None
    """Boolean column whose true rows are shaded (e.g. `low_base`)."""
    suppressed_when: str | None = None
    """Boolean column: where true, an empty number cell is "[c]" (suppressed), else "[x]" (not available)."""
    money_rows: str | None = None
    """Text column (e.g. `unit`): rows whose value starts with GBP get the money format in numeric columns."""


@dataclass
class Book:
    """A whole workbook: cover facts, the table sheets and the notes."""

    title: str
    """Cover sheet title."""
    sheets: list[Sheet]
    """Table sheets, in order."""
    about: str = ""
    """What the workbook holds, one sentence."""
    source: str = ""
    """Where the figures come from."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(label, text): caveats, definitions, units, method and provenance, shown on the notes sheet."""
    cover_notes: list[str] = field(default_factory=list)
    """Short notes for the cover (caveats the reader must see)."""
    metadata: dict[str, Any] | None = None
    """The result's metadata, stored as JSON on the notes sheet so the workbook reads back as a result."""


def sheet_name(text: str, taken: Iterable[str]) -> str:
    """A legal, unique sheet name made from `text` (at most 31 characters).

    >>> sheet_name("mean:age/years", []), sheet_name("x" * 40, ["x" * 31])
    ('mean_age_years', 'xxxxxxxxxxxxxxxxxxxxxxxxxxx (2)')
    """
    base = re.sub(r"[\[\]:*?/\\]", "_", str(text)).strip("'").strip() or "Table"
    base = base[:31]
    name, n = base, 2
    lower = {t.lower() for t in taken}
    while name.lower() in lower:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def human_header(column: str) -> str:
    """"n_unweighted" -> "N unweighted": a header for a machine name the caller gave no words for; a header already
    in words ("p (plain Poisson)") is kept as it is.

    >>> human_header("pace_ci_lower"), human_header("p (plain Poisson)")
    ('Pace ci lower', 'p (plain Poisson)')
    """
    text = str(column)
    if not re.fullmatch(r"[a-z0-9_:]+", text):
        return text
    text = text.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def cell_value(value: Any) -> Any:
    """A value openpyxl stores faithfully: numbers stay numbers, missing and infinite become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return str(value)


def made_on() -> dt.datetime:
    """When the workbook is made: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(microsecond=0)


def _headers(sheet: Sheet) -> list[str]:
    shown: list[str] = []
    for column in sheet.table.columns:
        header = sheet.headers.get(str(column)) or human_header(str(column))
        if header.lower() in {h.lower() for h in shown}:
            header = f"{header} ({column})"
        shown.append(header)
    return shown


def _print_setup(ws: Any, header_row: int | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _text_sheet(book: Any, name: str, lines: list[tuple[str, bool]]) -> Any:
    from openpyxl.styles import Alignment, Font

    ws = book.create_sheet(name)
    for row, (text, heading) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text[:MAX_CELL])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if heading:
            cell.font = Font(bold=True, size=16 if row == 1 else 12)
    ws.column_dimensions["A"].width = 110
    _print_setup(ws, None)
    ws.page_setup.orientation = "portrait"
    return ws


def _write_table(ws: Any, sheet: Sheet, index: int) -> dict[str, str]:
    """Write a sheet's title, description and table; returns header -> column."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ws.cell(row=1, column=1, value=sheet.title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=sheet.description or f"This table has {len(sheet.table)} rows.")
    headers = _headers(sheet)
    columns = [str(c) for c in sheet.table.columns]
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", start_color=LOW_BASE_FILL, end_color=LOW_BASE_FILL)
    numeric = {c for c in columns if pd.api.types.is_numeric_dtype(sheet.table[c])
               and not pd.api.types.is_bool_dtype(sheet.table[c])}
    for i, values in enumerate(sheet.table.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        record = dict(zip(columns, values, strict=True))
        flagged = sheet.flag is not None and cell_value(record.get(sheet.flag)) is True
        suppressed = sheet.suppressed_when is not None and cell_value(record.get(sheet.suppressed_when)) is True
        money = sheet.money_rows is not None and str(record.get(sheet.money_rows) or "").upper().startswith("GBP")
        for j, column in enumerate(columns, start=1):
            value = cell_value(record[column])
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            if value is None:
                value = (SUPPRESSED if suppressed else NOT_AVAILABLE) if column in numeric else None
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, (int, float)):
                fmt = MONEY if money and column in ("mean", "ci_lower", "ci_upper") else sheet.formats.get(column)
                if fmt:
                    cell.number_format = fmt
            if flagged:
                cell.fill = fill
    last_row = HEADER_ROW + max(len(sheet.table), 1)
    for j in range(1, len(columns) + 1):
        width = max([len(headers[j - 1]) * 0.8] + [len(str(v)) for v in sheet.table.iloc[:200, j - 1].tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(max(9, width + 2), 60)
    ws.row_dimensions[HEADER_ROW].height = 32
    if len(sheet.table):
        ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
        table = Table(displayName=f"Table{index}", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(table)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(ws, HEADER_ROW)
    return dict(zip(headers, columns, strict=True))


def write_book(path: Path, book: Book) -> str:
    """Write a whole workbook to `path` (usually a temporary file): cover, contents, tables, notes. Returns the
    `content_sha256` of its table sheets, which the embedded metadata records."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    made = made_on()
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = made
    wb.properties.modified = made
    wb.properties.title = book.title
    taken = [COVER, CONTENTS, NOTES]
    names = []
    for sheet in book.sheets:
        sheet.name = sheet_name(sheet.name, taken)
        taken.append(sheet.name)
        names.append(sheet.name)
    shorthand = (f"Shorthand: {SUPPRESSED} suppressed (too few respondents to publish); {NOT_AVAILABLE} not "
                 "available (the data cannot give this figure).")
    cover = [(book.title, True), (book.about or f"This workbook has {len(book.sheets)} tables.", False),
             (f"Source: {book.source}" if book.source else "Source: outputs of safer.", False),
             (f"Date: {made.date().isoformat()}", False), (CONTACT, False), ("Notes", True)]
    cover += [(note, False) for note in book.cover_notes]
    cover += [(shorthand, False), ("Definitions, method and provenance are on the Notes sheet.", False)]
    _text_sheet(wb, COVER, cover)
    contents = wb.create_sheet(CONTENTS)
    contents.cell(row=1, column=1, value="Contents").font = Font(bold=True, size=14)
    contents.cell(row=2, column=1, value="The tables in this workbook; select a sheet name to go to it.")
    for j, header in enumerate(("Sheet name", "Table title"), start=1):
        contents.cell(row=HEADER_ROW, column=j, value=header).font = Font(bold=True)
    entries = [(NOTES, "Notes: definitions, method and provenance")] + [(s.name, s.title) for s in book.sheets]
    for i, (name, title) in enumerate(entries, start=HEADER_ROW + 1):
        link = contents.cell(row=i, column=1, value=name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1", display=name)
        link.font = Font(color="0563C1", underline="single")
        contents.cell(row=i, column=2, value=title)
    contents.column_dimensions["A"].width = 34
    contents.column_dimensions["B"].width = 100
    contents.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(contents, HEADER_ROW)
    layout: dict[str, Any] = {"header_row": HEADER_ROW, "sheets": {}}
    for index, sheet in enumerate(book.sheets, start=1):
        layout["sheets"][sheet.name] = _write_table(wb.create_sheet(sheet.name), sheet, index)
    content = cells_sha256((ws.title, ws.iter_rows(values_only=True)) for ws in wb.worksheets
                           if ws.title not in (COVER, CONTENTS))
    notes = Sheet(NOTES, "Notes", pd.DataFrame({"note": [n[0] for n in book.notes],
                                                "text": [n[1][:MAX_CELL] for n in book.notes]}),
                  "Definitions, method, provenance and caveats; the last rows hold the layout and the metadata.",
                  headers={"note": "Note", "text": "Note text"})
    rows = list(book.notes) + [(LAYOUT_NOTE, json.dumps(layout))]
    metadata = {**book.metadata, CONTENT_KEY: content} if book.metadata is not None else None
    payload = json.dumps(metadata, default=str) if metadata is not None else ""
    if payload and len(payload) <= MAX_CELL:
        rows.append((METADATA_NOTE, payload))
    notes.table = pd.DataFrame({"note": [r[0] for r in rows], "text": [r[1][:MAX_CELL] for r in rows]})
    ws = wb.create_sheet(NOTES, 2)
    _write_table(ws, notes, len(book.sheets) + 1)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    wb.save(path)
    return content


def _read_only_book(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path, read_only=True, data_only=False)


def _is_table_sheet(title: str) -> bool:
    return title not in (COVER, CONTENTS, NOTES) and title.lower() != OLD_NOTES


def workbook_content_sha256(path: Path) -> str:
    """`cells_sha256` of a workbook's table sheets (all but the cover, contents and notes) as stored in the file."""
    book = _read_only_book(path)
    try:
        return cells_sha256((ws.title, list(ws.iter_rows(values_only=True)))
                            for ws in book.worksheets if _is_table_sheet(ws.title))
    finally:
        book.close()


def embedded_workbook_metadata(path: Path) -> dict[str, Any] | None:
    """The metadata a workbook embeds on its notes sheet, or None."""
    try:
        book = _read_only_book(path)
    except Exception:  # not a workbook: the reader reports that
        return None
    try:
        notes = [name for name in book.sheetnames if name in (NOTES, OLD_NOTES)]
        if not notes:
            return None
        for row in book[notes[0]].iter_rows(values_only=True):
            if row and row[0] == METADATA_NOTE and len(row) > 1 and isinstance(row[1], str):
                try:
                    value = json.loads(row[1])
                except json.JSONDecodeError:
                    return None
                return value if isinstance(value, dict) else None
        return None
    finally:
        book.close()
