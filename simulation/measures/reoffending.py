"""The Annex counting rules (PSA 23 indicators 5 and 6), applied to what the model recorded, per offender.

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

Breaches are kept in a separate log and never reach the count. A re-offence is serious when its type is a
Table 1 group; serious sexual when it is the Annex's separate sexual tier.

Each offender's results of one run (`offender_outcomes`, columns `OUTCOME_COLUMNS`) are what every measure is
computed from: the counted proven, serious and serious sexual re-offences, offences *detected* (any sanction,
committed in follow-up), offences *committed* (expected counts from the exact thinning, `committed.py`), days
in custody and under probation supervision, and community orders that replaced short custody. The measures of
a run, overall and by group, are in `replication_measures.py`; their summaries across replications in
`across_replications.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import COUNTED_SANCTIONS, N_SERIOUS_TYPES, SERIOUS_SEXUAL_TYPE
from simulation.measures.committed import (
    committed_mix,
    committed_serious_share,
    custody_days,
    expected_committed,
    relative_committed,
    supervision_days,
)
from simulation.model.logs import CareerLog, CustodyLog, OffenceLog
from simulation.model.offence_outcomes import COMMUNITY_ORDER_INSTEAD
from simulation.model.rates import age_paths, category_values

OUTCOME_COLUMNS: tuple[str, ...] = (
    "proven",
    "serious",
    "serious_sexual",
    "detected",
    "committed",
    "serious_committed",
    "custody_days",
    "probation_days",
    "community_orders",
)
"""Per-offender results of one run (`offender_outcomes`), from which every measure is computed."""


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
    """Per offender: proven re-offences, proven serious and serious sexual re-offences counted by the Annex
    rules, and detected offences committed in follow-up (any sanction, proven in time or not)."""

    proven: np.ndarray
    """Counted proven re-offences per offender."""
    serious: np.ndarray
    """Counted serious (Table 1) re-offences per offender."""
    serious_sexual: np.ndarray
    """Counted serious sexual re-offences per offender (the Annex's separate top tier)."""
    detected: np.ndarray
    """Detected offences committed at liberty in follow-up, whatever the sanction."""


def in_follow_up(offences: OffenceLog, start_day: np.ndarray, follow_up_days: float) -> np.ndarray:
    """Boolean per logged offence: committed on or after the start and before start + follow-up (rule 1)."""
    start = start_day[offences.offender]
    return np.asarray((offences.committed >= start) & (offences.committed < start + follow_up_days), dtype=bool)


def counted(
    offences: OffenceLog, custody: CustodyLog, start_day: np.ndarray, rules: CountingRules,
    at_liberty: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean per logged offence: does it count as a proven re-offence (rules 1-4 above)? `at_liberty`: rule 4
    already worked out (`~inside_custody` of the offences), so that a caller needing it too does it once."""
    follow_up_ends = start_day[offences.offender] + rules.follow_up_days
    committed_in_follow_up = in_follow_up(offences, start_day, rules.follow_up_days)
    proven_in_time = offences.proven <= follow_up_ends + rules.waiting_period_days
    sanction_counts = np.isin(offences.sanction, list(rules.counted_sanctions))
    if at_liberty is None:
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
    """Apply the Annex rules to a replication's log. Breaches are never read: they are not offences."""
    rules = CountingRules.for_cohort(cohort.kind, params)
    offences = career.offences
    start = cohort.frame["start_day"].to_numpy(float)
    at_liberty = ~inside_custody(offences.offender, offences.committed, career.custody)
    keep = counted(offences, career.custody, start, rules, at_liberty)
    who = offences.offender[keep]
    kind = offences.offence_type[keep]
    n = cohort.size
    detected = in_follow_up(offences, start, rules.follow_up_days) & at_liberty
    return ReoffendingCounts(
        proven=np.bincount(who, minlength=n).astype(np.int64),
        serious=np.bincount(who[kind < N_SERIOUS_TYPES], minlength=n).astype(np.int64),
        serious_sexual=np.bincount(who[kind == SERIOUS_SEXUAL_TYPE], minlength=n).astype(np.int64),
        detected=np.bincount(offences.offender[detected], minlength=n).astype(np.int64),
    )


def offender_outcomes(cohort: Cohort, career: CareerLog, params: ModelParams) -> pd.DataFrame:
    """One row per offender, columns `OUTCOME_COLUMNS`: everything the measures are computed from."""
    frame = cohort.frame
    start = frame["start_day"].to_numpy(float)
    counts = reoffending_counts(cohort, career, params)
    # The model divides detected offences by detection_probability; attrition by type rescales each offender's mix.
    mix, per_detected = committed_mix(frame, params)
    committed = expected_committed(career, start, age_paths(frame, params), params.follow_up_days) * (
        relative_committed(per_detected, params))
    supervision_end = start + category_values(frame["disposal"], params.supervision_days)
    offences = career.offences
    follow_up_ends = start[offences.offender] + params.follow_up_days
    ordered = (
        (offences.custody_code == COMMUNITY_ORDER_INSTEAD)
        & in_follow_up(offences, start, params.follow_up_days)
        & (offences.proven < follow_up_ends)
    )
    order_days = np.minimum(params.community_order_days, follow_up_ends[ordered] - offences.proven[ordered])
    probation = supervision_days(supervision_end, start, params.follow_up_days, career.custody)
    probation = probation + np.bincount(offences.offender[ordered], weights=order_days, minlength=cohort.size)
    return pd.DataFrame(
        {
            "proven": counts.proven,
            "serious": counts.serious,
            "serious_sexual": counts.serious_sexual,
            "detected": counts.detected,
            "committed": committed,
            "serious_committed": committed * committed_serious_share(mix),
            "custody_days": custody_days(career.custody, start, params.follow_up_days),
            "probation_days": probation,
            "community_orders": np.bincount(offences.offender[ordered], minlength=cohort.size).astype(float),
        }
    )

