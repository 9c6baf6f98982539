"""Every model parameter in one validated object, with its unit and its source.

Values are assumptions unless marked *calibrated* (fitted by `simulation.questions.calibrate` to the published
2005 Q1 adult and juvenile figures and stored in `calibrated_defaults.yaml`), *derived* or *evidence* (with their
source), or *Annex* (fixed by the PSA 23 Measurement Annex, 000:670-899). `default_params(kind)` is what `safer
simulate run` uses.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from safer_io.inputs import load_yaml
from simulation.errors import SimulationInputError, from_validation_error
from simulation.inputs.vocabulary import (
    ACQUISITIVE_GROUPS,
    ALL_DISPOSALS,
    DAYS_PER_MONTH,
    OFFENCE_GROUPS,
    REOFFENCE_TYPES,
    SERIOUS_VIOLENT_GROUPS,
)

CALIBRATED_DEFAULTS = Path(__file__).with_name("calibrated_defaults.yaml")


def _per_group(**values: float) -> dict[str, float]:
    return {group: values.get(group, 0.0) for group in OFFENCE_GROUPS}


NON_SERIOUS_TYPE_MIX = {
    "violence": 0.17,
    "sexual": 0.01,
    "robbery": 0.02,
    "burglary": 0.08,
    "theft_handling": 0.30,
    "fraud_forgery": 0.04,
    "criminal_damage": 0.07,
    "drugs": 0.09,
    "motoring": 0.12,
    "other": 0.10,
}
DRUG_ACQUISITIVE_RATIO = 0.55 / 0.38
"""Acquisitive offending of drug-misusing offenders relative to all offenders: 55% of those arrested for
acquisitive crime used heroin, crack or cocaine against 38% of all arrestees (001:206), so by Bayes' rule an
arrestee using them is 0.55 / 0.38 = 1.45 times as likely to have been arrested for acquisitive crime (derived)."""


def _drug_misuse_mix() -> dict[str, float]:
    """The non-serious mix of a drug-misusing offender: acquisitive groups x DRUG_ACQUISITIVE_RATIO, the others
    scaled down so that the shares sum to 1 (derived)."""
    acquisitive = sum(NON_SERIOUS_TYPE_MIX[g] for g in ACQUISITIVE_GROUPS)
    rest = (1 - DRUG_ACQUISITIVE_RATIO * acquisitive) / (1 - acquisitive)
    return {g: v * (DRUG_ACQUISITIVE_RATIO if g in ACQUISITIVE_GROUPS else rest)
            for g, v in NON_SERIOUS_TYPE_MIX.items()}


DETECTION_BY_OFFENCE_TYPE = {
    "homicide": 0.90,
    "attempted_murder": 0.50,
    "death_by_driving": 0.80,
    "wounding_endangering_life": 0.14,
    "firearms_explosives": 0.14,
    "serious_sexual": 0.05,
    "violence": 0.05,
    "sexual": 0.05,
    "robbery": 0.03,
    "burglary": 0.02,
    "theft_handling": 0.02,
    "fraud_forgery": 0.01,
    "criminal_damage": 0.016,
    "drugs": 0.03,
    "motoring": 0.03,
    "other": 0.03,
}
"""Probability that an offence of each type leads to a conviction, caution or penalty notice (attrition). Evidence:
3% of offences committed led to a conviction or caution, wounding 14%, vandalism 1.6% (Home Office, Information on
the Criminal Justice System, Digest 3, 1993-94, reported by The Lawyer 18 Dec 1995); criminal damage: 17,000 persons
proceeded against for nearly 6 million offences (Brand and Price 2000, HORS 217, section 4). Assumed where no
figure was found: homicide, attempted murder, death by driving (most are solved), serious and other sexual
offences, non-serious violence (between common assault and wounding), robbery, burglary and theft (2-5%, research
note section 5), fraud, drugs, motoring and other offences."""


class ModelParams(BaseModel):
    """Parameters of the offender-career model. Times are in days unless a name says otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    # ---- offending at liberty ------------------------------------------------------------------------
    base_offending_rate: float = Field(gt=0, le=500)
    """Offences per year at liberty of the reference offender with frailty 1 (*calibrated*). The reference
    offender is male, aged `reference_age`, on a community sentence for theft/handling, with no previous
    sanctions, first sanctioned at or after `early_onset_age` and no drug misuse."""
    heterogeneity_theta: float = Field(ge=0, le=50)
    """Variance of the gamma frailty (mean 1) multiplying each offender's rate, dimensionless (*calibrated*).
    0 means no unobserved heterogeneity."""
    theta_ratio_by_disposal: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(ALL_DISPOSALS, 1.0))
    """Frailty variance by index disposal relative to `heterogeneity_theta`, dimensionless. The custody value is
    *calibrated* to the 2004 Q1 custody-leaver figures (their binary rates need less heterogeneity than the
    whole cohort's); the others are 1 (assumption)."""
    reference_age: float = Field(default=30.0, ge=10, le=80)
    """Age at which the age effect is 1, years."""
    age_log_rate_per_year: float = Field(default=-0.04, ge=-0.5, le=0.5)
    """Change in log offending rate per year of age above `peak_age`, 1/year (assumption). Applies across
    offenders and as each offender ages during follow-up (the age-crime curve declines after the late teens)."""
    peak_age: float = Field(default=18.0, ge=10, le=40)
    """Age at which the age-crime curve peaks, years (assumption: the late teens)."""
    youth_age_log_rate_per_year: float = Field(default=0.10, ge=0, le=1)
    """Change in log offending rate per year of age below `peak_age`, 1/year (assumption): offending rises
    through the teens, so a 15-year-old offends more than an 11-year-old with the same record."""
    female_log_rate_ratio: dict[str, float] = Field(
        default_factory=lambda: {
            "custody": 0.13,
            "community": -0.25,
            "reprimand": -0.30,
            "final_warning": -0.30,
            "first_tier": -0.30,
        }
    )
    """Log rate ratio, women versus men, by index disposal. Custody is *calibrated*: women leaving custody in
    2004 Q1 re-offended more than men (285.2 against 249.9 per 100); the others are assumptions. A single
    number in a parameter file applies to every disposal."""
    previous_sanctions_log_rate: float = Field(default=0.30, ge=0, le=3)
    """Log rate ratio per unit of log(1 + previous sanctions), dimensionless (assumption)."""
    early_onset_age: float = Field(default=16.0, ge=10, le=30)
    """Age at first sanction below which an offender counts as early onset, years."""
    early_onset_log_rate_ratio: float = Field(default=0.15, ge=-5, le=5)
    """Log rate ratio for early onset (assumption)."""
    drug_misuse_log_rate_ratio: float = Field(default=0.40, ge=-5, le=5)
    """Log rate ratio for a drug-misuse flag (assumption; 38% of arrestees used heroin, crack or cocaine)."""
    disposal_log_rate_ratio: dict[str, float] = Field(
        default_factory=lambda: {
            "custody": 0.15,
            "community": 0.0,
            "reprimand": -0.70,
            "final_warning": -0.40,
            "first_tier": -0.20,
        }
    )
    """Log rate ratio by index disposal, one per disposal (assumption)."""
    offence_group_log_rate_ratio: dict[str, float] = Field(
        default_factory=lambda: _per_group(
            violence=-0.20,
            sexual=-0.80,
            robbery=0.10,
            burglary=0.20,
            fraud_forgery=-0.40,
            drugs=-0.10,
            motoring=-0.30,
            other=-0.10,
        )
    )
    """Log rate ratio by index offence group, theft/handling = 0 (assumption)."""
    detection_probability: float = Field(default=0.025, gt=0, le=1)
    """Probability that an offence is detected and sanctioned in any way (conviction, caution or penalty notice), for
    an offence of the general non-serious mix. Only rate x probability is identified by the published figures, so
    this is fixed and the rate calibrated; interventions scale it. 0.025: `detection_by_offence_type` implies 0.024
    for that mix (1 / sum of share / probability; derived), in line with the 3% of offences convicted or cautioned in
    1993-94 (Digest 3, reported) and the "around 2%" convicted (assumed: no primary text found)."""
    detection_by_offence_type: dict[str, float] = Field(default_factory=lambda: dict(DETECTION_BY_OFFENCE_TYPE))
    """Attrition by re-offence type (`vocabulary.REOFFENCE_TYPES`): the probability that an offence of the type is
    detected and sanctioned. It sets the *mix* of offences committed (share detected / probability, normalised:
    a type rarely detected is committed more often than its share of proven offences), which prices the crime
    committed, and each offender's offences committed relative to the general mix; the level is
    `detection_probability`. Sources in `params.DETECTION_BY_OFFENCE_TYPE`."""

    # ---- how detected offences are dealt with ---------------------------------------------------------
    adult_pre_court_share: float = Field(default=0.10, ge=0, lt=1)
    """Share of an adult's detected offences dealt with by caution (not counted for adults)."""
    adult_penalty_notice_share: float = Field(default=0.05, ge=0, lt=1)
    """Share of an adult's detected offences dealt with by fixed penalty notice (not counted)."""
    youth_pre_court_share: float = Field(default=0.35, ge=0, lt=1)
    """Share of a young person's detected offences dealt with by reprimand or final warning (counted)."""
    youth_penalty_notice_share: float = Field(default=0.03, ge=0, lt=1)
    """Share of a young person's detected offences dealt with by penalty notice (not counted)."""
    adult_serious_pre_court_share: float = Field(default=0.02, ge=0, lt=1)
    """Share of an adult's detected *serious* (Table 1) offences dealt with by caution (assumption: Table 1
    offences are grave, mostly indictable, and rarely cautioned)."""
    adult_serious_penalty_notice_share: float = Field(default=0.0, ge=0, lt=1)
    """Share of an adult's detected serious offences dealt with by penalty notice (none are eligible)."""
    youth_serious_pre_court_share: float = Field(default=0.10, ge=0, lt=1)
    """Share of a young person's detected serious offences dealt with by reprimand or final warning
    (assumption)."""
    youth_serious_penalty_notice_share: float = Field(default=0.0, ge=0, lt=1)
    """Share of a young person's detected serious offences dealt with by penalty notice (none are eligible)."""
    court_lag_median_days: float = Field(default=75.0, ge=0, le=1000)
    """Median offence-to-conviction lag, days; lognormal. 0 makes convictions immediate (validation only)."""
    court_lag_sigma: float = Field(default=0.8, ge=0, le=3)
    """Log-scale standard deviation of the court lag, dimensionless."""
    pre_court_lag_median_days: float = Field(default=14.0, ge=0, le=1000)
    """Median offence-to-disposal lag for cautions, warnings and penalty notices, days; lognormal."""
    pre_court_lag_sigma: float = Field(default=0.6, ge=0, le=3)
    """Log-scale standard deviation of the pre-court lag, dimensionless."""

    # ---- custody -------------------------------------------------------------------------------------
    custody_probability: float = Field(default=0.25, ge=0, le=1)
    """Probability that a court conviction for a non-serious offence leads to custody."""
    serious_custody_probability: float = Field(default=0.85, ge=0, le=1)
    """Probability that a court conviction for a serious Table 1 offence leads to custody."""
    custody_served_median_days: float = Field(default=60.0, gt=0, le=5000)
    """Median time served in custody for a non-serious offence, days; lognormal."""
    custody_served_sigma: float = Field(default=0.9, ge=0, le=3)
    """Log-scale standard deviation of time served, dimensionless."""
    serious_served_multiplier: float = Field(default=6.0, ge=1, le=100)
    """Time served for a serious offence relative to a non-serious one, dimensionless."""
    short_custody_days: float = Field(default=183.0, gt=0, le=5000)
    """Time served below which a custodial sentence counts as short, days (a sentence under 12 months,
    served half in custody, 000:295)."""
    short_custody_replaced_share: float = Field(default=0.0, ge=0, le=1)
    """Share of short custodial sentences (during follow-up) replaced by community orders; 0 in the
    baseline, set by a scenario."""
    community_order_days: float = Field(default=365.0, ge=0, le=3650)
    """Length of the community order that replaces a short custodial sentence, days (probation costs)."""

    # ---- supervision and breach ------------------------------------------------------------------------
    supervision_days: dict[str, float] = Field(
        default_factory=lambda: {
            "custody": 180.0,
            "community": 365.0,
            "reprimand": 0.0,
            "final_warning": 0.0,
            "first_tier": 270.0,
        }
    )
    """Days of licence or order supervision after entering the cohort, by index disposal (breach exposure)."""
    breach_rate_per_year: float = Field(default=0.25, ge=0, le=20)
    """Breaches of an order or licence per year of supervision at liberty, 1/year (never counted)."""
    breach_custody_probability: float = Field(default=0.35, ge=0, le=1)
    """Probability that a breach leads to recall or custody."""
    breach_custody_median_days: float = Field(default=28.0, gt=0, le=2000)
    """Median time in custody after a breach, days; lognormal."""
    breach_custody_sigma: float = Field(default=0.5, ge=0, le=3)
    """Log-scale standard deviation of custody after breach, dimensionless."""

    # ---- measurement (Annex) --------------------------------------------------------------------------
    follow_up_days: float = Field(default=365.0, gt=0, le=3650)
    """Follow-up from discharge or commencement, days (*Annex*: one year)."""
    waiting_period_months: float = Field(default=6.0, ge=6, le=9)
    """Extra time for a conviction to reach the PNC, months (*Annex*: 6 to 9, default 6)."""

    # ---- offence type mix ------------------------------------------------------------------------------
    serious_share: float = Field(gt=0, lt=1)
    """Probability that a detected re-offence by an offender with serious ratio 1 is a serious Table 1
    offence (*calibrated*)."""
    serious_ratio_by_index_group: dict[str, float] = Field(
        default_factory=lambda: {
            **dict.fromkeys(OFFENCE_GROUPS, 1.0),
            "violence": 2.5,
            "sexual": 4.0,
            "robbery": 2.0,
            "motoring": 0.7,
        }
    )
    """Serious share relative to `serious_share` by index offence group, dimensionless (assumption)."""
    serious_sexual_share_by_index_group: dict[str, float] = Field(
        default_factory=lambda: {**dict.fromkeys(OFFENCE_GROUPS, 0.10), "sexual": 0.60}
    )
    """Share of an offender's serious re-offences that are serious sexual offences (the Annex's separate top
    tier), by index offence group (assumption)."""
    serious_violent_mix: dict[str, float] = Field(
        default_factory=lambda: {
            "homicide": 0.01,
            "attempted_murder": 0.01,
            "death_by_driving": 0.02,
            "wounding_endangering_life": 0.92,
            "firearms_explosives": 0.04,
        }
    )
    """Table 1 group of a serious non-sexual re-offence, shares summing to 1 (assumption: wounding and
    grievous bodily harm dominate, as in recorded crime, 000:457-462)."""
    non_serious_type_mix: dict[str, float] = Field(default_factory=lambda: dict(NON_SERIOUS_TYPE_MIX))
    """Offence group of a non-serious re-offence, shares summing to 1 (assumption)."""
    drug_misuse_type_mix: dict[str, float] = Field(default_factory=_drug_misuse_mix)
    """Offence group of a non-serious offence by a drug-misusing offender: the general mix with the acquisitive
    groups (theft, burglary, robbery, fraud) 1.45 times as likely (derived, `DRUG_ACQUISITIVE_RATIO`). Used to
    price their offences: the offence types in a simulated log are not read by any measure."""

    @model_validator(mode="before")
    @classmethod
    def _one_number_for_every_disposal(cls, values: Any) -> Any:
        if isinstance(values, dict) and isinstance(values.get("female_log_rate_ratio"), int | float):
            values = {**values, "female_log_rate_ratio": dict.fromkeys(ALL_DISPOSALS, values["female_log_rate_ratio"])}
        return values

    @model_validator(mode="after")
    def _consistent(self) -> ModelParams:
        _check_consistency(self)
        return self

    @property
    def waiting_period_days(self) -> float:
        """Waiting period after follow-up for convictions to be recorded, days."""
        return self.waiting_period_months * DAYS_PER_MONTH


