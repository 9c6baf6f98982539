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

from dataclasses import dataclass

import numpy as np

from survey.design import CalibrationStep, SurveyDesign
from survey.errors import SurveyInputError


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


def _bincount_columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column-wise bincount of a (n, k) array into (size, k)."""
    out = np.empty((size, values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(index, weights=values[:, j], minlength=size)
    return out


def _pair_index(left: np.ndarray, right: np.ndarray, right_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of (left, right) pairs: (unique keys, inverse index)."""
    keys = left.astype(np.int64) * np.int64(right_size) + right.astype(np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse.astype(np.int64)


def domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
    """Means of each column of `values` in each domain, with full-design Taylor variances.

    `values` is (n_rows, k); NaN marks a row outside that variable's base. `domain` gives each row's
    domain code in [0, n_domains), or -1 for rows in no domain.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n, k = values.shape
    domain = np.asarray(domain, dtype=np.int64)
    w = design.weights
    in_domain = domain >= 0
    in_base = ~np.isnan(values) & in_domain[:, None]
    dom = np.where(in_domain, domain, 0)
    y = np.where(in_base, values, 0.0)
    w_base = w[:, None] * in_base

    weight_sum = _bincount_columns(dom, w_base, n_domains)
    n_unweighted = _bincount_columns(dom, in_base.astype(np.float64), n_domains).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = _bincount_columns(dom, w_base * y, n_domains) / weight_sum
        centred = np.where(in_base, y - estimate[dom], 0.0)
        influence = w_base * centred / weight_sum[dom]
        influence[~in_base] = 0.0
        # R svyvar: weighted variance with n/(n-1); SRS variance of the mean is that over n.
        weighted_ss = _bincount_columns(dom, w_base * centred**2, n_domains)
        srs_variance = weighted_ss / weight_sum / np.maximum(n_unweighted - 1, 1)

    rows = np.flatnonzero(in_domain)
    pair_keys, pair_of_row = _pair_index(design.psu[rows], dom[rows], n_domains)
    pair_psu = pair_keys // n_domains
    pair_domain = pair_keys % n_domains
    psu_total = _bincount_columns(pair_of_row, influence[rows], pair_keys.size)
    pair_has_base = _bincount_columns(pair_of_row, in_base[rows].astype(np.float64), pair_keys.size) > 0
    pair_stratum = design.psu_stratum[pair_psu]

    # Strata and PSUs touched by each domain's base (R degf() and lonely-PSU bookkeeping on the subset).
    sd_keys, sd_of_pair = _pair_index(pair_stratum, pair_domain, n_domains)
    sd_has_base = _bincount_columns(sd_of_pair, pair_has_base.astype(np.float64), sd_keys.size) > 0
    psus_present = _bincount_columns(pair_domain, pair_has_base.astype(np.float64), n_domains)
    strata_present = _bincount_columns(sd_keys % n_domains, sd_has_base.astype(np.float64), n_domains)
    degrees_of_freedom = (psus_present - strata_present).astype(np.int64)

    # Sums over PSUs within (stratum, domain) of t_c and t_c^2.
    sum_sq = _bincount_columns(sd_of_pair, psu_total**2, sd_keys.size)
    sum_t = _bincount_columns(sd_of_pair, psu_total, sd_keys.size)
    sd_stratum = sd_keys // n_domains
    sd_domain = sd_keys % n_domains

    if design.calibrations:
        step = design.calibrations[-1]
        if len(design.calibrations) > 1:
            raise SurveyInputError(
                "the design has been calibrated more than once; variances account for one calibration "
                "step only. Calibrate once to all margins together."
            )
        sd_keys, sum_sq, sum_t = _add_calibration_terms(
            design, step, influence, in_domain, dom, n_domains, pair_psu, pair_domain, psu_total,
            sd_keys, sum_sq, sum_t,
        )
        sd_stratum = sd_keys // n_domains
        sd_domain = sd_keys % n_domains

    variance = _combine_strata(design, sd_stratum, sd_domain, sum_sq, sum_t, n_domains, k, strata_present)
    n_design_rows = np.full((n_domains, k), n, dtype=np.int64) if design.calibrations else n_unweighted
    return DomainMeans(
        estimate=estimate,
        variance=variance,
        n_unweighted=n_unweighted,
        weight_sum=weight_sum,
        degrees_of_freedom=degrees_of_freedom,
        srs_variance=srs_variance,
        n_design_rows=n_design_rows,
    )


def _combine_strata(
    design: SurveyDesign,
    sd_stratum: np.ndarray,
    sd_domain: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
    n_domains: int,
    k: int,
    strata_present: np.ndarray,
) -> np.ndarray:
    """Apply R's `onestrat` per (stratum, domain) and add up, handling lonely PSUs as R does."""
    n_h = design.n_psu_in_stratum[sd_stratum].astype(np.float64)[:, None]
    f_h = design.stratum_fpc_factor[sd_stratum][:, None]
    lonely = (n_h == 1)[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = sum_sq - sum_t**2 / n_h
        contribution = np.where(n_h > 1, f_h * n_h / (n_h - 1) * centred, 0.0)
    option = design.lonely_psu
    lonely_strata = np.flatnonzero(design.n_psu_in_stratum == 1)
    if option == "fail" and lonely_strata.size:
        # R fails only on strata the estimate touches; a calibrated subset keeps every stratum.
        touched = lonely_strata if design.calibrations else np.intersect1d(lonely_strata, sd_stratum)
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
        contribution = np.where(lonely[:, None], f_h * sum_sq, contribution)
    variance = _bincount_columns(sd_domain, contribution, n_domains)
    if option == "average" and lonely_strata.size:
        lonely_in = _bincount_columns(sd_domain, np.broadcast_to(lonely[:, None], contribution.shape).astype(
            np.float64), n_domains)
        if design.calibrations:
            n_strat = np.full((n_domains, k), float(design.n_strata))
            lonely_in = np.full((n_domains, k), float(lonely_strata.size))
        else:
            n_strat = strata_present
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = variance * n_strat / (n_strat - lonely_in)
    return variance


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum rows of `values` (any trailing shape) into `size` bins given by `index`."""
    flat = values.reshape(values.shape[0], -1)
    out = _bincount_columns(index, flat, size) if flat.shape[1] else np.zeros((size, 0))
    return out.reshape((size, *values.shape[1:]))


def _expand_within(owner: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items grouped by `owner` (sorted blocks at `starts` of length `counts`): pair each item in a
    list with every block member of its owner. Returns (left item ids, right block-member positions)."""
    reps = counts[owner]
    left = np.repeat(np.arange(owner.size), reps)
    within = np.arange(left.size) - np.repeat(np.cumsum(reps) - reps, reps)
    return left, starts[owner[left]] + within


def _add_calibration_terms(
    design: SurveyDesign,
    step: CalibrationStep,
    influence: np.ndarray,
    in_domain: np.ndarray,
    dom: np.ndarray,
    n_domains: int,
    pair_psu: np.ndarray,
    pair_domain: np.ndarray,
    psu_total: np.ndarray,
    sd_keys: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replace PSU totals t_c by t_c - X_c'B_g (residual method) inside the per-stratum sums.

    X_c = sum over the PSU's rows of w_after * x_cell, so every term is a sum over (PSU, cell) pairs:
    sum t^2 gains -2 B'(sum t X) + B'(sum X X')B and sum t gains -(sum X)'B, per stratum and domain.
    """
    k = influence.shape[1]
    x_cell = step.cell_matrix
    n_cells, p = x_cell.shape
    n_groups = step.n_groups
    row_group = step.cell_group[step.cell]
    psu_group = np.full(design.n_psu, -1, dtype=np.int64)
    psu_group[design.psu] = row_group
    split = np.flatnonzero(psu_group[design.psu] != row_group)
    if split.size:
        r = int(split[0])
        raise SurveyInputError(
            f"the PSU of data row {r + 1} spans more than one calibration group; calibration groups must "
            "contain whole PSUs."
        )

    # B_gd = M_g^+ A_gd, with M_g = sum_cells d x x' and A_gd = sum_cells x * sum_{cell, domain} u / g.
    d_cell = np.bincount(step.cell, weights=step.weights_before, minlength=n_cells)
    m_group = _sum_by(step.cell_group, d_cell[:, None, None] * x_cell[:, :, None] * x_cell[:, None, :], n_groups)
    m_inverse = np.linalg.pinv(m_group, rtol=1e-10, hermitian=True)
    rows = np.flatnonzero(in_domain)
    cd_keys, cd_of_row = _pair_index(step.cell[rows], dom[rows], n_domains)
    g_row = step.cell_g[step.cell[rows]]
    cell_domain_sum = _bincount_columns(cd_of_row, influence[rows] / g_row[:, None], cd_keys.size)
    cd_cell = cd_keys // n_domains
    gd_keys, gd_of_cd = _pair_index(step.cell_group[cd_cell], cd_keys % n_domains, n_domains)
    a_gd = _sum_by(gd_of_cd, x_cell[cd_cell][:, :, None] * cell_domain_sum[:, None, :], gd_keys.size)
    gd_group = gd_keys // n_domains
    gd_domain = gd_keys % n_domains
    b_gd = np.einsum("gpq,gqk->gpk", m_inverse[gd_group], a_gd)

    # (PSU, cell) pairs carry W = sum of w_after; PSUs fall in (stratum, group) blocks hg.
    pc_keys, pc_of_row = _pair_index(design.psu, step.cell, n_cells)
    pc_weight = np.bincount(pc_of_row, weights=step.weights_after, minlength=pc_keys.size)
    pc_psu = pc_keys // n_cells
    pc_cell = pc_keys % n_cells
    hg_keys, hg_of_psu = _pair_index(design.psu_stratum, psu_group, n_groups)
    hg_group = hg_keys % n_groups
    hg_stratum = hg_keys // n_groups
    pc_count = np.bincount(pc_psu, minlength=design.n_psu)
    pc_start = np.concatenate([[0], np.cumsum(pc_count)[:-1]])

    # R_hg = sum_c X_c and Q_hg = sum_c X_c X_c'.
    r_keys, r_of_pc = _pair_index(hg_of_psu[pc_psu], pc_cell, n_cells)
    r_sum = np.bincount(r_of_pc, weights=pc_weight, minlength=r_keys.size)
    r_hg = _sum_by(r_keys // n_cells, x_cell[r_keys % n_cells] * r_sum[:, None], hg_keys.size)
    left, right = _expand_within(pc_psu, pc_count, pc_start)
    q_index, q_of = _pair_index(
        hg_of_psu[pc_psu[left]] * np.int64(n_cells) + pc_cell[left], pc_cell[right], n_cells
    )
    q_sum = np.bincount(q_of, weights=pc_weight[left] * pc_weight[right], minlength=q_index.size)
    q_cell_left = (q_index // n_cells) % n_cells
    q_cell_right = q_index % n_cells
    q_hg = _sum_by(
        q_index // n_cells // n_cells,
        x_cell[q_cell_left][:, :, None] * x_cell[q_cell_right][:, None, :] * q_sum[:, None, None],
        hg_keys.size,
    )

    # Triples (hg, domain) for every group that meets the domain.
    order = np.argsort(hg_group, kind="stable")
    per_group = np.bincount(hg_group, minlength=n_groups)
    group_start = np.concatenate([[0], np.cumsum(per_group)[:-1]])
    triple_gd, position = _expand_within(gd_group, per_group, group_start)
    triple_hg = order[position]
    triple_keys = triple_hg * np.int64(n_domains) + gd_domain[triple_gd]
    sort_triples = np.argsort(triple_keys)
    triple_keys, triple_gd, triple_hg = triple_keys[sort_triples], triple_gd[sort_triples], triple_hg[sort_triples]

    # Cross term sum_c t_c X_c per triple, through (PSU, domain) x (PSU, cell) pairs.
    pair_ids, pc_pos = _expand_within(pair_psu, pc_count, pc_start)
    pair_triple = np.searchsorted(
        triple_keys, hg_of_psu[pair_psu[pair_ids]] * np.int64(n_domains) + pair_domain[pair_ids]
    )
    tc_keys, tc_of = _pair_index(pair_triple, pc_cell[pc_pos], n_cells)
    tc_sum = _bincount_columns(tc_of, psu_total[pair_ids] * pc_weight[pc_pos][:, None], tc_keys.size)
    cross = _sum_by(
        tc_keys // n_cells, x_cell[tc_keys % n_cells][:, :, None] * tc_sum[:, None, :], triple_keys.size
    )

    b = b_gd[triple_gd]
    sq_correction = -2.0 * np.einsum("tpk,tpk->tk", b, cross) + np.einsum(
        "tpk,tpq,tqk->tk", b, q_hg[triple_hg], b
    )
    t_correction = -np.einsum("tp,tpk->tk", r_hg[triple_hg], b)

    triple_sd = hg_stratum[triple_hg] * np.int64(n_domains) + gd_domain[triple_gd]
    all_sd, inverse = np.unique(np.concatenate([sd_keys, triple_sd]), return_inverse=True)
    size = all_sd.size
    new_sq = _sum_by(inverse, np.concatenate([sum_sq, sq_correction]), size)
    new_t = _sum_by(inverse, np.concatenate([sum_t, t_correction]), size)
    return all_sd, new_sq, new_t
