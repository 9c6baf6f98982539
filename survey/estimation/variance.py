"""Domain means with the variance the design calls for: one chooser that every estimator goes through.

As in R, where `svymean` dispatches on the design's class, the design decides: replicate weights give the
replicate variance (`survey.estimation.replication`); otherwise the Taylor variance, by the moment path for
unclustered designs whose final weights are the calibrated ones (`survey.estimation.moments`) or the
(PSU, domain)-pair path for any design (`survey.estimation.taylor`). Contrasts of domain means (changes
between periods, gaps to peers) go through the same choice (`contrast_means`). No entry point can bypass it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.contrasts import ContrastMeans, Contrasts, Estimands, taylor_contrasts
from survey.estimation.moments import moment_domain_pieces
from survey.estimation.replication import replicate_contrasts, replicate_domain_means
from survey.estimation.strata import DomainMeans, finish
from survey.estimation.taylor import taylor_domain_means


def domain_means(design: SurveyDesign, values: np.ndarray, domain: np.ndarray, n_domains: int) -> DomainMeans:
    """Means of each column of `values` in each domain, with the design's variances.

    `values` is (n_rows, k); NaN marks a row outside that variable's base. `domain` gives each row's
    domain code in [0, n_domains), or -1 for rows in no domain. Domains are never subset: their variance
    is the full-design domain variance.
    """
    return domain_means_many(design, values, [(domain, n_domains)])[0]


def domain_means_many(
    design: SurveyDesign, values: np.ndarray, groupings: Sequence[tuple[np.ndarray, int]],
    *, denominators: np.ndarray | None = None, totals: np.ndarray | None = None,
) -> list[DomainMeans]:
    """`domain_means` for several domain variables at once: (codes, n_domains) per grouping.

    With `denominators` (n, k) the columns are ratios sum w y / sum w x (R `svyratio`), and where `totals[j]`
    totals sum w y (R `svytotal`); the design decides their variance just the same.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    groupings = [(np.asarray(codes, dtype=np.int64), int(size)) for codes, size in groupings]
    if design.variance_method == "replicate":
        return [replicate_domain_means(design, values, codes, size, denominators, totals) for codes, size in groupings]
    _one_calibration(design)
    if denominators is not None or totals is not None:
        return [taylor_domain_means(design, values, codes, size, denominators, totals) for codes, size in groupings]
    step = design.calibrations[-1] if design.calibrations else None
    if design.n_psu == design.n_rows and (step is None or np.array_equal(step.weights_after, design.weights)):
        # The moment path reads the rows once per variable whatever the number of groupings.
        pieces = moment_domain_pieces(design, step, values, groupings)
        sizes = [size for _, size in groupings]
        return [finish(design, values.shape[0], size, piece) for piece, size in zip(pieces, sizes, strict=True)]
    return [taylor_domain_means(design, values, codes, size) for codes, size in groupings]


def contrast_means(
    design: SurveyDesign, values: np.ndarray, estimands: Estimands, contrasts: Contrasts
) -> ContrastMeans:
    """Means of possibly overlapping sets of rows (`estimands`) and linear `contrasts` of them, with the
    variance of each contrast from the full design: replicate or Taylor, as the design says.

    `values` is (n_rows, k) with NaN outside a variable's base. The covariance between estimands (shared
    respondents, PSUs, strata or calibration) is carried into every contrast, as R `svycontrast` does on
    `svyby(..., covmat = TRUE)`.

    Examples
    --------
    The change between two overlapping windows of a simple random sample (rows 0-3 and rows 2-5):

    >>> import numpy as np, pandas as pd
    >>> from survey.design import make_design
    >>> design = make_design(pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6]}))
    >>> first, second = np.arange(6) < 4, np.arange(6) >= 2
    >>> estimands = Estimands.from_domains([first, second], np.zeros(6, dtype=np.int64), 1)
    >>> change = Contrasts.from_terms([(0, 1, 1.0), (0, 0, -1.0)], 1)
    >>> result = contrast_means(design, design.data[["y"]].to_numpy(), estimands, change)
    >>> result.estimate[:, 0].tolist(), float(result.contrast[0, 0]), round(float(result.variance[0, 0]), 6)
    ([2.75, 4.25], 1.5, 0.80625)
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if design.variance_method == "replicate":
        return replicate_contrasts(design, values, estimands, contrasts)
    _one_calibration(design)
    return taylor_contrasts(design, values, estimands, contrasts)


def _one_calibration(design: SurveyDesign) -> None:
    if len(design.calibrations) > 1:
        raise SurveyInputError(
            "the design has been calibrated more than once; variances account for one calibration "
            "step only. Calibrate once to all margins together."
        )
