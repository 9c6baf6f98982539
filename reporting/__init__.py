"""What `safer` hands to people, made from output files: the HTML report, workbooks, publication tables, jobs.

This package reads results by their metadata and never imports `survey`, `simulation` or `recorded_crime`. It
stands on the foundation, `safer_io`, and gives it the one format the foundation cannot write itself: the
workbook, registered here so that `write_output(table, "x.xlsx", ...)` works once `reporting` is imported, and a
workbook's embedded metadata and content hash can be checked (`safer_io.verification.check_unchanged`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.outputs import register_book_writer, register_table_format
from safer_io.verification import register_content_reader, register_metadata_reader

if TYPE_CHECKING:
    import pandas as pd


def _write_workbook(table: pd.DataFrame, metadata: dict[str, Any], path: Path) -> str:
    from reporting.workbook_tables import write_result_workbook  # openpyxl only when a workbook is asked for

    return write_result_workbook(table, metadata, path)


def _workbook_content(path: Path) -> str:
    from reporting.workbook import workbook_content_sha256

    return workbook_content_sha256(path)


def _workbook_metadata(path: Path) -> dict[str, Any] | None:
    from reporting.workbook import embedded_workbook_metadata

    return embedded_workbook_metadata(path)


def _write_book(path: Path, title: str, tables: dict[str, tuple[str, pd.DataFrame]], source: str = "",
                cover_notes: list[str] | None = None) -> None:
    from reporting.workbook_tables import write_tables_workbook

    write_tables_workbook(path, title, tables, source=source, cover_notes=cover_notes)


register_table_format(".xlsx", _write_workbook)
register_content_reader(".xlsx", _workbook_content)
register_metadata_reader(".xlsx", _workbook_metadata)
register_book_writer(_write_book)
