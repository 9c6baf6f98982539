"""The weighting spec: what a weighting YAML file (or the flags of `safer weight`) may ask for, validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from survey.design import DesignSpec
from survey.errors import SurveyInputError
from survey.options import CalibrationMethod, OnNonconvergence, ReplicateMethod, ScaleTo
from survey.reading.specfiles import read_yaml_mapping, validate_spec


class HouseholdSpec(BaseModel):
    """Within-household selection of one adult: weight times min(adults, cap)."""

    model_config = ConfigDict(extra="forbid")
    adults: str
    cap: int = Field(default=4, ge=1)


class NonresponseSpec(BaseModel):
    """Weighting-class nonresponse adjustment from a response-status column."""

    model_config = ConfigDict(extra="forbid")
    response: str
    classes: list[str] = []


class CalibrationSpec(BaseModel):
    """Calibration to control totals (R `calibrate`), separately within each `by` group."""

    model_config = ConfigDict(extra="forbid")
    controls: str | None = None
    by: list[str] = []
    method: CalibrationMethod = "raking"
    bounds: tuple[float, float] | None = None
    max_iter: int = Field(default=50, ge=1)
    epsilon: float = Field(default=1e-7, gt=0)
    on_nonconvergence: OnNonconvergence = "fail"


class TrimmingSpec(BaseModel):
    """Caps as R `trimWeights`: a number is a weight; 'Nx' is N times the mean weight of the group."""

    model_config = ConfigDict(extra="forbid")
    upper: float | str | None = None
    lower: float | str | None = None
    strict: bool = False

    @field_validator("upper", "lower")
    @classmethod
    def _cap(cls, value: float | str | None) -> float | str | None:
        if value is not None:
            parse_cap(value)
        return value


class ReplicateSpec(BaseModel):
    """Replicate weights: jk1, jkn or bootstrap (with `replicates` and `seed`)."""

    model_config = ConfigDict(extra="forbid")
    method: ReplicateMethod
    replicates: int | None = Field(default=None, ge=2)
    seed: int | None = None


class WeightingSpec(BaseModel):
    """A whole weighting job, as read from a weighting YAML file (flags fill in or override it)."""

    model_config = ConfigDict(extra="forbid")
    design: DesignSpec = DesignSpec()
    selection_probability: str | None = None
    household: HouseholdSpec | None = None
    nonresponse: NonresponseSpec | None = None
    calibration: CalibrationSpec | None = None
    trimming: TrimmingSpec | None = None
    scale: ScaleTo = "none"
    replicates: ReplicateSpec | None = None


def load_weighting_spec(path: str | Path) -> WeightingSpec:
    """Read and validate a weighting YAML file; errors name the file and the field."""
    path = Path(path)
    raw = read_yaml_mapping(path, "weighting spec")
    return validate_weighting_spec(raw, source=str(path))


def validate_weighting_spec(raw: dict[str, Any], *, source: str = "weighting spec") -> WeightingSpec:
    """Validate a weighting spec given as a dict (from YAML or built from flags)."""
    return validate_spec(WeightingSpec, raw, source)


def parse_cap(value: float | str) -> tuple[float, bool]:
    """A trimming cap: (number, relative) where relative means 'times the group's mean weight'."""
    text = str(value).strip().lower()
    relative = text.endswith("x")
    try:
        number = float(text[:-1] if relative else text)
    except ValueError:
        raise SurveyInputError(
            f"trimming cap {value!r} must be a weight (e.g. 250) or a multiple of the mean weight (e.g. 5x)."
        ) from None
    if not number > 0:
        raise SurveyInputError(f"trimming cap {value!r} must be positive.")
    return number, relative


def parse_bounds(text: str) -> tuple[float, float]:
    """'L,U' -> (L, U)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        lower, upper = (float(p) for p in parts)
    except ValueError:
        raise SurveyInputError(f"--bounds {text!r} must be two numbers, lower,upper (e.g. 0.3,3).") from None
    return lower, upper


