"""Uncertainty from the assumptions: every assumption's range, Latin hypercube draws, and applying a draw.

An *assumption* is anything with a plausible range: an intervention's effects, uptake, completion, referral
flow, cost and saving (`Assumption` in a scenario file), a scenario's policy values, the model's own
assumptions (`assumption_ranges.yaml`) and, in a projection, the figures that are not published and the
trends (`figures.yaml`). Each has a dotted name:

* `<parameter>` or `<parameter>.<key>` for a model assumption (e.g. `female_log_rate_ratio.community`);
* `<scenario>.<intervention>.<field>` (e.g. `ppo.ppo_scheme.rate_ratio`), `<scenario>.<intervention>.
  referral_flow.per_year`, `<scenario>.policy.<parameter>`;
* `figures.<section>.<year>.<measure>` for a projection's assumed figures, and `trend.<cohort>` for the trend
  after the last published year (fitted, `trends.py`: drawn from its slope's truncated t-distribution).

With `--uncertainty`, replication r draws every assumption from its range: a Latin hypercube over all of them
(each range cut into R equal slices, each slice used once; uniform within the range, or for a fitted trend its
truncated log-t distribution), from its own seed sequence. The summary then gives the Monte Carlo and the assumption
uncertainty apart (`measures.across_replications.summarise`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safer_io.inputs import load_yaml
from simulation.errors import SimulationInputError, from_validation_error
from simulation.inputs.assumptions import Assumption
from simulation.inputs.interventions import Scenario
from simulation.inputs.params import ModelParams, merged_params

RANGES_FILE = Path(__file__).with_name("assumption_ranges.yaml")
SCENARIO_FIELDS = ("uptake", "completion", "rate_ratio", "detection_ratio", "court_lag_ratio", "cost_per_place",
                   "saving_per_place", "starts_per_year")
"""An intervention's assumptions drawn by `--uncertainty` (with `referral_flow.per_year` when it is given)."""
LHS_PURPOSE = 0x5EED1


@dataclass(frozen=True)
class Range:
    """One assumption: its name, central value, range and source."""

    name: str
    """Dotted name (see the module docstring)."""
    value: float
    """Central (bundled) value."""
    low: float
    """Low end of the plausible range."""
    high: float
    """High end of the plausible range."""
    source: str
    """Where the value and range come from."""
    log_sd: float | None = None
    """When set, the value is drawn on the log scale from a t-distribution (a fitted trend): log(value) plus
    log_sd times t(df), truncated to the range (its 95% interval); None: uniform over the range."""
    df: int | None = None
    """Degrees of freedom of that t-distribution."""

    def at(self, u: float) -> float:
        """The value at quantile `u` of the range's distribution (uniform, or the truncated log-t)."""
        if self.log_sd is None:
            return self.low + u * (self.high - self.low)
        from scipy import stats

        lowest = stats.t.cdf(np.log(self.low / self.value) / self.log_sd, self.df) if self.log_sd > 0 else 0.0
        quantile = lowest + u * (1 - 2 * lowest)
        return float(self.value * np.exp(self.log_sd * stats.t.ppf(quantile, self.df))) if self.log_sd > 0 \
            else self.value


class _ModelRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    range: tuple[float, float]
    source: str = Field(min_length=3)


