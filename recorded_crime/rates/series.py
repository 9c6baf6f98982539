"""Counts per indicator and crime type: the codes of each crime type added up, area by area, period by period.

An indicator is computed only when its codes are in the file: a file of acquisitive crime says nothing about
violence, and a rate of zero would be a confident wrong answer. Asked for by name, an indicator none of whose codes
is in the file is refused. A crime type none of whose codes is in the file is counted as zero with a note (the
rare offences, such as child destruction, have real zeros), and so is a type counted from an open-data combined
code (homicide's `1/4.1/4.10/4.2` also holds corporate manslaughter).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recorded_crime.codes.catalogue import Catalogue, CrimeTypeCodes
from recorded_crime.codes.schema import Indicator
from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.cube import CountCube


@dataclass
class IndicatorSeries:
    """One indicator's counts by area, period and crime type."""

    indicator: Indicator
    """Its definition."""
    types: list[CrimeTypeCodes]
    """Its crime types, in the Annex's order."""
    values: np.ndarray
    """Counts, shape (areas, periods, crime types)."""
    notes: list[str] = field(default_factory=list)
    """What a reader should know about this indicator in this file."""

    @property
    def total(self) -> np.ndarray:
        """The indicator's counts, shape (areas, periods)."""
        return np.asarray(self.values.sum(axis=2))


def present_indicators(cube: CountCube, catalogue: Catalogue) -> list[str]:
    """Indicators with at least one of their codes in the file, in the catalogue's order."""
    codes = set(cube.codes)
    return [i for i in catalogue.indicators if catalogue.indicator_codes(i) & codes]


def indicator_series(cube: CountCube, catalogue: Catalogue, indicator_ids: list[str] | None = None
                     ) -> list[IndicatorSeries]:
    """The series of the chosen indicators (default: every indicator with codes in the file)."""
    chosen = list(dict.fromkeys(indicator_ids)) if indicator_ids else present_indicators(cube, catalogue)
    if not chosen:
        raise CrimeInputError(f"{cube.source}: none of the file's codes belongs to an indicator of "
                              f"{catalogue.path.name} (codes: {', '.join(cube.codes[:10])}).")
    position = {c: i for i, c in enumerate(cube.codes)}
    found = []
    for indicator_id in chosen:
        indicator = catalogue.indicator(indicator_id)
        types = catalogue.crime_types(indicator_id)
        if not any(c in position for t in types for c in t.codes):
            raise CrimeInputError(f"--indicator {indicator_id}: none of its codes is in {cube.source} (it counts "
                                  f"{', '.join(sorted(catalogue.indicator_codes(indicator_id)))}).")
        membership = np.zeros((len(cube.codes), len(types)))
        notes = list(indicator.notes)
        for k, crime_type in enumerate(types):
            held = [c for c in crime_type.codes if c in position]
            membership[[position[c] for c in held], k] = 1.0
            if not held:
                notes.append(f"{indicator_id} {crime_type.id}: none of its codes ({', '.join(crime_type.codes)}) is in "
                             "the file; counted as zero.")
            stand_ins = [c for c in crime_type.stand_ins if c in position]
            if stand_ins:
                notes.append(f"{indicator_id} {crime_type.id}: counted partly from the open data's combined code "
                             f"{', '.join(stand_ins)}, which holds codes outside the Annex's list (see the indicators "
                             "file).")
        values = cube.values @ membership
        found.append(IndicatorSeries(indicator, types, values, notes))
    return found
