"""Output files that cannot be lost or mistaken: provenance, atomic writes, sidecars, format by extension.

Every command writes through here. An output goes to a temporary file beside its target and is renamed into
place only when complete, so a failed run leaves nothing half-written. Each output has a `<out>.meta.json`
sidecar recording the tool version, the parameters and the SHA-256 of every input (the Reproducible
Analytical Pipeline minimum), and tables carry the same metadata inside the file where the format allows
(Parquet schema metadata, a JSON member, an XLSX sheet). An output that would overwrite an input, or an
input's sidecar, is refused before any work starts.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TABLE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")
METADATA_KEY = b"safer"
"""Key of the embedded metadata in a Parquet file's schema metadata."""


class OutputError(ValueError):
    """An output cannot be written where asked; the message names the user's path, never a temporary file."""


def tool_version() -> str:
    """Installed version of `safer` (or 'unknown' when run from a bare checkout)."""
    try:
        return version("safer")
    except PackageNotFoundError:
        return "unknown"


def file_sha256(path: str | Path, *, use_memory: bool = True) -> str:
    """Hex SHA-256 of a file's bytes, for provenance.

    Inside a `safer run` job, a file written by an earlier step is not read again: the hash recorded when it was
    written is used (`reporting.memory`).
    """
    if use_memory:
        from reporting.memory import recorded_sha256

        recorded = recorded_sha256(path)
        if recorded is not None:
            return recorded
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(command: str, parameters: dict[str, Any], inputs: Iterable[str | Path]) -> dict[str, Any]:
    """What every output records: tool, version, command, parameters and the SHA-256 of each input file."""
    return {
        "tool": "safer",
        "version": tool_version(),
        "command": command,
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()},
        "inputs": {str(p): file_sha256(p) for p in inputs},
    }


def sidecar_path(path: str | Path) -> Path:
    """Where a file's metadata goes: `<file>.meta.json`."""
    path = Path(path)
    return path.with_name(path.name + ".meta.json")


def table_format(path: str | Path, allowed: tuple[str, ...] = TABLE_FORMATS) -> str:
    """The format named by the file extension (e.g. `.csv`); an unknown one is refused before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise OutputError(
            f"{path}: cannot tell the output format from the extension '{suffix}'; use one of {', '.join(allowed)}."
        )
    return suffix


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]) -> None:
    """Refuse, before any work, outputs that would overwrite an input or its sidecar, or each other.

    Also refuses an output path that is an existing directory. Each output's sidecar counts as an output.
    """
    given_inputs = [Path(p) for p in inputs if p is not None]
    protected = given_inputs + [sidecar_path(p) for p in given_inputs]
    seen: list[Path] = []
    for out in (Path(p) for p in outputs if p is not None):
        if out.is_dir():
            raise OutputError(f"{out}: is a directory; give a file name for the output.")
        for written in (out, sidecar_path(out)):
            for kept in protected:
                if _same_file(written, kept):
                    role = "the sidecar of an input" if kept.name.endswith(".meta.json") else "an input"
                    raise OutputError(
                        f"{out}: writing it would overwrite {role} ({kept}); inputs are never modified. "
                        "Choose another output path."
                    )
            for other in seen:
                if _same_file(written, other):
                    raise OutputError(f"{out}: two outputs of this run would both be written to {other}.")
            seen.append(written)


def _describe_os_error(target: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"{target}: the disk is full; nothing was written. Free some space and run again."
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{target}: cannot write here ({exc.strerror}); nothing was written. Choose a writable folder."
    if exc.errno == errno.EISDIR:
        return f"{target}: is a directory; give a file name for the output."
    if exc.errno == errno.ENOTDIR:
        return f"{target}: a file stands where a folder of this path should be; nothing was written."
    return f"{target}: cannot be written ({exc.strerror or exc}); nothing was written."


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds.

    A failure to create, write or rename (read-only folder, full disk, a directory in the way) raises
    `OutputError` naming `target` and leaves nothing behind.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give a file name for the output.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(_describe_os_error(target, exc)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private; give the output the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(_describe_os_error(target, exc)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def json_text(payload: Any, indent: int = 2) -> str:
    """`payload` as JSON: objects indented, a list without objects on one line; non-JSON values as `str()`.

    Reads like `json.dumps(payload, indent=2)` but is written by the standard library's C encoder, which it
    uses only without `indent`: the sidecar of a weighted file holds tens of thousands of cell values, and
    the pure-Python indenting encoder took a fifth of a second over them.

    >>> print(json_text({"cells": {"g": [1.5, 2.0], "levels": [[0, 1], [1, 0]]}, "steps": [{"name": "raking"}]}))
    {
      "cells": {
        "g": [1.5, 2.0],
        "levels": [[0, 1], [1, 0]]
      },
      "steps": [
        {
          "name": "raking"
        }
      ]
    }
    """
    plain = json.JSONEncoder(default=str).encode

    def encode(value: Any, depth: int) -> str:
        inner, outer = " " * (indent * (depth + 1)), " " * (indent * depth)
        if isinstance(value, dict) and value:
            items = [f"{inner}{plain(_json_key(k))}: {encode(v, depth + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + outer + "}"
        if isinstance(value, list | tuple) and any(isinstance(v, dict) for v in value):
            return "[\n" + ",\n".join(inner + encode(v, depth + 1) for v in value) + "\n" + outer + "]"
        return plain(value)

    return encode(payload, 0)


def _json_key(key: Any) -> str:
    """A dict key as `json.dumps` writes it: text as is; numbers, booleans and None as their JSON text."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def write_json_atomic(target: str | Path, payload: dict[str, Any]) -> None:
    """Write JSON through a temporary file."""
    with atomic_path(target) as tmp:
        tmp.write_text(json_text(payload), encoding="utf-8")


def write_table(table: pd.DataFrame, path: Path, fmt: str, metadata: dict[str, Any]) -> None:
    """Write `table` to `path` (usually a temporary file) in format `fmt`, with `metadata` embedded."""
    if fmt == ".csv":
        table.to_csv(path, index=False)
    elif fmt == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(table, preserve_index=False)
        existing = arrow.schema.metadata or {}
        arrow = arrow.replace_schema_metadata({**existing, METADATA_KEY: json.dumps(metadata, default=str).encode()})
        pq.write_table(arrow, path)
    elif fmt == ".json":
        records = json.loads(table.to_json(orient="records", double_precision=15))
        path.write_text(json.dumps({"metadata": metadata, "rows": records}, indent=1, default=str), encoding="utf-8")
    elif fmt == ".xlsx":
        from reporting.workbook import write_result_workbook

        write_result_workbook(table, metadata, path)
    else:
        raise OutputError(f"unknown output format {fmt}")


def write_output(table: pd.DataFrame, out: str | Path, metadata: dict[str, Any]) -> None:
    """Write a result table in the format its extension names, with metadata embedded and in a sidecar.

    Both files are renamed into place only when both are complete.
    """
    out = Path(out)
    fmt = table_format(out)
    with atomic_path(out) as tmp, atomic_path(sidecar_path(out)) as tmp_meta:
        write_table(table, tmp, fmt, metadata)
        tmp_meta.write_text(json_text(metadata), encoding="utf-8")
    from reporting.memory import remember

    remember(out, table, metadata)

