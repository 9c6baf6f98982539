"""The words a reader sees: judgements by polarity, periods from the data, and text without internal references.

An area is better or worse than a reference value only when its interval lies wholly on one side of it; which
side is better depends on the indicator's polarity (lower is better for perceived anti-social behaviour, higher
for confidence). Without a polarity the report says "higher" or "lower" and makes no judgement. Periods are named
from the data: the dates of a window (or the `period` column's label); a label that is only the name of an input
file is not a period and is never shown as one. References to the source documents such as "(000:460)" belong in
the Methods; `reader_text` takes them out of text meant for the reader.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from reporting.numbers import missing

BETTER, WORSE, SAME = "better", "worse", "no different"
HIGHER, LOWER = "higher", "lower"
SOURCE_REFERENCE = re.compile(r"\s*\((?:[^()]*?\b)?\d{3}:\d+(?:[-\u2013]\d+)?(?:[;,]\s*\d{3}:\d+(?:[-\u2013]\d+)?)*\)")
"""A parenthesised citation of the seed documents, e.g. "(000:460)", "(000:632-634)", "('...', 000:695)"."""
BARE_REFERENCE = re.compile(r",?\s*\b\d{3}:\d+(?:[-\u2013]\d+)?\b")


def reader_text(text: str) -> str:
    """`text` without references to the source documents (kept in the Methods).

    >>> reader_text("Could it be random variation (000:460)? See A.38 (000:726-728).")
    'Could it be random variation? See A.38.'
    >>> reader_text("no confidence interval ('actual results, not samples', 000:695); the intervals")
    'no confidence interval; the intervals'
    """
    cleaned = SOURCE_REFERENCE.sub("", str(text))
    cleaned = BARE_REFERENCE.sub("", cleaned)
    return re.sub(r"\s+([.,;:?!])", r"\1", cleaned).strip()


def versus(lower: Any, upper: Any, reference: Any, polarity: str | None) -> str:
    """Where an interval lies against a reference value: better/worse (or higher/lower without a polarity), or
    no different when it includes it.

    >>> versus(0.21, 0.25, 0.18, "lower"), versus(0.21, 0.25, 0.18, None), versus(0.1, 0.3, 0.18, "lower")
    ('worse', 'higher', 'no different')
    """
    if missing(lower) or missing(upper) or missing(reference):
        return SAME
    if float(lower) > float(reference):
        side = HIGHER
    elif float(upper) < float(reference):
        side = LOWER
    else:
        return SAME
    if polarity is None:
        return side
    return BETTER if side == polarity else WORSE


def versus_words(position: str, reference: str) -> str:
    """"worse than England", "no different from England"."""
    return f"no different from {reference}" if position == SAME else f"{position} than {reference}"


def short_wording(wording: str) -> str:
    """A title cut for a sentence: without a trailing parenthesis, first letter lower case.

    >>> short_wording("Perceptions of anti-social behaviour (high on the seven-strand scale)")
    'perceptions of anti-social behaviour'
    """
    text = re.sub(r"\s*\([^()]*\)\s*$", "", str(wording)).strip()
    if len(text) > 1 and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def date_words(value: Any) -> str:
    """"31 Mar 2009" from an ISO date (or "" when missing or not a date)."""
    if missing(value):
        return ""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return f"{day.day} {day.strftime('%b')} {day.year}"


def month_words(start: Any, end: Any) -> str:
    """"Apr 2008 to Mar 2009" for a date window ("" when a date is missing)."""
    try:
        first, last = dt.date.fromisoformat(str(start)[:10]), dt.date.fromisoformat(str(end)[:10])
    except ValueError:
        return ""
    if (first.year, first.month) == (last.year, last.month):
        return f"{last.strftime('%b')} {last.year}"
    return f"{first.strftime('%b')} {first.year} to {last.strftime('%b')} {last.year}"


def _file_stems(metadata: dict[str, Any]) -> set[str]:
    stems = {Path(str(name)).stem for name in (metadata.get("inputs") or {})}
    parameters = metadata.get("parameters") or {}
    for key in ("data", "files", "tables"):
        value = parameters.get(key)
        for name in value if isinstance(value, list) else [value] if value else []:
            stems.add(Path(str(name)).stem)
    return stems


def period_words(label: Any, metadata: dict[str, Any]) -> str:
    """A period as the data define it: its dates when the metadata's `periods` give them, else its label; ""
    when the label is only an input file's name (a file is not a period)."""
    if missing(label):
        return ""
    text = str(label)
    for period in metadata.get("periods") or []:
        if isinstance(period, dict) and str(period.get("label")) == text and period.get("start") and period.get("end"):
            return month_words(period["start"], period["end"])
    if text in _file_stems(metadata) or Path(text).suffix.lower() in (".csv", ".parquet", ".sav", ".dta", ".xlsx"):
        return ""
    return text
