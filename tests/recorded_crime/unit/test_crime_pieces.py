"""Small pieces of the recorded-crime pipeline against hand computations and R."""

from __future__ import annotations

import numpy as np
import pytest

from recorded_crime.codes.notation import canonical_code, expand_printed
from recorded_crime.errors import CrimeInputError
from recorded_crime.judging.multiplicity import adjust
from recorded_crime.judging.quasi_poisson import fit_year_season, require_long_enough, year_contrast
from recorded_crime.judging.spc import _runs
from recorded_crime.rates.poisson import exact_interval, poisson_quantile
from recorded_crime.reading.layouts import bind_columns
from recorded_crime.reading.periods import parse_financial_year, parse_period, unit_label


@pytest.mark.parametrize(("text", "frequency", "label"), [
    ("2008-04", "month", "2008-04"), ("2009-03-01", "month", "2009-03"), ("2008-09 Q1", "quarter", "2008-09 Q1"),
    ("2008/09 Q4", "quarter", "2008-09 Q4"), ("2007/2008 Q2", "quarter", "2007-08 Q2"),
])
def test_periods_read_onto_financial_years(text: str, frequency: str, label: str) -> None:
    period = parse_period(text)
    assert period.frequency == frequency and unit_label(period.unit, frequency) == label


@pytest.mark.parametrize(("text", "reason"), [("2008Q1", "calendar quarter"), ("2008-04-15", "a day, not a month"),
                                              ("2008-13", "not a period"), ("April 2008", "not a period")])
def test_ambiguous_periods_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_period(text)


def test_financial_years() -> None:
    assert parse_financial_year("2007-08") == parse_financial_year("2007/2008") == 2007
    with pytest.raises(CrimeInputError, match="write a financial year as 2007-08"):
        parse_financial_year("2007-09")


def test_code_spellings() -> None:
    assert canonical_code("4_10") == "4.10" != canonical_code("4_1")
    assert expand_printed("20A, 20B (&20)") == ["20A", "20B", "20"]


def test_exact_poisson_intervals_match_r() -> None:
    # R: sapply(c(0, 1, 5, 100), function(x) poisson.test(x)$conf.int)
    lower, upper = exact_interval(np.array([0.0, 1.0, 5.0, 100.0]))
    np.testing.assert_allclose(lower, [0.0, 0.025317808, 1.62348639, 81.3639913], rtol=1e-7)
    np.testing.assert_allclose(upper, [3.68887945, 5.571643391, 11.66833208, 121.6267938], rtol=1e-7)
    # R: qpois(c(0.001, 0.999), 3.7)
    assert poisson_quantile(0.001, np.array([3.7]))[0] == 0 and poisson_quantile(0.999, np.array([3.7]))[0] == 11


def test_holm_matches_r_p_adjust() -> None:
    # R: p.adjust(c(0.001, 0.02, 0.04, 0.3, 0.012), "holm")
    got = adjust(np.array([[0.001, 0.02, 0.04, 0.3, 0.012]]))[0]
    np.testing.assert_allclose(got, [0.005, 0.06, 0.08, 0.3, 0.048])


def test_a_year_with_no_offences_is_not_estimable_never_infinite() -> None:
    counts = np.array([[[3, 1, 2, 0], [0, 0, 0, 0], [2, 2, 1, 1]]], dtype=float)
    contrast = year_contrast(fit_year_season(counts), 1, 0)
    assert not contrast.estimable[0] and np.isnan(contrast.p_value[0]) and np.isnan(contrast.ratio_ci_upper[0])


def test_too_short_a_series_names_the_periods_needed() -> None:
    with pytest.raises(CrimeInputError, match=r"at least 10 \(2 complete years of months, 24 periods\)"):
        require_long_enough([2007], 12, "x")
    require_long_enough([2007, 2008], 12, "x")


def test_a_run_of_eight_is_a_signal_and_seven_is_not() -> None:
    side = np.array([[1] * 7 + [-1] + [1] * 8])
    runs = _runs(side, 8)[0]
    assert not runs[:8].any() and runs[15] and not runs[14]


def test_the_open_data_headers_of_every_year_are_recognised() -> None:
    older = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description", "Offence Group",
             "Offence Subgroup", "Offence Code", "Number of Offences"]
    newer = [c.replace("Force Name", "Police Force").replace("Number of Offences", "Offence Count") for c in older]
    for header in (older, newer):
        binding = bind_columns(header, "x.csv")
        assert binding.layout == "home-office" and binding.columns["area"] == "CSP Name"
    with pytest.raises(CrimeInputError, match="no column for count"):
        bind_columns(older[:-1], "x.csv")
