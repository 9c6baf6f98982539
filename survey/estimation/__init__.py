"""Estimates (SE and CI): indicator variables and targets -> domain means with the design's variance -> table.

Modules, in the order the data flows: `indicators` (questionnaire rules -> 0/1/NaN per row), `targets`
(what to estimate), `variance` (the one chooser: replicate or Taylor variance, as the design says), with the
Taylor paths `taylor` (any design) and `moments` (unclustered designs), `calibration_variance` (R's residual
method), `strata` (R's `onestrat` combination), `replication` (R `svrVar`), `sums` (grouped-sum
primitives), `intervals` (CIs as R) and `estimates` (the long output table).

`from survey.estimation import estimate, proportion_target, mean_target` works, lazily.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey.estimation.estimates import OUTPUT_COLUMNS, OVERALL, estimate
    from survey.estimation.strata import DomainMeans
    from survey.estimation.targets import Target, mean_target, proportion_target
    from survey.estimation.variance import domain_means, domain_means_many

_EXPORTS = {
    "OUTPUT_COLUMNS": "survey.estimation.estimates",
    "OVERALL": "survey.estimation.estimates",
    "estimate": "survey.estimation.estimates",
    "DomainMeans": "survey.estimation.strata",
    "Target": "survey.estimation.targets",
    "mean_target": "survey.estimation.targets",
    "proportion_target": "survey.estimation.targets",
    "domain_means": "survey.estimation.variance",
    "domain_means_many": "survey.estimation.variance",
}
__all__ = [
    "DomainMeans",
    "OUTPUT_COLUMNS",
    "OVERALL",
    "Target",
    "domain_means",
    "domain_means_many",
    "estimate",
    "mean_target",
    "proportion_target",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'survey.estimation' has no attribute {name!r}")
