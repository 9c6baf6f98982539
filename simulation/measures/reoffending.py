"""The Annex counting rules (PSA 23 indicators 5 and 6), applied to what the model recorded, and the measures.

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
Table 1 group; serious sexual when it is the Annex's separate sexual tier. Serious re-offending is reported
both ways the Annex does (000:719-722): the number of serious re-offences, and the offenders with at least
one.

Beyond the Annex measures, each run also reports offences *detected* (any sanction, committed in
follow-up), offences *committed* (expected counts from the exact thinning, `committed.py`), days in
custody and under probation supervision, and community orders that replaced short custody; every measure
overall and by age band, sex, index disposal, index offence group and, for a programme, its eligible
offenders and its participants.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import AGE_BANDS, COUNTED_SANCTIONS, N_SERIOUS_TYPES, SERIOUS_SEXUAL_TYPE
from simulation.measures.committed import custody_days, expected_committed, supervision_days
from simulation.model.logs import CareerLog, CustodyLog, OffenceLog, ProgrammeLog
from simulation.model.offence_outcomes import COMMUNITY_ORDER_INSTEAD
from simulation.model.rates import age_paths, category_values, serious_probability

GROUPINGS: tuple[str, ...] = ("all", "age_band", "sex", "disposal", "offence_group")
ANNEX_MEASURES: tuple[str, ...] = (
    "offenders",
    "proven_reoffences",
    "frequency_per_100",
    "binary_rate_percent",
    "serious_reoffences",
    "serious_per_100",
    "serious_offenders",
    "serious_offenders_percent",
    "serious_sexual_reoffences",
    "serious_sexual_per_100",
)
"""The Annex measures: the frequency (the headline), the binary rate kept for comparison, and serious
re-offending both ways (re-offences and offenders with one or more), with the serious sexual tier apart."""
OFFENDING_MEASURES: tuple[str, ...] = (
    "detected_offences",
    "detected_per_100",
    "offences_committed",
    "committed_per_100",
    "serious_committed",
    "serious_committed_per_100",
    "custody_days",
    "probation_days",
    "community_orders",
)
"""What else each run reports: offences detected (any sanction) and committed (expected, detected or not),
days in custody and under supervision in the community, community orders that replaced short custody."""
MEASURES: tuple[str, ...] = (*ANNEX_MEASURES, *OFFENDING_MEASURES)
SPARSE_MEASURES: frozenset[str] = frozenset(
    {
        "serious_reoffences",
        "serious_per_100",
        "serious_offenders",
        "serious_offenders_percent",
        "serious_sexual_reoffences",
        "serious_sexual_per_100",
    }
)
"""Counts of rare events: their differences get an interval that holds with few events (see `summarise`)."""
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
COST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cost_of_crime", "crime_cost"),
    ("custody_cost", "custody_cost"),
    ("probation_cost", "probation_cost"),
)
"""Money measures and the per-offender columns they sum, when unit costs were given (`costs.add_cost_columns`)."""
MEASURE_SOURCES: tuple[tuple[str | None, str | None, str, bool], ...] = (
    ("proven_reoffences", "frequency_per_100", "proven", False),
    (None, "binary_rate_percent", "proven", True),
    ("serious_reoffences", "serious_per_100", "serious", False),
    ("serious_offenders", "serious_offenders_percent", "serious", True),
    ("serious_sexual_reoffences", "serious_sexual_per_100", "serious_sexual", False),
    ("detected_offences", "detected_per_100", "detected", False),
    ("offences_committed", "committed_per_100", "committed", False),
    ("serious_committed", "serious_committed_per_100", "serious_committed", False),
    ("custody_days", None, "custody_days", False),
    ("probation_days", None, "probation_days", False),
    ("community_orders", None, "community_orders", False),
)
"""(total measure, per-100 measure, outcome column, counted as 'any'): how each measure is computed."""
SUMMARY_COLUMNS: list[str] = [
    "scenario",
    "measure",
    "group",
    "group_value",
    "mean",
    "ci_lower",
    "ci_upper",
    "replications",
    "interval",
    "sd_monte_carlo",
    "sd_assumptions",
    "total_lower",
    "total_upper",
]
SPARSE_EVENTS = 100
"""A difference of rare-event counts is sparse when the baseline has fewer events than this over all
replications, or fewer than `SPARSE_REPLICATIONS` replications differ at all."""
SPARSE_REPLICATIONS = 5


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
    offences: OffenceLog, custody: CustodyLog, start_day: np.ndarray, rules: CountingRules
) -> np.ndarray:
    """Boolean per logged offence: does it count as a proven re-offence (rules 1-4 above)?"""
    follow_up_ends = start_day[offences.offender] + rules.follow_up_days
    committed_in_follow_up = in_follow_up(offences, start_day, rules.follow_up_days)
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
    """Apply the Annex rules to a replication's log. Breaches are never read: they are not offences."""
    rules = CountingRules.for_cohort(cohort.kind, params)
    offences = career.offences
    start = cohort.frame["start_day"].to_numpy(float)
    keep = counted(offences, career.custody, start, rules)
    who = offences.offender[keep]
    kind = offences.offence_type[keep]
    n = cohort.size
    detected = in_follow_up(offences, start, rules.follow_up_days) & ~inside_custody(
        offences.offender, offences.committed, career.custody
    )
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
    committed = expected_committed(career, start, age_paths(frame, params), params.follow_up_days)
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
            "serious_committed": committed * serious_probability(frame, params),
            "custody_days": custody_days(career.custody, start, params.follow_up_days),
            "probation_days": probation,
            "community_orders": np.bincount(offences.offender[ordered], minlength=cohort.size).astype(float),
        }
    )


