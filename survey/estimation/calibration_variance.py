"""The residual method for calibrated designs, on grouped sums (R `calibrate`, `svyrecvar`).

After calibration, influence values u are replaced by u - w_after x'B, with B fitted per calibration
group by least squares weighted by the weights before calibration. x is constant within a calibration
cell, so B and every PSU-level term come from sums per cell and per PSU: the per-stratum sums of t_c^2
and t_c gain -2 B'(sum t X) + B'(sum X X')B and -(sum X)'B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survey.design import CalibrationStep, SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.sums import bincount_rows, expand_within, pair_index, sum_by


@dataclass(frozen=True)
class CalibrationLayout:
    """Index structures for the residual method, built once per call and used for every variable.

    Per-variable sums arrive on *units*: for the (cell, domain) sums, rows (or moment keys); for the
    cross term, (PSU, domain) x (PSU, cell) elements (or moment keys). `cd_of_unit` and `tc_of_unit`
    map units to the key spaces below.
    """

    cd_of_unit: np.ndarray
    n_cd: int
    gd_of_cd: np.ndarray
    cd_x: np.ndarray
    """(n_cd, p) model row of each (cell, domain) pair."""
    gd_group: np.ndarray
    m_inverse: np.ndarray
    """(n_groups, p, p)"""
    tc_of_unit: np.ndarray
    n_tc: int
    tc_triple: np.ndarray
    tc_x: np.ndarray
    """(n_tc, p)"""
    triple_gd: np.ndarray
    triple_sd: np.ndarray
    q_triple: np.ndarray
    """(n_triples, p, p)"""
    r_triple: np.ndarray
    """(n_triples, p)"""


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


@dataclass(frozen=True)
class StepSums:
    """The parts of the residual method that depend on the design and calibration only, not on domains."""

    m_inverse: np.ndarray
    """(n_groups, p, p): inverse of sum_cells d x x' per group."""
    hg_keys: np.ndarray
    """Stratum * n_groups + group, for every (stratum, group) block holding PSUs."""
    r_hg: np.ndarray
    """(n_hg, p): sum of X_c over the block's PSUs."""
    q_hg: np.ndarray
    """(n_hg, p, p): sum of X_c X_c'."""


