"""What every output of `safer` records: the tool, its version, the command, its parameters and its inputs.

This is the Reproducible Analytical Pipeline minimum: from an output's metadata alone one can tell which
version of which command made it, with which options, from which exact input files (by SHA-256). The output's
own hash is added where it is written (`safer_io.verification.sidecar_metadata`, `outputs.write_output`).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from safer_io.hashing import sha256_of_file
from safer_io.memory import recorded_sha256
from safer_io.verification import EDITED_KEY, edited_inputs


def tool_version() -> str:
    """Installed version of `safer` (or 'unknown' when run from a bare checkout)."""
    try:
        return version("safer")
    except PackageNotFoundError:
        return "unknown"


def file_sha256(path: str | Path, *, use_memory: bool = True) -> str:
    """Hex SHA-256 of a file's bytes, for provenance.

    Inside a `safer run` job, a file written by an earlier step is not read again: the hash recorded when it was
    written is used (`safer_io.memory`).
    """
    if use_memory:
        recorded = recorded_sha256(path)
        if recorded is not None:
            return recorded
    return sha256_of_file(path)


def provenance(command: str, parameters: dict[str, Any], inputs: Iterable[str | Path]) -> dict[str, Any]:
    """What every output records: tool, version, command, parameters and the SHA-256 of each input file; and, when
    `--trust-edited` let through inputs that changed after safer wrote them, which (`edited_inputs`)."""
    record: dict[str, Any] = {
        "tool": "safer",
        "version": tool_version(),
        "command": command,
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()},
        "inputs": {str(p): file_sha256(p) for p in inputs},
    }
    edited = edited_inputs()
    if edited:
        record[EDITED_KEY] = edited
    return record
