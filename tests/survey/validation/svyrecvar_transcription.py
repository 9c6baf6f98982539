"""A slow, direct implementation of R's Taylor variance, used only to check the fast kernel.

It follows R's code path literally: influence values per row, residuals from a per-group weighted
least-squares fit (qr.resid in svyrecvar), PSU totals, then `onestrat` stratum by stratum.
"""

from __future__ import annotations

import numpy as np

from survey.design import SurveyDesign


def reference_domain_variance(design: SurveyDesign, y: np.ndarray, in_domain: np.ndarray) -> tuple[float, float]:
    """(mean, variance) of `y` over rows in `in_domain` with non-missing y, the slow way."""
    base = in_domain & ~np.isnan(y)
    w = design.weights
    total = w[base].sum()
    mean = float((w[base] * y[base]).sum() / total)
    x = np.zeros(design.n_rows)
    x[base] = w[base] * (y[base] - mean) / total
    if design.calibrations:
        step = design.calibrations[-1]
        group = step.cell_group[step.cell]
        model = step.cell_matrix[step.cell]
        for g in np.unique(group):
            rows = group == g
            root_d = np.sqrt(step.weights_before[rows])
            z = x[rows] / step.weights_after[rows]
            coef, *_ = np.linalg.lstsq(model[rows] * root_d[:, None], z * root_d, rcond=None)
            x[rows] = (z - model[rows] @ coef) * step.weights_after[rows]
    variance = 0.0
    n_strata_used = 0
    n_ok = 0
    lonely_seen = False
    for h in range(design.n_strata):
        rows_h = design.stratum == h
        if not design.calibrations and not (rows_h & base).any():
            continue  # R's subset drops strata the domain does not reach
        n_strata_used += 1
        psus = np.unique(design.psu[rows_h])
        totals = np.array([x[design.psu == c].sum() for c in psus])
        n_h = design.n_psu_in_stratum[h]
        f = design.stratum_fpc_factor[h]
        if n_h > 1:
            variance += f * n_h / (n_h - 1) * ((totals - totals.mean()) ** 2).sum()
            n_ok += 1
        else:
            lonely_seen = True
            if design.lonely_psu == "adjust":
                variance += f * (totals**2).sum()
                n_ok += 1
            elif design.lonely_psu in ("certainty", "remove"):
                n_ok += 1
    if design.lonely_psu == "average" and lonely_seen:
        variance *= n_strata_used / n_ok
    return mean, variance
