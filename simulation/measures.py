"""The Annex counting rules (PSA 23 indicators 5 and 6), applied to what the model recorded.

A re-offence counts (Annex A.37, footnote 23) when all of these hold:

1. it was committed within the follow-up: on or after the start day and before start + follow-up
   (one year from discharge, commencement or, for youths, the Annex start day);
2. it was proven by the end of the waiting period: proven day <= start + follow-up + waiting period
   (6 months by default, 6 to 9 allowed);
3. its sanction counts for the cohort: adults only court convictions (cautions and fixed penalty
   notices excluded); youths court convictions plus reprimands and final warnings (penalty notices
   excluded);
4. it was committed at liberty, not inside a custody spell (the model has no offending in custody, so
   such a record can only be an error in the input and is never counted).

Breaches are kept in a separate log and never reach the count. A re-offence is serious when its type is
the Table 1 group. Outputs: frequency per 100 offenders, binary rate (%), serious re-offences per 100,
and offenders with at least one serious re-offence; overall and by age band, sex, index disposal and
index offence group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulation.cohort import Cohort
from simulation.model import CareerLog, CustodyLog, OffenceLog, ProgrammeLog
from simulation.params import ModelParams
from simulation.vocabulary import COUNTED_SANCTIONS, SERIOUS_TYPE

GROUPINGS: tuple[str, ...] = ("all", "age_band", "sex", "disposal", "offence_group")
AGE_BANDS: dict[str, list[tuple[str, float, float]]] = {
    "adult": [
        ("18-20", 18, 21),
        ("21-24", 21, 25),
        ("25-29", 25, 30),
        ("30-39", 30, 40),
        ("40-49", 40, 50),
        ("50+", 50, np.inf),
    ],
    "youth": [("10-12", 10, 13), ("13-14", 13, 15), ("15-17", 15, np.inf)],
}
ANNEX_MEASURES: tuple[str, ...] = (
    "offenders",
    "proven_reoffences",
    "frequency_per_100",
    "binary_rate_percent",
    "serious_reoffences",
    "serious_per_100",
    "serious_offenders",
)
SUMMARY_COLUMNS: list[str] = [
    "scenario",
    "measure",
    "group",
    "group_value",
    "mean",
    "ci_lower",
    "ci_upper",
    "replications",
]


@dataclass(frozen=True)
class CountingRules:
    """The Annex window and what counts, for one cohort kind."""

    follow_up_days: float
    """Length of the follow-up, days."""
    waiting_period_days: float
    """Further days allowed for an offence to be proven, days."""
    counted_sanctions: frozenset[int]
    """Sanction codes that count for this cohort kind."""

    @classmethod
    def for_cohort(cls, kind: str, params: ModelParams) -> CountingRules:
        """Rules for an adult or youth cohort under `params`."""
        return cls(params.follow_up_days, params.waiting_period_days, COUNTED_SANCTIONS[kind])


@dataclass(frozen=True)
class ReoffendingCounts:
    """Per offender: proven re-offences and proven serious re-offences counted by the Annex rules."""

    proven: np.ndarray
    """Counted proven re-offences per offender."""
    serious: np.ndarray
    """Counted serious (Table 1) re-offences per offender."""


def counted(
    offences: OffenceLog, custody: CustodyLog, start_day: np.ndarray, rules: CountingRules
) -> np.ndarray:
    """Boolean per logged offence: does it count as a proven re-offence (rules 1-4 above)?"""
    start = start_day[offences.offender]
    follow_up_ends = start + rules.follow_up_days
    committed_in_follow_up = (offences.committed >= start) & (offences.committed < follow_up_ends)
    proven_in_time = offences.proven <= follow_up_ends + rules.waiting_period_days
    sanction_counts = np.isin(offences.sanction, list(rules.counted_sanctions))
    at_liberty = ~inside_custody(offences.offender, offences.committed, custody)
    return np.asarray(committed_in_follow_up & proven_in_time & sanction_counts & at_liberty, dtype=bool)


def inside_custody(offender: np.ndarray, day: np.ndarray, custody: CustodyLog) -> np.ndarray:
    """Boolean per (offender, day): does the day fall inside one of that offender's custody spells?"""
    n_days, n_spells = offender.size, custody.offender.size
    if n_spells == 0 or n_days == 0:
        return np.zeros(n_days, dtype=bool)
    # Merge spells and days into one timeline sorted by offender, then day, spells first on ties (a day equal
    # to the entry day is inside). The latest spell entered on or before a day is the only one that can hold
    # it, because one offender's spells never overlap.
    who = np.concatenate([custody.offender, offender])
    when = np.concatenate([custody.entered, day])
    is_spell = np.concatenate([np.ones(n_spells, dtype=bool), np.zeros(n_days, dtype=bool)])
    order = np.lexsort((~is_spell, when, who))
    positions = np.arange(order.size)
    latest_spell_position = np.maximum.accumulate(np.where(is_spell[order], positions, -1))
    spell_at = order[np.maximum(latest_spell_position, 0)]  # index into the spell arrays where valid
    valid = (latest_spell_position >= 0) & (who[spell_at] == who[order])
    released = custody.released[np.where(valid, spell_at, 0)]
    inside_sorted = valid & (when[order] < released) & ~is_spell[order]
    result = np.zeros(n_days, dtype=bool)
    day_positions = ~is_spell[order]
    result[order[day_positions] - n_spells] = inside_sorted[day_positions]
    return result


