"""Excel workbooks people can use: one sheet per indicator or measure, a notes sheet, numbers as numbers.

Written cell by cell with openpyxl so that every number is stored as a number with a number format (a
proportion of 0.175 shows as 17.5%), missing values are empty cells (a NaN written as a number makes Excel
offer to repair the file), the header row is frozen with an auto-filter, and rows with a low base are shaded
and flagged in their own column. The `notes` sheet holds definitions, method, provenance and caveats, and the
full metadata as JSON in its last row, so that the workbook can be read back as a result.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.labels import Labeller, is_mean
from reporting.results import METADATA_CELL, NOTES_SHEET
from safer_io.verification import CONTENT_KEY, cells_sha256

PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL2 = "0.00"
DECIMAL3 = "0.000"
LOW_BASE_FILL = "FFF2CC"
"""Pale amber shading of low-base rows (a flag column says the same in words, for black-and-white print)."""
MAX_CELL = 32_000
"""Excel holds at most 32,767 characters in a cell."""

PROPORTION_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "base_estimate", "current_estimate", "change",
                      "se_change", "minimum_movement", "threshold_level", "peer_mean", "difference",
                      "se_difference", "difference_ci_lower", "difference_ci_upper", "peer_change",
                      "pace_difference", "se_pace_difference", "pace_ci_lower", "pace_ci_upper", "direct", "direct_se",
                      "eblup",
                      "baseline_value", "target_value", "latest_estimate", "trajectory_value")
COLUMN_FORMATS = {"n_unweighted": COUNT, "n_effective": COUNT, "deff": DECIMAL2, "p_value": DECIMAL3,
                  "pace_p_value": DECIMAL3,
                  "probability_on_track": PERCENT, "shrinkage": DECIMAL3, "mse": "0.000000",
                  "mean": DECIMAL2, "replications": COUNT, "base": COUNT, "effective_base": COUNT,
                  "value": "0.0", "half_width": "0.0"}


@dataclass
class Sheet:
    """One worksheet: a table and the number format of each column."""

    name: str
    """Sheet name (at most 31 characters, no []:*?/\\)."""
    table: pd.DataFrame
    """The rows; index not written."""
    formats: dict[str, str] = field(default_factory=dict)
    """Column -> Excel number format."""
    flag: str | None = None
    """Boolean column whose true rows are shaded (e.g. `low_base`)."""


def sheet_name(text: str, taken: Iterable[str]) -> str:
    """A legal, unique sheet name made from `text`."""
    base = re.sub(r"[\[\]:*?/\\]", "_", str(text)).strip("'") or "sheet"
    base = base[:31]
    name, n = base, 2
    lower = {t.lower() for t in taken}
    while name.lower() in lower:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def cell_value(value: Any) -> Any:
    """A value openpyxl stores faithfully: numbers stay numbers, missing and infinite become empty cells."""
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


def write_sheets(path: Path, sheets: list[Sheet], notes: list[tuple[str, str]]) -> None:
    """Write the sheets and a notes sheet (key, value) to `path` (usually a temporary file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color=LOW_BASE_FILL, end_color=LOW_BASE_FILL)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        columns = [str(c) for c in sheet.table.columns]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = bold
        flag_index = columns.index(sheet.flag) if sheet.flag in columns else None
        for values in sheet.table.itertuples(index=False, name=None):
            ws.append([cell_value(v) for v in values])
            if flag_index is not None and cell_value(values[flag_index]) is True:
                for cell in ws[ws.max_row]:
                    cell.fill = fill
        for j, column in enumerate(columns, start=1):
            fmt = sheet.formats.get(column)
            letter = get_column_letter(j)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        cell.number_format = fmt
            width = max([len(column)] + [len(str(v)) for v in sheet.table.iloc[:200, j - 1].tolist()])
            ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
    ws = book.create_sheet(NOTES_SHEET)
    ws.append(["key", "value"])
    for cell in ws[1]:
        cell.font = bold
    for key, value in notes:
        ws.append([key, value[:MAX_CELL]])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    book.save(path)


