"""Outputs that can be verified: each records the SHA-256 of what it describes, and a reader checks it.

A CSV edited after `safer estimate` (an estimate set to 0.99) used to go into `safer report` with safer's
provenance (issue 21). Now every output says what it was, and a command that reads an output of safer back
refuses one that has changed since.

What is hashed:

- **A sidecar** (`<file>.meta.json`) records `output.sha256`: the SHA-256 of the bytes of the file it describes,
  exactly as written (`output.path` names that file).
- **A metadata block embedded in a table** (Parquet schema metadata, the `metadata` member of a JSON output, the
  notes sheet of a workbook) cannot hold the hash of the file that holds it: writing the hash would change the
  file. It records `content_sha256` instead, the SHA-256 of the table's content in a form that does not depend
  on the bytes around it:
  - Parquet: the rows as read back, column by column (`frame_sha256`);
  - JSON: the `rows` member as compact JSON (`rows_sha256`);
  - workbook: the cells of the data sheets, sheet by sheet (`cells_sha256`).
  A table's sidecar carries `content_sha256` too (it holds the same metadata).

Checking (`check_unchanged`): when a sidecar is beside the file, the file's bytes must have the sidecar's hash;
otherwise, when the file embeds metadata, its content must have the embedded hash. A file from a version of
safer that recorded no hash, or a file that is not an output of safer, has nothing to check. A file that fails
is refused naming what changed, unless the command runs under `trusting_edited()` (`--trust-edited`): then it
is let through and recorded (`edited_inputs`), and provenance lists it in every output of the command, so a
report made from it says so.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from safer_io.hashing import sha256_of_file
from safer_io.inputs import InputFileError
from safer_io.memory import recorded_sha256
from safer_io.sidecars import sidecar_path

if TYPE_CHECKING:
    import pandas as pd

OUTPUT_KEY = "output"
"""Key of a sidecar's record of the file it describes: {"path": ..., "sha256": ...}."""
CONTENT_KEY = "content_sha256"
"""Key of the hash of a table's content, in embedded metadata and in a table's sidecar."""
EDITED_KEY = "edited_inputs"
"""Key under which provenance lists the inputs let through by `--trust-edited`."""

ContentReader = Callable[[Path], str]
"""Computes `content_sha256` of a file of one format (registered from above for workbooks)."""
_CONTENT_READERS: dict[str, ContentReader] = {}


def register_content_reader(suffix: str, reader: ContentReader) -> None:
    """Let `check_unchanged` verify the embedded metadata of `suffix` files; called by the layer owning the format."""
    _CONTENT_READERS[suffix.lower()] = reader


