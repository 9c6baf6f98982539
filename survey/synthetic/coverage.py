"""Empirical coverage of confidence intervals: one fixed synthetic population, many redrawn samples.

Each replicate draws a fresh sample from the same population, weights it as a real analysis would
(BCS: design weights calibrated to age and sex totals within region; Place Survey: design weights raked
to age, sex and ethnicity within each authority), estimates every indicator with `survey.estimation`
(overall and by area) for every CI method, and checks each interval against the true population value.
An unweighted estimate is kept too, to show the bias that weighting removes. As in publication, an
estimate whose unweighted base is below `min_base` is suppressed: it counts in `suppressed_share`, not in
coverage or bias (the City of London, sampled within the Met's stratum, is the usual case).

Per-person indicator values are computed once for the whole population (the questionnaire rules are
row-wise, so a sample's values are the population's values at the sampled rows; the BCS not-asked
module is applied per sample).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import Target
from survey.options import CI_METHODS, CIMethod, choose
from survey.synthetic.bcs import BcsFrame, bcs_controls, bcs_frame, bcs_population, draw_bcs_sample, sampling_stratum
from survey.synthetic.place import (
    PlaceFrame,
    PlaceSample,
    draw_place_sample,
    place_controls,
    place_frame,
    place_population,
)
from survey.synthetic.population import Population, World, build_world
from survey.synthetic.truth import DOMAINS, population_indicator_values, truth_table
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import ControlTotals, control_totals_from_frame

SUMMARY_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "domain", "ci_method", "n_domains", "n_domains_used", "replicates", "suppressed_share",
    "coverage", "mean_ci_width", "mean_bias_weighted", "mean_abs_bias_weighted", "mean_bias_unweighted",
    "mean_abs_bias_unweighted", "rmse_weighted", "mean_se", "sd_estimate", "se_ratio",
)


@dataclass(frozen=True)
class CoverageSetup:
    """A fixed population ready for repeated sampling, with its truth and calibration totals."""

    survey: str
    world: World
    population: Population
    frame: BcsFrame | PlaceFrame
    values: np.ndarray
    """Per-person indicator values, (population size, n indicators)"""
    indicators: tuple[str, ...]
    truth: pd.DataFrame
    controls: ControlTotals
    calibration_by: tuple[str, ...]
    domains: tuple[str, ...]
    sample_size: int
    """BCS interviews, or Place returns per authority."""


@dataclass(frozen=True)
class SurveyFrame:
    """A survey's population with what redrawing samples from it needs."""

    population: Population
    """The fixed synthetic population."""
    frame: BcsFrame | PlaceFrame
    """Sampling frame of the population."""
    controls: ControlTotals
    """Population control totals for raking each sample."""
    by: tuple[str, ...]
    """Groups the controls are given within (region for the BCS, authority for the Place Survey)."""
    size: int
    """BCS interviews, or Place returns per authority."""


def survey_frame(world: World, survey: str, *, n: int = 46_000, n_las: int = 30, returns: int = 1_100) -> SurveyFrame:
    """The BCS (`n` interviews a sample) or Place Survey (`n_las` authorities, `returns` each) over `world`."""
    if survey == "bcs":
        population = bcs_population(world, n)
        return SurveyFrame(population, bcs_frame(population),
                           control_totals_from_frame(bcs_controls(population), by=["region"]), ("region",), n)
    if survey == "place":
        population = place_population(world, n_las)
        frame = place_frame(population)
        return SurveyFrame(population, frame, control_totals_from_frame(place_controls(frame), by=["la"]), ("la",),
                           returns)
    raise SurveyInputError(f"--survey must be bcs or place, got {survey!r}")


def place_sample_columns(people: pd.DataFrame, place: PlaceSample) -> pd.DataFrame:
    """The design and raking columns of a drawn Place sample: authority, region, design weight, age, sex,
    ethnicity."""
    chosen = people.iloc[place.rows]
    return pd.DataFrame({
        "la": chosen["la"].astype(str).to_numpy(), "region": chosen["region"].to_numpy(),
        "weight": place.design_weight, "age_band": chosen["age_band"].to_numpy(),
        "sex": chosen["sex"].to_numpy(), "ethnicity": chosen["ethnicity"].to_numpy(),
    })


