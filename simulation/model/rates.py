"""Individual offending rates: covariate effects, gamma frailty, and the shares that decide what counts.

An offender's offences at liberty form a Poisson process with rate

    base_offending_rate x exp(covariates) x frailty x exp(age effect of the offender's age now)

per year, where frailty ~ Gamma(mean 1, variance theta x the index disposal's theta ratio). The age effect is
the age-crime curve: its log rises by `youth_age_log_rate_per_year` a year up to `peak_age` and falls by
`age_log_rate_per_year` a year after it, so as an offender ages during follow-up the rate follows the curve
(for a 17-year-old it rises, then turns at 18). Only detected-and-sanctioned offences can enter the Annex
measures, and thinning a Poisson process by an independent probability is exact, so the model draws only
those, at the rate above x detection_probability.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtr

from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import DAYS_PER_YEAR, OFFENCE_GROUPS

INF = math.inf


def category_values(column: pd.Series, values: Mapping[str, float]) -> np.ndarray:
    """`values[label]` for every row of a label column, as floats (nan for a label not in `values`).

    The same as `column.map(values)`, through `pd.factorize`, which is several times faster on string columns.
    """
    codes, labels = pd.factorize(column)
    table = np.array([values.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
    return table[codes]  # code -1 (missing) picks the trailing nan


def age_log_effect(age: np.ndarray, params: ModelParams) -> np.ndarray:
    """Log rate at `age` (years) relative to `reference_age`: the age-crime curve, rising to `peak_age` then
    falling."""
    age = np.asarray(age, dtype=float)
    above = params.age_log_rate_per_year * (np.maximum(age, params.peak_age) - params.reference_age)
    below = params.youth_age_log_rate_per_year * (np.minimum(age, params.peak_age) - params.peak_age)
    return np.asarray(above + below, dtype=float)


def log_rate_multiplier(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Log of each offender's rate relative to the reference offender, at the start of follow-up."""
    age_term = age_log_effect(frame["age"].to_numpy(float), params)
    female = (frame["sex"] == "female").to_numpy() * category_values(frame["disposal"], params.female_log_rate_ratio)
    previous = params.previous_sanctions_log_rate * np.log1p(frame["previous_sanctions"].to_numpy(float))
    onset = (
        frame["age_first_sanction"].to_numpy(float) < params.early_onset_age
    ) * params.early_onset_log_rate_ratio
    drug = frame["drug_misuse"].to_numpy(bool) * params.drug_misuse_log_rate_ratio
    disposal = category_values(frame["disposal"], params.disposal_log_rate_ratio)
    group = category_values(frame["offence_group"], params.offence_group_log_rate_ratio)
    return np.asarray(age_term + female + previous + onset + drug + disposal + group, dtype=float)


def gamma_frailty(u: np.ndarray, theta: float | np.ndarray) -> np.ndarray:
    """Gamma(mean 1, variance theta) frailties by inversion of uniforms `u` (theta one value or one per offender).

    Inversion keeps each offender's frailty a smooth function of theta under common random numbers,
    which calibration relies on. theta = 0 gives frailty 1.
    """
    theta = np.broadcast_to(np.asarray(theta, dtype=float), np.shape(u))
    with np.errstate(divide="ignore", invalid="ignore"):
        frailty = gammaincinv(1.0 / np.where(theta > 0, theta, 1.0), u) * theta
    return np.asarray(np.where(theta > 0, frailty, 1.0), dtype=float)


