"""Estimates beside the truth: error, interval coverage and the effect of weighting, per estimate and summarised."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS: list[str] = ["indicator", "domain", "domain_value"]
COMPARISON_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "domain", "domain_value", "estimate", "se", "ci_lower", "ci_upper", "n_unweighted",
    "true_value", "error", "covered", "estimate_unweighted", "error_unweighted",
)


def compare_to_truth(survey: str, estimates: pd.DataFrame, truth: pd.DataFrame,
                     unweighted: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per estimate: the estimate and its interval, the true value, the error (estimate - truth,
    proportions), whether the interval covers the truth, and the unweighted estimate and its error."""
    truth = truth.assign(domain_value=truth["domain_value"].astype(str))
    estimates = estimates.drop(columns=["survey"], errors="ignore")
    table = estimates.assign(domain_value=estimates["domain_value"].astype(str)).merge(
        truth[[*KEYS, "true_value"]], on=KEYS, how="left", validate="one_to_one")
    if unweighted is not None:
        plain = unweighted.assign(domain_value=unweighted["domain_value"].astype(str))
        table = table.merge(plain[[*KEYS, "estimate"]].rename(columns={"estimate": "estimate_unweighted"}),
                            on=KEYS, how="left", validate="one_to_one")
    else:
        table["estimate_unweighted"] = np.nan
    table["error"] = table["estimate"] - table["true_value"]
    table["covered"] = (table["ci_lower"] <= table["true_value"]) & (table["true_value"] <= table["ci_upper"])
    table["error_unweighted"] = table["estimate_unweighted"] - table["true_value"]
    table.insert(0, "survey", survey)
    return table[list(COMPARISON_COLUMNS)]


def comparison_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per survey and domain level: how many intervals cover the truth, mean absolute errors (percentage
    points) of the weighted and unweighted estimates, and the mean interval width (points)."""
    frame = comparison.assign(
        abs_error=comparison["error"].abs() * 100,
        abs_error_unweighted=comparison["error_unweighted"].abs() * 100,
        width=(comparison["ci_upper"] - comparison["ci_lower"]) * 100,
    )
    summary = frame.groupby(["survey", "domain"], sort=False).agg(
        estimates=("estimate", "size"),
        intervals_covering_truth=("covered", "sum"),
        share_covering=("covered", "mean"),
        mean_abs_error_weighted_pts=("abs_error", "mean"),
        mean_abs_error_unweighted_pts=("abs_error_unweighted", "mean"),
        mean_ci_width_pts=("width", "mean"),
    ).reset_index()
    summary["intervals_covering_truth"] = summary["intervals_covering_truth"].astype(np.int64)
    return summary