@functools.lru_cache(maxsize=2)
def default_params(kind: str = "adult") -> ModelParams:
    """The bundled defaults, including the calibrated base rate, heterogeneity and serious share: the 2005 adult fit,
    or for `kind` 'youth' the 2005 juvenile fit (the file's `youth` block over the adult parameters)."""
    adult = load_params(CALIBRATED_DEFAULTS, base=None)
    if kind != "youth":
        return adult
    document = load_yaml(CALIBRATED_DEFAULTS, "parameter file", SimulationInputError)
    youth = document.get("youth") if isinstance(document, dict) else None
    return merged_params(adult, youth, source=f"{CALIBRATED_DEFAULTS} (youth)") if isinstance(youth, dict) else adult


def _check_consistency(params: ModelParams) -> None:
    """The cross-checks of the parameter object that one field cannot make alone: every table has exactly its
    keys, shares sum to 1, probabilities lie in [0, 1]."""
    for name, keys in (
        ("disposal_log_rate_ratio", ALL_DISPOSALS),
        ("female_log_rate_ratio", ALL_DISPOSALS),
        ("theta_ratio_by_disposal", ALL_DISPOSALS),
        ("supervision_days", ALL_DISPOSALS),
        ("offence_group_log_rate_ratio", OFFENCE_GROUPS),
        ("serious_ratio_by_index_group", OFFENCE_GROUPS),
        ("serious_sexual_share_by_index_group", OFFENCE_GROUPS),
        ("non_serious_type_mix", OFFENCE_GROUPS),
        ("drug_misuse_type_mix", OFFENCE_GROUPS),
        ("serious_violent_mix", SERIOUS_VIOLENT_GROUPS),
        ("detection_by_offence_type", REOFFENCE_TYPES),
    ):
        given = set(getattr(params, name))
        if given != set(keys):
            missing, unknown = sorted(set(keys) - given), sorted(given - set(keys))
            raise ValueError(
                f"{name} must have exactly the keys {list(keys)}; missing {missing}, unknown {unknown}"
            )
    if any(v < 0 for v in params.supervision_days.values()):
        raise ValueError("supervision_days must be >= 0")
    for mix in ("non_serious_type_mix", "drug_misuse_type_mix"):
        shares = getattr(params, mix)
        if any(v < 0 for v in shares.values()):
            raise ValueError(f"{mix} shares must be >= 0")
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise ValueError(f"{mix} must sum to 1, not {sum(shares.values()):.6g}")
    if any(not 0 < v <= 1 for v in params.detection_by_offence_type.values()):
        raise ValueError("detection_by_offence_type values must lie in (0, 1]")
    if any(v < 0 for v in params.serious_violent_mix.values()):
        raise ValueError("serious_violent_mix shares must be >= 0")
    if abs(sum(params.serious_violent_mix.values()) - 1) > 1e-6:
        raise ValueError(f"serious_violent_mix must sum to 1, not {sum(params.serious_violent_mix.values()):.6g}")
    if any(not 0 <= v <= 1 for v in params.serious_sexual_share_by_index_group.values()):
        raise ValueError("serious_sexual_share_by_index_group values must lie in [0, 1]")
    if any(not 0 < v <= 20 for v in params.theta_ratio_by_disposal.values()):
        raise ValueError("theta_ratio_by_disposal values must lie in (0, 20]")
    if any(abs(v) > 5 for v in params.female_log_rate_ratio.values()):
        raise ValueError("female_log_rate_ratio values must lie in [-5, 5]")
    if any(v < 0 for v in params.serious_ratio_by_index_group.values()):
        raise ValueError("serious_ratio_by_index_group must be >= 0")
    if params.serious_share * max(params.serious_ratio_by_index_group.values()) > 1:
        raise ValueError("serious_share x the largest serious_ratio_by_index_group must be <= 1")
    for kind in ("adult", "youth"):
        for serious in ("", "serious_"):
            pre, penalty = f"{kind}_{serious}pre_court_share", f"{kind}_{serious}penalty_notice_share"
            if getattr(params, pre) + getattr(params, penalty) >= 1:
                raise ValueError(f"{pre} + {penalty} must be < 1")


