"""Reading a counts file as it is: one entry per row, text kept as text, nothing judged yet.

A counts file (CSV, Parquet, or the Home Office's XLSX workbooks with one sheet per year) is read through pyarrow:
the area, period, code and description columns as text (a code read as a number would turn 4.10 into 4.1), the
count as a number where every cell is one; otherwise the cells that are not numbers are kept for the message. Each
text column is dictionary-encoded (its distinct values once, and an index per row), so that 1.26 million rows
are a few integer arrays and every later check works on distinct values, not rows. In a `safer run` job, a file
written by an earlier step is taken from memory.

Nothing here refuses a value: `recorded_crime.reading.validate` judges the rows and names every problem.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.layouts import ColumnBinding, bind_columns
from recorded_crime.reading.periods import financial_quarter_period

TEXT_ROLES = ("area", "period", "code", "description", "financial_year", "financial_quarter")
"""Roles read as text."""


@dataclass(frozen=True)
class TextColumn:
    """A text column as its distinct values and, per row, the index of its value."""

    values: list[str]
    """Distinct values, in order of first appearance."""
    index: np.ndarray
    """Per row, the position of its value in `values` (int32)."""


@dataclass
class RawCounts:
    """A counts file as read: per-row arrays, before any check."""

    path: Path
    """The file."""
    binding: ColumnBinding
    """Which column fed each role."""
    area: TextColumn
    """Area names."""
    period: TextColumn
    """Period text (for the open-data layout, made from Financial Year and Quarter)."""
    code: TextColumn
    """Offence codes as written."""
    count: np.ndarray
    """Counts as numbers; NaN where blank or not a number."""
    description: TextColumn | None = None
    """Offence descriptions (open-data layout), which tell apart rows sharing a combined code."""
    not_numbers: dict[int, str] = field(default_factory=dict)
    """Data row (from 1) -> count cell that is not a number (the first few)."""
    not_number_rows: int = 0
    """How many count cells are not numbers."""
    not_number_mask: np.ndarray | None = None
    """Per row, whether its count cell is text that is not a number (None when every cell is a number)."""
    metadata: dict[str, Any] | None = None
    """The input's own metadata (its sidecar, or embedded), when it has some."""

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return len(self.count)


