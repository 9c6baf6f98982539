"""`safer crime peers`: each area's rate against its most similar group, the benchmark, limits and A.20 status."""

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
    series_for,
    write_result,
)
from recorded_crime.judging.a20 import read_targets
from recorded_crime.judging.peers import PeerSettings, parse_rule, peer_table
from recorded_crime.judging.quasi_poisson import MIN_DF
from recorded_crime.reading.periods import parse_financial_year, year_label


@dataclass(frozen=True)
class PeersOptions:
    """What `peers` compares."""

    population: Path
    """Population by area and year."""
    groups: Path
    """Most similar groups."""
    base: str = "2007-08"
    """The benchmark year."""
    current: str | None = None
    """End of the period for A.20 (default: the latest complete year; the PSA period ends in 2010-11)."""
    indicators: tuple[str, ...] = ()
    """Indicator ids (default: every indicator with codes in the file)."""
    benchmark: str = "mean"
    """Benchmark rule: mean, pooled, median or quantile:Q."""
    variation: str = "overdispersed"
    """Limits from each area's own fluctuation, or poisson."""
    targets: Path | None = None
    """Agreed targets (area, target_rate[, indicator])."""
    reach_by: str = "2012-13"
    """Year an assumed trajectory reaches the benchmark."""
    population_lag: int = 0
    """Use the mid-year estimate this many years earlier."""
    level: float = 0.95
    """Level of the inner limits."""
    min_df: int = MIN_DF
    """Fewest residual degrees of freedom for the dispersion."""


def peers_command(*, counts: Path, population: Path, groups: Path, out: Path, base: str, current: str | None,
                  indicator: list[str], benchmark: str, variation: str, targets: Path | None, reach_by: str,
                  population_lag: int, level: float, min_df: int, table_layout: str, layout: str,
                  mapping: Path | None, map_columns: list[str], indicators: Path | None, drop_code: list[str],
                  area: list[str]) -> list[str]:
    """`safer crime peers`, from its options by name."""
    options = PeersOptions(population, groups, base, current, tuple(indicator), benchmark, variation, targets,
                           reach_by, population_lag, level, min_df)
    return peers_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code, area), options, out,
                     table_layout)


def peers_job(counts: CountsOptions, options: PeersOptions, out: Path, layout: str = "long") -> list[str]:
    """Benchmark every area against its group and give its A.20 status; write the table."""
    check_output(out, layout, [counts.counts, options.population, options.groups, options.targets, counts.mapping,
                               counts.indicators_file])
    parse_rule(options.benchmark)
    inputs = load_inputs(counts, population=options.population, groups=options.groups,
                         population_lag=options.population_lag)
    base, current = chosen_years(inputs.cube, options.base, options.current)
    reach_by = parse_financial_year(options.reach_by, "--reach-by")
    targets = read_targets(options.targets) if options.targets is not None else None
    settings = PeerSettings(base, current, options.benchmark, options.variation, options.level,
                            options.population_lag, reach_by, options.min_df)
    all_series, notes = series_for(inputs, inputs.cube, options.indicators, base)
    assert inputs.population is not None and inputs.groups is not None
    table = pd.concat([peer_table(s, inputs.cube, inputs.population, inputs.groups, settings, targets)
                       for s in all_series], ignore_index=True)
    # Every area stays in the table (its rate is a peer's); `focus` marks the areas asked for with --area.
    inputs.cube.select_areas(list(counts.areas))  # refuses an unknown name
    table["focus"] = table["area"].isin(counts.areas) if counts.areas else True
    if targets is not None:
        inputs.files.append(targets.path)
    write_result(table, out, "crime peers", {"counts": counts, "peers": options}, inputs, notes + inputs.cube.notes,
                 {"peer_mean": f"{options.benchmark} of the base-year rates of the area's peers (the area itself "
                               "left out)", "base_period": year_label(base), "current_period": year_label(current)},
                 layout)
    subject = table[table["subject_to_a20"] & table["focus"]]
    lines = [*notes]
    for indicator, rows in subject.groupby("indicator", sort=False):
        status = rows["a20_status"].value_counts()
        lines.append(f"{indicator}: {len(rows)} area(s) above their benchmark in {year_label(base)}; by "
                     f"{year_label(current)} {status.get('reached benchmark', 0)} reached it, "
                     f"{status.get('met trajectory target', 0)} met a trajectory target, {status.get('not met', 0)} "
                     "neither.")
    return [*lines, f"wrote {len(table)} rows to {out}"]
