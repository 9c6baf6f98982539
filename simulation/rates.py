"""Individual offending rates: covariate effects, gamma frailty, and the shares that decide what counts.

An offender's offences at liberty form a Poisson process with rate

    base_offending_rate x exp(covariates) x frailty x exp(age_log_rate_per_year x years since start)

per year, where frailty ~ Gamma(mean 1, variance theta). Only detected-and-sanctioned offences can enter
the Annex measures, and thinning a Poisson process by an independent probability is exact, so the model
draws only those, at the rate above x detection_probability.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtr

from simulation.params import ModelParams
from simulation.vocabulary import DAYS_PER_YEAR, OFFENCE_GROUPS


def category_values(column: pd.Series, values: Mapping[str, float]) -> np.ndarray:
    """`values[label]` for every row of a label column, as floats (nan for a label not in `values`).

    The same as `column.map(values)`, through `pd.factorize`, which is several times faster on string columns.
    """
    codes, labels = pd.factorize(column)
    table = np.array([values.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
    return table[codes]  # code -1 (missing) picks the trailing nan


def log_rate_multiplier(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Log of each offender's rate relative to the reference offender, at the start of follow-up."""
    age_term = params.age_log_rate_per_year * (frame["age"].to_numpy(float) - params.reference_age)
    female = (frame["sex"] == "female").to_numpy() * params.female_log_rate_ratio
    previous = params.previous_sanctions_log_rate * np.log1p(frame["previous_sanctions"].to_numpy(float))
    onset = (
        frame["age_first_sanction"].to_numpy(float) < params.early_onset_age
    ) * params.early_onset_log_rate_ratio
    drug = frame["drug_misuse"].to_numpy(bool) * params.drug_misuse_log_rate_ratio
    disposal = category_values(frame["disposal"], params.disposal_log_rate_ratio)
    group = category_values(frame["offence_group"], params.offence_group_log_rate_ratio)
    return np.asarray(age_term + female + previous + onset + drug + disposal + group, dtype=float)


def gamma_frailty(u: np.ndarray, theta: float) -> np.ndarray:
    """Gamma(mean 1, variance theta) frailties by inversion of uniforms `u`.

    Inversion keeps each offender's frailty a smooth function of theta under common random numbers,
    which calibration relies on. theta = 0 gives frailty 1.
    """
    if theta == 0:
        return np.ones_like(u, dtype=float)
    return np.asarray(gammaincinv(1.0 / theta, u) * theta, dtype=float)


def detected_rate_per_day(frame: pd.DataFrame, params: ModelParams, frailty: np.ndarray) -> np.ndarray:
    """Rate of detected-and-sanctioned offences at the start of follow-up, per day, for each offender."""
    yearly = params.base_offending_rate * np.exp(log_rate_multiplier(frame, params)) * frailty
    return yearly * params.detection_probability / DAYS_PER_YEAR


def age_slope_per_day(params: ModelParams) -> float:
    """Change in log rate per day as the offender ages."""
    return params.age_log_rate_per_year / DAYS_PER_YEAR


def serious_probability(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Probability that a detected re-offence is a serious Table 1 offence, for each offender."""
    ratio = category_values(frame["offence_group"], params.serious_ratio_by_index_group)
    return params.serious_share * ratio


def sanction_shares(kind: str, params: ModelParams) -> tuple[float, float, float]:
    """Shares of detected offences dealt with by (court, pre-court disposal, penalty notice)."""
    pre = params.adult_pre_court_share if kind == "adult" else params.youth_pre_court_share
    penalty = params.adult_penalty_notice_share if kind == "adult" else params.youth_penalty_notice_share
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
