"""Design-based estimates of proportions and means, overall and by domain, with SE and CI.

Every estimator takes the design, so calibration and replicate weights are accounted for without the
caller doing anything. Domains are estimated with full-design domain variance, never by subsetting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.cautions import DfRule, caution_text, check_df_rule, chosen_df, weight_concentration
from survey.estimation.intervals import (
    korn_graubard_interval,
    logit_interval,
    wald_interval,
    wilson_interval,
)
from survey.estimation.statistics import target_statistics
from survey.estimation.strata import DomainMeans
from survey.estimation.targets import Target, domain_codes
from survey.options import CI_METHODS, CIMethod, choose

OUTPUT_COLUMNS: tuple[str, ...] = (
    "survey",
    "indicator",
    "indicator_title",
    "domain",
    "domain_value",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "ci_method",
    "n_unweighted",
    "n_effective",
    "deff",
    "low_base",
    "degrees_of_freedom",
    "n_effective_kish",
    "weight_share_max",
    "caution",
)
OVERALL = "all"
"""The `domain` and `domain_value` of the whole-sample rows."""
BOUNDS_CI_METHOD = "korn-graubard at p={p:g}"
"""`ci_method` of a proportion estimated at exactly 0 or 1, whatever method was asked for (see `domain_table`)."""
PERIOD_COLUMNS: tuple[str, ...] = ("period", "period_start", "period_end")
"""Added to the estimate table when estimates are made for periods (date windows, survey years)."""


def output_columns(with_periods: bool = False) -> tuple[str, ...]:
    """The estimate table's columns: `OUTPUT_COLUMNS`, with `PERIOD_COLUMNS` after the indicator's
    columns when periods are used.

    >>> output_columns(True)[:6]
    ('survey', 'indicator', 'indicator_title', 'period', 'period_start', 'period_end')
    """
    if not with_periods:
        return OUTPUT_COLUMNS
    anchor = "indicator_title" if "indicator_title" in OUTPUT_COLUMNS else "indicator"
    at = OUTPUT_COLUMNS.index(anchor) + 1
    return OUTPUT_COLUMNS[:at] + PERIOD_COLUMNS + OUTPUT_COLUMNS[at:]


def estimate(
    design: SurveyDesign,
    targets: Sequence[Target],
    *,
    by: Sequence[str] = (),
    ci: CIMethod = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
    df_rule: DfRule = "domain",
) -> pd.DataFrame:
    """Estimate every target overall and within each level of each `by` column.

    Returns the long table (see `OUTPUT_COLUMNS`): proportions in [0, 1], SEs, CIs by `ci` (means always
    get a Wald interval), unweighted and effective bases, design effects (R `deff = "replace"`), and a
    `low_base` flag where the unweighted base is below `min_base`; `suppress` blanks those estimates.
    Whether the variance is Taylor or replicate is decided by the design (`survey.estimation.variance`).
    Each row also gives the degrees of freedom of its interval (`df_rule`, see `survey.estimation.cautions`),
    Kish's effective n, the largest weight's share, and a `caution` naming what the row cannot support.

    Examples
    --------
    The share answering 1, with R's `svyciprop(method = "logit")` interval on the design's degrees of freedom:

    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> from survey.estimation.targets import proportion_target
    >>> data = pd.DataFrame({"stratum": ["a", "a", "a", "b", "b", "b"], "psu": [1, 1, 2, 1, 2, 2],
    ...                      "w": [10.0, 10.0, 20.0, 15.0, 15.0, 15.0], "agree": [1, 2, 1, 1, 1, 2]})
    >>> design = make_design(data, weight="w", strata="stratum", psu="psu")
    >>> table = estimate(design, [proportion_target(data, "agree", "1")], min_base=1)
    >>> row = table.iloc[0]
    >>> print(row["indicator"], round(row["estimate"], 4), round(row["se"], 4), round(row["ci_lower"], 4))
    proportion:agree=1 0.7059 0.1713 0.0644

    R gives 0.7058823529, SE 0.1713414312 and lower limit 0.06443539221 for the same design.
    """
    ci = choose(ci, CI_METHODS, "CI method")
    df_rule = check_df_rule(df_rule)
    if not 0 < level < 1:
        raise SurveyInputError(f"confidence level {level} must be between 0 and 1.")
    if not targets:
        raise SurveyInputError("nothing to estimate: give an indicator, --mean or --proportion.")
    # (k, n) stacked then viewed as (n, k): each variable stays contiguous for the per-variable passes.
    values = np.vstack([np.asarray(t.values, dtype=np.float64) for t in targets]).T
    if values.shape[0] != design.n_rows:
        raise ValueError("every target needs one value per design row")

    groupings: list[tuple[str, np.ndarray, list[str]]] = [(OVERALL, np.zeros(design.n_rows, np.int64), [OVERALL])]
    for column in by:
        codes, labels = domain_codes(design.data, column, source=source)
        groupings.append((column, codes, labels))

    results = target_statistics(design, targets, [(codes, len(labels)) for _, codes, labels in groupings],
                                level=level, df_rule=df_rule)
    tables = [
        domain_table(targets, domain_name, labels, result.moments, ci, level, min_base, suppress,
                     weights=weight_concentration(design, values, codes, len(labels)),
                     df=chosen_df(design, result.moments.degrees_of_freedom, df_rule),
                     quantile_limits=(result.lower, result.upper))
        for (domain_name, codes, labels), result in zip(groupings, results, strict=True)
    ]
    return pd.concat(tables, ignore_index=True)[list(OUTPUT_COLUMNS)]


def domain_table(
    targets: Sequence[Target],
    domain_name: str,
    labels: list[str],
    m: DomainMeans,
    ci: CIMethod,
    level: float,
    min_base: int,
    suppress: bool,
    *,
    weights: tuple[np.ndarray, np.ndarray] | None = None,
    df: np.ndarray | None = None,
    quantile_limits: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The long table of one domain variable's means (`m`), with SEs, CIs by `ci`, bases and flags.

    `weights` is (Kish effective n, largest weight's share) per (domain, variable)
    (`survey.estimation.cautions.weight_concentration`); `df` the degrees of freedom of each interval (default
    the domain's, R's rule). An interval on fewer than 1 degree of freedom is blanked, and both it and one on 1
    degree of freedom are named in `caution`. Quantiles take their Woodruff limits from `quantile_limits`;
    means, totals and ratios get Wald intervals (R `confint` with df = Inf).
    """
    n_domains, k = m.estimate.shape
    df = m.degrees_of_freedom if df is None else np.asarray(df)
    est = m.estimate
    var = np.maximum(m.variance, 0.0)
    se = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = var / m.srs_variance
        n_effective = m.n_unweighted / deff
    lower = np.full_like(est, np.nan)
    upper = np.full_like(est, np.nan)
    methods = np.empty((n_domains, k), dtype=object)
    for j, target in enumerate(targets):
        method = ci if target.kind == "proportion" else "woodruff" if target.kind == "quantile" else "wald"
        methods[:, j] = method
        e, s, v = est[:, j], se[:, j], var[:, j]
        if method == "woodruff":
            assert quantile_limits is not None, "quantiles need their Woodruff limits"
            lo, hi = quantile_limits[0][:, j], quantile_limits[1][:, j]
        elif method == "logit":
            lo, hi = logit_interval(e, s, df[:, j], level)
        elif method == "korn-graubard":
            lo, hi = korn_graubard_interval(e, v, df[:, j], m.n_design_rows[:, j], level)
        elif method == "wilson":
            lo, hi = wilson_interval(e, n_effective[:, j], level)
        else:
            lo, hi = wald_interval(e, s, level)
        lower[:, j], upper[:, j] = lo, hi
        if target.kind == "proportion":
            # At p = 0 or 1 the logit, Wald and Wilson limits collapse to the point (a certainty no sample gives)
            # and R's Korn-Graubard limits are NaN; Korn-Graubard with the base as effective size is neither.
            for bound in (0.0, 1.0):
                at = e == bound
                if at.any():
                    lo, hi = korn_graubard_interval(e, v, df[:, j], m.n_design_rows[:, j], level,
                                                    n_at_bounds=m.n_unweighted[:, j].astype(np.float64))
                    lower[at, j], upper[at, j] = lo[at], hi[at]
                    methods[at, j] = BOUNDS_CI_METHOD.format(p=bound)
    # A zero variance (p at 0 or 1, or certainty PSUs only) has no meaningful design effect or effective size.
    n_effective = np.where(deff > 0, n_effective, np.nan)
    # No degrees of freedom, no interval: R's t quantile is NaN there, and a Wald interval would pretend.
    # A domain in one PSU per stratum has a variance of (nearly) nothing; its SE and design effect mean nothing.
    not_estimable = df < 1
    lower[not_estimable], upper[not_estimable] = np.nan, np.nan
    se = np.where(not_estimable, np.nan, se)
    deff = np.where(not_estimable, np.nan, deff)
    n_effective = np.where(not_estimable, np.nan, n_effective)
    kish, share = weights if weights is not None else (np.full_like(est, np.nan), np.full_like(est, np.nan))
    low_base = m.n_unweighted < min_base
    table = pd.DataFrame(
        {
            "survey": np.tile([t.survey for t in targets], n_domains),
            "indicator": np.tile([t.name for t in targets], n_domains),
            "indicator_title": np.tile([t.title for t in targets], n_domains),
            "domain": domain_name,
            "domain_value": np.repeat(labels, k),
            "estimate": est.ravel(),
            "se": se.ravel(),
            "ci_lower": lower.ravel(),
            "ci_upper": upper.ravel(),
            "ci_method": methods.ravel(),
            "n_unweighted": m.n_unweighted.ravel(),
            "n_effective": n_effective.ravel(),
            "deff": deff.ravel(),
            "low_base": low_base.ravel(),
            "degrees_of_freedom": df.ravel(),
            "n_effective_kish": kish.ravel(),
            "weight_share_max": share.ravel(),
            "caution": caution_text(df, n_effective, m.n_unweighted).ravel(),
        }
    )
    if suppress:
        # Nothing in a suppressed row may give its result away: `ci_method` says "at p=1" for a row where
        # everyone agreed, and the concentration and cautions describe the answers too.
        blank = table["low_base"].to_numpy()
        table.loc[blank, ["estimate", "se", "ci_lower", "ci_upper", "n_effective", "deff", "n_effective_kish",
                          "weight_share_max"]] = np.nan
        table.loc[blank, "ci_method"] = None
        table.loc[blank, "caution"] = ""
    return table
