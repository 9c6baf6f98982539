"""Programmes as national services in steady state: places from the throughput, outside referrals from the cohort.

A programme runs all year for everyone eligible, not for one quarter's cohort. Its scale is sourced as a yearly
throughput T (`starts_per_year`: programme starts a year) or as places (`capacity`, e.g. the PPO caseload); each
gives the other through the mean stay (completers stay `programme_days`, drop-outs leave at a uniform point of it):
places = T x mean stay / 365.

Referrals from outside the simulated Q1 cohort are then *derived* (when a scenario does not give them): the cohort
refers R = eligible x uptake offenders nationally (its own referral rate), and it is one of four quarters, so in
steady state the other quarters bring 3R a year; other sources (prisons, offenders part-way through an order) fill
the rest of the throughput when 4R falls short of it. Outside referrals a year are therefore max(T - R, 3R), and a
Q1 cohort takes its steady-state share of the places: all its referrals when the service has room for four
quarters' worth, about a quarter of the starts when it is oversubscribed (the waiting list rations them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.inputs.assumptions import Assumption
from simulation.inputs.interventions import InterventionSpec, Scenario, eligible
from simulation.inputs.vocabulary import DAYS_PER_YEAR

if TYPE_CHECKING:
    from simulation.inputs.cohort import Cohort

QUARTERS = 4


def mean_stay_days(spec: InterventionSpec) -> float:
    """Mean days a starter holds a place (`InterventionSpec.mean_stay_days`)."""
    return spec.mean_stay_days()


def places_for(spec: InterventionSpec) -> int:
    """Places a throughput of `starts_per_year` needs (`InterventionSpec.places_for_throughput`)."""
    return spec.places_for_throughput()


def annual_starts(spec: InterventionSpec) -> float | None:
    """The service's yearly throughput: given, or what its places allow when always in use; None if unlimited."""
    if spec.starts_per_year is not None:
        return spec.starts_per_year.value
    if spec.capacity is None:
        return None
    return spec.capacity * DAYS_PER_YEAR / mean_stay_days(spec)


def cohort_referrals(spec: InterventionSpec, cohort: Cohort) -> float:
    """The Q1 cohort's own referrals, nationally: its eligible offenders (scaled up) who take the offer."""
    return float(eligible(spec.eligibility, cohort.frame).sum()) / cohort.scale * spec.uptake.value


def outside_per_year(starts: float, referrals: float) -> float:
    """Outside referrals a year for a throughput and the cohort's own referrals (see the module docstring)."""
    return max(starts - referrals, (QUARTERS - 1) * referrals)


def derive_services(scenario: Scenario, cohort: Cohort) -> Scenario:
    """The scenario with, for this cohort, each service's places re-derived from its (possibly drawn) throughput
    and its outside referrals derived where the scenario leaves them to be (`referral_flow` without `per_year`)."""
    interventions = []
    changed = False
    for spec in scenario.interventions:
        update: dict[str, object] = {}
        if spec.starts_per_year is not None:
            update["capacity"] = places_for(spec)
        flow = spec.referral_flow
        if flow is not None and flow.derived and spec.cohort in (cohort.kind, "both"):
            starts = annual_starts(spec.model_copy(update=update))
            if starts is not None:
                referrals = cohort_referrals(spec, cohort)
                value = outside_per_year(starts, referrals)
                update["referral_flow"] = flow.model_copy(update={"given": Assumption(
                    value=value, range=(value, value),
                    source=f"derived: max(T - R, 3R) with T = {starts:,.0f} starts a year and R = {referrals:,.0f} "
                           "referrals from this Q1 cohort (services.py)")})
        if update:
            changed = True
            spec = spec.model_copy(update=update)
        interventions.append(spec)
    return scenario.model_copy(update={"interventions": interventions}) if changed else scenario
