"""Replicate weights (jackknife JK1 and JKn, bootstrap), formed as R forms them.

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

The variance is scale * sum_r rscales_r (theta_r - mean of theta)^2 (R `svrVar`, mse = FALSE), computed in
`survey.estimation.replication`. When a design is calibrated, `survey.weighting.calibration` calibrates each
replicate again, as R's `calibrate()` does on a replicate design.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from survey.design import ReplicateWeights, SurveyDesign, gram_rank
from survey.errors import SurveyInputError
from survey.memory import check_replicate_weights_fit
from survey.options import REPLICATE_METHODS, choose

# Above this many replicate weights (rows x replicates) jackknife designs are refused: use the bootstrap.
MAX_REPLICATE_CELLS = 200_000_000
# Above this many replicates, jackknife ranks come from their closed form rather than an eigen-decomposition.
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
    chosen = choose(method, REPLICATE_METHODS, "replicate method")
    if design.calibrations:
        raise SurveyInputError(
            "form replicates before calibration, so that each replicate can be calibrated again (as R)."
        )
    check_replicate_weights_fit(design.n_rows, design.n_psu if method in ("jk1", "jkn") else int(n_replicates or 0))
    if method in ("jk1", "jkn") and design.n_rows * design.n_psu > MAX_REPLICATE_CELLS:
        raise SurveyInputError(
            f"{method} gives one replicate per PSU: {design.n_psu:,} replicates x {design.n_rows:,} rows is too many "
            "weights to hold; use --replicates bootstrap:R (e.g. bootstrap:200)."
        )
    if method == "jk1":
        factors, scale, rscales = _jk1(design)
    elif method == "jkn":
        factors, scale, rscales = _jkn(design)
    else:
        if not n_replicates or n_replicates < 2:
            raise SurveyInputError("the bootstrap needs at least 2 replicates.")
        factors, scale, rscales = _bootstrap(design, n_replicates, seed)
    weights = factors[design.psu] * design.weights[:, None]
    degf = _replicate_degf(design, factors, method)
    replicates = ReplicateWeights(
        weights=weights, scale=scale, rscales=rscales, method=chosen, mse=False, degrees_of_freedom=degf
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