def coverage_setup(survey: str, seed: int, *, n: int = 46_000, n_las: int = 30, returns: int = 1_100) -> CoverageSetup:
    """Build the fixed population, its truth and control totals for a coverage run."""
    world = build_world(seed)
    sampled = survey_frame(world, survey, n=n, n_las=n_las, returns=returns)
    population, frame, controls, by, size = (sampled.population, sampled.frame, sampled.controls, sampled.by,
                                             sampled.size)
    values = population_indicator_values(population, survey)
    truth = truth_table(population, survey, values=values)
    return CoverageSetup(survey, world, population, frame, values.to_numpy(), tuple(values.columns), truth,
                         controls, by, DOMAINS[survey], size)


def replicate_rng(setup: CoverageSetup, replicate: int) -> np.random.Generator:
    """The generator of one replicate's sample: a fixed child of the seed's sample stream."""
    stream = setup.world.streams["sample"]
    return np.random.default_rng(np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, 1, replicate)))


def draw_replicate(setup: CoverageSetup, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """One sample: its design columns and per-row indicator values (rows x indicators)."""
    people = setup.population.people
    if isinstance(setup.frame, BcsFrame):
        bcs = draw_bcs_sample(setup.frame, setup.sample_size, rng)
        chosen = people.iloc[bcs.rows]
        data = pd.DataFrame({
            "stratum": sampling_stratum(chosen["pfa"].to_numpy()), "psu": bcs.psu,
            "weight": 1.0 / bcs.selection_probability,
            "region": chosen["region"].to_numpy(), "pfa": chosen["pfa"].to_numpy(),
            "la": chosen["la"].cat.codes.to_numpy(),
            "age_band": chosen["age_band"].to_numpy(), "sex": chosen["sex"].to_numpy(),
        })
        values = setup.values[bcs.rows]
        values[~bcs.seek_views_asked, setup.indicators.index("NI27")] = np.nan
        return data, values
    place = draw_place_sample(setup.frame, setup.sample_size, rng)
    data = place_sample_columns(people, place)
    return data, setup.values[place.rows]


@dataclass(frozen=True)
class ReplicateResult:
    """Estimates of one replicate lined up with the truth table rows (NaN where a domain had no base)."""

    weighted: np.ndarray
    unweighted: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    """(n methods, n truth rows)"""
    upper: np.ndarray


def run_replicate(setup: CoverageSetup, rng: np.random.Generator, methods: Sequence[CIMethod],
                  min_base: int = 50) -> ReplicateResult:
    """Draw, weight and estimate one replicate (estimates on fewer than `min_base` respondents are NaN)."""
    data, values = draw_replicate(setup, rng)
    targets = [Target(name, values[:, j], "proportion") for j, name in enumerate(setup.indicators)]
    if setup.survey == "bcs":
        design = make_design(data, weight="weight", strata="stratum", psu="psu")
    else:
        design = make_design(data, weight="weight", strata="la")
    weighted = calibrate_to_margins(design, setup.controls, by=list(setup.calibration_by), method="raking")
    key = pd.MultiIndex.from_frame(setup.truth[["indicator", "domain", "domain_value"]])
    n_rows = len(key)
    lower = np.full((len(methods), n_rows), np.nan)
    upper = np.full((len(methods), n_rows), np.nan)
    estimate_w = se = np.full(n_rows, np.nan)
    for m, method in enumerate(methods):
        table = estimate(weighted, targets, by=setup.domains, ci=method, min_base=min_base, suppress=True)
        position = key.get_indexer(pd.MultiIndex.from_frame(table[["indicator", "domain", "domain_value"]]))
        if m == 0:
            estimate_w, se = np.full(n_rows, np.nan), np.full(n_rows, np.nan)
            estimate_w[position] = table["estimate"].to_numpy()
            se[position] = table["se"].to_numpy()
        lower[m, position] = table["ci_lower"].to_numpy()
        upper[m, position] = table["ci_upper"].to_numpy()
    plain = estimate(make_design(data), targets, by=setup.domains, ci="wald", min_base=min_base, suppress=True)
    estimate_u = np.full(n_rows, np.nan)
    estimate_u[key.get_indexer(pd.MultiIndex.from_frame(plain[["indicator", "domain", "domain_value"]]))] = (
        plain["estimate"].to_numpy())
    return ReplicateResult(estimate_w, estimate_u, se, lower, upper)


@dataclass(frozen=True)
class CoverageResult:
    """`summary`: one row per indicator, domain level and CI method; `detail`: one row per domain value."""

    summary: pd.DataFrame
    detail: pd.DataFrame


def run_coverage(
    setup: CoverageSetup,
    replicates: int,
    methods: Sequence[str] = CI_METHODS,
    on_replicate: Callable[[], None] | None = None,
    min_base: int = 50,
) -> CoverageResult:
    """Run `replicates` samples and summarise coverage, bias and interval width."""
    if replicates < 2:
        raise SurveyInputError(f"--replicates must be at least 2, got {replicates}")
    chosen = [choose(method, CI_METHODS, "CI method") for method in methods]
    results = []
    for r in range(replicates):
        results.append(run_replicate(setup, replicate_rng(setup, r), chosen, min_base))
        if on_replicate is not None:
            on_replicate()
    return summarise(setup, results, methods)


def summarise(setup: CoverageSetup, results: Sequence[ReplicateResult], methods: Sequence[str]) -> CoverageResult:
    """Coverage and bias per domain value, then averaged over the domain values of each level."""
    truth = setup.truth["true_value"].to_numpy()
    weighted = np.stack([r.weighted for r in results])
    unweighted = np.stack([r.unweighted for r in results])
    se = np.stack([r.se for r in results])
    # Domains suppressed in every replicate give empty means (NaN), which is what they should show.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        error_w = weighted - truth
        error_u = unweighted - truth
        base = setup.truth[["indicator", "domain", "domain_value", "true_value"]].assign(
            replicates_with_estimate=np.isfinite(weighted).sum(axis=0),
            bias_weighted=np.nanmean(error_w, axis=0),
            bias_unweighted=np.nanmean(error_u, axis=0),
            rmse_weighted=np.sqrt(np.nanmean(error_w**2, axis=0)),
            mean_se=np.nanmean(se, axis=0),
            sd_estimate=np.nanstd(weighted, axis=0, ddof=1),
        )
    details = []
    for m, method in enumerate(methods):
        lower = np.stack([r.lower[m] for r in results])
        upper = np.stack([r.upper[m] for r in results])
        # An interval that could not be formed (e.g. an estimate of exactly 0 on the logit scale) counts
        # as not covering; replicates where the estimate was suppressed (or had no base) are left out.
        covered = (lower <= truth) & (truth <= upper)
        has_estimate = np.isfinite(weighted)
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            coverage = (covered & has_estimate).sum(axis=0) / has_estimate.sum(axis=0)
            width = np.nanmean(upper - lower, axis=0)
        details.append(base.assign(ci_method=method, coverage=coverage, mean_ci_width=width))
    detail = pd.concat(details, ignore_index=True)
    detail.insert(0, "survey", setup.survey)
    return CoverageResult(_level_summary(detail, len(results)), detail)


def _level_summary(detail: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """Average the per-domain results over each level's domain values. A domain suppressed in more than
    half the replicates (too few respondents, e.g. the City of London) is left out of the averages and
    shows in `suppressed_share` (and the difference between n_domains and n_domains_used)."""
    frame = detail.assign(
        suppressed=1.0 - detail["replicates_with_estimate"] / replicates,
        abs_bias_weighted=detail["bias_weighted"].abs(),
        abs_bias_unweighted=detail["bias_unweighted"].abs(),
        se_ratio=detail["mean_se"] / detail["sd_estimate"],
    )
    keys = ["survey", "indicator", "domain", "ci_method"]
    counts = frame.groupby(keys, sort=False).agg(n_domains=("domain_value", "size"),
                                                 suppressed_share=("suppressed", "mean"))
    used = frame[frame["replicates_with_estimate"] >= replicates / 2]
    summary = used.groupby(keys, sort=False).agg(
        n_domains_used=("domain_value", "size"),
        coverage=("coverage", "mean"),
        mean_ci_width=("mean_ci_width", "mean"),
        mean_bias_weighted=("bias_weighted", "mean"),
        mean_abs_bias_weighted=("abs_bias_weighted", "mean"),
        mean_bias_unweighted=("bias_unweighted", "mean"),
        mean_abs_bias_unweighted=("abs_bias_unweighted", "mean"),
        rmse_weighted=("rmse_weighted", "mean"),
        mean_se=("mean_se", "mean"),
        sd_estimate=("sd_estimate", "mean"),
        se_ratio=("se_ratio", "mean"),
    )
    summary = counts.join(summary, how="left").reset_index()
    summary["n_domains_used"] = summary["n_domains_used"].fillna(0).astype(np.int64)
    summary["replicates"] = replicates
    return summary[list(SUMMARY_COLUMNS)]
