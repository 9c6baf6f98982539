"""Sweeps: which assumptions move the answer most (tornado data).

Each swept parameter is set, one at a time with every other at its central value, to the low and high ends of
its range (or to the values given), and the baseline and the scenarios are run at each setting on the same
random numbers as the central run (common random numbers across the sweep's points as well as its scenarios),
so the differences between settings are the parameter's effect, not Monte Carlo noise. A model parameter moved
from its central value has the calibrated base rate, heterogeneity and serious share re-solved by the closed
forms, so that every setting still reproduces the 2005 figures (`scenario_run.RunVary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import Cohort
from simulation.inputs.interventions import Scenario
from simulation.inputs.params import ModelParams, merged_params
from simulation.inputs.uncertainty import Range, model_override, model_value
from simulation.measures.across_replications import summarise
from simulation.measures.costs import cost_items, load_unit_costs, summarise_costs
from simulation.questions.scenario_run import RunVary, run_ranges
from simulation.runs.runner import run_groups, scenario_runs
from simulation.runs.tasks import Point, groups_for

SWEEP_MEASURES = ("frequency_per_100", "binary_rate_percent", "serious_per_100", "serious_reoffences",
                  "committed_per_100", "net_benefit", "cost_of_crime_averted")
"""What a tornado shows: the PSA measures, the serious counts, offences committed, and (for each scenario against the
baseline) the net benefit and the cost of crime averted, national (so the sign of the net benefit can be read)."""
CENTRAL = "central"


@dataclass(frozen=True)
class Swept:
    """One swept parameter: its range entry and the values it is set to."""

    range: Range
    """Its name, central value, range and source."""
    values: tuple[float, ...]
    """The settings (the ends of the range unless given)."""


class _Fixed:
    """The same assumption values for every replication (one sweep setting)."""

    def __init__(self, values: dict[str, float]) -> None:
        self._values = values

    def values(self, replication: int) -> dict[str, float]:
        del replication
        return self._values


def resolve_parameters(
    requested: Sequence[str], params: ModelParams, scenarios: Sequence[Scenario]
) -> list[Swept]:
    """The parameters to sweep: `NAME` (its range) or `NAME=V1,V2,...` (those values); every assumption with a
    range when none is requested. An unknown name is refused, listing the known ones."""
    known = {r.name: r for r in run_ranges(params, scenarios)}
    if not requested:
        return [Swept(r, (r.low, r.high)) for r in known.values()]
    out = []
    for text in requested:
        name, _, given = text.partition("=")
        name = name.strip()
        entry = known.get(name)
        if entry is None:
            try:
                value = model_value(params, name)
            except KeyError:
                raise SimulationInputError(
                    f"--parameter {name!r}: no such parameter; sweepable are the model parameters (e.g. "
                    f"age_log_rate_per_year, female_log_rate_ratio.community) and the scenarios' assumptions: "
                    f"{', '.join(sorted(known))}"
                ) from None
            if not given:
                raise SimulationInputError(f"--parameter {name!r}: has no stated range; give values, {name}=A,B")
            entry = Range(name, value, value, value, "values given on the command line")
        if given:
            try:
                values = tuple(float(v) for v in given.split(","))
            except ValueError:
                raise SimulationInputError(
                    f"--parameter {text!r}: values must be numbers, e.g. {name}=0.7,0.9"
                ) from None
            if len(values) < 2:
                raise SimulationInputError(f"--parameter {text!r}: give at least two values")
        else:
            values = (entry.low, entry.high)
        out.append(Swept(entry, values))
    return out


def sweep_points(
    params: ModelParams,
    scenarios: Sequence[Scenario],
    sources: Sequence[str],
    swept: list[Swept],
    seed: int,
    kind: str = "adult",
) -> list[Point]:
    """The central point and one point per (parameter, value), each with the baseline and the scenarios."""
    runs = scenario_runs(params, scenarios, sources or "scenario", labels=(("parameter", CENTRAL), ("setting", "")))
    # The central point goes through the same re-solving as the others, so that they differ only by the parameter.
    vary = RunVary(params, [run.scenario for run in runs[1:]], _Fixed({}), seed, always_resolve=True,  # type: ignore[arg-type]
                   kind=kind)
    points: list[Point] = [(runs[0].labels, [vary(0, run) for run in runs])]
    for entry in swept:
        for value in entry.values:
            _check_value(params, entry.range.name, value)
            labels = (("parameter", entry.range.name), ("setting", repr(float(value))))
            runs = scenario_runs(params, scenarios, sources or "scenario", labels=labels)
            vary = RunVary(params, [run.scenario for run in runs[1:]], _Fixed({entry.range.name: value}), seed,  # type: ignore[arg-type]
                           always_resolve=True, kind=kind)
            points.append((labels, [vary(0, run) for run in runs]))
    return points


def _check_value(params: ModelParams, name: str, value: float) -> None:
    try:
        model_value(params, name)
    except KeyError:
        return  # a scenario assumption: checked when applied
    merged_params(params, model_override(name, value), source=f"--parameter {name}")


def run_sweep(
    cohort: Cohort,
    params: ModelParams,
    scenarios: Sequence[Scenario],
    sources: Sequence[str],
    swept: list[Swept],
    replications: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    on_group_done: object = None,
) -> pd.DataFrame:
    """Summary rows of every point: the point's labels (parameter, value) then `measures.SUMMARY_COLUMNS`, with each
    scenario's money against the baseline (national) as rows of scenario '<name> minus baseline'."""
    points = sweep_points(params, scenarios, sources, swept, seed, cohort.kind)
    groups = groups_for(points, range(replications), seed, unit_costs=load_unit_costs())
    rows = run_groups(cohort, groups, workers, scheduler, None, on_group_done)  # type: ignore[arg-type]
    summary = summarise(rows)
    money = []
    for (parameter, setting), part in rows.groupby(["parameter", "setting"], sort=False):
        if not part["scenario"].str.endswith(" minus baseline").any():
            continue
        costs = summarise_costs(cost_items(part.assign(point=0), {0: cohort.scale}))
        money.append(pd.DataFrame({
            "parameter": parameter, "setting": setting, "scenario": costs["scenario"] + " minus baseline",
            "measure": costs["item"], "group": "all", "group_value": "all", "mean": costs["mean"],
            "ci_lower": costs["ci_lower"], "ci_upper": costs["ci_upper"], "replications": costs["replications"],
        }))
    return pd.concat([summary, *money], ignore_index=True) if money else summary


