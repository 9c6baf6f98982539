"""Every measure of one replication, overall and by group: the Annex measures and what else a run reports.

The Annex measures (`ANNEX_MEASURES`) are the frequency of proven re-offending per 100 offenders (the
headline), the binary rate kept for comparison, and serious re-offending both ways the Annex reports it
(000:719-722): the number of serious re-offences, and the offenders with at least one, with the serious
sexual tier apart. Beyond them each run also reports (`OFFENDING_MEASURES`) offences detected and committed,
days in custody and under probation supervision, and community orders that replaced short custody; money
too when unit costs were given (`COST_COLUMNS`).

Every measure is worked out from the per-offender outcomes (`reoffending.offender_outcomes`) overall and by
age band, sex, index disposal, index offence group and, for a programme, its eligible offenders and its
participants, each with its Monte Carlo variance; and as the paired difference between a scenario and its
baseline on the same offenders (common random numbers). `programme_measures` reports what each programme
did: referrals, starts, waits, use of places, cost.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from simulation.inputs.cohort import Cohort
from simulation.inputs.vocabulary import AGE_BANDS
from simulation.measures.group_sums import group_moment_sums
from simulation.model.logs import ProgrammeLog

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


def age_band(kind: str, age: np.ndarray) -> np.ndarray:
    """Age band label at the start of follow-up."""
    labels = np.empty(age.shape, dtype=object)
    for label, low, high in AGE_BANDS[kind]:
        labels[(age >= low) & (age < high)] = label
    return labels.astype(str)


def group_masks(cohort: Cohort) -> dict[tuple[str, str], np.ndarray]:
    """Boolean mask of every group of every grouping present in the cohort, keyed (group, group_value).

    Worked out once per cohort and kept while the cohort lives: every run of every replication of a cohort
    asks for the same masks, and reading the labels took a third of pairing a scenario with its baseline."""
    cached = _MASKS.get(id(cohort.frame))
    if cached is not None and cached[0]() is cohort.frame:
        return cached[1]
    masks = _group_masks(cohort)
    for array in masks.values():
        array.flags.writeable = False  # shared by every run: nobody may change them
    key = id(cohort.frame)
    _MASKS[key] = (weakref.ref(cohort.frame, lambda _: _MASKS.pop(key, None)), masks)
    return masks


_MASKS: dict[int, tuple[weakref.ref, dict[tuple[str, str], np.ndarray]]] = {}
"""Group masks by cohort frame (its id, with a weak reference that drops the entry when the frame goes)."""


def _group_masks(cohort: Cohort) -> dict[tuple[str, str], np.ndarray]:
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


def _matrix(outcomes: pd.DataFrame, sources: list[tuple[str | None, str | None, str, bool]]) -> list[np.ndarray]:
    """Each source's per-offender quantity (an indicator where the measure counts offenders), one array each."""
    return [
        (outcomes[column].to_numpy(float) > 0).astype(float) if indicator else outcomes[column].to_numpy(float)
        for _, _, column, indicator in sources
    ]


def _group_moments(masks: np.ndarray, x: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (rows of `masks`) and source (the arrays `x`): n, mean, and variance of the mean."""
    counts, sums, sums_sq = group_moment_sums(masks, x)  # not `masks @ x`: BLAS threads change the last digits
    n = counts.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / n[:, None]
        squares = sums_sq / n[:, None]
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
    """`measure_values` for every group at once (one pass over the offenders, `group_sums`)."""
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
    after = _matrix(scenario, sources)
    n, mean, variance = _group_moments(stacked, [a - b for a, b in zip(after, before, strict=True)])
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
