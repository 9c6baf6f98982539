"""The model's expected rates in closed form, which calibration solves for its free parameters.

Without custody, each offender's count of proven re-offences is gamma-Poisson, so the expected frequency and
binary rate of any group have closed forms in the base rate, the log effects and the heterogeneity (see
`simulation.questions.calibrate` for the method). `ClosedForms` holds one cohort's pieces so that many solves
reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import DAYS_PER_YEAR
from simulation.model.rates import (
    age_paths,
    category_values,
    log_rate_multiplier,
    lognormal_cdf,
    sanction_shares,
    serious_probability,
)

FREE_PARAMETERS: tuple[str, ...] = (
    "base_offending_rate",
    "heterogeneity_theta",
    "theta_ratio_by_disposal.custody",
    "disposal_log_rate_ratio.custody",
    "disposal_log_rate_ratio.community",
    "female_log_rate_ratio.custody",
)
"""Parameters `calibrate_groups` can fit: the first two on a log scale, the custody theta ratio on a log scale,
the log effects as they are."""


@dataclass(frozen=True)
class GroupTarget:
    """A frequency and binary rate to reproduce for the offenders of `mask`."""

    name: str
    """Label, e.g. 'all' or 'custody, women'."""
    mask: np.ndarray
    """Which offenders of the cohort the figures describe."""
    frequency_per_100: float | None
    """Proven re-offences per 100 offenders; None where only the binary rate is published."""
    binary_rate_percent: float
    """Percentage with at least one proven re-offence."""
    weight: float = 1.0
    """Weight in the least-squares fit of the closed forms (published 1, assumed less)."""


THETA_MAX = 50.0
INTEGRATION_POINTS = 4001
KINKED_POINTS = 1201


def counted_share(
    kind: str, params: ModelParams, serious: np.ndarray, pre_court_counts: bool
) -> tuple[np.ndarray, ...]:
    """Per offender: shares of detected offences dealt with by a court and (if they count) pre-court, given
    each offender's serious probability."""
    court, pre, _ = sanction_shares(kind, params)
    serious_court, serious_pre, _ = sanction_shares(kind, params, serious=True)
    court_share = (1 - serious) * court + serious * serious_court
    pre_share = ((1 - serious) * pre + serious * serious_pre) if pre_court_counts else np.zeros_like(serious)
    return court_share, pre_share


