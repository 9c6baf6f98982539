"""Scenario files: interventions attached to eligible offenders, validated; and what they do to a career.

A scenario names interventions. Each intervention has an eligibility rule on offender attributes, a
capacity (places, a SimPy resource with a waiting list), uptake and completion probabilities, effects
on the offending rate (rate ratio with a duration and decay), on detection and on court lag, and a cost
per place. The seeds give no controlled effect size (DOMAIN.md section 4), so every effect is an
`Assumption`: a value, a plausible range and a source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safer_io.inputs import load_yaml
from simulation.errors import SimulationInputError, from_validation_error
from simulation.inputs.assumptions import Assumption, Cost
from simulation.inputs.params import ModelParams, merged_params
from simulation.inputs.vocabulary import ALL_DISPOSALS, ATTRIBUTES, DAYS_PER_YEAR, OFFENCE_GROUPS, SEXES

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
NUMERIC_ATTRIBUTES = ("age", "previous_sanctions", "age_first_sanction")
FLAG_ATTRIBUTES = ("drug_misuse", "ppo")
CATEGORY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "offence_group": OFFENCE_GROUPS,
    "disposal": ALL_DISPOSALS,
}
Decay = Literal["none", "linear", "exponential"]


class ReferralFlow(BaseModel):
    """Referrals from offenders outside the cohort, who compete with it for places.

    A service is not built for one quarter's cohort: new sentences and releases bring eligible offenders all
    year. They use places (for the programme's length, completing or dropping out like anyone) but are not
    followed: only the cohort is measured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)

    given: Assumption | None = Field(default=None, alias="per_year")
    """`per_year` in a scenario file: referrals a year, nationally, from eligible offenders outside the cohort who
    take up the offer. Left out, it is derived for each cohort from the service's annual starts and the cohort's own
    referrals (`services.derive_services`)."""
    warm_up_days: float = Field(default=365.0, ge=0, le=3650)
    """Days the service runs before 1 January, so that places are in steady use when the cohort arrives."""

    @field_validator("given")
    @classmethod
    def _not_negative(cls, value: Assumption | None) -> Assumption | None:
        if value is not None and value.range[0] < 0:
            raise ValueError("a number of referrals cannot be negative")
        return value

    @property
    def per_year(self) -> Assumption:
        """Outside referrals a year: given, or derived for the cohort (an error if the derivation was skipped)."""
        if self.given is None:
            raise SimulationInputError("outside referrals of a service are derived for each cohort "
                                       "(services.derive_services) and were not: no number to run with")
        return self.given

    @property
    def derived(self) -> bool:
        """Whether the referrals are left to be derived for each cohort."""
        return self.given is None


