"""Main points from recorded crime: each indicator's change judged against the area's own fluctuation, and A.20.

A `crime change` row says "rose" or "fell" only when the change is beyond the area's ordinary year-on-year
variation (A.2); otherwise the count moved within it, and the sentence says so. A `crime peers` row gives the
area's rate against the benchmark of its most similar group and its A.20 status. Each sentence carries a ratio or
rate with its 95% interval.
"""

from __future__ import annotations

from reporting.labels import indicator_code
from reporting.numbers import missing, number, rows_of
from reporting.report.inputs import Inputs
from reporting.report.words import short_wording


def _name(indicator: str, title: object) -> str:
    return f"{indicator_code(indicator)} ({short_wording(str(title))})" if not missing(title) else indicator_code(
        indicator)


def crime_change_points(inputs: Inputs) -> list[str]:
    """Each indicator's total change in each area, as its `direction` judges it."""
    points = []
    for result in (r for r in inputs.crime if r.command == "crime change"):
        table = result.table
        totals = table[table["crime_type"].astype(str) == "all"] if "crime_type" in table.columns else table
        for r in rows_of(totals):
            if missing(r.ratio):
                continue
            ratio = (f"a ratio of {r.ratio:.2f} (95% interval {r.ratio_ci_lower:.2f} to {r.ratio_ci_upper:.2f})"
                     if not missing(r.ratio_ci_lower) else f"a ratio of {r.ratio:.2f}")
            counts = (f"{number(r.current_count, 0)} offences in {r.current_period} against "
                      f"{number(r.base_count, 0)} in {r.base_period}")
            where = f" in {inputs.labeller.area('area', r.area)}" if hasattr(r, "area") else ""
            name = _name(str(r.indicator), getattr(r, "indicator_title", None))
            if str(r.direction) in ("rose", "fell"):
                points.append(f"Recorded {name}{where} {r.direction} beyond its ordinary fluctuation: {counts}, "
                              f"{ratio}.")
            else:
                points.append(f"Recorded {name}{where}: {counts}, {ratio}; within the area's ordinary fluctuation, "
                              "so no change can be claimed.")
    return points


def crime_peer_points(inputs: Inputs) -> list[str]:
    """The focus area's rate against its most similar group's benchmark, and its A.20 status."""
    points = []
    for result in (r for r in inputs.crime if r.command == "crime peers"):
        table = result.table
        focus = table[table["focus"].astype(bool)] if "focus" in table.columns else table.iloc[0:0]
        for r in rows_of(focus):
            target = "" if missing(getattr(r, "target_rate", None)) else f", target {r.target_rate:.1f}"
            points.append(
                f"{_name(str(r.indicator), getattr(r, 'indicator_title', None))} in "
                f"{inputs.labeller.area('area', r.area)}: {r.base_rate:.1f} per 1,000 in {r.base_period} (95% "
                f"interval {r.rate_ci_lower:.1f} to {r.rate_ci_upper:.1f}) against a most-similar-group benchmark of "
                f"{r.benchmark:.1f}, {r.flag}; {r.current_rate:.1f} in {r.current_period}, A.20 {r.a20_status}"
                f"{target}.")
    return points
