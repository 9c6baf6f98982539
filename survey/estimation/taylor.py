"""Taylor-linearisation variance of weighted means by domain, for any design: the (PSU, domain)-pair path.

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

import numpy as np

from survey.design import SurveyDesign
from survey.estimation.calibration_variance import (
    CalibrationLayout,
    ClusterUnits,
    apply_calibration,
    calibration_sums,
    cluster_units,
)
from survey.estimation.strata import DomainMeans, DomainPieces, finish
from survey.estimation.sums import pair_index


def taylor_domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int,
                        denominators: np.ndarray | None = None, totals: np.ndarray | None = None) -> DomainMeans:
    """The (PSU, domain)-pair path: any design, one domain variable.

    Means by default. With `denominators` (n, k; NaN outside the base) column j is the ratio sum w y / sum w x
    (R `svyratio`: influence w (y - R x) / X), a mean being the ratio to 1; where `totals[j]` it is the total
    sum w y (R `svytotal`: influence w y). Totals and ratios have no SRS variance here (design effect NaN).
    """
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
    sd_lonely = design.lonely_strata[sd_keys // n_domains]

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
        x = None
        if denominators is not None:
            x = denominators[:, j] if rows is None else denominators[rows, j]
            in_base &= ~np.isnan(x)
        is_total = totals is not None and bool(totals[j])
        base_f = in_base.astype(np.float64)
        w_base = w * base_f
        y = np.where(in_base, y, 0.0)
        x = base_f if x is None else np.where(in_base, x, 0.0)
        total_w = np.bincount(dom, weights=w_base, minlength=n_domains)
        total_x = np.bincount(dom, weights=w_base * x, minlength=n_domains)
        count = np.bincount(dom, weights=base_f, minlength=n_domains)
        sum_y = np.bincount(dom, weights=w_base * y, minlength=n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sum_y if is_total else sum_y / total_x
            inv_total = np.ones(n_domains) if is_total else np.where(total_x != 0, 1.0 / total_x, 0.0)
        centred = (y if is_total else y - np.nan_to_num(mean)[dom] * x) * base_f
        w_centred = w_base * centred
        influence = w_centred * inv_total[dom]
        ss = np.bincount(dom, weights=w_centred * centred, minlength=n_domains)
        weight_sum[j], estimate[j], n_unweighted[j] = total_w, mean, np.rint(count)
        with np.errstate(invalid="ignore", divide="ignore"):
            # R svyvar: weighted variance with n/(n-1); the SRS variance of the mean is that over n.
            srs_variance[j] = ss / total_w / np.maximum(count - 1, 1) if denominators is None and totals is None \
                else np.nan
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
    pieces = DomainPieces(
        weight_sum=weight_sum,
        estimate=estimate,
        n_unweighted=n_unweighted,
        srs_variance=srs_variance,
        sd_keys=sd_keys,
        sum_sq=sum_sq,
        sum_t=sum_t,
        strata_present=strata_present,
        lonely_present=lonely_present,
        degrees_of_freedom=degrees_of_freedom,
        strata_with_base=strata_with_base,
    )
    return finish(design, n, n_domains, pieces)
