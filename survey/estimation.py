"""Design-based estimates of proportions and means, overall and by domain, with SE and CI.

Every estimator takes the design, so calibration and replicate weights are accounted for without the
caller doing anything. Domains are estimated with full-design domain variance, never by subsetting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.intervals import (
    CI_METHODS,
    korn_graubard_interval,
    logit_interval,
    wald_interval,
    wilson_interval,
)
from survey.variance import DomainMeans, domain_means_many

OUTPUT_COLUMNS: tuple[str, ...] = (
    "indicator",
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
)
OVERALL = "all"


@dataclass(frozen=True)
class Target:
    """One quantity to estimate: `values` per row (NaN = outside its base); a proportion takes 0/1."""

    name: str
    values: np.ndarray
    kind: Literal["proportion", "mean"]


def mean_target(data: pd.DataFrame, variable: str, *, source: str = "data") -> Target:
    """The weighted mean of a numeric column; missing values are outside the base."""
    column = _column(data, variable, source)
    numeric = pd.to_numeric(column, errors="coerce")
    bad = numeric.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyInputError(
            f"{source}: column '{variable}' is not numeric at data row {row + 1} (value {column.iloc[row]!r}); "
            "--mean needs a numeric column."
        )
    return Target(f"mean:{variable}", numeric.to_numpy(dtype=np.float64), "mean")


def proportion_target(
    data: pd.DataFrame,
    variable: str,
    value: str,
    *,
    value_labels: Mapping[Any, str] | None = None,
    source: str = "data",
) -> Target:
    """The proportion of rows whose `variable` equals `value` (as a number, as text, or as a value label)."""
    column = _column(data, variable, source)
    present = column.notna().to_numpy()
    wanted: set[str] = {value}
    if value_labels:
        wanted |= {_as_text(code) for code, label in value_labels.items() if str(label) == value}
    # Compare the distinct values as text, not every row.
    codes, uniques = pd.factorize(column, sort=True)
    distinct = [_as_text(u) for u in uniques]
    wanted_codes = np.array([i for i, text in enumerate(distinct) if text in wanted], dtype=np.int64)
    hit = np.isin(codes, wanted_codes)
    if not hit.any() and present.any():
        shown = ", ".join(distinct[:12])
        raise SurveyInputError(
            f"{source}: no row has {variable} = {value!r}; values present include {shown}."
        )
    values = np.where(present, hit.astype(np.float64), np.nan)
    return Target(f"proportion:{variable}={value}", values, "proportion")


def _as_text(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _column(data: pd.DataFrame, variable: str, source: str) -> pd.Series:
    if variable not in data.columns:
        raise SurveyInputError(f"{source}: column '{variable}' is not in the data.")
    return data[variable]


def domain_codes(data: pd.DataFrame, column: str, *, source: str = "data") -> tuple[np.ndarray, list[str]]:
    """Integer domain codes (-1 where the value is missing) and the domain labels as text."""
    values = _column(data, column, source)
    if values.notna().sum() == 0:
        raise SurveyInputError(f"{source}: the domain column '{column}' is empty: every value is missing.")
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), [_as_text(u) for u in uniques]


def estimate(
    design: SurveyDesign,
    targets: Sequence[Target],
    *,
    by: Sequence[str] = (),
    ci: str = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
) -> pd.DataFrame:
    """Estimate every target overall and within each level of each `by` column.

    Returns the long table (see `OUTPUT_COLUMNS`): proportions in [0, 1], SEs, CIs by `ci` (means always
    get a Wald interval), unweighted and effective bases, design effects (R `deff = "replace"`), and a
    `low_base` flag where the unweighted base is below `min_base`; `suppress` blanks those estimates.
    """
    if ci not in CI_METHODS:
        raise SurveyInputError(f"CI method '{ci}' is not one of {', '.join(CI_METHODS)}.")
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

    if design.replicates is not None:
        from survey.replicates import replicate_domain_means

        results = [replicate_domain_means(design, values, codes, len(labels)) for _, codes, labels in groupings]
    else:
        results = domain_means_many(design, values, [(codes, len(labels)) for _, codes, labels in groupings])
    tables = [
        _table(targets, domain_name, labels, moments, ci, level, min_base, suppress)
        for (domain_name, _, labels), moments in zip(groupings, results, strict=True)
    ]
    return pd.concat(tables, ignore_index=True)[list(OUTPUT_COLUMNS)]


def _table(
    targets: Sequence[Target],
    domain_name: str,
    labels: list[str],
    m: DomainMeans,
    ci: str,
    level: float,
    min_base: int,
    suppress: bool,
) -> pd.DataFrame:
    n_domains, k = m.estimate.shape
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
        method = ci if target.kind == "proportion" else "wald"
        methods[:, j] = method
        e, s, v = est[:, j], se[:, j], var[:, j]
        if method == "logit":
            lo, hi = logit_interval(e, s, m.degrees_of_freedom[:, j], level)
        elif method == "korn-graubard":
            lo, hi = korn_graubard_interval(e, v, m.degrees_of_freedom[:, j], m.n_design_rows[:, j], level)
        elif method == "wilson":
            lo, hi = wilson_interval(e, n_effective[:, j], level)
        else:
            lo, hi = wald_interval(e, s, level)
        lower[:, j], upper[:, j] = lo, hi
    low_base = m.n_unweighted < min_base
    table = pd.DataFrame(
        {
            "indicator": np.tile([t.name for t in targets], n_domains),
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
        }
    )
    if suppress:
        blank = table["low_base"].to_numpy()
        table.loc[blank, ["estimate", "se", "ci_lower", "ci_upper", "n_effective", "deff"]] = np.nan
    return table
