"""Fit the base offending rate, the gamma heterogeneity and the serious share to published rates.

Defaults are the 2005 Q1 adult figures: frequency 167.9 proven re-offences per 100 offenders, binary
rate 41.6%, 0.88 serious re-offences per 100 (DOMAIN.md section 3).

Method. Without custody, each offender's count is gamma-Poisson, so for rate scale `base` and
heterogeneity `theta` the expected frequency and binary rate have closed forms:

    E[N_i] = base x a_i,    P(N_i > 0) = 1 - (1 + theta x base x a_i) ^ (-1 / theta),

where a_i (offender i's expected count per unit base) integrates the detected-and-counted rate over
follow-up, thinned by the chance the conviction arrives within the waiting period. These are solved
exactly for (base, theta). Custody and breach recalls take offenders off the street, which the closed
forms ignore, so the simulation (with common random numbers, fixed across iterations) is run at the
fitted values and the targets given to the closed forms are corrected by the ratio target / simulated;
this converges in a few iterations. The serious share is scaled by target / simulated, using the
Rao-Blackwellised count (sum over counted re-offences of each offender's serious probability), which
has far less Monte Carlo noise than the raw count of a rare event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from simulation.cohort import Cohort
from simulation.errors import SimulationInputError
from simulation.interventions import BASELINE
from simulation.measures import reoffending_counts
from simulation.model import ReplicationStreams, simulate_replication
from simulation.params import ModelParams, merged_params
from simulation.rates import (
    age_slope_per_day,
    log_rate_multiplier,
    lognormal_cdf,
    sanction_shares,
    serious_probability,
)
from simulation.runner import replication_seeds
from simulation.vocabulary import DAYS_PER_YEAR

THETA_MAX = 50.0
INTEGRATION_POINTS = 4001


@dataclass(frozen=True)
class Targets:
    """Published rates to hit: per 100 offenders, percent, per 100 offenders (None = keep serious share)."""

    frequency_per_100: float = 167.9
    """Proven re-offences per 100 offenders to reproduce."""
    binary_rate_percent: float = 41.6
    """Percentage of offenders with at least one proven re-offence to reproduce."""
    serious_per_100: float | None = 0.88
    """Serious (Table 1) re-offences per 100 offenders to reproduce; None keeps the serious share."""

    def __post_init__(self) -> None:
        if self.frequency_per_100 <= 0:
            raise SimulationInputError("target frequency: must be > 0 re-offences per 100 offenders")
        if not 0 < self.binary_rate_percent < 100:
            raise SimulationInputError("target binary rate: must be a percentage strictly between 0 and 100")
        if self.serious_per_100 is not None and self.serious_per_100 <= 0:
            raise SimulationInputError("target serious rate: must be > 0 per 100 offenders")
        if self.frequency_per_100 / 100 < -np.log1p(-self.binary_rate_percent / 100):
            least = -100 * np.log1p(-self.binary_rate_percent / 100)
            raise SimulationInputError(
                f"targets: a binary rate of {self.binary_rate_percent:.1f}% needs at least {least:.1f} "
                f"re-offences per 100 (Poisson limit); frequency {self.frequency_per_100:.1f} is too low"
            )


@dataclass(frozen=True)
class Achieved:
    """Simulated rates (mean over replications) and their Monte Carlo standard errors."""

    frequency_per_100: float
    """Proven re-offences per 100 offenders."""
    binary_rate_percent: float
    """Percentage of offenders with at least one proven re-offence."""
    serious_per_100: float
    """Serious re-offences per 100 offenders, raw count."""
    serious_per_100_expected: float
    """Serious re-offences per 100 offenders as an expected count: every counted re-offence
    weighted by the offender's serious probability (about a fifth of the raw count's noise)."""
    frequency_se: float
    """Monte Carlo standard error of `frequency_per_100`."""
    binary_se: float
    """Monte Carlo standard error of `binary_rate_percent`."""
    serious_se: float
    """Monte Carlo standard error of `serious_per_100`."""
    serious_expected_se: float
    """Monte Carlo standard error of `serious_per_100_expected`."""


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted parameters, what they achieve in simulation, and the path taken."""

    params: ModelParams
    """The fitted parameters."""
    targets: Targets
    """The targets they were fitted to."""
    achieved: Achieved
    """What the fitted parameters achieve in the full simulation."""
    iterations: list[dict[str, float]] = field(default_factory=list)
    """One record per calibration step."""
    converged: bool = True
    """Whether every simulated rate came within the tolerance of its target."""

    def record(self) -> dict[str, object]:
        """A plain-data summary for the parameter file and provenance."""
        a, t = self.achieved, self.targets
        return {
            "targets": {
                "frequency_per_100": t.frequency_per_100,
                "binary_rate_percent": t.binary_rate_percent,
                "serious_per_100": t.serious_per_100,
            },
            "achieved": {
                "frequency_per_100": round(a.frequency_per_100, 4),
                "frequency_mc_se": round(a.frequency_se, 4),
                "binary_rate_percent": round(a.binary_rate_percent, 4),
                "binary_mc_se": round(a.binary_se, 4),
                "serious_per_100": round(a.serious_per_100, 4),
                "serious_mc_se": round(a.serious_se, 4),
                "serious_per_100_expected": round(a.serious_per_100_expected, 4),
                "serious_expected_mc_se": round(a.serious_expected_se, 4),
            },
            "converged": self.converged,
            "iterations": self.iterations,
        }


