"""Reading `safer` outputs back: the table and the metadata that says what it is.

The report, the workbook and the publication tables work from output files only. A result's metadata comes
from its `<file>.meta.json` sidecar, or else from the copy embedded in the file (Parquet schema metadata, the
`metadata` member of a JSON output, the notes sheet of a workbook). Its `command` key ("estimate", "change",
"simulate run", ...) and, for commands that write several tables, its `content` key say what the table is; see
`docs/report.md` for the contract each command follows. A result that has changed since safer wrote it (its
hash no longer matches its sidecar or embedded metadata) is refused unless `--trust-edited` lets it through
(`safer_io.verification`). Inside a `safer run` job, a file written by an earlier step is taken from memory
rather than read again.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.errors import ReportInputError
from safer_io.sidecars import METADATA_KEY, sidecar_path
from safer_io.verification import check_unchanged

READABLE_FORMATS = (".csv", ".parquet", ".json", ".xlsx")
TEXT_COLUMNS = ("indicator", "domain", "domain_value", "scenario", "group", "group_value", "measure", "area",
                "period", "base_period", "current_period", "baseline_period", "latest_period", "parameter",
                "criterion", "item", "cohort", "content", "flag", "status", "direction")
"""Columns always read as text, so that area codes such as '01' keep their form."""
NOTES_SHEET = "notes"
METADATA_CELL = "metadata (JSON)"
"""Key of the notes-sheet row that embeds the full metadata in a workbook."""
LAYOUT_CELL = "layout (JSON)"
"""Key of the notes-sheet row that says where each table starts and which column each header names."""
SHORTHAND = ("[c]", "[x]")
"""What a workbook shows in place of a missing number (suppressed, not available)."""


@dataclass(frozen=True)
class Result:
    """One output of `safer`: its table and its metadata."""

    path: Path
    """Where it was read from."""
    table: pd.DataFrame
    """The long table, as the command wrote it."""
    metadata: dict[str, Any]
    """Provenance and description (see `docs/report.md`)."""

    @property
    def command(self) -> str:
        """What made it: "estimate", "change", "simulate run", ..."""
        return str(self.metadata.get("command", ""))

    @property
    def content(self) -> str:
        """Which table of a command that writes several ("" when it writes one)."""
        return str(self.metadata.get("content", ""))


def _text_dtypes(columns: list[str]) -> dict[str, Any]:
    return {c: str for c in columns if c in TEXT_COLUMNS}


def read_table(path: Path) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The table in `path` and the metadata embedded in it (None where the format embeds none)."""
    suffix = path.suffix.lower()
    if suffix not in READABLE_FORMATS:
        raise ReportInputError(f"{path}: cannot read a result from a '{suffix}' file; give one of "
                               f"{', '.join(READABLE_FORMATS)}.")
    try:
        if suffix == ".csv":
            header = pd.read_csv(path, nrows=0).columns.tolist()
            return pd.read_csv(path, dtype=_text_dtypes(header), keep_default_na=True), None
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as parquet:  # not `read_table`: its dataset layer costs 0.2 s to start
                arrow = parquet.read()
            raw = (arrow.schema.metadata or {}).get(METADATA_KEY)
            return arrow.to_pandas(), (json.loads(raw) if raw else None)
        if suffix == ".json":
            payload = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(payload, dict) or "rows" not in payload:
                raise ReportInputError(f"{path}: not a safer JSON output (no 'rows' member).")
            table = pd.DataFrame(payload["rows"])
            for column in set(table.columns) & set(TEXT_COLUMNS):
                table[column] = table[column].astype("string").astype(object)
            return table, payload.get("metadata")
        return _read_workbook(path)
    except ReportInputError:
        raise
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ReportInputError(f"{path}: cannot be read as a table ({exc}).") from None


def _notes(sheets: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Label -> text of a workbook's notes sheet (the new layout, titled "Notes", or the old "notes" sheet)."""
    for name, frame in sheets.items():
        if name.lower() != NOTES_SHEET:
            continue
        rows = frame.astype(str).to_numpy().tolist()
        return {str(r[0]): str(r[1]) for r in rows if len(r) >= 2}
    return {}


def _read_workbook(path: Path) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    raw = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None, dtype=object)
    notes = _notes(raw)
    metadata = json.loads(notes[METADATA_CELL]) if METADATA_CELL in notes else None
    if LAYOUT_CELL not in notes:  # the layout before issue 22: header in row 1 of every sheet, a "notes" sheet
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype=_text_dtypes(list(TEXT_COLUMNS)))
        tables = [t for name, t in sheets.items() if name.lower() != NOTES_SHEET and len(t.columns)]
        if not tables:
            raise ReportInputError(f"{path}: the workbook has no data sheet.")
        return pd.concat(tables, ignore_index=True), metadata
    layout = json.loads(notes[LAYOUT_CELL])
    skip = int(layout["header_row"]) - 1
    tables = []
    for name, columns in layout["sheets"].items():
        frame = pd.read_excel(path, sheet_name=name, engine="openpyxl", skiprows=skip, dtype=object)
        frame = frame.rename(columns=columns)
        frame = frame.replace(list(SHORTHAND), None)
        for column in frame.columns:
            if column in TEXT_COLUMNS:
                frame[column] = frame[column].map(lambda v: v if v is None or pd.isna(v) else str(v))
            elif set(frame[column].dropna().unique()) <= {"Yes", "No"} and frame[column].notna().any():
                frame[column] = frame[column].map({"Yes": True, "No": False})
            else:
                with contextlib.suppress(ValueError, TypeError):  # a text column is kept as read
                    frame[column] = pd.to_numeric(frame[column])
        tables.append(frame)
    if not tables:
        raise ReportInputError(f"{path}: the workbook has no data sheet.")
    return pd.concat(tables, ignore_index=True), metadata


def read_metadata(path: Path, embedded: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sidecar's metadata, else what the file embeds; a result with neither is refused."""
    sidecar = sidecar_path(path)
    if sidecar.exists():
        try:
            payload = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportInputError(f"{sidecar}: the metadata file cannot be read ({exc}).") from None
        if not isinstance(payload, dict):
            raise ReportInputError(f"{sidecar}: the metadata file is not a JSON object.")
        return payload
    if embedded is not None:
        return embedded
    raise ReportInputError(f"{path}: no metadata found ({sidecar.name} is missing and the file embeds none), so "
                           "the report cannot tell what this table is. Give outputs of safer with their "
                           ".meta.json files.")


def load_result(path: str | Path) -> Result:
    """Read one output of `safer` (from memory inside a `safer run` job)."""
    from safer_io.memory import recall

    path = Path(path)
    remembered = recall(path)
    if remembered is not None and isinstance(remembered.value, pd.DataFrame) and remembered.metadata is not None:
        return Result(path, remembered.value, remembered.metadata)
    if not path.exists():
        raise ReportInputError(f"{path}: no such file.")
    check_unchanged(path, ReportInputError)  # an output edited since safer wrote it is refused (--trust-edited)
    table, embedded = read_table(path)
    metadata = read_metadata(path, embedded)
    if "command" not in metadata:
        raise ReportInputError(f"{path}: its metadata has no 'command' key, so the report cannot tell what it is.")
    return Result(path, table, metadata)
