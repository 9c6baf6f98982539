"""`safer crime rates`: counts and rates per 1,000 by indicator, area and period, with exact Poisson intervals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorded_crime.jobs.common import (
    CountsOptions,
    check_output,
    counts_options,
    load_inputs,
    output_cube,
    series_for,
    write_result,
)
from recorded_crime.rates.rates import rate_table


@dataclass(frozen=True)
class RatesOptions:
    """What `rates` computes."""

    population: Path
    """Population by area and year."""
    indicators: tuple[str, ...] = ()
    """Indicator ids (default: every indicator with codes in the file)."""
    period: str = "year"
    """year, quarter, month or rolling."""
    every: str = "quarter"
    """How often a rolling year ends (month or quarter)."""
    population_lag: int = 0
    """Use the mid-year estimate this many years earlier."""
    level: float = 0.95
    """Level of the intervals."""
    by_type: bool = False
    """Also each crime type."""
    total: bool = True
    """Add a row for all areas together."""


def rates_command(*, counts: Path, population: Path, out: Path, period: str, every: str, indicator: list[str],
                  by_type: bool, total: bool, population_lag: int, level: float, table_layout: str, layout: str,
                  mapping: Path | None, map_columns: list[str], indicators: Path | None, drop_code: list[str],
                  area: list[str]) -> list[str]:
    """`safer crime rates`, from its options by name."""
    options = RatesOptions(population, tuple(indicator), period, every, population_lag, level, by_type, total)
    return rates_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code, area), options, out,
                     table_layout)


def rates_job(counts: CountsOptions, options: RatesOptions, out: Path, layout: str = "long") -> list[str]:
    """Compute and write the rates table; return lines to show."""
    check_output(out, layout, [counts.counts, options.population, counts.mapping, counts.indicators_file])
    inputs = load_inputs(counts, population=options.population, population_lag=options.population_lag)
    cube = output_cube(inputs, counts.areas)
    all_series, notes = series_for(inputs, cube, options.indicators)
    assert inputs.population is not None
    table = rate_table(all_series, cube, inputs.population, options.period, options.every, options.population_lag,
                       options.level, options.by_type, options.total)
    write_result(table, out, "crime rates", {"counts": counts, "rates": options}, inputs, notes + inputs.cube.notes,
                 layout=layout)
    return [*notes, f"wrote {len(table)} rows to {out}"]