def age_band(kind: str, age: np.ndarray) -> np.ndarray:
    """Age band label at the start of follow-up."""
    labels = np.empty(age.shape, dtype=object)
    for label, low, high in AGE_BANDS[kind]:
        labels[(age >= low) & (age < high)] = label
    return labels.astype(str)


def group_masks(cohort: Cohort) -> dict[tuple[str, str], np.ndarray]:
    """Boolean mask of every group of every grouping present in the cohort, keyed (group, group_value)."""
    frame = cohort.frame
    labels = {
        "age_band": age_band(cohort.kind, frame["age"].to_numpy(float)),
        "sex": frame["sex"].to_numpy(str),
        "disposal": frame["disposal"].to_numpy(str),
        "offence_group": frame["offence_group"].to_numpy(str),
    }
    masks = {("all", "all"): np.ones(cohort.size, dtype=bool)}
    for grouping, values in labels.items():
        for value in np.unique(values):
            masks[(grouping, str(value))] = values == value
    return masks


def programme_masks(programmes: list[ProgrammeLog], size: int) -> dict[tuple[str, str], np.ndarray]:
    """For each programme, its eligible offenders and its participants (offenders who started it)."""
    masks = {}
    for programme in programmes:
        started = np.zeros(size, dtype=bool)
        started[programme.started] = True
        if programme.eligible_mask.size == size:
            masks[(f"programme:{programme.name}", "eligible")] = programme.eligible_mask
        masks[(f"programme:{programme.name}", "participants")] = started
    return masks


def _sources(columns: Collection[Any]) -> list[tuple[str | None, str | None, str, bool]]:
    """The measures computable from outcome columns `columns` (money only when unit costs were applied)."""
    return [*MEASURE_SOURCES, *((name, None, column, False) for name, column in COST_COLUMNS if column in columns)]


def _matrix(outcomes: pd.DataFrame, sources: list[tuple[str | None, str | None, str, bool]]) -> np.ndarray:
    """Offenders x sources: each source's per-offender quantity (an indicator where the measure counts offenders)."""
    return np.column_stack([
        (outcomes[column].to_numpy(float) > 0).astype(float) if indicator else outcomes[column].to_numpy(float)
        for _, _, column, indicator in sources
    ])