def tornado(summary: pd.DataFrame, swept: list[Swept], measures: Sequence[str] = SWEEP_MEASURES) -> pd.DataFrame:
    """The tornado table: per parameter, measure and scenario (and scenario minus baseline), the result at the
    central value and at the lowest and highest settings, with their intervals."""
    everyone = summary[(summary["group"] == "all") & summary["measure"].isin(measures)
                       & ~summary["scenario"].str.endswith(" percent change")]
    central_rows = everyone[everyone["parameter"] == CENTRAL]
    central_mean = {
        (str(s), str(m)): float(v)
        for s, m, v in zip(central_rows["scenario"], central_rows["measure"], central_rows["mean"], strict=True)
    }
    records = []
    for entry in swept:
        name = entry.range.name
        low, high = min(entry.values), max(entry.values)
        mine = everyone[everyone["parameter"] == name]
        for (scenario, measure), rows in mine.groupby(["scenario", "measure"], sort=False):
            at = {
                float(r["setting"]): {k: float(r[k]) for k in ("mean", "ci_lower", "ci_upper")}
                for r in rows.to_dict("records")
            }
            central_key = (str(scenario), str(measure))
            if low not in at or high not in at or central_key not in central_mean:
                continue
            base = central_mean[central_key]
            lo, hi = at[low], at[high]
            records.append({
                "parameter": name, "measure": measure, "scenario": scenario,
                "base_value": entry.range.value, "low_value": low, "high_value": high,
                "base_result": base, "low_result": lo["mean"], "high_result": hi["mean"],
                "low_ci_lower": lo["ci_lower"], "low_ci_upper": lo["ci_upper"], "high_ci_lower": hi["ci_lower"],
                "high_ci_upper": hi["ci_upper"], "swing": abs(hi["mean"] - lo["mean"]),
                "source": entry.range.source,
            })
    table = pd.DataFrame(records)
    if table.empty:
        return table
    return table.sort_values(["measure", "scenario", "swing"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True)


def grid(summary: pd.DataFrame, measures: Sequence[str] = SWEEP_MEASURES) -> pd.DataFrame:
    """Every setting's result (for sweeps over more than two values): parameter, value, scenario, measure, mean,
    ci_lower, ci_upper."""
    rows = summary[(summary["group"] == "all") & summary["measure"].isin(measures)
                   & (summary["parameter"] != CENTRAL) & ~summary["scenario"].str.endswith(" percent change")]
    table = rows[["parameter", "setting", "scenario", "measure", "mean", "ci_lower", "ci_upper", "replications"]].copy()
    table["setting"] = table["setting"].astype(float)
    return table.reset_index(drop=True)


__all__ = ["SWEEP_MEASURES", "Swept", "grid", "resolve_parameters", "run_sweep", "sweep_points", "tornado"]
