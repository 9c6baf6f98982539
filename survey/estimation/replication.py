"""Replicate variances of domain means: R `svymean` on a replicate design, domains as `svyby`.

The variance is scale * sum_r rscales_r (theta_r - centre)^2 (R `svrVar`), where theta_r is the domain mean
under replicate weights r and the centre is the mean of the replicates (or the full-sample estimate when the
design says `mse`). The Taylor path with the same fields is `survey.estimation.taylor`; the design decides
which one runs (`survey.estimation.variance`).
"""

from __future__ import annotations

import numpy as np

from survey.design import ReplicateWeights, SurveyDesign, gram_rank
from survey.estimation.contrasts import ContrastMeans, Contrasts, Estimands, contrast_values, estimand_means
from survey.estimation.strata import DomainMeans

# Above this many replicates, subset ranks are bounded rather than computed (the Gram matrices get too large).
EXACT_RANK_MAX_REPLICATES = 2000


def replicate_domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int,
                           denominators: np.ndarray | None = None, totals: np.ndarray | None = None) -> DomainMeans:
    """Means of each column of `values` in each domain with replicate variances (R `svymean` on a replicate
    design, domains as `svyby`). Same fields as the Taylor path; degrees of freedom are R's
    `degf()` of the domain's subset (rank of its replicate weights minus 1), and `n_design_rows` is the rows
    of that subset, because R subsets replicate designs by dropping rows. `denominators` and `totals` make
    ratios and totals of the columns, as in `survey.estimation.taylor.taylor_domain_means`."""
    replicates = design.replicates
    if replicates is None:
        raise ValueError("the design has no replicate weights")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n, k = values.shape
    domain = np.asarray(domain, dtype=np.int64)
    w = design.weights
    rep = replicates.weights
    n_rep = rep.shape[1]
    in_domain = domain >= 0
    in_base = ~np.isnan(values) & in_domain[:, None]
    if denominators is not None:
        in_base &= ~np.isnan(denominators)
    y = np.where(in_base, values, 0.0)
    x_all = in_base.astype(np.float64) if denominators is None else np.where(in_base, denominators, 0.0)
    is_total = np.zeros(k, dtype=bool) if totals is None else np.asarray(totals, dtype=bool)

    estimate = np.full((n_domains, k), np.nan)
    variance = np.full((n_domains, k), np.nan)
    weight_sum = np.zeros((n_domains, k))
    n_unweighted = np.zeros((n_domains, k), dtype=np.int64)
    srs_variance = np.full((n_domains, k), np.nan)
    degrees = np.zeros((n_domains, k), dtype=np.int64)
    use_for_centre = replicates.rscales > 0

    order = np.argsort(np.where(in_domain, domain, n_domains), kind="stable")
    counts = np.bincount(domain[in_domain], minlength=n_domains)
    starts = np.concatenate([[0], np.cumsum(counts)])
    all_rows = counts == n
    for d in range(n_domains):
        rows = order[starts[d] : starts[d + 1]]
        if rows.size == 0:
            continue
        base = in_base[rows]
        yd = y[rows]
        xd = x_all[rows]
        wd = w[rows]
        total = base.T.astype(np.float64) @ wd
        with np.errstate(invalid="ignore", divide="ignore"):
            sum_y = (yd * wd[:, None]).sum(axis=0)
            mean = np.where(is_total, sum_y, sum_y / (xd * wd[:, None]).sum(axis=0))
            centred = np.where(base, yd - mean, 0.0)
            ss = (wd[:, None] * centred**2).sum(axis=0)
        n_base = base.sum(axis=0)
        estimate[d] = mean
        weight_sum[d] = total
        n_unweighted[d] = n_base
        with np.errstate(invalid="ignore", divide="ignore"):
            srs_variance[d] = ss / total / np.maximum(n_base - 1, 1) if denominators is None and totals is None \
                else np.nan
        rd = rep[rows]
        sums = rd.T @ np.concatenate([yd, xd], axis=1)  # (n_rep, 2k)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.where(is_total, sums[:, :k], sums[:, :k] / sums[:, k:])
        centre = mean if replicates.mse else theta[use_for_centre].mean(axis=0)
        variance[d] = replicates.scale * np.sum(replicates.rscales[:, None] * (theta - centre) ** 2, axis=0)
        degrees[d] = _subset_degf(rd, base, bool(all_rows[d]), replicates, n_rep)
    return DomainMeans(
        estimate=estimate,
        variance=variance,
        n_unweighted=n_unweighted,
        weight_sum=weight_sum,
        degrees_of_freedom=degrees,
        srs_variance=srs_variance,
        n_design_rows=n_unweighted.copy(),
        method="replicate",
    )


