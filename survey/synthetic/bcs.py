"""A synthetic British Crime Survey year (April 2008 - March 2009) drawn from a synthetic population.

Design, as the BCS (DOMAIN.md, (ext)): stratified by police force area, with about 1,000 interviews per
force (more in the big forces); the tiny City of London is sampled within the Metropolitan Police stratum
(column `stratum`; `pfa` keeps the force for estimates by force). PSUs (neighbourhoods standing in for
postcode sectors) drawn by simple random sampling within each force; a fixed number of households per
PSU; one adult selected at random per household, so the design weight is proportional to the number of
adults. Selection probabilities are recorded. Fieldwork is issued monthly by PSU over the year, so every
quarter has interviews. Don't know and refused come from the population's answers; the NI 27
"seek views" item is asked of a random half (the rest carry the not-asked code -1).

The population is sized from the sample (`ADULTS_PER_INTERVIEW`), so that about one PSU in ten is
sampled: the with-replacement variance of a real BCS (a tiny sampling fraction) stays appropriate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.synthetic.population import Population, World, populate
from survey.synthetic.targets import BCS_ITEMS

INTERVIEWS_PER_PSU = 22
MIN_INTERVIEWS_PER_PFA_SHARE = 1000 / 46_000  # at least ~1,000 of 46,000 in each force
CITY_OF_LONDON = 5
METROPOLITAN_POLICE = 25
ADULTS_PER_INTERVIEW = 80
SEEK_VIEWS_MODULE_SHARE = 0.5
NOT_ASKED = -1
ETHNICITY_REFUSED_RATE = 0.003
FIELDWORK_START = np.datetime64("2008-04-01")
MAX_DAYS_AFTER_ISSUE = 28  # interviews fall within the month of issue


def bcs_authorities(world: World, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of every authority of England and Wales and their adults: about ADULTS_PER_INTERVIEW per interview."""
    if n < 43 * 2 * INTERVIEWS_PER_PSU:
        raise SurveyInputError(f"--n {n} is too small: need at least {43 * 2 * INTERVIEWS_PER_PSU} interviews "
                               "(two PSUs in each of the 43 forces)")
    adults = world.geography.las["adults"].to_numpy()
    return np.arange(world.geography.n_las), adults * n * ADULTS_PER_INTERVIEW / adults.sum()


def bcs_population(world: World, n: int) -> Population:
    """All authorities of England and Wales, with about ADULTS_PER_INTERVIEW adults per interview."""
    return populate(world, "bcs", *bcs_authorities(world, n))


@dataclass(frozen=True)
class BcsFrame:
    """The population arranged for fast repeated sampling (PSUs and households are contiguous blocks)."""

    population: Population
    psu_stratum: np.ndarray
    """Sampling stratum of each PSU: its force, the Met for the City of London."""
    psu_first_household: np.ndarray
    psu_households: np.ndarray
    household_first_person: np.ndarray
    household_adults: np.ndarray
    stratum_psus: np.ndarray
    """Number of PSUs per stratum (index = force code of the stratum)"""
    stratum_adults: np.ndarray


def bcs_frame(population: Population) -> BcsFrame:
    people = population.people
    first_person = population.household_start()
    household_psu = people["psu"].to_numpy()[first_person]
    n_psus = int(household_psu.max()) + 1
    psu_households = np.bincount(household_psu, minlength=n_psus)
    psu_first_household = np.concatenate([[0], np.cumsum(psu_households)[:-1]])
    psu_stratum = sampling_stratum(people["pfa"].to_numpy()[first_person[psu_first_household]])
    return BcsFrame(
        population=population,
        psu_stratum=psu_stratum,
        psu_first_household=psu_first_household,
        psu_households=psu_households,
        household_first_person=first_person,
        household_adults=people["n_adults"].to_numpy()[first_person].astype(np.int64),
        stratum_psus=np.bincount(psu_stratum, minlength=44),
        stratum_adults=np.bincount(sampling_stratum(people["pfa"].to_numpy()), minlength=44).astype(np.float64),
    )


def sampling_stratum(pfa: np.ndarray) -> np.ndarray:
    """Sampling stratum of each force code: the force itself, except the City of London (in the Met's)."""
    stratum = np.asarray(pfa).astype(np.int64)
    return np.where(stratum == CITY_OF_LONDON, METROPOLITAN_POLICE, stratum)


def psus_per_stratum(frame: BcsFrame, n: int) -> np.ndarray:
    """PSUs to sample in each stratum (index = force code): proportional to adults above a floor of about
    1,000 interviews, adding up to about n interviews."""
    floor = np.full(frame.stratum_adults.size, n * MIN_INTERVIEWS_PER_PFA_SHARE)
    floor[[0, CITY_OF_LONDON]] = 0.0
    # Interviews per adult above the floors: the rate at which sum(max(rate * adults, floor)) = n.
    low, high = 0.0, n / frame.stratum_adults.sum()
    for _ in range(60):
        rate = (low + high) / 2
        low, high = (rate, high) if np.maximum(rate * frame.stratum_adults, floor).sum() < n else (low, rate)
    wanted = np.maximum(high * frame.stratum_adults, floor)
    psus = np.maximum(2, np.round(wanted / INTERVIEWS_PER_PSU)).astype(np.int64)
    psus[frame.stratum_psus == 0] = 0
    return np.minimum(psus, frame.stratum_psus)


@dataclass(frozen=True)
class BcsSample:
    """One drawn sample: population rows of the respondents and their design information."""

    rows: np.ndarray
    psu: np.ndarray
    selection_probability: np.ndarray
    interview_date: np.ndarray
    """Datetime64[D]."""
    seek_views_asked: np.ndarray
    """Bool."""


