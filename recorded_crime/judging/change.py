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

from recorded_crime.judging.multiplicity import adjust
from recorded_crime.judging.quasi_poisson import (
    MIN_DF,
    YearContrast,
    fit_year_season,
    require_long_enough,
    two_sided,
    year_contrast,
)
from recorded_crime.judging.years import by_year_and_season, require_comparable, usable_years
from recorded_crime.rates.incomplete_beta import t_cdf
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
    return directions(contrast.p_value, contrast.log_ratio, contrast.estimable, level)


def directions(p_value: np.ndarray, sign: np.ndarray, estimable: np.ndarray, level: float) -> np.ndarray:
    """The direction of each change from its two-sided p-value and the sign of its log ratio (or t)."""
    out = np.where(p_value < 1.0 - level, np.where(sign < 0, "fell", "rose"), "no change beyond random variation")
    return np.where(estimable, out, "not estimable")


def contrast_columns(contrast: YearContrast) -> dict[str, np.ndarray]:
    """The columns every change-like table shares, before the tests (`add_tests` adds them to the whole table)."""
    few = (contrast.base < FEW_OFFENCES) | (contrast.current < FEW_OFFENCES)
    return {
        "base_count": contrast.base, "current_count": contrast.current,
        "count_change": contrast.current - contrast.base,
        "ratio": contrast.ratio, "ratio_ci_lower": contrast.ratio_ci_lower, "ratio_ci_upper": contrast.ratio_ci_upper,
        "t": contrast.t, "dispersion": contrast.dispersion, "dispersion_used": contrast.dispersion_used,
        "df": np.full(len(contrast.base), contrast.df), "estimable": contrast.estimable, "few_offences": few,
    }


def add_tests(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """The overdispersed and plain Poisson tests of every row at once (one vectorised pass over all the series:
    the binomial tails of large counts are the slow part)."""
    t, df = table["t"].to_numpy(np.float64), table["df"].to_numpy(np.float64)
    table["p_value"] = two_sided(df, t)
    table["p_higher"] = t_cdf(df, -t)
    two, higher, _ = conditional_test(table["current_count"].to_numpy(), table["base_count"].to_numpy())
    table["p_value_poisson"], table["p_higher_poisson"] = two, higher
    table["direction"] = directions(table["p_value"].to_numpy(), table["t"].to_numpy(np.float64),
                                    table["estimable"].to_numpy(bool), level)
    return table


def judge_types(table: pd.DataFrame, rows: pd.Series, families: list[str], rule: str, level: float) -> None:
    """Adjust the one-sided p-values of the crime types in `rows` together within each family (an area's types of
    one indicator), and judge each type higher when its adjusted p-value is below 1 - level."""
    part = table.loc[rows]
    wide = part.pivot_table(index=families, columns="crime_type", values="p_higher", dropna=False, sort=False)
    adjusted = pd.DataFrame(adjust(wide.to_numpy(), rule), index=wide.index, columns=wide.columns)
    values = adjusted.stack(future_stack=True).reindex(pd.MultiIndex.from_frame(part[[*families, "crime_type"]]))
    table.loc[rows, "p_higher_adjusted"] = values.to_numpy()
    table.loc[rows, "multiplicity"] = rule


def _criterion(series: IndicatorSeries) -> str:
    ids = {c.id for c in series.indicator.success_criteria}
    return next((c for c in ("A.3", "A.24") if c in ids), "")


def _frames(series: IndicatorSeries, cube: CountCube, settings: ChangeSettings) -> list[pd.DataFrame]:
    """One frame per series (the indicator's total, then each crime type), before the tests."""
    indicator = series.indicator
    require_comparable(settings.base, series.types, "--base", indicator.id)
    require_comparable(settings.current, series.types, "--current", indicator.id)
    frames = []
    for k in [-1, *range(len(series.types))]:
        types = series.types if k < 0 else [series.types[k]]
        years = usable_years(cube, types)
        require_long_enough(years, cube.per_year, f"{indicator.id} {'total' if k < 0 else types[0].id} in "
                            f"{cube.source}", settings.min_df)
        values = series.total if k < 0 else series.values[:, :, k]
        fit = fit_year_season(by_year_and_season(values, cube, years))
        contrast = year_contrast(fit, years.index(settings.current), years.index(settings.base), settings.level,
                                 settings.floor)
        frames.append(pd.DataFrame({
            "indicator": indicator.id, "indicator_title": indicator.title, "area": cube.areas,
            "crime_type": "all" if k < 0 else types[0].id,
            "crime_type_title": indicator.title if k < 0 else types[0].title.rstrip("."),
            "base_period": year_label(settings.base), "current_period": year_label(settings.current),
            **contrast_columns(contrast),
            "years_in_fit": f"{year_label(years[0])} to {year_label(years[-1])}",
            "criterion": "" if k < 0 else _criterion(series),
        }))
    return frames


def series_change(series: IndicatorSeries, cube: CountCube, settings: ChangeSettings) -> pd.DataFrame:
    """The change table of one indicator: each area's total, then each of its crime types."""
    return _judged(pd.concat(_frames(series, cube, settings), ignore_index=True), settings)


def _judged(table: pd.DataFrame, settings: ChangeSettings) -> pd.DataFrame:
    table = add_tests(table, settings.level)
    table["p_higher_adjusted"] = np.nan
    table["multiplicity"] = ""
    for indicator in table["indicator"].unique():
        rows = (table["indicator"] == indicator) & (table["crime_type"] != "all")
        if rows.any():
            judge_types(table, rows, ["area"], settings.multiplicity, settings.level)
    alpha = 1.0 - settings.level
    table["judged_higher"] = pd.Series([None if np.isnan(p) else bool(p < alpha)
                                        for p in table["p_higher_adjusted"].to_numpy()], dtype="boolean")
    return table


def change_table(all_series: list[IndicatorSeries], cube: CountCube, settings: ChangeSettings) -> pd.DataFrame:
    """The change table of every indicator, area and crime type (see the module docstring)."""
    cube.require_year(settings.base, "--base")
    cube.require_year(settings.current, "--current")
    if settings.current == settings.base:
        from recorded_crime.errors import CrimeInputError

        raise CrimeInputError(f"--base and --current are both {year_label(settings.base)}; give two different years.")
    frames = [frame for s in all_series for frame in _frames(s, cube, settings)]
    return _judged(pd.concat(frames, ignore_index=True), settings)
