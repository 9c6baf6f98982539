"""Writing result tables: the format follows the file extension (.csv, .parquet, .json, .xlsx).

Metadata (tool version, parameters, input hashes) travels inside the file where the format allows it
(Parquet schema metadata, a JSON member, an XLSX sheet) and always in a `<out>.meta.json` sidecar,
which the caller writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from survey.errors import SurveyInputError

TABLE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")


def table_format(path: str | Path) -> str:
    """The output format named by the file extension; an unknown one is an input error."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise SurveyInputError(
            f"{path}: cannot tell the output format from the extension '{suffix}'; "
            f"use one of {', '.join(TABLE_FORMATS)}."
        )
    return suffix


def write_table(table: pd.DataFrame, path: Path, fmt: str, metadata: dict[str, Any]) -> None:
    """Write `table` to `path` (usually a temporary file) in format `fmt`, with `metadata` embedded."""
    if fmt == ".csv":
        table.to_csv(path, index=False)
    elif fmt == ".parquet":
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        existing = arrow.schema.metadata or {}
        arrow = arrow.replace_schema_metadata({**existing, b"safer": json.dumps(metadata, default=str).encode()})
        pq.write_table(arrow, path)
    elif fmt == ".json":
        records = json.loads(table.to_json(orient="records", double_precision=15))
        path.write_text(json.dumps({"metadata": metadata, "rows": records}, indent=1, default=str))
    elif fmt == ".xlsx":
        flat = pd.DataFrame(
            {"key": list(_flatten(metadata).keys()), "value": [str(v) for v in _flatten(metadata).values()]}
        )
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name="estimates", index=False)
            flat.to_excel(writer, sheet_name="metadata", index=False)
    else:  # pragma: no cover - guarded by table_format
        raise SurveyInputError(f"unknown output format {fmt}")


def _flatten(payload: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
