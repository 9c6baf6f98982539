"""Periods: date windows, levels of a column and rolling years, each a domain of the full design.

A period is a set of respondents: those interviewed in a date window (`--window 2008-04:2009-03`), or
those whose column holds a value (a survey year, the file a row came from). It is never a subset: its
estimates are domain estimates of the whole design, so strata and PSUs outside the window still count
in the variance, and two windows that share respondents carry their covariance into a change.

BCS results are published as rolling 12-month figures each quarter (000:604, 000:631); `rolling_periods`
gives those windows: every window of the given length that ends at a quarter (or month, or year) end and
lies within the fieldwork dates.

A period is labelled by the data it holds. A window only partly covered by fieldwork (interviews in some of its
calendar months) says so in its label, "2008-01:2008-06 (fieldwork in 3 of 6 months, 2008-04 to 2008-06)",
rather than passing for January to June. A rolling window is a rolling year only if fieldwork covers at least
90% of its months (`ROLLING_COVERAGE`); others are left out and named in a note, so a stray date (1899) cannot
add a half-covered window.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.cautions import DfRule, check_df_rule, chosen_df, weight_concentration
from survey.estimation.estimates import OVERALL, domain_table, output_columns
from survey.estimation.statistics import target_statistics
from survey.estimation.targets import Target, as_text, domain_codes
from survey.options import CI_METHODS, CIMethod, choose

Every = Literal["month", "quarter", "year"]
"""How often a rolling window ends: each calendar month, quarter (March, June, ...) or year (December)."""
EVERY_OPTIONS: tuple[Every, ...] = get_args(Every)
MONTHS_BETWEEN_ENDS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
ROLLING_COVERAGE = 0.9
"""Share of a rolling window's calendar months that must hold interviews for it to be estimated."""


@dataclass(frozen=True)
class Period:
    """A set of respondents that estimates are made for, with a label and, for windows, its dates."""

    label: str
    """How the period is shown (e.g. `2008-09`, `12 months to 2009-03-31`)."""
    mask: np.ndarray
    """bool per design row: the respondents in the period."""
    start: dt.date | None = None
    """First day of a date window (None for a level of a column)."""
    end: dt.date | None = None
    """Last day of a date window, inclusive."""
    note: str = ""
    """What the label alone does not say (a window only partly covered by fieldwork)."""

    @property
    def n_rows(self) -> int:
        return int(self.mask.sum())


def parse_dates(data: pd.DataFrame, column: str, *, source: str = "data") -> np.ndarray:
    """Interview dates as datetime64[D]: ISO 8601 (2008-04-17) or day first (17/04/2008).

    A missing or unreadable date is an error naming the data row, because the respondent could not be
    placed in any window.

    >>> parse_dates(pd.DataFrame({"d": ["2008-04-17", "17/05/2008"]}), "d").tolist()
    [datetime.date(2008, 4, 17), datetime.date(2008, 5, 17)]
    """
    if column not in data.columns:
        raise SurveyInputError(f"{source}: the date column '{column}' is not in the data.")
    raw = data[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.to_datetime(raw)
    else:
        text = raw.astype("string").str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        retry = parsed.isna() & text.notna()
        if retry.any():
            parsed[retry] = pd.to_datetime(text[retry], format="%d/%m/%Y", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad)
        first = int(rows[0])
        raise SurveyInputError(
            f"{source}: the date column '{column}' cannot be read as a date in {rows.size} row(s), first at "
            f"data row {first + 1} (value {raw.iloc[first]!r}); use YYYY-MM-DD or DD/MM/YYYY."
        )
    dates: np.ndarray = parsed.to_numpy().astype("datetime64[D]")
    return dates


def _parse_day(text: str, end: bool, option: str) -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text.strip())
    if match is None:
        raise SurveyInputError(f"{option} '{text}': a date must be YYYY-MM-DD or YYYY-MM.")
    year, month = int(match.group(1)), int(match.group(2))
    try:
        if match.group(3) is not None:
            return dt.date(year, month, int(match.group(3)))
        return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    except (ValueError, calendar.IllegalMonthError):
        raise SurveyInputError(f"{option} '{text}' is not a real date.") from None


