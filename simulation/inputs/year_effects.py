"""Calibrated year effects: the parameters fitted for each year's cohort, read from `year_effects.yaml`.

`safer simulate calibrate --years` writes the file; the projection reads it. Global parameters are fitted once
(from 2004) and used for every year; each year has its own base rate, heterogeneity and serious share, and the
aims of every target, so that a drawn assumption can be re-solved to the same figures.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safer_io.inputs import load_yaml
from simulation.errors import SimulationInputError, from_validation_error
from simulation.inputs.params import ModelParams, merged_params

YEAR_EFFECTS_FILE = Path(__file__).with_name("year_effects.yaml")
YEAR_FIELDS = ("base_offending_rate", "heterogeneity_theta", "serious_share")


class YearEffects(BaseModel):
    """Calibrated year effects: global parameters and, per cohort kind and year, the fitted year parameters
    and the aims of every target (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    global_: dict[str, Any] = Field(default_factory=dict, alias="global")
    """Overrides of `ModelParams` fitted once (from 2004) and used for every year."""
    adult: dict[int, dict[str, float]] = Field(default_factory=dict)
    """Per year: base_offending_rate, heterogeneity_theta, serious_share."""
    youth: dict[int, dict[str, float]] = Field(default_factory=dict)
    """Per year, when youth figures were given."""
    aims: dict[str, dict[int, dict[str, list[float]]]] = Field(default_factory=dict)
    """Per kind and year, per target name: [target frequency, aim frequency, target binary, aim binary]."""
    record: dict[str, Any] = Field(default_factory=dict)
    """How the calibration went (targets, achieved, Monte Carlo errors)."""

    def base_params(self, params: ModelParams) -> ModelParams:
        """`params` with the global overrides."""
        return merged_params(params, self.global_, source="year effects (global)") if self.global_ else params

    def document(self) -> str:
        """YAML text for the year-effects file."""
        return yaml.safe_dump(self.model_dump(by_alias=True), sort_keys=False, allow_unicode=True)


@functools.lru_cache(maxsize=4)
def load_year_effects(path: Path = YEAR_EFFECTS_FILE) -> YearEffects:
    """A year-effects file (the bundled calibration by default)."""
    document = load_yaml(path, "year-effects file", SimulationInputError)
    try:
        return YearEffects.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(path, exc) from None
