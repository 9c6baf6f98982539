"""A synthetic Place Survey (autumn 2008): a postal sample of adults 18+ in each English authority.

Each authority mails enough questionnaires to expect its target number of returns at the assumed
response rate, by simple random sampling from its adults. Whether a person returns the form follows a
response model (synthetic assumption): older people and women respond more, non-white residents less,
response varies by authority (lower in deprived ones), and -- the part weighting cannot fix -- more
civically engaged people (latent factor E) respond more. Response rates land at about 30-45%.

The design weight is the inverse of the mailing probability (adults in the authority / forms mailed).
Control totals are the authority's adults by age band, sex and ethnicity, in the long format read by
`safer weight`: la, variable, category, total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.synthetic.population import Population, World, in_survey_frame, populate
from survey.synthetic.targets import PLACE_ITEMS

ASSUMED_RESPONSE_RATE = 0.38  # what an authority plans its mailing on
RESPONSE_INTERCEPT = -0.70
RESPONSE_AGE_EFFECT = np.array([-0.75, -0.55, -0.25, 0.00, 0.35, 0.65])  # 18-24 .. 65+
RESPONSE_FEMALE_EFFECT = 0.20
RESPONSE_NONWHITE_EFFECT = -0.35
RESPONSE_ENGAGEMENT_EFFECT = 0.15  # per standard deviation of latent civic engagement E
# Synthetic authorities hold a scaled share of their real adults, within bounds that keep the sampling
# fraction of returns small (about 1-5%).
POPULATION_SCALE = 0.25
MIN_ADULTS, MAX_ADULTS = 25_000, 100_000


def choose_place_las(world: World, n_las: int) -> np.ndarray:
    """Rows of `n_las` English authorities: the first n of a seeded random order (so 20 is inside 30)."""
    english = np.flatnonzero(world.geography.las["england"].to_numpy())
    if not 1 <= n_las <= english.size:
        raise SurveyInputError(f"--las must be between 1 and {english.size} (English authorities), got {n_las}")
    order = np.random.default_rng(world.streams["choice"]).permutation(english)
    return np.sort(order[:n_las])


def place_authorities(world: World, n_las: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the `n_las` surveyed authorities and their adults (scaled sizes)."""
    rows = choose_place_las(world, n_las)
    real = world.geography.las["adults"].to_numpy()[rows]
    return rows, np.clip(real * POPULATION_SCALE, MIN_ADULTS, MAX_ADULTS)


def place_population(world: World, n_las: int) -> Population:
    """Adults in `n_las` English authorities (scaled sizes), with answers to the Place Survey items."""
    return populate(world, "place", *place_authorities(world, n_las))


@dataclass(frozen=True)
class PlaceFrame:
    """Eligible adults (18+, England) grouped by authority, with their response propensities."""

    population: Population
    rows: np.ndarray
    """Population rows of eligible adults, grouped by authority."""
    la_start: np.ndarray
    """First position of each authority's block in `rows`."""
    la_size: np.ndarray
    la_codes: np.ndarray
    propensity: np.ndarray
    """Per eligible adult."""


BLOCK_ROWS = 1 << 20
"""Rows handled at a time when a whole frame is scored or counted, so temporaries stay small."""


def response_propensity(population: Population, rows: np.ndarray) -> np.ndarray:
    """Probability that a mailed adult returns the form (synthetic response model)."""
    # A block of rows at a time: copies of whole columns for millions of rows would double the memory.
    people = population.people
    la_effect = population.geography.las["response_effect"].to_numpy()
    engagement = np.take(people["E"].to_numpy(), rows).astype(np.float64)
    mean, sd = engagement.mean(), engagement.std()
    propensity = np.empty(rows.size, dtype=np.float64)
    for start in range(0, rows.size, BLOCK_ROWS):
        block = rows[start:start + BLOCK_ROWS]
        logit = (engagement[start:start + BLOCK_ROWS] - mean) / sd
        logit *= RESPONSE_ENGAGEMENT_EFFECT
        logit += RESPONSE_INTERCEPT
        logit += np.take(la_effect, np.take(people["la_row"].to_numpy(), block))
        logit += np.take(RESPONSE_AGE_EFFECT, np.take(people["age_band"].to_numpy(), block).astype(np.intp) - 1)
        logit += np.where(np.take(people["sex"].to_numpy(), block) == 2, RESPONSE_FEMALE_EFFECT, 0.0)
        logit += np.where(np.take(people["ethnicity"].to_numpy(), block) == 2, RESPONSE_NONWHITE_EFFECT, 0.0)
        propensity[start:start + BLOCK_ROWS] = 1.0 / (1.0 + np.exp(-logit))
    return propensity


