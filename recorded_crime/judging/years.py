"""Which years of a series a judgement uses, and its counts by year and season ready for the model.

A series is fitted on the complete financial years of the file from the first one in which every offence of the
crime type was counted centrally (`comparable_from`: GBH without intent only from April 2007, 000:454; assault
with injury only from April 2008). Earlier years count something else and are left out of the fit; a base period
before then is refused, since the comparison would set two definitions against each other.
"""

from __future__ import annotations

import numpy as np

from recorded_crime.codes.catalogue import CrimeTypeCodes, comparable_from
from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label


def usable_years(cube: CountCube, types: list[CrimeTypeCodes]) -> list[int]:
    """Complete financial years from which every crime type is counted whole."""
    start = comparable_from(types)
    return [y for y in cube.complete_years() if start is None or y * 12 + 3 >= start]


def require_comparable(year: int, types: list[CrimeTypeCodes], what: str, indicator: str) -> None:
    """Refuse a period before a crime type of the indicator was counted whole."""
    for crime_type in types:
        start = crime_type.comparable_from
        if start is not None and year * 12 + 3 < start:
            month = f"{start // 12}-{start % 12 + 1:02d}"
            raise CrimeInputError(
                f"{what} {year_label(year)}: {indicator} {crime_type.id} ({crime_type.title.rstrip('.')}) is counted "
                f"whole only from {month}, so {year_label(year)} counts something else; a comparison with it would set "
                "two definitions against each other. Use a period from then on (see the indicators file).")


def by_year_and_season(values: np.ndarray, cube: CountCube, years: list[int]) -> np.ndarray:
    """Counts of complete years, shape (series, years, seasons), from (series, periods)."""
    per = cube.per_year
    start = years[0] * per - cube.first_unit
    block = values[:, start:start + len(years) * per]
    return np.asarray(block.reshape(values.shape[0], len(years), per))