def draw_bcs_sample(frame: BcsFrame, n: int, rng: np.random.Generator,
                    fieldwork_start: np.datetime64 = FIELDWORK_START) -> BcsSample:
    """Stratified two-stage sample: PSUs within forces, households within PSUs, one adult per household.

    Interviews run for twelve months from `fieldwork_start` (the first day of a month)."""
    m_h = psus_per_stratum(frame, n)
    n_psus = frame.psu_stratum.size
    order = np.lexsort((rng.random(n_psus), frame.psu_stratum))
    stratum_sorted = frame.psu_stratum[order]
    rank = np.arange(n_psus) - np.searchsorted(stratum_sorted, stratum_sorted)
    chosen_psus = np.sort(order[rank < m_h[stratum_sorted]])

    households = frame.psu_households[chosen_psus]
    take = np.minimum(INTERVIEWS_PER_PSU, households)
    household_psu = np.repeat(chosen_psus, households)
    offset = np.arange(household_psu.size) - np.repeat(np.cumsum(households) - households, households)
    household_id = frame.psu_first_household[household_psu] + offset
    by_psu = np.lexsort((rng.random(household_id.size), household_psu))
    within = np.arange(household_id.size) - np.repeat(np.cumsum(households) - households, households)
    keep = by_psu[within < np.repeat(take, households)]
    chosen_households = household_id[keep]
    chosen_household_psu = household_psu[keep]

    adults = frame.household_adults[chosen_households]
    rows = frame.household_first_person[chosen_households] + np.floor(rng.random(adults.size) * adults).astype(
        np.int64)
    stratum = frame.psu_stratum[chosen_household_psu]
    psu_prob = m_h[stratum] / frame.stratum_psus[stratum]
    household_prob = np.repeat(take / households, take)
    # `keep` is ordered by PSU, so the per-PSU household probabilities line up with np.repeat(take).
    probability = psu_prob * household_prob / adults

    issue_month = rng.integers(0, 12, size=chosen_psus.size)
    first_month = np.asarray(fieldwork_start).astype("datetime64[M]")
    psu_issue = (first_month + issue_month).astype("datetime64[D]")
    issue = psu_issue[np.searchsorted(chosen_psus, chosen_household_psu)]
    last_day = (first_month + 12).astype("datetime64[D]") - 1
    date = np.minimum(issue + rng.integers(0, MAX_DAYS_AFTER_ISSUE, size=rows.size), last_day)
    asked = rng.random(rows.size) < SEEK_VIEWS_MODULE_SHARE
    order_rows = np.argsort(rows, kind="stable")
    return BcsSample(
        rows=rows[order_rows],
        psu=chosen_household_psu[order_rows],
        selection_probability=probability[order_rows],
        interview_date=date[order_rows],
        seek_views_asked=asked[order_rows],
    )


def quarter_label(dates: np.ndarray) -> np.ndarray:
    """Calendar quarter of each date, e.g. '2008Q2' (April-June 2008)."""
    months = dates.astype("datetime64[M]").astype(np.int64)
    year = 1970 + months // 12
    quarter = (months % 12) // 3 + 1
    return np.char.add(np.char.add(year.astype(str), "Q"), quarter.astype(str))


def bcs_microdata(frame: BcsFrame, sample: BcsSample, rng: np.random.Generator) -> pd.DataFrame:
    """The analysis file: design columns, demographics and the BCS items, codes as in bcs.yaml."""
    people = frame.population.people.iloc[sample.rows]
    items = frame.population.items["bcs"].iloc[sample.rows].reset_index(drop=True)
    ethnicity = people["ethnicity"].to_numpy().astype(np.int64)
    ethnicity[rng.random(ethnicity.size) < ETHNICITY_REFUSED_RATE] = 9
    data = pd.DataFrame(
        {
            "respondent_id": np.arange(1, sample.rows.size + 1),
            "pfa": people["pfa"].to_numpy().astype(np.int64),
            "la": people["la"].astype(str).to_numpy(),
            "stratum": sampling_stratum(people["pfa"].to_numpy()),
            "region": people["region"].to_numpy().astype(np.int64),
            "psu": sample.psu + 1,
            "n_adults": people["n_adults"].to_numpy().astype(np.int64),
            "selection_probability": sample.selection_probability,
            "design_weight": 1.0 / sample.selection_probability,
            "interview_date": sample.interview_date.astype(str),
            "quarter": quarter_label(sample.interview_date),
            "age_band": people["age_band"].to_numpy().astype(np.int64),
            "sex": people["sex"].to_numpy().astype(np.int64),
            "ethnicity": ethnicity,
        }
    )
    for model in BCS_ITEMS:
        data[model.item] = items[model.item].to_numpy().astype(np.int64)
    data.loc[~sample.seek_views_asked, "seek_views"] = NOT_ASKED
    return data


def bcs_controls(population: Population) -> pd.DataFrame:
    """Population totals for calibration, long format: region, variable, category, total (age band, sex)."""
    # Counted with bincount: a grouping of millions of rows would take as much memory again as the population.
    people = population.people
    region = people["region"].to_numpy().astype(np.intp)
    n_regions = int(region.max()) + 1
    parts = []
    for variable in ("age_band", "sex"):
        values = people[variable].to_numpy().astype(np.intp)
        width = int(values.max()) + 1
        counts = np.bincount(region * width + values, minlength=n_regions * width).reshape(n_regions, width)
        region_code, category = np.nonzero(counts)
        parts.append(pd.DataFrame({"region": region_code.astype(np.int64), "variable": variable,
                                   "category": category.astype(str),
                                   "total": counts[region_code, category].astype(np.float64)}))
    return pd.concat(parts, ignore_index=True).sort_values(
        ["region", "variable", "category"], kind="stable", ignore_index=True)