def place_frame(population: Population) -> PlaceFrame:
    rows = np.flatnonzero(in_survey_frame(population, "place")).astype(np.int32)
    la_row = population.people["la_row"].to_numpy()[rows]
    starts = np.flatnonzero(np.r_[True, la_row[1:] != la_row[:-1]])
    sizes = np.diff(np.r_[starts, rows.size])
    codes = population.geography.las["la"].to_numpy()[la_row[starts]]
    return PlaceFrame(population, rows, starts, sizes, codes, response_propensity(population, rows))


@dataclass(frozen=True)
class PlaceSample:
    """Respondents (population rows, sorted) with the mailing behind them."""

    rows: np.ndarray
    design_weight: np.ndarray
    mailed: np.ndarray
    """Forms mailed per authority (frame order)"""
    returned: np.ndarray
    """Returns per authority."""


def draw_place_sample(frame: PlaceFrame, returns: int, rng: np.random.Generator) -> PlaceSample:
    """Mail each authority returns / ASSUMED_RESPONSE_RATE forms (SRS); keep those who respond."""
    if returns < 50:
        raise SurveyInputError(f"--returns must be at least 50, got {returns}")
    mailed = np.minimum(np.round(returns / ASSUMED_RESPONSE_RATE).astype(np.int64), frame.la_size)
    # One draw per authority (not per person): positions of the mailed adults in the frame.
    positions = np.concatenate(
        [start + rng.choice(size, m, replace=False) for start, size, m in zip(
            frame.la_start, frame.la_size, mailed, strict=True)]
    )
    responded = rng.random(positions.size) < frame.propensity[positions]
    kept = np.sort(positions[responded])
    la_index = np.searchsorted(frame.la_start, kept, side="right") - 1
    weight = frame.la_size[la_index] / mailed[la_index]
    return PlaceSample(
        rows=frame.rows[kept],
        design_weight=weight.astype(np.float64),
        mailed=mailed,
        returned=np.bincount(la_index, minlength=frame.la_start.size),
    )


def place_microdata(frame: PlaceFrame, sample: PlaceSample) -> pd.DataFrame:
    """The returns file: authority, design weight, demographics and every Place item (codes as place.yaml;
    blank = not answered)."""
    people = frame.population.people.iloc[sample.rows]
    items = frame.population.items["place"].iloc[sample.rows]
    data = pd.DataFrame(
        {
            "respondent_id": np.arange(1, sample.rows.size + 1),
            "la": people["la"].astype(str).to_numpy(),
            "region": people["region"].to_numpy().astype(np.int64),
            "design_weight": sample.design_weight,
            "age_band": people["age_band"].to_numpy().astype(np.int64),
            "sex": people["sex"].to_numpy().astype(np.int64),
            "ethnicity": people["ethnicity"].to_numpy().astype(np.int64),
        }
    )
    for model in PLACE_ITEMS:
        codes = items[model.item].to_numpy()
        data[model.item] = pd.array(np.where(codes < 0, 0, codes), dtype="Int64")
        data.loc[codes < 0, model.item] = pd.NA
    return data


def place_controls(frame: PlaceFrame) -> pd.DataFrame:
    """Adults 18+ per authority by age band, sex and ethnicity: la, variable, category, total."""
    people = frame.population.people
    las = frame.population.geography.las["la"].to_numpy().astype(str)
    parts = []
    for variable in ("age_band", "sex", "ethnicity"):
        values = people[variable].to_numpy()
        width = int(values.max()) + 1
        counts = np.zeros(las.size * width, dtype=np.int64)
        for start in range(0, frame.rows.size, BLOCK_ROWS):
            block = frame.rows[start:start + BLOCK_ROWS]
            cell = np.take(people["la_row"].to_numpy(), block).astype(np.intp) * width
            cell += np.take(values, block)
            counts += np.bincount(cell, minlength=counts.size)
        la_index, category = np.nonzero(counts.reshape(las.size, width))
        parts.append(pd.DataFrame({"la": las[la_index], "variable": variable, "category": category.astype(str),
                                   "total": counts.reshape(las.size, width)[la_index, category].astype(np.float64)}))
    return pd.concat(parts, ignore_index=True).sort_values(
        ["la", "variable", "category"], kind="stable", ignore_index=True)
