"""A checked counts file as one array: areas x periods x codes.

Once `validate.check_counts` has found nothing wrong, the rows are added into a dense array by one `np.bincount`
(a row left out of a long file is a zero). Areas are in sorted order, periods run without a gap from the file's
first to its last, and codes are the known ones present (less any left out with `--drop-code`). Everything later
(indicators, rates, tests) works on this array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.periods import PER_YEAR, unit_label, year_label
from recorded_crime.reading.validate import Checked, Problem


@dataclass
class CountCube:
    """Offence counts by area, period and code."""

    source: Path
    """The counts file."""
    frequency: str
    """`month` or `quarter`."""
    areas: list[str]
    """Area names, sorted."""
    first_unit: int
    """Time-axis unit of the first period."""
    codes: list[str]
    """Codes, canonical notation, sorted."""
    values: np.ndarray
    """Counts, shape (areas, periods, codes)."""
    record: dict[str, Any] = field(default_factory=dict)
    """How the file was read (columns bound, rows), for the outputs' metadata."""
    notes: list[str] = field(default_factory=list)
    """What a reader should know about the input."""
    metadata: dict[str, Any] | None = None
    """The input file's own metadata, when it has some."""

    @property
    def per_year(self) -> int:
        """Periods in a financial year (12 or 4)."""
        return PER_YEAR[self.frequency]

    @property
    def units(self) -> int:
        """Number of periods."""
        return int(self.values.shape[1])

    def unit_labels(self) -> list[str]:
        """Each period as text (2008-04, or 2008-09 Q1)."""
        return [unit_label(self.first_unit + i, self.frequency) for i in range(self.units)]

    def complete_years(self) -> list[int]:
        """Financial years with every period in the file."""
        per = self.per_year
        first_year = -(-self.first_unit // per)
        last_year = (self.first_unit + self.units) // per - 1
        return list(range(first_year, last_year + 1))

    def year_slice(self, year: int) -> slice:
        """The periods of a complete financial year."""
        start = year * self.per_year - self.first_unit
        return slice(start, start + self.per_year)

    def require_year(self, year: int, what: str) -> None:
        """Refuse a financial year the file does not hold whole, naming what it holds."""
        if year not in self.complete_years():
            held = self.complete_years()
            span = f"{year_label(held[0])} to {year_label(held[-1])}" if held else "no complete financial year"
            raise CrimeInputError(
                f"{what} {year_label(year)} is outside the data: {self.source} holds {span} whole (its periods run "
                f"from {unit_label(self.first_unit, self.frequency)} to "
                f"{unit_label(self.first_unit + self.units - 1, self.frequency)}).")

    def select_areas(self, areas: list[str]) -> CountCube:
        """Only these areas (for a partnership's own outputs); an unknown name is refused, naming near ones."""
        if not areas:
            return self
        from recorded_crime.codes.nearest import edit_distance

        missing = [a for a in areas if a not in self.areas]
        if missing:
            near = sorted(self.areas, key=lambda k: edit_distance(k.lower(), missing[0].lower()))[:3]
            raise CrimeInputError(f"--area {missing[0]}: no such area in {self.source} (nearest: {', '.join(near)}).")
        keep = [self.areas.index(a) for a in sorted(set(areas))]
        return CountCube(self.source, self.frequency, [self.areas[i] for i in keep], self.first_unit, self.codes,
                         self.values[keep], self.record, self.notes, self.metadata)


def refuse(problems: list[Problem], source: Path | str, limit: int = 4) -> None:
    """Raise one message for the problems found (the first few in full), pointing to `safer crime validate`."""
    if not problems:
        return
    shown = " ".join(p.message for p in problems[:limit])
    more = f" ({len(problems) - limit} more problem(s).)" if len(problems) > limit else ""
    raise CrimeInputError(f"{source}: {shown}{more} `safer crime validate {source}` lists every problem; nothing "
                          "was written.")


def build_cube(checked: Checked) -> CountCube:
    """The array of a checked file (refused when any problem was found)."""
    raw = checked.raw
    refuse(checked.problems, raw.path)
    keep_codes = [c for c in checked.codes if c and c not in checked.dropped]
    code_position = np.full(len(checked.codes), -1, np.int64)
    for i, code in enumerate(checked.codes):
        if code in keep_codes:
            code_position[i] = keep_codes.index(code)
    areas = sorted(raw.area.values)
    area_position = np.array([areas.index(a) for a in raw.area.values], dtype=np.int64)
    first, last = int(checked.row_unit.min()), int(checked.row_unit.max())
    span = last - first + 1
    row_code = code_position[checked.row_code]
    kept = row_code >= 0
    flat = (area_position[raw.area.index[kept]] * span + (checked.row_unit[kept] - first)) * len(keep_codes) \
        + row_code[kept]
    values = np.bincount(flat, weights=raw.count[kept], minlength=len(areas) * span * len(keep_codes))
    record = {"rows": raw.rows, "areas": len(areas), "periods": span, "frequency": checked.frequency,
              "first_period": unit_label(first, checked.frequency), "last_period": unit_label(last, checked.frequency),
              "codes": keep_codes, "dropped_codes": sorted(checked.dropped), **raw.binding.record()}
    return CountCube(raw.path, checked.frequency, areas, first, keep_codes,
                     values.reshape(len(areas), span, len(keep_codes)), record, list(checked.notes), raw.metadata)
