"""Coverage of confidence intervals for a change: two years of a population that changes by known amounts.

Each redraw takes an independent sample in each year from the same (drifting) population
(`survey.synthetic.years`), weights each year as a real analysis would (BCS: design weights calibrated to
age and sex within region; Place: raked to age, sex and ethnicity within each authority), stacks the two
years with their strata kept apart, and estimates the change with `survey.judging.change.change`. Each
interval is checked against the true change in the population. With `drift = 0` the population does not
change at all, so the share of significant changes is the false-positive rate of the test.

Per-person indicator values are computed once per year for the whole population (the questionnaire rules
are row-wise, so a sample's values are the population's values at the sampled rows).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.targets import Target
from survey.judging.change import change
from survey.judging.periods import Period
from survey.questionnaire.loading import load_questionnaire
from survey.stacking import stack_designs
from survey.synthetic.bcs import (
    BcsFrame,
    draw_bcs_sample,
    sampling_stratum,
)
from survey.synthetic.coverage import place_sample_columns, survey_frame
from survey.synthetic.place import PlaceFrame, draw_place_sample
from survey.synthetic.population import Population, World, build_world
from survey.synthetic.truth import DOMAINS, population_indicator_values
from survey.synthetic.years import change_truth, factor_shifts, year_label, year_population, year_truths
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import ControlTotals

DEFAULT_INDICATORS: dict[str, tuple[str, ...]] = {"bcs": ("PSA23_3", "PSA23_4"), "place": ("NI17", "NI21")}
"""Checked by default: the two PSA 23 survey indicators nationally (BCS), NI 17 and NI 21 by authority (Place)."""
SUMMARY_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "domain", "drift", "replicates", "n_domains", "intervals", "coverage",
    "coverage_low", "coverage_high", "rejection_rate", "mean_true_change", "mean_abs_true_change", "mean_change",
    "mean_se", "sd_change", "se_ratio",
)


@dataclass(frozen=True)
class ChangeCoverageSetup:
    """A drifting population ready for repeated two-year sampling, with the true changes."""

    survey: str
    world: World
    population: Population
    frame: BcsFrame | PlaceFrame
    years: tuple[str, str]
    """Labels of the base and current years."""
    values: tuple[np.ndarray, np.ndarray]
    """Per-person indicator values in each year, float32 (population size, n indicators)."""
    indicators: tuple[str, ...]
    polarities: tuple[str | None, ...]
    truth: pd.DataFrame
    """True change per indicator and domain (`survey.synthetic.years.CHANGE_TRUTH_COLUMNS`)."""
    controls: ControlTotals
    calibration_by: tuple[str, ...]
    domains: tuple[str, ...]
    sample_size: int
    drift: float


def change_coverage_setup(
    survey: str, seed: int, *, years: tuple[int, int] = (2008, 2009), drift: float = 1.0, n: int = 46_000,
    n_las: int = 30, returns: int = 1_100, indicators: Sequence[str] = (), world: World | None = None,
) -> ChangeCoverageSetup:
    """Build the population, its two years and the true changes (`world`: the seed's, when already built)."""
    world = build_world(seed) if world is None else world
    sampled = survey_frame(world, survey, n=n, n_las=n_las, returns=returns)
    population, frame, controls, by, size = (sampled.population, sampled.frame, sampled.controls, sampled.by,
                                             sampled.size)
    questionnaire = load_questionnaire(survey)
    chosen = tuple(indicators) or DEFAULT_INDICATORS[survey]
    known = {ind.id: ind for ind in questionnaire.indicators}
    unknown = [i for i in chosen if i not in known]
    if unknown:
        raise SurveyInputError(f"--indicator {unknown[0]} is not a {survey} indicator ({', '.join(known)}).")
    if years[0] >= years[1]:
        raise SurveyInputError(f"--years {years[0]},{years[1]}: the base year must come first.")
    shifts = factor_shifts(world, population, drift)
    populations, frames = {}, {}
    for year in years:
        label = year_label(survey, year)
        populations[label] = year_population(world, population, survey, year - years[0], shifts)
        frames[label] = population_indicator_values(populations[label], survey, chosen)
    truth = change_truth(year_truths(populations, survey, frames))
    labels = (year_label(survey, years[0]), year_label(survey, years[1]))
    values = [frames[label].to_numpy(np.float32) for label in labels]
    return ChangeCoverageSetup(survey, world, population, frame, labels, (values[0], values[1]), chosen,
                               tuple(known[i].polarity for i in chosen), truth, controls, by, DOMAINS[survey],
                               size, drift)


def _draw_year(setup: ChangeCoverageSetup, year: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """One year's sample: design columns and the sampled rows' indicator values."""
    people = setup.population.people
    if isinstance(setup.frame, BcsFrame):
        sample = draw_bcs_sample(setup.frame, setup.sample_size, rng)
        chosen = people.iloc[sample.rows]
        data = pd.DataFrame({
            "stratum": sampling_stratum(chosen["pfa"].to_numpy()), "psu": sample.psu,
            "weight": 1.0 / sample.selection_probability, "region": chosen["region"].to_numpy(),
            "pfa": chosen["pfa"].to_numpy(), "age_band": chosen["age_band"].to_numpy(),
            "sex": chosen["sex"].to_numpy(),
        })
        values = setup.values[year][sample.rows].astype(np.float64)
        if "NI27" in setup.indicators:
            values[~sample.seek_views_asked, setup.indicators.index("NI27")] = np.nan
        return data, values
    place = draw_place_sample(setup.frame, setup.sample_size, rng)
    data = place_sample_columns(people, place)
    return data, setup.values[year][place.rows].astype(np.float64)


def replicate_rng(setup: ChangeCoverageSetup, replicate: int) -> np.random.Generator:
    """The generator of one redraw: a fixed child of the seed's sample stream."""
    stream = setup.world.streams["sample"]
    return np.random.default_rng(np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, 2, replicate)))


