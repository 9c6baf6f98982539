"""What `safer` hands to people, made from output files: the HTML report, workbooks, publication tables, jobs.

This package reads results by their metadata and never imports `survey`, `simulation` or `recorded_crime`. It
stands on the foundation, `safer_io`, and gives it the one format the foundation cannot write itself: the
workbook, registered here so that `write_output(table, "x.xlsx", ...)` works once `reporting` is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.outputs import register_table_format

if TYPE_CHECKING:
    import pandas as pd


def _write_workbook(table: pd.DataFrame, metadata: dict[str, Any], path: Path) -> None:
    from reporting.workbook import write_result_workbook  # openpyxl only when a workbook is asked for

    write_result_workbook(table, metadata, path)


register_table_format(".xlsx", _write_workbook)
