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


def _bincount_rows(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Bincount each row of a (k, m) array into (k, size); rows are contiguous, which bincount needs."""
    out = np.empty((values.shape[0], size), dtype=np.float64)
    for j in range(values.shape[0]):
        out[j] = np.bincount(index, weights=values[j], minlength=size)
    return out


def _bincount_columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column-wise bincount of a (m, k) array into (size, k); for small arrays."""
    return _bincount_rows(index, np.ascontiguousarray(values.T), size).T


def _pair_index(left: np.ndarray, right: np.ndarray, right_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of (left, right) pairs: (sorted unique keys, inverse index)."""
    keys = left.astype(np.int64) * np.int64(right_size) + right.astype(np.int64)
    if keys.size == 0:
        return keys, keys
    space = int(keys.max()) + 1
    if space <= max(4 * keys.size, 1 << 16):
        # Marking a dense key space is O(n), several times faster than sorting.
        seen = np.zeros(space, dtype=bool)
        seen[keys] = True
        unique = np.flatnonzero(seen)
        rank = np.cumsum(seen, dtype=np.int64) - 1
        return unique.astype(np.int64), rank[keys]
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
        pair_keys, pair_of_row = _pair_index(psu, dom, n_domains)
        pair_psu, pair_domain = pair_keys // n_domains, pair_keys % n_domains
        n_pairs = pair_keys.size
    sd_keys, sd_of_pair = _pair_index(design.psu_stratum[pair_psu], pair_domain, n_domains)
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
    if len(design.calibrations) > 1:
        raise SurveyInputError(
            "the design has been calibrated more than once; variances account for one calibration "
            "step only. Calibrate once to all margins together."
        )
    # Unclustered designs whose final weights are the calibrated ones take the moment-sum path.
    use_moments = each_row_a_psu and (step is None or np.array_equal(step.weights_after, design.weights))
    layout: _CalibrationLayout | None = None
    cluster_units: _ClusterUnits | None = None
    if use_moments:
        moments = _RowMoments(design, step, rows, dom, n_domains, sd_keys, sd_of_pair)
        layout = moments.layout
    elif step is not None:
        layout, cluster_units = _cluster_units(design, step, rows, dom, n_domains, pair_psu, pair_domain)
    if layout is not None:
        cell_domain = np.empty((k, layout.n_cd))
        triple_cell = np.empty((k, layout.n_tc))
    # One pass per variable over contiguous 1-D arrays: cheaper on memory than (rows x k) blocks.
    for j in range(k):
        if use_moments:
            y = values[:, j] if rows is None else values[rows, j]
            column = moments.column(y, w)
            weight_sum[j], estimate[j], n_unweighted[j], srs_variance[j] = column[:4]
            sum_sq[j], sum_t[j], strata_present[j], lonely_present[j], degrees_of_freedom[j] = column[4:9]
            if layout is not None:
                cell_domain[j], triple_cell[j] = column[9], column[10]
            continue
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
        if layout is not None and cluster_units is not None:
            cell_domain[j], triple_cell[j] = _calibration_sums(layout, cluster_units, influence, psu_total)

    if layout is not None:
        sd_keys, sum_sq, sum_t = _apply_calibration(layout, cell_domain, triple_cell, sd_keys, sum_sq, sum_t)
    # Strata that some variable's base reaches in some domain: as R's subset(design, domain & !is.na(y)),
    # lonely-PSU "fail" looks only at these (a variable not asked in a stratum does not touch it).
    base_rows = ~np.isnan(values if rows is None else values[rows]).all(axis=1)
    row_stratum = design.stratum if rows is None else design.stratum[rows]
    strata_with_base = np.bincount(row_stratum[base_rows], minlength=design.n_strata) > 0
    variance = _combine_strata(
        design, sd_keys // n_domains, sd_keys % n_domains, sum_sq, sum_t, n_domains, strata_present,
        lonely_present, strata_with_base,
    )
    n_design_rows = np.full((k, n_domains), n, dtype=np.int64) if design.calibrations else n_unweighted
    return DomainMeans(
        estimate=estimate.T,
        variance=variance.T,
        n_unweighted=n_unweighted.T,
        weight_sum=weight_sum.T,
        degrees_of_freedom=degrees_of_freedom.T,
        srs_variance=srs_variance.T,
        n_design_rows=n_design_rows.T,
    )


class _RowMoments:
    """Per-variable sums when every row is its own PSU (e.g. a Place Survey stratified by authority).

    Influence values are w M (y - ybar_d) / N_d, so every quantity the variance needs is a function of
    sums of w, w y, w y^2, w^2, w^2 y and w^2 y^2 over rows sharing (stratum, calibration cell, domain):
    seven bincounts per variable (five for 0/1 variables) and no per-row centring. `y` is shifted by its
    overall mean first so that the expanded squares do not cancel badly.
    """

    def __init__(
        self,
        design: SurveyDesign,
        step: CalibrationStep | None,
        rows: np.ndarray | None,
        dom: np.ndarray,
        n_domains: int,
        sd_keys: np.ndarray,
        sd_of_row: np.ndarray,
    ) -> None:
        cell = np.zeros(dom.size, dtype=np.int64) if step is None else (step.cell if rows is None else step.cell[rows])
        n_cells = 1 if step is None else step.cell_matrix.shape[0]
        keys, self.key_of_row = _pair_index(sd_of_row, cell, n_cells)
        self.n_keys = keys.size
        self.n_domains = n_domains
        self.key_sd = keys // n_cells
        self.n_sd = sd_keys.size
        self.key_domain = sd_keys[self.key_sd] % n_domains
        self.sd_domain = sd_keys % n_domains
        self.sd_lonely = (design.n_psu_in_stratum[sd_keys // n_domains] == 1).astype(np.float64)
        self.key_cd: np.ndarray | None = None
        self.key_tc: np.ndarray | None = None
        self.layout: _CalibrationLayout | None = None
        if step is not None:
            key_cell = keys % n_cells
            key_stratum = sd_keys[self.key_sd] // n_domains
            self.inv_g = 1.0 / step.cell_g[key_cell]
            self.layout = _calibration_layout(
                design, step, n_domains, (key_cell, self.key_domain), (key_stratum, key_cell, self.key_domain)
            )
            self.key_cd, self.key_tc = self.layout.cd_of_unit, self.layout.tc_of_unit
            self.n_cd, self.n_tc = self.layout.n_cd, self.layout.n_tc

    def _sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.key_of_row, weights=weights, minlength=self.n_keys)

    def _by_domain(self, per_key: np.ndarray) -> np.ndarray:
        return np.bincount(self.key_domain, weights=per_key, minlength=self.n_domains)

    def column(self, y: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
        in_base = ~np.isnan(y)
        y = np.where(in_base, y, 0.0)
        binary = bool(np.all((y == 0) | (y == 1)))
        wm = w * in_base
        shift = 0.0
        if not binary:
            total = wm.sum()
            shift = float(wm @ y / total) if total > 0 else 0.0
            y = (y - shift) * in_base
        s1, sy, count = self._sum(wm), self._sum(wm * y), self._sum(in_base.astype(np.float64))
        wwm = wm * w
        q1, qy = self._sum(wwm), self._sum(wwm * y)
        syy, qyy = (sy, qy) if binary else (self._sum(wm * y * y), self._sum(wwm * y * y))
        weight_sum = self._by_domain(s1)
        n_unweighted = self._by_domain(count)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self._by_domain(sy) / weight_sum
            ss = self._by_domain(syy) - mean * self._by_domain(sy)
            srs_variance = ss / weight_sum / np.maximum(n_unweighted - 1, 1)
            inv_total = np.where(weight_sum > 0, 1.0 / weight_sum, 0.0)
        m = np.nan_to_num(mean)[self.key_domain]
        inv = inv_total[self.key_domain]
        t_key = (sy - m * s1) * inv
        tsq_key = (qyy - 2 * m * qy + m * m * q1) * inv * inv
        sum_sq = np.bincount(self.key_sd, weights=tsq_key, minlength=self.n_sd)
        sum_t = np.bincount(self.key_sd, weights=t_key, minlength=self.n_sd)
        sd_base = np.bincount(self.key_sd, weights=count, minlength=self.n_sd) > 0
        strata = np.bincount(self.sd_domain, weights=sd_base, minlength=self.n_domains)
        lonely = np.bincount(self.sd_domain, weights=sd_base * self.sd_lonely, minlength=self.n_domains)
        result = [
            weight_sum, mean + shift, np.rint(n_unweighted), srs_variance, sum_sq, sum_t, strata, lonely,
            np.rint(n_unweighted - strata),
        ]
        if self.key_cd is not None and self.key_tc is not None:
            result.append(np.bincount(self.key_cd, weights=t_key * self.inv_g, minlength=self.n_cd))
            result.append(np.bincount(self.key_tc, weights=(qy - m * q1) * inv, minlength=self.n_tc))
        return result


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
    variance = _bincount_rows(sd_domain, contribution, n_domains)
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


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum rows of `values` (m, ...) into `size` bins given by `index`; for small arrays."""
    flat = values.reshape(values.shape[0], -1)
    out = _bincount_columns(index, flat, size) if flat.shape[1] else np.zeros((size, 0))
    return out.reshape((size, *values.shape[1:]))


def _expand_within(owner: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair each item with every member of its owner's block (blocks sorted, at `starts`, of `counts`).

    Returns (item ids, block-member positions).
    """
    reps = counts[owner]
    left = np.repeat(np.arange(owner.size), reps)
    within = np.arange(left.size) - np.repeat(np.cumsum(reps) - reps, reps)
    return left, starts[owner[left]] + within


@dataclass(frozen=True)
class _CalibrationLayout:
    """Index structures for the residual method, built once per call and used for every variable.

    Per-variable sums arrive on *units*: for the (cell, domain) sums, rows (or moment keys); for the
    cross term, (PSU, domain) x (PSU, cell) elements (or moment keys). `cd_of_unit` and `tc_of_unit`
    map units to the key spaces below.
    """

    cd_of_unit: np.ndarray
    n_cd: int
    gd_of_cd: np.ndarray
    cd_x: np.ndarray  # (n_cd, p) model row of each (cell, domain) pair
    gd_group: np.ndarray
    m_inverse: np.ndarray  # (n_groups, p, p)
    tc_of_unit: np.ndarray
    n_tc: int
    tc_triple: np.ndarray
    tc_x: np.ndarray  # (n_tc, p)
    triple_gd: np.ndarray
    triple_sd: np.ndarray
    q_triple: np.ndarray  # (n_triples, p, p)
    r_triple: np.ndarray  # (n_triples, p)


def _psu_groups(design: SurveyDesign, step: CalibrationStep) -> np.ndarray:
    """Calibration group of each PSU; a PSU split across groups is an input error."""
    row_group = step.cell_group[step.cell]
    psu_group = np.full(design.n_psu, -1, dtype=np.int64)
    psu_group[design.psu] = row_group
    split = np.flatnonzero(psu_group[design.psu] != row_group)
    if split.size:
        raise SurveyInputError(
            f"the PSU of data row {int(split[0]) + 1} spans more than one calibration group; calibration "
            "groups must contain whole PSUs."
        )
    return psu_group


def _calibration_layout(
    design: SurveyDesign,
    step: CalibrationStep,
    n_domains: int,
    cd_units: tuple[np.ndarray, np.ndarray],
    tc_units: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> _CalibrationLayout:
    """Everything the residual method needs that does not depend on the variable.

    `cd_units` = (cell, domain) of each unit of the (cell, domain) sums; `tc_units` = (stratum, cell,
    domain) of each unit of the cross-term sums.
    """
    x_cell = step.cell_matrix
    n_cells, p = x_cell.shape
    n_groups = step.n_groups
    psu_group = _psu_groups(design, step)
    # M_g = sum over the group's cells of d x x' (d = weights before calibration).
    d_cell = np.bincount(step.cell, weights=step.weights_before, minlength=n_cells)
    m_group = _sum_by(step.cell_group, d_cell[:, None, None] * x_cell[:, :, None] * x_cell[:, None, :], n_groups)
    m_inverse = np.linalg.pinv(m_group, rtol=1e-10, hermitian=True)
    cd_keys, cd_of_unit = _pair_index(cd_units[0], cd_units[1], n_domains)
    cd_cell = cd_keys // n_domains
    gd_keys, gd_of_cd = _pair_index(step.cell_group[cd_cell], cd_keys % n_domains, n_domains)
    gd_group, gd_domain = gd_keys // n_domains, gd_keys % n_domains

    # R_hg = sum_c X_c and Q_hg = sum_c X_c X_c' over PSUs c in (stratum, group) block hg,
    # where X_c = sum over the PSU's rows of w_after * x_cell.
    hg_keys, hg_of_psu = _pair_index(design.psu_stratum, psu_group, n_groups)
    if design.n_psu == design.n_rows:
        # One row per PSU: X_c X_c' = w^2 x x', so (hg, cell) sums of w and w^2 suffice.
        hc_keys, hc_of_row = _pair_index(hg_of_psu[design.psu], step.cell, n_cells)
        hc_x = x_cell[hc_keys % n_cells]
        r_sum = np.bincount(hc_of_row, weights=step.weights_after, minlength=hc_keys.size)
        q_sum = np.bincount(hc_of_row, weights=step.weights_after**2, minlength=hc_keys.size)
        r_hg = _sum_by(hc_keys // n_cells, hc_x * r_sum[:, None], hg_keys.size)
        q_hg = _sum_by(hc_keys // n_cells, hc_x[:, :, None] * hc_x[:, None, :] * q_sum[:, None, None], hg_keys.size)
    else:
        pc_keys, pc_of_row = _pair_index(design.psu, step.cell, n_cells)
        pc_weight = np.bincount(pc_of_row, weights=step.weights_after, minlength=pc_keys.size)
        pc_psu, pc_cell = pc_keys // n_cells, pc_keys % n_cells
        psu_x = _sum_by(pc_psu, x_cell[pc_cell] * pc_weight[:, None], design.n_psu)
        r_hg = _sum_by(hg_of_psu, psu_x, hg_keys.size)
        q_hg = _sum_by(hg_of_psu, psu_x[:, :, None] * psu_x[:, None, :], hg_keys.size)

    # Triples (hg, domain) for every group that meets the domain.
    hg_group = hg_keys % n_groups
    order = np.argsort(hg_group, kind="stable")
    per_group = np.bincount(hg_group, minlength=n_groups)
    group_start = np.concatenate([[0], np.cumsum(per_group)[:-1]])
    triple_gd, position = _expand_within(gd_group, per_group, group_start)
    triple_hg = order[position]
    triple_keys = triple_hg * np.int64(n_domains) + gd_domain[triple_gd]
    sort_triples = np.argsort(triple_keys)
    triple_keys, triple_gd, triple_hg = triple_keys[sort_triples], triple_gd[sort_triples], triple_hg[sort_triples]

    unit_stratum, unit_cell, unit_domain = tc_units
    unit_hg = np.searchsorted(hg_keys, unit_stratum * np.int64(n_groups) + step.cell_group[unit_cell])
    unit_triple = np.searchsorted(triple_keys, unit_hg * np.int64(n_domains) + unit_domain)
    tc_keys, tc_of_unit = _pair_index(unit_triple, unit_cell, n_cells)
    return _CalibrationLayout(
        cd_of_unit=cd_of_unit,
        n_cd=cd_keys.size,
        gd_of_cd=gd_of_cd,
        cd_x=x_cell[cd_cell],
        gd_group=gd_group,
        m_inverse=m_inverse,
        tc_of_unit=tc_of_unit,
        n_tc=tc_keys.size,
        tc_triple=tc_keys // n_cells,
        tc_x=x_cell[tc_keys % n_cells],
        triple_gd=triple_gd,
        triple_sd=(hg_keys[triple_hg] // n_groups) * np.int64(n_domains) + gd_domain[triple_gd],
        q_triple=q_hg[triple_hg],
        r_triple=r_hg[triple_hg],
    )


@dataclass(frozen=True)
class _ClusterUnits:
    """Row-level units for the residual method when PSUs hold several rows."""

    inv_g_row: np.ndarray
    element_pair: np.ndarray  # (PSU, domain) pair of each cross-term element
    element_weight: np.ndarray  # W = sum of w_after over the element's (PSU, cell)


def _cluster_units(
    design: SurveyDesign,
    step: CalibrationStep,
    rows: np.ndarray | None,
    dom: np.ndarray,
    n_domains: int,
    pair_psu: np.ndarray,
    pair_domain: np.ndarray,
) -> tuple[_CalibrationLayout, _ClusterUnits]:
    """Layout for clustered designs: cross-term elements are (PSU, domain) x (PSU, cell) pairs."""
    n_cells = step.cell_matrix.shape[0]
    sub_cell = step.cell if rows is None else step.cell[rows]
    pc_keys, pc_of_row = _pair_index(design.psu, step.cell, n_cells)
    pc_weight = np.bincount(pc_of_row, weights=step.weights_after, minlength=pc_keys.size)
    pc_psu, pc_cell = pc_keys // n_cells, pc_keys % n_cells
    pc_count = np.bincount(pc_psu, minlength=design.n_psu)
    pc_start = np.concatenate([[0], np.cumsum(pc_count)[:-1]])
    element_pair, pc_pos = _expand_within(pair_psu, pc_count, pc_start)
    layout = _calibration_layout(
        design,
        step,
        n_domains,
        (sub_cell, dom),
        (design.psu_stratum[pair_psu[element_pair]], pc_cell[pc_pos], pair_domain[element_pair]),
    )
    units = _ClusterUnits(1.0 / step.cell_g[sub_cell], element_pair, pc_weight[pc_pos])
    return layout, units


def _calibration_sums(
    layout: _CalibrationLayout, units: _ClusterUnits, influence: np.ndarray, psu_total: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-variable sums: u / g by (cell, domain), and t_c W by (triple, cell)."""
    cell_domain = np.bincount(layout.cd_of_unit, weights=influence * units.inv_g_row, minlength=layout.n_cd)
    totals = psu_total[units.element_pair] * units.element_weight
    triple_cell = np.bincount(layout.tc_of_unit, weights=totals, minlength=layout.n_tc)
    return cell_domain, triple_cell


def _apply_calibration(
    layout: _CalibrationLayout,
    cell_domain: np.ndarray,
    triple_cell: np.ndarray,
    sd_keys: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add -2 B'(sum t X) + B'QB to sum t^2 and -R'B to sum t, per (stratum, domain)."""
    n_triples = layout.q_triple.shape[0]
    n_gd = layout.gd_group.size
    a_gd = _sum_by(layout.gd_of_cd, layout.cd_x[:, :, None] * cell_domain.T[:, None, :], n_gd)
    b_gd = np.einsum("gpq,gqk->gpk", layout.m_inverse[layout.gd_group], a_gd)
    cross = _sum_by(layout.tc_triple, layout.tc_x[:, :, None] * triple_cell.T[:, None, :], n_triples)
    b = b_gd[layout.triple_gd]
    sq_correction = -2.0 * np.einsum("tpk,tpk->kt", b, cross) + np.einsum("tpk,tpq,tqk->kt", b, layout.q_triple, b)
    t_correction = -np.einsum("tp,tpk->kt", layout.r_triple, b)
    all_sd, inverse = np.unique(np.concatenate([sd_keys, layout.triple_sd]), return_inverse=True)
    new_sq = _bincount_rows(inverse, np.concatenate([sum_sq, sq_correction], axis=1), all_sd.size)
    new_t = _bincount_rows(inverse, np.concatenate([sum_t, t_correction], axis=1), all_sd.size)
    return all_sd, new_sq, new_t
