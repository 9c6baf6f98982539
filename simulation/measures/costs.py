"""Money: unit costs, the cost of crime committed, and what each scenario costs and saves.

Unit costs are an editable table (`unit_costs.csv`, or `--unit-costs FILE`) with one row per item: the cost
of one offence of each re-offence type (the Table 1 groups and the non-serious groups), a day in custody and
a day under probation supervision. Every row says where its value comes from: the Home Office 2003/04
estimates of the cost of crime (Dubourg, Hamed and Thorns 2005) are labelled `home_office_2003_04`; anything
else is `assumed`. Values are uplifted to 2008 prices by their `uplift_to_2008` factor (1.14 for 2003/04
prices: an assumption, about the rise in the GDP deflator).

The cost of the crime an offender commits is their expected offences committed (`committed.py`) times the
expected unit cost of one of their offences (their mix of offences committed: serious, serious sexual and other
types, weighted by how rarely each is detected).
A scenario's items, against the baseline on the same offenders: offences committed, serious offences
committed, proven re-offences and serious re-offences averted; the cost of its places and what they save;
the change in custody and probation costs; the net cost (places - savings + custody and probation change);
the cost of crime averted; the net cost per offence and per serious offence averted; and the net benefit
(crime averted - net cost). Money and offence counts are national (the simulated cohort scaled up).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safer_io.inputs import read_text
from simulation.errors import SimulationInputError
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import REOFFENCE_TYPES
from simulation.measures.committed import committed_mix

UNIT_COSTS_FILE = Path(__file__).with_name("unit_costs.csv")
UNIT_COST_COLUMNS = ("item", "kind", "offence_type", "value", "price_year", "uplift_to_2008", "status", "source")
KINDS = ("crime", "custody_day", "probation_day")
STATUSES = ("home_office_2003_04", "verbatim", "reported", "derived", "assumed", "user")


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs at 2008 prices, GBP."""

    crime: dict[str, float]
    """Cost of one offence of each re-offence type (`vocabulary.REOFFENCE_TYPES`)."""
    custody_day: float
    """Cost of a day in custody."""
    probation_day: float
    """Cost of a day under probation supervision in the community."""
    table: pd.DataFrame = field(repr=False, compare=False)
    """The table as read, for the output metadata."""

    def sources(self) -> list[dict[str, object]]:
        """One record per row: item, value at 2008 prices, status, source."""
        return [
            {"item": r["item"], "value_2008_prices": float(r["value"]) * float(r["uplift_to_2008"]),
             "status": r["status"], "source": r["source"]}
            for r in self.table.to_dict("records")
        ]


