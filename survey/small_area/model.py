"""`small_area_estimates`: Fay-Herriot small-area estimates from direct estimates by area and a file of area covariates.

For each indicator: line the direct estimates up with the covariates (`direct.py`), choose the model scale
(`transform.py`) and the sampling variances (direct, or smoothed by `gvf.py`), fit by REML or ML
(`fay_herriot.py`), predict every area with its MSE (`eblup.py` analytically, `bootstrap.py` by the
parametric bootstrap), back-transform, benchmark (`benchmark.py`), form CIs from the MSE, and describe the
fit (`diagnostics.py`). Areas without a usable direct estimate get the regression-synthetic estimate and are
marked. Nothing falls back silently: an option that cannot apply, or a fit that does not converge, is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.errors import SurveyInputError
from survey.options import (
    AREA_TRANSFORMS,
    BENCHMARKS,
    FIT_METHODS,
    MSE_METHODS,
    SAMPLING_VARIANCES,
    AreaTransform,
    BenchmarkTo,
    FitMethod,
    MseMethod,
    SamplingVariance,
    choose,
)
from survey.small_area import diagnostics as diag
from survey.small_area import gvf
from survey.small_area.benchmark import benchmark_mse_term, benchmark_shift, population_shares
from survey.small_area.bootstrap import bootstrap_mse
from survey.small_area.direct import (
    AreaData,
    check_bases,
    check_direct_table,
    check_direct_variances,
    check_proportions,
    choose_domain,
    known_proportion,
    line_up,
)
from survey.small_area.eblup import Prediction, predict
from survey.small_area.fay_herriot import (
    DEFAULT_MAX_ITER,
    DEFAULT_TOLERANCE,
    FayHerriotFit,
    check_enough_areas,
    fit_fay_herriot,
)
from survey.small_area.formula import check_full_rank, design_matrix, parse_formula
from survey.small_area.transform import arcsine_sqrt, bias_corrected_back, delta_variance, naive_back

OUTPUT_COLUMNS: tuple[str, ...] = (
    "indicator", "area", "direct", "direct_se", "eblup", "mse", "ci_lower", "ci_upper", "shrinkage", "synthetic",
    "n_unweighted", "n_effective", "method", "synthetic_estimate", "sampling_variance",
)
"""The columns of the small-area table (`docs/small-area.md`): `synthetic` is true where the published figure is
the regression-synthetic estimate (no sample, or the direct estimate suppressed); `synthetic_estimate` is the
regression-synthetic value of every area; `sampling_variance` is the D used by the model (on its scale)."""
DEFAULT_REPLICATES = 1000


@dataclass(frozen=True)
class SmallAreaOptions:
    """How the model is fitted and its MSEs estimated (checked by `checked_options`)."""

    method: FitMethod = "reml"
    transform: AreaTransform = "none"
    variance: SamplingVariance = "direct"
    mse: MseMethod | None = None
    """None: analytic on the estimates' own scale, bootstrap after the arcsine transformation."""
    replicates: int = DEFAULT_REPLICATES
    seed: int = 1
    benchmark: BenchmarkTo = "none"
    population: str | None = None
    """Covariate column with each area's population (benchmark weights)."""
    level: float = 0.95
    max_iter: int = DEFAULT_MAX_ITER
    tol: float = DEFAULT_TOLERANCE

    def mse_method(self) -> MseMethod:
        if self.mse is not None:
            return self.mse
        return "bootstrap" if self.transform == "arcsin" else "analytic"


def checked_options(method: str = "reml", transform: str = "none", variance: str = "direct",
                    mse: str | None = None, replicates: int = DEFAULT_REPLICATES, seed: int = 1,
                    benchmark: str = "none", population: str | None = None, level: float = 0.95,
                    max_iter: int = DEFAULT_MAX_ITER, tol: float = DEFAULT_TOLERANCE) -> SmallAreaOptions:
    """The options, each checked before any work (as R's `match.arg`), with combinations that cannot work refused."""
    options = SmallAreaOptions(
        method=choose(method.lower(), FIT_METHODS, "--method"),
        transform=choose(transform, AREA_TRANSFORMS, "--transform"),
        variance=choose(variance, SAMPLING_VARIANCES, "--variance"),
        mse=None if mse is None else choose(mse, MSE_METHODS, "--mse"),
        replicates=replicates, seed=seed,
        benchmark=choose(benchmark, BENCHMARKS, "--benchmark"),
        population=population, level=level, max_iter=max_iter, tol=tol,
    )
    if options.transform == "arcsin" and options.mse == "analytic":
        raise SurveyInputError(
            "--mse analytic cannot be used with --transform arcsin: the Prasad-Rao formulas give the MSE on the "
            "arcsine scale, not of the back-transformed proportion. Use --mse bootstrap (the default with arcsin)."
        )
    if options.mse_method() == "bootstrap" and replicates < 50:
        raise SurveyInputError(f"--replicates {replicates}: use at least 50 bootstrap replicates (1000 is usual).")
    if seed < 0:
        raise SurveyInputError(f"--seed must be a non-negative integer, got {seed}")
    if not 0.5 <= level < 1.0:
        raise SurveyInputError(f"--level {level}: give a confidence level between 0.5 and 1, e.g. 0.95.")
    if max_iter < 1:
        raise SurveyInputError(f"--max-iter {max_iter}: must be at least 1.")
    if options.benchmark == "national" and not population:
        raise SurveyInputError("--benchmark national needs --population COLUMN: the covariate column holding each "
                               "area's population (the benchmark weights).")
    return options