def frame_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's content, the same for the frame written to Parquet and the frame read back.

    Row count, then each column in order: its name, then its values. Numbers (any numeric or boolean column,
    or text-typed column holding only numbers) as little-endian float64 with one NaN for every missing value;
    dates as nanoseconds; everything else as pandas' stable 64-bit hash of each value's text.

    >>> import pandas as pd
    >>> frame_sha256(pd.DataFrame({"a": [1, 2]})) == frame_sha256(pd.DataFrame({"a": [1.0, 2.0]}))
    True
    >>> frame_sha256(pd.DataFrame({"a": [1, 2]})) == frame_sha256(pd.DataFrame({"a": [1, 3]}))
    False
    """
    import numpy as np
    import pandas as pd

    digest = hashlib.sha256(f"rows {len(frame)}\n".encode())
    for name in frame.columns:
        column = frame[name]
        digest.update(b"\x1ecolumn " + str(name).encode("utf-8") + b"\x1f")
        dtype = column.dtype
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            values = column.to_numpy(dtype="datetime64[ns]" if pd.api.types.is_datetime64_any_dtype(dtype)
                                     else "timedelta64[ns]").view("<i8")
            digest.update(b"t" + values.tobytes())
            continue
        numeric = pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                                          and not isinstance(dtype, pd.CategoricalDtype))
        is_object = pd.api.types.is_object_dtype(dtype)
        if not numeric and is_object:
            numeric = pd.api.types.infer_dtype(column, skipna=True) in ("integer", "floating", "mixed-integer-float",
                                                                         "boolean")
        if numeric:
            if is_object:
                floats = np.asarray(pd.to_numeric(column.astype(object).where(column.notna(), np.nan)), dtype="<f8")
            else:
                floats = np.ascontiguousarray(column.to_numpy(dtype="<f8", na_value=np.nan))
            missing = np.isnan(floats)
            if missing.any():  # one bit pattern for every missing value, whatever NaN a computation left
                floats = floats.copy()
                floats[missing] = np.nan
            digest.update(b"f")
            digest.update(floats.data.cast("B"))
        else:
            hashed = pd.util.hash_pandas_object(column.astype(object), index=False).to_numpy(dtype="<u8")
            digest.update(b"s" + hashed.tobytes())
    return digest.hexdigest()


def rows_sha256(rows: Sequence[Any]) -> str:
    """SHA-256 of the `rows` member of a JSON output, as compact JSON (numbers as Python writes them).

    >>> rows_sha256([{"a": 1.5}]) == rows_sha256([{"a": 1.5}]), rows_sha256([{"a": 1.5}]) == rows_sha256([{"a": 2}])
    (True, False)
    """
    text = json.dumps(list(rows), separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cell_text(value: Any) -> str:
    if value is None or value == "":
        return "\x00"
    if isinstance(value, bool):
        return f"b{value}"
    if isinstance(value, int | float):
        return f"n{float(value):.16g}"  # a workbook stores 16 significant digits (openpyxl writes "%.16g")
    if hasattr(value, "isoformat"):
        return f"d{value.isoformat()}"
    return f"s{value}"


def cells_sha256(sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]]) -> str:
    """SHA-256 of a workbook's data sheets: each sheet's name, then its rows of cell values, in order.

    Numbers are compared to the 16 significant digits a workbook stores (a whole number stored as 2.0 reads back
    as 2), empty text as an empty cell.

    >>> cells_sha256([("a", [["x", 1], ["y", None]])]) == cells_sha256([("a", [("x", 1.0), ("y", "")])])
    True
    """
    digest = hashlib.sha256()
    for name, rows in sheets:
        digest.update(f"\x1dsheet {name}\x1e".encode())
        for row in rows:
            cells = [_cell_text(v) for v in row]
            while cells and cells[-1] == "\x00":
                cells.pop()
            digest.update(("\x1f".join(cells) + "\x1e").encode("utf-8"))
    return digest.hexdigest()


def sidecar_metadata(metadata: dict[str, Any], written: str | Path, target: str | Path) -> dict[str, Any]:
    """`metadata` with the record of the file it describes: `written` (its bytes, often a temporary file that will
    be renamed to `target`) hashed, `target` named. Keeps any other keys of an existing `output` record."""
    previous = metadata.get(OUTPUT_KEY)
    record = dict(previous) if isinstance(previous, dict) else {}
    record.update({"path": str(target), "sha256": sha256_of_file(written)})
    return {**metadata, OUTPUT_KEY: record}


@dataclass
class _Trust:
    trusted: bool = False
    edited: list[dict[str, str]] = field(default_factory=list)


_trust: ContextVar[_Trust | None] = ContextVar("safer_trust_edited", default=None)


@contextlib.contextmanager
def trusting_edited(trust: bool = True) -> Iterator[list[dict[str, str]]]:
    """Within the block, an edited output of safer is let through (`trust`) or refused; what is let through is
    recorded in the list yielded (what `edited_inputs` returns). A command wraps its body in this for
    `--trust-edited`; inside a job run with `--trust-edited` a step trusts whatever it says, and its record is the
    job's."""
    outer = _trust.get()
    state = _Trust(trust or (outer is not None and outer.trusted), outer.edited if outer is not None else [])
    token = _trust.set(state)
    try:
        yield state.edited
    finally:
        _trust.reset(token)


TRUST_EDITED_HELP = ("Use an output of safer that has changed since safer wrote it (its SHA-256 no longer matches "
                     "its metadata); the outputs of this command then say so.")
"""Help of every command's --trust-edited."""

Job = TypeVar("Job", bound=Callable[..., Any])


def takes_trust_edited(job: Job) -> Job:
    """Give a job the keyword option `trust_edited` (default False): the job runs under `trusting_edited` of it,
    so the outputs it reads are checked (`check_unchanged`) and its provenance lists what was let through."""
    signature = inspect.signature(job)
    option = inspect.Parameter("trust_edited", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool)

    @functools.wraps(job)
    def with_trust(*args: Any, trust_edited: bool = False, **kwargs: Any) -> Any:
        with trusting_edited(trust_edited):
            return job(*args, **kwargs)

    with_trust.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), option])
    return cast(Job, with_trust)