def _subset_degf(rep_rows: np.ndarray, base: np.ndarray, whole_design: bool, replicates: ReplicateWeights,
                 n_rep: int) -> np.ndarray:
    """degf() of each variable's subset of the domain's rows (R recomputes it when subsetting)."""
    k = base.shape[1]
    out = np.zeros(k, dtype=np.int64)
    full = base.all(axis=0)
    if whole_design and replicates.degrees_of_freedom is not None:
        out[full] = replicates.degrees_of_freedom
        todo = np.flatnonzero(~full)
    else:
        todo = np.arange(k)
    if todo.size == 0:
        return out
    if n_rep > EXACT_RANK_MAX_REPLICATES:
        # Gram matrices would be too large; a subset cannot have more rank than rows or replicates.
        out[todo] = np.minimum(base[:, todo].sum(axis=0), n_rep) - 1
        return out
    gram_all = rep_rows.T @ rep_rows
    masks: dict[bytes, list[int]] = {}
    for j in todo:
        masks.setdefault(np.packbits(base[:, j]).tobytes(), []).append(int(j))
    grams = []
    owners = []
    for members in masks.values():
        excluded = ~base[:, members[0]]
        if excluded.sum() * 2 < excluded.size:
            dropped = rep_rows[excluded]
            grams.append(gram_all - dropped.T @ dropped)
        else:
            kept = rep_rows[~excluded]
            grams.append(kept.T @ kept)
        owners.append(members)
    ranks = gram_rank(np.stack(grams))
    for members, rank in zip(owners, ranks, strict=True):
        out[members] = rank - 1
    return out


def replicate_contrasts(
    design: SurveyDesign, values: np.ndarray, estimands: Estimands, contrasts: Contrasts
) -> ContrastMeans:
    """Replicate variances of contrasts of estimands (R `svycontrast` on `svyby(..., covmat = TRUE)` over a
    replicate design): each contrast is formed replicate by replicate, then R's `svrVar` is applied."""
    replicates = design.replicates
    if replicates is None:
        raise ValueError("the design has no replicate weights")
    from scipy import sparse

    mean, total, count = estimand_means(design, values, estimands)
    rows, est, n_est = estimands.row, estimands.estimand, estimands.n
    combine = sparse.csr_matrix(
        (contrasts.coefficient, (contrasts.contrast, contrasts.estimand)), shape=(contrasts.n, n_est)
    )
    use_for_centre = replicates.rscales > 0
    variance = np.empty((contrasts.n, values.shape[1]))
    for j in range(values.shape[1]):
        y = values[rows, j]
        base = ~np.isnan(y)
        numerator = sparse.csr_matrix((np.where(base, y, 0.0), (est, rows)), shape=(n_est, design.n_rows))
        denominator = sparse.csr_matrix((base.astype(np.float64), (est, rows)), shape=(n_est, design.n_rows))
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.asarray(numerator @ replicates.weights) / np.asarray(denominator @ replicates.weights)
        theta_contrast = np.asarray(combine @ theta)
        full = contrast_values(mean[:, [j]], contrasts)[:, 0]
        centre = full if replicates.mse else theta_contrast[:, use_for_centre].mean(axis=1)
        deviation = theta_contrast - centre[:, None]
        variance[:, j] = replicates.scale * (deviation**2 @ replicates.rscales)
    degrees = np.full(variance.shape, design.degrees_of_freedom, dtype=np.int64)
    return ContrastMeans(mean, total, count, contrast_values(mean, contrasts), variance, method="replicate",
                         degrees_of_freedom=degrees)
