"""Population by area and year: the denominator of every rate.

A CSV or Parquet file with one row per area and year: `area`, `year` (the year of an ONS mid-year estimate, 30
June) and `population`. A rate for a financial year uses the estimate for the 30 June inside it (mid-2007 for
2007-08), or that many years earlier with `--population-lag` (some published rates used the previous year's). The
file is read as it is: a missing year is refused, never filled in, because footnote 6 warns that a rate can fall
only because the population grew (000:484), so the population is shown beside every rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recorded_crime.errors import CrimeInputError

ALIASES = {
    "area": ("area", "csp", "csp_name", "name", "partnership", "area_code"),
    "year": ("year", "mid_year", "mye_year"),
    "population": ("population", "persons", "all_ages", "people"),
}


def _key(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def bind(header: list[str], aliases: dict[str, tuple[str, ...]], source: str, what: str) -> dict[str, str]:
    """Role -> column of a small input file, by alias (case and spacing ignored)."""
    by_key = {_key(c): c for c in header}
    columns = {}
    for role, names in aliases.items():
        found = next((by_key[_key(n)] for n in names if _key(n) in by_key), None)
        if found is None:
            raise CrimeInputError(f"{source}: the {what} has no {role} column (looked for {', '.join(names)}; it has "
                                  f"{', '.join(map(str, header))}).")
        columns[role] = found
    return columns


def read_small_table(path: Path, what: str) -> tuple[list[str], dict[str, list[str]]]:
    """A small CSV or Parquet file as text columns (header, column -> values)."""
    import pandas as pd

    if not path.is_file():
        raise CrimeInputError(f"{path}: the {what} does not exist." if not path.exists()
                              else f"{path}: is a folder, not the {what}.")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            from safer_io.inputs import read_parquet

            frame = read_parquet(path).astype(str)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        from safer_io.inputs import likely_encoding

        raise CrimeInputError(f"{path}: the {what} is not UTF-8 text; it looks like "
                              f"{likely_encoding(path.read_bytes()[:65536])}.") from None
    except Exception as exc:  # pandas and pyarrow raise several types for damaged files
        raise CrimeInputError(f"{path}: the {what} cannot be read ({exc}).") from None
    header = [str(c) for c in frame.columns]
    return header, {c: frame[c].astype(str).str.strip().tolist() for c in header}


@dataclass
class Population:
    """Population by area and mid-year."""

    path: Path
    """The file."""
    values: dict[tuple[str, int], float] = field(default_factory=dict)
    """(area, year) -> residents."""

    def areas(self) -> set[str]:
        """Areas with at least one year."""
        return {a for a, _ in self.values}

    def lookup(self, areas: list[str], years: np.ndarray) -> np.ndarray:
        """Population of each area (rows) in each year (columns); NaN where the file has none."""
        out = np.full((len(areas), len(years)), np.nan)
        for i, area in enumerate(areas):
            for j, year in enumerate(years):
                out[i, j] = self.values.get((area, int(year)), np.nan)
        return out


def read_population(path: str | Path) -> Population:
    """Read a population file; a bad value, a repeated (area, year) or an empty file is refused with its row."""
    path = Path(path)
    header, data = read_small_table(path, "population file")
    columns = bind(header, ALIASES, str(path), "population file")
    population = Population(path)
    problems: list[str] = []
    for row, (area, year, value) in enumerate(zip(data[columns["area"]], data[columns["year"]],
                                                  data[columns["population"]], strict=True), start=1):
        try:
            number = float(value.replace(",", ""))
            ok_number = np.isfinite(number) and number > 0
        except ValueError:
            ok_number = False
        if not area:
            problems.append(f"row {row}: blank area")
        elif not (len(year) == 4 and year.isascii() and year.isdigit()):
            problems.append(f"row {row}: year '{year}' is not a calendar year (the mid-year estimate's, e.g. 2007)")
        elif not ok_number:
            problems.append(f"row {row}: population '{value}' for {area} is not a positive number")
        elif (area, int(year)) in population.values:
            problems.append(f"row {row}: {area} {year} is given twice")
        else:
            population.values[(area, int(year))] = number
        if len(problems) >= 5:
            break
    if problems:
        raise CrimeInputError(f"{path}: " + "; ".join(problems) + ".")
    if not population.values:
        raise CrimeInputError(f"{path}: the population file has no rows.")
    return population
