"""What `safer simulate project` writes and says beside its numbers: the tables, the caveats and the notes.

The projection, the A.38 success table, the costs, P(A.38) against the trend after the last published year, and
with `--uncertainty` the tornado read off the draws (`sensitivity.py`); the caveats every output carries (figures
that are assumed or not found, cohorts that are not estimable, too few replications for a probability, each
scenario's own caveats); and the tables printed on the console (`projection_text.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR
from simulation.inputs.interventions import Scenario
from simulation.inputs.uncertainty import Draws
from simulation.questions.project import ProjectionResult, projection_cost_items
from simulation.questions.projection_spec import ProjectionSpec, national_sizes
from simulation.questions.projection_text import (
    TextTable,
    money_table,
    precision_advice,
    published_fit_table,
    success_table,
    trend_sensitivity_table,
)
from simulation.questions.sensitivity import draw_tornado, projection_results
from simulation.questions.success import combined_serious, not_estimable_kinds


def scenario_caveats(scenarios: Sequence[Scenario]) -> dict[str, list[str]]:
    """Each scenario's own caveats (e.g. the short-custody scenario's within-window incapacitation)."""
    return {scenario.name: list(scenario.caveats) for scenario in scenarios if scenario.caveats}


def scenario_notes(scenarios: Sequence[Scenario]) -> list[str]:
    """The scenarios' caveats as printable notes."""
    return [f"{name}: {text}" for name, texts in scenario_caveats(scenarios).items() for text in texts]


def project_caveats(spec: ProjectionSpec, result: ProjectionResult, precision: float | None) -> list[str]:
    """What every output of the projection must say about the figures and probabilities behind it."""
    out = []
    missing = not_estimable_kinds(result.status)
    if missing:
        out.append(f"{' and '.join(sorted(missing)).capitalize()} rows are uncalibrated: no {' or '.join(missing)} "
                   "figure is available, so their A.38 probabilities (and serious and all three) are not estimable; "
                   "give figures with --figures.")
    for kind in ("adult", "youth"):
        if kind in missing:
            continue
        assumed = {m: f for m, f in getattr(spec.figures, kind).get(BASELINE_YEAR, {}).items()
                   if f.status == "assumed" and f.value is not None and f.range is not None}
        if assumed:
            listed = ", ".join(f"{m} {f.value:g} (range {f.range[0]:g}-{f.range[1]:g})"
                               for m, f in sorted(assumed.items()))
            first = assumed.get("frequency_per_100", next(iter(assumed.values())))
            out.append(f"The {kind} A.38 baseline ({BASELINE_YEAR}) is assumed, not published: {listed}. "
                       f"{first.source}.")
    for kind, trend in spec.fitted_trends().items():
        last = max(getattr(spec.effects, kind), default=None)
        if last is not None and last < TARGET_YEAR and not (spec.trends and kind in spec.trends):
            out.append(f"{kind.capitalize()} cohorts after {last} follow the trend {trend.source}.")
    not_found = spec.figures.not_found()
    if not_found:
        out.append("Not found, so not calibrated to: " + "; ".join(not_found))
    advice = precision_advice(result.success, result.probabilities, precision)
    if advice is not None:
        out.append(advice)
    return out


def project_tables(result: ProjectionResult, spec: ProjectionSpec, draws: Draws | None) -> dict[str, pd.DataFrame]:
    """Every table the projection writes, by content name."""
    tables = {"projection": result.projection, "success": result.success, "costs": result.costs}
    if spec.trend_sensitivity:
        tables["trend"] = result.trend
    if draws is not None:
        rows = result.per_replication
        serious = combined_serious(rows[rows["year"] == TARGET_YEAR], national_sizes(spec))
        replications = sorted(int(r) for r in rows["replication"].unique())
        results = projection_results(result.probabilities, replications, projection_cost_items(rows, spec),
                                     serious)
        tables["tornado"] = draw_tornado(draws, results)
    return tables


def console_tables(result: ProjectionResult, check: pd.DataFrame, uncertainty: bool) -> list[TextTable]:
    """The tables `simulate project` prints."""
    tables = [published_fit_table(check), success_table(result.success)]
    if len(result.trend):
        tables.append(trend_sensitivity_table(result.trend))
    if len(result.costs):
        tables.append(money_table(result.costs, uncertainty))
    return tables
