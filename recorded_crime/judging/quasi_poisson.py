"""The area's own historical fluctuation: a quasi-Poisson model of its monthly (or quarterly) series.

A.2 asks whether a change "could have arisen from random year-on-year variation, based on examination of the
'ordinary' amount of fluctuation seen in historical data" (000:460). Counts of crime vary more than a Poisson
count would (busy months, sprees, recording drives), so a plain Poisson test finds "significant" changes far too
often. The model here is R's

    glm(count ~ factor(year) + factor(month), family = quasipoisson)

on the complete financial years of one series: a level for each financial year, a seasonal pattern shared by the
years, and a variance `phi x mean`, with the dispersion phi estimated from the series itself (Pearson's
chi-square over the residual degrees of freedom, as `summary.glm` does). Quasi-Poisson rather than negative
binomial: it needs no distribution beyond the mean-variance relation, its phi is estimated in closed form, and its
test is a t test on the residual degrees of freedom, so a short series is penalised honestly.

For a complete table of years x seasons this model's fit is closed-form: each fitted count is
year total x season total / grand total (the log-linear model of independence), and the difference of two year
effects, log(R_current / R_base), has variance phi x (1/R_current + 1/R_base). So thousands of series (every area,
indicator and crime type) are fitted at once with a few array sums. `tests/recorded_crime/validation/
test_quasi_poisson_vs_r.py` holds the result equal to R's glm to 1e-6.

The variance is never taken below Poisson's (`floor=True`, the default): a dispersion estimated below 1 is noise
in a short series, and using it would narrow the test below what pure chance allows. What this model assumes:
months independent given their year and season (positive autocorrelation would make its test too eager; the
control limits of `spc` show runs), and the same seasonal pattern every year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recorded_crime.errors import CrimeInputError
from recorded_crime.rates.incomplete_beta import t_cdf, t_quantile
from recorded_crime.reading.periods import year_label

MIN_DF = 10
"""Fewest residual degrees of freedom for the dispersion: 2 complete years of months, 5 of quarters."""


@dataclass(frozen=True)
class SeasonalFit:
    """The model fitted to a batch of series, each of the same complete years and seasons."""

    counts: np.ndarray
    """The data, shape (series, years, seasons)."""
    year_totals: np.ndarray
    """R_k: each year's total, shape (series, years)."""
    season_totals: np.ndarray
    """C_s: each season's total over the years, shape (series, seasons)."""
    dispersion: np.ndarray
    """phi: Pearson's chi-square over the residual degrees of freedom (NaN for a series of zeros)."""
    df: int
    """Residual degrees of freedom: years x seasons - (years + seasons - 1)."""

    @property
    def fitted(self) -> np.ndarray:
        """Fitted counts, year total x season total / grand total, shape (series, years, seasons)."""
        total = self.year_totals.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.year_totals[:, :, None] * self.season_totals[:, None, :] / total[:, None, None])


def fit_year_season(counts: np.ndarray) -> SeasonalFit:
    """Fit `count ~ factor(year) + factor(season)`, quasi-Poisson, to each series of `counts` (series, years,
    seasons).

    >>> y = np.array([[[10, 12, 9, 14], [11, 15, 8, 16], [9, 13, 12, 13]]], dtype=float)
    >>> fit = fit_year_season(y)
    >>> fit.df, round(float(fit.dispersion[0]), 6)  # R: summary(glm(...))$dispersion = 0.2466325195
    (6, 0.246633)
    """
    counts = np.asarray(counts, dtype=np.float64)
    _, years, seasons = counts.shape
    df = years * seasons - (years + seasons - 1)
    year_totals = counts.sum(axis=2)
    season_totals = counts.sum(axis=1)
    total = year_totals.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fitted = year_totals[:, :, None] * season_totals[:, None, :] / total[:, None, None]
        pearson = np.where(fitted > 0, (counts - fitted) ** 2 / np.where(fitted > 0, fitted, 1.0), 0.0)
        dispersion = np.where(total > 0, pearson.sum(axis=(1, 2)) / df if df > 0 else np.nan, np.nan)
    return SeasonalFit(counts, year_totals, season_totals, dispersion, df)


