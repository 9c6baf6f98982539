"""Which assumptions move the PSA answer and the money: a tornado read off the `--uncertainty` draws.

`safer simulate sweep` moves one assumption at a time on one cohort; the A.38 probability and the net benefit of a
projection need every year's cohorts, so their tornado comes from the projection's own draws instead. Each
replication of `simulate project --uncertainty` draws every assumption from its range (a Latin hypercube, so each
assumption's draws spread evenly over its range whatever the others do). For each assumption, the replications
are split at the median of its draws: the mean result in the lower half and in the upper half are the tornado's
low and high results, their difference the swing, and Spearman's rank correlation between draw and result says how
consistently it moves it. The other assumptions vary within each half, so a swing is an average effect over them
(with few replications, a noisy one: 100 draws or more are advised).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from simulation.inputs.uncertainty import Draws

TORNADO_COLUMNS = ("parameter", "measure", "scenario", "base_value", "low_value", "high_value", "base_result",
                   "low_result", "high_result", "swing", "rank_correlation", "replications", "source")


def draw_tornado(draws: Draws, results: Mapping[tuple[str, str], Mapping[int, float]]) -> pd.DataFrame:
    """The tornado of every drawn assumption against every result (keyed by (measure, scenario), each a mapping of
    replication to value), sorted by measure, scenario and swing."""
    records = []
    for entry in draws.ranges:
        for (measure, scenario), by_replication in results.items():
            replications = sorted(r for r, v in by_replication.items() if np.isfinite(v))
            if len(replications) < 4:
                continue
            drawn = np.array([draws.values(r)[entry.name] for r in replications])
            value = np.array([by_replication[r] for r in replications])
            order = np.argsort(drawn, kind="stable")
            half = len(order) // 2
            low, high = order[:half], order[-half:]
            spread = np.ptp(drawn) > 0 and np.ptp(value) > 0
            correlation = float(stats.spearmanr(drawn, value).statistic) if spread else 0.0
            records.append({
                "parameter": entry.name, "measure": measure, "scenario": scenario, "base_value": entry.value,
                "low_value": float(drawn[low].mean()), "high_value": float(drawn[high].mean()),
                "base_result": float(value.mean()), "low_result": float(value[low].mean()),
                "high_result": float(value[high].mean()),
                "swing": abs(float(value[high].mean() - value[low].mean())), "rank_correlation": correlation,
                "replications": len(replications), "source": entry.source,
            })
    table = pd.DataFrame(records, columns=list(TORNADO_COLUMNS))
    if table.empty:
        return table
    return table.sort_values(["measure", "scenario", "swing"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True)


def projection_results(probabilities: Mapping[str, Mapping[str, np.ndarray]], replications: list[int],
                       cost_items: pd.DataFrame, serious: pd.DataFrame) -> dict[tuple[str, str], dict[int, float]]:
    """The results a projection's tornado covers: P(A.38) of each criterion, the net benefit and cost of crime
    averted of each scenario, and 2011's serious re-offences per 100 (adult and youth together)."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    for scenario, per in probabilities.items():
        for criterion in ("adult", "youth", "serious", "all"):
            out[(f"P(A.38) {criterion}", scenario)] = dict(zip(replications, per[criterion].tolist(), strict=True))
    for item in ("net_benefit", "cost_of_crime_averted", "net_cost"):
        part = cost_items[cost_items["item"] == item]
        for name, rows in part.groupby("scenario", sort=False):
            out[(item, str(name))] = {int(r): float(v) for r, v in zip(rows["replication"], rows["value"],
                                                                      strict=True)}
    for name, rows in serious.groupby("scenario", sort=False):
        out[("serious_per_100 2011", str(name))] = {int(r): float(v) for r, v in zip(rows["replication"],
                                                                                     rows["value"], strict=True)}
    return out
