"""Reading the text of an input file so that no bad file can crash a command: decoding, YAML and JSON.

Every spec file (questionnaire, design, weighting spec, mapping, scenario, parameters) and every `.meta.json`
is read through here. A file that is not UTF-8 is named with the byte that failed and the encoding it most
likely is (a spreadsheet saved on Windows is usually cp1252); YAML and JSON errors name the line and column;
a file nested so deeply that the parser would exhaust Python's stack is refused in one sentence. Each
function raises the caller's own error type (`SurveyInputError`, `SimulationInputError`), so the command
line turns all of them into one paragraph and exit code 2.
"""

from __future__ import annotations

import codecs
import functools
import json
from pathlib import Path
from typing import Any

from safer_io.sidecars import METADATA_KEY


class InputFileError(ValueError):
    """An input file cannot be read; the message names the file and the reason."""


ErrorType = type[Exception]


@functools.lru_cache(maxsize=1)
def safe_loader() -> Any:
    """libyaml's safe loader when PyYAML was built with it (ten times faster than the pure-Python one), reading
    dates strictly: `2012-02-30` is an error naming its line, not a crash. PyYAML is imported on first use, so a
    command that reads no YAML does not load it.
    """
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictDates(base):
        """The safe loader; a date that does not exist is a YAML error with its position."""

    def timestamp(loader: Any, node: Any) -> Any:
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark) from None

    StrictDates.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return StrictDates

MAX_YAML_DEPTH = 100
"""Deepest nesting of lists and mappings a spec file may have (levels); the bundled ones reach 5."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def likely_encoding(raw: bytes) -> str:
    """The encoding a file that is not UTF-8 most likely has: a BOM's, else cp1252 (Windows), else Latin-1.

    >>> likely_encoding("café".encode("cp1252"))
    'cp1252 (Windows Western European)'
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if raw[:4096].count(b"\x00") > len(raw[:4096]) // 4:
        return "UTF-16 (no byte-order mark)"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return "ISO-8859-1 (Latin-1)"
    return "cp1252 (Windows Western European)"


def decode_utf8(raw: bytes, path: str | Path, kind: str, error: ErrorType = InputFileError) -> str:
    """`raw` as UTF-8 text (a UTF-8 byte-order mark is dropped); `error` names the byte and the likely encoding."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: {kind} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line} cannot be decoded); "
            f"it looks like {likely_encoding(raw)}. Save it as UTF-8 and run again."
        ) from None


def read_text(path: str | Path, kind: str, error: ErrorType = InputFileError) -> str:
    """The text of an input file; a missing, unreadable or non-UTF-8 file raises `error` naming it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {kind} does not exist.") from None
    except IsADirectoryError:
        raise error(f"{path}: {kind} is a folder, not a file.") from None
    except OSError as exc:
        raise error(f"{path}: {kind} cannot be read ({exc.strerror or exc}).") from None
    return decode_utf8(raw, path, kind, error)


def yaml_depth_exceeds(text: str, limit: int = MAX_YAML_DEPTH) -> bool:
    """Whether the YAML text nests lists and mappings more than `limit` levels deep.

    libyaml's parser keeps its own stack, so walking its events is safe at any depth, whereas building the
    objects recurses in C and, for deep enough input, kills the process with a segmentation fault before
    Python's recursion limit can stop it. Walking the events costs about half a load.

    >>> yaml_depth_exceeds("a: [1, [2, [3]]]", limit=4), yaml_depth_exceeds("a: [1, [2, [3]]]", limit=3)
    (False, True)
    """
    import yaml

    loader = safe_loader()(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > limit:
                    return True
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" in str(getattr(exc, "problem", "")):  # newer libyaml builds cap nesting at 1000
            return True
        raise
    finally:
        loader.dispose()
    return False


def parse_yaml(text: str, source: str | Path, kind: str, error: ErrorType = InputFileError) -> Any:
    """Parse YAML text safely; syntax errors and impossible dates name the line and column, runaway nesting is
    refused.

    >>> try:
    ...     parse_yaml("by: 2012-02-30", "t.yaml", "targets file")
    ... except InputFileError as exc:
    ...     print(str(exc).split(": ", 2)[2])
    '2012-02-30' is not a real date (day is out of range for month).
    """
    import yaml

    try:
        if yaml_depth_exceeds(text):
            raise RecursionError
        return yaml.load(text, Loader=safe_loader())  # a safe loader: the C one where PyYAML has it
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{source}: {kind} is not valid YAML{where}: {problem}.") from None
    except RecursionError:
        raise error(
            f"{source}: {kind} is nested too deeply to be a spec file (more than {MAX_YAML_DEPTH} levels)."
        ) from None


def load_yaml(path: str | Path, kind: str, error: ErrorType = InputFileError) -> Any:
    """Read and parse a YAML file; every failure raises `error` naming the file."""
    return parse_yaml(read_text(path, kind, error), path, kind, error)


def load_json(path: str | Path, kind: str, error: ErrorType = InputFileError) -> Any:
    """Read and parse a JSON file; every failure raises `error` naming the file, line and column."""
    text = read_text(path, kind, error)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: {kind} is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except RecursionError:
        raise error(f"{path}: {kind} is nested too deeply to be valid metadata.") from None


def read_embedded_metadata(path: str | Path, error: ErrorType = InputFileError) -> dict[str, Any] | None:
    """The `safer` metadata embedded in a Parquet file's schema (see `safer_io.outputs.write_table`), or None.

    Only the schema is read, not the rows. A file that is not Parquet, or has no such metadata, gives None;
    embedded metadata that is not a JSON object raises `error`.
    """
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq"):
        return None
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # not a readable Parquet file: the data reader reports that
        return None
    raw = metadata.get(METADATA_KEY)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise error(f"{path}: the metadata embedded in the Parquet file is not valid JSON.") from None
    if not isinstance(value, dict):
        raise error(f"{path}: the metadata embedded in the Parquet file is not a JSON object.")
    return value


def read_parquet(path: str | Path) -> Any:
    """`pandas.read_parquet(path)`, the same frame, read through `pyarrow.parquet.ParquetFile`.

    pandas reads through `pyarrow.parquet.read_table`, whose dataset layer takes about 0.2 s to load and start
    on its first use in a process: most of the time a command spends reading a weighted file of half a million
    rows. A command reads whole local files, which needs none of that layer. The rows become a frame by
    pandas' own conversion (`tests/safer_io/test_read_parquet.py` holds the two equal).
    """
    import pandas as pd

    try:
        from pandas.io._util import arrow_table_to_pandas
    except ImportError:  # pandas before 3: its own reader
        return pd.read_parquet(path)
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        table = parquet.read(use_pandas_metadata=True)
    frame = arrow_table_to_pandas(table)
    attrs = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
    if attrs is not None:
        frame.attrs = json.loads(attrs)
    return frame
