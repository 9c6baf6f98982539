"""What a target's trajectory rests on, said beside it: the periods it joins, and which way it points.

The confidence baseline is six months of data (2007/08 Q3 and Q4, 000:609), while BCS results are rolling
12-month figures (000:604, 000:631): a trajectory from that baseline to the target is assessed against periods
twice as long, with their own precision and seasonality. Each target's record says how long its baseline and
its assessed periods are, and a note says when they differ. A target on the wrong side of its baseline (below
it for an indicator where higher is better) would call a fall "on track"; it draws a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from survey.errors import SurveyWarning
from survey.judging.periods import Period, parse_window
from survey.judging.targets import TargetsFile


def _months(start: Any, end: Any) -> int | None:
    if start is None or end is None:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_alignment(spec: TargetsFile, periods: Sequence[Period]) -> list[dict[str, Any]]:
    """For each target: its baseline's length in months and the lengths of the periods assessed, and a note
    when they differ."""
    lengths = sorted({m for p in periods if (m := _months(p.start, p.end)) is not None})
    out = []
    for i, target in enumerate(spec.targets):
        baseline = target.baseline.period
        months = _months(*parse_window(baseline, "baseline.period")) if baseline else None
        entry: dict[str, Any] = {"target": i, "indicator": target.indicator, "area": target.area,
                                 "baseline_period": baseline, "baseline_months": months,
                                 "assessed_months": lengths}
        if months is not None and lengths and lengths != [months]:
            shown = " and ".join(str(m) for m in lengths)
            entry["note"] = (f"targets[{i}] ({target.indicator}, {target.area}): the baseline {baseline} covers "
                             f"{months} months but the periods assessed cover {shown}: the trajectory joins a "
                             f"{months}-month baseline to {shown}-month estimates, which differ in precision and "
                             "season.")
        out.append(entry)
    return out


def warn_wrong_side(table: pd.DataFrame) -> None:
    """Warn (`SurveyWarning`) for each target whose value is on the worse side of its baseline."""
    seen = table.drop_duplicates(["indicator", "domain_value", "baseline_period", "target_value", "target_date"])
    for row in seen.itertuples(index=False):
        baseline, target = float(str(row.baseline_value)), float(str(row.target_value))
        polarity = str(row.polarity)
        worse = target < baseline if polarity == "higher_is_better" else target > baseline
        if worse:
            direction = "below" if target < baseline else "above"
            warnings.warn(
                f"target for {row.indicator} ({row.domain_value}): {target:g} by {row.target_date} is {direction} its "
                f"baseline {baseline:g}, though {'higher' if polarity == 'higher_is_better' else 'lower'} is better: "
                "the trajectory points the wrong way, and a decline would count as on track. Check the target's "
                "value and the indicator's polarity.", SurveyWarning, stacklevel=2)