def expected_count_per_unit_base(cohort: Cohort, params: ModelParams) -> np.ndarray:
    """a_i: expected proven re-offences of offender i for base rate 1 and frailty 1, ignoring custody."""
    follow_up = params.follow_up_days
    deadline = follow_up + params.waiting_period_days
    serious = serious_probability(cohort.frame, params)
    court_share, pre_share = counted_share(cohort.kind, params, serious, cohort.kind == "youth")
    ages = age_paths(cohort.frame, params)
    kinked = np.isfinite(ages.kink) & (ages.kink < follow_up)
    court_exposure = np.empty(cohort.size)
    pre_exposure = np.empty(cohort.size)
    plain = ~kinked
    if plain.any():  # every offender past the peak ages along the same curve: one integral serves them all
        days = np.linspace(0.0, follow_up, INTEGRATION_POINTS)
        factor = np.exp(float(ages.first_slope[plain][0]) * days)
        court_exposure[plain] = np.trapezoid(factor * _court_cdf(deadline - days, params), days)
        pre_exposure[plain] = np.trapezoid(factor * _pre_court_cdf(deadline - days, params), days)
    for chunk in np.array_split(np.flatnonzero(kinked), max(1, int(kinked.sum()) // 2000 + 1)):
        if chunk.size == 0:
            continue
        days = np.linspace(0.0, follow_up, KINKED_POINTS)
        chunk_ages = type(ages)(ages.first_slope[chunk, None], ages.kink[chunk, None], ages.second_slope[chunk, None])
        factor = np.exp(chunk_ages.log_factor(days[None, :]))
        court_exposure[chunk] = np.trapezoid(factor * _court_cdf(deadline - days, params)[None, :], days, axis=1)
        pre_exposure[chunk] = np.trapezoid(factor * _pre_court_cdf(deadline - days, params)[None, :], days, axis=1)
    counted_exposure_days = court_share * court_exposure + pre_share * pre_exposure
    yearly = np.exp(log_rate_multiplier(cohort.frame, params)) * params.detection_probability
    return np.asarray(yearly * counted_exposure_days / DAYS_PER_YEAR, dtype=float)


def _court_cdf(days: np.ndarray, params: ModelParams) -> np.ndarray:
    return lognormal_cdf(days, params.court_lag_median_days, params.court_lag_sigma)


def _pre_court_cdf(days: np.ndarray, params: ModelParams) -> np.ndarray:
    return lognormal_cdf(days, params.pre_court_lag_median_days, params.pre_court_lag_sigma)


def closed_form_rates(a: np.ndarray, base: float, theta: float | np.ndarray) -> tuple[float, float]:
    """(frequency per 100, binary %) for gamma-Poisson counts with means base x a_i and variance theta."""
    mean = base * a
    return 100.0 * float(mean.mean()), 100.0 * float(_reoffend(mean, theta).mean())


def _reoffend(mean: np.ndarray, theta: float | np.ndarray) -> np.ndarray:
    theta = np.broadcast_to(np.asarray(theta, dtype=float), mean.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        mixed = -np.expm1(-np.log1p(theta * mean) / np.where(theta > 0, theta, 1.0))
    return np.where(theta > 0, mixed, -np.expm1(-mean))


def solve_closed_form(a: np.ndarray, frequency_per_100: float, binary_percent: float) -> tuple[float, float]:
    """(base, theta) whose closed-form frequency and binary rate equal the given values exactly."""
    base = frequency_per_100 / (100.0 * float(a.mean()))
    poisson_binary = closed_form_rates(a, base, 0.0)[1]
    if binary_percent >= poisson_binary:
        raise SimulationInputError(
            f"targets: binary rate {binary_percent:.2f}% is not reachable at this frequency; even without "
            f"heterogeneity the model gives at most {poisson_binary:.2f}%"
        )
    if binary_percent <= closed_form_rates(a, base, THETA_MAX)[1]:
        raise SimulationInputError(
            f"targets: binary rate {binary_percent:.2f}% needs heterogeneity above {THETA_MAX}"
        )
    theta = brentq(lambda th: closed_form_rates(a, base, th)[1] - binary_percent, 1e-9, THETA_MAX, xtol=1e-12)
    return base, float(theta)


class ClosedForms:
    """The closed forms of a cohort as functions of the free parameters (see the module docstring)."""

    def __init__(self, cohort: Cohort, params: ModelParams, free: tuple[str, ...]) -> None:
        unknown = sorted(set(free) - set(FREE_PARAMETERS))
        if unknown:
            raise ValueError(f"cannot fit {unknown}; free parameters are {list(FREE_PARAMETERS)}")
        self.free = free
        self.params = params
        frame = cohort.frame
        self.a = expected_count_per_unit_base(cohort, params)
        self.custody = (frame["disposal"] == "custody").to_numpy()
        self.community = (frame["disposal"] == "community").to_numpy()
        self.female_custody = self.custody & (frame["sex"] == "female").to_numpy()
        self.theta_ratio = category_values(frame["disposal"], params.theta_ratio_by_disposal)

    def start(self) -> np.ndarray:
        """The current parameters as the solver's vector."""
        return np.array([self._get(name) for name in self.free], dtype=float)

    def _get(self, name: str) -> float:
        p = self.params
        return {
            "base_offending_rate": np.log(p.base_offending_rate),
            "heterogeneity_theta": np.log(max(p.heterogeneity_theta, 1e-6)),
            "theta_ratio_by_disposal.custody": np.log(p.theta_ratio_by_disposal["custody"]),
            "disposal_log_rate_ratio.custody": p.disposal_log_rate_ratio["custody"],
            "disposal_log_rate_ratio.community": p.disposal_log_rate_ratio["community"],
            "female_log_rate_ratio.custody": p.female_log_rate_ratio["custody"],
        }[name]

    def rates(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per offender: expected count and probability of at least one, at the parameter vector `x`."""
        values = dict(zip(self.free, x, strict=True))
        p = self.params
        base = (float(np.exp(values["base_offending_rate"])) if "base_offending_rate" in values
                else p.base_offending_rate)
        theta = (float(np.exp(values["heterogeneity_theta"])) if "heterogeneity_theta" in values
                 else max(p.heterogeneity_theta, 1e-6))
        ratio = self.theta_ratio.copy()
        if "theta_ratio_by_disposal.custody" in values:
            ratio[self.custody] = np.exp(values["theta_ratio_by_disposal.custody"])
        shift = np.zeros_like(self.a)
        if "disposal_log_rate_ratio.custody" in values:
            shift += self.custody * (values["disposal_log_rate_ratio.custody"] - p.disposal_log_rate_ratio["custody"])
        if "disposal_log_rate_ratio.community" in values:
            shift += self.community * (values["disposal_log_rate_ratio.community"]
                                       - p.disposal_log_rate_ratio["community"])
        if "female_log_rate_ratio.custody" in values:
            female = values["female_log_rate_ratio.custody"] - p.female_log_rate_ratio["custody"]
            shift += self.female_custody * female
        mean = base * self.a * np.exp(shift)
        return mean, _reoffend(mean, theta * ratio)

    def overrides(self, x: np.ndarray) -> dict[str, object]:
        """Parameter-file overrides for the vector `x`."""
        values = dict(zip(self.free, x, strict=True))
        out: dict[str, object] = {}
        for name, value in values.items():
            if name in ("base_offending_rate", "heterogeneity_theta"):
                out[name] = float(np.exp(value))
            elif name == "theta_ratio_by_disposal.custody":
                out.setdefault("theta_ratio_by_disposal", {})["custody"] = float(np.exp(value))  # type: ignore[index]
            else:
                field_name, key = name.split(".")
                out.setdefault(field_name, {})[key] = float(value)  # type: ignore[index]
        return out

    def solve(self, aims: list[tuple[GroupTarget, float | None, float]]) -> np.ndarray:
        """The parameter vector whose closed forms best hit the aims (frequency, binary) of each target."""

        def residuals(x: np.ndarray) -> np.ndarray:
            mean, reoffend = self.rates(x)
            out = []
            for target, frequency, binary in aims:
                m = target.mask
                if frequency is not None:
                    out.append(target.weight * (100 * mean[m].mean() / frequency - 1))
                out.append(target.weight * (100 * reoffend[m].mean() / binary - 1))
            return np.asarray(out)

        bounds = {
            "base_offending_rate": (np.log(1e-3), np.log(500.0)),
            "heterogeneity_theta": (np.log(1e-4), np.log(THETA_MAX)),
            "theta_ratio_by_disposal.custody": (np.log(0.05), np.log(20.0)),
            "disposal_log_rate_ratio.custody": (-5.0, 5.0),
            "disposal_log_rate_ratio.community": (-5.0, 5.0),
            "female_log_rate_ratio.custody": (-5.0, 5.0),
        }
        low = np.array([bounds[name][0] for name in self.free])
        high = np.array([bounds[name][1] for name in self.free])
        fit = least_squares(residuals, np.clip(self.start(), low + 1e-9, high - 1e-9), bounds=(low, high),
                            xtol=1e-13, ftol=1e-13, gtol=1e-13, max_nfev=2000)
        return np.asarray(fit.x, dtype=float)


def _serious_given_counted(cohort: Cohort, params: ModelParams) -> np.ndarray:
    """Per offender: the probability that a counted re-offence is serious (for the Rao-Blackwellised count)."""
    serious_p = serious_probability(cohort.frame, params)
    court_share, pre_share = counted_share(cohort.kind, params, serious_p, cohort.kind == "youth")
    serious_court, serious_pre, _ = sanction_shares(cohort.kind, params, serious=True)
    counted_serious = serious_p * (serious_court + (serious_pre if cohort.kind == "youth" else 0.0))
    return np.divide(counted_serious, court_share + pre_share, out=np.zeros_like(serious_p),
                     where=(court_share + pre_share) > 0)
