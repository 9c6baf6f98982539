"""SYNTHETIC recorded crime with known truth: areas, populations, most similar groups, counts and true changes.

Each area has a population (growing a little each year), a deprivation score z that raises its rates, and a
most similar group (itself and its nearest areas on z and population). Each month, each offence type of
`offences.TYPES` has an expected count: population x rate x exp(slope x z) x season x national trend x the
area's true change. The counts are drawn as a gamma-Poisson mixture: one gamma shock per area, month and family
(mean 1, shape k drawn for the area) multiplies the expected counts of the family's types, so that a family's
monthly total has variance mean + mean^2 / k, overdispersed as real counts are, and then each code's count is
Poisson. A chosen share of areas has a true change (a factor on one family's types from a chosen year). The truth
table gives every expected count and change factor, so that any judgement can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorded_crime.codes.catalogue import month_index
from recorded_crime.reading.periods import year_label
from recorded_crime.synthetic.offences import FAMILIES, TYPES

NOTE = ("SYNTHETIC DATA: recorded crime drawn by safer synth crime from assumed rates, seasons, trends and "
        "overdispersion (recorded_crime/synthetic/offences.py); no real partnership is described.")


@dataclass(frozen=True)
class CrimeSynthSettings:
    """What to draw."""

    areas: int = 30
    """Number of areas (partnerships)."""
    first_year: int = 2003
    """First financial year (2003 for 2003-04)."""
    last_year: int = 2012
    """Last financial year, inclusive."""
    seed: int = 2008
    """Random seed: the same seed gives the same files."""
    change_share: float = 0.2
    """Share of areas with a true change."""
    effect: float = 0.8
    """The true change: a factor on the changed family's expected counts."""
    change_from: int = 2008
    """First financial year of the change."""
    changed_family: str = "acquisitive"
    """The family the change applies to (violence, acquisitive, damage)."""
    shape_low: float = 40.0
    """Smallest gamma shape k of an area (smaller k: more fluctuation)."""
    shape_high: float = 150.0
    """Largest gamma shape k."""
    trend: bool = True
    """National trends by type (off: level expected counts, for checking a test when nothing changes)."""
    seasonality: bool = True
    """Seasonal swings."""
    population_growth: bool = True
    """Populations grow a little each year (off: constant, so that expected counts do not move at all)."""
    prefix: str = "E"
    """Area names are the prefix and a three-digit number (E001, ...)."""
    group_size: int = 15
    """Areas in a most similar group, the area itself included."""
    keep_zero_rows: bool = False
    """Write rows of zero offences too (a long file may leave them out)."""


@dataclass
class SyntheticCrime:
    """Everything drawn."""

    counts: pd.DataFrame
    """area, period (YYYY-MM), code, count."""
    population: pd.DataFrame
    """area, year (mid-year), population."""
    groups: pd.DataFrame
    """area, peer: each area's most similar group (the area itself not listed)."""
    truth: pd.DataFrame
    """area, offence_type, family, financial_year, expected, change_factor."""
    areas: pd.DataFrame
    """area, deprivation, population in the first year, dispersion shape k, changed."""
    codes: list[str]
    """Codes of `values`."""
    values: np.ndarray
    """Counts, shape (areas, months, codes), for checks that skip the files."""


def _season(calendar_month: np.ndarray, amplitude: float, peak: int, on: bool) -> np.ndarray:
    if not on or amplitude == 0:
        return np.ones(len(calendar_month))
    return np.asarray(1.0 + amplitude * np.cos(2 * np.pi * (calendar_month - peak) / 12.0))


def _groups(z: np.ndarray, population: np.ndarray, names: list[str], size: int) -> pd.DataFrame:
    features = np.column_stack([z, np.log(population)])
    features = (features - features.mean(axis=0)) / np.where(features.std(axis=0) > 0, features.std(axis=0), 1.0)
    distance = np.linalg.norm(features[:, None, :] - features[None, :, :], axis=2)
    take = min(size, len(names))
    rows = []
    for i, name in enumerate(names):
        order = [j for j in np.argsort(distance[i], kind="stable") if j != i][: take - 1]
        rows += [(name, names[j]) for j in order]
    return pd.DataFrame(rows, columns=["area", "peer"])