def _group_moments(masks: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows of `masks`) and source (columns of `x`): n, mean, and variance of the mean."""
    weights = masks.astype(float)
    n = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (weights @ x) / n[:, None]
        squares = (weights @ (x * x)) / n[:, None]
        variance = np.maximum(squares - mean * mean, 0.0) * (n / np.maximum(n - 1, 1))[:, None] / n[:, None]
    variance = np.where((n > 1)[:, None], variance, 0.0)
    return n, mean, variance


def _scaled(
    sources: list[tuple[str | None, str | None, str, bool]], n: np.ndarray, mean: np.ndarray, variance: np.ndarray
) -> list[dict[str, tuple[float, float]]]:
    """For each group: every measure as (value, Monte Carlo variance): totals n x mean, rates 100 x mean."""
    out = []
    for g in range(n.size):
        values: dict[str, tuple[float, float]] = {"offenders": (float(n[g]), 0.0)}
        for j, (total, rate, _, _) in enumerate(sources):
            m, v = float(mean[g, j]), float(variance[g, j])
            if rate is not None:
                values[rate] = (100.0 * m, 1e4 * v)
            if total is not None:
                values[total] = (float(n[g]) * m, float(n[g]) ** 2 * v)
        out.append(values)
    return out


def measure_values(outcomes: pd.DataFrame, mask: np.ndarray) -> dict[str, tuple[float, float]]:
    """Every measure of `MEASURES` for the offenders in `mask`: (value, Monte Carlo variance of the value).

    The variance treats offenders as independent given the replication: the sample variance of the
    per-offender quantity over n, scaled like the measure.
    """
    return measures_by_group(outcomes, {("", ""): mask})[("", "")]


def measures_by_group(
    outcomes: pd.DataFrame, masks: dict[tuple[str, str], np.ndarray]
) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """`measure_values` for every group at once (one matrix product)."""
    sources = _sources(outcomes.columns)
    n, mean, variance = _group_moments(np.vstack(list(masks.values())), _matrix(outcomes, sources))
    return dict(zip(masks, _scaled(sources, n, mean, variance), strict=True))


def paired_differences(
    base: pd.DataFrame, scenario: pd.DataFrame, mask: np.ndarray
) -> dict[str, tuple[float, float, float]]:
    """Scenario minus baseline for every measure on the same offenders (common random numbers), with the
    Monte Carlo variance of the paired difference and the baseline value: (difference, variance, baseline)."""
    return differences_by_group(base, scenario, {("", ""): mask})[("", "")]


def differences_by_group(
    base: pd.DataFrame, scenario: pd.DataFrame, masks: dict[tuple[str, str], np.ndarray]
) -> dict[tuple[str, str], dict[str, tuple[float, float, float]]]:
    """`paired_differences` for every group at once."""
    sources = _sources([c for c in base.columns if c in scenario.columns])
    stacked = np.vstack(list(masks.values()))
    before = _matrix(base, sources)
    n, mean, variance = _group_moments(stacked, _matrix(scenario, sources) - before)
    _, base_mean, base_variance = _group_moments(stacked, before)
    differences = _scaled(sources, n, mean, variance)
    levels = _scaled(sources, n, base_mean, base_variance)
    return {
        key: {name: (d, v, level[name][0]) for name, (d, v) in difference.items() if name != "offenders"}
        for key, difference, level in zip(masks, differences, levels, strict=True)
    }


def annex_measures(
    cohort: Cohort, outcomes: pd.DataFrame, extra_masks: dict[tuple[str, str], np.ndarray] | None = None
) -> pd.DataFrame:
    """Columns measure, group, group_value, value, mc_variance: every measure for every group present."""
    masks = {**group_masks(cohort), **(extra_masks or {})}
    rows = [
        (measure, group, value, v, var)
        for (group, value), values in measures_by_group(outcomes, masks).items()
        for measure, (v, var) in values.items()
    ]
    return pd.DataFrame(rows, columns=["measure", "group", "group_value", "value", "mc_variance"])


def difference_measures(
    cohort: Cohort,
    base: pd.DataFrame,
    scenario: pd.DataFrame,
    extra_masks: dict[tuple[str, str], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Rows of paired differences and percentage changes: columns kind ('minus baseline' or 'percent change'),
    measure, group, group_value, value, mc_variance."""
    masks = {**group_masks(cohort), **(extra_masks or {})}
    rows = []
    for (group, value), differences in differences_by_group(base, scenario, masks).items():
        for measure, (d, var, b) in differences.items():
            rows.append(("minus baseline", measure, group, value, d, var))
            if b and np.isfinite(b):
                rows.append(("percent change", measure, group, value, 100.0 * d / b, 1e4 * var / (b * b)))
    return pd.DataFrame(rows, columns=["kind", "measure", "group", "group_value", "value", "mc_variance"])


