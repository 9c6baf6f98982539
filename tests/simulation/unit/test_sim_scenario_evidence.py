"""Every bundled scenario quantity has its evidence or says why it is assumed; its range comes from the evidence;
scale comes from sourced volumes; and outside referrals give a Q1 cohort its steady-state share of the places."""

from __future__ import annotations

import dataclasses

import pytest

from simulation.inputs.assumptions import Assumption
from simulation.inputs.cohort import generate_cohort
from simulation.inputs.interventions import InterventionSpec, bundled_scenario_ids, load_scenario, scenario_path
from simulation.inputs.services import annual_starts, cohort_referrals, derive_services, mean_stay_days
from simulation.inputs.uncertainty import SCENARIO_FIELDS
from simulation.runs.runner import cohort_seed

SETTINGS = ("eligibility", "capacity", "priority", "max_wait_days", "programme_days", "effect_days", "decay",
            "half_life_days", "referral_flow")
"""Intervention settings that are not `Assumption`s: each one a scenario file gives needs a source."""
REASON = 20
"""An assumption's reason: at least this many characters after 'Assumption:'."""
SCALED = {"cognitive_behavioural", "drug_treatment", "ppo", "youth_early_intervention"}
"""Scenarios whose scale (throughput or places) must come from a published volume."""


def _scenarios():
    return [(name, load_scenario(scenario_path(name))) for name in bundled_scenario_ids()]


def _assumptions(scenario) -> list[tuple[str, Assumption]]:
    out = [(f"policy.{name}", value) for name, value in scenario.policy.items()]
    for spec in scenario.interventions:
        out += [(f"{spec.name}.{field}", getattr(spec, field)) for field in SCENARIO_FIELDS
                if getattr(spec, field) is not None]
        if spec.referral_flow is not None and not spec.referral_flow.derived:
            out.append((f"{spec.name}.referral_flow.per_year", spec.referral_flow.per_year))
    return out


def _given_settings(spec: InterventionSpec) -> list[str]:
    return [name for name in SETTINGS if name in spec.model_fields_set]


@pytest.mark.parametrize("name, scenario", _scenarios(), ids=bundled_scenario_ids())
def test_every_quantity_cites_its_evidence_or_says_why_it_is_assumed(name, scenario):
    for label, assumption in _assumptions(scenario):
        if assumption.evidence:
            for study in assumption.evidence:
                assert any(ch.isdigit() for ch in study.citation), f"{name} {label}: {study.citation!r} has no year"
            continue
        text = assumption.source.strip()
        assert text.lower().startswith("assumption:") and len(text) >= len("assumption:") + REASON, (
            f"{name} {label}: no evidence, so its source must say 'Assumption: <reason>'; found {text!r}")


@pytest.mark.parametrize("name, scenario", _scenarios(), ids=bundled_scenario_ids())
def test_every_setting_given_has_a_source(name, scenario):
    for spec in scenario.interventions:
        for setting in _given_settings(spec):
            source = spec.sources.get(setting, "")
            assert len(source) >= REASON, f"{name} {spec.name}.{setting}: no source (sources: {setting}: ...)"
            cited = any(ch.isdigit() for ch in source)
            assert cited or source.lower().startswith(("assumption:", "derived:")), (
                f"{name} {spec.name}.{setting}: a citation with its year, or 'Assumption:'/'Derived:' and why")


@pytest.mark.parametrize("name, scenario", _scenarios(), ids=bundled_scenario_ids())
def test_an_effect_range_spans_its_controlled_evidence_and_before_after_figures_say_so(name, scenario):
    for spec in scenario.interventions:
        for field in ("rate_ratio", "detection_ratio", "court_lag_ratio"):
            effect = getattr(spec, field)
            if effect is None or not effect.evidence:
                continue
            low, high = effect.range
            for study in effect.evidence:
                if study.interval is not None and study.design != "before_after":
                    assert low <= study.interval[0] and study.interval[1] <= high, (
                        f"{name} {spec.name}.{field}: range {effect.range} leaves out the interval {study.interval} of "
                        f"{study.citation}")
            if all(study.design == "before_after" for study in effect.evidence):
                assert "before/after" in effect.source.lower(), (
                    f"{name} {spec.name}.{field}: rests on before/after figures only and must say so")


@pytest.mark.parametrize("name", sorted(SCALED))
def test_scale_comes_from_a_published_volume(name):
    scenario = load_scenario(scenario_path(name))
    for spec in scenario.interventions:
        if spec.starts_per_year is not None:
            assert spec.starts_per_year.evidence, f"{name}: the throughput must cite its source"
        else:
            assert spec.capacity is not None and any(ch.isdigit() for ch in spec.sources.get("capacity", "")), (
                f"{name}: the places must cite their source")


def test_the_short_custody_scenario_says_its_effect_is_within_window_incapacitation():
    scenario = load_scenario(scenario_path("short_custody_replaced"))
    assert any("incapacitation" in caveat and "Annex" in caveat for caveat in scenario.caveats)


@pytest.mark.parametrize("name", ["cognitive_behavioural", "drug_treatment", "resettlement", "ppo"])
def test_a_q1_cohort_takes_its_steady_state_share_of_the_places(name):
    """Outside referrals max(T - R, 3R): the cohort's referrals R and the year's throughput T. With room for four
    quarters' referrals the other sources fill the rest; oversubscribed, the other three quarters refer as much as
    this one, so the Q1 cohort is a quarter of the demand (it used to take 14,062 of 24,000 CBT starts)."""
    cohort = generate_cohort("adult", 45_000, cohort_seed(5))
    scenario = load_scenario(scenario_path(name))
    derived = derive_services(scenario, cohort).interventions[0]
    starts = annual_starts(derived)
    referrals = cohort_referrals(derived, cohort)
    outside = derived.referral_flow.per_year.value
    assert starts is not None and outside >= 3 * referrals - 1e-6
    share_of_demand = referrals / (referrals + outside)
    assert share_of_demand <= 0.25 + 1e-9, f"{name}: the Q1 cohort is {100 * share_of_demand:.0f}% of the demand"
    if 4 * referrals <= starts:
        assert referrals + outside == pytest.approx(starts), "demand fills the throughput"
    assert derived.capacity == pytest.approx(starts * mean_stay_days(derived) / 365.25, abs=1.0)
    smaller = dataclasses.replace(cohort, frame=cohort.frame.iloc[:4500].reset_index(drop=True))
    assert cohort_referrals(derived, smaller) == pytest.approx(referrals, rel=0.1), "national, whatever the size"
