"""The SHA-256 of a file's bytes: how provenance names an input, how a sidecar names its output, and how a job
remembers what it wrote.

A command hashes each input once for its provenance and again to check it against the sidecar that describes
it; the second time is served from a small cache keyed by the file's identity, size and modification time, so
a file changed in between is hashed afresh.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_CACHE: dict[tuple[str, int, int, int, int], str] = {}
_CACHE_LIMIT = 256


def sha256_of_file(path: str | Path) -> str:
    """Hex SHA-256 of the bytes of `path`, read in 1 MiB blocks."""
    try:
        st = os.stat(path)
        key: tuple[str, int, int, int, int] | None = (str(Path(path).resolve()), st.st_dev, st.st_ino, st.st_size,
                                                      st.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    if key is not None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = value
    return value
