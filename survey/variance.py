"""Taylor-linearisation variance of weighted means for many domains and variables at once.

The estimator of a domain mean is linearised into influence values u_i = w_i (y_i - ybar_d) / N_d on the
rows of the domain's base, zero elsewhere (full-design domain variance: the domain is never subset).
The variance is R's one-stage formula on PSU totals t_c of u:

    V = sum_h f_h n_h / (n_h - 1) * [ sum_c t_c^2 - (sum_c t_c)^2 / n_h ]

Nothing is materialised per (row, domain): only sums over (PSU, domain) pairs, which number at most the
rows. After calibration, u is replaced by its residual from the calibration model (R `calibrate`):
u_i - w_i x_i'B with B fitted per calibration group by weighted least squares on the weights before
calibration. Because x_i is constant within a calibration cell, B and every PSU-level term come from
sums per cell and per PSU, expanded algebraically (sum of squares of t_c - X_c'B), so the cost stays a
few weighted bincounts over the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from survey._sums import bincount_rows, pair_index
from survey.calibration_variance import (
    CalibrationLayout,
    ClusterUnits,
    apply_calibration,
    calibration_sums,
    cluster_units,
)
from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.moments import moment_domain_means


@dataclass(frozen=True)
class DomainMeans:
    """Weighted means and their Taylor variances, arrays shaped (n_domains, n_variables)."""

    estimate: np.ndarray
    variance: np.ndarray
    n_unweighted: np.ndarray  # rows in the domain and the variable's base
    weight_sum: np.ndarray  # estimated population size of the base in the domain
    degrees_of_freedom: np.ndarray  # PSUs minus strata among the base rows, as R degf() on the subset
    srs_variance: np.ndarray  # variance under simple random sampling with replacement, for deff
    n_design_rows: np.ndarray  # nrow() of R's subset design: base rows, or all rows once calibrated


def domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
    """Means of each column of `values` in each domain, with full-design Taylor variances.

    `values` is (n_rows, k); NaN marks a row outside that variable's base. `domain` gives each row's
    domain code in [0, n_domains), or -1 for rows in no domain.
    """
    return domain_means_many(design, values, [(domain, n_domains)])[0]


def domain_means_many(
    design: SurveyDesign, values: np.ndarray, groupings: Sequence[tuple[np.ndarray, int]]
) -> list[DomainMeans]:
    """`domain_means` for several domain variables at once: (codes, n_domains) per grouping.

    Unclustered designs (one row per PSU) whose final weights are the calibrated ones take the moment
    path, which reads the rows once per variable whatever the number of groupings.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if len(design.calibrations) > 1:
        raise SurveyInputError(
            "the design has been calibrated more than once; variances account for one calibration "
            "step only. Calibrate once to all margins together."
        )
    step = design.calibrations[-1] if design.calibrations else None
    groupings = [(np.asarray(codes, dtype=np.int64), int(size)) for codes, size in groupings]
    if design.n_psu == design.n_rows and (step is None or np.array_equal(step.weights_after, design.weights)):
        pieces = moment_domain_means(design, step, values, groupings)
        return [
            _finish(design, values.shape[0], size, piece.weight_sum, piece.estimate, piece.n_unweighted,
                    piece.srs_variance, piece.sd_keys, piece.sum_sq, piece.sum_t, piece.strata_present,
                    piece.lonely_present, piece.degrees_of_freedom, piece.strata_with_base)
            for piece, (_, size) in zip(pieces, groupings, strict=True)
        ]
    return [_general_domain_means(design, values, codes, size) for codes, size in groupings]


