"""What every `safer crime` job shares: reading and checking the inputs, choosing indicators and years, writing.

`load_inputs` reads the counts (and the population and groups files when a job needs them), runs every check of
`validate` and builds the count array, or refuses with the problems found before anything is written. `write_result`
writes a table through `safer_io.outputs` with its provenance (tool, version, command, parameters, the SHA-256 of
every input, the indicators file among them), the caveats a reader must see, and, with `--format publication`,
the table as a person reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from recorded_crime.codes.catalogue import Catalogue, load_catalogue
from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.counts import RawCounts, read_counts
from recorded_crime.reading.cube import CountCube, build_cube
from recorded_crime.reading.groups import Groups, read_groups
from recorded_crime.reading.layouts import parse_map_options
from recorded_crime.reading.periods import parse_financial_year, year_label
from recorded_crime.reading.population import Population, read_population
from recorded_crime.reading.validate import Checked, check_counts

NOT_A_SAMPLE = ("Recorded crime counts every offence the police recorded: it is not a sample and has no sampling "
                "error (000:449). Intervals and tests here describe random variation in the counts, judged against "
                "each series' own ordinary fluctuation (A.2, 000:460).")
SYNTHETIC_CAVEAT = ("SYNTHETIC DATA: the recorded crime behind these results was drawn by safer synth crime; no "
                    "real partnership is described.")
FORMATS = ("long", "publication")


@dataclass(frozen=True)
class CountsOptions:
    """Where the counts are and how to read them (the options every `crime` command shares)."""

    counts: Path
    """The counts file."""
    layout: str = "auto"
    """long, home-office or auto."""
    mapping: Path | None = None
    """A mapping YAML (layout, columns)."""
    map_columns: tuple[str, ...] = ()
    """`ROLE=COLUMN` bindings."""
    indicators_file: Path | None = None
    """An indicators file instead of the bundled one."""
    drop_codes: tuple[str, ...] = ()
    """Codes left out knowingly."""
    areas: tuple[str, ...] = ()
    """Only these areas in the output (the whole file is still checked)."""


@dataclass
class Inputs:
    """Everything a job reads, checked."""

    catalogue: Catalogue
    """The indicators file."""
    cube: CountCube
    """The counts, all areas."""
    population: Population | None = None
    """Population, when read."""
    groups: Groups | None = None
    """Most similar groups, when read."""
    files: list[Path] = field(default_factory=list)
    """Every input file, for provenance."""


def counts_options(counts: Path, layout: str, mapping: Path | None, map_columns: list[str], indicators: Path | None,
                   drop_code: list[str], area: list[str] | None = None) -> CountsOptions:
    """The options every `crime` command shares, from the command line's names for them."""
    return CountsOptions(counts, layout, mapping, tuple(map_columns), indicators, tuple(drop_code), tuple(area or ()))


@dataclass
class CheckedFiles:
    """The counts as read and as checked, with the indicators, population and groups files read beside them."""

    catalogue: Catalogue
    """The indicators file."""
    raw: RawCounts
    """The counts as read, with how their columns were bound."""
    checked: Checked
    """Parsed periods and codes, problems and notes."""
    population: Population | None
    """Population, when given."""
    groups: Groups | None
    """Most similar groups, when given."""


def read_and_check(options: CountsOptions, population: Path | None = None, groups: Path | None = None,
                   population_lag: int = 0) -> CheckedFiles:
    """Read the counts (and population, groups) and check them, problems listed rather than raised: what `validate`
    reports and every other command refuses on."""
    catalogue = load_catalogue(options.indicators_file)
    people = read_population(population) if population is not None else None
    peer_groups = read_groups(groups) if groups is not None else None
    raw = read_counts(options.counts, options.layout, options.mapping, parse_map_options(list(options.map_columns)))
    checked = check_counts(raw, catalogue, list(options.drop_codes), people, population_lag, peer_groups)
    return CheckedFiles(catalogue, raw, checked, people, peer_groups)


def load_inputs(options: CountsOptions, population: Path | None = None, groups: Path | None = None,
                population_lag: int = 0) -> Inputs:
    """Read and check the counts (and population, groups); refuse with every problem found."""
    read = read_and_check(options, population, groups, population_lag)
    cube = build_cube(read.checked)
    files = [options.counts, read.catalogue.path, *(p for p in (options.mapping, population, groups) if p is not None)]
    return Inputs(read.catalogue, cube, read.population, read.groups, files)


