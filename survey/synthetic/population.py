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

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.synthetic.geography import FULL_SCALE_LAS_ENGLAND, Geography, build_geography
from survey.synthetic.perceptions import (
    FACTOR_CORRELATION,
    FACTORS,
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
CHUNK_PEOPLE = 500_000
"""People held at once when a population is built a few authorities at a time (about 0.15 GB of working
memory)."""
WORKERS = min(2, os.cpu_count() or 1)
"""Threads drawing authorities side by side (the output does not depend on it)."""

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


AUTHORITY_STREAM_KEY = 9
"""Spawn key, under a population's seed stream, of each authority's own stream (then its geography row)."""
_LOW_AGE = 0  # index of the 16-24 band


def authority_rng(stream: np.random.SeedSequence, la_row: int) -> np.random.Generator:
    """The random numbers of one authority's people: the same whichever other authorities are drawn with it
    and however the authorities are grouped, so a population can be built a few authorities at a time."""
    return np.random.default_rng(
        np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, AUTHORITY_STREAM_KEY, int(la_row))))


def _draw_by_kind(u: np.ndarray, cumulative: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """0-based category per row from uniforms `u`, where row i uses the cumulative probabilities
    `cumulative[kind[i]]` ((k, m), each row ending at 1): one search in the rows laid end to end."""
    k, m = cumulative.shape
    laid = (cumulative[:, :-1] + 2.0 * np.arange(k)[:, None]).ravel()
    found = np.searchsorted(laid, u + 2.0 * kind, side="right") - (m - 1) * kind
    return np.minimum(found, m - 1)


@dataclass(frozen=True)
class _Authority:
    """One authority's people as arrays (the columns of `Population.people`, `la` as its category code), their
    strand scores and answers; `psu` and `household` count from 0 within the authority."""

    columns: dict[str, np.ndarray]
    factors: np.ndarray
    """Float32 (n, 6), each factor's column contiguous (the factor columns of `columns` are views of it)."""
    strands: np.ndarray
    items: dict[str, np.ndarray]
    n_households: int
    n_psus: int


def build_authority(
    geography: Geography, la_row: int, adults: float, rng: np.random.Generator,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
) -> _Authority:
    """About `adults` adults of one authority (a row of geography.las), in households and PSUs."""
    las = geography.las
    households = max(1, int(np.round(adults / MEAN_ADULTS_PER_HOUSEHOLD)))
    n_psus = max(1, int(np.round(households / households_per_psu)))
    household_psu = np.arange(households) * n_psus // households
    psu_deprivation = las["deprivation"].to_numpy()[la_row] + rng.normal(0.0, PSU_DEPRIVATION_SD, n_psus)
    chol = np.linalg.cholesky(FACTOR_CORRELATION)
    psu_effect = rng.standard_normal((n_psus, PSU_SD.size)) @ chol.T * PSU_SD + geography.la_effects[la_row]

    adults_cumulative = np.cumsum(ADULTS_PER_HOUSEHOLD_SHARES) / ADULTS_PER_HOUSEHOLD_SHARES.sum()
    hh_adults = 1 + _draw_by_kind(rng.random(households), adults_cumulative[None, :],
                                  np.zeros(households, dtype=np.int64))
    person_hh = np.repeat(np.arange(households), hh_adults)
    n = person_hh.size
    person_in_hh = np.arange(n) - np.repeat(np.cumsum(hh_adults) - hh_adults, hh_adults)
    n_adults = hh_adults[person_hh]
    kind = np.where(n_adults == 1, 0, np.where(n_adults == 2, 1, np.where(person_in_hh < 2, 2, 3)))
    psu = household_psu[person_hh]

    tilt = float(las["age_tilt"].to_numpy()[la_row])
    age_weights = AGE_SHARES_BY_KIND * np.exp(tilt * (np.arange(6) - 2.5))
    age_cumulative = np.cumsum(age_weights, axis=1) / age_weights.sum(axis=1, keepdims=True)
    age_index = _draw_by_kind(rng.random(n), age_cumulative, kind)
    aged_16_17 = (kind == 3) & (age_index == _LOW_AGE) & (rng.random(n) < AGED_16_17_AMONG_YOUNG_CHILDREN)
    female = rng.random(n) < FEMALE_SHARE_BY_AGE[age_index]
    share = float(las["nonwhite_share"].to_numpy()[la_row])
    nonwhite_by_age = 1.0 / (1.0 + np.exp(-(np.log(share / (1 - share)) + NONWHITE_LOGIT_BY_AGE)))
    nonwhite = rng.random(n) < nonwhite_by_age[age_index]

    age_band = (age_index + 1).astype(np.int8)
    factors = draw_factors(rng, age_band, female, nonwhite, psu_deprivation, psu_effect, psu)
    deprivation = np.take(psu_deprivation.astype(np.float32), psu)
    strands = draw_strand_scores(rng, factors, deprivation)
    columns: dict[str, np.ndarray] = {
        "la_row": np.full(n, la_row, dtype=np.int32),
        "la": np.full(n, la_row, dtype=np.int16),
        "pfa": np.full(n, las["pfa"].to_numpy()[la_row], dtype=np.int8),
        "region": np.full(n, las["region"].to_numpy()[la_row], dtype=np.int8),
        "psu": psu.astype(np.int32),
        "household": person_hh.astype(np.int32),
        "n_adults": n_adults.astype(np.int8),
        "age_band": age_band,
        "aged_16_17": aged_16_17,
        "sex": np.where(female, 2, 1).astype(np.int8),
        "ethnicity": np.where(nonwhite, 2, 1).astype(np.int8),
        "deprivation": deprivation,
    }
    for j, name in enumerate(FACTORS):
        columns[name] = factors[:, j]
    return _Authority(columns, factors, strands, {}, households, n_psus)


def _population(geography: Geography, parts: Sequence[_Authority], survey: str | None) -> Population:
    """Authorities' arrays joined into one Population (PSU and household numbers already global)."""
    people: dict[str, Any] = {name: np.concatenate([p.columns[name] for p in parts]) for name in parts[0].columns}
    people["la"] = pd.Categorical.from_codes(people["la"], categories=pd.Index(geography.las["la"]))
    items = {}
    if survey is not None:
        items[survey] = pd.DataFrame({item: np.concatenate([p.items[item] for p in parts]) for item in parts[0].items},
                                     copy=False)
    return Population(geography=geography, people=pd.DataFrame(people, copy=False),
                      strands=np.concatenate([p.strands for p in parts]), items=items)


def join_populations(parts: Sequence[Population]) -> Population:
    """Populations of consecutive authorities as one (their PSU and household numbers already global)."""
    if len(parts) == 1:
        return parts[0]
    surveys = parts[0].items.keys()
    return Population(
        geography=parts[0].geography,
        people=pd.concat([p.people for p in parts], ignore_index=True),
        strands=np.concatenate([p.strands for p in parts]),
        items={s: pd.concat([p.items[s] for p in parts], ignore_index=True) for s in surveys},
    )


def population_chunks(
    geography: Geography,
    la_rows: Sequence[int] | np.ndarray,
    adults_per_la: np.ndarray,
    stream: np.random.SeedSequence,
    survey: str | None = None,
    cutpoints: dict[str, np.ndarray] | None = None,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
    chunk_people: int = CHUNK_PEOPLE,
    workers: int = WORKERS,
) -> Iterator[Population]:
    """The population of the given authorities, a few authorities at a time (about `chunk_people` people),
    with answers to `survey`'s items (thresholds `cutpoints`) when a survey is named.

    Each authority is drawn from its own stream (`authority_rng`), answers included, so the people depend
    neither on the grouping nor on `workers` (threads drawing authorities side by side: numpy releases the
    interpreter lock while it fills arrays): joined, the chunks are the population `build_population` gives.
    PSUs and households are numbered across all authorities.
    """

    def draw(la_row: int, adults: float) -> _Authority:
        rng = authority_rng(stream, la_row)
        part = build_authority(geography, la_row, adults, rng, households_per_psu)
        if survey is not None and cutpoints is not None:
            part.items.update(answers(survey, cutpoints, rng, part.factors, part.strands))
        return part

    authorities = list(zip(np.asarray(la_rows, dtype=np.int64).tolist(),
                           np.asarray(adults_per_la, dtype=np.float64).tolist(), strict=True))
    pending: list[_Authority] = []
    held = households_before = psus_before = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        # A few authorities in flight at a time, taken in order: memory stays bounded and the order fixed.
        in_flight: deque[Future[_Authority]] = deque()
        queue = iter(authorities)
        for la_row, adults in islice(queue, 2 * max(1, workers)):
            in_flight.append(pool.submit(draw, la_row, adults))
        while in_flight:
            part = in_flight.popleft().result()
            for la_row, adults in islice(queue, 1):
                in_flight.append(pool.submit(draw, la_row, adults))
            part.columns["psu"] += np.int32(psus_before)
            part.columns["household"] += np.int32(households_before)
            households_before += part.n_households
            psus_before += part.n_psus
            pending.append(part)
            held += part.strands.shape[0]
            if held >= chunk_people:
                yield _population(geography, pending, survey)
                pending, held = [], 0
    if pending:
        yield _population(geography, pending, survey)


def build_population(
    geography: Geography,
    la_rows: np.ndarray,
    adults_per_la: np.ndarray,
    stream: np.random.SeedSequence,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
) -> Population:
    """People in the given authorities (rows of geography.las) with about `adults_per_la` adults each."""
    return join_populations(list(population_chunks(geography, la_rows, adults_per_la, stream,
                                                   households_per_psu=households_per_psu,
                                                   chunk_people=np.iinfo(np.int64).max)))


SAMPLING_COLUMNS: dict[str, tuple[str, ...]] = {
    "bcs": ("la_row", "la", "pfa", "region", "psu", "household", "n_adults", "age_band", "aged_16_17", "sex",
            "ethnicity"),
    "place": ("la_row", "la", "region", "age_band", "aged_16_17", "sex", "ethnicity", "E"),
}
"""The people's columns that drawing and writing a sample of each survey reads."""


def for_sampling(
    chunks: Iterable[Population], survey: str, each: Callable[[Population], None] | None = None
) -> Population:
    """The chunks of a population joined, keeping only what sampling needs: `SAMPLING_COLUMNS` and the survey's
    answers, not the latent factors and strand scores (two thirds of a population's memory).

    `each` sees every whole chunk first (to count the truth, say). The kept columns are copied out of each chunk
    and joined column by column, so no column is ever held twice over.
    """
    kept: dict[str, list[np.ndarray]] = {column: [] for column in SAMPLING_COLUMNS[survey]}
    answer_parts: dict[str, list[np.ndarray]] = {}
    geography: Geography | None = None
    for chunk in chunks:
        if each is not None:
            each(chunk)
        geography = chunk.geography
        for column, parts in kept.items():
            values = chunk.people[column]
            parts.append(np.array(values.cat.codes if column == "la" else values, copy=True))
        for item in chunk.items[survey].columns:
            answer_parts.setdefault(str(item), []).append(np.array(chunk.items[survey][item], copy=True))
    if geography is None:
        raise SurveyInputError("no authorities to draw a population for")
    people: dict[str, Any] = {}
    for column, parts in kept.items():
        people[column] = np.concatenate(parts)
        parts.clear()
    people["la"] = pd.Categorical.from_codes(people["la"], categories=pd.Index(geography.las["la"]))
    items: dict[str, np.ndarray] = {}
    for item, parts in answer_parts.items():
        items[item] = np.concatenate(parts)
        parts.clear()
    n = len(people["la_row"])
    return Population(geography=geography, people=pd.DataFrame(people, copy=False),
                      strands=np.empty((n, 0), dtype=np.float32), items={survey: pd.DataFrame(items, copy=False)})


def in_survey_frame(population: Population, survey: str) -> np.ndarray:
    """Rows eligible for a survey: BCS all adults 16+ in England and Wales; Place 18+ in England."""
    if survey == "bcs":
        return np.ones(population.size, dtype=bool)
    england = population.geography.las["england"].to_numpy()[population.people["la_row"].to_numpy()]
    return england & ~population.people["aged_16_17"].to_numpy()


def factor_columns(population: Population) -> np.ndarray:
    """The people's latent factors, float32 (n, 6), each factor's column contiguous (items read one column)."""
    factors = np.empty((population.size, len(FACTORS)), dtype=np.float32, order="F")
    for j, name in enumerate(FACTORS):
        factors[:, j] = population.people[name].to_numpy()
    return factors


def fit_all_cutpoints(reference: Population, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Answer thresholds for every item of both surveys, from a national reference population."""
    strands = reference.strands
    factors = factor_columns(reference)
    cutpoints: dict[str, dict[str, np.ndarray]] = {}
    for survey, models in ITEM_MODELS.items():
        frame = in_survey_frame(reference, survey)
        cutpoints[survey] = {
            m.item: fit_cutpoints(m, item_latent(rng, m, factors[frame], strands[frame])) for m in models
        }
    return cutpoints


def answers(
    survey: str, cutpoints: dict[str, np.ndarray], rng: np.random.Generator, factors: np.ndarray, strands: np.ndarray
) -> dict[str, np.ndarray]:
    """Every item of `survey` for every person: answer codes (int8) by item id."""
    codes = {}
    for model in ITEM_MODELS[survey]:
        latent = item_latent(rng, model, factors, strands)
        codes[model.item] = answer_codes(rng, model, latent, cutpoints[model.item])
    return codes


def add_answers(
    population: Population, survey: str, cutpoints: dict[str, np.ndarray], rng: np.random.Generator
) -> None:
    """Draw every item of `survey` for every person (stored in population.items[survey])."""
    population.items[survey] = pd.DataFrame(
        answers(survey, cutpoints, rng, factor_columns(population), population.strands), copy=False)


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
                                 streams["reference"])
    return World(seed, geography, fit_all_cutpoints(reference, reference_rng), streams)


def populate(
    world: World, survey: str, la_rows: Sequence[int] | np.ndarray, adults_per_la: np.ndarray,
    households_per_psu: int = HOUSEHOLDS_PER_PSU,
) -> Population:
    """A population in the given authorities with answers to `survey`'s items (all of it in memory; see
    `populate_chunks` for a few authorities at a time)."""
    return join_populations(list(populate_chunks(world, survey, la_rows, adults_per_la, households_per_psu,
                                        chunk_people=np.iinfo(np.int64).max)))


def populate_chunks(
    world: World, survey: str, la_rows: Sequence[int] | np.ndarray, adults_per_la: np.ndarray,
    households_per_psu: int = HOUSEHOLDS_PER_PSU, chunk_people: int = CHUNK_PEOPLE, workers: int = WORKERS,
) -> Iterator[Population]:
    """`populate`, a few authorities at a time: joined, the chunks are `populate`'s population."""
    return population_chunks(world.geography, la_rows, adults_per_la, world.streams["population"], survey,
                             world.cutpoints[survey], households_per_psu, chunk_people, workers)
