"""Output files that cannot be lost or mistaken: atomic writes, sidecars, format by extension.

Every command writes through here. An output goes to a temporary file beside its target and is renamed into
place only when complete, so a failed run leaves nothing half-written. Each output has a `<out>.meta.json`
sidecar recording the tool version, the parameters, the SHA-256 of every input (the Reproducible
Analytical Pipeline minimum) and the SHA-256 of the output itself, and tables carry the same metadata inside
the file where the format allows (Parquet schema metadata, a JSON member, an XLSX sheet), with the hash of the
table's content (`safer_io.verification` says what is hashed). An output that would overwrite an input, or an
input's sidecar, is refused before any work starts.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.checking import checks_done
from safer_io.memory import remember
from safer_io.sidecars import METADATA_KEY, sidecar_path
from safer_io.verification import CONTENT_KEY, OUTPUT_KEY, frame_sha256, rows_sha256, sidecar_metadata

if TYPE_CHECKING:
    import pandas as pd

TableWriter = Callable[["pd.DataFrame", dict[str, Any], Path], "str | None"]
"""Writes a table with its metadata embedded to a path, `writer(table, metadata, path)`, and returns the
`content_sha256` it embedded (`safer_io.verification`), or None where it embeds no metadata."""

_REGISTERED_WRITERS: dict[str, TableWriter] = {}
"""Formats written by a layer above this one (the workbook, by `reporting`), by extension."""

TABLE_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".json", ".xlsx")
"""Every format a result table can be written in; `.xlsx` once `reporting` has registered its writer."""


class OutputError(ValueError):
    """An output cannot be written where asked; the message names the user's path, never a temporary file."""


class Written(list[Path]):
    """Outputs put in place, in order, and when the recording began (`time.perf_counter()`)."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.perf_counter()
        """When the recording began: what a command's "in N s" counts from."""


_written: ContextVar[Written | None] = ContextVar("safer_outputs_written", default=None)


@contextlib.contextmanager
def recording_outputs() -> Iterator[Written]:
    """The outputs put in place during the block, in order (the list yielded grows as they are written); an
    enclosing recording (a job around its steps) keeps receiving them. What an interrupted command kept, and
    what a command that runs others (`safer demo`) wrote in all."""
    current = _written.get()
    if current is not None:
        yield current
        return
    written = Written()
    token = _written.set(written)
    try:
        yield written
    finally:
        _written.reset(token)


def _record_written(path: Path) -> None:
    written = _written.get()
    if written is not None:
        written.append(path)


BookWriter = Callable[..., None]
"""Writes several titled tables as one workbook:
`writer(path, title, tables={sheet: (title, table)}, source="", cover_notes=[...])`."""

_BOOK_WRITERS: list[BookWriter] = []
"""The workbook writer a layer above registers (`reporting`, which lays workbooks out as published ones)."""


def register_book_writer(writer: BookWriter) -> None:
    """Let `write_tables_book` lay out workbooks with `writer`; called by `reporting` when it is imported."""
    _BOOK_WRITERS[:] = [writer]