def reoffending_counts(cohort: Cohort, career: CareerLog, params: ModelParams) -> ReoffendingCounts:
    """Apply the Annex rules to a replication's log."""
    rules = CountingRules.for_cohort(cohort.kind, params)
    offences = career.offences
    keep = counted(offences, career.custody, cohort.frame["start_day"].to_numpy(float), rules)
    who = offences.offender[keep]
    serious = offences.offence_type[keep] == SERIOUS_TYPE
    n = cohort.size
    return ReoffendingCounts(
        proven=np.bincount(who, minlength=n).astype(np.int64),
        serious=np.bincount(who[serious], minlength=n).astype(np.int64),
    )


def age_band(kind: str, age: np.ndarray) -> np.ndarray:
    """Age band label at the start of follow-up."""
    labels = np.empty(age.shape, dtype=object)
    for label, low, high in AGE_BANDS[kind]:
        labels[(age >= low) & (age < high)] = label
    return labels.astype(str)


def group_labels(cohort: Cohort) -> dict[str, np.ndarray]:
    """Label of every offender under each grouping."""
    frame = cohort.frame
    return {
        "all": np.full(cohort.size, "all"),
        "age_band": age_band(cohort.kind, frame["age"].to_numpy(float)),
        "sex": frame["sex"].to_numpy(str),
        "disposal": frame["disposal"].to_numpy(str),
        "offence_group": frame["offence_group"].to_numpy(str),
    }


def annex_measures(cohort: Cohort, counts: ReoffendingCounts) -> pd.DataFrame:
    """Columns measure, group, group_value, value: every Annex measure for every group present."""
    rows: list[tuple[str, str, str, float]] = []
    has_reoffended = (counts.proven > 0).astype(float)
    has_serious = (counts.serious > 0).astype(float)
    for grouping, labels in group_labels(cohort).items():
        values, codes = np.unique(labels, return_inverse=True)
        offenders = np.bincount(codes)
        proven = np.bincount(codes, weights=counts.proven.astype(float))
        reoffenders = np.bincount(codes, weights=has_reoffended)
        serious = np.bincount(codes, weights=counts.serious.astype(float))
        serious_offenders = np.bincount(codes, weights=has_serious)
        for g, value in enumerate(values):
            n = float(offenders[g])
            measures = (
                n,
                proven[g],
                100.0 * proven[g] / n,
                100.0 * reoffenders[g] / n,
                serious[g],
                100.0 * serious[g] / n,
                serious_offenders[g],
            )
            rows.extend(
                (name, grouping, str(value), float(m))
                for name, m in zip(ANNEX_MEASURES, measures, strict=True)
            )
    return pd.DataFrame(rows, columns=["measure", "group", "group_value", "value"])


def programme_measures(programmes: list[ProgrammeLog]) -> pd.DataFrame:
    """Columns measure, group ('programme'), group_value (its name), value: activity, use of places, cost.

    Use of places is over the whole run (day 0 to the end of the waiting period): place-days, utilisation
    (% of capacity; nan when unlimited), and the time-weighted mean and the peak length of the waiting list.
    """
    rows: list[tuple[str, str, str, float]] = []
    for p in programmes:
        starts = float(p.started.size)
        values = {
            "programme_eligible": float(p.eligible),
            "programme_referred": float(p.referred),
            "programme_starts": starts,
            "programme_completions": float(p.completed.sum()),
            "programme_left_waiting_list": float(p.left_waiting_list),
            "programme_mean_wait_days": float(p.wait_days.mean()) if starts else float("nan"),
            "programme_peak_places_in_use": float(p.usage.peak_in_use),
            "programme_place_days": p.usage.place_days,
            "programme_utilisation_percent": 100.0 * p.usage.utilisation,
            "programme_mean_waiting": p.usage.mean_queue_length,
            "programme_peak_waiting": float(p.usage.peak_queue),
            "programme_cost": starts * p.cost_per_place,
        }
        rows.extend((name, "programme", p.name, value) for name, value in values.items())
    return pd.DataFrame(rows, columns=["measure", "group", "group_value", "value"])


def summarise(per_replication: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval across replications for each (scenario, measure, group, group_value).

    Adds, for every scenario other than the baseline, rows '<scenario> minus baseline' built from the
    paired per-replication differences (common random numbers make these intervals narrow). Columns before
    `replication` (a projection year, a sweep point) are labels of a point: each point is summarised, and
    paired with its own baseline, separately, and the labels lead the output columns.
    """
    labels = list(per_replication.columns[: per_replication.columns.get_loc("replication")])
    keys = [*labels, "scenario", "measure", "group", "group_value"]
    pairing = [*labels, "replication", "measure", "group", "group_value"]
    frames = [per_replication]
    baseline = per_replication[per_replication["scenario"] == "baseline"]
    for name in per_replication["scenario"].unique():
        if name == "baseline":
            continue
        mine = per_replication[per_replication["scenario"] == name]
        paired = mine.merge(baseline, on=pairing, suffixes=("", "_base"))
        paired = paired[paired["measure"].isin(ANNEX_MEASURES)]
        diff = paired[pairing].copy()
        diff["value"] = paired["value"] - paired["value_base"]
        diff["scenario"] = f"{name} minus baseline"
        frames.append(diff[per_replication.columns])
    data = pd.concat(frames, ignore_index=True)
    grouped = data.groupby(keys, sort=False)["value"]
    table = grouped.agg(mean="mean", sd="std", replications="count").reset_index()
    r = table["replications"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, np.maximum(r - 1, 1)) * table["sd"].to_numpy(float) / np.sqrt(r)
    half = np.where(r > 1, half, np.nan)
    table["ci_lower"] = table["mean"] - half
    table["ci_upper"] = table["mean"] + half
    table["replications"] = table["replications"].astype(int)
    return table[[*labels, *SUMMARY_COLUMNS]]
