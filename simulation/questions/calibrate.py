"""Fit the model to published rates: the base offending rate, the heterogeneity, the serious share, and where
subgroup figures are published (2004 Q1 custody leavers by sex) the effects that reproduce them.

Defaults of `calibrate` are the 2005 Q1 adult figures: frequency 167.9 proven re-offences per 100 offenders,
binary rate 41.6%, 0.88 serious re-offences per 100 (DOMAIN.md section 3). `calibrate_groups` fits any set
of group targets (a frequency and a binary rate for a subset of the cohort) with any of the free parameters
in `FREE_PARAMETERS`.

Method. Without custody, each offender's count is gamma-Poisson, so for rate scale `base`, log effects
`delta` on indicators `z_i` and heterogeneity `theta_i` (theta x the offender's disposal ratio) the expected
frequency and binary rate of any group have closed forms:

    E[N_i] = base x a_i x exp(delta . z_i),    P(N_i > 0) = 1 - (1 + theta_i E[N_i]) ^ (-1 / theta_i),

where a_i (offender i's expected count per unit base) integrates the detected-and-counted rate over
follow-up along the age-crime curve, thinned by the chance the conviction arrives within the waiting
period and by the share of sanctions that count (which depends on seriousness). These are solved for the
free parameters (exactly when there are as many as targets, by least squares otherwise). Custody and
breach recalls take offenders off the street, which the closed forms ignore, so the simulation (with common
random numbers, fixed across iterations) is run at the fitted values and each target handed to the closed
forms is corrected (a secant step on aim -> simulated) until every simulated rate is within the tolerance.
The serious share is scaled by target / simulated, using the Rao-Blackwellised count (each counted
re-offence weighted by the probability that it is serious), which has far less Monte Carlo noise than the
raw count of a rare event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, least_squares

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import BASELINE
from simulation.inputs.params import ModelParams, merged_params
from simulation.inputs.vocabulary import DAYS_PER_YEAR
from simulation.measures.reoffending import reoffending_counts
from simulation.model.cohort_simulation import ReplicationStreams, simulate_replication
from simulation.model.rates import (
    age_paths,
    category_values,
    log_rate_multiplier,
    lognormal_cdf,
    sanction_shares,
    serious_probability,
)
from simulation.runs.tasks import replication_seeds

THETA_MAX = 50.0
INTEGRATION_POINTS = 4001
KINKED_POINTS = 1201

FREE_PARAMETERS: tuple[str, ...] = (
    "base_offending_rate",
    "heterogeneity_theta",
    "theta_ratio_by_disposal.custody",
    "disposal_log_rate_ratio.custody",
    "female_log_rate_ratio.custody",
)
"""Parameters `calibrate_groups` can fit: the first two on a log scale, the custody theta ratio on a log scale,
the two log effects as they are."""


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
class GroupTarget:
    """A frequency and binary rate to reproduce for the offenders of `mask`."""

    name: str
    """Label, e.g. 'all' or 'custody, women'."""
    mask: np.ndarray
    """Which offenders of the cohort the figures describe."""
    frequency_per_100: float
    """Proven re-offences per 100 offenders."""
    binary_rate_percent: float
    """Percentage with at least one proven re-offence."""
    weight: float = 1.0
    """Weight in the least-squares fit of the closed forms (published 1, assumed less)."""


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
    weighted by the probability that it is serious (about a fifth of the raw count's noise)."""
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
    """The targets they were fitted to (the whole cohort's)."""
    achieved: Achieved
    """What the fitted parameters achieve in the full simulation (the whole cohort)."""
    iterations: list[dict[str, float]] = field(default_factory=list)
    """One record per calibration step."""
    converged: bool = True
    """Whether every simulated rate came within the tolerance of its target."""
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    """Target and achieved figures of every group target."""
    aims: dict[str, list[float]] = field(default_factory=dict)
    """Per target: [target frequency, aim frequency, target binary, aim binary] of the final fit: the closed
    forms were solved at the aims, which the simulation turned into the targets."""

    def record(self) -> dict[str, object]:
        """A plain-data summary for the parameter file and provenance."""
        a, t = self.achieved, self.targets
        record: dict[str, object] = {
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
        if self.groups:
            record["groups"] = self.groups
        return record


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
                out["theta_ratio_by_disposal"] = {"custody": float(np.exp(value))}
            else:
                field_name, key = name.split(".")
                out[field_name] = {key: float(value)}
        return out

    def solve(self, aims: list[tuple[GroupTarget, float, float]]) -> np.ndarray:
        """The parameter vector whose closed forms best hit the aims (frequency, binary) of each target."""

        def residuals(x: np.ndarray) -> np.ndarray:
            mean, reoffend = self.rates(x)
            out = []
            for target, frequency, binary in aims:
                m = target.mask
                out.append(target.weight * (100 * mean[m].mean() / frequency - 1))
                out.append(target.weight * (100 * reoffend[m].mean() / binary - 1))
            return np.asarray(out)

        bounds = {
            "base_offending_rate": (np.log(1e-3), np.log(500.0)),
            "heterogeneity_theta": (np.log(1e-4), np.log(THETA_MAX)),
            "theta_ratio_by_disposal.custody": (np.log(0.05), np.log(20.0)),
            "disposal_log_rate_ratio.custody": (-5.0, 5.0),
            "female_log_rate_ratio.custody": (-5.0, 5.0),
        }
        low = np.array([bounds[name][0] for name in self.free])
        high = np.array([bounds[name][1] for name in self.free])
        fit = least_squares(residuals, np.clip(self.start(), low + 1e-9, high - 1e-9), bounds=(low, high),
                            xtol=1e-13, ftol=1e-13, gtol=1e-13, max_nfev=2000)
        return np.asarray(fit.x, dtype=float)


def simulate_rates(
    cohort: Cohort,
    params: ModelParams,
    streams: list[ReplicationStreams],
    masks: dict[str, np.ndarray] | None = None,
    samples: list[tuple[Cohort, dict[str, np.ndarray]]] | None = None,
) -> dict[str, Achieved]:
    """Baseline rates of the whole cohort ('all', unless `masks` gives its own) and of each mask, over the given
    replications' streams, with standard errors across replications. With `samples`, replication r simulates
    its own cohort draw and masks (`samples[r]`) instead: the rates are then expectations over cohort draws."""
    chosen = samples if samples is not None else [(cohort, masks or {})] * len(streams)
    values: dict[str, list[list[float]]] = {}
    for (sample, sample_masks), replication in zip(chosen, streams, strict=True):
        groups = {"all": np.ones(sample.size, dtype=bool), **sample_masks}
        serious_given_counted = _serious_given_counted(sample, params)
        counts = reoffending_counts(sample, simulate_replication(sample, params, BASELINE, replication), params)
        for name, mask in groups.items():
            values.setdefault(name, [[], [], [], []])
            proven = counts.proven[mask]
            values[name][0].append(100.0 * proven.mean())
            values[name][1].append(100.0 * (proven > 0).mean())
            values[name][2].append(100.0 * counts.serious[mask].mean())
            values[name][3].append(100.0 * float((proven * serious_given_counted[mask]).mean()))

    return _achieved(values)


def _serious_given_counted(cohort: Cohort, params: ModelParams) -> np.ndarray:
    """Per offender: the probability that a counted re-offence is serious (for the Rao-Blackwellised count)."""
    serious_p = serious_probability(cohort.frame, params)
    court_share, pre_share = counted_share(cohort.kind, params, serious_p, cohort.kind == "youth")
    serious_court, serious_pre, _ = sanction_shares(cohort.kind, params, serious=True)
    counted_serious = serious_p * (serious_court + (serious_pre if cohort.kind == "youth" else 0.0))
    return np.divide(counted_serious, court_share + pre_share, out=np.zeros_like(serious_p),
                     where=(court_share + pre_share) > 0)


def _achieved(values: dict[str, list[list[float]]]) -> dict[str, Achieved]:
    def mean_se(x: list[float]) -> tuple[float, float]:
        a = np.asarray(x)
        return float(a.mean()), float(a.std(ddof=1) / np.sqrt(a.size)) if a.size > 1 else float("nan")

    out = {}
    for name, (f, b, s, e) in values.items():
        (fm, fs), (bm, bs), (sm, ss), (em, es) = map(mean_se, (f, b, s, e))
        out[name] = Achieved(fm, bm, sm, em, fs, bs, ss, es)
    return out


def calibrate_groups(
    cohort: Cohort,
    params: ModelParams,
    targets: list[GroupTarget],
    free: tuple[str, ...] = ("base_offending_rate", "heterogeneity_theta"),
    serious_per_100: float | None = None,
    seed: int = 2005,
    replications: int = 4,
    tolerance: float = 0.002,
    max_iterations: int = 10,
    on_iteration: Callable[[int, dict[str, Achieved]], None] | None = None,
    serious_mask: np.ndarray | None = None,
    within_noise: bool = False,
    samples: list[tuple[Cohort, dict[str, np.ndarray]]] | None = None,
    initial_aims: dict[str, tuple[float, float]] | None = None,
) -> CalibrationResult:
    """Fit the `free` parameters (and the serious share, if `serious_per_100` is given, for the offenders of
    `serious_mask`, by default everyone) so that the simulated frequency and binary rate of every target come
    within `tolerance` (relative) of it, or with `within_noise` within two Monte Carlo standard errors of it.
    The first target is the cohort's own ('all'). With `samples` (one cohort draw and its target masks per
    replication, including 'serious group' when `serious_mask` is used) the simulated rates are expectations
    over cohort draws, so the fit does not lean on one sample's composition; the closed forms use `cohort`.
    `initial_aims` starts the closed forms at given aims (frequency, binary) by target name instead of the targets
    (a re-fit that knows the correction from an earlier calibration)."""
    if not targets:
        raise ValueError("at least one target is needed")
    serious_group = "all" if serious_mask is None else "serious group"
    streams = [ReplicationStreams(s, cohort.size) for s in replication_seeds(seed, replications)]
    forms = ClosedForms(cohort, params, free)
    aims = [(t, *(initial_aims or {}).get(t.name, (t.frequency_per_100, t.binary_rate_percent))) for t in targets]
    previous: list[tuple[float, float, float, float]] | None = None
    serious_share = params.serious_share
    history: list[dict[str, float]] = []
    current = params
    converged = False
    achieved: dict[str, Achieved] = {}
    masks = {t.name: t.mask for t in targets}
    if serious_mask is not None:
        masks[serious_group] = serious_mask
    for iteration in range(1, max_iterations + 1):
        used_aims = {t.name: [t.frequency_per_100, aim_f, t.binary_rate_percent, aim_b] for t, aim_f, aim_b in aims}
        x = forms.solve(aims)
        current = merged_params(params, {**forms.overrides(x), "serious_share": serious_share}, source="calibration")
        achieved = simulate_rates(cohort, current, streams, masks, samples)
        record: dict[str, float] = {"iteration": iteration, "serious_share": serious_share}
        record.update({name: float(v) for name, v in zip(free, x, strict=True)})
        for target, aim_f, aim_b in aims:
            got = achieved[target.name]
            record[f"{target.name}: aim frequency"] = aim_f
            record[f"{target.name}: frequency"] = got.frequency_per_100
            record[f"{target.name}: aim binary"] = aim_b
            record[f"{target.name}: binary"] = got.binary_rate_percent
        record["serious_per_100_expected"] = achieved[serious_group].serious_per_100_expected
        history.append(record)
        if on_iteration is not None:
            on_iteration(iteration, achieved)
        # A target counts as hit within the tolerance or (`within_noise`) within two Monte Carlo standard errors:
        # chasing the noise of a small group (1,402 women left custody in 2004 Q1) would never settle.
        noise = 2.0 if within_noise else 0.0
        hits = []
        for target, _, _ in aims:
            got = achieved[target.name]
            hits.append((
                _hit(got.frequency_per_100, target.frequency_per_100, noise * got.frequency_se, tolerance),
                _hit(got.binary_rate_percent, target.binary_rate_percent, noise * got.binary_se, tolerance),
            ))
        serious_hit = serious_per_100 is None or _hit(
            achieved[serious_group].serious_per_100_expected, serious_per_100,
            noise * achieved[serious_group].serious_expected_se, tolerance)
        if all(f and b for f, b in hits) and serious_hit:
            converged = True
            break
        new_aims = []
        for position, (target, aim_f, aim_b) in enumerate(aims):
            got = achieved[target.name]
            before = previous[position] if previous is not None else None
            frequency_hit, binary_hit = hits[position]
            new_aims.append((
                target,
                aim_f if frequency_hit else _next_aim(aim_f, got.frequency_per_100, target.frequency_per_100,
                                                      None if before is None else (before[0], before[1])),
                aim_b if binary_hit else _next_aim(aim_b, got.binary_rate_percent, target.binary_rate_percent,
                                                   None if before is None else (before[2], before[3])),
            ))
        previous = [(aim_f, achieved[t.name].frequency_per_100, aim_b, achieved[t.name].binary_rate_percent)
                    for t, aim_f, aim_b in aims]
        aims = new_aims
        if serious_per_100 is not None and achieved[serious_group].serious_per_100_expected > 0:
            serious_share *= serious_per_100 / achieved[serious_group].serious_per_100_expected
            serious_share = min(serious_share, 1.0 / max(current.serious_ratio_by_index_group.values()))
    overall = targets[0]
    groups = {
        t.name: {
            "target_frequency_per_100": t.frequency_per_100,
            "frequency_per_100": round(achieved[t.name].frequency_per_100, 4),
            "frequency_mc_se": round(achieved[t.name].frequency_se, 4),
            "target_binary_rate_percent": t.binary_rate_percent,
            "binary_rate_percent": round(achieved[t.name].binary_rate_percent, 4),
            "binary_mc_se": round(achieved[t.name].binary_se, 4),
        }
        for t in targets
    }
    return CalibrationResult(
        params=current,
        targets=Targets(overall.frequency_per_100, overall.binary_rate_percent, serious_per_100),
        achieved=achieved[overall.name],
        iterations=history,
        converged=converged,
        groups=groups,
        aims=used_aims,
    )


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
    """Fit base_offending_rate, heterogeneity_theta and (if targeted) serious_share to the whole cohort's
    figures; see the module notes. `tolerance` is the relative distance from each target at which the fit stops.
    """
    if cohort.kind != "adult":
        raise SimulationInputError(
            "calibrate: the published targets are for the adult cohort; use an adult cohort"
        )
    # Refuse unreachable targets before any simulation (the homogeneous-theta closed forms bound them).
    solve_closed_form(expected_count_per_unit_base(cohort, params), targets.frequency_per_100,
                      targets.binary_rate_percent)
    everyone = GroupTarget("all", np.ones(cohort.size, dtype=bool), targets.frequency_per_100,
                           targets.binary_rate_percent)

    def report(iteration: int, achieved: dict[str, Achieved]) -> None:
        if on_iteration is not None:
            on_iteration(iteration, achieved["all"])

    return calibrate_groups(cohort, params, [everyone], ("base_offending_rate", "heterogeneity_theta"),
                            targets.serious_per_100, seed, replications, tolerance, max_iterations, report)


def _hit(achieved: float, target: float, noise: float, tolerance: float) -> bool:
    """Within the relative tolerance of the target, or within `noise` of it."""
    allowed = max(tolerance * abs(target), noise if np.isfinite(noise) else 0.0)
    return abs(achieved - target) <= allowed


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


__all__ = [
    "Achieved",
    "CalibrationResult",
    "ClosedForms",
    "GroupTarget",
    "Targets",
    "calibrate",
    "calibrate_groups",
    "closed_form_rates",
    "expected_count_per_unit_base",
    "simulate_rates",
    "solve_closed_form",
]