@dataclass(frozen=True)
class SmallAreaResult:
    """The small-area table, the diagnostics table, and a JSON-ready description of each model."""

    table: pd.DataFrame
    diagnostics: pd.DataFrame
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    domain: str = ""


def small_area_estimates(
    direct: pd.DataFrame,
    covariates: pd.DataFrame,
    formula: str,
    *,
    indicators: Sequence[str] = (),
    domain: str | None = None,
    area_column: str | None = None,
    options: SmallAreaOptions | None = None,
    direct_source: str = "direct estimates",
    covariates_source: str = "covariates",
    on_replicates: Callable[[int], None] | None = None,
) -> SmallAreaResult:
    """Fay-Herriot (area-level EBLUP) estimates for every area of `covariates`, one model per indicator.

    `direct` is a `safer estimate --by AREA` table (`indicator, domain, domain_value, estimate, se,
    n_unweighted, n_effective, deff, low_base`, and the overall `all` rows); `covariates` has one row per
    area, including areas with no sample, keyed by `area_column` (default: the name of the area domain).
    `formula` is the right-hand side, e.g. `"~ imd + recorded_asb_rate"`. Returns the table
    (`OUTPUT_COLUMNS`), the diagnostics (`diagnostics.DIAGNOSTIC_COLUMNS`) and each model's description.

    >>> direct = pd.DataFrame({"indicator": "P", "domain": "la", "domain_value": list("abcdef"),
    ...     "estimate": [0.10, 0.22, 0.18, 0.35, 0.30, 0.41], "se": 0.04, "n_unweighted": 120})
    >>> areas = pd.DataFrame({"la": list("abcdefg"), "imd": [0.0, 1, 2, 3, 4, 5, 6]})
    >>> out = small_area_estimates(direct, areas, "~ imd").table
    >>> print(out[["area", "eblup", "mse", "method"]].tail(2).round(4).to_string(index=False))
    area  eblup    mse               method
       f 0.4041 0.0018                eblup
       g 0.4560 0.0035 synthetic: no sample
    """
    options = options or SmallAreaOptions()
    check_direct_table(direct, direct_source)
    chosen_domain = choose_domain(direct, domain, direct_source)
    key = area_column or chosen_domain
    terms = parse_formula(formula)
    available = [str(i) for i in pd.unique(direct["indicator"].astype(str))]
    wanted = list(indicators) or available
    missing = [i for i in wanted if i not in available]
    if missing:
        raise SurveyInputError(f"{direct_source}: no rows for indicator(s) {', '.join(missing)}; the table has "
                               f"{', '.join(available)}.")
    x_all, names = design_matrix(terms, covariates, covariates_source)
    shares = None
    if options.benchmark == "national":
        assert options.population is not None
        if options.population not in covariates.columns:
            raise SurveyInputError(f"{covariates_source}: no column '{options.population}' (--population).")
        labels = covariates[key].to_numpy() if key in covariates.columns else np.arange(len(covariates))
        shares = population_shares(pd.to_numeric(covariates[options.population], errors="coerce").to_numpy(),
                                   labels, options.population)
    tables, diagnostics, models = [], [], {}
    for indicator in wanted:
        data = line_up(direct, covariates, indicator, chosen_domain, key, direct_source=direct_source,
                       covariates_source=covariates_source)
        check_proportions(data, direct_source, known_proportion(direct, indicator))
        table, rows, model = _one_indicator(data, x_all, names, options, shares, direct_source, on_replicates)
        tables.append(table)
        diagnostics.extend(rows)
        models[indicator] = model
    return SmallAreaResult(
        table=pd.concat(tables, ignore_index=True)[list(OUTPUT_COLUMNS)],
        diagnostics=pd.DataFrame(diagnostics, columns=list(diag.DIAGNOSTIC_COLUMNS)),
        models=models,
        domain=chosen_domain,
    )