class _Ranges(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    assumptions: dict[str, _ModelRange]


def model_value(params: ModelParams, name: str) -> float:
    """The value of a (possibly dotted) model parameter; KeyError if there is none."""
    field, _, key = name.partition(".")
    if field not in ModelParams.model_fields:
        raise KeyError(name)
    value = getattr(params, field)
    if key:
        if not isinstance(value, dict) or key not in value:
            raise KeyError(name)
        value = value[key]
    if isinstance(value, dict | bool):
        raise KeyError(name)
    return float(value)


def is_model_parameter(params: ModelParams, name: str) -> bool:
    """Whether `name` names a numeric model parameter (possibly dotted)."""
    try:
        model_value(params, name)
    except KeyError:
        return False
    return True


def model_override(name: str, value: float) -> dict[str, Any]:
    """A `merged_params` override setting one (possibly dotted) model parameter."""
    field, _, key = name.partition(".")
    return {field: {key: value}} if key else {field: value}


@functools.lru_cache(maxsize=4)
def _load_ranges(path: Path) -> _Ranges:
    document = load_yaml(path, "assumption ranges", SimulationInputError)
    try:
        return _Ranges.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(path, exc) from None


def model_ranges(params: ModelParams, path: Path = RANGES_FILE) -> list[Range]:
    """The model's own assumptions with their ranges, each checked to contain the value in `params`."""
    out = []
    for name, entry in _load_ranges(path).assumptions.items():
        try:
            value = model_value(params, name)
        except KeyError:
            raise SimulationInputError(f"{path}: '{name}' is not a model parameter") from None
        low, high = entry.range
        if not low <= value <= high:
            raise SimulationInputError(f"{path}: '{name}': value {value} lies outside its range [{low}, {high}]")
        out.append(Range(name, value, low, high, entry.source))
    return out


def scenario_ranges(scenario: Scenario) -> list[Range]:
    """Every assumption of a scenario, named `<scenario>.<intervention>.<field>` or `<scenario>.policy.<name>`."""
    out = []
    for spec in scenario.interventions:
        for field in SCENARIO_FIELDS:
            assumption: Assumption | None = getattr(spec, field)
            if assumption is not None:
                out.append(_range(f"{scenario.name}.{spec.name}.{field}", assumption))
        if spec.referral_flow is not None and not spec.referral_flow.derived:
            out.append(_range(f"{scenario.name}.{spec.name}.referral_flow.per_year", spec.referral_flow.per_year))
    for name, assumption in scenario.policy.items():
        out.append(_range(f"{scenario.name}.policy.{name}", assumption))
    for name, value in scenario.parameters.items():
        if isinstance(value, dict) and {"value", "range", "source"} <= set(value):
            out.append(_range(f"{scenario.name}.parameters.{name}", Assumption.model_validate(value)))
    return out


def _range(name: str, assumption: Assumption) -> Range:
    low, high = assumption.range
    return Range(name, assumption.value, low, high, assumption.source)


def apply_to_scenario(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with the drawn values of its own assumptions (names as in `scenario_ranges`)."""
    prefix = f"{scenario.name}."
    mine = {name[len(prefix):]: v for name, v in values.items() if name.startswith(prefix)}
    if not mine:
        return scenario
    interventions = []
    for spec in scenario.interventions:
        update: dict[str, Any] = {}
        for field in SCENARIO_FIELDS:
            key = f"{spec.name}.{field}"
            if key in mine and getattr(spec, field) is not None:
                update[field] = getattr(spec, field).model_copy(update={"value": mine[key]})
        key = f"{spec.name}.referral_flow.per_year"
        if key in mine and spec.referral_flow is not None and not spec.referral_flow.derived:
            flow = spec.referral_flow
            update["referral_flow"] = flow.model_copy(update={"given": flow.per_year.model_copy(
                update={"value": mine[key]})})
        interventions.append(spec.model_copy(update=update) if update else spec)
    policy = {
        name: assumption.model_copy(update={"value": mine[f"policy.{name}"]})
        if f"policy.{name}" in mine else assumption
        for name, assumption in scenario.policy.items()
    }
    parameters = {
        name: {**value, "value": mine[f"parameters.{name}"]} if f"parameters.{name}" in mine else value
        for name, value in scenario.parameters.items()
    }
    return scenario.model_copy(update={"interventions": interventions, "policy": policy, "parameters": parameters})


def apply_to_params(params: ModelParams, values: dict[str, float], ranges: list[Range] | None = None) -> ModelParams:
    """`params` with the values of the model parameters among `values` (other names are not the model's)."""
    del ranges  # any model parameter may be set, whether or not it has a stated range
    overrides: dict[str, Any] = {}
    for name, value in values.items():
        if is_model_parameter(params, name):
            field, _, key = name.partition(".")
            if key:
                overrides.setdefault(field, {})[key] = value
            else:
                overrides[field] = value
    return merged_params(params, overrides, source="drawn assumptions") if overrides else params


def latin_hypercube(ranges: list[Range], replications: range, seed: int) -> dict[int, dict[str, float]]:
    """Each replication's draw of every assumption: a Latin hypercube over `replications` (its own stream)."""
    from scipy.stats import qmc

    if not ranges:
        return {r: {} for r in replications}
    sequence = np.random.SeedSequence(seed).spawn(3)[2]
    generator = np.random.default_rng(np.random.SeedSequence(sequence.entropy,
                                                              spawn_key=(*sequence.spawn_key, LHS_PURPOSE,
                                                                         replications.start)))
    sample = qmc.LatinHypercube(d=len(ranges), seed=generator).random(len(replications))
    return {
        r: {rng.name: rng.at(float(sample[i, j])) for j, rng in enumerate(ranges)}
        for i, r in enumerate(replications)
    }


class Draws:
    """The draws of a set of assumptions for batches of replications (a Latin hypercube per batch)."""

    def __init__(self, ranges: list[Range], seed: int) -> None:
        self.ranges = ranges
        self.seed = seed
        self._values: dict[int, dict[str, float]] = {}

    def prepare(self, replications: range) -> None:
        """Draw for a batch of replications (once)."""
        if replications.start not in self._values and len(replications):
            self._values.update(latin_hypercube(self.ranges, replications, self.seed))

    def values(self, replication: int) -> dict[str, float]:
        """Replication `replication`'s draw of every assumption."""
        return self._values[replication]

    def table(self) -> list[dict[str, float]]:
        """Every replication's draw, for the output metadata."""
        return [{"replication": r, **self._values[r]} for r in sorted(self._values)]