def run_change_replicate(setup: ChangeCoverageSetup, rng: np.random.Generator, min_base: int = 50) -> pd.DataFrame:
    """Draw and weight both years, stack them and estimate every change: the change table of one redraw."""
    designs, parts = [], []
    for year in (0, 1):
        data, values = _draw_year(setup, year, rng)
        if setup.survey == "bcs":
            design = make_design(data, weight="weight", strata="stratum", psu="psu")
        else:
            design = make_design(data, weight="weight", strata="la")
        designs.append(calibrate_to_margins(design, setup.controls, by=list(setup.calibration_by), method="raking"))
        parts.append(values)
    stacked = stack_designs(designs, list(setup.years), source_column="survey_year")
    values = np.vstack(parts)
    first = np.arange(stacked.n_rows) < designs[0].n_rows
    targets = [Target(name, values[:, j], "proportion", polarity)  # type: ignore[arg-type]
               for j, (name, polarity) in enumerate(zip(setup.indicators, setup.polarities, strict=True))]
    return change(stacked, targets, Period(setup.years[0], first), Period(setup.years[1], ~first),
                  by=setup.domains, min_base=min_base, suppress=True)


def run_change_coverage(
    setup: ChangeCoverageSetup, replicates: int, on_replicate: Callable[[], None] | None = None, min_base: int = 50,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Redraw `replicates` times; return the summary by indicator and domain level, and one row per domain."""
    if replicates < 2:
        raise SurveyInputError(f"--replicates must be at least 2, got {replicates}")
    keys = ["indicator", "domain", "domain_value"]
    index = pd.MultiIndex.from_frame(setup.truth[keys])
    shape = (replicates, len(index))
    estimate, se, lower, upper = (np.full(shape, np.nan) for _ in range(4))
    significant = np.zeros(shape, dtype=bool)
    for r in range(replicates):
        table = run_change_replicate(setup, replicate_rng(setup, r), min_base)
        position = index.get_indexer(pd.MultiIndex.from_frame(table[keys].astype(str)))
        found = position >= 0
        estimate[r, position[found]] = table["change"].to_numpy()[found]
        se[r, position[found]] = table["se_change"].to_numpy()[found]
        lower[r, position[found]] = table["ci_lower"].to_numpy()[found]
        upper[r, position[found]] = table["ci_upper"].to_numpy()[found]
        significant[r, position[found]] = table["significant"].fillna(False).to_numpy(bool)[found]
        if on_replicate is not None:
            on_replicate()
    truth = setup.truth["true_change"].to_numpy()
    has = np.isfinite(estimate)
    covered = (lower <= truth) & (truth <= upper) & has
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        detail = setup.truth.assign(
            survey=setup.survey, replicates_with_estimate=has.sum(axis=0),
            coverage=covered.sum(axis=0) / has.sum(axis=0),
            rejection_rate=(significant & has).sum(axis=0) / has.sum(axis=0),
            mean_change=np.nanmean(estimate, axis=0), mean_se=np.nanmean(se, axis=0),
            sd_change=np.nanstd(estimate, axis=0, ddof=1),
        )
    rows = []
    for (indicator, domain), part in setup.truth.groupby(["indicator", "domain"], sort=False):
        columns = part.index.to_numpy()
        used = has[:, columns].sum(axis=0) >= replicates / 2
        columns = columns[used]
        intervals = int(has[:, columns].sum())
        hits = int(covered[:, columns].sum())
        coverage = hits / intervals if intervals else np.nan
        # Wilson interval for the pooled coverage (intervals of one redraw are not independent across
        # domains, so this is a guide, not a test).
        z = 1.959963984540054
        centre = (coverage + z**2 / (2 * intervals)) / (1 + z**2 / intervals) if intervals else np.nan
        half = (z * np.sqrt(coverage * (1 - coverage) / intervals + z**2 / (4 * intervals**2))
                / (1 + z**2 / intervals)) if intervals else np.nan
        sub = detail.loc[columns]
        rows.append({
            "survey": setup.survey, "indicator": indicator, "domain": domain, "drift": setup.drift,
            "replicates": replicates, "n_domains": int(used.sum()), "intervals": intervals, "coverage": coverage,
            "coverage_low": centre - half, "coverage_high": centre + half,
            "rejection_rate": float((significant[:, columns] & has[:, columns]).sum() / intervals) if intervals
            else np.nan,
            "mean_true_change": float(sub["true_change"].mean()),
            "mean_abs_true_change": float(sub["true_change"].abs().mean()),
            "mean_change": float(sub["mean_change"].mean()), "mean_se": float(sub["mean_se"].mean()),
            "sd_change": float(sub["sd_change"].mean()),
            "se_ratio": float((sub["mean_se"] / sub["sd_change"]).mean()),
        })
    return pd.DataFrame(rows)[list(SUMMARY_COLUMNS)], detail
