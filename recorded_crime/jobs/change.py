"""`safer crime change` and `safer crime spc`: current against base year, and control limits over time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recorded_crime.jobs.common import (
    CountsOptions,
    check_output,
    chosen_years,
    counts_options,
    load_inputs,
    output_cube,
    series_for,
    write_result,
)
from recorded_crime.judging.change import ChangeSettings, change_table
from recorded_crime.judging.multiplicity import describe
from recorded_crime.judging.quasi_poisson import MIN_DF
from recorded_crime.judging.spc import control_limits
from recorded_crime.reading.periods import parse_financial_year, year_label

METHOD = ("quasi-Poisson log-linear model of each series' complete financial years, count ~ year + season (R: "
          "glm(count ~ factor(year) + factor(month), family = quasipoisson)); dispersion from Pearson's chi-square "
          "over the residual degrees of freedom, never below 1; current against base by a t test on those degrees "
          "of freedom. The exact conditional Poisson test of the two counts is shown beside it.")


@dataclass(frozen=True)
class ChangeOptions:
    """What `change` judges."""

    base: str = "2007-08"
    """Base financial year."""
    current: str | None = None
    """Current financial year (default: the latest complete one)."""
    indicators: tuple[str, ...] = ()
    """Indicator ids (default: every indicator with codes in the file that is counted whole in the base year)."""
    level: float = 0.95
    """Level of intervals; 1 - level is the size of the tests."""
    multiplicity: str = "holm"
    """Rule across an area's crime types."""
    min_df: int = MIN_DF
    """Fewest residual degrees of freedom for the dispersion."""


def _settings(options: ChangeOptions, base: int, current: int) -> ChangeSettings:
    from recorded_crime.errors import CrimeInputError
    from recorded_crime.judging.multiplicity import RULES

    if options.multiplicity not in RULES:
        raise CrimeInputError(f"--multiplicity {options.multiplicity}: use one of {', '.join(RULES)}.")
    if not 0.5 < options.level < 1:
        raise CrimeInputError(f"--level {options.level}: give a level between 0.5 and 1 (e.g. 0.95).")
    return ChangeSettings(base, current, options.level, options.multiplicity, True, options.min_df)


def change_command(*, counts: Path, out: Path, base: str, current: str | None, indicator: list[str], level: float,
                   multiplicity: str, min_df: int, table_layout: str, layout: str, mapping: Path | None,
                   map_columns: list[str], indicators: Path | None, drop_code: list[str], area: list[str]
                   ) -> list[str]:
    """`safer crime change`, from its options by name."""
    options = ChangeOptions(base, current, tuple(indicator), level, multiplicity, min_df)
    return change_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code, area), options, out,
                      table_layout)


def change_job(counts: CountsOptions, options: ChangeOptions, out: Path, layout: str = "long") -> list[str]:
    """Judge current against base for every area, indicator and crime type; write the table."""
    check_output(out, layout, [counts.counts, counts.mapping, counts.indicators_file])
    inputs = load_inputs(counts)
    base, current = chosen_years(inputs.cube, options.base, options.current)
    settings = _settings(options, base, current)
    cube = output_cube(inputs, counts.areas)
    all_series, notes = series_for(inputs, cube, options.indicators, base)
    table = change_table(all_series, cube, settings)
    write_result(table, out, "crime change", {"counts": counts, "change": options}, inputs, notes + inputs.cube.notes,
                 {"method": METHOD, "multiplicity": describe(settings.multiplicity, settings.level),
                  "base_period": year_label(base), "current_period": year_label(current)}, layout)
    return [*notes, *summary(table), f"wrote {len(table)} rows to {out}"]


def summary(table: pd.DataFrame) -> list[str]:
    """One line per indicator: how many areas rose, fell or did not change beyond random variation."""
    lines = []
    totals = table[table["crime_type"] == "all"]
    for indicator, rows in totals.groupby("indicator", sort=False):
        counts = rows["direction"].value_counts()
        higher = table[(table["indicator"] == indicator) & (table["judged_higher"] == True)]  # noqa: E712
        lines.append(f"{indicator} {rows['base_period'].iloc[0]} to {rows['current_period'].iloc[0]}: "
                     f"{counts.get('fell', 0)} area(s) fell, {counts.get('rose', 0)} rose, "
                     f"{counts.get('no change beyond random variation', 0)} no change beyond random variation; "
                     f"{higher['area'].nunique()} area(s) with a crime type higher than random variation allows.")
    return lines


@dataclass(frozen=True)
class SpcOptions:
    """What `spc` draws."""

    base: str = "2007-08"
    """The year whose level is the centre line."""
    indicators: tuple[str, ...] = ()
    """Indicator ids."""
    min_df: int = MIN_DF
    """Fewest residual degrees of freedom for the dispersion."""


def spc_command(*, counts: Path, out: Path, base: str, indicator: list[str], min_df: int, table_layout: str,
                layout: str, mapping: Path | None, map_columns: list[str], indicators: Path | None,
                drop_code: list[str], area: list[str]) -> list[str]:
    """`safer crime spc`, from its options by name."""
    return spc_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code, area),
                   SpcOptions(base, tuple(indicator), min_df), out, table_layout)


def spc_job(counts: CountsOptions, options: SpcOptions, out: Path, layout: str = "long") -> list[str]:
    """Control limits for every area and indicator; write the table."""
    check_output(out, layout, [counts.counts, counts.mapping, counts.indicators_file])
    inputs = load_inputs(counts)
    base = parse_financial_year(options.base, "--base")
    inputs.cube.require_year(base, "--base")
    cube = output_cube(inputs, counts.areas)
    all_series, notes = series_for(inputs, cube, options.indicators, base)
    table = pd.concat([control_limits(s, cube, base, options.min_df) for s in all_series], ignore_index=True)
    write_result(table, out, "crime spc", {"counts": counts, "spc": options}, inputs, notes + inputs.cube.notes,
                 {"method": "centre line: the base year's fitted level in each season; limits +/- 2 and 3 x "
                            "sqrt(dispersion x centre); signals beyond the 3-sigma limits or runs of 8 on one side",
                  "base_period": year_label(base)}, layout)
    signals = table[table["signal"] != ""]
    return [*notes, f"{len(signals)} signal(s) in {signals['area'].nunique()} area(s).",
            f"wrote {len(table)} rows to {out}"]
