"""Calibrated year effects: the parameters fitted for each year's cohort, read from `year_effects.yaml`.

`safer simulate calibrate --years` writes the file; the projection reads it. Each cohort kind has global
parameters fitted once, in its reference year (adults 2004, with the custody leavers by sex; juveniles 2005, with
the juveniles leaving custody), and used for every year that does not fit them itself; each year has its own base
rate, heterogeneity and serious share (adult years with published custody-leaver figures also their own custody
effect and custody heterogeneity, juvenile years with custody figures their own custody effect), and the aims of
every target, so that a drawn assumption can be re-solved to the same figures.
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
"""Fitted for every year with figures."""
REFERENCE_YEARS = {"adult": 2004, "youth": 2005}
"""The year whose fit sets a kind's global parameters: the adult PSA baseline with its custody leavers by sex, and
the first juvenile year with juveniles leaving custody."""


class YearEffects(BaseModel):
    """Calibrated year effects: global parameters per cohort kind and, per kind and year, the fitted year
    parameters and the aims of every target (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    global_: dict[str, Any] = Field(default_factory=dict, alias="global")
    """Overrides of `ModelParams` fitted once for adults (from 2004) and used for every adult year."""
    global_youth: dict[str, Any] = Field(default_factory=dict)
    """Overrides fitted once for juveniles (from 2005): their own custody and community effects."""
    adult: dict[int, dict[str, Any]] = Field(default_factory=dict)
    """Per year: base_offending_rate, heterogeneity_theta, serious_share (and custody effects where fitted)."""
    youth: dict[int, dict[str, Any]] = Field(default_factory=dict)
    """Per year, as for adults."""
    aims: dict[str, dict[int, dict[str, list[float | None]]]] = Field(default_factory=dict)
    """Per kind and year, per target name: [target frequency, aim frequency, target binary, aim binary]."""
    record: dict[str, Any] = Field(default_factory=dict)
    """How the calibration went (targets, achieved, Monte Carlo errors)."""

    def global_for(self, kind: str) -> dict[str, Any]:
        """The global overrides of a cohort kind."""
        return self.global_youth if kind == "youth" else self.global_

    def base_params(self, params: ModelParams, kind: str = "adult") -> ModelParams:
        """`params` with a kind's global overrides."""
        overrides = self.global_for(kind)
        return merged_params(params, overrides, source=f"year effects (global, {kind})") if overrides else params

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
