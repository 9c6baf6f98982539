"""`safer crime displacement`: A.17's pairs side by side, each against the base year."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorded_crime.jobs.change import ChangeOptions, _settings
from recorded_crime.jobs.common import (
    CountsOptions,
    check_output,
    counts_options,
    load_inputs,
    output_cube,
    write_result,
)
from recorded_crime.judging.displacement import chosen_pairs, displacement_table
from recorded_crime.reading.periods import parse_financial_year, year_label


@dataclass(frozen=True)
class DisplacementOptions:
    """Which pairs, from which base year."""

    change: ChangeOptions
    """Base year, level, fewest degrees of freedom."""
    pairs: tuple[str, ...] = ()
    """Pair ids (default: every pair with codes on both sides in the file)."""
    total: bool = True
    """Add all areas together."""


def displacement_command(*, counts: Path, out: Path, base: str, pair: list[str], total: bool, level: float,
                         min_df: int, table_layout: str, layout: str, mapping: Path | None, map_columns: list[str],
                         indicators: Path | None, drop_code: list[str], area: list[str]) -> list[str]:
    """`safer crime displacement`, from its options by name (each pair is judged whole: no --indicator, and no
    multiplicity rule across pairs)."""
    options = DisplacementOptions(ChangeOptions(base, None, (), level, "holm", min_df), tuple(pair), total)
    return displacement_job(counts_options(counts, layout, mapping, map_columns, indicators, drop_code, area),
                            options, out, table_layout)


def displacement_job(counts: CountsOptions, options: DisplacementOptions, out: Path, layout: str = "long"
                     ) -> list[str]:
    """Write the side-by-side table of the displacement pairs."""
    check_output(out, layout, [counts.counts, counts.mapping, counts.indicators_file])
    inputs = load_inputs(counts)
    base = parse_financial_year(options.change.base, "--base")
    settings = _settings(options.change, base, base)
    pairs, notes = chosen_pairs(inputs.cube, inputs.catalogue, list(options.pairs))
    cube = output_cube(inputs, counts.areas)
    table = displacement_table(pairs, cube, settings, options.total)
    write_result(table, out, "crime displacement", {"counts": counts, "displacement": options}, inputs,
                 notes + inputs.cube.notes, {"base_period": year_label(base)}, layout)
    flagged = table[table["signal"] != ""]
    return [*notes, f"{len(flagged)} area-year(s) marked possible displacement.", f"wrote {len(table)} rows to {out}"]
