"""Read survey data files (CSV, Parquet, SPSS .sav, Stata .dta) into a DataFrame plus their metadata.

SPSS files are read with user-missing values kept as their codes (a "don't know" coded 8 stays 8, it
does not become blank), so the questionnaire -- not the file -- decides who is in an indicator's base.
Value labels are kept alongside. Stata extended missing values (.a-.z) are read as blank. The input
file is only ever opened for reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import SurveyInputError

SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
}


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
            return SurveyFile(data=pd.read_csv(path, low_memory=False), path=path, format=fmt)
        if fmt == "parquet":
            return SurveyFile(data=pd.read_parquet(path), path=path, format=fmt)
        import pyreadstat  # deferred: only SPSS/Stata users pay its import time

        if fmt == "spss":
            data, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
            return SurveyFile(
                data=data,
                value_labels=_labels_from_meta(meta),
                user_missing=_spss_user_missing(meta),
                path=path,
                format=fmt,
            )
        data, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
        return SurveyFile(data=data, value_labels=_labels_from_meta(meta), path=path, format=fmt)
    except pd.errors.EmptyDataError:
        raise SurveyInputError(f"data file {path} is empty (no header row)") from None
    except SurveyInputError:
        raise
    except Exception as exc:  # parsers raise many types (ParserError, ArrowInvalid, ReadstatError, ...)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SurveyInputError(f"data file {path} cannot be read as {fmt}: {reason}") from None
