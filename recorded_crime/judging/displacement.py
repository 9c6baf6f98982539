"""Displacement diagnostics (A.17): categories a fall in serious acquisitive crime might have moved into.

A.17 (000:558, 000:562) asks that trends in theft from a vehicle be read beside vehicle interference (attempted
thefts where the intent to deprive cannot be proved), and attempted burglary in a dwelling beside criminal damage,
"to see whether there is any displacement between categories". The pairs and their codes are in the indicators
file. For each pair, area and year both sides are shown side by side, each against the base year by the
quasi-Poisson test of its own series; a year in which the watched category fell beyond random variation while its
partner rose beyond it is marked `possible displacement`. That is a prompt to look at recording practice, not a
finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recorded_crime.codes.catalogue import Catalogue
from recorded_crime.codes.schema import DisplacementPair
from recorded_crime.errors import CrimeInputError
from recorded_crime.judging.change import ChangeSettings, direction
from recorded_crime.judging.quasi_poisson import fit_year_season, require_long_enough, year_contrast
from recorded_crime.judging.years import by_year_and_season
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label

TOTAL_AREA = "All areas"


def chosen_pairs(cube: CountCube, catalogue: Catalogue, ids: list[str]) -> tuple[list[DisplacementPair], list[str]]:
    """The pairs asked for (default: those with codes on both sides in the file), and notes on the others."""
    present = set(cube.codes)
    pairs = {p.id: p for p in catalogue.spec.displacement_pairs}
    unknown = [i for i in ids if i not in pairs]
    if unknown:
        raise CrimeInputError(f"--pair {unknown[0]}: no such pair (known: {', '.join(pairs)}).")
    chosen, notes = [], []
    for pair in ([pairs[i] for i in ids] if ids else list(pairs.values())):
        missing = [side.title for side in (pair.watched, pair.partner) if not set(side.codes) & present]
        if not missing:
            chosen.append(pair)
        elif ids:
            raise CrimeInputError(f"--pair {pair.id}: no code of {' or '.join(missing)} is in {cube.source}.")
        else:
            notes.append(f"pair {pair.id} left out: no code of {' or '.join(missing)} in the file.")
    if not chosen:
        raise CrimeInputError(f"{cube.source}: no displacement pair has codes on both sides in the file "
                              f"({'; '.join(notes)}).")
    return chosen, notes


def _side(cube: CountCube, codes: list[str], total: bool) -> np.ndarray:
    position = [cube.codes.index(c) for c in codes if c in cube.codes]
    values = cube.values[:, :, position].sum(axis=2)
    return np.vstack([values, values.sum(axis=0, keepdims=True)]) if total else values


def displacement_table(pairs: list[DisplacementPair], cube: CountCube, settings: ChangeSettings,
                       total: bool = True) -> pd.DataFrame:
    """One row per pair, area and complete year from the base on: both sides, indexed to the base and tested."""
    cube.require_year(settings.base, "--base")
    years = cube.complete_years()
    require_long_enough(years, cube.per_year, f"the displacement series of {cube.source}", settings.min_df)
    areas = [*cube.areas, TOTAL_AREA] if total and len(cube.areas) > 1 else list(cube.areas)
    frames = []
    for pair in pairs:
        sides = {}
        for name, side in (("watched", pair.watched), ("partner", pair.partner)):
            fit = fit_year_season(by_year_and_season(_side(cube, side.codes, total and len(cube.areas) > 1),
                                                     cube, years))
            sides[name] = fit
        for year in [y for y in years if y > settings.base]:
            row: dict[str, object] = {"pair": pair.id, "pair_title": pair.title, "area": areas,
                                      "base_period": year_label(settings.base), "period": year_label(year)}
            for name, fit in sides.items():
                contrast = year_contrast(fit, years.index(year), years.index(settings.base), settings.level,
                                         settings.floor)
                row |= {f"{name}_title": getattr(pair, name).title, f"{name}_base_count": contrast.base,
                        f"{name}_count": contrast.current, f"{name}_index": 100 * contrast.ratio,
                        f"{name}_ratio_ci_lower": contrast.ratio_ci_lower,
                        f"{name}_ratio_ci_upper": contrast.ratio_ci_upper, f"{name}_p_value": contrast.p_value,
                        f"{name}_direction": direction(contrast, settings.level)}
            frames.append(pd.DataFrame(row))
    table = pd.concat(frames, ignore_index=True)
    table["signal"] = np.where((table["watched_direction"] == "fell") & (table["partner_direction"] == "rose"),
                               "possible displacement", "")
    return table
