"""A synthetic adult population of England and Wales, built reproducibly from a seed.

Households sit in neighbourhoods (PSUs, scaled-down postcode sectors) inside local authorities. Each
household has 1-5 adults; each adult has an age band, sex and ethnicity; the neighbourhood has a
deprivation score; and latent perception factors give every adult an answer to every BCS and Place
Survey item (survey/synthetic/perceptions.py). Everything is vectorised over people.

Seeds: one `numpy.random.SeedSequence(seed)` is split into independent streams for the geography, the
national reference population (which fixes the answer thresholds), the population itself and the
samples, so the same seed always gives the same population and the same samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.synthetic.geography import FULL_SCALE_LAS_ENGLAND, Geography, build_geography
from survey.synthetic.perceptions import (
    FACTOR_CORRELATION,
    LA_SD,
    PSU_SD,
    answer_codes,
    draw_factors,
    draw_strand_scores,
    fit_cutpoints,
    item_latent,
)
from survey.synthetic.targets import ITEM_MODELS

# Adults per household (share of households with 1..5 adults; ext, approximate).
ADULTS_PER_HOUSEHOLD_SHARES = np.array([0.32, 0.50, 0.12, 0.05, 0.01])
MEAN_ADULTS_PER_HOUSEHOLD = float(ADULTS_PER_HOUSEHOLD_SHARES @ np.arange(1, 6))
# Age band shares (16-24 ... 65+) by kind of adult: alone; in a two-adult household; first two adults of a
# larger household; third and later adults (mostly grown-up children). Synthetic assumptions.
AGE_SHARES_BY_KIND = np.array(
    [
        [0.08, 0.14, 0.13, 0.14, 0.15, 0.36],
        [0.08, 0.17, 0.21, 0.18, 0.17, 0.19],
        [0.03, 0.08, 0.22, 0.30, 0.22, 0.15],
        [0.62, 0.22, 0.07, 0.04, 0.03, 0.02],
    ]
)
FEMALE_SHARE_BY_AGE = np.array([0.49, 0.50, 0.51, 0.51, 0.51, 0.56])
NONWHITE_LOGIT_BY_AGE = np.array([0.35, 0.30, 0.10, -0.20, -0.50, -1.00])
AGED_16_17_AMONG_YOUNG_CHILDREN = 0.30  # share of 16-24s living as a third+ adult who are 16 or 17
PSU_DEPRIVATION_SD = 0.5
HOUSEHOLDS_PER_PSU = 50
REFERENCE_ADULTS = 200_000

STREAMS = ("geography", "reference", "population", "sample", "choice", "covariates")
"""Named seed streams; a new one goes at the end, so the streams before it (and every number drawn from them)
stay the same."""


def seed_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """Independent named seed sequences derived from one integer seed."""
    if seed < 0:
        raise SurveyInputError(f"seed must be a non-negative integer, got {seed}")
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return dict(zip(STREAMS, children, strict=True))


@dataclass(frozen=True)
class Population:
    """People (one row each, sorted by authority, PSU and household) and their answers per survey.

    `people` columns: la_row (row of geography.las), la, pfa, region, psu, household, n_adults,
    age_band (1-6: 16-24 .. 65+), aged_16_17 (bool), sex (1 male, 2 female), ethnicity (1 white,
    2 non-white), deprivation (neighbourhood score), A C S E H T (latent factors). `strands` holds the
    ASB strand latent scores (see perceptions.py).
    `items[survey]` holds the answer codes (int8; perceptions.BLANK = blank) with item ids as columns.
    """

    geography: Geography
    people: pd.DataFrame
    strands: np.ndarray
    """Float32 (n, 7): ASB strand latent scores, in targets.ASB_STRANDS order."""
    items: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.people)

    def household_start(self) -> np.ndarray:
        """Row of each household's first adult (households are numbered 0..H-1 in row order)."""
        household = self.people["household"].to_numpy()
        return np.flatnonzero(np.r_[True, household[1:] != household[:-1]])


