"""Combining per-(stratum, domain) sums into variances, as R's `onestrat` and `svyrecvar` do.

Both Taylor paths (`survey.estimation.taylor` for any design, `survey.estimation.moments` for unclustered
designs) reduce a variable to `DomainPieces`: for each (stratum, domain) pair, the sum of squared PSU totals
of the influence values and the sum of PSU totals. R's one-stage formula then gives

    V = sum_h f_h n_h / (n_h - 1) * [ sum_c t_c^2 - (sum_c t_c)^2 / n_h ]

with lonely PSUs handled as R's `survey.lonely.psu` options say.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survey.design import CERTAINTY_FPC, SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.sums import bincount_rows
from survey.options import VarianceMethod


@dataclass(frozen=True)
class DomainMeans:
    """Weighted means and their variances, arrays shaped (n_domains, n_variables)."""

    estimate: np.ndarray
    """The weighted mean in each domain."""
    variance: np.ndarray
    """Its variance (Taylor or replicate, as `method` says)."""
    n_unweighted: np.ndarray
    """Rows in the domain and the variable's base."""
    weight_sum: np.ndarray
    """Estimated population size of the base in the domain."""
    degrees_of_freedom: np.ndarray
    """R `degf()` of the subset to the domain's base: PSUs minus strata (replicate designs: rank minus 1)."""
    srs_variance: np.ndarray
    """Variance under simple random sampling with replacement, for the design effect."""
    n_design_rows: np.ndarray
    """`nrow()` of R's subset design: base rows, or all rows once calibrated."""
    method: VarianceMethod = "taylor"
    """How the variance was computed; the design decided."""


@dataclass(frozen=True)
class DomainPieces:
    """One domain variable's per-domain results before strata are combined; arrays are (k, ...)."""

    weight_sum: np.ndarray
    """(k, n_domains): sum of weights over the base."""
    estimate: np.ndarray
    """(k, n_domains): weighted means."""
    n_unweighted: np.ndarray
    """(k, n_domains): rows in the base."""
    srs_variance: np.ndarray
    """(k, n_domains): variance of the mean under simple random sampling."""
    sd_keys: np.ndarray
    """(n_pairs,): stratum * n_domains + domain of each (stratum, domain) pair."""
    sum_sq: np.ndarray
    """(k, n_pairs): sum over PSUs of squared PSU totals of the influence values."""
    sum_t: np.ndarray
    """(k, n_pairs): sum over PSUs of PSU totals of the influence values."""
    strata_present: np.ndarray
    """(k, n_domains): strata holding the base in each domain."""
    lonely_present: np.ndarray
    """(k, n_domains): single-PSU strata among them."""
    degrees_of_freedom: np.ndarray
    """(k, n_domains): PSUs minus strata among the base rows (R `degf()` on the subset)."""
    strata_with_base: np.ndarray
    """(n_strata,) bool: strata that some variable's base reaches in some domain."""


def finish(design: SurveyDesign, n_rows: int, n_domains: int, pieces: DomainPieces) -> DomainMeans:
    """Combine strata into variances and transpose (k, domains) arrays to (domains, k)."""
    variance = combine_strata(design, n_domains, pieces)
    # R's subset of a calibrated design keeps every row; otherwise nrow() is the base.
    n_design_rows = (np.full(pieces.estimate.shape, n_rows, dtype=np.int64) if design.calibrations
                     else pieces.n_unweighted)
    return DomainMeans(
        estimate=pieces.estimate.T,
        variance=variance.T,
        n_unweighted=pieces.n_unweighted.T,
        weight_sum=pieces.weight_sum.T,
        degrees_of_freedom=pieces.degrees_of_freedom.T,
        srs_variance=pieces.srs_variance.T,
        n_design_rows=n_design_rows.T,
    )


def combine_strata(design: SurveyDesign, n_domains: int, pieces: DomainPieces) -> np.ndarray:
    """Apply R's `onestrat` per (stratum, domain) and add up, handling lonely PSUs as R does.

    Returns variances (k, n_domains).
    """
    sd_stratum, sd_domain = pieces.sd_keys // n_domains, pieces.sd_keys % n_domains
    sum_sq, sum_t = pieces.sum_sq, pieces.sum_t
    n_h = design.n_psu_in_stratum[sd_stratum].astype(np.float64)
    f_h = design.stratum_fpc_factor[sd_stratum]
    lonely = design.lonely_strata[sd_stratum]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where((n_h > 1) & (f_h >= CERTAINTY_FPC), f_h * n_h / (n_h - 1), 0.0)
        contribution = scale * (sum_sq - sum_t**2 / n_h)
    option = design.lonely_psu
    # Certainty strata (f = 1) add nothing and are never lonely (R's onestrat returns 0 for them first).
    lonely_strata = np.flatnonzero(design.lonely_strata)
    if option == "fail" and lonely_strata.size:
        # R fails only on strata the estimate touches; a calibrated subset keeps every stratum.
        touched = lonely_strata if design.calibrations else lonely_strata[pieces.strata_with_base[lonely_strata]]
        if touched.size:
            h = int(touched[0])
            label = design.stratum_labels[h] if design.stratum_labels else str(h)
            column = f" (column '{design.strata_column}')" if design.strata_column else ""
            raise SurveyInputError(
                f"stratum '{label}'{column} has only one PSU, so its variance cannot be estimated under "
                f"--lonely-psu fail ({lonely_strata.size} such strata). Choose adjust, average, certainty or "
                "remove, or merge strata."
            )
    if option == "adjust":
        # A lonely PSU is centred at the population mean of PSU totals, which is zero for influence values.
        contribution = np.where(lonely, f_h * sum_sq, contribution)
    variance = bincount_rows(sd_domain, contribution, n_domains)
    if option == "average" and lonely_strata.size:
        # R drops lonely strata and scales up by (strata) / (strata without a lonely PSU).
        if design.calibrations:
            n_strat = np.full_like(variance, float(design.n_strata))
            n_lonely = np.full_like(variance, float(lonely_strata.size))
        else:
            n_strat, n_lonely = pieces.strata_present, pieces.lonely_present
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = variance * n_strat / (n_strat - n_lonely)
    return variance
