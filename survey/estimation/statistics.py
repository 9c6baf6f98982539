"""Every target of a table at once: means and proportions, totals and ratios, quantiles, each by its own kernel.

Means and proportions go through the domain-mean chooser (`survey.estimation.variance.domain_means_many`);
totals and ratios through the same chooser with their denominators (R `svytotal`, `svyratio`); quantiles
through Woodruff's method on the domain-mean kernel (`survey.estimation.quantiles`, R `svyquantile`). The
design decides the variance in every case. The results are put back in the targets' order, so one table can
hold all kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from survey.design import SurveyDesign
from survey.estimation.cautions import DfRule
from survey.estimation.quantiles import domain_quantiles
from survey.estimation.strata import DomainMeans
from survey.estimation.targets import Target
from survey.estimation.variance import domain_means_many

LINEAR_KINDS = ("mean", "proportion")
RATIO_KINDS = ("total", "ratio")


@dataclass(frozen=True)
class TargetStatistics:
    """One domain variable's results for every target: moments (n_domains, k) and, for quantiles, their
    Woodruff limits (NaN columns for other kinds)."""

    moments: DomainMeans
    lower: np.ndarray
    """Woodruff lower limits of quantile columns (NaN elsewhere)."""
    upper: np.ndarray


def _merge(parts: list[tuple[np.ndarray, DomainMeans]], n_domains: int, k: int) -> DomainMeans:
    if len(parts) == 1 and np.array_equal(parts[0][0], np.arange(k)):
        return parts[0][1]  # one kind, in order: nothing to put together
    merged = {}
    for f in fields(DomainMeans):
        if f.name == "method":
            continue
        dtype = np.int64 if f.name in ("n_unweighted", "degrees_of_freedom", "n_design_rows") else np.float64
        array = np.zeros((n_domains, k), dtype=dtype) if dtype is np.int64 else np.full((n_domains, k), np.nan)
        for columns, result in parts:
            array[:, columns] = getattr(result, f.name)
        merged[f.name] = array
    method = parts[0][1].method if parts else "taylor"
    return DomainMeans(**merged, method=method)


def target_statistics(
    design: SurveyDesign, targets: Sequence[Target], groupings: Sequence[tuple[np.ndarray, int]], *,
    level: float = 0.95, df_rule: DfRule = "domain",
) -> list[TargetStatistics]:
    """The moments of every target in every grouping (codes, n_domains), each kind by its kernel."""
    k = len(targets)
    values = np.vstack([np.asarray(t.values, dtype=np.float64) for t in targets]).T
    linear = [j for j, t in enumerate(targets) if t.kind in LINEAR_KINDS]
    ratios = [j for j, t in enumerate(targets) if t.kind in RATIO_KINDS]
    quantiles = [j for j, t in enumerate(targets) if t.kind == "quantile"]
    parts: list[list[tuple[np.ndarray, DomainMeans]]] = [[] for _ in groupings]
    if linear:
        for g, result in enumerate(domain_means_many(design, values[:, linear], groupings)):
            parts[g].append((np.array(linear), result))
    if ratios:
        denominators = np.column_stack([
            np.asarray(targets[j].denominator, dtype=np.float64) if targets[j].denominator is not None
            else np.ones(design.n_rows) for j in ratios])
        totals = np.array([targets[j].kind == "total" for j in ratios])
        results = domain_means_many(design, values[:, ratios], groupings, denominators=denominators, totals=totals)
        for g, result in enumerate(results):
            parts[g].append((np.array(ratios), result))
    out = []
    for g, (codes, n_domains) in enumerate(groupings):
        lower = np.full((n_domains, k), np.nan)
        upper = np.full((n_domains, k), np.nan)
        if quantiles:
            probabilities = np.array([targets[j].probability for j in quantiles], dtype=np.float64)
            df = None if df_rule == "domain" else np.full((n_domains, len(quantiles)), design.degrees_of_freedom)
            moments, low, high = domain_quantiles(design, values[:, quantiles], probabilities, codes, n_domains,
                                                  level, df)
            parts[g].append((np.array(quantiles), moments))
            lower[:, quantiles], upper[:, quantiles] = low, high
        out.append(TargetStatistics(_merge(parts[g], n_domains, k), lower, upper))
    return out
