"""Output files that cannot be lost or mistaken: atomic writes, sidecars, format by extension.

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
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.memory import remember
from safer_io.sidecars import METADATA_KEY, sidecar_path

if TYPE_CHECKING:
    import pandas as pd

TableWriter = Callable[["pd.DataFrame", dict[str, Any], Path], None]
"""Writes a table with its metadata embedded to a path: `writer(table, metadata, path)`."""

_REGISTERED_WRITERS: dict[str, TableWriter] = {}
"""Formats written by a layer above this one (the workbook, by `reporting`), by extension."""

TABLE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")
"""Every format a result table can be written in; `.xlsx` once `reporting` has registered its writer."""


class OutputError(ValueError):
    """An output cannot be written where asked; the message names the user's path, never a temporary file."""


def register_table_format(suffix: str, writer: TableWriter) -> None:
    """Let `write_table` write `suffix` files with `writer`; called by the layer that owns the format.

    The foundation never imports upwards: `reporting` registers its workbook writer when it is imported.
    """
    _REGISTERED_WRITERS[suffix.lower()] = writer


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
    elif fmt in _REGISTERED_WRITERS:
        _REGISTERED_WRITERS[fmt](table, metadata, path)
    elif fmt in TABLE_FORMATS:
        raise OutputError(f"{fmt} tables are written by the reporting layer, which is not loaded: "
                          "`import reporting` before writing one.")
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
    remember(out, table, metadata)