def _flatten(payload: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += _flatten(value, f"{name}.")
        elif isinstance(value, list):
            rows.append((name, "; ".join(json.dumps(v, default=str) if isinstance(v, (dict, list)) else str(v)
                                         for v in value)))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def result_notes(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller) -> list[tuple[str, str]]:
    """Definitions, method, provenance and caveats of a result, as (key, value) rows."""
    notes: list[tuple[str, str]] = [("what", f"output of `safer {metadata.get('command', '')}`")]
    for caveat in metadata.get("caveats") or []:
        notes.append(("caveat", str(caveat)))
    if "indicator" in table.columns:
        for indicator in dict.fromkeys(table["indicator"].astype(str)):
            if indicator in labeller.titles:
                notes.append((f"definition {indicator}", labeller.titles[indicator]))
    if "low_base" in table.columns:
        min_base = (metadata.get("parameters") or {}).get("min_base")
        rule = f"unweighted base under {min_base}" if min_base is not None else "a low unweighted base"
        notes.append(("low bases", f"rows with {rule} have low_base TRUE and are shaded; a blank estimate "
                                   "means it was suppressed"))
    if metadata.get("content") == "publication":
        notes.append(("units", "percentages to one decimal; half-widths, changes and differences in percentage "
                               "points; 'published' reads as printed (17.5 +/- 0.6)"))
    elif any(c in table.columns for c in PROPORTION_COLUMNS):
        notes.append(("units", "proportions are stored as fractions (0.175) and shown as percentages (17.5%)"))
    notes += _flatten({k: v for k, v in metadata.items() if k not in ("caveats",)})
    payload = json.dumps(metadata, default=str)
    if len(payload) <= MAX_CELL:
        notes.append((METADATA_CELL, payload))
    return notes


PUBLICATION_NUMBERS = ("value", "half_width", "ci_lower", "ci_upper", "base_value", "current_value", "change",
                       "minimum_movement", "level_to_reach", "peer_mean", "difference", "difference_ci_lower",
                       "difference_ci_upper", "baseline_value", "target_value", "latest_value", "trajectory_value",
                       "probability_on_track")
"""Columns of publication tables, already in per cent (or points) and rounded to one decimal."""


def result_sheets(table: pd.DataFrame, publication: bool = False) -> list[Sheet]:
    """One sheet per indicator (estimate-like tables), per measure (simulation), or one `data` sheet.

    In the long tables proportions are stored in 0-1 and shown as percentages by their number format; in a
    publication table (`publication`) they are already percentages to one decimal.
    """
    key = "indicator" if "indicator" in table.columns else "measure" if "measure" in table.columns else None
    groups = [("data", table)] if key is None else [(str(k), g) for k, g in table.groupby(key, sort=False)]
    sheets: list[Sheet] = []
    for name, group in groups:
        formats = dict(COLUMN_FORMATS)
        percent = key == "indicator" and not is_mean(name) and not publication
        for column in PROPORTION_COLUMNS:
            formats[column] = PERCENT if percent else DECIMAL3
        if publication:
            formats |= dict.fromkeys(PUBLICATION_NUMBERS, "0.0")
        flag = "low_base" if "low_base" in group.columns else None
        sheets.append(Sheet(sheet_name(name, [s.name for s in sheets] + [NOTES_SHEET]),
                            group.reset_index(drop=True), formats, flag))
    return sheets


def sheet_cells(sheets: list[Sheet]) -> list[tuple[str, list[list[Any]]]]:
    """The values each data sheet holds, header first, as `write_sheets` stores them (for `cells_sha256`)."""
    return [(sheet.name, [[str(c) for c in sheet.table.columns],
                          *([cell_value(v) for v in values] for values in sheet.table.itertuples(index=False,
                                                                                               name=None))])
            for sheet in sheets]


def write_result_workbook(table: pd.DataFrame, metadata: dict[str, Any], path: Path) -> str:
    """A result as a workbook: a sheet per indicator or measure plus notes (what `--out x.xlsx` writes).

    The notes' metadata records `content_sha256`, the hash of the data sheets' cells; it is returned."""
    labeller = Labeller()
    labeller.add(table, metadata)
    publication = metadata.get("content") == "publication"
    sheets = result_sheets(table, publication)
    content = cells_sha256(sheet_cells(sheets))
    write_sheets(path, sheets, result_notes(table, {**metadata, CONTENT_KEY: content}, labeller))
    return content


def _read_only_book(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path, read_only=True, data_only=False)


def workbook_content_sha256(path: Path) -> str:
    """`cells_sha256` of a workbook's data sheets (every sheet but the notes) as stored in the file."""
    book = _read_only_book(path)
    try:
        return cells_sha256((ws.title, list(ws.iter_rows(values_only=True)))
                            for ws in book.worksheets if ws.title != NOTES_SHEET)
    finally:
        book.close()


def embedded_workbook_metadata(path: Path) -> dict[str, Any] | None:
    """The metadata a workbook embeds in its notes sheet, or None."""
    try:
        book = _read_only_book(path)
    except Exception:  # not a workbook: the reader reports that
        return None
    try:
        if NOTES_SHEET not in book.sheetnames:
            return None
        for row in book[NOTES_SHEET].iter_rows(values_only=True):
            if row and row[0] == METADATA_CELL and len(row) > 1 and isinstance(row[1], str):
                try:
                    value = json.loads(row[1])
                except json.JSONDecodeError:
                    return None
                return value if isinstance(value, dict) else None
        return None
    finally:
        book.close()