def _model_scale(data: AreaData, options: SmallAreaOptions, source: str) -> tuple[np.ndarray, bool]:
    """The response on the model's scale (NaN where not sampled), and whether the indicator is a proportion."""
    sampled = data.sampled
    values = data.direct[sampled]
    proportion = bool(np.all((values >= 0.0) & (values <= 1.0)))
    if options.transform == "arcsin":
        if not proportion:
            bad = data.areas[sampled][(values < 0) | (values > 1)][:5]
            raise SurveyInputError(f"{source}: indicator {data.indicator}: --transform arcsin needs proportions in "
                                   f"[0, 1]; area(s) {', '.join(bad)} are outside.")
        return np.where(sampled, arcsine_sqrt(np.nan_to_num(data.direct)), np.nan), proportion
    return np.where(sampled, data.direct, np.nan), proportion


def _sampling_variances(data: AreaData, options: SmallAreaOptions, proportion: bool, x: np.ndarray,
                        source: str) -> tuple[np.ndarray, dict[str, Any]]:
    """D for every area on the model scale (NaN where not sampled), and how it was made."""
    sampled = data.sampled
    if options.variance == "direct":
        check_direct_variances(data, source)
        variance = data.se**2
        if options.transform == "arcsin":
            variance = delta_variance(data.direct, variance)
            bad = sampled & ~np.isfinite(variance)
            if bad.any():
                raise SurveyInputError(
                    f"{source}: indicator {data.indicator}: area(s) {', '.join(data.areas[bad][:10])} have a direct "
                    "estimate of exactly 0 or 1, whose arcsine-scale variance cannot come from its own SE; use "
                    "--variance gvf."
                )
        return np.where(sampled, variance, np.nan), {"kind": "direct", "description": "direct SE squared" + (
            " on the arcsine scale (delta method: se^2 / (4 p (1 - p)))" if options.transform == "arcsin" else "")}
    check_bases(data, source)
    deff = gvf.pooled_design_effect(data.deff[sampled], data.n_unweighted[sampled])
    base = gvf.smoothed_effective_base(data.n_unweighted, deff)
    record: dict[str, Any] = {"kind": "gvf", "pooled_design_effect": deff}
    if options.transform == "arcsin":
        record["description"] = "1 / (4 n_eff), n_eff = n_unweighted / pooled deff"
        return np.where(sampled, gvf.arcsine_variance(base), np.nan), record
    if not proportion:
        record["description"] = "s2 / n_eff, s2 = median unit variance, n_eff = n_unweighted / pooled deff"
        return np.where(sampled, gvf.mean_variance(data.se**2, base), np.nan), record
    # Proportions: p (1 - p) / n_eff with p from the model itself, in two steps (first the overall mean).
    p_bar = float(np.sum(data.direct[sampled] * data.n_unweighted[sampled]) / np.sum(data.n_unweighted[sampled]))
    first = gvf.proportion_variance(np.full(len(base), p_bar), base)
    fit = fit_fay_herriot(data.direct[sampled], first[sampled], x[sampled], options.method, tol=options.tol,
                          max_iter=options.max_iter)
    synthetic = x @ fit.beta
    record["description"] = ("p (1 - p) / n_eff, p = regression-synthetic estimate of a first fit, "
                             "n_eff = n_unweighted / pooled deff")
    return np.where(sampled, gvf.proportion_variance(synthetic, base), np.nan), record


