"""Contrasts of domain means and their design variance: changes between periods, gaps to peers.

An *estimand* is the weighted mean of a variable over a set of rows of the full design: a date window
within an area, a file, an area. Estimands may share rows (two rolling years share nine months of
respondents), and none is ever subset: each is a domain of the full design. A *contrast* is a linear
combination sum_e a_e theta_e of estimands (current minus base; an area minus the mean of its group).

Taylor variance (as R `svycontrast` on `svyby(..., covmat = TRUE)` or on a `svytotal` of the domain
totals): each estimand's influence values u_e (zero outside its rows and base) are combined row by row
into the contrast's influence z = sum_e a_e u_e, so every covariance between the estimands - shared
respondents, shared PSUs, shared strata, a shared calibration - is carried by the same PSU totals. The
variance of each contrast is then R's one-stage formula on those totals, after the calibration
residuals (R `calibrate`), exactly as for a single domain mean (`survey.estimation.strata`). Only
(row, contrast) pairs that a contrast reaches are materialised.

The replicate path (R `svrVar` on the replicates of each estimand) is
`survey.estimation.replication.replicate_contrasts`; the chooser in `survey.estimation.variance` picks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from survey.design import SurveyDesign
from survey.estimation.calibration_variance import apply_calibration, calibration_sums, cluster_units
from survey.estimation.strata import DomainPieces, combine_strata
from survey.estimation.sums import expand_within, pair_index
from survey.options import VarianceMethod


@dataclass(frozen=True)
class Estimands:
    """Which rows each estimand averages over: one entry per (row, estimand) membership."""

    row: np.ndarray
    """int64 per membership: the design row."""
    estimand: np.ndarray
    """int64 per membership: the estimand, in [0, n)."""
    n: int
    """Number of estimands."""

    @staticmethod
    def from_domains(masks: list[np.ndarray], codes: np.ndarray, n_domains: int) -> Estimands:
        """Estimand p * n_domains + d: the rows of domain d (code >= 0) inside the p-th row mask.

        >>> import numpy as np
        >>> e = Estimands.from_domains([np.array([True, True, False]), np.array([False, True, True])],
        ...                            np.array([0, 1, 0]), 2)
        >>> e.row.tolist(), e.estimand.tolist(), e.n
        ([0, 1, 1, 2], [0, 1, 3, 2], 4)
        """
        codes = np.asarray(codes, dtype=np.int64)
        rows, estimand = [], []
        for p, mask in enumerate(masks):
            chosen = np.flatnonzero(np.asarray(mask, dtype=bool) & (codes >= 0))
            rows.append(chosen)
            estimand.append(p * n_domains + codes[chosen])
        return Estimands(np.concatenate(rows).astype(np.int64), np.concatenate(estimand).astype(np.int64),
                         len(masks) * n_domains)


@dataclass(frozen=True)
class Contrasts:
    """Linear combinations of estimands: one entry per (contrast, estimand) coefficient."""

    contrast: np.ndarray
    """int64 per term: the contrast, in [0, n)."""
    estimand: np.ndarray
    """int64 per term: the estimand it uses."""
    coefficient: np.ndarray
    """float64 per term."""
    n: int
    """Number of contrasts."""

    def combined(self, n_estimands: int) -> Contrasts:
        """The same contrasts with each (contrast, estimand) pair once (coefficients of repeats added)."""
        keys, inverse = pair_index(self.contrast, self.estimand, n_estimands)
        coefficient = np.bincount(inverse, weights=self.coefficient, minlength=keys.size)
        return Contrasts(keys // n_estimands, keys % n_estimands, coefficient, self.n)

    @staticmethod
    def from_terms(terms: list[tuple[int, int, float]], n: int) -> Contrasts:
        """From (contrast, estimand, coefficient) triples."""
        array = np.asarray(terms, dtype=np.float64).reshape(-1, 3)
        return Contrasts(array[:, 0].astype(np.int64), array[:, 1].astype(np.int64), array[:, 2], n)


@dataclass(frozen=True)
class ContrastMeans:
    """Estimands and contrasts of several variables; arrays are (n_estimands or n_contrasts, k)."""

    estimate: np.ndarray
    """Weighted mean of each estimand (NaN when it has no base)."""
    weight_sum: np.ndarray
    """Estimated population size of each estimand's base."""
    n_unweighted: np.ndarray
    """Rows in each estimand's base."""
    contrast: np.ndarray
    """Value of each contrast (NaN when an estimand it uses has no base)."""
    variance: np.ndarray
    """Variance of each contrast, from the full design."""
    method: VarianceMethod = "taylor"
    """How the variance was computed; the design decided."""
    degrees_of_freedom: np.ndarray | None = None
    """R's `degf()` of the design subset to the rows each contrast reaches (PSUs minus strata holding its base;
    replicate designs: the design's), for t-based tests and intervals."""


