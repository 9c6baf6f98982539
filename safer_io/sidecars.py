"""Where an output's metadata lives: a `<file>.meta.json` sidecar beside it, and a copy inside the file.

A table written by `safer` embeds its metadata where the format allows (Parquet schema metadata under the key
`safer`, a JSON output's `metadata` member, a workbook's notes sheet), so a copy of the file stays described
even without its sidecar.
"""

from __future__ import annotations

from pathlib import Path

METADATA_KEY = b"safer"
"""Key of the embedded metadata in a Parquet file's schema metadata."""


def sidecar_path(path: str | Path) -> Path:
    """Where a file's metadata goes: `<file>.meta.json`.

    >>> sidecar_path("out/estimates.csv").name
    'estimates.csv.meta.json'
    """
    path = Path(path)
    return path.with_name(path.name + ".meta.json")
