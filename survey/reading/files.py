"""Read survey data files (CSV, Parquet, SPSS .sav, Stata .dta) into a DataFrame plus their metadata.

SPSS files are read with user-missing values kept as their codes (a "don't know" coded 8 stays 8, it
does not become blank), so the questionnaire -- not the file -- decides who is in an indicator's base.
Value labels and variable labels are kept alongside. Stata extended missing values (.a-.z) are read as
blank. The input file is only ever opened for reading.

A CSV file is checked as it is read: a file that is not UTF-8 is refused naming the encoding it most likely
has, a file split by semicolons or tabs is refused naming the delimiter, and a header with a repeated name,
a file with no data rows, and rows with fewer or more fields than the header are recorded as `problems`
(listed by `safer validate`; every other command refuses such a file).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safer_io.inputs import likely_encoding, read_parquet
from safer_io.memory import recall
from survey.errors import SurveyInputError
from survey.reading.arrow_csv import read_csv_with_arrow
from survey.reading.isolated import read_isolated

SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
}


@dataclass(frozen=True)
class FileProblem:
    """Something wrong with the shape of a file rather than its values (a short row, a repeated name)."""

    row: int | None
    """1-based data row (header not counted), or None for the whole file."""
    column: str
    """The column concerned, or '-' for a whole row."""
    rule: str
    """What is wrong, in words."""

    def __str__(self) -> str:
        where = f"data row {self.row} (1-based, header not counted)" if self.row is not None else "the file"
        column = f", column '{self.column}'" if self.column != "-" else ""
        return f"{where}{column}: {self.rule}"


@dataclass
class SurveyFile:
    """A survey data file as read: the data and what the file says about its codes.

    `value_labels` maps column -> {code: label}. `user_missing` maps column -> the SPSS user-missing
    declarations: single values, or (low, high) tuples for declared ranges. Both are empty for CSV and
    Parquet; `user_missing` is empty for Stata.
    """

    data: pd.DataFrame
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    user_missing: dict[str, list[Any]] = field(default_factory=dict)
    path: Path = field(default_factory=Path)
    format: str = ""
    column_labels: dict[str, str] = field(default_factory=dict)
    """Column -> its variable label (SPSS and Stata), e.g. 'Abandoned or burnt-out cars'."""
    problems: list[FileProblem] = field(default_factory=list)
    """Shape problems found while reading (see the module docstring); empty for a sound file."""

    def require_sound(self) -> None:
        """Raise `SurveyInputError` naming the first shape problems, for commands that cannot go on with them."""
        if self.problems:
            shown = "; ".join(str(p) for p in self.problems[:3])
            more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
            raise SurveyInputError(
                f"data file {self.path}: {shown}{more}. Run `safer validate` for the full list."
            )


def _tidy_code(value: Any) -> Any:
    """1.0 -> 1 so labels read naturally; other values unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _labels_from_meta(meta: Any) -> dict[str, dict[Any, str]]:
    labels = getattr(meta, "variable_value_labels", None) or {}
    return {str(col): {_tidy_code(k): str(v) for k, v in mapping.items()} for col, mapping in labels.items()}