def parse_window(text: str, option: str = "--window") -> tuple[dt.date, dt.date]:
    """`START:END`, inclusive; a month (YYYY-MM) means its first day as START and its last day as END.

    >>> parse_window("2007-10:2008-03")
    (datetime.date(2007, 10, 1), datetime.date(2008, 3, 31))
    """
    parts = text.split(":")
    if len(parts) != 2 or not all(parts):
        raise SurveyInputError(f"{option} '{text}' must look like START:END, e.g. 2008-04:2009-03 or "
                               "2008-04-01:2009-03-31.")
    start, end = _parse_day(parts[0], False, option), _parse_day(parts[1], True, option)
    if start > end:
        raise SurveyInputError(f"{option} '{text}': the window starts after it ends.")
    return start, end


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def months_covered(dates: np.ndarray, start: dt.date, end: dt.date) -> tuple[list[int], int]:
    """The calendar months of [start, end] holding at least one interview (as year * 12 + month - 1), and how
    many calendar months the window spans.

    >>> days = np.array(["2008-04-03", "2008-05-20", "2008-06-30"], dtype="datetime64[D]")
    >>> covered, total = months_covered(days, dt.date(2008, 1, 1), dt.date(2008, 6, 30))
    >>> len(covered), total
    (3, 6)
    """
    inside = dates[(dates >= np.datetime64(start, "D")) & (dates <= np.datetime64(end, "D"))]
    months = np.unique(inside.astype("datetime64[M]").astype(np.int64) + 1970 * 12)
    return [int(m) for m in months], _month_index(end) - _month_index(start) + 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def window_period(dates: np.ndarray, start: dt.date, end: dt.date, label: str | None = None,
                  *, option: str = "--window") -> Period:
    """The respondents interviewed from `start` to `end` inclusive; an empty window is an input error, and one
    whose months are not all covered by fieldwork says so in its label."""
    mask = (dates >= np.datetime64(start, "D")) & (dates <= np.datetime64(end, "D"))
    period = Period(label or f"{start.isoformat()}:{end.isoformat()}", mask, start, end)
    if mask.any():
        covered, total = months_covered(dates, start, end)
        if len(covered) < total:
            part = (f"fieldwork in {len(covered)} of {total} months, {_month_text(covered[0])} to "
                    f"{_month_text(covered[-1])}")
            return Period(f"{period.label} ({part})", mask, start, end,
                          note=f"{option} {period.label}: only partly covered by the data ({part}).")
    if not mask.any():
        first, last = (str(dates.min()), str(dates.max())) if dates.size else ("-", "-")
        raise SurveyInputError(
            f"{option} {period.label}: no respondent was interviewed in this window (interviews run from "
            f"{first} to {last})."
        )
    return period


def level_period(data: pd.DataFrame, column: str, value: str, *, source: str = "data",
                 option: str = "--between") -> Period:
    """The respondents whose `column` holds `value` (compared as text, so 2008 matches 2008.0)."""
    if column not in data.columns:
        raise SurveyInputError(f"{source}: the {option} column '{column}' is not in the data.")
    codes, uniques = pd.factorize(data[column], sort=True)
    texts = [as_text(u) for u in uniques]
    if value not in texts:
        shown = ", ".join(texts[:12]) + (" ..." if len(texts) > 12 else "")
        raise SurveyInputError(f"{option}: no respondent has {column} = {value!r}; values present: {shown}.")
    return Period(value, codes == texts.index(value))


def parse_length(text: str) -> int:
    """A window length in months: `12m`, `6m` or `1y`.

    >>> parse_length("12m"), parse_length("1y")
    (12, 12)
    """
    match = re.fullmatch(r"\s*(\d+)\s*([my])\s*", text.lower())
    if match is None or int(match.group(1)) < 1:
        raise SurveyInputError(f"--rolling '{text}' must be a number of months or years, e.g. 12m, 6m or 1y.")
    return int(match.group(1)) * (12 if match.group(2) == "y" else 1)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def rolling_periods(dates: np.ndarray, length: str | int = "12m", every: str = "quarter",
                    notes: list[str] | None = None) -> list[Period]:
    """Windows of `length` months ending at each `every` end that lie within the interview dates.

    A window ends on the last day of a month (a quarter ends in March, June, September or December; a
    year in December) and starts on the first day of the month `length - 1` months earlier. Only windows
    that start on or after the first interview month and end on or before the last interview month are
    given, and only those with interviews in at least 90% of their months (`ROLLING_COVERAGE`): a partly
    observed window would not be a rolling year. Windows left out for coverage are described in `notes`.

    >>> days = np.arange(np.datetime64("2008-04-01"), np.datetime64("2010-04-01"))
    >>> [p.label for p in rolling_periods(days, "12m", "quarter")][:3]
    ['12 months to 2009-03-31', '12 months to 2009-06-30', '12 months to 2009-09-30']
    """
    months = parse_length(length) if isinstance(length, str) else int(length)
    if every not in EVERY_OPTIONS:
        raise SurveyInputError(f"--every '{every}' is not one of {', '.join(EVERY_OPTIONS)}.")
    step = MONTHS_BETWEEN_ENDS[every]
    first = dt.date.fromisoformat(str(dates.min()))
    last = dt.date.fromisoformat(str(dates.max()))
    # The first window may start in the first interview month; it then ends `months - 1` months later.
    year, month = _add_months(first.replace(day=1), months - 1)
    while month % step:
        year, month = _add_months(dt.date(year, month, 1), 1)
    periods = []
    while (end := _month_end(year, month)) <= _month_end(last.year, last.month):
        start_year, start_month = _add_months(dt.date(year, month, 1), -(months - 1))
        start = dt.date(start_year, start_month, 1)
        mask = (dates >= np.datetime64(start, "D")) & (dates <= np.datetime64(end, "D"))
        if mask.any():
            covered, total = months_covered(dates, start, end)
            if len(covered) >= ROLLING_COVERAGE * total:
                periods.append(Period(f"{months} months to {end.isoformat()}", mask, start, end))
            elif notes is not None:
                notes.append(f"--rolling {length}: the window {start.isoformat()} to {end.isoformat()} is left out: "
                             f"fieldwork covers {len(covered)} of its {total} months ({int(mask.sum())} "
                             f"respondent(s)), under {ROLLING_COVERAGE:.0%}.")
        year, month = _add_months(dt.date(year, month, 1), step)
    if not periods:
        raise SurveyInputError(
            f"--rolling {length}: the interviews ({first} to {last}) do not span a whole {months}-month window."
        )
    return periods


