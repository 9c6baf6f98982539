"""The fast way to read a CSV file: pyarrow's multi-threaded parser, kept to what pandas' own reader gives.

`pandas.read_csv` (the C parser) is what every command has always read CSV files with; its column types and
values are the reference. pyarrow parses the same file several times faster, and on almost every survey file
it gives the same frame: the same column names and order, int64 where pandas has int64, float64 (correctly
rounded, as pandas) where pandas has float64, `str` where pandas has `str`, NaN where pandas has NaN.

Dates, times and timestamps, which pyarrow converts and pandas keeps as text, are read again as text. Where
the two parsers read text differently, `read_csv_with_arrow` declines (returns None) and the caller uses
pandas. It declines when pyarrow fails (a row with too many or too few fields, which the caller reports), on a
file with no data rows, and when a column holds something pyarrow and pandas type differently:

- true/false columns with blanks (pandas keeps NaN in an object column, pyarrow None);
- a hexadecimal integer such as `0x1F` (pyarrow reads a number, pandas text);
- NaN or infinity written as text other than pandas' missing-value words (`+nan`, `infinity`): pyarrow reads
  a number, pandas sometimes text;
- a whole number with a plus sign (`+3`: pandas int64, pyarrow float64): checked only in float columns whose
  values are all whole numbers with no blank, by re-reading those columns as text;
- whole numbers from 2^53 on (pandas reads those beyond int64 as uint64 or text);
- a file with a single column (pandas skips a line of spaces there as blank) or a header with a blank or
  repeated name (pandas renames those).

A column pyarrow finds empty everywhere becomes float64 NaN, as in pandas. The equality is tested on random
files against `pandas.read_csv` (tests/survey/unit/test_arrow_csv_vs_pandas.py).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pandas' default missing-value words (`pandas._libs.parsers.STR_NA_VALUES`, pandas 2 and 3).
PANDAS_NA_VALUES: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)
PANDAS_TRUE: tuple[str, ...] = ("True", "TRUE", "true")
PANDAS_FALSE: tuple[str, ...] = ("False", "FALSE", "false")
EXACT_WHOLE = 2.0**53
"""Whole numbers at or beyond this are not all exact in float64: pandas and pyarrow could round them apart."""


def read_csv_with_arrow(raw: bytes, header: list[str]) -> pd.DataFrame | None:
    """The frame `pandas.read_csv` would give for the UTF-8 bytes `raw` (no byte-order mark), or None where
    pyarrow's reading could differ (see the module docstring). `header` is the file's parsed first line."""
    if len(header) < 2 or "" in header or len(set(header)) != len(header):
        return None
    if b"0x" in raw or b"0X" in raw:
        return None
    import pyarrow as pa
    import pyarrow.csv as pv

    parse = pv.ParseOptions(newlines_in_values=b'"' in raw)
    convert = pv.ConvertOptions(
        null_values=list(PANDAS_NA_VALUES), strings_can_be_null=True, quoted_strings_can_be_null=True,
        true_values=list(PANDAS_TRUE), false_values=list(PANDAS_FALSE),
    )
    try:
        table = pv.read_csv(io.BytesIO(raw), parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.column_names != header or table.num_rows == 0:
        return None
    verdicts = {name: _column_verdict(column) for name, column in zip(header, table.columns, strict=True)}
    if "differs" in verdicts.values():
        return None
    recheck = [name for name, verdict in verdicts.items() if verdict in ("as text", "whole floats")]
    if recheck:
        text = _read_as_text(raw, recheck, parse)
        for name in recheck:
            if verdicts[name] == "whole floats":
                import pyarrow.compute as pc

                if pc.any(pc.match_substring(text.column(name), "+")).as_py():
                    return None
            else:
                table = table.set_column(header.index(name), name, text.column(name))
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, field.name, pa.nulls(table.num_rows, pa.float64()))
    return table.to_pandas()


def _column_verdict(column: pa.ChunkedArray) -> str:
    """How pandas reads this column compared with pyarrow.

    'same'; 'as text' (dates and times, which pandas keeps as text); 'whole floats' (only a plus sign could
    make pandas read integers); or 'differs' (pandas reads it differently, or might).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return "same"
    if pa.types.is_temporal(kind):
        return "as text"
    if pa.types.is_boolean(kind):
        return "same" if column.null_count == 0 else "differs"
    if pa.types.is_int64(kind):
        if column.null_count == 0:
            return "same"
        # With blanks pandas parses float64 from the text; pyarrow converts the int64, exact below 2^53.
        extremes = pc.min_max(column)
        low, high = extremes["min"].as_py(), extremes["max"].as_py()
        return "same" if max(abs(low), abs(high)) < EXACT_WHOLE else "differs"
    if pa.types.is_float64(kind):
        # Arrow kernels, not a copy to numpy: this runs over every float column of the file.
        if not pc.all(pc.is_finite(column)).as_py() and column.null_count < len(column):
            return "differs"  # NaN or infinity parsed from text (a blank is a null, skipped by `all`)
        extremes = pc.min_max(column)
        if extremes["max"].is_valid and max(-extremes["min"].as_py(), extremes["max"].as_py()) >= EXACT_WHOLE:
            whole = pc.filter(column, pc.equal(pc.round(column), column))
            if len(whole) and pc.max(pc.abs(whole)).as_py() >= EXACT_WHOLE:
                return "differs"  # pandas tries integers beyond int64 as uint64 or text, even beside fractions
        if column.null_count == 0 and pc.all(pc.equal(pc.round(column), column)).as_py():
            return "whole floats"
        return "same"
    return "differs"


def _read_as_text(raw: bytes, columns: list[str], parse: Any) -> pa.Table:
    """These columns of the file as text (missing-value words still missing)."""
    import pyarrow as pa
    import pyarrow.csv as pv

    options = pv.ConvertOptions(
        null_values=list(PANDAS_NA_VALUES), strings_can_be_null=True, quoted_strings_can_be_null=True,
        include_columns=columns, column_types=dict.fromkeys(columns, pa.string()),
    )
    return pv.read_csv(io.BytesIO(raw), parse_options=parse, convert_options=options)