def expected_count_per_unit_base(cohort: Cohort, params: ModelParams) -> np.ndarray:
    """a_i: expected proven re-offences of offender i for base rate 1 and frailty 1, ignoring custody."""
    follow_up = params.follow_up_days
    days = np.linspace(0.0, follow_up, INTEGRATION_POINTS)
    age_factor = np.exp(age_slope_per_day(params) * days)
    time_to_deadline = follow_up + params.waiting_period_days - days
    court, pre_court, _ = sanction_shares(cohort.kind, params)
    in_time = court * lognormal_cdf(time_to_deadline, params.court_lag_median_days, params.court_lag_sigma)
    if cohort.kind == "youth":  # reprimands and final warnings count for youths
        in_time = in_time + pre_court * lognormal_cdf(
            time_to_deadline, params.pre_court_lag_median_days, params.pre_court_lag_sigma
        )
    counted_exposure_days = float(np.trapezoid(age_factor * in_time, days))
    yearly = np.exp(log_rate_multiplier(cohort.frame, params)) * params.detection_probability
    return np.asarray(yearly * counted_exposure_days / DAYS_PER_YEAR, dtype=float)


def closed_form_rates(a: np.ndarray, base: float, theta: float) -> tuple[float, float]:
    """(frequency per 100, binary %) for gamma-Poisson counts with means base x a_i and variance theta."""
    mean = base * a
    reoffend = -np.expm1(-mean) if theta == 0 else -np.expm1(-np.log1p(theta * mean) / theta)
    return 100.0 * float(mean.mean()), 100.0 * float(reoffend.mean())


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


def simulate_rates(cohort: Cohort, params: ModelParams, streams: list[ReplicationStreams]) -> Achieved:
    """Baseline rates over the given replications' streams, with standard errors across replications."""
    frequency, binary, serious, expected = [], [], [], []
    serious_p = serious_probability(cohort.frame, params)
    for replication in streams:
        counts = reoffending_counts(
            cohort, simulate_replication(cohort, params, BASELINE, replication), params
        )
        frequency.append(100.0 * counts.proven.mean())
        binary.append(100.0 * (counts.proven > 0).mean())
        serious.append(100.0 * counts.serious.mean())
        expected.append(100.0 * float((counts.proven * serious_p).mean()))

    def mean_se(values: list[float]) -> tuple[float, float]:
        x = np.asarray(values)
        return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")

    (f, f_se), (b, b_se), (s, s_se), (e, e_se) = map(mean_se, (frequency, binary, serious, expected))
    return Achieved(f, b, s, e, f_se, b_se, s_se, e_se)


