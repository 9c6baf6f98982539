"""True population values of every indicator, overall and by area, in the shape of `safer estimate` output.

The truth is computed by the same questionnaire rules as the estimates (survey.indicators), applied to
every adult in the survey's frame, so an estimate and its true value always mean the same thing
(including who is out of base: don't know, no opinion, blank strands, the 65+ condition of NI 138).

`TruthAccumulator` counts, authority by authority, the adults in each indicator's base and those it counts,
a chunk of the population at a time, so the whole population need never be in memory. An indicator's value
depends only on the codes of its items (and of its base condition's item), which take a handful of values:
the questionnaire's rules are applied once to every combination of codes that occurs, and each adult is
looked up in that small table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product

import numpy as np
import pandas as pd

from survey.estimation.estimates import OVERALL
from survey.estimation.indicators import indicator_ids, indicator_values
from survey.questionnaire.loading import load_questionnaire
from survey.questionnaire.schema import Indicator, Questionnaire
from survey.synthetic.geography import Geography
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
    """indicator, domain, domain_value, true_value (proportion), population_base (adults in base); `values`
    are the adults' indicator values when already computed."""
    domains = DOMAINS[survey] if domains is None else tuple(domains)
    if values is None:
        accumulator = TruthAccumulator(survey, population.geography, domains)
        accumulator.add(population)
        return accumulator.table()
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


PATTERN_LIMIT = 2_000_000
"""Combinations of codes above which an indicator is evaluated person by person instead."""
_BLANK_BYTE = 128  # perceptions.BLANK (-128) seen as an unsigned byte