def load_params(path: Path, base: ModelParams | None = None) -> ModelParams:
    """Read a parameter file (the `parameters:` block written by `safer simulate calibrate`).

    Fields the file does not give keep their value in `base` (the bundled defaults unless given).
    """
    path = Path(path)
    document = load_yaml(path, "parameter file", SimulationInputError)
    if not isinstance(document, dict) or not isinstance(document.get("parameters"), dict):
        raise SimulationInputError(
            f"{path}: field 'parameters': a mapping of parameter names to values is required"
        )
    if base is None and path != CALIBRATED_DEFAULTS:
        base = default_params()
    return merged_params(base, document["parameters"], source=path)


def merged_params(base: ModelParams | None, overrides: dict[str, Any], source: Path | str) -> ModelParams:
    """`base` with `overrides` applied, validated as a whole; errors name `source` and the field."""
    values = base.model_dump() if base is not None else {}
    for name, value in overrides.items():
        # A mapping overrides only the keys it names (e.g. one disposal's effect).
        kept = values.get(name)
        values[name] = {**kept, **value} if isinstance(kept, dict) and isinstance(value, dict) else value
    try:
        return ModelParams.model_validate(values)
    except ValidationError as exc:
        raise from_validation_error(source, exc) from None


def params_document(params: ModelParams, calibration: dict[str, Any] | None = None) -> str:
    """YAML text for a parameter file, with an optional calibration record beside the parameters."""
    document: dict[str, Any] = {"parameters": params.model_dump()}
    if calibration is not None:
        document["calibration"] = calibration
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
