"""Whole synthetic-data jobs behind `safer synth`: a seed in; microdata, truth and control totals out.

The caller writes the files (survey.synthetic.files) and their provenance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from survey.synthetic.areas import area_covariates
from survey.synthetic.bcs import (
    ADULTS_PER_INTERVIEW,
    bcs_authorities,
    bcs_controls,
    bcs_frame,
    bcs_microdata,
    bcs_population,
    draw_bcs_sample,
)
from survey.synthetic.place import (
    draw_place_sample,
    place_authorities,
    place_controls,
    place_frame,
    place_microdata,
    place_population,
)
from survey.synthetic.population import Population, World, build_world, for_sampling, populate_chunks
from survey.synthetic.truth import TruthAccumulator
from survey.synthetic.years import change_truth, factor_shifts, year_label, year_population, year_truths

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


def lean_population(
    world: World, survey: str, la_rows: np.ndarray, adults_per_la: np.ndarray, domains: Sequence[str] | None = None
) -> tuple[Population, pd.DataFrame]:
    """The population of the given authorities, kept only for sampling (`for_sampling`), and its truth, counted
    chunk by chunk as it is drawn: the whole population is never in memory (350 authorities fit in 1.5 GB)."""
    accumulator = TruthAccumulator(survey, world.geography, domains)
    population = for_sampling(populate_chunks(world, survey, la_rows, adults_per_la), survey, accumulator.add)
    return population, accumulator.table()


def synth_bcs(seed: int, n: int = 46_000) -> SyntheticSurvey:
    """A BCS-like year of about `n` interviews; truth by nation, region, police force area and authority, and
    the authorities' covariates."""
    world = build_world(seed)
    population, truth = lean_population(world, "bcs", *bcs_authorities(world, n), domains=("region", "pfa", "la"))
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
    return SyntheticSurvey("bcs", data, truth, bcs_controls(population), design, summary, area_covariates(world))


def synth_place(seed: int, n_las: int = 20, returns: int = 1_100) -> SyntheticSurvey:
    """A Place-Survey-like file for `n_las` English authorities; truth by authority, region and overall."""
    world = build_world(seed)
    population, truth = lean_population(world, "place", *place_authorities(world, n_las))
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
    return SyntheticSurvey("place", data, truth, place_controls(frame), design, summary)


@dataclass(frozen=True)
class SyntheticYears:
    """Several fieldwork years drawn from one population that changes by known amounts between them."""

    survey: str
    years: dict[str, SyntheticSurvey]
    """One survey file per year, by year label (e.g. `2008-09`); each has `survey_year` and interview dates."""
    truth: pd.DataFrame
    """True values of every indicator in every year (`period` column)."""
    change_truth: pd.DataFrame
    """True changes between consecutive years, and from the first to the last."""
    controls: pd.DataFrame
    """Calibration totals (the population's demographics do not change between years)."""
    drift: float
    """Multiplier of the default drift (0: nothing changes)."""


PLACE_FIELDWORK = ("09-22", "12-19")
"""Place Survey returns arrive from late September to December (DOMAIN.md section 8)."""


def synth_bcs_years(seed: int, years: Sequence[int], n: int = 46_000, drift: float = 1.0) -> SyntheticYears:
    """BCS-like fieldwork years (April to March) of about `n` interviews each, independent samples of a
    population whose perceptions drift by known amounts (`survey.synthetic.years`)."""
    world = build_world(seed)
    population = bcs_population(world, n)
    frame = bcs_frame(population)
    shifts = factor_shifts(world, population, drift)
    rng = np.random.default_rng(world.streams["sample"])
    files, populations = {}, {}
    for year in years:
        label = year_label("bcs", year)
        moved = year_population(world, population, "bcs", year - years[0], shifts)
        populations[label] = moved
        year_frame = replace(frame, population=moved)
        sample = draw_bcs_sample(year_frame, n, rng, np.datetime64(f"{year}-04-01"))
        data = bcs_microdata(year_frame, sample, rng)
        data.insert(1, "survey_year", label)
        base = synth_summary_bcs(data, population, frame)
        files[label] = SyntheticSurvey("bcs", data, pd.DataFrame(), pd.DataFrame(), _year_design("bcs", label),
                                       base | {"year": label, "drift": drift})
    truth = year_truths(populations, "bcs")
    return SyntheticYears("bcs", files, truth, change_truth(truth), bcs_controls(population), drift)


def synth_place_years(seed: int, years: Sequence[int], n_las: int = 20, returns: int = 1_100,
                      drift: float = 1.0) -> SyntheticYears:
    """Place-Survey-like years (autumn fieldwork) for `n_las` authorities, independent samples of a
    population whose perceptions drift by known amounts (`survey.synthetic.years`)."""
    world = build_world(seed)
    population = place_population(world, n_las)
    frame = place_frame(population)
    shifts = factor_shifts(world, population, drift)
    rng = np.random.default_rng(world.streams["sample"])
    files, populations = {}, {}
    for year in years:
        label = year_label("place", year)
        moved = year_population(world, population, "place", year - years[0], shifts)
        populations[label] = moved
        year_frame = replace(frame, population=moved)
        sample = draw_place_sample(year_frame, returns, rng)
        data = place_microdata(year_frame, sample)
        first, last = (np.datetime64(f"{year}-{day}") for day in PLACE_FIELDWORK)
        dates = first + rng.integers(0, int((last - first).astype(int)) + 1, size=len(data))
        data.insert(1, "survey_year", label)
        data.insert(2, "interview_date", dates.astype(str))
        summary = {"note": SYNTHETIC_NOTE, "authorities": int(n_las), "returns": int(len(data)), "year": label,
                   "drift": drift, "population_adults": int(frame.rows.size)}
        files[label] = SyntheticSurvey("place", data, pd.DataFrame(), pd.DataFrame(), _year_design("place", label),
                                       summary)
    truth = year_truths(populations, "place")
    return SyntheticYears("place", files, truth, change_truth(truth), place_controls(frame), drift)


def synth_summary_bcs(data: pd.DataFrame, population: Any, frame: Any) -> dict[str, Any]:
    """The summary recorded with a synthetic BCS file."""
    return {"note": SYNTHETIC_NOTE, "interviews": int(len(data)), "population_adults": int(population.size),
            "adults_per_interview": ADULTS_PER_INTERVIEW, "psus_sampled": int(data["psu"].nunique()),
            "psus_in_population": int(frame.psu_stratum.size)}


def _year_design(survey: str, label: str) -> dict[str, Any]:
    if survey == "bcs":
        return {"weight": "design_weight", "strata": "stratum", "psu": "psu", "survey_year": label,
                "change": "safer change YEAR1 YEAR2 --questionnaire bcs --all-indicators --weight design_weight "
                          "--strata stratum --psu psu --between source_file=YEAR1,YEAR2 --out change.csv"}
    return {"weight": "design_weight", "strata": "la", "survey_year": label,
            "weighting": "rake each authority (--by la) to the control totals: age_band, sex, ethnicity"}