def calibrate(
    cohort: Cohort,
    params: ModelParams,
    targets: Targets,
    seed: int = 2005,
    replications: int = 4,
    tolerance: float = 0.002,
    max_iterations: int = 8,
    on_iteration: Callable[[int, Achieved], None] | None = None,
) -> CalibrationResult:
    """Fit base_offending_rate, heterogeneity_theta and (if targeted) serious_share; see the module notes.

    `tolerance` is the relative distance from each target at which the fit stops.
    """
    if cohort.kind != "adult":
        raise SimulationInputError(
            "calibrate: the published targets are for the adult cohort; use an adult cohort"
        )
    streams = [ReplicationStreams(s, cohort.size) for s in replication_seeds(seed, replications)]
    a = expected_count_per_unit_base(cohort, params)
    aim_frequency, aim_binary = targets.frequency_per_100, targets.binary_rate_percent
    serious_share = params.serious_share
    history: list[dict[str, float]] = []
    current = params
    achieved: Achieved | None = None
    converged = False
    for iteration in range(1, max_iterations + 1):
        base, theta = solve_closed_form(a, aim_frequency, aim_binary)
        current = merged_params(
            params,
            {"base_offending_rate": base, "heterogeneity_theta": theta, "serious_share": serious_share},
            source="calibration",
        )
        achieved = simulate_rates(cohort, current, streams)
        history.append(
            {
                "iteration": iteration,
                "aim_frequency": aim_frequency,
                "aim_binary": aim_binary,
                "base_offending_rate": base,
                "heterogeneity_theta": theta,
                "serious_share": serious_share,
                "frequency_per_100": achieved.frequency_per_100,
                "binary_rate_percent": achieved.binary_rate_percent,
                "serious_per_100_expected": achieved.serious_per_100_expected,
            }
        )
        if on_iteration is not None:
            on_iteration(iteration, achieved)
        gaps = [
            achieved.frequency_per_100 / targets.frequency_per_100 - 1,
            achieved.binary_rate_percent / targets.binary_rate_percent - 1,
        ]
        if targets.serious_per_100 is not None:
            gaps.append(achieved.serious_per_100_expected / targets.serious_per_100 - 1)
        if max(abs(g) for g in gaps) <= tolerance:
            converged = True
            break
        previous = history[-2] if len(history) > 1 else None
        aim_frequency = _next_aim(
            aim_frequency,
            achieved.frequency_per_100,
            targets.frequency_per_100,
            None if previous is None else (previous["aim_frequency"], previous["frequency_per_100"]),
        )
        aim_binary = _next_aim(
            aim_binary,
            achieved.binary_rate_percent,
            targets.binary_rate_percent,
            None if previous is None else (previous["aim_binary"], previous["binary_rate_percent"]),
        )
        if targets.serious_per_100 is not None and achieved.serious_per_100_expected > 0:
            serious_share *= targets.serious_per_100 / achieved.serious_per_100_expected
            serious_share = min(serious_share, 1.0 / max(current.serious_ratio_by_index_group.values()))
    assert achieved is not None
    return CalibrationResult(current, targets, achieved, history, converged)


def _next_aim(aim: float, achieved: float, target: float, previous: tuple[float, float] | None) -> float:
    """The closed-form target for the next iteration: a secant step on (aim -> simulated) when the last two
    iterations give a usable slope, else a ratio correction (simulated rates scale roughly with the aim)."""
    ratio_step = aim * target / achieved
    if previous is None:
        return ratio_step
    previous_aim, previous_achieved = previous
    if achieved == previous_achieved or aim == previous_aim:
        return ratio_step
    slope = (achieved - previous_achieved) / (aim - previous_aim)
    if slope <= 0:
        return ratio_step
    secant_step = aim + (target - achieved) / slope
    # Stay within a factor of two of the ratio step: a guard against a slope distorted by noise.
    return float(min(max(secant_step, ratio_step / 2), ratio_step * 2))
