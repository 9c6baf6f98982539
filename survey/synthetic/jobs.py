"""Whole synthetic-data jobs behind `safer synth`: a seed in; microdata, truth and control totals out.

The caller writes the files (survey.synthetic.files) and their provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from survey.synthetic.areas import area_covariates
from survey.synthetic.bcs import (
    ADULTS_PER_INTERVIEW,
    bcs_controls,
    bcs_frame,
    bcs_microdata,
    bcs_population,
    draw_bcs_sample,
)
from survey.synthetic.place import (
    draw_place_sample,
    place_controls,
    place_frame,
    place_microdata,
    place_population,
)
from survey.synthetic.population import build_world
from survey.synthetic.truth import truth_table

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: drawn from a synthetic population calibrated to published headline figures "
    "(survey/synthetic/targets.py). Not real survey responses; no real person or council is described."
)


@dataclass(frozen=True)
class SyntheticSurvey:
    """A synthetic survey file with its true population values and (optionally) control totals."""

    survey: str
    data: pd.DataFrame
    truth: pd.DataFrame
    controls: pd.DataFrame
    design: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    areas: pd.DataFrame | None = None
    """Area covariates of every authority (BCS only; see survey/synthetic/areas.py)."""


def synth_bcs(seed: int, n: int = 46_000) -> SyntheticSurvey:
    """A BCS-like year of about `n` interviews; truth by nation, region, police force area and authority, and
    the authorities' covariates."""
    world = build_world(seed)
    population = bcs_population(world, n)
    frame = bcs_frame(population)
    rng = np.random.default_rng(world.streams["sample"])
    sample = draw_bcs_sample(frame, n, rng)
    data = bcs_microdata(frame, sample, rng)
    design = {
        "weight": "design_weight", "strata": "stratum", "psu": "psu",
        "estimate": "safer estimate FILE --questionnaire bcs --all-indicators --weight design_weight "
                    "--strata stratum --psu psu --by region --by pfa --out estimates.csv",
        "calibration": "controls by region: age_band and sex totals of the synthetic population",
    }
    summary = {
        "note": SYNTHETIC_NOTE, "interviews": int(len(data)), "population_adults": int(population.size),
        "adults_per_interview": ADULTS_PER_INTERVIEW, "psus_sampled": int(data["psu"].nunique()),
        "psus_in_population": int(frame.psu_stratum.size),
    }
    truth = truth_table(population, "bcs", domains=("region", "pfa", "la"))
    return SyntheticSurvey("bcs", data, truth, bcs_controls(population), design, summary, area_covariates(world))


def synth_place(seed: int, n_las: int = 20, returns: int = 1_100) -> SyntheticSurvey:
    """A Place-Survey-like file for `n_las` English authorities; truth by authority, region and overall."""
    world = build_world(seed)
    population = place_population(world, n_las)
    frame = place_frame(population)
    rng = np.random.default_rng(world.streams["sample"])
    sample = draw_place_sample(frame, returns, rng)
    data = place_microdata(frame, sample)
    design = {
        "weight": "design_weight", "strata": "la",
        "weighting": "rake each authority (--by la) to the control totals: age_band, sex, ethnicity",
    }
    rates = sample.returned / sample.mailed
    summary = {
        "note": SYNTHETIC_NOTE, "authorities": int(n_las), "returns": int(len(data)),
        "mailed": int(sample.mailed.sum()), "response_rate_overall": float(sample.returned.sum() / sample.mailed.sum()),
        "response_rate_min": float(rates.min()), "response_rate_max": float(rates.max()),
        "population_adults": int(frame.rows.size),
    }
    return SyntheticSurvey("place", data, truth_table(population, "place"), place_controls(frame), design, summary)
