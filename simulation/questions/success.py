"""The A.38 success test: the probability that each criterion, and all three, is met in 2011 against 2004 Q1.

A.38 (000:724-728): the adult re-offending rate, the youth re-offending rate and serious re-offences are each
lower in 2011 than in 2004 Q1. How the probability is estimated from simulated cohorts smaller than the real
ones is explained in `simulation.questions.project`.

A probability is *not estimable*, and is left blank with a note, when the data cannot support it: a criterion
that rests on a cohort kind with no figure at all (uncalibrated: its 2004 and 2011 cohorts would be the same
offenders under the same borrowed parameters, and the probability 50% by construction; serious re-offending
includes the youth cohort, and "all three" every criterion), or when the simulated change is exactly zero in
every replication. Every probability that rests on an assumed figure (the 2004 figures are not published) says so
in its note.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR
from simulation.questions.projection_spec import TREND_PREFIX, ProjectionSpec, national_sizes
from simulation.runs.tasks import change_measure

COMBINED = "adult and youth"
CRITERIA = ("adult", "youth", "serious", "all")
DEPENDS_ON = {"adult": ("adult",), "youth": ("youth",), "serious": ("adult", "youth"), "all": ("adult", "youth")}
"""The cohort kinds each criterion rests on."""
SUCCESS_COLUMNS = ("scenario", "criterion", "probability", "ci_lower", "ci_upper", "replications", "estimable",
                   "note")
PRECISION_TARGET = 0.05
"""Half-width of a probability's 95% interval that the replications should reach (`--precision`'s default)."""


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


def replication_probabilities(rows: pd.DataFrame, sizes: Mapping[tuple[str, int], tuple[int, int]],
                              names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """Per scenario and criterion, the probability of success in each replication, and (criterion 'change ...')
    the simulated fall of the criterion's measure (see the module docstring of `project`)."""
    levels = rows[(rows["group"] == "all") & ~rows["scenario"].str.endswith((" minus baseline", " percent change"))]
    key: dict[tuple[str, int, str, int, str], tuple[float, float]] = {
        (str(r["cohort"]), int(r["year"]), str(r["scenario"]), int(r["replication"]), str(r["measure"])):
        (float(r["value"]), float(r["mc_variance"]))
        for r in levels[["cohort", "year", "scenario", "replication", "measure", "value", "mc_variance"]].to_dict(
            "records")
    }
    out: dict[str, dict[str, np.ndarray]] = {}
    replications = sorted(int(r) for r in levels["replication"].unique())
    for scenario in names:
        per: dict[str, list[float]] = {c: [] for c in (*CRITERIA, "fall adult", "fall youth", "fall serious")}
        for r in replications:
            p: dict[str, float] = {}
            serious_d, serious_s2, serious_sigma2 = 0.0, 0.0, 0.0
            for kind in ("adult", "youth"):
                for measure, criterion in (("frequency_per_100", kind), ("serious_per_100", "serious")):
                    change = key[(kind, TARGET_YEAR, scenario, r, change_measure(measure, BASELINE_YEAR, TARGET_YEAR))]
                    before = key[(kind, BASELINE_YEAR, "baseline", r, measure)]
                    after = key[(kind, TARGET_YEAR, scenario, r, measure)]
                    fall, s2 = -change[0], change[1]
                    sigma2 = sum(row[1] * sizes[(kind, year)][0] / sizes[(kind, year)][1]
                                 for row, year in ((before, BASELINE_YEAR), (after, TARGET_YEAR)))
                    if criterion == "serious":
                        weight = sizes[(kind, TARGET_YEAR)][1] / (
                            sizes[("adult", TARGET_YEAR)][1] + sizes[("youth", TARGET_YEAR)][1])
                        serious_d += weight * fall
                        serious_s2 += weight**2 * s2
                        serious_sigma2 += weight**2 * sigma2
                    else:
                        p[criterion] = probability_of_fall(fall, s2, sigma2)
                        per[f"fall {kind}"].append(fall)
            p["serious"] = probability_of_fall(serious_d, serious_s2, serious_sigma2)
            per["fall serious"].append(serious_d)
            p["all"] = p["adult"] * p["youth"] * p["serious"]
            for criterion in CRITERIA:
                per[criterion].append(p[criterion])
        out[scenario] = {name: np.asarray(values, dtype=float) for name, values in per.items()}
    return out


