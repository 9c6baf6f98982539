"""A file of area names for `safer report --labels FILE`: one row per area, columns `code, name, type`.

`type` says which kind of area the code belongs to, because the same code can name different areas in
different columns (region 5 is the West Midlands, police force area 5 the City of London). It is the domain
column's name (`region`, `pfa`, `la`) or a word for it: "region"; "force", "force area", "police force area";
"authority", "local authority", "council"; "partnership", "community safety partnership". Codes are kept as
text, so "01" stays "01".

>>> read_area_labels_text("code,name,type\\n5,West Midlands,region\\n5,City of London,force area\\n", "x.csv")
{'region': {'5': 'West Midlands'}, 'pfa': {'5': 'City of London'}}
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reporting.errors import ReportInputError

TYPE_COLUMNS = {
    "region": "region", "regions": "region",
    "pfa": "pfa", "force": "pfa", "force area": "pfa", "police force area": "pfa", "police force": "pfa",
    "la": "la", "authority": "la", "local authority": "la", "council": "la",
    "cdrp": "cdrp", "csp": "csp", "partnership": "csp", "community safety partnership": "csp",
}
"""Words for an area type -> the domain column of the bundled questionnaires; any other type is a column name."""
REQUIRED = ("code", "name", "type")


def read_area_labels_text(text: str, source: str) -> dict[str, dict[str, str]]:
    """Domain column -> code -> name from the CSV text of a labels file; problems name the row and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    absent = [c for c in REQUIRED if c not in header]
    if absent:
        raise ReportInputError(f"{source}: a labels file needs the columns code, name, type; "
                               f"{', '.join(absent)} missing (found: {', '.join(header) or 'none'}).")
    names: dict[str, dict[str, str]] = {}
    for row_number, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        for column in REQUIRED:
            if not row.get(column):
                raise ReportInputError(f"{source}, row {row_number}: column '{column}' is empty.")
        kind = TYPE_COLUMNS.get(row["type"].lower(), row["type"])
        earlier = names.setdefault(kind, {}).get(row["code"])
        if earlier is not None and earlier != row["name"]:
            raise ReportInputError(f"{source}, row {row_number}: code {row['code']} ({row['type']}) is named "
                                   f"both '{earlier}' and '{row['name']}'.")
        names[kind][row["code"]] = row["name"]
    return names


def read_area_labels(path: Path) -> dict[str, dict[str, str]]:
    """Domain column -> code -> name from a labels file (CSV, UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReportInputError(f"--labels {path}: no such file.") from None
    except UnicodeDecodeError as exc:
        raise ReportInputError(f"--labels {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
    except OSError as exc:
        raise ReportInputError(f"--labels {path}: cannot be read ({exc.strerror}).") from None
    return read_area_labels_text(text, str(path))