def write_tables_book(path: Path, title: str, tables: dict[str, tuple[str, pd.DataFrame]], source: str = "",
                      cover_notes: list[str] | None = None) -> None:
    """Several titled tables as one workbook at `path` (usually a temporary file), by the registered writer; without
    one, a plain workbook (a sheet per table, names cut to Excel's 31 characters)."""
    if _BOOK_WRITERS:
        _BOOK_WRITERS[0](path, title, tables, source=source, cover_notes=list(cover_notes or []))
        return
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, (_, table) in tables.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)


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
def atomic_path(target: str | Path, record: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds.

    A failure to create, write or rename (read-only folder, full disk, a directory in the way) raises
    `OutputError` naming `target` and leaves nothing behind. `record`: count it among the command's outputs
    (`recording_outputs`); working files (a simulation's finished parts, a cache) are not.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give a file name for the output.")
    checks_done()  # `safer run --check` writes nothing
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
        if record:
            _record_written(target)
    except OSError as exc:
        failure: OSError | None = exc
        message = _describe_os_error(target, exc)
    else:
        return
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    if failure is not None:
        _drop_failed_writers(failure)
        failure = None
    raise OutputError(message) from None


@contextlib.contextmanager
def staging_folder(folder: str | Path) -> Iterator[tuple[Path, Callable[[list[str]], list[Path]]]]:
    """A hidden folder inside `folder` for files that must appear together or not at all (a report's figures).

    Yields `(staging, keep)`: write the files into `staging`, then `keep(names)` moves them into `folder` (each
    rename replaces a file of the same name) and returns their paths. Leaving the block in any way, an interrupt
    included, removes the staging folder with whatever is left in it, and `folder` itself if this call created
    it and it is still empty. A failure to create or write raises `OutputError` naming `folder`.
    """
    folder = Path(folder)
    checks_done()  # `safer run --check` writes nothing
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".safer-", suffix=".tmp", dir=folder))
    except OSError as exc:
        _remove_empty(created)
        raise OutputError(_describe_os_error(folder, exc)) from None

    def keep(names: list[str]) -> list[Path]:
        kept = []
        for name in names:
            os.replace(staging / name, folder / name)
            kept.append(folder / name)
            _record_written(folder / name)
        return kept

    try:
        yield staging, keep
    except OSError as exc:
        raise OutputError(_describe_os_error(folder, exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)


def _drop_failed_writers(exc: BaseException) -> None:
    """Let go of the writer that failed, quietly, before the message is shown.

    A workbook is a zip file: when the disk fills, openpyxl's `ZipFile` is left open in the failing frames, and
    when it is collected later its `__del__` tries to finish the file, fails again and prints a traceback after
    the message ("Exception ignored in: ZipFile.__del__"). Clearing the frames and collecting here, with such
    complaints silenced, ends it before anything is printed.
    """
    import gc
    import sys

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        traceback = exc.__traceback__
        exc.__traceback__ = None
        frames = []
        while traceback is not None:
            frames.append(traceback.tb_frame)
            traceback = traceback.tb_next
        for frame in frames:
            with contextlib.suppress(RuntimeError):  # a frame still running cannot be cleared
                frame.clear()
        del frames
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders this run created, deepest first, if nothing was put in them."""
    for made in folders:
        with contextlib.suppress(OSError):
            made.rmdir()


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


def write_table(table: pd.DataFrame, path: Path, fmt: str, metadata: dict[str, Any]) -> str | None:
    """Write `table` to `path` (usually a temporary file) in format `fmt`, with `metadata` embedded together with
    the hash of the table's content (`content_sha256`, see `safer_io.verification`); returns that hash (None for
    CSV, which embeds nothing)."""
    if fmt == ".csv":
        table.to_csv(path, index=False)
        return None
    if fmt == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        content = frame_sha256(table)
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        existing = arrow.schema.metadata or {}
        embedded = json.dumps({**metadata, CONTENT_KEY: content}, default=str).encode()
        arrow = arrow.replace_schema_metadata({**existing, METADATA_KEY: embedded})
        pq.write_table(arrow, path)
        return content
    if fmt == ".json":
        records = json.loads(table.to_json(orient="records", double_precision=15))
        content = rows_sha256(records)
        path.write_text(json.dumps({"metadata": {**metadata, CONTENT_KEY: content}, "rows": records}, indent=1,
                                   default=str), encoding="utf-8")
        return content
    if fmt in _REGISTERED_WRITERS:
        return _REGISTERED_WRITERS[fmt](table, metadata, path)
    if fmt in TABLE_FORMATS:
        raise OutputError(f"{fmt} tables are written by the reporting layer, which is not loaded: "
                          "`import reporting` before writing one.")
    raise OutputError(f"unknown output format {fmt}")


def write_output(table: pd.DataFrame, out: str | Path, metadata: dict[str, Any]) -> None:
    """Write a result table in the format its extension names, with metadata embedded and in a sidecar.

    The sidecar records the SHA-256 of the file written (`output`) and, like the embedded copy, of the table's
    content (`content_sha256`). Both files are renamed into place only when both are complete.
    """
    out = Path(out)
    fmt = table_format(out)
    with atomic_path(out) as tmp, atomic_path(sidecar_path(out)) as tmp_meta:
        described = write_described_table(table, metadata, tmp, tmp_meta, out, fmt)
    remember(out, table, described, sha256=described[OUTPUT_KEY]["sha256"])


def write_described_table(table: pd.DataFrame, metadata: dict[str, Any], tmp: Path, tmp_meta: Path, out: Path,
                          fmt: str) -> dict[str, Any]:
    """Write a table to `tmp` and its sidecar to `tmp_meta` (both temporary, to be renamed to `out` and its
    sidecar): the embedded metadata with the content hash, the sidecar with the file's hash too. Returns the
    sidecar's metadata. For a command writing several tables inside its own `atomic_path` blocks."""
    try:
        content = write_table(table, tmp, fmt, metadata)
    except OSError as exc:  # name the table, not the sidecar whose context sees the error first
        message = _describe_os_error(out, exc)
        _drop_failed_writers(exc)
        raise OutputError(message) from None
    described = metadata if content is None else {**metadata, CONTENT_KEY: content}
    described = sidecar_metadata(described, tmp, out)
    tmp_meta.write_text(json_text(described), encoding="utf-8")
    return described


def write_sidecar(path: str | Path, metadata: dict[str, Any], written: str | Path | None = None) -> dict[str, Any]:
    """Write `<path>.meta.json`: `metadata` with the SHA-256 of the file it describes (`written`, default `path`
    itself, already in place); returns what was written. Every sidecar goes through here or `write_output`."""
    described = sidecar_metadata(metadata, written if written is not None else path, path)
    write_json_atomic(sidecar_path(path), described)
    return described