def _spss_user_missing(meta: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        values: list[Any] = []
        for rng in ranges:
            lo, hi = _tidy_code(rng["lo"]), _tidy_code(rng["hi"])
            values.append(lo if lo == hi else (lo, hi))
        if values:
            out[str(col)] = values
    for col, discrete in (getattr(meta, "missing_user_values", None) or {}).items():
        declared = out.setdefault(str(col), [])
        for value in discrete:
            if _tidy_code(value) not in declared:
                declared.append(_tidy_code(value))
    return out


def _column_labels(meta: Any) -> dict[str, str]:
    labels = getattr(meta, "column_names_to_labels", None) or {}
    return {str(col): str(label) for col, label in labels.items() if label}


def _frame_problems(data: pd.DataFrame) -> list[FileProblem]:
    problems = [
        FileProblem(None, str(name), f"the column name '{name}' appears {count} times in the header")
        for name, count in pd.Series([str(c) for c in data.columns]).value_counts().items()
        if count > 1
    ]
    if len(data) == 0:
        problems.append(FileProblem(None, "-", "the file has a header but no data rows"))
    return problems


_OTHER_DELIMITERS: dict[str, str] = {";": "semicolon", "\t": "tab", "|": "vertical bar"}


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[FileProblem]]:
    """A CSV file as a frame, and its shape problems; undecodable or wrongly delimited files are refused."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        sample = raw[:65536].decode("latin-1")
        raise SurveyInputError(
            f"data file {path} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line} cannot be decoded); it "
            f"looks like {likely_encoding(raw)} text, {_delimiter_words(sample)}. Save it as UTF-8 CSV "
            "(in Excel: Save As, 'CSV UTF-8') and run again."
        ) from None
    if not text or text.isspace():
        raise SurveyInputError(f"data file {path} is empty (no header row)")
    end = text.find("\n")
    header_line = text if end < 0 else text[:end]
    header = next(csv.reader([header_line]), [])
    if len(header) == 1:
        for delimiter, words in _OTHER_DELIMITERS.items():
            if header_line.count(delimiter) >= 1:
                raise SurveyInputError(
                    f"data file {path}: the header has one column, '{header_line.strip()[:60]}', and is split by "
                    f"{words}s: the file looks {words}-delimited, not comma-separated. Save it as comma-separated "
                    "CSV and run again."
                )
    problems = [
        FileProblem(None, name, f"the column name '{name}' appears {header.count(name)} times in the header")
        for name in dict.fromkeys(header) if header.count(name) > 1
    ]
    # pyarrow first: it declines (None) any file it might read differently from pandas, and fails on a row with
    # too many or too few fields, so a file it reads has no shape problem left to find.
    fast = None if problems else read_csv_with_arrow(raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw, header)
    if fast is not None:
        if len(fast) == 0:
            problems.append(FileProblem(None, "-", "the file has a header but no data rows"))
        return fast, problems
    counts = _field_counts(text)
    short = np.flatnonzero(counts < len(header))
    long = np.flatnonzero(counts > len(header))
    for position in short[:50]:
        problems.append(FileProblem(int(position) + 1, "-", f"{counts[position]} field(s) where the header has "
                                    f"{len(header)}: a truncated or shifted row"))
    for position in long[:50]:
        problems.append(FileProblem(int(position) + 1, "-", f"{counts[position]} fields where the header has "
                                    f"{len(header)}: an extra delimiter or a shifted row"))
    for kind, positions in (("short", short), ("long", long)):
        if positions.size > 50:
            problems.append(FileProblem(None, "-", f"{positions.size - 50} more {kind} row(s) not listed"))
    if long.size:
        # pandas cannot read a row with too many fields: read the rest and put the long rows back as blanks,
        # so that every other problem keeps its row number.
        data = pd.read_csv(io.StringIO(text), low_memory=False, on_bad_lines="skip")
        kept = np.setdiff1d(np.arange(counts.size), long)
        data.index = pd.Index(kept[: len(data)])
        data = data.reindex(pd.RangeIndex(counts.size))
    else:
        data = pd.read_csv(io.StringIO(text), low_memory=False)
    if len(data) == 0:
        problems.append(FileProblem(None, "-", "the file has a header but no data rows"))
    return data, problems


def _field_counts(text: str) -> np.ndarray:
    """Fields in each data row (blank lines skipped, as pandas skips them); no Python loop over rows unless
    the file quotes its fields."""
    if '"' in text:
        rows = csv.reader(io.StringIO(text))
        next(rows, None)
        return np.fromiter((len(r) for r in rows if r), dtype=np.int64)
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if data[-1] != ord("\n"):
        ends = np.append(ends, data.size)
    starts = np.concatenate([[0], ends[:-1] + 1])
    commas = np.concatenate([[0], np.cumsum(data == ord(","))])
    fields = commas[ends] - commas[starts] + 1
    lengths = ends - starts
    # A line holding nothing, or only the carriage return of a Windows line end, is blank.
    blank = (lengths == 0) | ((lengths == 1) & (data[np.minimum(starts, data.size - 1)] == ord("\r")))
    return fields[~blank][1:]


def _delimiter_words(sample: str) -> str:
    """'split by semicolons' (the delimiter the first line uses most), for messages."""
    first = sample.split("\n", 1)[0]
    names = {",": "comma", **_OTHER_DELIMITERS}
    best = max(names, key=first.count)
    return f"split by {names[best]}s" if first.count(best) else "with a single column"


def _read_labelled(
    path: Path, fmt: str
) -> tuple[pd.DataFrame, dict[str, dict[Any, str]], dict[str, list[Any]], dict[str, str]]:
    """An SPSS or Stata file's rows, value labels, SPSS user-missing declarations and variable labels."""
    import pyreadstat  # deferred: only SPSS/Stata users pay its import time

    if fmt == "spss":
        data, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
        return data, _labels_from_meta(meta), _spss_user_missing(meta), _column_labels(meta)
    data, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    return data, _labels_from_meta(meta), {}, _column_labels(meta)


def read_survey_file(path: str | Path) -> SurveyFile:
    """Read a CSV, Parquet, SPSS (.sav/.zsav) or Stata (.dta) file.

    Raises SurveyInputError naming the file when it does not exist, has an unsupported extension or
    cannot be parsed.
    """
    path = Path(path)
    if not path.exists():
        raise SurveyInputError(f"data file {path} does not exist")
    if not path.is_file():
        raise SurveyInputError(f"data file {path} is not a file")
    fmt = SUPPORTED_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SurveyInputError(
            f"data file {path}: unsupported extension '{path.suffix}'; supported are "
            + ", ".join(sorted(SUPPORTED_FORMATS))
        )
    try:
        if fmt == "csv":
            data, problems = _read_csv(path)
            return SurveyFile(data=data, path=path, format=fmt, problems=problems)
        if fmt == "parquet":
            # Inside `safer run`, a Parquet file an earlier step wrote is taken from memory: the round trip is
            # lossless, so the rows are those the file holds (safer_io/memory.py checks it is unchanged).
            remembered = recall(path)
            if remembered is not None and isinstance(remembered.value, pd.DataFrame):
                data = remembered.value
            else:
                data = read_parquet(path)
            return SurveyFile(data=data, path=path, format=fmt, problems=_frame_problems(data))
        # ReadStat can crash or exhaust memory on a damaged file, so it runs in a child process.
        data, value_labels, user_missing, column_labels = read_isolated(
            lambda: _read_labelled(path, fmt), source=str(path), kind=fmt, file_bytes=path.stat().st_size
        )
        return SurveyFile(data=data, value_labels=value_labels, user_missing=user_missing, path=path, format=fmt,
                          column_labels=column_labels, problems=_frame_problems(data))
    except pd.errors.EmptyDataError:
        raise SurveyInputError(f"data file {path} is empty (no header row)") from None
    except SurveyInputError:
        raise
    except Exception as exc:  # parsers raise many types (ParserError, ArrowInvalid, ReadstatError, ...)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SurveyInputError(f"data file {path} cannot be read as {fmt}: {reason}") from None