def _general_domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
    """The (PSU, domain)-pair path: any design, one domain variable."""
    n, k = values.shape
    domain = np.asarray(domain, dtype=np.int64)
    in_domain = domain >= 0
    rows = np.flatnonzero(in_domain) if not in_domain.all() else None
    dom = domain if rows is None else domain[rows]
    w = design.weights if rows is None else design.weights[rows]
    psu = design.psu if rows is None else design.psu[rows]
    each_row_a_psu = design.n_psu == design.n_rows
    if each_row_a_psu:
        # Every row is its own PSU, so (PSU, domain) pairs are the rows themselves.
        pair_psu, pair_domain, pair_of_row = psu, dom, None
        n_pairs = psu.size
    else:
        pair_keys, pair_of_row = pair_index(psu, dom, n_domains)
        pair_psu, pair_domain = pair_keys // n_domains, pair_keys % n_domains
        n_pairs = pair_keys.size
    sd_keys, sd_of_pair = pair_index(design.psu_stratum[pair_psu], pair_domain, n_domains)
    n_sd = sd_keys.size
    sd_domain = sd_keys % n_domains
    sd_lonely = design.n_psu_in_stratum[sd_keys // n_domains] == 1

    shape = (k, n_domains)
    weight_sum, estimate, srs_variance = np.empty(shape), np.empty(shape), np.empty(shape)
    n_unweighted = np.empty(shape, dtype=np.int64)
    degrees_of_freedom = np.empty(shape, dtype=np.int64)
    strata_present, lonely_present = np.empty(shape), np.empty(shape)
    sum_sq, sum_t = np.empty((k, n_sd)), np.empty((k, n_sd))
    step = design.calibrations[-1] if design.calibrations else None
    layout: CalibrationLayout | None = None
    units: ClusterUnits | None = None
    if step is not None:
        layout, units = cluster_units(design, step, rows, dom, n_domains, pair_psu, pair_domain)
    if layout is not None:
        cell_domain = np.empty((k, layout.n_cd))
        triple_cell = np.empty((k, layout.n_tc))
    # One pass per variable over contiguous 1-D arrays: cheaper on memory than (rows x k) blocks.
    for j in range(k):
        y = values[:, j] if rows is None else values[rows, j]
        in_base = ~np.isnan(y)
        base_f = in_base.astype(np.float64)
        w_base = w * base_f
        y = np.where(in_base, y, 0.0)
        total_w = np.bincount(dom, weights=w_base, minlength=n_domains)
        count = np.bincount(dom, weights=base_f, minlength=n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(dom, weights=w_base * y, minlength=n_domains) / total_w
            inv_total = np.where(total_w > 0, 1.0 / total_w, 0.0)
        centred = (y - np.nan_to_num(mean)[dom]) * base_f
        w_centred = w_base * centred
        influence = w_centred * inv_total[dom]
        ss = np.bincount(dom, weights=w_centred * centred, minlength=n_domains)
        weight_sum[j], estimate[j], n_unweighted[j] = total_w, mean, np.rint(count)
        with np.errstate(invalid="ignore", divide="ignore"):
            # R svyvar: weighted variance with n/(n-1); the SRS variance of the mean is that over n.
            srs_variance[j] = ss / total_w / np.maximum(count - 1, 1)
        if pair_of_row is None:
            psu_total, pair_base = influence, base_f
        else:
            psu_total = np.bincount(pair_of_row, weights=influence, minlength=n_pairs)
            pair_base = (np.bincount(pair_of_row, weights=base_f, minlength=n_pairs) > 0).astype(np.float64)
        sum_sq[j] = np.bincount(sd_of_pair, weights=psu_total * psu_total, minlength=n_sd)
        sum_t[j] = np.bincount(sd_of_pair, weights=psu_total, minlength=n_sd)
        # PSUs and strata holding the base in each domain: R degf() and lonely strata of the subset.
        sd_base = np.bincount(sd_of_pair, weights=pair_base, minlength=n_sd) > 0
        psus = np.bincount(pair_domain, weights=pair_base, minlength=n_domains)
        strata_present[j] = np.bincount(sd_domain, weights=sd_base, minlength=n_domains)
        lonely_present[j] = np.bincount(sd_domain, weights=sd_base & sd_lonely, minlength=n_domains)
        degrees_of_freedom[j] = np.rint(psus - strata_present[j])
        if layout is not None and units is not None:
            cell_domain[j], triple_cell[j] = calibration_sums(layout, units, influence, psu_total)

    if layout is not None:
        sd_keys, sum_sq, sum_t = apply_calibration(layout, cell_domain, triple_cell, sd_keys, sum_sq, sum_t)
    # Strata that some variable's base reaches in some domain: as R's subset(design, domain & !is.na(y)),
    # lonely-PSU "fail" looks only at these (a variable not asked in a stratum does not touch it).
    base_rows = ~np.isnan(values if rows is None else values[rows]).all(axis=1)
    row_stratum = design.stratum if rows is None else design.stratum[rows]
    strata_with_base = np.bincount(row_stratum[base_rows], minlength=design.n_strata) > 0
    return _finish(design, n, n_domains, weight_sum, estimate, n_unweighted, srs_variance, sd_keys, sum_sq, sum_t,
                   strata_present, lonely_present, degrees_of_freedom, strata_with_base)


def _finish(
    design: SurveyDesign,
    n: int,
    n_domains: int,
    weight_sum: np.ndarray,
    estimate: np.ndarray,
    n_unweighted: np.ndarray,
    srs_variance: np.ndarray,
    sd_keys: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
    strata_present: np.ndarray,
    lonely_present: np.ndarray,
    degrees_of_freedom: np.ndarray,
    strata_with_base: np.ndarray,
) -> DomainMeans:
    """Combine strata into variances and transpose (k, domains) arrays to (domains, k)."""
    variance = _combine_strata(
        design, sd_keys // n_domains, sd_keys % n_domains, sum_sq, sum_t, n_domains, strata_present,
        lonely_present, strata_with_base,
    )
    n_design_rows = np.full(estimate.shape, n, dtype=np.int64) if design.calibrations else n_unweighted
    return DomainMeans(
        estimate=estimate.T,
        variance=variance.T,
        n_unweighted=n_unweighted.T,
        weight_sum=weight_sum.T,
        degrees_of_freedom=degrees_of_freedom.T,
        srs_variance=srs_variance.T,
        n_design_rows=n_design_rows.T,
    )


def _combine_strata(
    design: SurveyDesign,
    sd_stratum: np.ndarray,
    sd_domain: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
    n_domains: int,
    strata_present: np.ndarray,
    lonely_present: np.ndarray,
    strata_with_base: np.ndarray,
) -> np.ndarray:
    """Apply R's `onestrat` per (stratum, domain) and add up, handling lonely PSUs as R does.

    `sum_sq` and `sum_t` are (k, n_pairs); returns variances (k, n_domains).
    """
    n_h = design.n_psu_in_stratum[sd_stratum].astype(np.float64)
    f_h = design.stratum_fpc_factor[sd_stratum]
    lonely = n_h == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n_h > 1, f_h * n_h / (n_h - 1), 0.0)
        contribution = scale * (sum_sq - sum_t**2 / n_h)
    option = design.lonely_psu
    lonely_strata = np.flatnonzero(design.n_psu_in_stratum == 1)
    if option == "fail" and lonely_strata.size:
        # R fails only on strata the estimate touches; a calibrated subset keeps every stratum.
        touched = lonely_strata if design.calibrations else lonely_strata[strata_with_base[lonely_strata]]
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
            n_strat, n_lonely = strata_present, lonely_present
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = variance * n_strat / (n_strat - n_lonely)
    return variance