def frailty_variance(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Each offender's frailty variance: `heterogeneity_theta` x the ratio for their index disposal."""
    return params.heterogeneity_theta * category_values(frame["disposal"], params.theta_ratio_by_disposal)


def detected_rate_per_day(frame: pd.DataFrame, params: ModelParams, frailty: np.ndarray) -> np.ndarray:
    """Rate of detected-and-sanctioned offences at the start of follow-up, per day, for each offender."""
    return committed_rate_per_day(frame, params, frailty) * params.detection_probability


def committed_rate_per_day(frame: pd.DataFrame, params: ModelParams, frailty: np.ndarray) -> np.ndarray:
    """Rate of offences committed (detected or not) at the start of follow-up, per day, for each offender."""
    yearly = params.base_offending_rate * np.exp(log_rate_multiplier(frame, params)) * frailty
    return np.asarray(yearly / DAYS_PER_YEAR, dtype=float)


@dataclass(frozen=True)
class AgePaths:
    """How each offender's rate changes as they age during follow-up (days counted from their start).

    The log rate changes by `first_slope` per day until `kink` days after the start (when the offender
    reaches `peak_age`; inf if they are past it), and by `second_slope` per day after.
    """

    first_slope: np.ndarray
    """Change in log rate per day from the start, 1/day."""
    kink: np.ndarray
    """Days after the start at which the slope changes (inf: never)."""
    second_slope: np.ndarray
    """Change in log rate per day after the kink, 1/day."""

    def log_factor(self, days: np.ndarray) -> np.ndarray:
        """Log of the age factor `days` after the start (relative to the start)."""
        days = np.asarray(days, dtype=float)
        before = np.minimum(days, self.kink)
        after = np.maximum(days - self.kink, 0.0)
        return np.asarray(self.first_slope * before + self.second_slope * after, dtype=float)

    def hazard(self, rate: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Cumulative hazard from the start to `days` after it, for a rate `rate` per day at the start."""
        days = np.asarray(days, dtype=float)
        before = np.minimum(days, self.kink)
        after = np.maximum(days - self.kink, 0.0)
        at_kink = np.exp(self.first_slope * np.where(np.isfinite(self.kink), self.kink, 0.0))
        return np.asarray(
            rate * (_integral(self.first_slope, before) + at_kink * _integral(self.second_slope, after)), dtype=float
        )

    def days_at_hazard(self, rate: np.ndarray, hazard: np.ndarray) -> np.ndarray:
        """Days after the start at which the cumulative hazard reaches `hazard` (inf if it never does)."""
        hazard = np.asarray(hazard, dtype=float)
        kink = self.kink
        finite_kink = np.where(np.isfinite(kink), kink, 0.0)
        at_kink = np.exp(self.first_slope * finite_kink)
        hazard_at_kink = np.where(np.isfinite(kink), rate * _integral(self.first_slope, finite_kink), INF)
        first = _inverse_integral(self.first_slope, hazard / np.where(rate > 0, rate, 1.0))
        second = finite_kink + _inverse_integral(
            self.second_slope, (hazard - np.where(np.isfinite(hazard_at_kink), hazard_at_kink, 0.0))
            / np.where(rate > 0, rate * at_kink, 1.0)
        )
        days = np.where(hazard <= hazard_at_kink, first, second)
        return np.asarray(np.where(rate > 0, days, INF), dtype=float)


def _integral(slope: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The integral of exp(slope x t) for t from 0 to `days` (slope 0 gives `days`)."""
    slope = np.asarray(slope, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.expm1(slope * days) / np.where(slope != 0, slope, 1.0)
    return np.asarray(np.where(slope != 0, value, days), dtype=float)


def _inverse_integral(slope: np.ndarray, area: np.ndarray) -> np.ndarray:
    """The x at which the integral of exp(slope x t) from 0 to x equals `area` (inf if never reached)."""
    slope = np.asarray(slope, dtype=float)
    y = slope * area
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.log1p(np.where(y > -1, y, 0.0)) / np.where(slope != 0, slope, 1.0)
    return np.asarray(np.where(slope != 0, np.where(y > -1, value, INF), area), dtype=float)


def age_paths(frame: pd.DataFrame, params: ModelParams) -> AgePaths:
    """Each offender's `AgePaths` from their age at the start of follow-up."""
    age = frame["age"].to_numpy(float)
    before_peak = age < params.peak_age
    youth_slope = params.youth_age_log_rate_per_year / DAYS_PER_YEAR
    adult_slope = params.age_log_rate_per_year / DAYS_PER_YEAR
    return AgePaths(
        first_slope=np.where(before_peak, youth_slope, adult_slope),
        kink=np.where(before_peak, (params.peak_age - age) * DAYS_PER_YEAR, INF),
        second_slope=np.full(age.shape, adult_slope),
    )


class AgePath:
    """One offender's `AgePaths` in plain floats, for the event loop (no numpy overhead per call)."""

    __slots__ = ("first_slope", "kink", "second_slope", "_at_kink")

    def __init__(self, first_slope: float, kink: float, second_slope: float) -> None:
        self.first_slope = first_slope
        self.kink = kink
        self.second_slope = second_slope
        self._at_kink = math.exp(first_slope * kink) if kink < INF else INF

    def factor(self, days: float) -> float:
        """The age factor `days` after the start (relative to the start)."""
        if days <= self.kink:
            return math.exp(self.first_slope * days)
        return self._at_kink * math.exp(self.second_slope * (days - self.kink))

    def hazard(self, rate: float, days: float) -> float:
        """Cumulative hazard from the start to `days` after it."""
        if days <= self.kink:
            return rate * _integral_one(self.first_slope, days)
        after = _integral_one(self.second_slope, days - self.kink)
        return rate * (_integral_one(self.first_slope, self.kink) + self._at_kink * after)

    def days_at_hazard(self, rate: float, hazard: float) -> float:
        """Days after the start at which the cumulative hazard reaches `hazard` (inf if never)."""
        if rate <= 0:
            return INF
        if self.kink < INF:
            at_kink = rate * _integral_one(self.first_slope, self.kink)
            if hazard > at_kink:
                return self.kink + _inverse_integral_one(self.second_slope, (hazard - at_kink) / (rate * self._at_kink))
        return _inverse_integral_one(self.first_slope, hazard / rate)


def _integral_one(slope: float, days: float) -> float:
    return math.expm1(slope * days) / slope if slope != 0 else days


def _inverse_integral_one(slope: float, area: float) -> float:
    if slope == 0:
        return area
    y = slope * area
    return math.log1p(y) / slope if y > -1 else INF


def serious_probability(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Probability that a detected re-offence is a serious Table 1 offence, for each offender."""
    ratio = category_values(frame["offence_group"], params.serious_ratio_by_index_group)
    return params.serious_share * ratio


def serious_sexual_share(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Share of each offender's serious re-offences that are serious sexual offences."""
    return category_values(frame["offence_group"], params.serious_sexual_share_by_index_group)


def sanction_shares(kind: str, params: ModelParams, serious: bool = False) -> tuple[float, float, float]:
    """Shares of detected offences dealt with by (court, pre-court disposal, penalty notice), for non-serious
    or (`serious`) Table 1 offences."""
    prefix = f"{kind}_serious_" if serious else f"{kind}_"
    pre = getattr(params, f"{prefix}pre_court_share")
    penalty = getattr(params, f"{prefix}penalty_notice_share")
    return 1.0 - pre - penalty, pre, penalty


def lognormal_cdf(days: np.ndarray, median_days: float, sigma: float) -> np.ndarray:
    """P(lag <= days) for a lognormal lag; a zero median means no lag; sigma 0 is a fixed lag."""
    days = np.asarray(days, dtype=float)
    if median_days == 0:
        return (days >= 0).astype(float)
    if sigma == 0:
        return (days >= median_days).astype(float)
    with np.errstate(divide="ignore"):
        return np.asarray(ndtr((np.log(np.maximum(days, 0.0)) - np.log(median_days)) / sigma), dtype=float)


def non_serious_cumulative_shares(params: ModelParams) -> list[float]:
    """Cumulative shares of the non-serious type mix, in `OFFENCE_GROUPS` order."""
    return np.cumsum([params.non_serious_type_mix[g] for g in OFFENCE_GROUPS]).tolist()
