"""Control limits over time: each month against what the base year's level and the season lead one to expect.

iQuanta showed each partnership's trend against statistical process control limits (DOMAIN.md section 9); how it
set them was not found, so the rule here is this package's, built on the same model as the change test. The centre
line of a month is the base year's level in that season, the fitted count of the quasi-Poisson model
(base-year total x season total / grand total); the limits are centre +/- 2 and 3 x sqrt(phi x centre), phi being
the series' own dispersion (never below 1). A month beyond the 3-sigma limits, or a run of 8 months on one side
of the centre line (the usual Western Electric run rule), is a signal: something beyond the ordinary fluctuation
has happened since the base year. The chart shows the longer-term trend A.4 asks to be taken into account
(000:468) as well as one-off events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recorded_crime.judging.quasi_poisson import MIN_DF, fit_year_season, require_long_enough
from recorded_crime.judging.years import by_year_and_season, require_comparable, usable_years
from recorded_crime.rates.series import IndicatorSeries
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import unit_label, year_label

RUN = 8
"""Consecutive periods on one side of the centre line that make a signal."""


def _runs(side: np.ndarray, length: int) -> np.ndarray:
    """Per series and period, whether it ends a run of at least `length` periods on the same side (+1 or -1)."""
    run = np.zeros(side.shape, np.int64)
    for t in range(side.shape[1]):
        same = (side[:, t] != 0) & (t > 0) & (side[:, t] == side[:, max(t - 1, 0)])
        run[:, t] = np.where(side[:, t] == 0, 0, np.where(same, run[:, max(t - 1, 0)] + 1, 1))
    return run >= length


def control_limits(series: IndicatorSeries, cube: CountCube, base: int, min_df: int = MIN_DF,
                   floor: bool = True) -> pd.DataFrame:
    """One row per area and period of the indicator's total: count, centre line, limits and signal."""
    indicator = series.indicator
    require_comparable(base, series.types, "--base", indicator.id)
    years = usable_years(cube, series.types)
    require_long_enough(years, cube.per_year, f"{indicator.id} total in {cube.source}", min_df)
    counts = by_year_and_season(series.total, cube, years)
    fit = fit_year_season(counts)
    total = fit.year_totals.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre_season = fit.year_totals[:, years.index(base)][:, None] * fit.season_totals / total[:, None]
    phi = np.maximum(fit.dispersion, 1.0) if floor else fit.dispersion
    per = cube.per_year
    centre = np.tile(centre_season, (1, len(years)))
    observed = counts.reshape(counts.shape[0], -1)
    spread = np.sqrt(phi[:, None] * centre)
    upper3, lower3 = centre + 3 * spread, np.maximum(centre - 3 * spread, 0.0)
    side = np.sign(np.round(observed - centre, 9)).astype(np.int64)
    runs = _runs(side, RUN)
    signal = np.where(observed > upper3, "above control limit",
                      np.where(observed < lower3, "below control limit",
                               np.where(runs & (side > 0), f"run of {RUN} above",
                                        np.where(runs & (side < 0), f"run of {RUN} below", ""))))
    units = years[0] * per + np.arange(len(years) * per)
    areas = len(cube.areas)
    return pd.DataFrame({
        "indicator": indicator.id, "indicator_title": indicator.title,
        "area": np.repeat(cube.areas, len(units)),
        "period": np.tile([unit_label(int(u), cube.frequency) for u in units], areas),
        "financial_year": np.tile([year_label(int(u) // per) for u in units], areas),
        "count": observed.reshape(-1), "centre": centre.reshape(-1),
        "lower_warning": np.maximum(centre - 2 * spread, 0.0).reshape(-1),
        "upper_warning": (centre + 2 * spread).reshape(-1),
        "lower_control": lower3.reshape(-1), "upper_control": upper3.reshape(-1), "signal": signal.reshape(-1),
        "dispersion": np.repeat(fit.dispersion, len(units)), "dispersion_used": np.repeat(phi, len(units)),
        "base_period": year_label(base),
    })
