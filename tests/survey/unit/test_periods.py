"""Date windows, rolling windows and date parsing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from survey.errors import SurveyInputError
from survey.judging.periods import parse_dates, parse_window, rolling_periods, window_period


def test_windows_take_whole_months_and_are_inclusive() -> None:
    assert parse_window("2007-10:2008-03") == (dt.date(2007, 10, 1), dt.date(2008, 3, 31))
    assert parse_window("2008-02:2008-02") == (dt.date(2008, 2, 1), dt.date(2008, 2, 29))
    dates = np.array(["2007-09-30", "2007-10-01", "2008-03-31", "2008-04-01"], dtype="datetime64[D]")
    period = window_period(dates, *parse_window("2007-10:2008-03"))
    assert period.mask.tolist() == [False, True, True, False]


@pytest.mark.parametrize("text", ["2008-04", "2008-13:2009-01", "2009-04:2008-03", "april:may", "2008-02-30:2008-03"])
def test_bad_windows_are_refused_with_the_option_named(text: str) -> None:
    with pytest.raises(SurveyInputError, match="--window"):
        parse_window(text)


def test_rolling_years_end_each_quarter_within_the_fieldwork() -> None:
    days = np.arange(np.datetime64("2008-04-01"), np.datetime64("2010-04-01"))
    periods = rolling_periods(days, "12m", "quarter")
    assert [p.end for p in periods] == [dt.date(2009, 3, 31), dt.date(2009, 6, 30), dt.date(2009, 9, 30),
                                        dt.date(2009, 12, 31), dt.date(2010, 3, 31)]
    assert all(p.mask.sum() == 365 for p in periods), "every rolling year holds 365 daily interviews"
    assert periods[0].start == dt.date(2008, 4, 1)
    # Consecutive rolling years share nine months of respondents.
    assert (periods[0].mask & periods[1].mask).sum() == (np.datetime64("2009-04-01") - np.datetime64("2008-07-01"))
    six = rolling_periods(days, "6m", "month")
    assert len(six) == 19 and six[0].end == dt.date(2008, 9, 30)


def test_rolling_windows_need_enough_fieldwork() -> None:
    days = np.arange(np.datetime64("2008-04-01"), np.datetime64("2008-12-01"))
    with pytest.raises(SurveyInputError, match="12-month window"):
        rolling_periods(days, "12m", "quarter")


def test_dates_that_cannot_be_read_name_the_row() -> None:
    data = pd.DataFrame({"d": ["2008-04-01", "17/05/2008", "31/02/2008", "soon"]})
    with pytest.raises(SurveyInputError, match=r"2 row\(s\), first at data row 3 \(value '31/02/2008'\)"):
        parse_dates(data, "d")
    with pytest.raises(SurveyInputError, match="first at data row 1"):
        parse_dates(pd.DataFrame({"d": [None, "2008-01-01"]}), "d")


def test_an_empty_window_is_an_input_error() -> None:
    dates = np.array(["2008-04-01"], dtype="datetime64[D]")
    with pytest.raises(SurveyInputError, match="no respondent was interviewed"):
        window_period(dates, *parse_window("2009-04:2010-03"))