def check_distinct(periods: Sequence[Period]) -> None:
    """Two periods may not share a label (their rows in the output could not be told apart)."""
    labels = [p.label for p in periods]
    if len(set(labels)) != len(labels):
        raise SurveyInputError(f"two periods have the same label: {', '.join(labels)}.")


def estimate_periods(
    design: SurveyDesign,
    targets: Sequence[Target],
    periods: Sequence[Period],
    *,
    by: Sequence[str] = (),
    ci: CIMethod = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
    extra: Sequence[str] = (),
    df_rule: DfRule = "domain",
) -> pd.DataFrame:
    """`estimate` for each period: every target overall and by each `by` column, within each period.

    Each (period, domain) is a domain of the full design (never a subset), and all periods and domains
    are estimated in one pass of the variance kernel. The table is `estimate`'s with `period`,
    `period_start` and `period_end` after the indicator columns (`output_columns(True)`); a domain with
    no respondent in a period has no row for it. `extra` adds columns that `domain_table` keeps beside the
    output (`degrees_of_freedom`, behind a logit or Korn-Graubard interval).

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> from survey.estimation.targets import mean_target
    >>> data = pd.DataFrame({"day": ["2008-04-02", "2008-09-12", "2009-01-20", "2009-06-01"],
    ...                      "y": [1.0, 2.0, 4.0, 3.0]})
    >>> design = make_design(data)
    >>> first = window_period(parse_dates(data, "day"), *parse_window("2008-04:2008-12"))
    >>> table = estimate_periods(design, [mean_target(data, "y")], [first], min_base=1)
    >>> table[["period", "estimate", "n_unweighted"]].values.tolist()
    [['2008-04-01:2008-12-31 (fieldwork in 2 of 9 months, 2008-04 to 2008-09)', 1.5, 2]]
    """
    ci = choose(ci, CI_METHODS, "CI method")
    df_rule = check_df_rule(df_rule)
    if not targets:
        raise SurveyInputError("nothing to estimate: give an indicator, --mean or --proportion.")
    if not periods:
        raise SurveyInputError("no period to estimate for.")
    check_distinct(periods)
    values = np.vstack([np.asarray(t.values, dtype=np.float64) for t in targets]).T
    domains: list[tuple[str, np.ndarray, list[str]]] = [(OVERALL, np.zeros(design.n_rows, np.int64), [OVERALL])]
    domains += [(column, *domain_codes(design.data, column, source=source)) for column in by]
    groupings = []
    for period in periods:
        for name, codes, labels in domains:
            groupings.append((period, name, np.where(period.mask, codes, -1), labels))
    results = target_statistics(design, targets, [(codes, len(labels)) for _, _, codes, labels in groupings],
                                level=level, df_rule=df_rule)
    tables = []
    for (period, name, codes, labels), result in zip(groupings, results, strict=True):
        table = domain_table(targets, name, labels, result.moments, ci, level, min_base, suppress,
                             weights=weight_concentration(design, values, codes, len(labels)),
                             df=chosen_df(design, result.moments.degrees_of_freedom, df_rule),
                             quantile_limits=(result.lower, result.upper))
        present = np.bincount(codes[codes >= 0], minlength=len(labels)) > 0
        table = table[np.repeat(present, len(targets))]
        tables.append(table.assign(
            period=period.label,
            period_start=period.start.isoformat() if period.start else None,
            period_end=period.end.isoformat() if period.end else None,
        ))
    return pd.concat(tables, ignore_index=True)[list(dict.fromkeys([*output_columns(True), *extra]))]


def rolling(
    design: SurveyDesign,
    targets: Sequence[Target],
    date_column: str,
    *,
    length: str | int = "12m",
    every: str = "quarter",
    by: Sequence[str] = (),
    ci: CIMethod = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
) -> pd.DataFrame:
    """Rolling estimates: every `length` window ending each `every` (the BCS's rolling 12-month figures,
    published quarterly), each window a domain of the full design. See `rolling_periods` and
    `estimate_periods`."""
    dates = parse_dates(design.data, date_column, source=source)
    periods = rolling_periods(dates, length, every)
    return estimate_periods(design, targets, periods, by=by, ci=ci, level=level, min_base=min_base,
                            suppress=suppress, source=source)
