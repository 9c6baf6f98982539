"""Summaries across replications: the mean of every measure, its interval, and what the assumptions add.

One replication gives one value of each measure; the replications give its distribution. `summarise` reports
the mean across replications with the t-interval of that mean (the Monte Carlo error of the estimate), the
Monte Carlo sd of one replication, and, when the replications drew their assumptions from their ranges, the
sd the assumptions add and the interval with both. Differences of rare-event counts with few events get an
exact interval instead (`SPARSE_MEASURES`), and a warning (`sparse_warnings`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.measures.interval_limits import interval_warnings, limit_intervals
from simulation.measures.replication_measures import COST_COLUMNS, MEASURES

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
"""Columns of the summary table, after the labels of its point (a projection year, a sweep point)."""
SPARSE_EVENTS = 100
"""A difference of rare-event counts is sparse when the baseline has fewer events than this over all
replications, or fewer than `SPARSE_REPLICATIONS` replications differ at all."""
SPARSE_REPLICATIONS = 5
DIFFERENCE_KINDS = ("minus baseline", "percent change")
"""How the name of a scenario's difference rows ends (`tasks` names them "<scenario> minus baseline", ...)."""
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
    limit_intervals(table, frame, labels, {*MEASURES, *(name for name, _ in COST_COLUMNS)})
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
    """One sentence per scenario with sparse-count differences, and one per kind of interval left empty
    (`interval_limits`), for the console and the metadata."""
    sparse = summary[summary["interval"].astype(str).str.contains("sparse")]
    sparse = sparse[(sparse["group"] == "all")]
    notes = []
    for scenario, rows in sparse.groupby("scenario", sort=False):
        measures = ", ".join(sorted(set(rows["measure"])))
        notes.append(
            f"{scenario}: {measures} rest on few events; their intervals are exact but conservative (they ignore "
            "the pairing of common random numbers). Run more replications or a larger cohort to narrow them."
        )
    return [*notes, *interval_warnings(summary)]
