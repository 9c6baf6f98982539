"""Writing synthetic survey files in every format `safer estimate` reads: CSV, Parquet, SPSS .sav, Stata .dta.

SPSS and Stata files carry the questionnaire's value labels (substantive and missing codes) and item
wordings as variable labels; SPSS files also declare the missing codes as user-missing, as a real BCS
or Place Survey file would. CSV and Parquet output is byte-for-byte reproducible (no timestamps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from survey.errors import SurveyInputError
from survey.questionnaire.loading import load_questionnaire
from survey.questionnaire.schema import Questionnaire

DATA_FORMATS: tuple[str, ...] = (".csv", ".parquet", ".sav", ".dta")
TABLE_FORMATS: tuple[str, ...] = (".csv", ".parquet")
_LABEL_LIMIT = 250


def data_format(path: str | Path, allowed: tuple[str, ...] = DATA_FORMATS) -> str:
    """The file format named by the extension; an unknown one is an input error."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise SurveyInputError(
            f"{path}: cannot tell the file format from the extension '{suffix}'; use one of {', '.join(allowed)}."
        )
    return suffix


def _labels(questionnaire: Questionnaire, columns: list[str]) -> tuple[dict[str, dict[int | float, str]],
                                                                       dict[str, str | None], dict[str, list]]:
    value_labels: dict[str, dict[int | float, str]] = {}
    column_labels: dict[str, str | None] = {}
    missing: dict[str, list] = {}
    by_id = {item.id: item for item in questionnaire.items}
    for column in columns:
        item = by_id.get(column)
        if item is None:
            column_labels[column] = None
            continue
        column_labels[column] = item.wording[:_LABEL_LIMIT]
        codes: dict[int | float, str] = {code: label for code, label in item.codes.items()}
        codes.update({m.code: m.label for m in item.missing})
        if codes:
            value_labels[column] = codes
        if item.missing:
            missing[column] = [m.code for m in item.missing]
    return value_labels, column_labels, missing


def write_table_file(table: pd.DataFrame, path: Path, fmt: str) -> None:
    """A plain table (truth, control totals) as CSV or Parquet."""
    if fmt == ".csv":
        table.to_csv(path, index=False, lineterminator="\n")
    else:
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path)


def write_survey_data(data: pd.DataFrame, path: Path, fmt: str, questionnaire: str | Questionnaire) -> None:
    """Write synthetic microdata to `path` (usually a temporary file) in format `fmt`."""
    q = load_questionnaire(questionnaire) if isinstance(questionnaire, str) else questionnaire
    if fmt in TABLE_FORMATS:
        write_table_file(data, path, fmt)
        return
    value_labels, column_labels, missing = _labels(q, list(data.columns))
    # SPSS and Stata hold numbers as doubles; blanks become system missing.
    numeric = data.copy()
    for column in numeric.columns:
        if isinstance(numeric[column].dtype, pd.Int64Dtype):
            numeric[column] = numeric[column].astype("float64")
    if fmt == ".sav":
        pyreadstat.write_sav(
            numeric, str(path), file_label=f"Synthetic {q.title}"[:64], column_labels=column_labels,
            variable_value_labels=value_labels, missing_ranges=missing,
        )
    else:
        # Stata value labels must be non-negative integers: the not-asked code -1 stays unlabelled.
        stata_labels = {c: {k: v for k, v in labels.items() if k >= 0} for c, labels in value_labels.items()}
        numeric = numeric.astype({c: np.float64 for c in stata_labels})
        pyreadstat.write_dta(
            numeric, str(path), file_label=f"Synthetic {q.title}"[:80],
            column_labels={c: (label or "")[:80] for c, label in column_labels.items()},
            variable_value_labels=stata_labels,
        )