def success_probabilities(rows: pd.DataFrame, spec: ProjectionSpec, status: Mapping[tuple[str, int], str] | None = None,
                          level: float = 0.95, names: list[str] | None = None) -> pd.DataFrame:
    """The A.38 success table: per scenario and criterion, the probability with its interval, whether it is
    estimable and a note (see the module docstring). `status` is the calibration status of each (kind, year)."""
    names = names if names is not None else ["baseline", *[s.name for s in spec.scenarios]]
    per = replication_probabilities(rows, national_sizes(spec), names)
    unestimable = not_estimable_kinds(status or {})
    notes = assumption_notes(spec)
    records = []
    for scenario in names:
        blocked: dict[str, str] = {}
        for criterion in ("adult", "youth", "serious"):
            missing = [kind for kind in DEPENDS_ON[criterion] if kind in unestimable]
            if missing:
                blocked[criterion] = (f"not estimable: no {' or '.join(missing)} figures, so the "
                                      f"{' and '.join(missing)} 2004 and 2011 cohorts are the same offenders under "
                                      "the same borrowed parameters (give figures with --figures)")
            elif np.all(per[scenario][f"fall {criterion}"] == 0):
                blocked[criterion] = "not estimable: 2011 equals 2004 by construction in every replication"
        if blocked:
            names = list(blocked)
            verb = "is" if len(names) == 1 else "are"
            blocked["all"] = f"not estimable: {' and '.join(names)} {verb} not estimable"
        for criterion in CRITERIA:
            x = per[scenario][criterion]
            r = x.size
            if criterion in blocked:
                records.append(_blank(scenario, criterion, r, blocked[criterion]))
                continue
            mean = float(x.mean())
            half = stats.t.ppf(0.5 + level / 2, max(r - 1, 1)) * float(x.std(ddof=1)) / np.sqrt(r) if r > 1 else np.nan
            note = "; ".join(notes[kind] for kind in DEPENDS_ON[criterion] if notes.get(kind))
            records.append({"scenario": scenario, "criterion": criterion, "probability": mean,
                            "ci_lower": max(0.0, mean - half), "ci_upper": min(1.0, mean + half),
                            "replications": r, "estimable": True, "note": note})
    return pd.DataFrame(records, columns=list(SUCCESS_COLUMNS))


def _blank(scenario: str, criterion: str, replications: int, note: str) -> dict[str, object]:
    return {"scenario": scenario, "criterion": criterion, "probability": np.nan, "ci_lower": np.nan,
            "ci_upper": np.nan, "replications": replications, "estimable": False, "note": note}


def not_estimable_kinds(status: Mapping[tuple[str, int], str]) -> set[str]:
    """Cohort kinds whose 2004 or 2011 cohort is uncalibrated (no figure of that kind at all)."""
    return {kind for (kind, year), text in status.items()
            if year in (BASELINE_YEAR, TARGET_YEAR) and text == "uncalibrated"}


def assumption_notes(spec: ProjectionSpec) -> dict[str, str]:
    """Per kind, what its A.38 comparison rests on that is not published: assumed 2004 figures, the trend."""
    out = {}
    trends = spec.trend_factors()
    fitted = spec.fitted_trends()
    for kind in ("adult", "youth"):
        parts = []
        assumed = [m for m, f in getattr(spec.figures, kind).get(BASELINE_YEAR, {}).items() if f.status == "assumed"]
        if assumed:
            parts.append(f"{kind} 2004 {', '.join(sorted(assumed))} assumed (not published)")
        fits = getattr(spec.effects, kind)
        last = max(fits, default=None)
        if last is not None and last < TARGET_YEAR:
            how = ("--trend" if spec.trends and kind in spec.trends else
                   f"fitted {fitted[kind].interval[0]:.3f}-{fitted[kind].interval[1]:.3f}" if kind in fitted
                   else "assumed flat")
            parts.append(f"{kind} {last + 1}-{TARGET_YEAR} follow the trend x{trends.get(kind, 1.0):.3f} a year "
                         f"from {last} ({how})")
        out[kind] = "; ".join(parts)
    return out


def trend_table(rows: pd.DataFrame, spec: ProjectionSpec, status: Mapping[tuple[str, int], str] | None = None
                ) -> pd.DataFrame:
    """How P(A.38) of the baseline moves with the trend after the last figure: one row per trend setting and
    criterion (the central setting is the baseline's), with each kind's yearly factor."""
    variants = spec.trend_variants()
    present = set(rows["scenario"].unique())
    names = ["baseline", *[n for n in variants if n in present]]
    if len(names) == 1:
        return pd.DataFrame(columns=["trend", "adult_factor", "youth_factor", *SUCCESS_COLUMNS[1:]])
    table = success_probabilities(rows, spec, status, names=names)
    settings = {"baseline": spec.trend_factors(), **variants}
    table.insert(0, "trend", [("central" if s == "baseline" else s.removeprefix(TREND_PREFIX))
                              for s in table["scenario"]])
    table.insert(1, "adult_factor", [settings[s].get("adult", 1.0) for s in table["scenario"]])
    table.insert(2, "youth_factor", [settings[s].get("youth", 1.0) for s in table["scenario"]])
    return table.drop(columns=["scenario"])


def replications_needed(success: pd.DataFrame, per: Mapping[str, Mapping[str, np.ndarray]],
                        target: float = PRECISION_TARGET, level: float = 0.95) -> int:
    """Replications the widest estimable probability needs for a 95% half-width of `target` (0 if none more)."""
    needed = 0
    for row in success[success["estimable"]].itertuples(index=False):
        x = per[str(row.scenario)][str(row.criterion)]
        if x.size < 2:
            continue
        sd = float(x.std(ddof=1))
        t = float(stats.t.ppf(0.5 + level / 2, max(x.size - 1, 1)))
        needed = max(needed, math.ceil((t * sd / target) ** 2))
    return needed


def probability_of_fall(fall: float, s2: float, sigma2: float) -> float:
    """Phi(fall / sqrt(sigma^2 - s^2)): see the module docstring (the Monte Carlo part is at most 90% of it)."""
    effective = max(sigma2 - s2, 0.1 * sigma2, 1e-18)
    return float(stats.norm.cdf(fall / np.sqrt(effective)))
