"""Synthetic geography of England and Wales: 10 regions, 43 police force areas, local authorities.

Regions and forces are the real ones (codes as in data/questionnaires/bcs.yaml). Force populations are
rounded mid-2008 figures (ext, approximate, used only to size the synthetic areas). Local authorities are
synthetic: each force is split into authorities in proportion to its population (at least one each), with
sizes, deprivation, ethnic mix, age structure and area effects drawn from the seed. Nothing here claims to
describe a real council.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError

REGIONS: dict[int, str] = {
    1: "North East",
    2: "North West",
    3: "Yorkshire and the Humber",
    4: "East Midlands",
    5: "West Midlands",
    6: "East of England",
    7: "London",
    8: "South East",
    9: "South West",
    10: "Wales",
}
WALES = 10

# (code, name, region, total population in millions, mid-2008, rounded; ext, approximate).
POLICE_FORCE_AREAS: tuple[tuple[int, str, int, float], ...] = (
    (1, "Avon and Somerset", 9, 1.59), (2, "Bedfordshire", 6, 0.61), (3, "Cambridgeshire", 6, 0.76),
    (4, "Cheshire", 2, 1.01), (5, "City of London", 7, 0.008), (6, "Cleveland", 1, 0.55),
    (7, "Cumbria", 2, 0.50), (8, "Derbyshire", 4, 1.00), (9, "Devon and Cornwall", 9, 1.68),
    (10, "Dorset", 9, 0.71), (11, "Durham", 1, 0.60), (12, "Dyfed-Powys", 10, 0.51),
    (13, "Essex", 6, 1.71), (14, "Gloucestershire", 9, 0.58), (15, "Greater Manchester", 2, 2.57),
    (16, "Gwent", 10, 0.56), (17, "Hampshire", 8, 1.85), (18, "Hertfordshire", 6, 1.08),
    (19, "Humberside", 3, 0.89), (20, "Kent", 8, 1.67), (21, "Lancashire", 2, 1.45),
    (22, "Leicestershire", 4, 0.95), (23, "Lincolnshire", 4, 0.69), (24, "Merseyside", 2, 1.35),
    (25, "Metropolitan Police", 7, 7.60), (26, "Norfolk", 6, 0.85), (27, "North Wales", 10, 0.68),
    (28, "North Yorkshire", 3, 0.79), (29, "Northamptonshire", 4, 0.68), (30, "Northumbria", 1, 1.41),
    (31, "Nottinghamshire", 4, 1.08), (32, "South Wales", 10, 1.26), (33, "South Yorkshire", 3, 1.30),
    (34, "Staffordshire", 5, 1.07), (35, "Suffolk", 6, 0.71), (36, "Surrey", 8, 1.10),
    (37, "Sussex", 8, 1.56), (38, "Thames Valley", 8, 2.20), (39, "Warwickshire", 5, 0.53),
    (40, "West Mercia", 5, 1.19), (41, "West Midlands", 5, 2.60), (42, "West Yorkshire", 3, 2.20),
    (43, "Wiltshire", 9, 0.64),
)

FULL_SCALE_LAS_ENGLAND = 350
FULL_SCALE_LAS_WALES = 22
ADULT_SHARE = 0.80
MIN_NONWHITE_SHARE = 0.02  # adults aged 16+ as a share of all residents (ext, approximate)

# Mean area deprivation by region, on a standardised score (higher = more deprived). Synthetic assumption.
REGION_DEPRIVATION: dict[int, float] = {1: 0.6, 2: 0.5, 3: 0.3, 4: 0.0, 5: 0.3, 6: -0.4, 7: 0.4, 8: -0.6,
                                        9: -0.3, 10: 0.3}
# Share of adults of non-white ethnicity by region (ext, approximate, 2008).
REGION_NONWHITE: dict[int, float] = {1: 0.04, 2: 0.08, 3: 0.09, 4: 0.09, 5: 0.13, 6: 0.07, 7: 0.33, 8: 0.07,
                                     9: 0.04, 10: 0.03}


@dataclass(frozen=True)
class Geography:
    """Regions, forces and local authorities with their area characteristics (one row per authority).

    `las` columns: la (code text, E001.. / W001..), pfa, region, england (bool), adults (real-scale adult
    population), deprivation (standardised score), nonwhite_share, age_tilt (log-odds slope towards
    older age bands), response_effect (Place Survey response log-odds shift). `la_effects` holds each
    authority's random effects on the latent perception factors, shape (n_las, n_factors).
    """

    las: pd.DataFrame
    la_effects: np.ndarray

    @property
    def n_las(self) -> int:
        return len(self.las)

    def pfas(self) -> pd.DataFrame:
        """The 43 forces: pfa, name, region, adults (sum over their authorities)."""
        table = pd.DataFrame(POLICE_FORCE_AREAS, columns=["pfa", "name", "region", "population_millions"])
        adults = self.las.groupby("pfa")["adults"].sum()
        return table.assign(adults=table["pfa"].map(adults)).drop(columns="population_millions")


def _allocate(sizes: np.ndarray, total: int) -> np.ndarray:
    """Split `total` units over groups in proportion to `sizes`, at least one each (largest remainder)."""
    if total < sizes.size:
        raise SurveyInputError(f"need at least {sizes.size} local authorities (one per force), got {total}")
    counts = np.ones(sizes.size, dtype=np.int64)
    quota = sizes / sizes.sum() * (total - sizes.size)
    counts += np.floor(quota).astype(np.int64)
    remainder = total - int(counts.sum())
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def build_geography(
    rng: np.random.Generator,
    area_sd: np.ndarray,
    area_correlation: np.ndarray,
    n_las_england: int = FULL_SCALE_LAS_ENGLAND,
) -> Geography:
    """Draw the synthetic authorities. Wales gets 22 authorities at full scale, scaled down with England.

    `area_sd` and `area_correlation` give the spread and correlation of the authority-level random
    effects on the latent perception factors (see survey/synthetic/perceptions.py).
    """
    forces = pd.DataFrame(POLICE_FORCE_AREAS, columns=["pfa", "name", "region", "population_millions"])
    is_wales = (forces["region"] == WALES).to_numpy()
    n_las_wales = max(int(is_wales.sum()), round(FULL_SCALE_LAS_WALES * n_las_england / FULL_SCALE_LAS_ENGLAND))
    population = forces["population_millions"].to_numpy() * 1e6
    counts = np.zeros(len(forces), dtype=np.int64)
    counts[~is_wales] = _allocate(population[~is_wales], n_las_england)
    counts[is_wales] = _allocate(population[is_wales], n_las_wales)

    la_pfa = np.repeat(forces["pfa"].to_numpy(), counts)
    la_region = np.repeat(forces["region"].to_numpy(), counts)
    la_force_row = np.repeat(np.arange(len(forces)), counts)
    # Authority sizes within a force: Dirichlet shares of the force's adults (a few big, some small).
    gamma = rng.gamma(4.0, size=la_pfa.size)
    force_gamma = np.bincount(la_force_row, weights=gamma)
    adults = np.round(ADULT_SHARE * population[la_force_row] * gamma / force_gamma[la_force_row])

    n = la_pfa.size
    deprivation = np.array([REGION_DEPRIVATION[r] for r in la_region]) + rng.normal(0.0, 0.7, n)
    base_nonwhite = np.array([REGION_NONWHITE[r] for r in la_region])
    nonwhite_logit = np.log(base_nonwhite / (1 - base_nonwhite)) + rng.normal(0.0, 0.7, n) + 0.3 * deprivation
    # Floored at 2% so that an authority's ethnicity margin always has respondents to calibrate.
    nonwhite_share = np.clip(1.0 / (1.0 + np.exp(-nonwhite_logit)), MIN_NONWHITE_SHARE, 0.75)
    # London is younger; the rest varies a little around the national age structure.
    age_tilt = rng.normal(0.0, 0.08, n) - 0.12 * (la_region == 7)
    response_effect = rng.normal(0.0, 0.12, n) - 0.12 * deprivation

    england = la_region != WALES
    codes = np.empty(n, dtype=object)
    codes[england] = [f"E{i + 1:03d}" for i in range(int(england.sum()))]
    codes[~england] = [f"W{i + 1:03d}" for i in range(int((~england).sum()))]
    las = pd.DataFrame(
        {
            "la": codes.astype(str),
            "pfa": la_pfa,
            "region": la_region,
            "england": england,
            "adults": adults,
            "deprivation": deprivation,
            "nonwhite_share": nonwhite_share,
            "age_tilt": age_tilt,
            "response_effect": response_effect,
        }
    )
    chol = np.linalg.cholesky(area_correlation)
    effects = rng.standard_normal((n, area_sd.size)) @ chol.T * area_sd
    return Geography(las=las, la_effects=effects)