class InterventionSpec(BaseModel):
    """One intervention programme in a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str = Field(pattern=NAME_PATTERN)
    """Identifier used in output rows (lower-case, digits, underscores)."""
    description: str = ""
    """Free text."""
    eligibility: dict[str, Any] = Field(default_factory=dict)
    """Rule on offender attributes; every condition must hold. A condition is a value (equality), a list
    (membership) or {min, max} (inclusive bounds, numeric attributes)."""
    cohort: Literal["adult", "youth", "both"] = "both"
    """Which cohorts the programme serves."""
    capacity: int | None = Field(default=None, ge=1)
    """Places available at once, nationally; None means no limit (no waiting list), unless `starts_per_year` gives
    the service's throughput, from which the places are derived. A cohort simulated at a fraction of its national
    size gets that fraction of the places (at least one)."""
    starts_per_year: Assumption | None = None
    """Programme starts a year nationally (the service's throughput, sourced): the places are then derived, as
    starts x mean stay / 365 (`services.places_for`)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Where each setting that is not an assumption comes from (eligibility, capacity, programme_days,
    max_wait_days, effect_days, decay, priority): a citation, or "Assumption: <reason>"."""
    referral_flow: ReferralFlow | None = None
    """Referrals from outside the cohort (national, scaled like the capacity); None: the cohort only."""
    priority: Literal["previous_sanctions", "age_first_sanction", "age"] | None = None
    """Waiting-list order: higher previous_sanctions first, or lower age / age at first sanction first.
    None means first referred, first placed."""
    max_wait_days: float | None = Field(default=None, gt=0)
    """Days after which an offender still waiting leaves the waiting list; None: waits until placed."""
    programme_days: float = Field(gt=0)
    """Days a completer occupies a place; drop-outs leave at a uniformly random point before that."""
    uptake: Assumption
    """Probability that an eligible, referred offender takes up the offer."""
    completion: Assumption
    """Probability that a starter completes the programme."""
    rate_ratio: Assumption
    """Offending-rate ratio while the effect lasts (1 = no effect)."""
    detection_ratio: Assumption | None = None
    """Ratio applied to the detection-and-sanction probability (PPO 'catch and convict'); None = 1."""
    court_lag_ratio: Assumption | None = None
    """Ratio applied to the court lag (PPO 'premium service'); None = 1."""
    effect_days: float = Field(gt=0)
    """Days the effects last from the start of the programme for completers; drop-outs lose it on leaving."""
    decay: Decay = "none"
    """How the effects fade over `effect_days`: none (full, then off), linear (to none), exponential."""
    half_life_days: float | None = Field(default=None, gt=0)
    """Half-life of the effect when decay is exponential, days."""
    cost_per_place: Cost
    """Cost of one programme start."""
    saving_per_place: Cost | None = None
    """Cost avoided by one programme start (e.g. a short prison sentence not served); None: nothing."""

    @field_validator("uptake", "completion")
    @classmethod
    def _probability(cls, value: Assumption) -> Assumption:
        if not 0 <= value.range[0] <= value.range[1] <= 1:
            raise ValueError("a probability and its range must lie in [0, 1]")
        return value

    @field_validator("rate_ratio", "detection_ratio", "court_lag_ratio")
    @classmethod
    def _ratio(cls, value: Assumption | None) -> Assumption | None:
        if value is not None and value.range[0] <= 0:
            raise ValueError("a ratio and its range must be > 0")
        return value

    @field_validator("eligibility")
    @classmethod
    def _rule(cls, rule: dict[str, Any]) -> dict[str, Any]:
        for attribute, condition in rule.items():
            check_condition(attribute, condition)
        return rule

    def mean_stay_days(self) -> float:
        """Mean days a starter holds a place: the programme for completers, half of it on average for drop-outs."""
        completion = self.completion.value
        return self.programme_days * (completion + (1 - completion) / 2)

    def places_for_throughput(self) -> int:
        """Places `starts_per_year` needs: starts x mean stay / 365.25 (at least one)."""
        assert self.starts_per_year is not None
        return max(1, int(round(self.starts_per_year.value * self.mean_stay_days() / DAYS_PER_YEAR)))

    @model_validator(mode="after")
    def _decay(self) -> InterventionSpec:
        unknown = sorted(set(self.sources) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"sources: {unknown} are not settings of an intervention")
        if self.starts_per_year is not None:
            derived = self.places_for_throughput()
            if self.capacity is not None and self.capacity != derived:
                raise ValueError("give capacity or starts_per_year (the places are derived from it), not both")
            object.__setattr__(self, "capacity", derived)  # derived here, and again for drawn values
        if self.decay == "exponential" and self.half_life_days is None:
            raise ValueError("half_life_days is required when decay is exponential")
        if self.decay != "exponential" and self.half_life_days is not None:
            raise ValueError("half_life_days applies only when decay is exponential")
        return self


class Scenario(BaseModel):
    """A named set of interventions, optionally with parameter overrides (e.g. waiting_period_months)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str = Field(pattern=NAME_PATTERN)
    """Identifier used in the `scenario` output column."""
    description: str = ""
    """Free text."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Overrides of `ModelParams` fields for this scenario and its baseline: a value, or an assumption
    {value, range, source} whose range the uncertainty analysis and sweeps use."""
    policy: dict[str, Assumption] = Field(default_factory=dict)
    """Overrides of `ModelParams` fields that are the scenario's policy (e.g. short_custody_replaced_share): they
    apply to the scenario only, not to its baseline, each an assumption with a range and a source."""
    start_year: int | None = Field(default=None, ge=2000, le=2030)
    """First cohort year the scenario applies to in a projection (None: the projection's --start-year)."""
    policy_cohorts: list[Literal["adult", "youth"]] = Field(default_factory=lambda: ["adult", "youth"])  # type: ignore[arg-type]
    """Cohorts the `policy` overrides apply to."""
    interventions: list[InterventionSpec] = Field(default_factory=list)
    """Programmes, each with its own places and effects."""
    caveats: list[str] = Field(default_factory=list)
    """What a reader of the scenario's results must know (printed with them and kept in the output metadata)."""

    @field_validator("name")
    @classmethod
    def _not_baseline(cls, name: str) -> str:
        if name == "baseline":
            raise ValueError("'baseline' is reserved for the no-intervention run")
        return name

    @field_validator("interventions")
    @classmethod
    def _unique_names(cls, interventions: list[InterventionSpec]) -> list[InterventionSpec]:
        names = [i.name for i in interventions]
        if len(set(names)) != len(names):
            raise ValueError(f"intervention names must be unique: {names}")
        return interventions

    @field_validator("parameters", "policy")
    @classmethod
    def _known_parameters(cls, values: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(values) - set(ModelParams.model_fields))
        if unknown:
            raise ValueError(f"unknown model parameter(s) {unknown}; see simulation/inputs/params.py for the names")
        for value in values.values():
            if isinstance(value, dict) and {"value", "range", "source"} <= set(value):
                Assumption.model_validate(value)  # its value must lie in its own range
        return values

    def parameter_values(self) -> dict[str, Any]:
        """The parameter overrides as plain values (an assumption gives its value)."""
        return {name: _plain(value) for name, value in self.parameters.items()}

    def policy_values(self) -> dict[str, Any]:
        """The policy overrides as plain values."""
        return {name: assumption.value for name, assumption in self.policy.items()}

    def applies_to(self, kind: str) -> list[InterventionSpec]:
        """The interventions that serve a cohort of this kind."""
        return [spec for spec in self.interventions if spec.cohort in (kind, "both")]

    def affects(self, kind: str) -> bool:
        """Whether the scenario changes anything for a cohort of this kind (an intervention or its policy)."""
        return bool(self.applies_to(kind)) or (bool(self.policy) and kind in self.policy_cohorts)

    def cohorts_affected(self) -> list[str]:
        """The cohort kinds the scenario changes anything for."""
        return [kind for kind in ("adult", "youth") if self.affects(kind)]


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and {"value", "range", "source"} <= set(value):
        return value["value"]
    return value


BASELINE = Scenario.model_construct(
    name="baseline", description="No interventions.", parameters={}, policy={}, interventions=[], start_year=None,
    policy_cohorts=["adult", "youth"], caveats=[],
)


def check_condition(attribute: str, condition: Any) -> None:
    """Raise ValueError unless `condition` is a valid rule for `attribute`."""
    if attribute not in ATTRIBUTES:
        raise ValueError(f"unknown attribute '{attribute}'; use one of {list(ATTRIBUTES)}")
    if attribute in NUMERIC_ATTRIBUTES:
        if isinstance(condition, dict):
            if not condition or set(condition) - {"min", "max"}:
                raise ValueError(f"'{attribute}': a range takes only 'min' and/or 'max'")
            values = list(condition.values())
        else:
            values = condition if isinstance(condition, list) else [condition]
        if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ValueError(f"'{attribute}': expects numbers, a list of numbers, or {{min, max}}")
    elif attribute in FLAG_ATTRIBUTES:
        if not isinstance(condition, bool):
            raise ValueError(f"'{attribute}': expects true or false")
    else:
        allowed = CATEGORY_ATTRIBUTES[attribute]
        values = condition if isinstance(condition, list) else [condition]
        bad = [v for v in values if v not in allowed]
        if not values or bad:
            raise ValueError(f"'{attribute}': {bad or 'empty list'} not among {list(allowed)}")


def eligible(rule: dict[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of offenders meeting every condition of `rule`."""
    mask = np.ones(len(frame), dtype=bool)
    for attribute, condition in rule.items():
        column = frame[attribute]
        if isinstance(condition, dict):
            if "min" in condition:
                mask &= (column >= condition["min"]).to_numpy()
            if "max" in condition:
                mask &= (column <= condition["max"]).to_numpy()
        elif isinstance(condition, list):
            mask &= column.isin(condition).to_numpy()
        else:
            mask &= (column == condition).to_numpy()
    return mask


def scaled_capacity(capacity: int, scale: float) -> int:
    """Places for a cohort simulated at `scale` times its national size: the national places scaled, at least one."""
    return max(1, int(round(capacity * scale)))


def bundled_scenario_dir() -> Path:
    """Where the bundled scenarios live: inside the wheel, or `data/examples/scenarios` in a checkout."""
    package_dir = Path(__file__).resolve().parents[1]  # simulation/, where the wheel puts _bundled/
    wheel_dir = package_dir / "_bundled" / "scenarios"
    if wheel_dir.is_dir():
        return wheel_dir
    return package_dir.parent / "data" / "examples" / "scenarios"


def bundled_scenario_ids() -> list[str]:
    """Ids of the bundled scenarios (file stems), sorted."""
    folder = bundled_scenario_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def scenario_path(id_or_path: str | Path) -> Path:
    """The file of a scenario given by bundled id (`ppo`) or by path; an unknown id lists the bundled ones.

    A plain word is a bundled id; text with a slash or a .yaml/.yml suffix is a path.
    """
    text = str(id_or_path)
    if isinstance(id_or_path, Path) or "/" in text or "\\" in text or text.lower().endswith((".yaml", ".yml")):
        return Path(id_or_path)
    ids = bundled_scenario_ids()
    if text not in ids:
        raise SimulationInputError(
            f"--scenario {text!r}: not a bundled scenario ({', '.join(ids) or 'none found'}) nor a path to a "
            "scenario YAML file"
        )
    return bundled_scenario_dir() / f"{text}.yaml"


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario YAML file; errors name the file, the field and the reason."""
    path = Path(path)
    document = load_yaml(path, "scenario file", SimulationInputError)
    if not isinstance(document, dict):
        raise SimulationInputError(
            f"{path}: field '(top level)': a mapping with name and interventions is required"
        )
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(path, exc) from None


def check_touches(scenarios: list[Scenario], sources: list[str], kind: str) -> None:
    """Refuse a scenario that changes nothing for the simulated cohort kind, naming the cohort it needs."""
    for scenario, source in zip(scenarios, sources, strict=True):
        if not scenario.affects(kind):
            needs = " or ".join(scenario.cohorts_affected()) or "no"
            raise SimulationInputError(
                f"--scenario {source}: scenario {scenario.name!r} changes nothing for the {kind} cohort: it needs the "
                f"{needs} cohort (--cohort {scenario.cohorts_affected()[0] if scenario.cohorts_affected() else kind})"
            )


def scenario_params(scenario: Scenario, base: ModelParams, source: Path | str) -> ModelParams:
    """`base` with the scenario's `parameters` overrides (shared with its baseline), checked against the
    scenario's effects."""
    params = (
        merged_params(base, scenario.parameter_values(), source=f"{source} (parameters)")
        if scenario.parameters
        else base
    )
    for index, spec in enumerate(scenario.interventions):
        if spec.detection_ratio is not None and params.detection_probability * spec.detection_ratio.value > 1:
            raise SimulationInputError(
                f"{source}: field 'interventions[{index}].detection_ratio.value': detection_probability "
                f"{params.detection_probability} x {spec.detection_ratio.value} exceeds 1"
            )
    if scenario.policy:
        merged_params(params, scenario.policy_values(), source=f"{source} (policy)")  # checked now, used later
    return params


def policy_params(scenario: Scenario, params: ModelParams, source: Path | str = "scenario") -> ModelParams:
    """`params` with the scenario's policy overrides: what the scenario run (not its baseline) uses."""
    if not scenario.policy:
        return params
    return merged_params(params, scenario.policy_values(), source=f"{source} (policy)")


# ---- what an intervention does to one offender's career --------------------------------------------------


@dataclass(slots=True)
class Modifier:
    """Effects of one programme on one offender, active on [start, end) days, fading by `decay`."""

    start: float
    """First day of the effect."""
    end: float
    """Day the effect stops (exclusive)."""
    rate_ratio: float
    """Offending-rate ratio at full strength."""
    detection_ratio: float
    """Detection ratio at full strength."""
    lag_ratio: float
    """Court-lag ratio at full strength."""
    decay: Decay
    """How the effect fades: none, linear or exponential."""
    half_life_days: float | None
    """Half-life of an exponential decay, days (None otherwise)."""
    effect_days: float
    """Days over which a linear decay fades to nothing."""

    def strength(self, t: float) -> float:
        """Share of the full effect in force at day `t` (0 outside [start, end))."""
        if not self.start <= t < self.end:
            return 0.0
        if self.decay == "none":
            return 1.0
        elapsed = t - self.start
        if self.decay == "linear":
            return max(0.0, 1.0 - elapsed / self.effect_days)
        assert self.half_life_days is not None
        return math.exp(-math.log(2.0) * elapsed / self.half_life_days)

    def detected_rate_multiplier(self, t: float) -> float:
        """Multiplier on the detected-and-sanctioned offending rate at day `t`."""
        f = self.strength(t)
        return (1.0 + (self.rate_ratio - 1.0) * f) * (1.0 + (self.detection_ratio - 1.0) * f)

    def lag_multiplier(self, t: float) -> float:
        """Multiplier on the court lag of an offence committed at day `t`."""
        return 1.0 + (self.lag_ratio - 1.0) * self.strength(t)

    def bound(self) -> float:
        """An upper bound of `detected_rate_multiplier` over all time (for thinning)."""
        return max(1.0, self.rate_ratio) * max(1.0, self.detection_ratio)


def modifier_for(spec: InterventionSpec, placed: float, left: float, completed: bool) -> Modifier:
    """The effects for an offender placed at day `placed` who leaves at `left` (completing or not)."""
    return Modifier(
        start=placed,
        end=placed + spec.effect_days if completed else left,
        rate_ratio=spec.rate_ratio.value,
        detection_ratio=spec.detection_ratio.value if spec.detection_ratio else 1.0,
        lag_ratio=spec.court_lag_ratio.value if spec.court_lag_ratio else 1.0,
        decay=spec.decay,
        half_life_days=spec.half_life_days,
        effect_days=spec.effect_days,
    )