def _one_indicator(data: AreaData, x: np.ndarray, names: list[str], options: SmallAreaOptions,
                   shares: np.ndarray | None, source: str, on_replicates: Callable[[int], None] | None,
                   ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any]]:
    sampled = data.sampled
    if sampled.sum() == 0:
        raise SurveyInputError(f"{source}: indicator {data.indicator}: no area has a direct estimate.")
    try:
        check_enough_areas(int(sampled.sum()), x.shape[1])
    except SurveyInputError as exc:
        raise SurveyInputError(f"{source}: indicator {data.indicator}: {exc}") from None
    check_full_rank(x[sampled], names, f"{source}: indicator {data.indicator}, the {int(sampled.sum())} areas with "
                    "a direct estimate")
    y, proportion = _model_scale(data, options, source)
    d, variance_record = _sampling_variances(data, options, proportion, x, source)
    fit = fit_fay_herriot(y[sampled], d[sampled], x[sampled], options.method, tol=options.tol,
                          max_iter=options.max_iter)
    prediction = predict(fit, np.nan_to_num(y), np.nan_to_num(d, nan=1.0), x, sampled)
    mse_method = options.mse_method()
    z = float(stats.norm.ppf(0.5 + options.level / 2.0))

    if options.transform == "arcsin":
        posterior = np.where(sampled, prediction.g1, fit.area_variance)
        estimate = bias_corrected_back(prediction.eblup, posterior)
        synthetic_value = bias_corrected_back(prediction.synthetic, np.full(len(y), fit.area_variance))
        half = z * np.sqrt(prediction.mse)
        lower, upper = naive_back(prediction.eblup - half), naive_back(prediction.eblup + half)
    else:
        estimate = prediction.eblup.copy()
        synthetic_value = prediction.synthetic
    shift = 0.0
    if shares is not None:
        if data.national is None:
            raise SurveyInputError(f"{source}: indicator {data.indicator}: --benchmark national needs the overall "
                                   "(domain 'all') direct estimate in the table, and it is missing or blank.")
        shift = benchmark_shift(estimate, shares, data.national)
        estimate = estimate + shift
    if mse_method == "bootstrap":
        mse = bootstrap_mse(fit, np.nan_to_num(d, nan=1.0), x, sampled, replicates=options.replicates,
                            seed=options.seed, arcsine=options.transform == "arcsin", shares=shares, tol=options.tol,
                            max_iter=options.max_iter, on_replicates=on_replicates).mse
    else:
        mse = prediction.mse.copy()
        if shares is not None:
            mse = mse + benchmark_mse_term(fit, d[sampled], x[sampled], shares[sampled])
    if options.transform == "arcsin":
        lower, upper = lower + shift, upper + shift
    else:
        lower, upper = estimate - z * np.sqrt(mse), estimate + z * np.sqrt(mse)

    method = data.status.astype(object).copy()
    if shares is not None:
        method = np.array([f"{m}, benchmarked" for m in method], dtype=object)
    table = pd.DataFrame({
        "indicator": data.indicator,
        "area": data.areas,
        "direct": data.direct,
        "direct_se": data.se,
        "eblup": estimate,
        "mse": mse,
        "ci_lower": lower,
        "ci_upper": upper,
        "shrinkage": prediction.shrinkage,
        "synthetic": ~sampled,
        "n_unweighted": data.n_unweighted.astype(np.int64),
        "n_effective": data.n_effective,
        "method": method,
        "synthetic_estimate": synthetic_value,
        "sampling_variance": d,
    })
    rows = _diagnostic_rows(data, fit, prediction, names, options, estimate, mse, y, d, shares, shift)
    model = {
        "formula_columns": names,
        "method": fit.method,
        "transform": options.transform,
        "sampling_variance": variance_record,
        "mse": mse_method if mse_method == "analytic" else f"parametric bootstrap, {options.replicates} replicates, "
        f"seed {options.seed}",
        "area_variance": fit.area_variance,
        "area_variance_se": fit.area_variance_se,
        "area_variance_at_boundary": fit.at_boundary,
        "coefficients": dict(zip(names, map(float, fit.beta), strict=True)),
        "iterations": fit.iterations,
        "areas_in_fit": int(sampled.sum()),
        "areas_synthetic": int((~sampled).sum()),
        "benchmark": None if shares is None else {"national_direct": data.national, "shift": shift},
        "level": options.level,
    }
    return table, rows, model


def _diagnostic_rows(data: AreaData, fit: FayHerriotFit, prediction: Prediction, names: list[str],
                     options: SmallAreaOptions, estimate: np.ndarray, mse: np.ndarray, y: np.ndarray,
                     d: np.ndarray, shares: np.ndarray | None, shift: float) -> list[dict[str, Any]]:
    sampled = data.sampled
    indicator = data.indicator
    rows = diag.model_rows(
        indicator, areas_fitted=int(sampled.sum()), areas_predicted=int((~sampled).sum()),
        iterations=fit.iterations, log_likelihood=fit.log_likelihood, n_parameters=len(names) + 1,
        method=fit.method, transform=options.transform, variance=options.variance, mse=options.mse_method(),
    )
    boundary = "estimated at zero: every EBLUP is its synthetic estimate" if fit.at_boundary else ""
    rows.append(diag.row(indicator, "area_variance", "A", fit.area_variance, fit.area_variance_se, note=boundary))
    rows.extend(diag.coefficient_rows(indicator, names, fit.beta, fit.beta_cov))
    residuals = (y[sampled] - prediction.eblup[sampled]) / np.sqrt(d[sampled])
    effects = prediction.eblup[sampled] - prediction.synthetic[sampled]
    spread = np.std(effects, ddof=1) if effects.size > 1 else np.nan
    rows.extend(diag.normality_rows(indicator, "standardised residuals", residuals))
    rows.extend(diag.normality_rows(indicator, "standardised area effects",
                                    effects / spread if spread > 0 else effects))
    rows.extend(diag.cv_rows(indicator, data.direct, data.se, estimate, mse, sampled))
    if shares is not None:
        rows.append(diag.row(indicator, "benchmark", "national_direct", float(data.national or np.nan)))
        rows.append(diag.row(indicator, "benchmark", "shift", shift))
        rows.append(diag.row(indicator, "benchmark", "weighted_sum_after", float(np.sum(shares * estimate))))
    return rows