def programme_measures(programmes: list[ProgrammeLog]) -> pd.DataFrame:
    """Columns measure, group ('programme'), group_value (its name), value: activity, use of places, cost.

    Use of places is from 1 January to the end of the waiting period: place-days, utilisation (% of the
    simulated places; nan when unlimited), and the time-weighted mean and the peak length of the waiting list,
    counting referrals from outside the cohort too. Costs and savings are those of the cohort's own starts.
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
            "programme_places": p.capacity,
            "programme_outside_referrals": float(p.outside_referred),
            "programme_outside_starts": float(p.outside_started),
            "programme_peak_places_in_use": float(p.usage.peak_in_use),
            "programme_place_days": p.usage.place_days,
            "programme_utilisation_percent": 100.0 * p.usage.utilisation,
            "programme_mean_waiting": p.usage.mean_queue_length,
            "programme_peak_waiting": float(p.usage.peak_queue),
            "programme_cost": starts * p.cost_per_place,
            "programme_saving": starts * p.saving_per_place,
        }
        rows.extend((name, "programme", p.name, value) for name, value in values.items())
    table = pd.DataFrame(rows, columns=["measure", "group", "group_value", "value"])
    table["value"] = table["value"].astype(float)
    return table


DIFFERENCE_KINDS = ("minus baseline", "percent change")
COUNT_OF: dict[str, str] = {
    "serious_reoffences": "serious_reoffences",
    "serious_per_100": "serious_reoffences",
    "serious_offenders": "serious_offenders",
    "serious_offenders_percent": "serious_offenders",
    "serious_sexual_reoffences": "serious_sexual_reoffences",
    "serious_sexual_per_100": "serious_sexual_reoffences",
}
"""The event count behind each sparse measure."""


def summarise(per_replication: pd.DataFrame, assumption_uncertainty: bool = False, level: float = 0.95) -> pd.DataFrame:
    """Mean and interval across replications for each (point, scenario, measure, group, group_value).

    Columns before `replication` (a projection year, a sweep point) label a point and lead the output.
    `ci_lower`/`ci_upper` is the t-interval of the mean across replications: the Monte Carlo error of the
    estimate. `sd_monte_carlo` is the Monte Carlo sd of one replication's value (from the offender-level
    variance, column `mc_variance`, when given). When the replications drew their assumptions from their
    ranges (`assumption_uncertainty`), `sd_assumptions` is the sd the assumptions add (the between-replication
    variance less the Monte Carlo part) and `total_lower`/`total_upper` the interval with both.

    A difference of rare-event counts (`SPARSE_MEASURES`) with few events (fewer than `SPARSE_EVENTS` in the
    baseline, or fewer than `SPARSE_REPLICATIONS` replications that differ) gets an interval that holds with
    few events: conditional on the total number of events in the two runs, the scenario's share is binomial,
    and its Clopper-Pearson interval gives the difference and the ratio. It ignores the pairing, so it is
    conservative. `interval` says which was used.
    """
    from scipy import stats

    frame = per_replication
    if "mc_variance" not in frame.columns:
        frame = frame.assign(mc_variance=np.nan)
    labels = list(frame.columns[: frame.columns.get_loc("replication")])
    keys = [*labels, "scenario", "measure", "group", "group_value"]
    grouped = frame.groupby(keys, sort=False)
    table = grouped["value"].agg(mean="mean", sd="std", replications="count").reset_index()
    table["mc_variance"] = grouped["mc_variance"].mean().to_numpy()
    r = table["replications"].to_numpy(float)
    quantile = stats.t.ppf(0.5 + level / 2, np.maximum(r - 1, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = table["sd"].to_numpy(float) / np.sqrt(r)
    half = np.where(r > 1, quantile * se, np.nan)
    table["ci_lower"] = table["mean"] - half
    table["ci_upper"] = table["mean"] + half
    table["replications"] = table["replications"].astype(int)
    table["interval"] = "t"
    table["sd_monte_carlo"] = np.sqrt(table["mc_variance"].to_numpy(float))
    if assumption_uncertainty:
        between = np.square(table["sd"].to_numpy(float))
        extra = np.maximum(between - table["mc_variance"].fillna(0.0).to_numpy(float), 0.0)
        table["sd_assumptions"] = np.sqrt(extra)
        z = stats.norm.ppf(0.5 + level / 2)
        spread = z * np.sqrt(extra + np.square(np.nan_to_num(se)))
        table["total_lower"] = table["mean"] - spread
        table["total_upper"] = table["mean"] + spread
    else:
        table["sd_assumptions"] = np.nan
        table["total_lower"] = np.nan
        table["total_upper"] = np.nan
    _sparse_intervals(frame, table, labels, level)
    return table[[*labels, *SUMMARY_COLUMNS]]


def _sparse_intervals(frame: pd.DataFrame, table: pd.DataFrame, labels: list[str], level: float) -> None:
    """Replace the t-interval of sparse count differences by the conditional exact interval (in place)."""
    from scipy import stats

    alpha = 1 - level
    levels = frame[~frame["scenario"].str.endswith(DIFFERENCE_KINDS)]
    counts = levels[levels["measure"].isin(set(COUNT_OF.values()))]
    totals = counts.groupby([*labels, "scenario", "measure", "group", "group_value"], sort=False)["value"]
    event_total = totals.sum()
    offenders = levels[levels["measure"] == "offenders"].groupby([*labels, "scenario", "group", "group_value"])["value"]
    group_size = offenders.mean()
    differing = frame[frame["scenario"].str.endswith(" minus baseline") & (frame["value"] != 0)]
    n_differing = differing.groupby([*labels, "scenario", "measure", "group", "group_value"]).size()
    for row in table.itertuples():
        name = str(row.scenario)
        measure = str(row.measure)
        if measure not in COUNT_OF or not name.endswith(DIFFERENCE_KINDS):
            continue
        kind = "minus baseline" if name.endswith(" minus baseline") else "percent change"
        scenario = name[: -len(kind) - 1]
        point = tuple(getattr(row, label) for label in labels)
        count = COUNT_OF[measure]
        base_events = float(event_total.get((*point, "baseline", count, row.group, row.group_value), np.nan))
        scen_events = float(event_total.get((*point, scenario, count, row.group, row.group_value), np.nan))
        if not (np.isfinite(base_events) and np.isfinite(scen_events)):
            continue
        differing_reps = int(n_differing.get((*point, f"{scenario} minus baseline", row.measure, row.group,
                                              row.group_value), 0))
        if base_events >= SPARSE_EVENTS and differing_reps >= SPARSE_REPLICATIONS:
            continue
        events = base_events + scen_events
        replications = float(str(row.replications))
        if events > 0:
            low = stats.beta.ppf(alpha / 2, scen_events, base_events + 1) if scen_events > 0 else 0.0
            high = stats.beta.ppf(1 - alpha / 2, scen_events + 1, base_events) if base_events > 0 else 1.0
        else:
            low, high = 0.0, 1.0
        if kind == "minus baseline":
            size = float(group_size.get((*point, "baseline", row.group, row.group_value), np.nan))
            per = {"serious_per_100": 100.0 / size, "serious_offenders_percent": 100.0 / size,
                   "serious_sexual_per_100": 100.0 / size}.get(measure, 1.0)
            bounds = (events * (2 * low - 1) / replications * per, events * (2 * high - 1) / replications * per)
        else:
            ratio = [p / (1 - p) if p < 1 else np.inf for p in (low, high)]
            bounds = (100.0 * (ratio[0] - 1), 100.0 * (ratio[1] - 1))
        table.loc[row.Index, "ci_lower"] = float(bounds[0])
        table.loc[row.Index, "ci_upper"] = float(bounds[1])
        table.loc[row.Index, "interval"] = f"exact conditional binomial ({int(events)} events; sparse)"


def sparse_warnings(summary: pd.DataFrame) -> list[str]:
    """One sentence per scenario with sparse-count differences, for the console and the metadata."""
    sparse = summary[summary["interval"].astype(str).str.contains("sparse")]
    sparse = sparse[(sparse["group"] == "all")]
    notes = []
    for scenario, rows in sparse.groupby("scenario", sort=False):
        measures = ", ".join(sorted(set(rows["measure"])))
        notes.append(
            f"{scenario}: {measures} rest on few events; their intervals are exact but conservative (they ignore "
            "the pairing of common random numbers). Run more replications or a larger cohort to narrow them."
        )
    return notes
