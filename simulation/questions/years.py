"""Year effects: what changes from one annual Q1 cohort to the next, calibrated to the published series.

Each adult year with a figure (`figures.yaml`: published, or a marked assumption with a range, or the user's
own figure) has its own base offending rate, heterogeneity and serious share, fitted so that the simulated
cohort of that year reproduces its frequency, binary rate and serious rate (`calibrate.calibrate_groups`).
The 2004 fit also reproduces the published 2004 Q1 custody-leaver figures by sex, which fixes the custody
effect, the custody heterogeneity and the sex effect for custody leavers for every year (`global`).

Years after the last figure follow an assumed yearly trend (1.0 a year, range 0.97 to 1.03). Youth rates have
no published figure: they follow the adult 2005 fit times an assumed youth trend and are *uncalibrated*,
unless the user gives youth figures, which are then calibrated to.

The calibration keeps, for every target, the *aim* the closed forms were given (the target corrected for
what they leave out, custody above all). Drawing an assumption from its range (`--uncertainty`) re-solves the
closed forms at the drawn target times the same correction, so every draw still reproduces its figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort
from simulation.inputs.figures import BASELINE_YEAR, Figures
from simulation.inputs.params import ModelParams, default_params, merged_params
from simulation.inputs.vocabulary import CohortKind
from simulation.inputs.year_effects import YEAR_FIELDS, YearEffects
from simulation.questions.calibrate import calibrate_groups
from simulation.questions.closed_forms import ClosedForms, GroupTarget

GLOBAL_FREE = (
    "theta_ratio_by_disposal.custody",
    "disposal_log_rate_ratio.custody",
    "female_log_rate_ratio.custody",
)


def year_targets(figures: Figures, kind: str, year: int, cohort: Cohort, values: dict[str, float] | None = None,
                 custody_check: Cohort | None = None) -> list[GroupTarget]:
    """The group targets of one year: the whole cohort, and in 2004 for adults the custody leavers by sex.

    `values` replaces figures by name (a drawn assumption). With `custody_check`, the custody targets are masks
    on the combined cohort (the year's cohort followed by the check cohort)."""
    values = values or {}
    measures = getattr(figures, kind)[year]
    frequency = values.get("frequency_per_100", measures["frequency_per_100"].value)
    binary = values.get("binary_rate_percent", measures["binary_rate_percent"].value)
    published = measures["frequency_per_100"].status != "assumed"
    n_main = cohort.size
    total = n_main + (custody_check.size if custody_check is not None else 0)
    main = np.zeros(total, dtype=bool)
    main[:n_main] = True
    targets = [GroupTarget("all", main, frequency, binary, 1.0 if published else 0.5)]
    if kind == "adult" and year == BASELINE_YEAR and custody_check is not None:
        frame = custody_check.frame
        for sex, name in (("male", "custody leavers, men"), ("female", "custody leavers, women")):
            mask = np.zeros(total, dtype=bool)
            mask[n_main:] = ((frame["disposal"] == "custody") & (frame["sex"] == sex)).to_numpy()
            sex_figures = figures.custody_leavers_2004[sex]  # type: ignore[index]
            targets.append(GroupTarget(name, mask, sex_figures.frequency_per_100.value,
                                       sex_figures.binary_rate_percent.value))
    return targets


def combined(cohort: Cohort, check: Cohort | None) -> Cohort:
    """The year's cohort followed by the custody check cohort (offenders are independent in the baseline, so
    subgroup rates can be read off an oversampled cohort of their own)."""
    if check is None:
        return cohort
    frame = pd.concat([cohort.frame, check.frame], ignore_index=True)
    return Cohort(cohort.kind, frame, f"{cohort.source} + {check.source}", None)


def calibrate_years(
    cohorts: Mapping[tuple[str, int], Cohort],
    figures: Figures,
    params: ModelParams | None = None,
    custody_check: Cohort | None = None,
    seed: int = 2004,
    replications: int = 4,
    tolerance: float = 0.003,
    on_year: Any = None,
    draws: Mapping[tuple[str, int], list[tuple[Cohort, Cohort]]] | None = None,
) -> YearEffects:
    """Fit every (kind, year) with figures. The adult baseline year (2004) goes first, with the custody-leaver
    targets, and fixes the global parameters; the others fit base rate, heterogeneity and serious share.

    `draws` gives, per (kind, year), a cohort draw and a check-cohort draw for each replication: the simulated
    rates are then expectations over cohort draws (the closed forms use `cohorts` and `custody_check`)."""
    params = params if params is not None else default_params()
    effects = YearEffects()
    order = sorted(cohorts, key=lambda key: (key[0] != "adult", key[1] != BASELINE_YEAR, key[1]))
    for kind, year in order:
        cohort = cohorts[(kind, year)]
        measures = getattr(figures, kind)[year]
        serious = measures["serious_per_100"].value if "serious_per_100" in measures else None
        joint = kind == "adult" and year == BASELINE_YEAR and custody_check is not None
        fitted_on = combined(cohort, custody_check if joint else None)
        targets = year_targets(figures, kind, year, cohort, custody_check=custody_check if joint else None)
        free = ("base_offending_rate", "heterogeneity_theta", *(GLOBAL_FREE if joint else ()))
        start = effects.base_params(params)
        samples = None
        if draws is not None and (kind, year) in draws:
            samples = []
            for main, check in draws[(kind, year)][:replications]:
                sample_targets = year_targets(figures, kind, year, main, custody_check=check if joint else None)
                masks = {t.name: t.mask for t in sample_targets}
                masks["serious group"] = sample_targets[0].mask
                samples.append((combined(main, check if joint else None), masks))
        result = calibrate_groups(fitted_on, start, targets, free, serious, seed + year, replications, tolerance,
                                  max_iterations=12, serious_mask=targets[0].mask, within_noise=True,
                                  samples=samples)
        fitted = result.params
        if joint:
            effects.global_ = {
                "theta_ratio_by_disposal": {"custody": fitted.theta_ratio_by_disposal["custody"]},
                "disposal_log_rate_ratio": {"custody": fitted.disposal_log_rate_ratio["custody"]},
                "female_log_rate_ratio": {"custody": fitted.female_log_rate_ratio["custody"]},
            }
        getattr(effects, kind)[year] = {name: float(getattr(fitted, name)) for name in YEAR_FIELDS}
        effects.aims.setdefault(kind, {})[year] = result.aims
        effects.record.setdefault(kind, {})[year] = result.record()
        if on_year is not None:
            on_year(kind, year, result)
    return effects


def year_params(
    effects: YearEffects,
    figures: Figures,
    kind: str,
    year: int,
    params: ModelParams,
    trend: dict[str, float] | None = None,
) -> tuple[ModelParams, str]:
    """Parameters of one kind's cohort in one year, and its calibration status ('calibrated' or 'uncalibrated').

    A year with a fit uses it; an adult year after the last fit continues from it by the adult trend; a youth
    year without a fit continues from the nearest youth fit by the youth trend, or, with none, from the adult
    2005 fit (uncalibrated). `trend` replaces the trend factors by name (a drawn assumption).
    """
    trend = trend or {}
    base = effects.base_params(params)
    fitted = getattr(effects, kind)
    if year in fitted:
        return merged_params(base, fitted[year], source=f"year effects ({kind} {year})"), "calibrated"
    if kind == "adult" or fitted:
        reference = max((y for y in fitted if y <= year), default=min(fitted))
        name = "adult_after_last_figure" if kind == "adult" else "youth"
        status = "calibrated (trend assumed)" if kind == "adult" else "calibrated (nearest year, trend assumed)"
        values = dict(fitted[reference])
    else:
        reference = max(effects.adult)
        name, status = "youth", "uncalibrated"
        values = dict(effects.adult[reference])
    factor = trend.get(name, figures.trends[name].value)  # type: ignore[index]
    values["base_offending_rate"] *= factor ** (year - reference)
    return merged_params(base, values, source=f"year effects ({kind} {year})"), status


def resolve_year(
    cohort: Cohort,
    params: ModelParams,
    effects: YearEffects,
    figures: Figures,
    kind: str,
    year: int,
    drawn: dict[str, float],
    custody_check: Cohort | None = None,
    refine: int = 0,
    seed: int = 0,
) -> ModelParams:
    """Parameters of a calibrated year re-solved for drawn figures and model assumptions.

    Each target's aim starts at the drawn figure times the calibration's correction (aim / target) and the
    closed forms are solved there. The correction depends on the custody assumptions, which a draw may move, so
    with `refine` > 0 the year is then re-calibrated from those aims by up to `refine` simulation steps (one
    replication each, from `seed`), until every figure is within 1% or two Monte Carlo standard errors. The
    serious share is scaled by the drawn serious figure over the calibrated one."""
    year_aims = effects.aims.get(kind, {}).get(year)
    if year_aims is None:
        return params
    joint = kind == "adult" and year == BASELINE_YEAR and custody_check is not None and len(year_aims) > 1
    targets = year_targets(figures, kind, year, cohort, drawn, custody_check if joint else None)
    aims = []
    for target in targets:
        target_f, aim_f, target_b, aim_b = year_aims[target.name]
        aims.append((target, target.frequency_per_100 * aim_f / target_f,
                     target.binary_rate_percent * aim_b / target_b))
    free = ("base_offending_rate", "heterogeneity_theta", *(GLOBAL_FREE if joint else ()))
    fitted_on = combined(cohort, custody_check if joint else None)
    serious = getattr(figures, kind)[year].get("serious_per_100")
    serious_share = params.serious_share
    if serious is not None and "serious_per_100" in drawn:
        serious_share = params.serious_share * drawn["serious_per_100"] / serious.value
    if refine > 0:
        start = merged_params(params, {"serious_share": serious_share}, source=f"drawn year effects ({kind} {year})")
        result = calibrate_groups(fitted_on, start, targets, free, None, seed, 1, 0.01, refine, within_noise=True,
                                  initial_aims={t.name: (a_f, a_b) for t, a_f, a_b in aims})
        return result.params
    forms = ClosedForms(fitted_on, params, free)
    overrides = forms.overrides(forms.solve(aims))
    overrides["serious_share"] = serious_share
    return merged_params(params, overrides, source=f"drawn year effects ({kind} {year})")


def custody_check_spec() -> Any:
    """The 2004 custody-leaver check cohort: adult custody leavers only, half of them women, so that both
    sexes' rates are precise (the real cohort has 1,402 women among 15,761 custody leavers)."""
    from simulation.inputs.cohort import ADULT_SPEC

    return ADULT_SPEC.model_copy(update={
        "disposal_shares": {"custody": 1.0, "community": 0.0},
        "female_share": {"custody": 0.5, "community": 0.5},
    })


def calibrate_all_years(
    figures: Figures,
    size: int = 40_000,
    check_size: int = 20_000,
    seed: int = 2004,
    replications: int = 4,
    drift: pd.DataFrame | None = None,
    params: ModelParams | None = None,
    on_year: Any = None,
) -> YearEffects:
    """Calibrate every year with figures on generated cohorts of `size` (each year's spec from `drift`), the
    2004 custody-leaver figures on a check cohort of `check_size`."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.inputs.drift import spec_for_year
    from simulation.runs.tasks import COHORT_DRAW_KEY, cohort_seed

    cohorts: dict[tuple[str, int], Cohort] = {}
    draws: dict[tuple[str, int], list[tuple[Cohort, Cohort]]] = {}
    kinds: tuple[CohortKind, ...] = ("adult", "youth")
    checks = [generate_cohort("adult", check_size, np.random.SeedSequence(seed + 1, spawn_key=(COHORT_DRAW_KEY, r)),
                              custody_check_spec()) for r in range(replications)]
    for kind in kinds:
        for year in figures.years(kind):
            spec = spec_for_year(kind, year, drift)
            cohorts[(kind, year)] = generate_cohort(kind, size, cohort_seed(seed), spec)
            draws[(kind, year)] = [
                (generate_cohort(kind, size, np.random.SeedSequence(seed, spawn_key=(COHORT_DRAW_KEY, r)), spec),
                 checks[r])
                for r in range(replications)
            ]
    check = generate_cohort("adult", check_size, cohort_seed(seed + 1), custody_check_spec())
    return calibrate_years(cohorts, figures, params, check, seed, replications, on_year=on_year, draws=draws)
