"""The A.38 success test: the probability that each criterion, and all three, is met in 2011 against 2004 Q1.

A.38 (000:724-728): the adult re-offending rate, the youth re-offending rate and serious re-offences are each
lower in 2011 than in 2004 Q1. How the probability is estimated from simulated cohorts smaller than the real
ones is explained in `simulation.questions.project`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR
from simulation.questions.projection_spec import ProjectionSpec, national_sizes
from simulation.runs.tasks import change_measure

COMBINED = "adult and youth"
CRITERIA = ("adult", "youth", "serious", "all")


def combined_serious(rows: pd.DataFrame, sizes: dict[tuple[str, int], tuple[int, int]]) -> pd.DataFrame:
    """Rows of serious re-offences per 100 for the adult and youth cohorts together (national weights)."""
    serious = rows[(rows["measure"] == "serious_per_100") & (rows["group"] == "all")
                   & rows["cohort"].isin(["adult", "youth"]) & ~rows["scenario"].str.endswith(
                       (" minus baseline", " percent change"))]
    out = []
    for (year, replication, scenario), part in serious.groupby(["year", "replication", "scenario"], sort=False):
        if set(part["cohort"]) != {"adult", "youth"}:
            continue
        weights = {kind: sizes[(kind, int(str(year)))][1] for kind in ("adult", "youth")}
        total = sum(weights.values())
        records = part.to_dict("records")
        value = sum(weights[str(r["cohort"])] * float(r["value"]) for r in records) / total
        variance = sum((weights[str(r["cohort"])] / total) ** 2 * float(r["mc_variance"]) for r in records)
        out.append({"year": year, "cohort": COMBINED, "replication": replication, "scenario": scenario,
                    "measure": "serious_per_100", "group": "all", "group_value": "all", "value": value,
                    "mc_variance": variance})
    return pd.DataFrame(out)


def success_probabilities(rows: pd.DataFrame, spec: ProjectionSpec, level: float = 0.95) -> pd.DataFrame:
    """The A.38 success table (see the module docstring)."""
    sizes = national_sizes(spec)
    levels = rows[(rows["group"] == "all") & ~rows["scenario"].str.endswith((" minus baseline", " percent change"))]
    key: dict[tuple[str, int, str, int, str], dict[str, float]] = {
        (str(r["cohort"]), int(r["year"]), str(r["scenario"]), int(r["replication"]), str(r["measure"])):
        {"value": float(r["value"]), "mc_variance": float(r["mc_variance"])}
        for r in levels[["cohort", "year", "scenario", "replication", "measure", "value", "mc_variance"]].to_dict(
            "records")
    }
    names = ["baseline", *[s.name for s in spec.scenarios]]
    records = []
    for scenario in names:
        per_replication: dict[str, list[float]] = {c: [] for c in CRITERIA}
        for replication in sorted(levels["replication"].unique()):
            p: dict[str, float] = {}
            serious_d, serious_s2, serious_sigma2 = 0.0, 0.0, 0.0
            for kind in ("adult", "youth"):
                for measure, criterion in (("frequency_per_100", kind), ("serious_per_100", "serious")):
                    r = int(replication)
                    change = key[(kind, TARGET_YEAR, scenario, r, change_measure(measure, BASELINE_YEAR, TARGET_YEAR))]
                    before = key[(kind, BASELINE_YEAR, "baseline", r, measure)]
                    after = key[(kind, TARGET_YEAR, scenario, r, measure)]
                    fall = -float(change["value"])
                    s2 = float(change["mc_variance"])
                    sigma2 = sum(float(row["mc_variance"]) * sizes[(kind, year)][0] / sizes[(kind, year)][1]
                                 for row, year in ((before, BASELINE_YEAR), (after, TARGET_YEAR)))
                    if criterion == "serious":
                        weight = sizes[(kind, TARGET_YEAR)][1] / (
                            sizes[("adult", TARGET_YEAR)][1] + sizes[("youth", TARGET_YEAR)][1])
                        serious_d += weight * fall
                        serious_s2 += weight**2 * s2
                        serious_sigma2 += weight**2 * sigma2
                    else:
                        p[criterion] = _probability(fall, s2, sigma2)
            p["serious"] = _probability(serious_d, serious_s2, serious_sigma2)
            p["all"] = p["adult"] * p["youth"] * p["serious"]
            for criterion in CRITERIA:
                per_replication[criterion].append(p[criterion])
        for criterion in CRITERIA:
            x = np.asarray(per_replication[criterion])
            r = x.size
            mean = float(x.mean())
            half = stats.t.ppf(0.5 + level / 2, max(r - 1, 1)) * float(x.std(ddof=1)) / np.sqrt(r) if r > 1 else np.nan
            records.append({"scenario": scenario, "criterion": criterion, "probability": mean,
                            "ci_lower": max(0.0, mean - half), "ci_upper": min(1.0, mean + half), "replications": r})
    return pd.DataFrame(records)


def _probability(fall: float, s2: float, sigma2: float) -> float:
    """Phi(fall / sqrt(sigma^2 - s^2)): see the module docstring (the Monte Carlo part is at most 90% of it)."""
    effective = max(sigma2 - s2, 0.1 * sigma2, 1e-18)
    return float(stats.norm.cdf(fall / np.sqrt(effective)))
