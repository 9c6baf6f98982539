"""Counts and rates per 1,000 residents by indicator, area and period, with exact Poisson intervals.

Periods: financial years (the PSA's), financial quarters, months (monthly counts only), and rolling 12 months
ending every month or every quarter (as rolling results are published quarterly, 000:604). A quarter's or a
month's rate is per 1,000 residents for that quarter or month, not annualised; `period_months` says how long it is.

The population of a period is the ONS mid-year estimate of the 30 June inside it (mid-2007 for 2007-08; for a
rolling year, the 30 June it contains; for a quarter or month, that of its financial year), or `lag` years
earlier. The count and the population are shown beside every rate, because a rate can fall only because the
population grew (footnote 6, 000:484).

The interval is the exact Poisson interval of the count divided by the population: the range of underlying
rates that could have given the count by chance. Recorded crime is not a sample and has no sampling interval
(000:449); this interval describes random variation only, and assumes no variation beyond Poisson's (see
`judging.change` for the test that allows for it).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorded_crime.codes.catalogue import comparable_from
from recorded_crime.errors import CrimeInputError
from recorded_crime.rates.poisson import exact_interval
from recorded_crime.rates.series import IndicatorSeries
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label
from recorded_crime.reading.population import Population

PERIOD_KINDS = ("year", "quarter", "month", "rolling")
"""Accepted `--period` values."""
TOTAL_AREA = "All areas"
"""The area name of the rows that add up every area of the file."""


@dataclass(frozen=True)
class Window:
    """A period as a range of months."""

    label: str
    """As shown: 2007-08, 2007-08 Q1, 2007-04, or 12 months to 2008-03."""
    first: int
    """First month index (year x 12 + month - 1)."""
    last: int
    """Last month index."""
    population_year: int
    """Mid-year of its population estimate (before any lag)."""


def _month(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def windows(cube: CountCube, kind: str, every: str = "quarter") -> list[Window]:
    """The periods of the file of a kind, whole periods only (a rolling year needs 12 months of data)."""
    if kind not in PERIOD_KINDS:
        raise CrimeInputError(f"--period {kind}: use one of {', '.join(PERIOD_KINDS)}.")
    months_per_unit = 12 // cube.per_year
    first_month = (cube.first_unit // cube.per_year) * 12 + 3 + (cube.first_unit % cube.per_year) * months_per_unit
    last_month = first_month + cube.units * months_per_unit - 1
    found: list[Window] = []
    if kind == "year":
        for year in cube.complete_years():
            found.append(Window(year_label(year), year * 12 + 3, year * 12 + 14, year))
    elif kind in ("quarter", "month"):
        if kind == "month" and cube.frequency != "month":
            raise CrimeInputError(f"--period month: {cube.source} has quarterly counts; use quarter, year or rolling.")
        step = 3 if kind == "quarter" else 1
        start = first_month + (-(first_month - 3) % step)
        for month in range(start, last_month - step + 2, step):
            fy = (month - 3) // 12
            label = f"{year_label(fy)} Q{(month - 3) % 12 // 3 + 1}" if kind == "quarter" else _month(month)
            found.append(Window(label, month, month + step - 1, fy))
    else:
        if every not in ("month", "quarter"):
            raise CrimeInputError(f"--every {every}: use month or quarter.")
        step = 3 if every == "quarter" or cube.frequency == "quarter" else 1
        for end in range(first_month + 11, last_month + 1):
            if (end - 2) % step:  # quarterly: windows ending in June, September, December, March
                continue
            start = end - 11
            found.append(Window(f"12 months to {_month(end)}", start, end, (start + 6) // 12))
    if not found:
        raise CrimeInputError(f"--period {kind}: {cube.source} holds no whole period of that kind.")
    return found


def _window_counts(values: np.ndarray, cube: CountCube, window: Window) -> np.ndarray:
    months_per_unit = 12 // cube.per_year
    first_month = (cube.first_unit // cube.per_year) * 12 + 3 + (cube.first_unit % cube.per_year) * months_per_unit
    start = (window.first - first_month) // months_per_unit
    stop = (window.last - first_month) // months_per_unit + 1
    return np.asarray(values[:, start:stop].sum(axis=1))


def rate_table(all_series: list[IndicatorSeries], cube: CountCube, population: Population, kind: str = "year",
               every: str = "quarter", lag: int = 0, level: float = 0.95, by_type: bool = False,
               total: bool = True) -> pd.DataFrame:
    """Counts, population, rates per 1,000 and exact intervals; see the module docstring."""
    periods = windows(cube, kind, every)
    years = np.array(sorted({w.population_year - lag for w in periods}))
    people = population.lookup(cube.areas, years)
    if np.isnan(people).any():
        area_index, year_index = np.argwhere(np.isnan(people))[0]
        raise CrimeInputError(f"{population.path}: area {cube.areas[area_index]} has no population for mid-"
                              f"{years[year_index]}, needed for its rates (lag {lag}).")
    frames = []
    for series in all_series:
        indicator = series.indicator
        parts = [("all", indicator.title, series.total, comparable_from(series.types))]
        if by_type:
            parts += [(t.id, t.title.rstrip("."), series.values[:, :, k], t.comparable_from)
                      for k, t in enumerate(series.types)]
        for type_id, type_title, values, start in parts:
            for window in periods:
                counts = _window_counts(values, cube, window).astype(np.float64)
                whole = start is None or window.first >= start
                if not whole:  # a period before every offence of it was counted: no rate, never a wrong one
                    counts[:] = np.nan
                residents = people[:, np.searchsorted(years, window.population_year - lag)]
                areas = list(cube.areas)
                if total and len(areas) > 1:
                    counts, residents = np.append(counts, counts.sum()), np.append(residents, residents.sum())
                    areas.append(TOTAL_AREA)
                lower, upper = exact_interval(counts, level)
                scale = indicator.rate_per / residents
                last_day = calendar.monthrange(window.last // 12, window.last % 12 + 1)[1]
                frames.append(pd.DataFrame({
                    "indicator": indicator.id, "indicator_title": indicator.title, "area": areas,
                    "crime_type": type_id, "crime_type_title": type_title, "period_kind": kind,
                    "period": window.label, "period_start": f"{_month(window.first)}-01",
                    "period_end": f"{_month(window.last)}-{last_day:02d}",
                    "period_months": window.last - window.first + 1, "count": counts, "population": residents,
                    "population_year": window.population_year - lag, "rate": counts * scale,
                    "rate_ci_lower": lower * scale, "rate_ci_upper": upper * scale, "rate_per": indicator.rate_per,
                    "note": "" if whole else f"not counted whole before {_month(start)}"}))  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True)
