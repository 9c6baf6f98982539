"""Intervals only where the simulation can support one, and never across a measure's natural bounds.

A t-interval across replications assumes the replication means are roughly normal. With one offender in a
group, or with a handful of events, they are not: `--size 1` reported a binary rate of 50% with an interval
from -585% to 685%, and `--size 100` negative intervals for offences, days and costs (issue 21). Such an
interval is a confident wrong answer, so it is left empty and the row says why:

- a group with fewer than `MIN_OFFENDERS` offenders in a replication has no interval for any measure (a rate
  of one offender is 0% or 100%, nothing between);
- a measure that cannot be negative (counts, rates per 100, days, money) or a percentage (0 to 100) whose
  interval would cross that bound has too few events for a t-interval: its interval is left empty;
- likewise a difference whose interval would cross its own bound: a percentage change below -100%, a
  difference of percentages outside -100 to 100.

The mean is still given: it is the estimate; only the claim of precision is withdrawn.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

MIN_OFFENDERS = 2
"""Fewest offenders a group must have in every replication for its measures to get an interval."""
TOO_FEW_OFFENDERS = f"none: fewer than {MIN_OFFENDERS} offenders in the group"
"""`interval` of a row left without an interval because its group is too small."""
CROSSES_BOUND = "none: too few events (a t-interval would cross {bound})"
"""`interval` of a row whose t-interval would cross a natural bound (formatted with the bound)."""
DIFFERENCE_SUFFIXES = (" minus baseline", " percent change")


def natural_bounds(measure: str, scenario: str, level_measures: Collection[str]) -> tuple[float, float] | None:
    """(lowest, highest) value a row can take, or None when it has no natural bound (net benefits, changes).

    `level_measures` are the measures that are counts, rates, days or money of a run (never negative).

    >>> levels = {"binary_rate_percent", "custody_days"}
    >>> natural_bounds("binary_rate_percent", "baseline", levels), natural_bounds("custody_days", "ppo", levels)
    ((0.0, 100.0), (0.0, inf))
    >>> natural_bounds("custody_days", "ppo percent change", levels)
    (-100.0, inf)
    >>> natural_bounds("custody_days", "ppo minus baseline", levels) is None
    True
    """
    percent = measure.endswith("_percent")
    if scenario.endswith(" percent change"):
        return (-100.0, np.inf) if measure in level_measures else None
    if scenario.endswith(" minus baseline"):
        return (-100.0, 100.0) if percent and measure in level_measures else None
    if measure in level_measures or measure.startswith("programme_"):
        return (0.0, 100.0) if percent else (0.0, np.inf)
    return None


def _group_sizes(per_replication: pd.DataFrame, labels: list[str]) -> pd.Series:
    """Fewest offenders each (point, scenario, group, group_value) had in any replication."""
    levels = per_replication[per_replication["measure"] == "offenders"]
    return levels.groupby([*labels, "scenario", "group", "group_value"], sort=False)["value"].min()


def limit_intervals(table: pd.DataFrame, per_replication: pd.DataFrame, labels: list[str],
                    level_measures: Collection[str]) -> None:
    """Empty the intervals a simulation this size cannot support (see the module docstring), in place.

    `table` is `summarise`'s output (columns: labels, scenario, measure, group, group_value, mean, ci_lower,
    ci_upper, interval, total_lower, total_upper); `per_replication` the rows it summarised; `level_measures` as
    for `natural_bounds`. A difference's group size is its scenario's (the same offenders as the baseline's).
    """
    if table.empty:
        return
    sizes = _group_sizes(per_replication, labels)
    scenario = table["scenario"].astype(str)
    base = scenario.copy()
    for suffix in DIFFERENCE_SUFFIXES:
        ends = scenario.str.endswith(suffix)
        base[ends] = scenario[ends].str.slice(0, -len(suffix))
    keys = pd.MultiIndex.from_frame(pd.concat([table[labels], base.rename("scenario"),
                                               table[["group", "group_value"]]], axis=1))
    size = sizes.reindex(keys).to_numpy(float)
    small = (size < MIN_OFFENDERS) & (table["measure"] != "offenders").to_numpy()
    _empty(table, small, TOO_FEW_OFFENDERS)

    bounds = [natural_bounds(str(m), str(s), level_measures) for m, s in zip(table["measure"], scenario, strict=True)]
    low = np.array([b[0] if b is not None else -np.inf for b in bounds])
    high = np.array([b[1] if b is not None else np.inf for b in bounds])
    tolerance = 1e-9 * np.maximum(1.0, np.abs(table["mean"].to_numpy(float)))
    t_rows = (table["interval"].astype(str) == "t").to_numpy() & ~small
    for lower, upper in (("ci_lower", "ci_upper"), ("total_lower", "total_upper")):
        crosses_low = t_rows & (table[lower].to_numpy(float) < low - tolerance)
        crosses_high = t_rows & (table[upper].to_numpy(float) > high + tolerance)
        if lower == "ci_lower":
            for crossing, bound in ((crosses_low, low), (crosses_high, high)):
                for value in np.unique(bound[crossing]):
                    rows = crossing & (bound == value)
                    _empty(table, rows, CROSSES_BOUND.format(bound=f"{value:g}"))
                    t_rows &= ~rows
        else:
            crossing = crosses_low | crosses_high
            table.loc[crossing, [lower, upper]] = np.nan


def _empty(table: pd.DataFrame, rows: np.ndarray, reason: str) -> None:
    if rows.any():
        table.loc[rows, ["ci_lower", "ci_upper", "total_lower", "total_upper"]] = np.nan
        table.loc[rows, "interval"] = reason


def interval_warnings(summary: pd.DataFrame) -> list[str]:
    """One sentence per kind of interval left empty, for the console and the metadata's caveats."""
    reasons = summary["interval"].astype(str)
    notes = []
    small = summary[reasons == TOO_FEW_OFFENDERS]
    if len(small):
        groups = sorted({f"{g} {v}" if g != "all" else "all" for g, v in zip(small["group"], small["group_value"],
                                                                             strict=True)})
        notes.append(
            f"{len(small)} intervals are left empty because their group has fewer than {MIN_OFFENDERS} offenders "
            f"({', '.join(groups[:6])}{' ...' if len(groups) > 6 else ''}): a rate of one offender is 0% or 100%. "
            "Simulate a larger cohort."
        )
    crossing = summary[reasons.str.startswith("none: too few events")]
    if len(crossing):
        measures = sorted(set(crossing["measure"].astype(str)))
        notes.append(
            f"{len(crossing)} intervals are left empty because too few events were simulated for a t-interval (it "
            f"would cross zero or 100%): {', '.join(measures[:6])}{' ...' if len(measures) > 6 else ''}. Run more "
            "replications or a larger cohort."
        )
    return notes
