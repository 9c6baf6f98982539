"""The national view: the total of all areas against the baseline and year on year, with the variation test.

PSA 23 judges indicator 1 nationally: the total should fall over the five years from 2008-09 relative to 2007-08,
with a fall by 2010-11 expected (A.1, 000:458), judged against random year-on-year variation (A.2, 000:460), and
no crime type higher in 2012-13 than random variation allows (A.3, 000:462). For each indicator and crime type,
every complete year is compared with the base year and with the year before, by the quasi-Poisson model of the
national monthly series. The rows of the two years the Annex names carry a `view`:

- `2010-11`: the end of the spending period (A.1's "in particular"; A.24's year for indicator 2);
- `2012-13`: the end of A.1's five years, and A.3's year.

For those years, the crime types of an indicator are judged together with the multiplicity rule, as in `change`.
A view whose year is not in the data is given as a row saying so, never left out silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recorded_crime.judging.change import ChangeSettings, add_tests, contrast_columns, judge_types
from recorded_crime.judging.quasi_poisson import fit_year_season, require_long_enough, year_contrast
from recorded_crime.judging.years import by_year_and_season, require_comparable, usable_years
from recorded_crime.rates.series import IndicatorSeries
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label

VIEWS = (2010, 2012)
"""The years the Annex names: 2010-11 and 2012-13."""
NATIONAL = "England and Wales"
"""Default name of the total of all areas."""


def _verdict(row: pd.Series) -> str:
    if not row["estimable"]:
        return "not estimable"
    if row["direction"] == "fell":
        return "lower beyond random variation"
    if row["direction"] == "rose":
        return "higher beyond random variation"
    return "no change beyond random variation"


def national_table(series: IndicatorSeries, cube: CountCube, settings: ChangeSettings, label: str = NATIONAL
                   ) -> pd.DataFrame:
    """Every year against the base and the year before, for the indicator's total and each crime type."""
    indicator = series.indicator
    require_comparable(settings.base, series.types, "--base", indicator.id)
    cube.require_year(settings.base, "--base")
    frames = []
    for k in [-1, *range(len(series.types))]:
        types = series.types if k < 0 else [series.types[k]]
        years = usable_years(cube, types)
        require_long_enough(years, cube.per_year, f"{indicator.id} national {'total' if k < 0 else types[0].id}",
                            settings.min_df)
        values = (series.total if k < 0 else series.values[:, :, k]).sum(axis=0, keepdims=True)
        fit = fit_year_season(by_year_and_season(values, cube, years))
        for i, year in enumerate(years):
            for comparison, other in (("against base", settings.base), ("against previous year", year - 1)):
                repeated = comparison == "against previous year" and other == settings.base
                if year == other or other not in years or repeated:
                    continue
                contrast = year_contrast(fit, i, years.index(other), settings.level, settings.floor)
                frames.append(pd.DataFrame({
                    "indicator": indicator.id, "indicator_title": indicator.title, "area": label,
                    "crime_type": "all" if k < 0 else types[0].id,
                    "crime_type_title": indicator.title if k < 0 else types[0].title.rstrip("."),
                    "comparison": comparison, "base_period": year_label(other), "current_period": year_label(year),
                    **contrast_columns(contrast),
                    "view": year_label(year) if comparison == "against base" and year in VIEWS else "",
                }))
    table = add_tests(pd.concat(frames, ignore_index=True), settings.level)
    table["verdict"] = table.apply(_verdict, axis=1)
    table["p_higher_adjusted"] = np.nan
    table["multiplicity"] = ""
    for view in VIEWS:
        rows = (table["view"] == year_label(view)) & (table["crime_type"] != "all")
        if rows.any():
            judge_types(table, rows, ["area"], settings.multiplicity, settings.level)
    alpha = 1.0 - settings.level
    table["judged_higher"] = pd.Series([None if np.isnan(p) else bool(p < alpha)
                                        for p in table["p_higher_adjusted"].to_numpy()], dtype="boolean")
    held = cube.complete_years()
    missing = [v for v in VIEWS if v not in held]
    if missing:
        gone = pd.DataFrame({"indicator": indicator.id, "indicator_title": indicator.title, "area": label,
                             "crime_type": "all", "crime_type_title": indicator.title, "comparison": "against base",
                             "base_period": year_label(settings.base),
                             "current_period": [year_label(v) for v in missing],
                             "view": [year_label(v) for v in missing],
                             "verdict": f"not in the data (complete years {year_label(held[0])} to "
                                        f"{year_label(held[-1])})", "estimable": False})
        table = pd.concat([table, gone], ignore_index=True)
    return table
