"""Is the change real? Current year against base year, for each area, indicator and crime type.

For each series the quasi-Poisson model of `quasi_poisson` is fitted to its complete years, and the current
year's effect is compared with the base year's: the ratio current / base with its interval, a two-sided p-value
(has it changed?) and a one-sided one (is it higher than random variation allows?), all with the variance taken
from the series' own fluctuation (A.2, 000:460). Beside it, the exact Poisson test of the two counts, which
assumes no fluctuation beyond chance: it is shown so that a reader sees how much the overdispersion matters, and
is never used in its place.

Each crime type of an indicator is judged too (A.3 for indicator 1, 000:462; A.24 for indicator 2, 000:586): the
one-sided p-values of an area's types are adjusted together (`multiplicity`), and a type is judged higher when its
adjusted p-value is below 1 - level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorded_crime.judging.multiplicity import adjust, describe
from recorded_crime.judging.quasi_poisson import (
    MIN_DF,
    YearContrast,
    fit_year_season,
    require_long_enough,
    year_contrast,
)
from recorded_crime.judging.years import by_year_and_season, require_comparable, usable_years
from recorded_crime.rates.poisson import conditional_test
from recorded_crime.rates.series import IndicatorSeries
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label

FEW_OFFENCES = 10
"""Below this many offences in the base or current year the tests are approximate; the row says so."""
CRITERIA = {"A.3": "no crime type higher in 2012-13 than random variation allows (000:462)",
            "A.24": "no crime type higher in 2010-11 than random variation allows (000:586)"}
"""The per-type criteria of the Annex, by id."""


@dataclass(frozen=True)
class ChangeSettings:
    """How change is judged."""

    base: int
    """Base financial year (2007 for 2007-08)."""
    current: int
    """Current financial year."""
    level: float = 0.95
    """Confidence level of intervals; 1 - level is the size of every test."""
    multiplicity: str = "holm"
    """Rule across an area's crime types (holm, bonferroni, none)."""
    floor: bool = True
    """Never take the dispersion below 1 (Poisson)."""
    min_df: int = MIN_DF
    """Fewest residual degrees of freedom for the dispersion."""


def direction(contrast: YearContrast, level: float) -> np.ndarray:
    """`fell`, `rose`, `no change beyond random variation` or `not estimable`, by the two-sided test."""
    alpha = 1.0 - level
    out = np.where(contrast.p_value < alpha, np.where(contrast.log_ratio < 0, "fell", "rose"),
                   "no change beyond random variation")
    return np.where(contrast.estimable, out, "not estimable")


def contrast_columns(contrast: YearContrast, level: float) -> dict[str, np.ndarray]:
    """The columns every change-like table shares."""
    two, higher, _ = conditional_test(contrast.current, contrast.base)
    few = (contrast.base < FEW_OFFENCES) | (contrast.current < FEW_OFFENCES)
    return {
        "base_count": contrast.base, "current_count": contrast.current,
        "count_change": contrast.current - contrast.base,
        "ratio": contrast.ratio, "ratio_ci_lower": contrast.ratio_ci_lower, "ratio_ci_upper": contrast.ratio_ci_upper,
        "p_value": contrast.p_value, "p_higher": contrast.p_higher, "dispersion": contrast.dispersion,
        "dispersion_used": contrast.dispersion_used, "df": np.full(len(contrast.base), contrast.df),
        "p_value_poisson": two, "p_higher_poisson": higher, "direction": direction(contrast, level),
        "estimable": contrast.estimable, "few_offences": few,
    }


def _criterion(series: IndicatorSeries) -> str:
    ids = {c.id for c in series.indicator.success_criteria}
    return next((c for c in ("A.3", "A.24") if c in ids), "")


def series_change(series: IndicatorSeries, cube: CountCube, settings: ChangeSettings) -> pd.DataFrame:
    """The change table of one indicator: each area's total, then each of its crime types."""
    indicator = series.indicator
    require_comparable(settings.base, series.types, "--base", indicator.id)
    require_comparable(settings.current, series.types, "--current", indicator.id)
    frames = []
    judged: list[np.ndarray] = []
    for k in [-1, *range(len(series.types))]:
        types = series.types if k < 0 else [series.types[k]]
        years = usable_years(cube, types)
        require_long_enough(years, cube.per_year, f"{indicator.id} {'total' if k < 0 else types[0].id} in "
                            f"{cube.source}", settings.min_df)
        values = series.total if k < 0 else series.values[:, :, k]
        fit = fit_year_season(by_year_and_season(values, cube, years))
        contrast = year_contrast(fit, years.index(settings.current), years.index(settings.base), settings.level,
                                 settings.floor)
        frame = pd.DataFrame({
            "indicator": indicator.id, "indicator_title": indicator.title, "area": cube.areas,
            "crime_type": "all" if k < 0 else types[0].id,
            "crime_type_title": indicator.title if k < 0 else types[0].title.rstrip("."),
            "base_period": year_label(settings.base), "current_period": year_label(settings.current),
            **contrast_columns(contrast, settings.level),
            "years_in_fit": f"{year_label(years[0])} to {year_label(years[-1])}",
        })
        frames.append(frame)
        if k >= 0:
            judged.append(contrast.p_higher)
    table = pd.concat(frames, ignore_index=True)
    areas = len(cube.areas)
    adjusted = adjust(np.column_stack(judged), settings.multiplicity) if judged else np.empty((areas, 0))
    table["p_higher_adjusted"] = np.concatenate([np.full(areas, np.nan), adjusted.T.reshape(-1)])
    alpha = 1.0 - settings.level
    adjusted_p = table["p_higher_adjusted"].to_numpy()
    table["judged_higher"] = pd.Series([None if np.isnan(p) else bool(p < alpha) for p in adjusted_p],
                                       dtype="boolean")
    table["criterion"] = np.where(table["crime_type"] == "all", "", _criterion(series))
    table["multiplicity"] = np.where(table["crime_type"] == "all", "",
                                     describe(settings.multiplicity, len(series.types), settings.level))
    return table


def change_table(all_series: list[IndicatorSeries], cube: CountCube, settings: ChangeSettings) -> pd.DataFrame:
    """The change table of every indicator, area and crime type (see the module docstring)."""
    cube.require_year(settings.base, "--base")
    cube.require_year(settings.current, "--current")
    if settings.current == settings.base:
        from recorded_crime.errors import CrimeInputError

        raise CrimeInputError(f"--base and --current are both {year_label(settings.base)}; give two different years.")
    return pd.concat([series_change(s, cube, settings) for s in all_series], ignore_index=True)