def estimand_means(
    design: SurveyDesign, values: np.ndarray, estimands: Estimands
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted means, weight sums and unweighted bases of every estimand, each (n_estimands, k)."""
    rows, est, n_est = estimands.row, estimands.estimand, estimands.n
    w = design.weights[rows]
    k = values.shape[1]
    columns = np.ascontiguousarray(values.T)  # one contiguous row per variable: cheap gathers
    mean, total, count = np.empty((n_est, k)), np.empty((n_est, k)), np.empty((n_est, k), dtype=np.int64)
    for j in range(k):
        y = columns[j][rows]
        base = ~np.isnan(y)
        total[:, j] = np.bincount(est, weights=w * base, minlength=n_est)
        count[:, j] = np.bincount(est, weights=base, minlength=n_est).round().astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean[:, j] = np.bincount(est, weights=w * np.where(base, y, 0.0), minlength=n_est) / total[:, j]
    return mean, total, count


def contrast_values(means: np.ndarray, contrasts: Contrasts) -> np.ndarray:
    """sum_e a_e theta_e for each contrast and variable (NaN when a term's estimand is NaN)."""
    terms = contrasts.coefficient[:, None] * means[contrasts.estimand]
    out = np.zeros((contrasts.n, means.shape[1]))
    np.add.at(out, contrasts.contrast, terms)
    return out


def taylor_contrasts(
    design: SurveyDesign, values: np.ndarray, estimands: Estimands, contrasts: Contrasts
) -> ContrastMeans:
    """Taylor-linearisation variances of contrasts of estimands, on the full design."""
    n_est, n_con = estimands.n, contrasts.n
    k = values.shape[1]
    mean, total, count = estimand_means(design, values, estimands)
    contrasts = contrasts.combined(n_est)
    # Join each membership to the contrast terms of its estimand: (row, contrast, coefficient) units.
    order = np.argsort(contrasts.estimand, kind="stable")
    per_estimand = np.bincount(contrasts.estimand, minlength=n_est)
    first_term = np.concatenate([[0], np.cumsum(per_estimand)[:-1]])
    entry, position = expand_within(estimands.estimand, per_estimand, first_term)
    term = order[position]
    term_row = estimands.row[entry]
    term_contrast = contrasts.contrast[term]
    unit_of_term: np.ndarray | None = None
    if np.bincount(estimands.row, minlength=design.n_rows).max(initial=0) <= 1:
        # No row is in two estimands, so each (row, contrast) pair has exactly one term.
        unit_row, unit_contrast = term_row, term_contrast
    else:
        # Shared rows (overlapping windows): a row's terms for one contrast add up into one unit.
        unit_keys, unit_of_term = pair_index(term_row, term_contrast, n_con)
        unit_row, unit_contrast = unit_keys // n_con, unit_keys % n_con
    n_units = unit_row.size
    coefficient = contrasts.coefficient[term]
    term_estimand = estimands.estimand[entry]
    w = design.weights[term_row]
    columns = np.ascontiguousarray(values.T)
    mean_t, inv_total_t = np.ascontiguousarray(np.nan_to_num(mean).T), np.empty((k, n_est))
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_total_t[:] = np.where(total > 0, 1.0 / total, 0.0).T
    influence = np.empty((k, n_units))
    in_base = np.zeros((k, n_units), dtype=bool)
    for j in range(k):
        y = columns[j][term_row]
        base = ~np.isnan(y)
        u = np.where(base, y - mean_t[j][term_estimand], 0.0) * (w * coefficient * inv_total_t[j][term_estimand])
        if unit_of_term is None:
            influence[j], in_base[j] = u, base
        else:
            influence[j] = np.bincount(unit_of_term, weights=u, minlength=n_units)
            in_base[j] = np.bincount(unit_of_term, weights=base, minlength=n_units) > 0
    variance, degrees = influence_variance(design, unit_row, unit_contrast, influence, in_base, n_con,
                                           with_degrees=True)
    return ContrastMeans(mean, total, count, contrast_values(mean, contrasts), variance,
                         degrees_of_freedom=degrees)


def influence_variance(
    design: SurveyDesign,
    rows: np.ndarray,
    group: np.ndarray,
    influence: np.ndarray,
    in_base: np.ndarray,
    n_groups: int,
    *,
    with_degrees: bool = False,
) -> Any:
    """Design variance of the total of given influence values in each group, (n_groups, k); with
    `with_degrees`, also the degrees of freedom of each group (PSUs minus strata holding its base), (n_groups, k).

    Units are (row, group) pairs, each at most once; `influence` and `in_base` are (k, n_units). A row
    may belong to several groups. The calibration residuals (R `calibrate`) and the lonely-PSU rules
    are applied as for a domain mean.
    """
    k, n_units = influence.shape
    psu = design.psu[rows]
    pair_of_unit: np.ndarray | None = None
    if design.n_psu == design.n_rows:
        # Every row is its own PSU, so (PSU, group) pairs are the units themselves.
        pair_psu, pair_group = psu, group
    else:
        pair_keys, pair_of_unit = pair_index(psu, group, n_groups)
        pair_psu, pair_group = pair_keys // n_groups, pair_keys % n_groups
    n_pairs = pair_psu.size
    sd_keys, sd_of_pair = pair_index(design.psu_stratum[pair_psu], pair_group, n_groups)
    n_sd = sd_keys.size
    sd_group = sd_keys % n_groups
    sd_lonely = design.lonely_strata[sd_keys // n_groups]
    step = design.calibrations[-1] if design.calibrations else None
    layout = units = None
    if step is not None:
        layout, units = cluster_units(design, step, rows, group, n_groups, pair_psu, pair_group)
        cell_domain = np.empty((k, layout.n_cd))
        triple_cell = np.empty((k, layout.n_tc))
    sum_sq, sum_t = np.empty((k, n_sd)), np.empty((k, n_sd))
    strata_present, lonely_present = np.empty((k, n_groups)), np.empty((k, n_groups))
    degrees_of_freedom = np.empty((k, n_groups), dtype=np.int64)
    for j in range(k):
        if pair_of_unit is None:
            psu_total, pair_base = influence[j], in_base[j]
        else:
            psu_total = np.bincount(pair_of_unit, weights=influence[j], minlength=n_pairs)
            pair_base = np.bincount(pair_of_unit, weights=in_base[j], minlength=n_pairs) > 0
        sum_sq[j] = np.bincount(sd_of_pair, weights=psu_total * psu_total, minlength=n_sd)
        sum_t[j] = np.bincount(sd_of_pair, weights=psu_total, minlength=n_sd)
        sd_base = np.bincount(sd_of_pair, weights=pair_base, minlength=n_sd) > 0
        strata_present[j] = np.bincount(sd_group, weights=sd_base, minlength=n_groups)
        lonely_present[j] = np.bincount(sd_group, weights=sd_base & sd_lonely, minlength=n_groups)
        psus = np.bincount(pair_group, weights=pair_base, minlength=n_groups)
        degrees_of_freedom[j] = np.rint(psus - strata_present[j])
        if layout is not None and units is not None:
            cell_domain[j], triple_cell[j] = calibration_sums(layout, units, influence[j], psu_total)
    if layout is not None:
        sd_keys, sum_sq, sum_t = apply_calibration(layout, cell_domain, triple_cell, sd_keys, sum_sq, sum_t)
    reached = design.stratum[rows[in_base.any(axis=0)]]
    pieces = DomainPieces(
        weight_sum=np.zeros((k, n_groups)),
        estimate=np.zeros((k, n_groups)),
        n_unweighted=np.zeros((k, n_groups), dtype=np.int64),
        srs_variance=np.zeros((k, n_groups)),
        sd_keys=sd_keys,
        sum_sq=sum_sq,
        sum_t=sum_t,
        strata_present=strata_present,
        lonely_present=lonely_present,
        degrees_of_freedom=degrees_of_freedom,
        strata_with_base=np.bincount(reached, minlength=design.n_strata) > 0,
    )
    variance: np.ndarray = combine_strata(design, n_groups, pieces).T
    if with_degrees:
        return variance, degrees_of_freedom.T
    return variance
