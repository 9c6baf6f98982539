"""Small-area estimates against synthetic truth: one fixed population, many redrawn BCS samples.

Each redraw draws a BCS-like sample (46,000 interviews by default, about 124 per authority), weights it as
the coverage check does (design weights raked to age and sex within region), estimates one indicator by
authority with design-based SEs (`survey.estimation`), fits the Fay-Herriot model on the authorities'
covariates (`survey.small_area`), and keeps every authority's direct estimate, EBLUP, MSE estimate and
interval beside its true value. Over the redraws it reports, by authority and in summary:

- the empirical MSE of the EBLUP and of the direct estimate against the truth, for authorities with fewer
  than 300 interviews on average (the EBLUP should win);
- the mean MSE estimate over the empirical MSE of the EBLUP (should be near 1);
- the coverage of the intervals, averaged over authorities (should be near the nominal level).

Authorities a redraw misses (no PSU sampled) get the synthetic estimate; they are summarised apart.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import Target
from survey.small_area.model import SmallAreaOptions, small_area_estimates
from survey.synthetic.areas import area_covariates
from survey.synthetic.coverage import CoverageSetup, coverage_setup, draw_replicate
from survey.synthetic.truth import truth_table
from survey.weighting.calibration import calibrate_to_margins

SMALL_AREA_INTERVIEWS = 300
"""Authorities averaging fewer interviews than this are the ones the EBLUP must beat the direct estimate on."""
DEFAULT_FORMULA = "~ imd + log(recorded_asb_rate)"
SUMMARY_COLUMNS: tuple[str, ...] = (
    "indicator", "areas", "replicates", "group", "n_areas", "mean_interviews", "empirical_mse_eblup",
    "empirical_mse_direct", "mse_ratio_eblup_to_direct", "mean_mse_estimate", "mse_estimate_ratio", "coverage",
    "mean_ci_width",
)


@dataclass(frozen=True)
class SaeCheckSetup:
    """The fixed population, its per-authority truth and the covariate file."""

    coverage: CoverageSetup
    covariates: pd.DataFrame
    truth: pd.DataFrame
    """indicator, area (authority code), true_value"""


def sae_check_setup(seed: int, n: int = 46_000) -> SaeCheckSetup:
    """Build the BCS population of `seed` sized for `n` interviews, its truth by authority and the covariates."""
    setup = coverage_setup("bcs", seed, n=n)
    values = pd.DataFrame(setup.values, columns=list(setup.indicators))
    truth = truth_table(setup.population, "bcs", domains=("la",), values=values)
    truth = truth[truth["domain"] == "la"].rename(columns={"domain_value": "area"})
    return SaeCheckSetup(setup, area_covariates(setup.world), truth[["indicator", "area", "true_value"]])


def replicate_rng(setup: SaeCheckSetup, replicate: int) -> np.random.Generator:
    """The generator of one redraw: a fixed child of the seed's sample stream (apart from the coverage check's)."""
    stream = setup.coverage.world.streams["sample"]
    return np.random.default_rng(np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, 2, replicate)))


def direct_by_authority(setup: SaeCheckSetup, indicator: str, rng: np.random.Generator) -> pd.DataFrame:
    """One redraw's direct estimates of `indicator` by authority (and overall), as `safer estimate` writes them."""
    cov = setup.coverage
    data, values = draw_replicate(cov, rng)
    labels = cov.population.people["la"].cat.categories.to_numpy().astype(str)
    data["la"] = labels[data["la"].to_numpy()]
    design = make_design(data, weight="weight", strata="stratum", psu="psu")
    weighted = calibrate_to_margins(design, cov.controls, by=list(cov.calibration_by), method="raking")
    target = Target(indicator, values[:, cov.indicators.index(indicator)], "proportion")
    return estimate(weighted, [target], by=["la"], ci="logit", min_base=50, suppress=False)


@dataclass(frozen=True)
class SaeCheckDraws:
    """What every redraw gave, (redraws, authorities) arrays in the covariate file's order."""

    indicator: str
    areas: np.ndarray
    truth: np.ndarray
    """(authorities,) true values"""
    columns: dict[str, np.ndarray]
    """direct, eblup, mse, lower, upper, n"""
    sampled: np.ndarray
    """Whether the authority had a direct estimate in the redraw."""


@dataclass(frozen=True)
class SaeCheckResult:
    """`summary`: one row per group of authorities; `detail`: one row per authority; `draws`: the raw results."""

    summary: pd.DataFrame
    detail: pd.DataFrame
    draws: SaeCheckDraws


