"""The A.20 status of each partnership: at or below its benchmark, on a trajectory target towards it, or neither.

A.19 measures every partnership against a 2007-08 benchmark set with reference to similar areas (000:568). Those
above it meet the PSA's success criterion (A.20, 000:570-574) when, by the end of the PSA period, they either

- have reduced the level of crime to equal or be less than the 2007-08 benchmark (first limb), or
- have met or exceeded an agreed target that is on a trajectory towards the benchmark (second limb).

A partnership at or below its benchmark in 2007-08 is not the subject of the criterion, unless it rises above it
(A.23, 000:584: it is then expected to come back down). The agreed targets were local (LAA) targets: give them in a
file (`area, target_rate`, optionally `indicator`). Where none is given, the target is assumed to lie on the
straight line from the area's 2007-08 rate to its benchmark, reached in `reach_by` (an assumption, said so in the
row). Levels are compared as rates per 1,000, as the benchmark is; the counts stand beside them (footnote 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.population import bind, read_small_table

STATUSES = ("below benchmark", "rose above benchmark", "reached benchmark", "met trajectory target", "not met")
"""Every value of `a20_status`."""


@dataclass(frozen=True)
class AgreedTargets:
    """Agreed targets by (indicator or '*', area): a rate per 1,000 at the end of the period."""

    path: Path
    """The file."""
    rates: dict[tuple[str, str], float]
    """(indicator, area) -> target rate; indicator '*' when the file has no indicator column."""

    def get(self, indicator: str, area: str) -> float | None:
        """The agreed target of an area on an indicator, if any."""
        return self.rates.get((indicator, area), self.rates.get(("*", area)))


def read_targets(path: str | Path) -> AgreedTargets:
    """Read agreed targets (`area, target_rate[, indicator]`); a bad rate is refused with its row."""
    path = Path(path)
    header, data = read_small_table(path, "targets file")
    columns = bind(header, {"area": ("area", "csp", "partnership"), "target_rate": ("target_rate", "target")},
                   str(path), "targets file")
    indicator_column = next((c for c in header if c.lower().strip() == "indicator"), None)
    rates: dict[tuple[str, str], float] = {}
    for row, (area, value) in enumerate(zip(data[columns["area"]], data[columns["target_rate"]], strict=True), 1):
        indicator = data[indicator_column][row - 1] if indicator_column else "*"
        try:
            rate = float(value)
        except ValueError:
            rate = float("nan")
        if not np.isfinite(rate) or rate < 0:
            raise CrimeInputError(f"{path}: row {row}: target rate '{value}' for {area} is not a rate per 1,000 (a "
                                  "number, 0 or more).")
        if (indicator, area) in rates:
            which = "" if indicator == "*" else f" for {indicator}"
            raise CrimeInputError(f"{path}: row {row}: {area} has two targets{which}.")
        rates[(indicator, area)] = rate
    return AgreedTargets(path, rates)


def trajectory_target(base_rate: np.ndarray, benchmark: np.ndarray, base: int, current: int, reach_by: int
                      ) -> np.ndarray:
    """The point at `current` on the straight line from the base rate (at `base`) to the benchmark (at `reach_by`).

    >>> trajectory_target(np.array([12.0]), np.array([8.0]), 2007, 2010, 2012).tolist()  # 3/5 of the way down
    [9.6]
    """
    share = min(1.0, (current - base) / (reach_by - base)) if reach_by > base else 1.0
    return np.asarray(base_rate + (benchmark - base_rate) * share)


def a20_status(base_rate: np.ndarray, current_rate: np.ndarray, benchmark: np.ndarray, target: np.ndarray
               ) -> np.ndarray:
    """The status of each area (see the module docstring).

    >>> a20_status(np.array([6.0, 6.0, 12.0, 12.0, 12.0]), np.array([5.0, 9.0, 7.9, 9.5, 10.0]),
    ...            np.full(5, 8.0), np.full(5, 9.6)).tolist()
    ['below benchmark', 'rose above benchmark', 'reached benchmark', 'met trajectory target', 'not met']
    """
    subject = base_rate > benchmark
    return np.where(~subject, np.where(current_rate > benchmark, "rose above benchmark", "below benchmark"),
                    np.where(current_rate <= benchmark, "reached benchmark",
                             np.where(current_rate <= target, "met trajectory target", "not met")))
