"""The SHA-256 of a file's bytes: how provenance names an input and how a job remembers an output."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of_file(path: str | Path) -> str:
    """Hex SHA-256 of the bytes of `path`, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
