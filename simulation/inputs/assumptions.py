"""A scenario's quantities with their evidence: a value, a plausible range, and where both come from.

Every effect, take-up, completion, volume and cost in a scenario file is an `Assumption`: the value used, the range
`--uncertainty` and `safer simulate sweep` draw from, and a `source`. Where a study supports it, `evidence` cites it:
author and year, the design (a meta-analysis or systematic review, randomised trials, a comparison-group
evaluation, before/after figures only, official statistics, or arithmetic on them), the effect as published and,
where there is one, its interval in the parameter's own units, which should be the range. A quantity with no
evidence says so: its source starts with "Assumption:" and gives the reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Design = Literal["meta_analysis", "systematic_review", "randomised_trials", "comparison_group", "before_after",
                 "official_statistics", "derived"]
EvidenceStatus = Literal["verbatim", "reported", "derived", "recalled"]


class Evidence(BaseModel):
    """One study or statistic behind a quantity."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    citation: str = Field(min_length=10)
    """Authors (year), title, publication; or the official record."""
    design: Design
    """How the figure was obtained: a before/after figure is not a causal estimate."""
    effect: str = Field(min_length=3)
    """The effect or figure as published (e.g. 'RR 0.97 (0.89-1.07) for re-arrest')."""
    interval: tuple[float, float] | None = None
    """The published interval converted to the parameter's units, where there is one."""
    status: EvidenceStatus
    """verbatim (read in the publication or an official record of it), reported (read in a secondary source),
    derived (arithmetic on those) or recalled (from the literature, not re-read: to be checked)."""

    @model_validator(mode="after")
    def _interval(self) -> Evidence:
        if self.interval is not None and self.interval[0] > self.interval[1]:
            raise ValueError(f"interval {list(self.interval)} is reversed")
        return self


class Assumption(BaseModel):
    """A quantity: value, plausible range [low, high] containing it, where it comes from and the evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    value: float
    """The value used in the run."""
    range: tuple[float, float]
    """Plausible range [low, high] for sensitivity analysis (the evidence's interval where it gives one)."""
    source: str = Field(min_length=3)
    """Where the value comes from, or ("Assumption: ...") why it is assumed."""
    evidence: list[Evidence] = Field(default_factory=list)
    """The studies or statistics behind the value and range, if any."""

    @model_validator(mode="after")
    def _value_in_range(self) -> Assumption:
        low, high = self.range
        if not low <= self.value <= high:
            raise ValueError(f"value {self.value} must lie within range [{low}, {high}]")
        return self

    @property
    def is_assumption(self) -> bool:
        """Whether the value rests on no evidence (its source says "Assumption: <reason>")."""
        return not self.evidence


class Cost(Assumption):
    """A cost per place, in `currency` at `price_year` prices."""

    currency: str = "GBP"
    """ISO currency code."""
    price_year: int = Field(ge=1990, le=2100)
    """Year whose prices the value is in."""

    @model_validator(mode="after")
    def _not_negative(self) -> Cost:
        if self.range[0] < 0:
            raise ValueError(f"a cost cannot be negative (range starts at {self.range[0]})")
        return self