class TruthAccumulator:
    """True values of every indicator, built up a chunk of the population at a time (see the module
    docstring): per authority, adults in the frame, in each indicator's base, and counted by it."""

    def __init__(self, survey: str, geography: Geography, domains: Sequence[str] | None = None) -> None:
        self.survey = survey
        self.geography = geography
        self.domains = DOMAINS[survey] if domains is None else tuple(domains)
        self.questionnaire: Questionnaire = load_questionnaire(survey)
        self.indicators = indicator_ids(self.questionnaire)
        n_las = len(geography.las)
        self.people = np.zeros(n_las, dtype=np.int64)
        """Adults in the frame, per authority (geography row)."""
        self.counts = np.zeros((len(self.indicators), n_las, 3), dtype=np.int64)
        """Per indicator and authority: adults out of base, in base and not counted, counted."""
        self._tables: dict[tuple[str, tuple[tuple[int, ...], ...]], np.ndarray] = {}

    def add(self, population: Population) -> None:
        """Count one chunk of the population (whole authorities, or parts of them)."""
        n_las = self.people.size
        # Adults outside the frame are counted in an extra bin that is then dropped: no copy of every column.
        la = np.where(in_survey_frame(population, self.survey), population.people["la_row"].to_numpy(), n_las)
        la3 = la.astype(np.intp) * 3
        self.people += np.bincount(la, minlength=n_las + 1)[:n_las]
        columns = self._code_columns(population)
        present: dict[str, np.ndarray] = {}
        for i, indicator_id in enumerate(self.indicators):
            outcome = self._outcomes(self.questionnaire.indicator(indicator_id), columns, present, population)
            counts = np.bincount(la3 + outcome, minlength=(n_las + 1) * 3)
            self.counts[i] += counts[: n_las * 3].reshape(n_las, 3)

    def add_all(self, chunks: Iterable[Population]) -> None:
        for chunk in chunks:
            self.add(chunk)

    def table(self) -> pd.DataFrame:
        """The truth in `truth_table`'s layout: overall, then each domain; indicator by indicator within."""
        las = self.geography.las
        n_las = self.people.size
        parts = []
        groupings: list[tuple[str, np.ndarray, np.ndarray]] = [
            (OVERALL, np.zeros(n_las, dtype=np.intp), np.array([OVERALL]))]
        for domain in self.domains:
            if domain == "la":
                groupings.append((domain, np.arange(n_las), las["la"].to_numpy().astype(str)))
            else:
                codes = las[domain].to_numpy().astype(np.intp)
                groupings.append((domain, codes, np.arange(int(codes.max()) + 1).astype(str)))
        for domain, code_of_la, labels in groupings:
            size = int(code_of_la.max()) + 1
            present = np.flatnonzero(np.bincount(code_of_la, weights=self.people, minlength=size) > 0)
            for i, indicator_id in enumerate(self.indicators):
                counted = np.bincount(code_of_la, weights=self.counts[i, :, 2], minlength=size)[present]
                base = counted + np.bincount(code_of_la, weights=self.counts[i, :, 1], minlength=size)[present]
                with np.errstate(invalid="ignore", divide="ignore"):
                    value = counted / base
                parts.append(pd.DataFrame({"indicator": indicator_id, "domain": domain,
                                           "domain_value": labels[present], "true_value": value,
                                           "population_base": base.astype(np.int64)}))
        truth = pd.concat(parts, ignore_index=True)
        return truth[list(TRUTH_COLUMNS)]

    def _code_columns(self, population: Population) -> dict[str, np.ndarray]:
        """Every item's codes, as int8 (blank = perceptions.BLANK)."""
        items = population.items[self.survey]
        columns = {str(c): items[c].to_numpy().astype(np.int8, copy=False) for c in items.columns}
        for column in ("age_band", "sex", "ethnicity"):
            columns[column] = population.people[column].to_numpy().astype(np.int8, copy=False)
        return columns

    def _outcomes(self, indicator: Indicator, columns: dict[str, np.ndarray], present: dict[str, np.ndarray],
                  population: Population) -> np.ndarray:
        """Per adult: 0 out of the indicator's base, 1 in base and not counted, 2 counted. `present` caches the
        codes found in each item's column (as unsigned bytes)."""
        needed = list(dict.fromkeys([*indicator.items, *([indicator.base_condition.item]
                                                           if indicator.base_condition else [])]))
        for item in needed:
            if item not in present:
                present[item] = np.flatnonzero(np.bincount(columns[item].view(np.uint8), minlength=256))
        codes_present = [present[item] for item in needed]
        n_patterns = int(np.prod([c.size for c in codes_present], dtype=np.float64))
        if n_patterns > PATTERN_LIMIT:
            return _outcome_of(indicator_values(population_items(population, self.survey), self.questionnaire,
                                                indicator.id))
        key = (indicator.id, tuple(tuple(c.tolist()) for c in codes_present))
        table = self._tables.get(key)
        if table is None:
            table = self._pattern_outcomes(indicator, needed, codes_present)
            self._tables[key] = table
        pattern = np.zeros(population.size, dtype=np.int32)
        for item, codes in zip(needed, codes_present, strict=True):
            dense = np.zeros(256, dtype=np.int32)
            dense[codes] = np.arange(codes.size, dtype=np.int32)
            pattern *= np.int32(codes.size)
            pattern += np.take(dense, columns[item].view(np.uint8))
        return np.take(table, pattern)

    def _pattern_outcomes(self, indicator: Indicator, needed: list[str], codes_present: list[np.ndarray]
                          ) -> np.ndarray:
        """The indicator's outcome for every combination of the codes present, by the questionnaire's rules."""
        combos = np.array(list(product(*[range(c.size) for c in codes_present])), dtype=np.intp)
        patterns = {}
        for j, (item, present) in enumerate(zip(needed, codes_present, strict=True)):
            byte = present[combos[:, j]]
            code = np.where(byte >= 128, byte - 256, byte)  # the int8 code of an unsigned byte
            patterns[item] = np.where(byte == _BLANK_BYTE, np.nan, code.astype(np.float64))
        values = indicator_values(pd.DataFrame(patterns), self.questionnaire, indicator.id)
        return _outcome_of(values)


def _outcome_of(values: np.ndarray) -> np.ndarray:
    """0 out of base (NaN), 1 in base and not counted (0), 2 counted (1)."""
    outcome = np.where(np.isnan(values), 0, np.where(values == 1, 2, 1))
    return outcome.astype(np.int8)
