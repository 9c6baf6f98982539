"""Domain means and variances for unclustered designs, from moment sums over a few keys.

When every row is its own PSU (a Place Survey stratified by authority, a BCS-like file without
clusters), the influence value of row i in domain d is w_i M_i (y_i - ybar_d) / N_d. Every quantity the
Taylor variance needs, with or without calibration, is then a function of sums of w, w y, w y^2, w^2,
w^2 y and w^2 y^2 over rows sharing (stratum, calibration cell, domain). Those sums are taken once per
variable over the finest partition of the rows (stratum x cell x every domain variable at once), and
each domain variable - including the whole sample - aggregates them. So the row-level work does not
grow with the number of domain variables: seven bincounts per variable (five for 0/1 variables).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from survey.design import CalibrationStep, SurveyDesign
from survey.estimation.calibration_variance import (
    CalibrationLayout,
    StepSums,
    apply_calibration,
    calibration_layout,
    step_sums,
)
from survey.estimation.strata import DomainPieces
from survey.estimation.sums import first_rows, pair_index


class _Grouping:
    """One domain variable's keys (stratum, cell, domain) and the maps from them to what R sums over."""

    def __init__(
        self,
        design: SurveyDesign,
        step: CalibrationStep | None,
        n_domains: int,
        key_stratum: np.ndarray,
        key_cell: np.ndarray,
        key_domain: np.ndarray,
        sums: StepSums | None,
    ) -> None:
        self.n_domains = n_domains
        self.n_keys = key_domain.size
        self.key_domain = key_domain
        self.key_stratum = key_stratum
        self.sd_keys, self.key_sd = pair_index(key_stratum, key_domain, n_domains)
        self.n_sd = self.sd_keys.size
        self.sd_domain = self.sd_keys % n_domains
        self.sd_lonely = design.lonely_strata[self.sd_keys // n_domains].astype(np.float64)
        self.layout: CalibrationLayout | None = None
        if step is not None:
            self.inv_g = 1.0 / step.cell_g[key_cell]
            self.layout = calibration_layout(
                design, step, n_domains, (key_cell, key_domain), (key_stratum, key_cell, key_domain), sums
            )

    def _by_domain(self, per_key: np.ndarray) -> np.ndarray:
        return np.bincount(self.key_domain, weights=per_key, minlength=self.n_domains)

    def column(self, sums: Sequence[np.ndarray], shift: float) -> list[np.ndarray]:
        """Everything per domain for one variable, from its key sums (s1, sy, count, syy, q1, qy, qyy)."""
        s1, sy, count, syy, q1, qy, qyy = sums
        weight_sum = self._by_domain(s1)
        n_unweighted = self._by_domain(count)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self._by_domain(sy) / weight_sum
            # R svyvar: weighted variance with n/(n-1); the SRS variance of the mean is that over n.
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
        result = [weight_sum, mean + shift, np.rint(n_unweighted), srs_variance, sum_sq, sum_t, strata, lonely,
                  np.rint(n_unweighted - strata)]
        if self.layout is not None:
            # Each row is a PSU and its final weight is w_after, so t_c W_c sums to w^2 (y - m) / N.
            result.append(np.bincount(self.layout.cd_of_unit, weights=t_key * self.inv_g, minlength=self.layout.n_cd))
            result.append(
                np.bincount(self.layout.tc_of_unit, weights=(qy - m * q1) * inv, minlength=self.layout.n_tc)
            )
        return result


def moment_domain_pieces(
    design: SurveyDesign,
    step: CalibrationStep | None,
    values: np.ndarray,
    groupings: Sequence[tuple[np.ndarray, int]],
) -> list[DomainPieces]:
    """Domain means for each (codes, n_domains) grouping; codes are -1 for rows in no domain."""
    n, k = values.shape
    cell = np.zeros(n, dtype=np.int64) if step is None else step.cell
    n_cells = 1 if step is None else step.cell_matrix.shape[0]
    # The finest partition: stratum x cell x the domains of every grouping.
    finest = np.zeros(n, dtype=np.int64)
    for codes, n_domains in groupings:
        keys, finest = pair_index(finest, codes + 1, n_domains + 1)
    stratum_cell_keys, stratum_cell = pair_index(design.stratum, cell, n_cells)
    fine_keys, fine_of_row = pair_index(stratum_cell, finest, int(finest.max()) + 1)
    n_fine = fine_keys.size
    representative = first_rows(fine_of_row, n_fine)
    fine_stratum = design.stratum[representative]
    fine_cell = cell[representative]

    shared = step_sums(design, step) if step is not None else None
    groups: list[tuple[_Grouping, np.ndarray, np.ndarray]] = []
    for codes, n_domains in groupings:
        fine_domain = codes[representative]
        keep = np.flatnonzero(fine_domain >= 0)
        group_keys, group_of_fine = pair_index(
            fine_stratum[keep] * np.int64(n_cells) + fine_cell[keep], fine_domain[keep], n_domains
        )
        stratum_cell_of_key = group_keys // n_domains
        grouping = _Grouping(
            design, step, n_domains, stratum_cell_of_key // n_cells, stratum_cell_of_key % n_cells,
            group_keys % n_domains, shared,
        )
        groups.append((grouping, keep, group_of_fine))

    outputs: list[list[list[np.ndarray]]] = [[] for _ in groupings]
    fine_has_base = np.zeros(n_fine, dtype=bool)
    # Rows sorted by fine key let contiguous segment sums (reduceat) replace scattered bincounts.
    order = None if np.all(fine_of_row[1:] >= fine_of_row[:-1]) else np.argsort(fine_of_row, kind="stable")
    sorted_keys = fine_of_row if order is None else fine_of_row[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    w = design.weights if order is None else design.weights[order]
    for j in range(k):
        y = values[:, j] if order is None else values[order, j]
        in_base = ~np.isnan(y)
        y = np.where(in_base, y, 0.0)
        binary = bool(np.all((y == 0) | (y == 1)))
        shift = 0.0
        terms = np.empty((5 if binary else 7, n))
        terms[0] = w * in_base
        if not binary:
            # Shift by the overall mean so that the expanded squares below do not cancel badly.
            total = terms[0].sum()
            shift = float(terms[0] @ y / total) if total > 0 else 0.0
            y = (y - shift) * in_base
        np.multiply(terms[0], y, out=terms[1])
        terms[2] = in_base
        np.multiply(terms[0], w, out=terms[3])
        np.multiply(terms[3], y, out=terms[4])
        if not binary:
            np.multiply(terms[1], y, out=terms[5])
            np.multiply(terms[4], y, out=terms[6])
        fine = np.add.reduceat(terms, starts, axis=1)
        s1, sy, count, q1, qy = fine[:5]
        syy, qyy = (sy, qy) if binary else (fine[5], fine[6])
        fine_has_base |= count > 0
        for index, (grouping, keep, group_of_fine) in enumerate(groups):
            group_sums = [
                np.bincount(group_of_fine, weights=a[keep], minlength=grouping.n_keys)
                for a in (s1, sy, count, syy, q1, qy, qyy)
            ]
            outputs[index].append(grouping.column(group_sums, shift))

    pieces = []
    for (grouping, keep, _), columns in zip(groups, outputs, strict=True):
        stacked = [np.vstack([c[i] for c in columns]) for i in range(len(columns[0]))]
        sd_keys, sum_sq, sum_t = grouping.sd_keys, stacked[4], stacked[5]
        if grouping.layout is not None:
            sd_keys, sum_sq, sum_t = apply_calibration(grouping.layout, stacked[9], stacked[10], sd_keys, sum_sq, sum_t)
        reached = fine_stratum[keep][fine_has_base[keep]]
        strata_with_base = np.bincount(reached, minlength=design.n_strata) > 0
        pieces.append(
            DomainPieces(
                weight_sum=stacked[0],
                estimate=stacked[1],
                n_unweighted=stacked[2].astype(np.int64),
                srs_variance=stacked[3],
                sd_keys=sd_keys,
                sum_sq=sum_sq,
                sum_t=sum_t,
                strata_present=stacked[6],
                lonely_present=stacked[7],
                degrees_of_freedom=stacked[8].astype(np.int64),
                strata_with_base=strata_with_base,
            )
        )
    return pieces
