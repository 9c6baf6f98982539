"""Periods of recorded crime: months and financial quarters on one time axis of financial years.

Police recorded crime is counted by month (the returns to the Home Office are monthly, 000:430) and published by
financial quarter (Q1 = April-June) and financial year (April-March, the PSA's years: 2007-08 is the baseline,
000:429). Every period becomes a pair (financial year, position in it): a month's position is 0 for April to 11
for March, a quarter's 0 to 3. The time axis counts units from a year's first one: `unit = year x P + position`,
with P = 12 for months and 4 for quarters, so that a year is P consecutive units.

Accepted spellings:
- a month: `2008-04` or `2008-04-01` (the first of the month);
- a financial quarter: `2008-09 Q1` or `2008/09 Q1` (as the open data's Financial Year and Quarter columns read).

A calendar quarter (`2008Q1`) is refused: it is easily taken for a financial one, and a wrong quarter would move
every count by three months without a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recorded_crime.errors import CrimeInputError

PER_YEAR = {"month": 12, "quarter": 4}
"""Units in a financial year, by frequency."""
MONTH_NAMES = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
"""Months in financial-year order."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ]00:00(?::00)?)?$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*Q\s*([1-4])$", re.I)
_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_CALENDAR_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.I)


@dataclass(frozen=True)
class Period:
    """One period of the input, on the financial-year axis."""

    frequency: str
    """`month` or `quarter`."""
    year: int
    """Financial year, by its first calendar year (2007 for 2007-08)."""
    position: int
    """0-based position in the year (April = 0 for months, Q1 = 0 for quarters)."""

    @property
    def unit(self) -> int:
        """Index on the time axis: year x units per year + position."""
        return self.year * PER_YEAR[self.frequency] + self.position


def year_label(year: int) -> str:
    """`2007-08` for the financial year starting in April 2007.

    >>> year_label(2007), year_label(1999)
    ('2007-08', '1999-00')
    """
    return f"{year}-{(year + 1) % 100:02d}"


def unit_label(unit: int, frequency: str) -> str:
    """The period a time-axis unit stands for: `2008-04` (a month) or `2008-09 Q1` (a quarter).

    >>> unit_label(Period("month", 2008, 0).unit, "month"), unit_label(Period("month", 2008, 11).unit, "month")
    ('2008-04', '2009-03')
    >>> unit_label(Period("quarter", 2008, 2).unit, "quarter")
    '2008-09 Q3'
    """
    per = PER_YEAR[frequency]
    year, position = divmod(unit, per)
    if frequency == "quarter":
        return f"{year_label(year)} Q{position + 1}"
    month = position + 4
    return f"{year + (month > 12)}-{(month - 1) % 12 + 1:02d}"


def parse_financial_year(text: str, what: str = "financial year") -> int:
    """A financial year as its first calendar year: `2007-08`, `2007/08`, `2007-2008` -> 2007.

    >>> parse_financial_year("2007-08"), parse_financial_year("2010/2011"), parse_financial_year("1999-00")
    (2007, 2010, 1999)
    """
    match = _YEAR.match(str(text).strip())
    if match:
        start, end = int(match.group(1)), match.group(2)
        expected = f"{(start + 1) % 100:02d}" if len(end) == 2 else str(start + 1)
        if end == expected:
            return start
    raise CrimeInputError(f"{what} '{text}': write a financial year as 2007-08 (April 2007 to March 2008).")


def parse_period(text: str) -> Period:
    """One period as written in a counts file (see the module docstring for the spellings).

    >>> parse_period("2008-04"), parse_period("2009-03-01").unit - parse_period("2008-04").unit
    (Period(frequency='month', year=2008, position=0), 11)
    >>> parse_period("2008/09 Q4")
    Period(frequency='quarter', year=2008, position=3)
    """
    value = str(text).strip()
    month = _MONTH.match(value)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        day = month.group(3)
        if 1 <= mon <= 12 and (day is None or day == "01"):
            return Period("month", year if mon >= 4 else year - 1, (mon - 4) % 12)
        if day is not None and day != "01" and 1 <= mon <= 12:
            raise ValueError(f"'{value}' is a day, not a month: counts are by month (write {value[:7]}) or by "
                             "financial quarter")
    quarter = _QUARTER.match(value)
    if quarter:
        start = parse_financial_year(f"{quarter.group(1)}-{quarter.group(2)}", "financial year")
        return Period("quarter", start, int(quarter.group(3)) - 1)
    if _CALENDAR_QUARTER.match(value):
        raise ValueError(f"'{value}' looks like a calendar quarter; write months (2008-01) or financial quarters "
                         "(2007-08 Q4: January-March 2008) so that no quarter is taken for another")
    raise ValueError(f"'{value}' is not a period: write a month (2008-04) or a financial quarter (2008-09 Q1)")


def financial_quarter_period(year_text: str, quarter_text: str) -> str:
    """The period of the open data's `Financial Year` and `Financial Quarter` cells: `2008/09`, `1` -> `2008-09 Q1`.

    >>> financial_quarter_period("2015/16", "Q2"), financial_quarter_period("2015/16", "4")
    ('2015-16 Q2', '2015-16 Q4')
    """
    quarter = str(quarter_text).strip().upper().removeprefix("Q")
    start = parse_financial_year(year_text, "Financial Year")
    return f"{year_label(start)} Q{quarter}"