def draw_crime(settings: CrimeSynthSettings, long_table: bool = True) -> SyntheticCrime:
    """Draw synthetic recorded crime (see the module docstring); `long_table=False` skips the long counts table
    (checks that use `values` directly)."""
    rng = np.random.default_rng(settings.seed)
    n = settings.areas
    names = [f"{settings.prefix}{i + 1:03d}" for i in range(n)]
    z = rng.normal(0.0, 1.0, n)
    base_population = np.clip(np.exp(rng.normal(np.log(150_000), 0.5, n)), 40_000, 900_000).round(-2)
    growth = rng.normal(0.006, 0.004, n) * settings.population_growth
    shape = rng.uniform(settings.shape_low, settings.shape_high, n)
    changed = rng.random(n) < settings.change_share
    years = np.arange(settings.first_year, settings.last_year + 1)
    months = np.arange(settings.first_year * 12 + 3, (settings.last_year + 1) * 12 + 3)
    year_of_month = (months - 3) // 12
    calendar = months % 12 + 1
    mid_years = np.arange(settings.first_year, settings.last_year + 2)
    population = base_population[:, None] * (1 + growth[:, None]) ** (mid_years - settings.first_year)[None, :]
    population = population.round(-2)
    month_population = population[:, year_of_month - settings.first_year]
    shocks = {family: rng.gamma(shape[:, None], 1.0 / shape[:, None], (n, len(months))) for family in FAMILIES}
    codes = sorted({code for t in TYPES for era in t.eras for code, _ in era.shares})
    values = np.zeros((n, len(months), len(codes)))
    expected_by_year: list[np.ndarray] = []
    change_by_year: list[np.ndarray] = []
    for offence in TYPES:
        trend = offence.trend ** (year_of_month - 2007) if settings.trend else np.ones(len(months))
        change = np.where(changed[:, None] & (offence.family == settings.changed_family)
                          & (year_of_month[None, :] >= settings.change_from), settings.effect, 1.0)
        expected = (month_population / 1000.0 * offence.rate / 12.0 * np.exp(offence.slope * z)[:, None]
                    * _season(calendar, offence.amplitude, offence.peak, settings.seasonality)[None, :]
                    * trend[None, :] * change)
        recorded = np.zeros(len(months), bool)
        for era in offence.eras:
            inside = np.ones(len(months), bool)
            if era.first:
                inside &= months >= month_index(era.first)
            if era.last:
                inside &= months <= month_index(era.last)
            recorded |= inside
            for code, share in era.shares:
                mean = expected * shocks[offence.family] * share * inside[None, :]
                values[:, :, codes.index(code)] += rng.poisson(mean)
        expected = expected * recorded[None, :]
        year_of = year_of_month - settings.first_year
        expected_by_year.append(np.stack([expected[:, year_of == j].sum(axis=1) for j in range(len(years))], axis=1))
        first_month = np.searchsorted(year_of, np.arange(len(years)))
        change_by_year.append(change[:, first_month])
    truth = pd.DataFrame({
        "area": np.tile(np.repeat(names, len(years)), len(TYPES)),
        "offence_type": np.repeat([t.id for t in TYPES], n * len(years)),
        "family": np.repeat([t.family for t in TYPES], n * len(years)),
        "financial_year": np.tile([year_label(int(y)) for y in years], n * len(TYPES)),
        "expected": np.concatenate([e.reshape(-1) for e in expected_by_year]),
        "change_factor": np.concatenate([c.reshape(-1) for c in change_by_year])})
    counts = _long(values, names, months, codes, settings.keep_zero_rows) if long_table else pd.DataFrame()
    return SyntheticCrime(counts,
                          pd.DataFrame({"area": np.repeat(names, len(mid_years)),
                                        "year": np.tile(mid_years, n),
                                        "population": population.reshape(-1).astype(np.int64)}),
                          _groups(z, base_population, names, settings.group_size),
                          truth,
                          pd.DataFrame({"area": names, "deprivation": z.round(4),
                                        "population": base_population.astype(np.int64),
                                        "dispersion_shape": shape.round(2),
                                        "changed": changed}),
                          codes, values)


def _long(values: np.ndarray, names: list[str], months: np.ndarray, codes: list[str], keep_zero: bool
          ) -> pd.DataFrame:
    """The counts as a long table: one row per area, month and code (zero rows left out unless asked for)."""
    labels = np.array([f"{m // 12}-{m % 12 + 1:02d}" for m in months])
    a, t, c = np.meshgrid(np.arange(len(names)), np.arange(len(months)), np.arange(len(codes)), indexing="ij")
    flat = values.reshape(-1)
    keep = np.ones(flat.shape, bool) if keep_zero else flat > 0
    # every area keeps every month: a month whose codes are all zero keeps its first code's row
    month_seen = np.zeros((len(names), len(months)), bool)
    month_seen[a.reshape(-1)[keep], t.reshape(-1)[keep]] = True
    first_code = (c.reshape(-1) == 0) & ~month_seen[a.reshape(-1), t.reshape(-1)]
    keep |= first_code
    return pd.DataFrame({"area": np.array(names)[a.reshape(-1)[keep]], "period": labels[t.reshape(-1)[keep]],
                         "code": np.array(codes)[c.reshape(-1)[keep]], "count": flat[keep].astype(np.int64)})
