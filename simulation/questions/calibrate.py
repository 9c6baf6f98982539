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

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import BASELINE
from simulation.inputs.params import ModelParams, merged_params
from simulation.measures.reoffending import reoffending_counts
from simulation.model.cohort_simulation import simulate_replication
from simulation.model.streams import ReplicationStreams
from simulation.questions.closed_forms import (
    ClosedForms,
    GroupTarget,
    _serious_given_counted,
    closed_form_rates,
    expected_count_per_unit_base,
    solve_closed_form,
)
from simulation.runs.tasks import replication_seeds


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
    groups: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """Target and achieved figures of every group target."""
    aims: dict[str, list[float | None]] = field(default_factory=dict)
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
    aims: list[tuple[GroupTarget, float | None, float]] = [
        (t, *(initial_aims or {}).get(t.name, (t.frequency_per_100, t.binary_rate_percent))) for t in targets
    ]
    previous: list[tuple[float | None, float, float, float]] | None = None
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
            if aim_f is not None:
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
                target.frequency_per_100 is None
                or _hit(got.frequency_per_100, target.frequency_per_100, noise * got.frequency_se, tolerance),
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
                aim_f if frequency_hit or aim_f is None or target.frequency_per_100 is None
                else _next_aim(aim_f, got.frequency_per_100, target.frequency_per_100,
                               None if before is None or before[0] is None else (before[0], before[1])),
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
    if overall.frequency_per_100 is None:
        raise ValueError("the first target (the whole cohort) needs a frequency")
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
