"""True population values of every indicator, overall and by area, in the shape of `safer estimate` output.

The truth is computed by the same questionnaire rules as the estimates (survey.indicators), applied to
every adult in the survey's frame, so an estimate and its true value always mean the same thing
(including who is out of base: don't know, no opinion, blank strands, the 65+ condition of NI 138).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.estimation.estimates import OVERALL
from survey.estimation.indicators import indicator_ids, indicator_values
from survey.questionnaire.loading import load_questionnaire
from survey.synthetic.population import Population, in_survey_frame

TRUTH_COLUMNS: tuple[str, ...] = ("indicator", "domain", "domain_value", "true_value", "population_base")
DOMAINS: dict[str, tuple[str, ...]] = {"bcs": ("region", "pfa"), "place": ("region", "la")}


def population_items(population: Population, survey: str) -> pd.DataFrame:
    """Every adult's answers (blank as NaN) with the demographic items, as a survey file would hold them."""
    codes = population.items[survey].to_numpy().astype(np.float64)
    codes[codes < -100] = np.nan
    frame = pd.DataFrame(codes, columns=population.items[survey].columns)
    for column in ("age_band", "sex", "ethnicity"):
        frame[column] = population.people[column].to_numpy()
    return frame


def population_indicator_values(
    population: Population, survey: str, indicators: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per-adult indicator values (1 counts, 0 in base, NaN out of base) for every indicator (or those named),
    all rows."""
    questionnaire = load_questionnaire(survey)
    items = population_items(population, survey)
    wanted = indicator_ids(questionnaire) if indicators is None else indicators
    return pd.DataFrame({i: indicator_values(items, questionnaire, i) for i in wanted})


def domain_labels(population: Population, domain: str) -> tuple[np.ndarray, np.ndarray]:
    """Domain codes per adult (int) and the domain values as text, as `safer estimate` writes them."""
    values = population.people[domain]
    if domain == "la":
        return values.cat.codes.to_numpy().astype(np.int64), values.cat.categories.to_numpy().astype(str)
    codes = values.to_numpy().astype(np.int64)
    return codes, np.arange(int(codes.max()) + 1).astype(str)


def truth_table(
    population: Population, survey: str, domains: Sequence[str] | None = None,
    values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """indicator, domain, domain_value, true_value (proportion), population_base (adults in base)."""
    domains = DOMAINS[survey] if domains is None else tuple(domains)
    if values is None:
        values = population_indicator_values(population, survey)
    frame = in_survey_frame(population, survey)
    data = values[frame]
    parts = []
    groupings = [(OVERALL, np.zeros(int(frame.sum()), np.int64), np.array([OVERALL]))]
    for d in domains:
        codes, labels = domain_labels(population, d)
        groupings.append((d, codes[frame], labels))
    for domain, codes, labels in groupings:
        grouped = data.groupby(codes, sort=True)
        # Long format, indicator by indicator (questionnaire order), domain values in code order.
        means = grouped.mean().reset_index(names="code").melt(id_vars="code", var_name="indicator",
                                                              value_name="true_value")
        counts = grouped.count().reset_index(names="code").melt(id_vars="code", value_name="population_base")
        parts.append(means.assign(domain=domain, domain_value=labels[means["code"].to_numpy()],
                                  population_base=counts["population_base"].to_numpy()))
    truth = pd.concat(parts, ignore_index=True)
    truth["population_base"] = truth["population_base"].astype(np.int64)
    return truth[list(TRUTH_COLUMNS)]