@functools.lru_cache(maxsize=4)
def load_unit_costs(path: Path = UNIT_COSTS_FILE) -> UnitCosts:
    """Read and check a unit-cost table; problems name the line and column."""
    text = read_text(path, "unit-cost table", SimulationInputError)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise SimulationInputError(f"{path}: not a readable CSV file ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    unknown = sorted(set(table.columns) - set(UNIT_COST_COLUMNS))
    missing = [c for c in UNIT_COST_COLUMNS if c not in table.columns]
    if unknown or missing:
        raise SimulationInputError(
            f"{path}: columns must be {list(UNIT_COST_COLUMNS)}; unknown column(s) {unknown}, missing {missing}"
        )
    problems: list[str] = []
    crime: dict[str, float] = {}
    per_day: dict[str, float] = {}
    for line, row in enumerate(table.to_dict("records"), start=2):
        kind, offence_type, status = (str(row[c]).strip() for c in ("kind", "offence_type", "status"))
        if kind not in KINDS:
            problems.append(f"line {line}, column 'kind': {kind!r} is not one of {list(KINDS)}")
        if status not in STATUSES:
            problems.append(f"line {line}, column 'status': {status!r} is not one of {list(STATUSES)} "
                            "(label the Home Office 2003/04 estimates as such; anything else is assumed)")
        numbers = []
        for column in ("value", "uplift_to_2008"):
            try:
                number = float(str(row[column]))
                if not np.isfinite(number):
                    raise ValueError
            except ValueError:
                problems.append(f"line {line}, column '{column}': {row[column]!r} is not a number")
                number = 0.0
            if number < 0:
                problems.append(f"line {line}, column '{column}': a cost cannot be negative ({number:g})")
            numbers.append(number)
        value = numbers[0] * numbers[1]
        if kind == "crime":
            if offence_type not in REOFFENCE_TYPES:
                problems.append(f"line {line}, column 'offence_type': unknown offence group {offence_type!r}; use "
                                f"one of {list(REOFFENCE_TYPES)}")
            elif offence_type in crime:
                problems.append(f"line {line}, column 'offence_type': {offence_type!r} is costed twice")
            crime[offence_type] = value
        elif kind in KINDS:
            per_day[kind] = value
    absent = [t for t in REOFFENCE_TYPES if t not in crime]
    if absent and not problems:
        problems.append(f"no crime cost for offence group(s) {absent}")
    for kind in ("custody_day", "probation_day"):
        if kind not in per_day and not problems:
            problems.append(f"no row of kind {kind!r}")
    if problems:
        raise SimulationInputError(f"{path}: " + "; ".join(problems[:8]))
    return UnitCosts(crime, per_day["custody_day"], per_day["probation_day"], table)


def crime_cost_per_offence(frame: pd.DataFrame, params: ModelParams, costs: UnitCosts) -> np.ndarray:
    """Each offender's expected cost of one offence they commit: their mix of offences *committed*
    (`committed.committed_mix`: the detected mix weighted by one over each type's detection probability, with the
    acquisitive mix for drug misusers) times the unit cost of each type."""
    mix, _ = committed_mix(frame, params)
    return np.asarray(mix @ np.array([costs.crime[t] for t in REOFFENCE_TYPES]), dtype=float)


def add_cost_columns(
    outcomes: pd.DataFrame, frame: pd.DataFrame, params: ModelParams, costs: UnitCosts
) -> pd.DataFrame:
    """`outcomes` with crime_cost, custody_cost and probation_cost per offender (GBP, 2008 prices)."""
    return outcomes.assign(
        crime_cost=outcomes["committed"].to_numpy(float) * crime_cost_per_offence(frame, params, costs),
        custody_cost=outcomes["custody_days"].to_numpy(float) * costs.custody_day,
        probation_cost=outcomes["probation_days"].to_numpy(float) * costs.probation_day,
    )


COST_ITEMS: dict[str, str] = {
    "offences_committed_averted": "offences",
    "serious_offences_averted": "offences",
    "proven_reoffences_averted": "offences",
    "serious_reoffences_averted": "offences",
    "cost_of_places": "GBP",
    "savings_from_places": "GBP",
    "custody_cost_change": "GBP",
    "probation_cost_change": "GBP",
    "net_cost": "GBP",
    "cost_of_crime_averted": "GBP",
    "net_benefit": "GBP",
    "net_cost_per_offence_averted": "GBP per offence",
    "net_cost_per_serious_offence_averted": "GBP per offence",
}
"""Items of the costs table and their units (2008 prices; offences and money national)."""
RATIOS = {
    "net_cost_per_offence_averted": ("net_cost", "offences_committed_averted"),
    "net_cost_per_serious_offence_averted": ("net_cost", "serious_offences_averted"),
}


def cost_items(rows: pd.DataFrame, scale: Mapping[Any, float]) -> pd.DataFrame:
    """Per replication and scenario, every item but the ratios, national and summed over the points given.

    `rows` are per-replication rows (group 'all', and programme rows) of the points to add up (e.g. the years
    a scenario runs), with a `point` column; `scale` maps each point to simulated offenders per real one.
    Columns: replication, scenario, item, value.
    """
    rows = rows.assign(national=rows["value"] / rows["point"].map(scale).astype(float))
    everyone = rows[rows["group"] == "all"]
    differences = everyone[everyone["scenario"].str.endswith(" minus baseline")]
    difference = differences.assign(scenario=differences["scenario"].str.removesuffix(" minus baseline"))
    total = difference.groupby(["replication", "scenario", "measure"])["national"].sum().unstack("measure")
    programmes = rows[rows["group"] == "programme"]
    places = programmes.groupby(["replication", "scenario", "measure"])["national"].sum().unstack("measure")
    items = pd.DataFrame(index=total.index)

    def column(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name].reindex(items.index).fillna(0.0) if name in frame else pd.Series(0.0, index=items.index)

    items["offences_committed_averted"] = -column(total, "offences_committed")
    items["serious_offences_averted"] = -column(total, "serious_committed")
    items["proven_reoffences_averted"] = -column(total, "proven_reoffences")
    items["serious_reoffences_averted"] = -column(total, "serious_reoffences")
    items["cost_of_places"] = column(places, "programme_cost")
    items["savings_from_places"] = column(places, "programme_saving")
    items["custody_cost_change"] = column(total, "custody_cost")
    items["probation_cost_change"] = column(total, "probation_cost")
    items["net_cost"] = (items["cost_of_places"] - items["savings_from_places"] + items["custody_cost_change"]
                         + items["probation_cost_change"])
    items["cost_of_crime_averted"] = -column(total, "cost_of_crime")
    items["net_benefit"] = items["cost_of_crime_averted"] - items["net_cost"]
    records = [
        {"replication": replication, "scenario": scenario, "item": item, "value": float(value)}
        for (replication, scenario), row in zip(items.index, items.to_dict("records"), strict=True)
        for item, value in row.items()
    ]
    return pd.DataFrame(records, columns=["replication", "scenario", "item", "value"])


COST_COLUMNS = ("scenario", "item", "mean", "ci_lower", "ci_upper", "unit", "replications", "spread_lower",
                "spread_upper", "share_positive")
"""Columns of the costs table (see `summarise_costs`)."""


def summarise_costs(items: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and interval across replications of every item; the two ratios as a ratio of means with Fieller's
    interval (blank where the offences averted are not clearly above zero). Columns `COST_COLUMNS`: scenario, item,
    mean, ci_lower, ci_upper (the mean's interval), unit, replications, and for the sign of the money: spread_lower
    and spread_upper, the 2.5th and 97.5th percentiles of the replications (with --uncertainty, the spread the
    assumptions give), and share_positive, the share of replications above zero (blank for the ratios)."""
    from scipy import stats

    out = []
    for scenario, rows in items.groupby("scenario", sort=False):
        wide = rows.pivot(index="replication", columns="item", values="value")
        r = len(wide)
        t = stats.t.ppf(0.5 + level / 2, max(r - 1, 1))
        for item in [i for i in COST_ITEMS if i not in RATIOS]:
            x = wide[item].to_numpy(float) if item in wide else np.zeros(r)
            mean = float(x.mean())
            half = t * float(x.std(ddof=1)) / np.sqrt(r) if r > 1 else float("nan")
            low, high = np.percentile(x, [2.5, 97.5])
            out.append((scenario, item, mean, mean - half, mean + half, COST_ITEMS[item], r, float(low), float(high),
                        float((x > 0).mean())))
        for item, (top, bottom) in RATIOS.items():
            numerator, denominator = wide[top].to_numpy(float), wide[bottom].to_numpy(float)
            ratio, low, high = ratio_interval(numerator, denominator, t)
            out.append((scenario, item, ratio, low, high, COST_ITEMS[item], r, np.nan, np.nan, np.nan))
    return pd.DataFrame(out, columns=list(COST_COLUMNS))


def ratio_interval(numerator: np.ndarray, denominator: np.ndarray, t: float) -> tuple[float, float, float]:
    """Ratio of means across replications and its Fieller interval; nan when the denominator is not clearly positive.

    Fieller's interval is the set of ratios R for which mean(numerator) - R mean(denominator) is not significantly
    different from zero: the roots of (b^2 - t^2 v_dd) R^2 - 2 (a b - t^2 v_nd) R + (a^2 - t^2 v_nn) = 0, with a, b
    the means and v their (co)variances. It is finite exactly when the denominator is significantly above zero,
    and, unlike the delta method's symmetric interval, keeps its coverage when the denominator is noisy (95.7%
    against 92.3% at 95% in `tests/simulation/validation/test_cost_ratio_interval.py`).

    >>> ratio, low, high = ratio_interval(np.array([9.0, 11.0, 10.0]), np.array([1.0, 1.0, 1.0]), 4.303)
    >>> round(ratio, 3), round(low, 3), round(high, 3)  # a constant denominator: the mean's own t interval
    (10.0, 7.516, 12.484)
    """
    r = numerator.size
    a, b = float(numerator.mean()), float(denominator.mean())
    if b <= 0:
        return float("nan"), float("nan"), float("nan")
    ratio = a / b
    if r < 2:
        return ratio, float("nan"), float("nan")
    (v_nn, v_nd), (_, v_dd) = np.cov(numerator, denominator, ddof=1) / r
    quadratic = b * b - t * t * v_dd
    if quadratic <= 0:  # offences averted not clearly above zero: the interval is not finite
        return ratio, float("nan"), float("nan")
    middle = a * b - t * t * v_nd
    spread = np.sqrt(max(middle * middle - quadratic * (a * a - t * t * v_nn), 0.0))
    return ratio, float((middle - spread) / quadratic), float((middle + spread) / quadratic)


__all__ = [
    "COST_COLUMNS",
    "COST_ITEMS",
    "UnitCosts",
    "add_cost_columns",
    "cost_items",
    "crime_cost_per_offence",
    "load_unit_costs",
    "ratio_interval",
    "summarise_costs",
]
