"""Synthetic survey years: one population whose perceptions move between years by known amounts.

The people (where they live, their households and demographics) stay the same from year to year; their
latent perception factors drift. In year t (counted in years from the first), every adult's factors are
shifted by

    t x drift x (NATIONAL_DRIFT + the authority's own drift),

where the authority's drift is drawn once per seed (standard deviation `LA_DRIFT_SD` per factor). Answers
are then redrawn with the same item noise in every year, so with `drift = 0` every year's answers are
identical (a true change of exactly zero), and otherwise every answer moves only because the factors moved.
The true value of every indicator in every year, and so every true change, is computed from the whole
population by the questionnaire rules (`survey.synthetic.truth`).

The default drift is a synthetic assumption in the direction the 2008-11 framework hoped for: confidence
that the police and council deal with what matters rising (the top-down target was about 60% by March 2012
from about 46% in 2009; DOMAIN.md, (ext)), perceived anti-social behaviour falling, satisfaction and trust
rising a little. It is not a forecast.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.synthetic.perceptions import FACTORS, STRAND_LOADING, answer_codes, item_latent
from survey.synthetic.population import Population, World
from survey.synthetic.targets import ITEM_MODELS
from survey.synthetic.truth import TRUTH_COLUMNS, population_indicator_values, truth_table

NATIONAL_DRIFT: dict[str, float] = {"A": -0.06, "C": 0.10, "S": 0.03, "E": 0.0, "H": 0.0, "T": 0.04}
"""Shift of each latent factor per year, in population standard deviations (synthetic assumption)."""
LA_DRIFT_SD = 0.05
"""Standard deviation of an authority's own drift per factor and year (synthetic assumption)."""
YEAR_STREAM_KEY = 8
"""Spawn key under the seed's population stream for the item noise shared by every year."""
CHANGE_TRUTH_COLUMNS: tuple[str, ...] = (
    "indicator", "domain", "domain_value", "base_period", "current_period", "base_true_value",
    "current_true_value", "true_change",
)


def parse_years(text: str) -> tuple[int, ...]:
    """`2008,2009` (or `2008-2010`) as sorted fieldwork years, each the year fieldwork starts.

    >>> parse_years("2009,2008"), parse_years("2008-2010")
    ((2008, 2009), (2008, 2009, 2010))
    """
    text = text.strip()
    span = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", text)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        years = tuple(range(first, last + 1))
    else:
        try:
            years = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
        except ValueError:
            raise SurveyInputError(f"--years '{text}' must be years like 2008,2009 or 2008-2010.") from None
    if not years or any(not 2000 <= y <= 2030 for y in years):
        raise SurveyInputError(f"--years '{text}' must be years between 2000 and 2030, like 2008,2009.")
    return years


def year_label(survey: str, year: int) -> str:
    """How a fieldwork year is named: the BCS's financial year (`2008-09`), the Place Survey's autumn (`2008`)."""
    return f"{year}-{(year + 1) % 100:02d}" if survey == "bcs" else str(year)


def factor_shifts(world: World, population: Population, drift: float) -> np.ndarray:
    """Per adult, the factor shift of one year, float32 (n, 6): drift x (national + own authority's drift)."""
    rng = np.random.default_rng(np.random.SeedSequence(world.streams["population"].entropy,
                                                       spawn_key=(*world.streams["population"].spawn_key,
                                                                  YEAR_STREAM_KEY, 0)))
    la_drift = rng.normal(0.0, LA_DRIFT_SD, (world.geography.n_las, len(FACTORS)))
    national = np.array([NATIONAL_DRIFT[f] for f in FACTORS])
    per_la = (drift * (national + la_drift)).astype(np.float32)
    shifts: np.ndarray = per_la[population.people["la_row"].to_numpy()]
    return shifts


def year_population(world: World, population: Population, survey: str, steps: float,
                    shifts: np.ndarray) -> Population:
    """The population `steps` years on: factors shifted by `steps x shifts`, answers redrawn with the item
    noise every year shares (so zero shifts give the same answers)."""
    rng = np.random.default_rng(np.random.SeedSequence(world.streams["population"].entropy,
                                                       spawn_key=(*world.streams["population"].spawn_key,
                                                                  YEAR_STREAM_KEY, 1)))
    moved = shifts * np.float32(steps)
    factors = population.people[list(FACTORS)].to_numpy() + moved
    strands = population.strands + np.float32(STRAND_LOADING) * moved[:, [FACTORS.index("A")]]
    columns = {}
    for model in ITEM_MODELS[survey]:
        latent = item_latent(rng, model, factors, strands)
        columns[model.item] = answer_codes(rng, model, latent, world.cutpoints[survey][model.item])
    return replace(population, items={**population.items, survey: pd.DataFrame(columns)})


def year_truths(populations: dict[str, Population], survey: str,
                values: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every year's truth table, with the year in a `period` column after `indicator`; `values` (per-adult
    indicator values by year) when already computed."""
    parts = []
    for label, population in populations.items():
        chosen = values[label] if values is not None else population_indicator_values(population, survey)
        parts.append(truth_table(population, survey, values=chosen).assign(period=label))
    columns = [TRUTH_COLUMNS[0], "period", *TRUTH_COLUMNS[1:]]
    return pd.concat(parts, ignore_index=True)[columns]


def change_truth(truths: pd.DataFrame) -> pd.DataFrame:
    """True changes between consecutive years and from the first year to the last (`CHANGE_TRUTH_COLUMNS`)."""
    labels = list(dict.fromkeys(truths["period"]))
    pairs = list(zip(labels[:-1], labels[1:], strict=True))
    if len(labels) > 2:
        pairs.append((labels[0], labels[-1]))
    keys = ["indicator", "domain", "domain_value"]
    parts = []
    for base, current in pairs:
        old = truths[truths["period"] == base].set_index(keys)["true_value"]
        new = truths[truths["period"] == current].set_index(keys)["true_value"]
        parts.append(pd.DataFrame({"base_period": base, "current_period": current, "base_true_value": old,
                                   "current_true_value": new.loc[old.index], "true_change": new.loc[old.index] - old})
                     .reset_index())
    return pd.concat(parts, ignore_index=True)[list(CHANGE_TRUTH_COLUMNS)]