def _draw_categories(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of an (n, k) probability array (rows need not sum to one); 0-based."""
    cumulative = np.cumsum(probabilities, axis=1, dtype=np.float32)
    u = rng.random(probabilities.shape[0], dtype=np.float32) * cumulative[:, -1]
    return (u[:, None] >= cumulative).sum(axis=1)


def build_population(
    geography: Geography,
    la_rows: np.ndarray,
    adults_per_la: np.ndarray,
    rng: np.random.Generator,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
) -> Population:
    """People in the given authorities (rows of geography.las) with about `adults_per_la` adults each."""
    la_rows = np.asarray(la_rows, dtype=np.int64)
    las = geography.las
    households = np.maximum(1, np.round(np.asarray(adults_per_la) / MEAN_ADULTS_PER_HOUSEHOLD)).astype(np.int64)
    hh_la = np.repeat(la_rows, households)
    n_households = int(households.sum())

    # Households are split into PSUs of about `households_per_psu` within each authority.
    psus_per_la = np.maximum(1, np.round(households / households_per_psu)).astype(np.int64)
    first_household = np.repeat(np.cumsum(households) - households, households)
    rank_in_la = np.arange(n_households) - first_household
    psu_offset = np.repeat(np.cumsum(psus_per_la) - psus_per_la, households)
    hh_psu = psu_offset + rank_in_la * np.repeat(psus_per_la, households) // np.repeat(households, households)
    psu_la = np.repeat(la_rows, psus_per_la)
    n_psus = int(psus_per_la.sum())
    psu_deprivation = las["deprivation"].to_numpy()[psu_la] + rng.normal(0.0, PSU_DEPRIVATION_SD, n_psus)
    chol = np.linalg.cholesky(FACTOR_CORRELATION)
    psu_effect = rng.standard_normal((n_psus, PSU_SD.size)) @ chol.T * PSU_SD
    psu_effect += geography.la_effects[psu_la]

    hh_adults = 1 + _draw_categories(rng, np.broadcast_to(ADULTS_PER_HOUSEHOLD_SHARES, (n_households, 5)))
    person_hh = np.repeat(np.arange(n_households), hh_adults)
    n = person_hh.size
    person_in_hh = np.arange(n) - np.repeat(np.cumsum(hh_adults) - hh_adults, hh_adults)
    n_adults = hh_adults[person_hh]
    kind = np.where(n_adults == 1, 0, np.where(n_adults == 2, 1, np.where(person_in_hh < 2, 2, 3)))
    la_of_person = hh_la[person_hh]
    psu_of_person = hh_psu[person_hh]

    tilt = las["age_tilt"].to_numpy()[la_of_person]
    age_probabilities = AGE_SHARES_BY_KIND.astype(np.float32)[kind] * np.exp(
        tilt.astype(np.float32)[:, None] * (np.arange(6, dtype=np.float32) - 2.5))
    age_band = (1 + _draw_categories(rng, age_probabilities)).astype(np.int8)
    aged_16_17 = (kind == 3) & (age_band == 1) & (rng.random(n) < AGED_16_17_AMONG_YOUNG_CHILDREN)
    female = rng.random(n) < FEMALE_SHARE_BY_AGE[age_band - 1]
    share = las["nonwhite_share"].to_numpy()[la_of_person]
    nonwhite_logit = np.log(share / (1 - share)) + NONWHITE_LOGIT_BY_AGE[age_band - 1]
    nonwhite = rng.random(n) < 1.0 / (1.0 + np.exp(-nonwhite_logit))

    deprivation = psu_deprivation[psu_of_person]
    factors = draw_factors(rng, age_band, female, nonwhite, deprivation, psu_effect[psu_of_person])
    strands = draw_strand_scores(rng, factors, deprivation)

    people = pd.DataFrame(
        {
            "la_row": la_of_person.astype(np.int32),
            "la": pd.Categorical.from_codes(la_of_person.astype(np.int64), categories=pd.Index(las["la"])),
            "pfa": las["pfa"].to_numpy()[la_of_person].astype(np.int8),
            "region": las["region"].to_numpy()[la_of_person].astype(np.int8),
            "psu": psu_of_person.astype(np.int32),
            "household": person_hh.astype(np.int32),
            "n_adults": n_adults.astype(np.int8),
            "age_band": age_band,
            "aged_16_17": aged_16_17,
            "sex": np.where(female, 2, 1).astype(np.int8),
            "ethnicity": np.where(nonwhite, 2, 1).astype(np.int8),
            "deprivation": deprivation.astype(np.float32),
        }
    )
    for j, name in enumerate(("A", "C", "S", "E", "H", "T")):
        people[name] = factors[:, j]
    return Population(geography=geography, people=people, strands=strands)


def in_survey_frame(population: Population, survey: str) -> np.ndarray:
    """Rows eligible for a survey: BCS all adults 16+ in England and Wales; Place 18+ in England."""
    if survey == "bcs":
        return np.ones(population.size, dtype=bool)
    england = population.geography.las["england"].to_numpy()[population.people["la_row"].to_numpy()]
    return england & ~population.people["aged_16_17"].to_numpy()


def fit_all_cutpoints(reference: Population, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Answer thresholds for every item of both surveys, from a national reference population."""
    strands = reference.strands
    factors = reference.people[["A", "C", "S", "E", "H", "T"]].to_numpy()
    cutpoints: dict[str, dict[str, np.ndarray]] = {}
    for survey, models in ITEM_MODELS.items():
        frame = in_survey_frame(reference, survey)
        cutpoints[survey] = {
            m.item: fit_cutpoints(m, item_latent(rng, m, factors[frame], strands[frame])) for m in models
        }
    return cutpoints


def add_answers(
    population: Population, survey: str, cutpoints: dict[str, np.ndarray], rng: np.random.Generator
) -> None:
    """Draw every item of `survey` for every person (stored in population.items[survey])."""
    strands = population.strands
    factors = population.people[["A", "C", "S", "E", "H", "T"]].to_numpy()
    columns = {}
    for model in ITEM_MODELS[survey]:
        latent = item_latent(rng, model, factors, strands)
        columns[model.item] = answer_codes(rng, model, latent, cutpoints[model.item])
    population.items[survey] = pd.DataFrame(columns)


@dataclass(frozen=True)
class World:
    """The geography and answer thresholds shared by every population drawn from one seed."""

    seed: int
    geography: Geography
    cutpoints: dict[str, dict[str, np.ndarray]]
    streams: dict[str, np.random.SeedSequence]


def build_world(seed: int, n_las_england: int = FULL_SCALE_LAS_ENGLAND) -> World:
    """Geography from the seed, and answer thresholds fitted on a national reference population."""
    streams = seed_streams(seed)
    geography = build_geography(np.random.default_rng(streams["geography"]), LA_SD, FACTOR_CORRELATION,
                                n_las_england)
    reference_rng = np.random.default_rng(streams["reference"])
    adults = geography.las["adults"].to_numpy()
    reference = build_population(geography, np.arange(geography.n_las), adults * REFERENCE_ADULTS / adults.sum(),
                                 reference_rng)
    return World(seed, geography, fit_all_cutpoints(reference, reference_rng), streams)


def populate(
    world: World, survey: str, la_rows: Sequence[int] | np.ndarray, adults_per_la: np.ndarray,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
) -> Population:
    """A population in the given authorities with answers to `survey`'s items."""
    rng = np.random.default_rng(world.streams["population"])
    population = build_population(world.geography, np.asarray(la_rows), adults_per_la, rng, households_per_psu)
    add_answers(population, survey, world.cutpoints[survey], rng)
    return population