def _encode(column: Any) -> TextColumn:
    """A pyarrow text column dictionary-encoded; nulls become ''."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type) and column.null_count == 0:
        # Read as a dictionary by the CSV parser (no string per row); the chunks' dictionaries made one.
        chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
        encoded = chunked.unify_dictionaries().combine_chunks() if chunked.num_chunks else None
        if encoded is not None:
            return TextColumn([str(v) for v in encoded.dictionary.to_pylist()],
                              np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32))
    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    column = pc.fill_null(column.cast(pa.string()), "")
    encoded = pc.dictionary_encode(column).combine_chunks()
    return TextColumn([str(v) for v in encoded.dictionary.to_pylist()],
                      np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32))


def _csv_header(path: Path) -> list[str]:
    from safer_io.inputs import decode_utf8

    with open(path, "rb") as handle:
        first = handle.readline(1 << 20)
    text = decode_utf8(first, path, "counts file", CrimeInputError)
    if not text.strip():
        raise CrimeInputError(f"{path}: the counts file is empty (no header row).")
    return next(csv.reader(io.StringIO(text)))


def _read_csv(path: Path, columns: dict[str, str]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    text = pa.dictionary(pa.int32(), pa.string())  # distinct values once: the parser builds no string per row
    types = {col: (pa.float64() if role == "count" else text) for role, col in columns.items()}
    include = list(dict.fromkeys(columns.values()))
    for attempt in range(2):
        convert = pcsv.ConvertOptions(column_types=types, include_columns=include, strings_can_be_null=False,
                                      quoted_strings_can_be_null=False)
        try:
            return pcsv.read_csv(path, convert_options=convert)
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "conversion error to double" in message and attempt == 0:
                types[columns["count"]] = text  # some counts are not numbers: read them as text, to name them
                continue
            if "UTF8" in message or "utf8" in message.lower():
                from safer_io.inputs import likely_encoding

                raise CrimeInputError(f"{path}: the counts file is not UTF-8 text; it looks like "
                                      f"{likely_encoding(path.read_bytes()[:65536])}. Save it as UTF-8.") from None
            raise CrimeInputError(f"{path}: cannot be read as CSV ({message.splitlines()[0]}).") from None
    raise AssertionError("unreachable")


def _read_parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as parquet:
            return parquet.read()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise CrimeInputError(f"{path}: cannot be read as Parquet ({exc}).") from None


def _read_xlsx(path: Path) -> tuple[list[str], Any]:
    """Every sheet of a workbook that has the first sheet-with-data's header, stacked (the Home Office workbooks
    hold one financial year per sheet)."""
    import pyarrow as pa
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise CrimeInputError(f"{path}: cannot be read as an XLSX workbook ({exc}).") from None
    header: list[str] | None = None
    rows: list[tuple[Any, ...]] = []
    for sheet in book.worksheets:
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        if not first:
            continue
        names = [str(v).strip() if v is not None else "" for v in first]
        if header is None and sum(bool(n) for n in names) >= 4:
            header = names
        if names == header:
            rows += [r for r in values if any(v is not None for v in r)]
    book.close()
    if header is None:
        raise CrimeInputError(f"{path}: no sheet with a header row of column names.")
    table = {name: pa.array(["" if r[i] is None else str(r[i]) for r in rows], pa.string())
             for i, name in enumerate(header) if name}
    return header, pa.table(table)


def _input_metadata(path: Path) -> dict[str, Any] | None:
    from safer_io.inputs import read_embedded_metadata
    from safer_io.sidecars import sidecar_path

    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            payload = json.loads(sidecar.read_text(encoding="utf-8"))
            return payload if isinstance(payload, dict) else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
    try:
        return read_embedded_metadata(path, CrimeInputError)
    except CrimeInputError:
        return None


def _counts(column: Any, raw: RawCounts, limit: int = 5) -> None:
    """Fill `raw.count` from the count column, keeping the cells that are not numbers for the message."""
    import pyarrow as pa

    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        raw.count = np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        return
    encoded = _encode(column)
    numbers = np.full(len(encoded.values), np.nan)
    bad: list[int] = []
    for i, text in enumerate(encoded.values):
        cleaned = text.strip().replace(",", "") if _thousands(text.strip()) else text.strip()
        if cleaned == "":
            continue
        try:
            numbers[i] = float(cleaned)
        except ValueError:
            bad.append(i)
    raw.count = numbers[encoded.index]
    if bad:
        raw.not_number_mask = np.isin(encoded.index, bad)
        rows = np.flatnonzero(raw.not_number_mask)
        raw.not_number_rows = int(len(rows))
        raw.not_numbers = {int(r) + 1: encoded.values[encoded.index[r]] for r in rows[:limit]}


def _thousands(text: str) -> bool:
    """Whether `text` is a number written with thousands separators (1,234 or 12,345,678)."""
    parts = text.split(",")
    return text.isascii() and len(parts) > 1 and parts[0].isdigit() and len(parts[0]) <= 3 and all(
        len(p) == 3 and p.isdigit() for p in parts[1:])


def _period_column(table: Any, binding: ColumnBinding, path: Path) -> TextColumn:
    """The period of each row: its own column, or the open data's Financial Year and Quarter made into one."""
    import pyarrow as pa

    if "period" in binding.columns:
        column = table.column(binding.columns["period"])
        if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
            column = column.cast(pa.timestamp("s")).cast(pa.string())
            import pyarrow.compute as pc

            column = pc.utf8_slice_codeunits(column, 0, 10)
        return _encode(column)
    years = _encode(table.column(binding.columns["financial_year"]))
    quarters = _encode(table.column(binding.columns["financial_quarter"]))
    pair = years.index.astype(np.int64) * len(quarters.values) + quarters.index
    unique, index = np.unique(pair, return_inverse=True)
    texts = []
    for key in unique:
        year_text, quarter_text = years.values[key // len(quarters.values)], quarters.values[key % len(quarters.values)]
        try:
            texts.append(financial_quarter_period(year_text, quarter_text))
        except CrimeInputError:
            texts.append(f"{year_text} Q{quarter_text}")  # refused with its row by the period check
    return TextColumn(texts, index.astype(np.int32))


def read_counts(path: str | Path, layout: str = "auto", mapping_file: Path | None = None,
                mapped: dict[str, str] | None = None) -> RawCounts:
    """Read a counts file (see the module docstring); the columns are bound by `layouts.bind_columns`."""
    import pyarrow as pa

    from safer_io.memory import recall

    path = Path(path)
    remembered = recall(path)
    metadata: dict[str, Any] | None = None
    if remembered is not None and hasattr(remembered.value, "columns"):
        table = pa.Table.from_pandas(remembered.value, preserve_index=False)
        header = list(table.column_names)
        metadata = remembered.metadata
    else:
        suffix = path.suffix.lower()
        if not path.is_file():
            raise CrimeInputError(f"{path}: the counts file does not exist." if not path.exists()
                                  else f"{path}: is a folder, not a counts file.")
        if suffix in (".parquet", ".pq"):
            table = _read_parquet(path)
            header = list(table.column_names)
        elif suffix == ".xlsx":
            header, table = _read_xlsx(path)
        elif suffix in (".csv", ".txt"):
            header = _csv_header(path)
            table = None
        else:
            raise CrimeInputError(f"{path}: counts are read from .csv, .parquet or .xlsx files (save an .ods or .xls "
                                  "workbook as .xlsx).")
        metadata = _input_metadata(path)
    binding = bind_columns(header, str(path), layout, mapping_file, mapped)
    if table is None:
        table = _read_csv(path, binding.columns)
    code_column = table.column(binding.columns["code"])
    if not (pa.types.is_string(code_column.type) or pa.types.is_large_string(code_column.type)
            or pa.types.is_dictionary(code_column.type)):
        raise CrimeInputError(f"{path}: the code column '{binding.columns['code']}' holds numbers, not text: codes "
                              "such as 4.10 and 4.1 cannot be told apart once read as numbers. Store the codes as "
                              "text.")
    raw = RawCounts(path, binding, _encode(table.column(binding.columns["area"])),
                    _period_column(table, binding, path), _encode(code_column), np.empty(0),
                    metadata=metadata)
    if "description" in binding.columns:
        raw.description = _encode(table.column(binding.columns["description"]))
    _counts(table.column(binding.columns["count"]), raw)
    if raw.rows == 0:
        raise CrimeInputError(f"{path}: the counts file has a header but no data rows.")
    return raw
