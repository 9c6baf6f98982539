"""What an estimate cannot support, said beside it: thin domains, concentrated weights, implausible precision.

An interval is only as good as the degrees of freedom behind it. A domain that lies in one PSU of each stratum
it touches has 0 degrees of freedom (R's `degf()` of the domain's subset): its variance cannot be estimated, and
R's `svyciprop` gives NaN limits. With 1 degree of freedom the t quantile is 12.7 and the interval is as wide as
the scale. Neither is shown as if it were an interval: the first is blanked and both are named in `caution`.

A weight that dwarfs the rest makes one respondent the estimate: Kish's effective sample size
(sum w)^2 / sum w^2 falls towards 1 and the largest weight's share of the total towards 1, while the
design-based variance, computed around that respondent's own answer, can come out smaller than simple random
sampling would give (an effective n above n). Each row reports the largest weight's share and Kish's effective
n, and a row whose design-based effective n exceeds its base is flagged.

`DfRule` chooses the degrees of freedom of intervals and tests: `domain` (the default) is R's rule, `degf()` of
the design subset to the domain and the variable's base (PSUs minus strata among those rows), as `svyciprop`
and `svyby(..., svyquantile)` use; `design` is `degf()` of the whole design for every row.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from survey.design import SurveyDesign
from survey.errors import SurveyInputError

DfRule = Literal["domain", "design"]
"""Degrees of freedom of intervals and tests: R's subset rule per domain, or the whole design's."""
DF_RULES: tuple[DfRule, ...] = get_args(DfRule)
MIN_INTERVAL_DF = 2
"""Intervals on fewer degrees of freedom are flagged (and hidden in publication tables)."""


def check_df_rule(rule: str) -> DfRule:
    """The `--df` option, checked."""
    if rule not in DF_RULES:
        raise SurveyInputError(f"--df '{rule}' is not one of {', '.join(DF_RULES)}.")
    return "design" if rule == "design" else "domain"


def chosen_df(design: SurveyDesign, domain_df: np.ndarray, rule: DfRule) -> np.ndarray:
    """The degrees of freedom each row uses: the domain's (R's subset rule) or the design's."""
    domain_df = np.asarray(domain_df)
    if rule == "design":
        return np.full(domain_df.shape, design.degrees_of_freedom, dtype=np.int64)
    return domain_df


def weight_concentration(
    design: SurveyDesign, values: np.ndarray, codes: np.ndarray, n_domains: int
) -> tuple[np.ndarray, np.ndarray]:
    """Kish's effective n and the largest weight's share of the total, per (domain, variable), over the base.

    `values` is (n_rows, k) with NaN outside a variable's base; `codes` the domain of each row (-1: none).

    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> design = make_design(pd.DataFrame({"w": [1.0, 1.0, 2.0]}), weight="w")
    >>> kish, share = weight_concentration(design, np.ones((3, 1)), np.zeros(3, dtype=np.int64), 1)
    >>> float(kish[0, 0]), float(share[0, 0])
    (2.6666666666666665, 0.5)
    """
    codes = np.asarray(codes, dtype=np.int64)
    w = design.weights
    k = values.shape[1]
    kish = np.full((n_domains, k), np.nan)
    share = np.full((n_domains, k), np.nan)
    # Rows in a domain, grouped by domain: a domain's largest weight in a variable's base is the maximum of its
    # segment, found for every domain at once with one reduceat per variable.
    rows = np.flatnonzero(codes >= 0)
    order = rows[np.argsort(codes[rows], kind="stable")]
    sorted_codes, sorted_w = codes[order], w[order]
    counts = np.bincount(sorted_codes, minlength=n_domains)
    present = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[present]
    w_squared = sorted_w * sorted_w
    # One gather of the base flags for every variable, then a contiguous row per variable.
    in_base = np.ascontiguousarray((~np.isnan(values))[order].T)
    for j in range(k):
        base = in_base[j]
        w_base = np.where(base, sorted_w, 0.0)
        total = np.bincount(sorted_codes, weights=w_base, minlength=n_domains)
        squares = np.bincount(sorted_codes, weights=np.where(base, w_squared, 0.0), minlength=n_domains)
        largest = np.zeros(n_domains)
        if present.size:
            largest[present] = np.maximum.reduceat(w_base, starts)  # weights are positive: 0 is outside the base
        with np.errstate(invalid="ignore", divide="ignore"):
            kish[:, j] = np.where(total > 0, total * total / squares, np.nan)
            share[:, j] = np.where(total > 0, largest / total, np.nan)
    return kish, share


def caution_text(df: np.ndarray, n_effective: np.ndarray, n_unweighted: np.ndarray) -> np.ndarray:
    """The `caution` of each row: '' when none, else the reasons joined by '; '.

    >>> caution_text(np.array([0, 1, 40]), np.array([np.nan, 30.0, 80.0]), np.array([20, 30, 60])).tolist()
    ['not estimable: 0 degrees of freedom (the domain lies in one PSU per stratum)', \
'interval on 1 degree of freedom (fewer than 2): too few PSUs for a usable interval', \
'effective n 80 exceeds n 60 (design effect below 1: calibration or stratification can give it; with a large \
weight_share_max the variance is unreliable)']
    """
    df = np.asarray(df, dtype=np.float64)
    out = np.full(df.shape, "", dtype=object)
    for i in range(df.size):
        reasons = []
        d = df.flat[i]
        if np.isfinite(d) and d < 1:
            reasons.append(f"not estimable: {int(d)} degrees of freedom (the domain lies in one PSU per stratum)")
        elif np.isfinite(d) and d < MIN_INTERVAL_DF:
            reasons.append(f"interval on {int(d)} degree of freedom (fewer than {MIN_INTERVAL_DF}): too few PSUs "
                           "for a usable interval")
        n_eff, n = n_effective.flat[i], n_unweighted.flat[i]
        if np.isfinite(n_eff) and n_eff > n * (1 + 1e-9):
            reasons.append(f"effective n {n_eff:.0f} exceeds n {n} (design effect below 1: calibration or "
                           "stratification can give it; with a large weight_share_max the variance is unreliable)")
        out.flat[i] = "; ".join(reasons)
    return out