def step_sums(design: SurveyDesign, step: CalibrationStep) -> StepSums:
    """M_g^+, and R_hg = sum X_c, Q_hg = sum X_c X_c' with X_c = sum over the PSU's rows of w_after x_cell."""
    x_cell = step.cell_matrix
    n_cells = x_cell.shape[0]
    n_groups = step.n_groups
    psu_group = _psu_groups(design, step)
    d_cell = np.bincount(step.cell, weights=step.weights_before, minlength=n_cells)
    m_group = sum_by(step.cell_group, d_cell[:, None, None] * x_cell[:, :, None] * x_cell[:, None, :], n_groups)
    m_inverse = np.linalg.pinv(m_group, rtol=1e-10, hermitian=True)
    hg_keys, hg_of_psu = pair_index(design.psu_stratum, psu_group, n_groups)
    if design.n_psu == design.n_rows:
        # One row per PSU: X_c X_c' = w^2 x x'. A cell lies in one group, so (stratum, cell) sums suffice.
        sc_keys, sc_of_row = pair_index(design.stratum, step.cell, n_cells)
        sc_cell = sc_keys % n_cells
        sc_x = x_cell[sc_cell]
        sc_hg = np.searchsorted(hg_keys, (sc_keys // n_cells) * np.int64(n_groups) + step.cell_group[sc_cell])
        r_sum = np.bincount(sc_of_row, weights=step.weights_after, minlength=sc_keys.size)
        q_sum = np.bincount(sc_of_row, weights=step.weights_after**2, minlength=sc_keys.size)
        r_hg = sum_by(sc_hg, sc_x * r_sum[:, None], hg_keys.size)
        q_hg = sum_by(sc_hg, sc_x[:, :, None] * sc_x[:, None, :] * q_sum[:, None, None], hg_keys.size)
    else:
        pc_keys, pc_of_row = pair_index(design.psu, step.cell, n_cells)
        pc_weight = np.bincount(pc_of_row, weights=step.weights_after, minlength=pc_keys.size)
        pc_psu, pc_cell = pc_keys // n_cells, pc_keys % n_cells
        psu_x = sum_by(pc_psu, x_cell[pc_cell] * pc_weight[:, None], design.n_psu)
        r_hg = sum_by(hg_of_psu, psu_x, hg_keys.size)
        q_hg = sum_by(hg_of_psu, psu_x[:, :, None] * psu_x[:, None, :], hg_keys.size)
    return StepSums(m_inverse=m_inverse, hg_keys=hg_keys, r_hg=r_hg, q_hg=q_hg)


def calibration_layout(
    design: SurveyDesign,
    step: CalibrationStep,
    n_domains: int,
    cd_units: tuple[np.ndarray, np.ndarray],
    tc_units: tuple[np.ndarray, np.ndarray, np.ndarray],
    sums: StepSums | None = None,
) -> CalibrationLayout:
    """Everything the residual method needs that does not depend on the variable.

    `cd_units` = (cell, domain) of each unit of the (cell, domain) sums; `tc_units` = (stratum, cell,
    domain) of each unit of the cross-term sums. `sums` may be shared between domain variables.
    """
    sums = step_sums(design, step) if sums is None else sums
    x_cell = step.cell_matrix
    n_cells = x_cell.shape[0]
    n_groups = step.n_groups
    m_inverse, hg_keys, r_hg, q_hg = sums.m_inverse, sums.hg_keys, sums.r_hg, sums.q_hg
    cd_keys, cd_of_unit = pair_index(cd_units[0], cd_units[1], n_domains)
    cd_cell = cd_keys // n_domains
    gd_keys, gd_of_cd = pair_index(step.cell_group[cd_cell], cd_keys % n_domains, n_domains)
    gd_group, gd_domain = gd_keys // n_domains, gd_keys % n_domains

    # Triples (hg, domain) for every group that meets the domain.
    hg_group = hg_keys % n_groups
    order = np.argsort(hg_group, kind="stable")
    per_group = np.bincount(hg_group, minlength=n_groups)
    group_start = np.concatenate([[0], np.cumsum(per_group)[:-1]])
    triple_gd, position = expand_within(gd_group, per_group, group_start)
    triple_hg = order[position]
    triple_keys = triple_hg * np.int64(n_domains) + gd_domain[triple_gd]
    sort_triples = np.argsort(triple_keys)
    triple_keys, triple_gd, triple_hg = triple_keys[sort_triples], triple_gd[sort_triples], triple_hg[sort_triples]

    unit_stratum, unit_cell, unit_domain = tc_units
    unit_hg = np.searchsorted(hg_keys, unit_stratum * np.int64(n_groups) + step.cell_group[unit_cell])
    unit_triple = np.searchsorted(triple_keys, unit_hg * np.int64(n_domains) + unit_domain)
    tc_keys, tc_of_unit = pair_index(unit_triple, unit_cell, n_cells)
    return CalibrationLayout(
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
class ClusterUnits:
    """Row-level units for the residual method when PSUs hold several rows."""

    inv_g_row: np.ndarray
    element_pair: np.ndarray
    """(PSU, domain) pair of each cross-term element."""
    element_weight: np.ndarray
    """W = sum of w_after over the element's (PSU, cell)"""


def cluster_units(
    design: SurveyDesign,
    step: CalibrationStep,
    rows: np.ndarray | None,
    dom: np.ndarray,
    n_domains: int,
    pair_psu: np.ndarray,
    pair_domain: np.ndarray,
) -> tuple[CalibrationLayout, ClusterUnits]:
    """Layout for clustered designs: cross-term elements are (PSU, domain) x (PSU, cell) pairs."""
    n_cells = step.cell_matrix.shape[0]
    sub_cell = step.cell if rows is None else step.cell[rows]
    pc_keys, pc_of_row = pair_index(design.psu, step.cell, n_cells)
    pc_weight = np.bincount(pc_of_row, weights=step.weights_after, minlength=pc_keys.size)
    pc_psu, pc_cell = pc_keys // n_cells, pc_keys % n_cells
    pc_count = np.bincount(pc_psu, minlength=design.n_psu)
    pc_start = np.concatenate([[0], np.cumsum(pc_count)[:-1]])
    element_pair, pc_pos = expand_within(pair_psu, pc_count, pc_start)
    layout = calibration_layout(
        design,
        step,
        n_domains,
        (sub_cell, dom),
        (design.psu_stratum[pair_psu[element_pair]], pc_cell[pc_pos], pair_domain[element_pair]),
    )
    units = ClusterUnits(1.0 / step.cell_g[sub_cell], element_pair, pc_weight[pc_pos])
    return layout, units


def calibration_sums(
    layout: CalibrationLayout, units: ClusterUnits, influence: np.ndarray, psu_total: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-variable sums: u / g by (cell, domain), and t_c W by (triple, cell)."""
    cell_domain = np.bincount(layout.cd_of_unit, weights=influence * units.inv_g_row, minlength=layout.n_cd)
    totals = psu_total[units.element_pair] * units.element_weight
    triple_cell = np.bincount(layout.tc_of_unit, weights=totals, minlength=layout.n_tc)
    return cell_domain, triple_cell


def apply_calibration(
    layout: CalibrationLayout,
    cell_domain: np.ndarray,
    triple_cell: np.ndarray,
    sd_keys: np.ndarray,
    sum_sq: np.ndarray,
    sum_t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add -2 B'(sum t X) + B'QB to sum t^2 and -R'B to sum t, per (stratum, domain)."""
    n_triples = layout.q_triple.shape[0]
    n_gd = layout.gd_group.size
    a_gd = sum_by(layout.gd_of_cd, layout.cd_x[:, :, None] * cell_domain.T[:, None, :], n_gd)
    b_gd = np.einsum("gpq,gqk->gpk", layout.m_inverse[layout.gd_group], a_gd)
    cross = sum_by(layout.tc_triple, layout.tc_x[:, :, None] * triple_cell.T[:, None, :], n_triples)
    b = b_gd[layout.triple_gd]
    sq_correction = -2.0 * np.einsum("tpk,tpk->kt", b, cross) + np.einsum("tpk,tpq,tqk->kt", b, layout.q_triple, b)
    t_correction = -np.einsum("tp,tpk->kt", layout.r_triple, b)
    all_sd, inverse = np.unique(np.concatenate([sd_keys, layout.triple_sd]), return_inverse=True)
    new_sq = bincount_rows(inverse, np.concatenate([sum_sq, sq_correction], axis=1), all_sd.size)
    new_t = bincount_rows(inverse, np.concatenate([sum_t, t_correction], axis=1), all_sd.size)
    return all_sd, new_sq, new_t