def edited_inputs() -> list[dict[str, str]]:
    """Inputs let through edited by `--trust-edited` in the running command: path, what was recorded, what was
    found, where the record was."""
    state = _trust.get()
    return [dict(entry) for entry in state.edited] if state is not None else []


@dataclass(frozen=True)
class Verified:
    """What `check_unchanged` found."""

    status: str
    """'verified' (the hash matches), 'edited' (let through by --trust-edited), 'no hash' (written before hashes
    were recorded) or 'not an output of safer' (no metadata)."""
    where: str
    """Which record was checked: the sidecar's name, 'embedded metadata', or ''."""


def _embedded(path: Path, error: type[Exception]) -> tuple[dict[str, Any] | None, Callable[[], str] | None]:
    """Embedded metadata of `path` and how to compute its content hash, for the formats that embed any."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        from safer_io.inputs import read_embedded_metadata, read_parquet

        return read_embedded_metadata(path, error), lambda: frame_sha256(read_parquet(path))
    if suffix == ".json":
        from safer_io.inputs import load_json

        try:
            payload = load_json(path, "output file", error)
        except Exception:  # not JSON: the reader reports it
            return None, None
        if isinstance(payload, dict) and isinstance(payload.get("metadata"), dict) and "rows" in payload:
            rows = payload["rows"]
            return payload["metadata"], lambda: rows_sha256(rows if isinstance(rows, list) else [])
        return None, None
    reader = _CONTENT_READERS.get(suffix)
    if reader is not None:
        found = _registered_metadata.get(suffix)
        metadata = found(path) if found is not None else None
        return metadata, lambda: reader(path)
    return None, None


MetadataReader = Callable[[Path], "dict[str, Any] | None"]
_registered_metadata: dict[str, MetadataReader] = {}


def register_metadata_reader(suffix: str, reader: MetadataReader) -> None:
    """How to find the metadata embedded in a `suffix` file (registered with its content reader)."""
    _registered_metadata[suffix.lower()] = reader


def check_unchanged(path: str | Path, error: type[Exception] = InputFileError, what: str = "") -> Verified:
    """Refuse an output of safer that has changed since safer wrote it (see the module docstring).

    `error` is the caller's error type; `what` names the input in the message ("the table of direct estimates").
    Under `trusting_edited()` an edited file is recorded and let through instead.
    """
    path = Path(path)
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        from safer_io.inputs import load_json

        meta = load_json(sidecar, "metadata file", error)
        record = meta.get(OUTPUT_KEY) if isinstance(meta, dict) else None
        recorded = record.get("sha256") if isinstance(record, dict) else None
        if not isinstance(recorded, str):
            return Verified("no hash", sidecar.name)
        found = recorded_sha256(path) or sha256_of_file(path)
        if found == recorded:
            return Verified("verified", sidecar.name)
        return _edited(path, recorded, found, sidecar.name, "its bytes", error, what)
    metadata, content = _embedded(path, error)
    if metadata is None or content is None:
        return Verified("not an output of safer", "")
    recorded = metadata.get(CONTENT_KEY)
    if not isinstance(recorded, str):
        return Verified("no hash", "embedded metadata")
    found = content()
    if found == recorded:
        return Verified("verified", "embedded metadata")
    return _edited(path, recorded, found, "the metadata embedded in it", "its rows", error, what)


def _edited(path: Path, recorded: str, found: str, where: str, part: str, error: type[Exception],
            what: str) -> Verified:
    state = _trust.get()
    entry = {"path": str(path), "recorded_sha256": recorded, "found_sha256": found, "record": where}
    if state is not None and state.trusted:
        if entry not in state.edited:
            state.edited.append(entry)
        return Verified("edited", where)
    named = f"{path} ({what})" if what else str(path)
    raise error(
        f"{named} has changed since safer wrote it: the SHA-256 of {part} ({found[:12]}...) is not the one recorded "
        f"in {where} ({recorded[:12]}...), so it was edited and its figures are no longer safer's. Run the command "
        "that made it again, or pass --trust-edited to use it as it is (the outputs will say so)."
    )
