"""Year effects: what changes from one annual Q1 cohort to the next, calibrated to the published series.

Each year with a figure (`figures.yaml`: published, a marked assumption with a range, or the user's own) has its
own base offending rate, heterogeneity and serious share, fitted so that the simulated cohort of that year
reproduces its frequency, binary rate and serious rate (`calibrate.calibrate_groups`). Where a disposal is
published the same year, the year is fitted jointly to it:

* adults: the custody leavers every published year (Hansard 11 Dec 2008), which fixes that year's custody effect
  and custody heterogeneity; in 2004 also the custody leavers by sex, on an oversampled check cohort, which fixes
  the sex effect for custody leavers (global: every adult year);
* juveniles: those leaving custody (binary rate, 2005 and 2006) fix the juvenile custody effect, and in 2005 an
  assumed community-penalty rate the community effect (global for juveniles, from 2005).

A year without figures takes the parameters of the fits around it: between two fitted years the base rate is
interpolated geometrically; after the last, it moves by the trend fitted to the published series (`trends.py`,
overridden by `--trend`). A cohort kind without any figure is *uncalibrated*: it borrows the adult fit, and the
A.38 probabilities that depend on it are not estimable.

The calibration keeps, for every target, the *aim* the closed forms were given (the target corrected for what
they leave out, custody above all). Drawing an assumption from its range (`--uncertainty`) re-solves the closed
forms at the drawn target times the same correction, so every draw still reproduces its figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort
from simulation.inputs.figures import BASELINE_YEAR, Figure, Figures, GroupFigures
from simulation.inputs.params import ModelParams, default_params, merged_params
from simulation.inputs.vocabulary import CohortKind
from simulation.inputs.year_effects import REFERENCE_YEARS, YEAR_FIELDS, YearEffects
from simulation.questions.calibrate import calibrate_groups
from simulation.questions.closed_forms import ClosedForms, GroupTarget

ADULT_CUSTODY_FREE = ("theta_ratio_by_disposal.custody", "disposal_log_rate_ratio.custody")
"""Fitted in every adult year with published custody leavers."""
ADULT_GLOBAL_FREE = ("female_log_rate_ratio.custody",)
"""Fitted once, in 2004, from the custody leavers by sex."""
ASSUMED_WEIGHT = 0.5
"""Weight of a target built on an assumed figure in the closed-form least squares (published ones weigh 1)."""


def _weight(*figures: Figure | None) -> float:
    return 1.0 if all(f is None or f.is_evidence for f in figures) else ASSUMED_WEIGHT


def _group_target(name: str, mask: np.ndarray, group: GroupFigures, values: Mapping[str, float],
                  prefix: str) -> GroupTarget | None:
    binary = values.get(f"{prefix}.binary_rate_percent", group.value("binary_rate_percent"))
    if binary is None:
        return None
    frequency = values.get(f"{prefix}.frequency_per_100", group.value("frequency_per_100"))
    return GroupTarget(name, mask, frequency, binary, _weight(group.frequency_per_100, group.binary_rate_percent))


def year_targets(figures: Figures, kind: str, year: int, cohort: Cohort, values: Mapping[str, float] | None = None,
                 custody_check: Cohort | None = None) -> list[GroupTarget]:
    """The group targets of one year: the whole cohort, and the disposal groups published that year (adults: the
    custody leavers, and in 2004 with `custody_check` the custody leavers by sex, as masks on the combined cohort:
    the year's cohort followed by the check cohort; juveniles: custody and community).

    `values` replaces figures by name: a whole-cohort measure (`frequency_per_100`) or a group's
    (`youth_custody.binary_rate_percent`), as drawn by `--uncertainty`."""
    values = values or {}
    measures = getattr(figures, kind)[year]
    frequency = values.get("frequency_per_100", measures["frequency_per_100"].value)
    binary = values.get("binary_rate_percent", measures["binary_rate_percent"].value)
    n_main = cohort.size
    total = n_main + (custody_check.size if custody_check is not None else 0)
    main = np.zeros(total, dtype=bool)
    main[:n_main] = True
    targets = [GroupTarget("all", main, frequency, binary,
                           _weight(measures["frequency_per_100"], measures["binary_rate_percent"]))]
    disposal = np.zeros(total, dtype=object)
    disposal[:n_main] = cohort.frame["disposal"].to_numpy()
    sections = (("custody", "adult_custody"),) if kind == "adult" else (("custody", "youth_custody"),
                                                                       ("community", "youth_community"))
    for name, section in sections:
        group = getattr(figures, section).get(year)
        if group is not None:
            target = _group_target(name, main & (disposal == name), group, values, section)
            if target is not None:
                targets.append(target)
    if kind == "adult" and year == BASELINE_YEAR and custody_check is not None:
        frame = custody_check.frame
        for sex, name in (("male", "custody leavers, men"), ("female", "custody leavers, women")):
            mask = np.zeros(total, dtype=bool)
            mask[n_main:] = ((frame["disposal"] == "custody") & (frame["sex"] == sex)).to_numpy()
            target = _group_target(name, mask, figures.custody_leavers_2004[sex], {}, "")  # type: ignore[index]
            if target is not None:
                targets.append(target)
    return targets


def free_parameters(kind: str, targets: list[GroupTarget] | list[str]) -> tuple[str, ...]:
    """What one year's fit solves for, given its targets (or their names)."""
    names = {t if isinstance(t, str) else t.name for t in targets}
    free: tuple[str, ...] = ("base_offending_rate", "heterogeneity_theta")
    if kind == "adult":
        if "custody" in names or "custody leavers, men" in names:
            free += ADULT_CUSTODY_FREE
        if "custody leavers, women" in names:
            free += ADULT_GLOBAL_FREE
    else:
        if "custody" in names:
            free += ("disposal_log_rate_ratio.custody",)
        if "community" in names:
            free += ("disposal_log_rate_ratio.community",)
    return free


def fitted_values(params: ModelParams, free: tuple[str, ...]) -> dict[str, Any]:
    """A year's entry in the year-effects file: its own fields and the custody effects it fitted."""
    out: dict[str, Any] = {name: float(getattr(params, name)) for name in YEAR_FIELDS}
    for name in free:
        field, _, key = name.partition(".")
        if key and name not in ADULT_GLOBAL_FREE:
            out.setdefault(field, {})[key] = float(getattr(params, field)[key])
    return out


def global_values(params: ModelParams, free: tuple[str, ...]) -> dict[str, Any]:
    """The global overrides a reference year's fit sets for its kind (every dotted parameter it fitted)."""
    out: dict[str, Any] = {}
    for name in free:
        field, _, key = name.partition(".")
        if key:
            out.setdefault(field, {})[key] = float(getattr(params, field)[key])
    return out


def combined(cohort: Cohort, check: Cohort | None) -> Cohort:
    """The year's cohort followed by the custody check cohort (offenders are independent in the baseline, so
    subgroup rates can be read off an oversampled cohort of their own)."""
    if check is None:
        return cohort
    frame = pd.concat([cohort.frame, check.frame], ignore_index=True)
    return Cohort(cohort.kind, frame, f"{cohort.source} + {check.source}", None)


def fit_order(keys: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Adults first, each kind's reference year first (it sets the kind's global parameters)."""
    return sorted(keys, key=lambda key: (key[0] != "adult", key[1] != REFERENCE_YEARS[key[0]], key[1]))


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
    effects: YearEffects | None = None,
) -> YearEffects:
    """Fit every (kind, year) of `cohorts`, each kind's reference year first (see the module docstring), on top
    of `effects` if given (a partial re-fit keeps the other years and the globals it does not re-fit).

    `draws` gives, per (kind, year), a cohort draw and a check-cohort draw for each replication: the simulated
    rates are then expectations over cohort draws (the closed forms use `cohorts` and `custody_check`)."""
    params = params if params is not None else default_params()
    effects = effects.model_copy(deep=True) if effects is not None else YearEffects()
    for kind, year in fit_order(list(cohorts)):
        cohort = cohorts[(kind, year)]
        measures = getattr(figures, kind)[year]
        serious = measures["serious_per_100"].value if measures.get("serious_per_100") is not None else None
        joint = kind == "adult" and year == BASELINE_YEAR and custody_check is not None
        fitted_on = combined(cohort, custody_check if joint else None)
        targets = year_targets(figures, kind, year, cohort, custody_check=custody_check if joint else None)
        free = free_parameters(kind, targets)
        start = effects.base_params(params, kind)
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
        if year == REFERENCE_YEARS[kind]:
            chosen = effects.global_ if kind == "adult" else effects.global_youth
            chosen.clear()
            chosen.update(global_values(result.params, free))
        getattr(effects, kind)[year] = fitted_values(result.params, free)
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
    trend: Mapping[str, float] | None = None,
) -> tuple[ModelParams, str]:
    """Parameters of one kind's cohort in one year, and its calibration status.

    A fitted year uses its fit ('calibrated'); a year between two fits interpolates the base rate geometrically
    ('interpolated A-B'); a year after the last fit continues it by the kind's yearly `trend` factor ('trend
    from L'); a year before the first takes the first fit. A kind with no fit borrows the adult fit of the same
    year ('uncalibrated'). `trend` gives each kind's factor (the fitted trend, or `--trend`); a kind missing from
    it stays flat."""
    del figures  # the fits carry everything; kept for the callers' symmetry with `year_targets`
    trend = trend or {}
    fitted = getattr(effects, kind)
    if not fitted:
        adult, _ = year_params(effects, Figures.model_construct(), "adult", year, params, trend)
        return adult, "uncalibrated"
    base = effects.base_params(params, kind)
    if year in fitted:
        return merged_params(base, fitted[year], source=f"year effects ({kind} {year})"), "calibrated"
    before = [y for y in fitted if y < year]
    after = [y for y in fitted if y > year]
    if before and after:
        low, high = max(before), min(after)
        values = dict(fitted[low])
        share = (year - low) / (high - low)
        values["base_offending_rate"] = float(np.exp((1 - share) * np.log(fitted[low]["base_offending_rate"])
                                                     + share * np.log(fitted[high]["base_offending_rate"])))
        status = f"interpolated {low}-{high}"
    elif before:
        reference = max(before)
        values = dict(fitted[reference])
        factor = trend.get(kind, 1.0)
        values["base_offending_rate"] *= factor ** (year - reference)
        status = f"trend from {reference} (x{factor:.3f} a year)"
    else:
        reference = min(after)
        values = dict(fitted[reference])
        status = f"as {reference}"
    return merged_params(base, values, source=f"year effects ({kind} {year})"), status


def resolve_year(
    cohort: Cohort,
    params: ModelParams,
    effects: YearEffects,
    figures: Figures,
    kind: str,
    year: int,
    drawn: Mapping[str, float],
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
    joint = kind == "adult" and year == BASELINE_YEAR and custody_check is not None and len(year_aims) > 2
    targets = [t for t in year_targets(figures, kind, year, cohort, drawn, custody_check if joint else None)
               if t.name in year_aims]
    aims: list[tuple[GroupTarget, float | None, float]] = []
    for target in targets:
        target_f, aim_f, target_b, aim_b = year_aims[target.name]
        assert target_b is not None and aim_b is not None
        frequency = None
        if target.frequency_per_100 is not None and target_f is not None and aim_f is not None:
            frequency = target.frequency_per_100 * aim_f / target_f
        aims.append((target, frequency, target.binary_rate_percent * aim_b / target_b))
    free = free_parameters(kind, targets)
    fitted_on = combined(cohort, custody_check if joint else None)
    serious = figures.figure(kind, year, "serious_per_100")
    serious_share = params.serious_share
    if serious is not None and serious.value is not None and "serious_per_100" in drawn:
        serious_share = params.serious_share * drawn["serious_per_100"] / serious.value
    if refine > 0:
        start = merged_params(params, {"serious_share": serious_share}, source=f"drawn year effects ({kind} {year})")
        result = calibrate_groups(fitted_on, start, targets, free, None, seed, 1, 0.01, refine, within_noise=True,
                                  initial_aims={t.name: (a_f, a_b) for t, a_f, a_b in aims})  # type: ignore[misc]
        return result.params
    forms = ClosedForms(fitted_on, params, free)
    overrides = forms.overrides(forms.solve(aims))
    overrides["serious_share"] = serious_share
    return merged_params(params, overrides, source=f"drawn year effects ({kind} {year})")


DEFAULTS_YEAR = 2005
"""The year whose fits are `simulate run`'s calibrated defaults (the last year with adult and juvenile figures all
published before the PSA 23 period, and the national target's base year)."""


def defaults_document(effects: YearEffects, params: ModelParams, command: str, year: int = DEFAULTS_YEAR) -> str:
    """The calibrated-defaults file (`simulation/inputs/calibrated_defaults.yaml`): every parameter of the adult fit
    of `year` (with the adult globals), and a `youth` block with what the juvenile fit of `year` changes."""
    import yaml

    adult = merged_params(effects.base_params(params, "adult"), effects.adult[year], source=f"adult {year} fit")
    youth: dict[str, Any] = {}
    for source in (effects.global_youth, effects.youth.get(year, {})):
        for name, value in source.items():
            youth[name] = {**youth.get(name, {}), **value} if isinstance(value, dict) else value
    header = (f"# Calibrated defaults used by `safer simulate run`: the {year} Q1 adult fit of the bundled year\n"
              f"# effects (simulation/inputs/year_effects.yaml), and under `youth` what the {year} juvenile fit\n"
              f"# changes for juvenile cohorts. Written by `{command}`.\n")
    return header + yaml.safe_dump({"parameters": adult.model_dump(), "youth": youth}, sort_keys=False,
                                   allow_unicode=True)


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
