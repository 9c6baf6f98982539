"""Fixtures for the simulation tests: small cohorts, hand-made cohorts and parameter variants."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulation.inputs.cohort import Cohort, generate_cohort
from simulation.inputs.params import ModelParams, default_params, merged_params
from simulation.runs.runner import cohort_seed

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "data" / "examples" / "scenarios"

# The reference offender of ModelParams: every covariate effect is zero for this person.
REFERENCE_ATTRIBUTES: dict[str, Any] = {
    "age": 30.0,
    "sex": "male",
    "offence_group": "theft_handling",
    "disposal": "community",
    "previous_sanctions": 0,
    "age_first_sanction": 30.0,
    "drug_misuse": False,
    "ppo": False,
}


@pytest.fixture(scope="session")
def params() -> ModelParams:
    return default_params()


@pytest.fixture(scope="session")
def small_adult() -> Cohort:
    """3,000 generated adults standing for themselves (no scaling of programme places)."""
    return dataclasses.replace(generate_cohort("adult", 3000, cohort_seed(7)), national_size=None)


@pytest.fixture(scope="session")
def small_youth() -> Cohort:
    """3,000 generated youths standing for themselves."""
    return dataclasses.replace(generate_cohort("youth", 3000, cohort_seed(8)), national_size=None)


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS


@pytest.fixture(scope="session")
def uniform_cohort() -> Callable[..., Cohort]:
    """Factory: ``size`` identical offenders (the reference offender unless overridden), start days spread
    evenly over January-March."""

    def make(size: int, kind: str = "adult", **attributes: Any) -> Cohort:
        values = {**REFERENCE_ATTRIBUTES, **attributes}
        frame = pd.DataFrame({"offender_id": [f"U{i:06d}" for i in range(size)]})
        for name, value in values.items():
            frame[name] = value
        frame["start_day"] = np.linspace(0.0, 89.0, size)
        if kind == "youth":
            frame["sanction_day"] = frame["start_day"]
            frame["release_day"] = np.nan
        return Cohort(kind=kind, frame=frame, source="uniform test cohort")  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def with_params() -> Callable[..., ModelParams]:
    """Factory: the bundled defaults with some fields replaced (validated)."""

    def make(**overrides: Any) -> ModelParams:
        return merged_params(default_params(), overrides, source="test")

    return make