@dataclass(frozen=True)
class YearContrast:
    """Current year against base year for each series: the overdispersed test and the plain Poisson one."""

    base: np.ndarray
    """Base-year count."""
    current: np.ndarray
    """Current-year count."""
    ratio: np.ndarray
    """current / base."""
    ratio_ci_lower: np.ndarray
    """Lower end of the interval for the ratio (t quantile on the residual degrees of freedom)."""
    ratio_ci_upper: np.ndarray
    """Upper end."""
    log_ratio: np.ndarray
    """log(current / base), the difference of the two year effects."""
    se: np.ndarray
    """Its standard error, sqrt(phi_used x (1/current + 1/base))."""
    t: np.ndarray
    """log_ratio / se."""
    dispersion: np.ndarray
    """phi as estimated (R's value)."""
    dispersion_used: np.ndarray
    """phi in the test: never below 1 unless `floor=False`."""
    df: int
    """Residual degrees of freedom of the dispersion."""
    estimable: np.ndarray
    """False where either year has no offences (the log ratio is infinite) or the series is all zeros."""

    @property
    def p_lower(self) -> np.ndarray:
        """One-sided: current lower than random variation allows (t on `df` degrees of freedom)."""
        return t_cdf(self.df, self.t)

    @property
    def p_higher(self) -> np.ndarray:
        """One-sided: current higher than random variation allows."""
        return t_cdf(self.df, -self.t)

    @property
    def p_value(self) -> np.ndarray:
        """Two-sided."""
        return two_sided(self.df, self.t)


def two_sided(df: np.ndarray | int, t: np.ndarray) -> np.ndarray:
    """The two-sided p-value of t statistics: 2 P(T <= -|t|) (NaN stays NaN).

    >>> float(two_sided(55, np.array([-2.23319908648352]))[0])  # R: 2 * pt(-2.2332, 55) = 0.0296239127589168
    0.029623912758916...
    """
    return np.asarray(2.0 * t_cdf(df, -np.abs(t)))


def year_contrast(fit: SeasonalFit, current: int, base: int, level: float = 0.95, floor: bool = True
                  ) -> YearContrast:
    """Year index `current` against year index `base` in each series of `fit`."""
    r_current, r_base = fit.year_totals[:, current], fit.year_totals[:, base]
    used = np.maximum(fit.dispersion, 1.0) if floor else fit.dispersion
    estimable = (r_current > 0) & (r_base > 0) & np.isfinite(used)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = np.where(estimable, np.log(r_current / r_base), np.nan)
        se = np.where(estimable, np.sqrt(used * (1.0 / r_current + 1.0 / r_base)), np.nan)
        t = log_ratio / se
    quantile = t_quantile(fit.df, 0.5 + level / 2) if fit.df > 0 else np.nan
    with np.errstate(invalid="ignore"):
        ratio = r_current / np.where(r_base > 0, r_base, np.nan)
    return YearContrast(r_base, r_current, ratio, np.exp(log_ratio - quantile * se), np.exp(log_ratio + quantile * se),
                        log_ratio, se, t, fit.dispersion, used, fit.df, estimable)


def years_needed(per_year: int, min_df: int = MIN_DF) -> int:
    """Complete financial years needed for `min_df` residual degrees of freedom.

    >>> years_needed(12), years_needed(4)
    (2, 5)
    """
    years = 2
    while (years - 1) * (per_year - 1) < min_df:
        years += 1
    return years


def require_long_enough(years: list[int], per_year: int, what: str, min_df: int = MIN_DF) -> None:
    """Refuse a series too short to estimate its fluctuation; never fall back to a Poisson test."""
    df = (len(years) - 1) * (per_year - 1) if years else 0
    if df >= min_df:
        return
    unit = "months" if per_year == 12 else "quarters"
    need = years_needed(per_year, min_df)
    held = f"{len(years)} complete financial year(s) ({year_label(years[0])} to {year_label(years[-1])})" if years \
        else "no complete financial year"
    raise CrimeInputError(
        f"{what}: the series is too short to estimate its ordinary fluctuation (A.2, 000:460): it holds {held} of "
        f"{unit}, {df} residual degrees of freedom, and the dispersion needs at least {min_df} ({need} complete "
        f"years of {unit}, {need * per_year} periods). Give a longer series (earlier years count too), or lower "
        "--min-df knowingly; "
        "a plain Poisson test is not used instead, because it ignores the extra variation of real counts.")
