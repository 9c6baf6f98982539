"""`safer crime national`: the total of all areas against the baseline and year on year, with the 2010-11 and
2012-13 views of A.1, A.3 and A.24."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recorded_crime.jobs.change import METHOD, ChangeOptions, _settings
from recorded_crime.jobs.common import (
    CountsOptions,
    check_output,
    counts_options,
    load_inputs,
    series_for,
    write_result,
)
from recorded_crime.judging.multiplicity import describe
from recorded_crime.judging.national import NATIONAL, national_table
from recorded_crime.reading.periods import parse_financial_year, year_label


@dataclass(frozen=True)
class NationalOptions:
    """What `national` judges."""

    change: ChangeOptions
    """Base year, indicators, level, multiplicity (the current year is every year)."""
    label: str = NATIONAL
    """Name of the total of all areas."""


def national_command(*, counts: Path, out: Path, base: str, indicator: list[str], level: float, multiplicity: str,
                     label: str, min_df: int, table_layout: str, layout: str, mapping: Path | None,
                     map_columns: list[str], indicators: Path | None, drop_code: list[str]) -> list[str]:
    """`safer crime national`, from its options by name (every year is a current year, so there is no --current)."""
    options = NationalOptions(ChangeOptions(base, None, tuple(indicator), level, multiplicity, min_df), label)
    return national_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code), options, out,
                        table_layout)


def national_job(counts: CountsOptions, options: NationalOptions, out: Path, layout: str = "long") -> list[str]:
    """Judge the national series of every indicator; write the table."""
    check_output(out, layout, [counts.counts, counts.mapping, counts.indicators_file])
    inputs = load_inputs(counts)
    base = parse_financial_year(options.change.base, "--base")
    inputs.cube.require_year(base, "--base")
    settings = _settings(options.change, base, base)
    all_series, notes = series_for(inputs, inputs.cube, options.change.indicators, base)
    table = pd.concat([national_table(s, inputs.cube, settings, options.label) for s in all_series],
                      ignore_index=True)
    write_result(table, out, "crime national", {"counts": counts, "national": options}, inputs,
                 notes + inputs.cube.notes, {"method": METHOD, "base_period": year_label(base),
                                             "multiplicity": describe(settings.multiplicity, settings.level)},
                 layout)
    lines = [*notes]
    views = table[(table["view"] != "") & (table["crime_type"] == "all")]
    for row in views.itertuples():
        lines.append(f"{row.indicator} {row.current_period} against {row.base_period}: {row.verdict}.")
    return [*lines, f"wrote {len(table)} rows to {out}"]