def chosen_years(cube: CountCube, base: str, current: str | None) -> tuple[int, int]:
    """Base and current financial years (current: the latest complete year of the file by default)."""
    base_year = parse_financial_year(base, "--base")
    cube.require_year(base_year, "--base")
    if current is None:
        current_year = cube.complete_years()[-1]
        if current_year == base_year:
            raise CrimeInputError(f"{cube.source}: the latest complete year is the base, {year_label(base_year)}; "
                                  "there is no later year to compare it with.")
    else:
        current_year = parse_financial_year(current, "--current")
        cube.require_year(current_year, "--current")
    return base_year, current_year


def synthetic(cube: CountCube) -> bool:
    """Whether the counts file says it is synthetic."""
    return "SYNTHETIC" in json.dumps(cube.metadata or {}, default=str)


def parameters_of(options: Any) -> dict[str, Any]:
    """A job's options as JSON-ready parameters."""
    values = asdict(options) if hasattr(options, "__dataclass_fields__") else dict(options)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) or hasattr(value, "__dataclass_fields__"):
            out |= parameters_of(value)
        elif isinstance(value, Path):
            out[key] = str(value)
        elif isinstance(value, tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out


def write_result(table: pd.DataFrame, out: Path, command: str, options: Any, inputs: Inputs,
                 notes: list[str], extra: dict[str, Any] | None = None, layout: str = "long") -> None:
    """Write `table` with provenance, caveats and notes; `layout` publication writes the person's form."""
    from recorded_crime.jobs.publication import publication_form
    from safer_io.outputs import write_output
    from safer_io.provenance import provenance

    caveats = [NOT_A_SAMPLE]
    if synthetic(inputs.cube):
        caveats.insert(0, SYNTHETIC_CAVEAT)
    caveats += [n for n in notes if n not in caveats]
    titles = {i: ind.title for i, ind in inputs.catalogue.indicators.items()}
    metadata = provenance(command, parameters_of(options) | {"format": layout}, inputs.files) | {
        "caveats": caveats, "indicator_titles": titles, "counts": inputs.cube.record,
        "indicators_file": {"path": str(inputs.catalogue.path), "sha256": inputs.catalogue.sha256},
        **(extra or {})}
    if layout == "publication":
        write_output(publication_form(command, table), out, metadata | {"content": "publication"})
    else:
        write_output(table, out, metadata)


def check_output(out: Path, layout: str, inputs: list[Path | None]) -> None:
    """Refuse, before any work, an output that would overwrite an input or has an unknown format."""
    from safer_io.outputs import check_outputs, table_format

    if layout not in FORMATS:
        raise CrimeInputError(f"--format {layout}: use long or publication.")
    table_format(out)
    check_outputs([out], inputs)


def series_for(inputs: Inputs, cube: CountCube, requested: tuple[str, ...], base: int | None = None
               ) -> tuple[list[Any], list[str]]:
    """The indicator series to judge, and notes: asked-for indicators as asked (refused when they cannot be
    judged); by default every indicator with codes in the file, less those not counted whole in the base year."""
    from recorded_crime.judging.years import require_comparable
    from recorded_crime.rates.series import indicator_series

    all_series = indicator_series(cube, inputs.catalogue, list(requested) or None)
    notes = [n for s in all_series for n in s.notes]
    if requested or base is None:
        return all_series, notes
    kept = []
    for series in all_series:
        try:
            require_comparable(base, series.types, "--base", series.indicator.id)
        except CrimeInputError as exc:
            notes.append(f"{series.indicator.id} left out: {str(exc).split(': ', 1)[1]}")
            continue
        kept.append(series)
    if not kept:
        raise CrimeInputError(f"{cube.source}: no indicator can be judged from the base year {year_label(base)} "
                              f"({'; '.join(notes)}).")
    return kept, notes


def output_cube(inputs: Inputs, areas: tuple[str, ...]) -> CountCube:
    """The counts of the areas asked for (all by default)."""
    return inputs.cube.select_areas(list(areas))