def run_sae_check(
    setup: SaeCheckSetup,
    replicates: int,
    *,
    indicator: str = "PSA23_4",
    formula: str = DEFAULT_FORMULA,
    options: SmallAreaOptions | None = None,
    on_replicate: Callable[[], None] | None = None,
) -> SaeCheckResult:
    """Redraw `replicates` samples and compare direct estimates and EBLUPs with the truth."""
    if replicates < 2:
        raise SurveyInputError(f"--replicates must be at least 2, got {replicates}")
    if indicator not in setup.coverage.indicators:
        raise SurveyInputError(f"--indicator {indicator}: not a BCS indicator ({', '.join(setup.coverage.indicators)})")
    options = options or SmallAreaOptions()
    areas = setup.covariates["la"].to_numpy().astype(str)
    truth = setup.truth[setup.truth["indicator"] == indicator].set_index("area")["true_value"].reindex(areas)
    shape = (replicates, len(areas))
    columns = {name: np.full(shape, np.nan) for name in ("direct", "eblup", "mse", "lower", "upper", "n")}
    sampled = np.zeros(shape, dtype=bool)
    for r in range(replicates):
        direct = direct_by_authority(setup, indicator, replicate_rng(setup, r))
        chosen = dataclasses.replace(options, seed=options.seed + r)
        table = small_area_estimates(direct, setup.covariates, formula, options=chosen, area_column="la").table
        columns["direct"][r] = table["direct"].to_numpy()
        columns["eblup"][r] = table["eblup"].to_numpy()
        columns["mse"][r] = table["mse"].to_numpy()
        columns["lower"][r] = table["ci_lower"].to_numpy()
        columns["upper"][r] = table["ci_upper"].to_numpy()
        columns["n"][r] = table["n_unweighted"].to_numpy()
        sampled[r] = ~table["synthetic"].to_numpy(dtype=bool)
        if on_replicate is not None:
            on_replicate()
    draws = SaeCheckDraws(indicator, areas, truth.to_numpy(), columns, sampled)
    return summarise(draws, options)


def summarise(draws: SaeCheckDraws, options: SmallAreaOptions) -> SaeCheckResult:
    """Per-authority and summary measures (see the module docstring)."""
    indicator, areas, truth, columns, sampled = draws.indicator, draws.areas, draws.truth, draws.columns, draws.sampled
    replicates = sampled.shape[0]
    error_eblup = columns["eblup"] - truth
    error_direct = np.where(sampled, columns["direct"] - truth, np.nan)
    covered = (columns["lower"] <= truth) & (truth <= columns["upper"])
    in_fit = np.where(sampled, 1.0, np.nan)
    # Authorities sampled in every redraw (or in none) leave empty means: NaN is what they should show.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        detail = pd.DataFrame({
            "indicator": indicator,
            "area": areas,
            "true_value": truth,
            "replicates_sampled": sampled.sum(axis=0),
            "mean_interviews": columns["n"].mean(axis=0),
            "empirical_mse_eblup": np.nanmean(error_eblup**2 * in_fit, axis=0),
            "empirical_mse_direct": np.nanmean(error_direct**2, axis=0),
            "mean_mse_estimate": np.nanmean(columns["mse"] * in_fit, axis=0),
            "coverage": np.nanmean(np.where(sampled, covered, np.nan), axis=0),
            "mean_ci_width": np.nanmean((columns["upper"] - columns["lower"]) * in_fit, axis=0),
            "empirical_mse_synthetic": np.nanmean(np.where(sampled, np.nan, error_eblup**2), axis=0),
            "coverage_synthetic": np.nanmean(np.where(sampled, np.nan, covered), axis=0),
        })
    groups = {
        "all sampled": detail["replicates_sampled"] >= replicates / 2,
        f"under {SMALL_AREA_INTERVIEWS} interviews": (detail["replicates_sampled"] >= replicates / 2)
        & (detail["mean_interviews"] < SMALL_AREA_INTERVIEWS),
        f"{SMALL_AREA_INTERVIEWS} interviews or more": (detail["replicates_sampled"] >= replicates / 2)
        & (detail["mean_interviews"] >= SMALL_AREA_INTERVIEWS),
    }
    rows = []
    for group, mask in groups.items():
        part = detail[mask]
        emp = float(part["empirical_mse_eblup"].mean()) if len(part) else np.nan
        direct_mse = float(part["empirical_mse_direct"].mean()) if len(part) else np.nan
        estimate_mse = float(part["mean_mse_estimate"].mean()) if len(part) else np.nan
        rows.append({
            "indicator": indicator, "areas": len(areas), "replicates": replicates, "group": group,
            "n_areas": int(mask.sum()), "mean_interviews": float(part["mean_interviews"].mean()) if len(part) else 0.0,
            "empirical_mse_eblup": emp, "empirical_mse_direct": direct_mse,
            "mse_ratio_eblup_to_direct": emp / direct_mse if direct_mse else np.nan,
            "mean_mse_estimate": estimate_mse, "mse_estimate_ratio": estimate_mse / emp if emp else np.nan,
            "coverage": float(part["coverage"].mean()) if len(part) else np.nan,
            "mean_ci_width": float(part["mean_ci_width"].mean()) if len(part) else np.nan,
        })
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary["model"] = (f"{options.method}, transform {options.transform}, variance {options.variance}, "
                        f"mse {options.mse_method()}")
    return SaeCheckResult(summary, detail, draws)
