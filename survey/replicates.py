"""Replicate weights (jackknife JK1 and JKn, bootstrap) and replicate variances of domain means.

Conventions are R's `as.svrepdesign(design, type = "JK1" | "JKn" | "bootstrap")`:

- JK1 (unstratified): one replicate per PSU, that PSU dropped and the others multiplied by n/(n-1);
  scale = fpc (n-1)/n, rscales 1.
- JKn (stratified): one replicate per PSU, the PSU dropped and the others in its stratum multiplied by
  n_h/(n_h-1); scale 1, rscales = fpc_h (n_h-1)/n_h. Lonely PSUs follow the design's lonely-PSU option as
  R's `jknweights` does.
- bootstrap: in each stratum n_h PSUs drawn with replacement (without replacement from the PSUs repeated
  to the population size when there is an fpc); the replicate factor is the number of draws; scale =
  m/((m-1)(R-1)) with m the harmonic mean of PSUs per stratum, rscales 1. Drawn with numpy from `seed`
  (R's random numbers cannot be reproduced; the conventions are R's).

The variance is scale * sum_r rscales_r (theta_r - mean of theta)^2 (R `svrVar`, mse = FALSE). When a
design is calibrated, `survey.calibration` calibrates each replicate again, as R's `calibrate()` does on a
replicate design.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from survey.design import ReplicateWeights, SurveyDesign
from survey.errors import SurveyInputError
from survey.variance import DomainMeans

REPLICATE_METHODS: tuple[str, ...] = ("jk1", "jkn", "bootstrap")
# Above this many replicate weights (rows x replicates) jackknife designs are refused: use the bootstrap.
MAX_REPLICATE_CELLS = 200_000_000
# R degf(): qr(weights, tol = 1e-5)$rank; on the Gram matrix that is eigenvalues above (1e-5)^2 of the largest.
RANK_RTOL = 1e-10
EXACT_RANK_MAX_REPLICATES = 2000


def parse_replicates(text: str) -> tuple[str, int | None]:
    """'jk1', 'jkn' or 'bootstrap:R' (R replicates; 'bootstrap' alone means 50, R's default)."""
    method, _, count = text.strip().lower().partition(":")
    if method not in REPLICATE_METHODS:
        raise SurveyInputError(f"--replicates '{text}' is not one of jk1, jkn, bootstrap:R.")
    if method != "bootstrap":
        if count:
            raise SurveyInputError(
                f"--replicates '{text}': jackknife designs have one replicate per PSU; drop ':{count}'."
            )
        return method, None
    if not count:
        return method, 50
    try:
        n = int(count)
    except ValueError:
        raise SurveyInputError(
            f"--replicates '{text}': the number of bootstrap replicates must be an integer."
        ) from None
    if n < 2:
        raise SurveyInputError(f"--replicates '{text}': at least 2 bootstrap replicates are needed.")
    return method, n


def _jk1(design: SurveyDesign) -> tuple[np.ndarray, float, np.ndarray]:
    if design.strata_column is not None:
        raise SurveyInputError("JK1 replicates are for unstratified designs (as R); use --replicates jkn.")
    n = design.n_psu
    if n < 2:
        raise SurveyInputError("JK1 replicates need at least 2 PSUs.")
    factors = np.full((n, n), n / (n - 1))
    np.fill_diagonal(factors, 0.0)
    scale = float(design.stratum_fpc_factor[0]) * (n - 1) / n
    return factors, scale, np.ones(n)


def _jkn(design: SurveyDesign) -> tuple[np.ndarray, float, np.ndarray]:
    if design.strata_column is None:
        raise SurveyInputError("JKn replicates are for stratified designs (as R); use --replicates jk1.")
    n_psu = design.n_psu
    n_strata = design.n_strata
    columns: list[np.ndarray] = []
    rscales: list[float] = []
    for h in range(n_strata):
        members = np.flatnonzero(design.psu_stratum == h)
        n_h = members.size
        fpc = float(design.stratum_fpc_factor[h])
        if n_h == 1 and fpc != 0:
            option = design.lonely_psu
            if option == "fail":
                label = design.stratum_labels[h] if design.stratum_labels else str(h)
                raise SurveyInputError(
                    f"stratum '{label}' has only one PSU, so JKn replicates cannot be formed under --lonely-psu "
                    "fail (R jknweights stops too). Choose adjust, average, certainty or remove."
                )
            if option == "adjust":
                column = np.full(n_psu, n_strata / (n_strata - 1))
                column[members] = 0.0
                columns.append(column)
                rscales.append((n_strata - 1) / n_strata)
            continue
        for dropped in members:
            column = np.ones(n_psu)
            column[members] = n_h / (n_h - 1)
            column[dropped] = 0.0
            columns.append(column)
            rscales.append(fpc * (n_h - 1) / n_h)
    if not columns:
        raise SurveyInputError("no JKn replicates can be formed: every stratum has a single PSU or is a census.")
    scale = 1.0
    if len(columns) < n_psu and design.lonely_psu == "average":
        scale = n_psu / len(columns)
    return np.column_stack(columns), scale, np.asarray(rscales)


def _bootstrap(design: SurveyDesign, n_replicates: int, seed: int | None) -> tuple[np.ndarray, float, np.ndarray]:
    rng = np.random.default_rng(seed)
    factors = np.zeros((design.n_psu, n_replicates))
    for h in range(design.n_strata):
        members = np.flatnonzero(design.psu_stratum == h)
        n_h = members.size
        fpc = float(design.stratum_fpc_factor[h])
        if fpc < 1.0:
            # Population of N_h PSUs made by repeating the sampled ones (R: rep(upsu, length = popsize)).
            popsize = int(round(n_h / (1.0 - fpc)))
            pool = np.resize(np.arange(n_h), popsize)
            for r in range(n_replicates):
                drawn = pool[rng.choice(popsize, size=n_h, replace=False)]
                factors[members, r] = np.bincount(drawn, minlength=n_h)
        else:
            drawn = rng.integers(0, n_h, size=(n_replicates, n_h))
            offsets = np.arange(n_replicates)[:, None] * n_h
            counts = np.bincount((drawn + offsets).ravel(), minlength=n_replicates * n_h).reshape(n_replicates, n_h)
            factors[members, :] = counts.T
    per_stratum = design.n_psu_in_stratum
    harmonic = 1.0 / np.mean(1.0 / per_stratum)
    scale = harmonic / ((harmonic - 1.0) * (n_replicates - 1)) if harmonic > 1 else np.inf
    return factors, float(scale), np.ones(n_replicates)


def replicate_design(
    design: SurveyDesign, method: str, *, n_replicates: int | None = None, seed: int | None = None
) -> SurveyDesign:
    """The design with replicate weights (factor of the row's PSU times the row's weight), as R
    `as.svrepdesign(design, type=...)`. Calibrate afterwards and each replicate is calibrated again."""
    if design.calibrations:
        raise SurveyInputError(
            "form replicates before calibration, so that each replicate can be calibrated again (as R)."
        )
    if method in ("jk1", "jkn") and design.n_rows * design.n_psu > MAX_REPLICATE_CELLS:
        raise SurveyInputError(
            f"{method} gives one replicate per PSU: {design.n_psu:,} replicates x {design.n_rows:,} rows is too many "
            "weights to hold; use --replicates bootstrap:R (e.g. bootstrap:200)."
        )
    if method == "jk1":
        factors, scale, rscales = _jk1(design)
    elif method == "jkn":
        factors, scale, rscales = _jkn(design)
    elif method == "bootstrap":
        if not n_replicates or n_replicates < 2:
            raise SurveyInputError("the bootstrap needs at least 2 replicates.")
        factors, scale, rscales = _bootstrap(design, n_replicates, seed)
    else:
        raise SurveyInputError(f"replicate method '{method}' is not one of {', '.join(REPLICATE_METHODS)}.")
    weights = factors[design.psu] * design.weights[:, None]
    degf = _replicate_degf(design, factors, method)
    replicates = ReplicateWeights(
        weights=weights, scale=scale, rscales=rscales, method=method, mse=False, degrees_of_freedom=degf
    )
    return replace(design, replicates=replicates)


def _replicate_degf(design: SurveyDesign, factors: np.ndarray, method: str) -> int:
    """R degf(): rank of the replicate weights minus 1 (jackknife ranks are known in closed form)."""
    n_rep = factors.shape[1]
    if method == "jk1" and n_rep > EXACT_RANK_MAX_REPLICATES:
        return design.n_psu - 1
    if method == "jkn" and n_rep > EXACT_RANK_MAX_REPLICATES:
        return design.n_psu - design.n_strata
    psu_square = np.bincount(design.psu, weights=design.weights**2, minlength=design.n_psu)
    gram = factors.T @ (factors * psu_square[:, None])
    return gram_rank(gram[None])[0] - 1


def gram_rank(grams: np.ndarray) -> np.ndarray:
    """Rank of matrices given their Gram matrices (m, R, R), with R `qr(tol = 1e-5)`'s relative tolerance."""
    if grams.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    eig = np.linalg.eigvalsh(grams)
    top = eig[:, -1:]
    result: np.ndarray = np.sum(eig > RANK_RTOL * np.maximum(top, 0.0), axis=1).astype(np.int64)
    return result


def replicate_domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
    """Means of each column of `values` in each domain with replicate variances (R `svymean` on a replicate
    design, domains as `svyby`). Same fields as `survey.variance.domain_means`; degrees of freedom are R's
    `degf()` of the domain's subset (rank of its replicate weights minus 1), and `n_design_rows` is the rows
    of that subset, because R subsets replicate designs by dropping rows."""
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
    y = np.where(in_base, values, 0.0)

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
        wd = w[rows]
        total = base.T.astype(np.float64) @ wd
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (yd * wd[:, None]).sum(axis=0) / total
            centred = np.where(base, yd - mean, 0.0)
            ss = (wd[:, None] * centred**2).sum(axis=0)
        n_base = base.sum(axis=0)
        estimate[d] = mean
        weight_sum[d] = total
        n_unweighted[d] = n_base
        with np.errstate(invalid="ignore", divide="ignore"):
            srs_variance[d] = ss / total / np.maximum(n_base - 1, 1)
        rd = rep[rows]
        sums = rd.T @ np.concatenate([yd, base.astype(np.float64)], axis=1)  # (n_rep, 2k)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = sums[:, :k] / sums[:, k:]
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
