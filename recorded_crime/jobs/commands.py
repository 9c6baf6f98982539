"""The `safer crime ...` commands, and `safer synth crime` and `safer check crime-change`, as Typer declarations.

Each command builds its options and calls one job of `recorded_crime.jobs`; it returns what to show (`Shown`: lines
and an exit code) and prints nothing. `cli.py` registers them (`crime_app` as the `crime` group, the two others on
its `synth` and `check` groups), runs each inside its error handling (bad input: one paragraph and exit code 2) and
prints what it returns through `reporting.console`. They live here rather than in `cli.py` so that the command line
stays a short file of declarations; this module imports nothing of `safer` at import time, so `safer --help` stays
quick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer


@dataclass(frozen=True)
class Shown:
    """What a command made, for the terminal."""

    lines: list[str] = field(default_factory=list)
    """Lines to show (plain text)."""
    exit_code: int = 0
    """0, or 2 when `validate` found problems."""


crime_app = typer.Typer(help="Police recorded crime: PSA 23 indicators 1 and 2 and the recorded-crime NIs (rates, "
                        "change against ordinary fluctuation, most similar groups, A.20).", no_args_is_help=True)
"""The `safer crime` group."""

COUNTS = typer.Argument(..., help="Offence counts: a long CSV/Parquet (area, period, code, count) or the Home "
                        "Office open-data layout (CSV or XLSX).")
CRIME_LAYOUT = typer.Option("auto", "--layout", help="auto, long or home-office (Financial Year, Financial Quarter, "
                            "CSP Name, Offence Code, Number of Offences).")
CRIME_MAPPING = typer.Option(None, "--mapping", help="Mapping YAML: layout and columns (role: column name).")
CRIME_MAP = typer.Option([], "--map", help="Bind a role to a column, ROLE=COLUMN (repeatable), e.g. area=\"CSP Name\".")
CRIME_INDICATORS_FILE = typer.Option(None, "--indicators", help="Indicators YAML instead of the bundled one "
                                     "(a copy of `recorded_crime/codes/indicators.yaml`).")
DROP_CODE = typer.Option([], "--drop-code", help="Leave out an offence code knowingly (repeatable); recorded.")
CRIME_AREA = typer.Option([], "--area", help="Only this area in the output (repeatable); the whole file is checked.")
CRIME_INDICATOR = typer.Option([], "--indicator", help="Indicator id: PSA23_1, PSA23_2, SSO, NI15, NI16, NI20, NI28, "
                               "NI29, NI34 (repeatable; default: every indicator with codes in the file).")
CRIME_OUT = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx.")
CRIME_FORMAT = typer.Option("long", "--format", help="long (for machines and `safer report`) or publication.")
BASE_YEAR = typer.Option("2007-08", "--base", help="Base financial year (the PSA baseline is 2007-08).")
CURRENT_YEAR = typer.Option(None, "--current", help="Current financial year (default: the latest complete one).")
CRIME_LEVEL = typer.Option(0.95, "--level", help="Confidence level; 1 - level is the size of every test.")
MIN_DF_OPTION = typer.Option(10, "--min-df", min=1, help="Fewest residual degrees of freedom for a series' "
                             "dispersion (10: two complete years of months, five of quarters).")
POPULATION = typer.Option(..., "--population", help="Population CSV/Parquet: area, year (mid-year), population.")
POPULATION_LAG = typer.Option(0, "--population-lag", min=0, help="Use the mid-year estimate this many years before "
                              "the period's own.")


def _counts_options(counts: Path, layout: str, mapping: Path | None, map_columns: list[str],
                    indicators_file: Path | None, drop_code: list[str], area: list[str]) -> Any:
    from recorded_crime.jobs.common import CountsOptions

    return CountsOptions(counts, layout, mapping, tuple(map_columns), indicators_file, tuple(drop_code), tuple(area))


@crime_app.command("validate")
def crime_validate(
    counts: Path = COUNTS,
    population: Path | None = typer.Option(None, "--population", help="Also check every area has a population."),
    groups: Path | None = typer.Option(None, "--groups", help="Also check every area has a most similar group."),
    population_lag: int = POPULATION_LAG,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE,
) -> Shown:
    """List every problem of a counts file: unknown codes (with the nearest known), bad counts, duplicate rows,
    missing months, codes outside their era, areas without population or group. Exits 2 when there is any."""
    from recorded_crime.jobs.validate import validate_job

    report = validate_job(_counts_options(counts, layout, mapping, map_columns, indicators, drop_code, []), population,
                          groups, population_lag)
    return Shown(report.lines, 2 if report.checked.problems else 0)


@crime_app.command("codes")
def crime_codes(
    indicator: list[str] = CRIME_INDICATOR, indicators: Path | None = CRIME_INDICATORS_FILE,
) -> Shown:
    """Show each indicator's crime types and offence codes, with their source (seed line, or outside the seeds)."""
    from recorded_crime.jobs.codes import codes_lines

    return Shown(codes_lines(indicators, tuple(indicator)))


@crime_app.command("rates")
def crime_rates(
    counts: Path = COUNTS, population: Path = POPULATION, out: Path = CRIME_OUT,
    period: str = typer.Option("year", "--period", help="year (financial), quarter, month or rolling (12 months)."),
    every: str = typer.Option("quarter", "--every", help="A rolling year ends every month or every quarter."),
    indicator: list[str] = CRIME_INDICATOR,
    by_type: bool = typer.Option(False, "--by-type", help="Also each crime type of an indicator."),
    total: bool = typer.Option(True, "--total/--no-total", help="Add a row for all areas together."),
    population_lag: int = POPULATION_LAG, level: float = CRIME_LEVEL, table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE, area: list[str] = CRIME_AREA,
) -> Shown:
    """Counts and rates per 1,000 residents by indicator, area and period, with exact Poisson intervals."""
    from recorded_crime.jobs.rates import RatesOptions, rates_job

    options = RatesOptions(population, tuple(indicator), period, every, population_lag, level, by_type, total)
    return Shown(rates_job(_counts_options(counts, layout, mapping, map_columns, indicators,
                                                           drop_code, area), options, out, table_layout))


@crime_app.command("change")
def crime_change(
    counts: Path = COUNTS, out: Path = CRIME_OUT, base: str = BASE_YEAR, current: str | None = CURRENT_YEAR,
    indicator: list[str] = CRIME_INDICATOR, level: float = CRIME_LEVEL,
    multiplicity: str = typer.Option("holm", "--multiplicity", help="Across an area's crime types (A.3, A.24): holm, "
                                     "bonferroni or none."),
    min_df: int = MIN_DF_OPTION, table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE, area: list[str] = CRIME_AREA,
) -> Shown:
    """Is the change real? Current against base year for every area, indicator and crime type, by a quasi-Poisson
    model of each series' own fluctuation (A.2), with the plain Poisson test beside it."""
    from recorded_crime.jobs.change import ChangeOptions, change_job

    options = ChangeOptions(base, current, tuple(indicator), level, multiplicity, min_df)
    return Shown(change_job(_counts_options(counts, layout, mapping, map_columns, indicators,
                                                            drop_code, area), options, out, table_layout))


@crime_app.command("spc")
def crime_spc(
    counts: Path = COUNTS, out: Path = CRIME_OUT, base: str = BASE_YEAR, indicator: list[str] = CRIME_INDICATOR,
    min_df: int = MIN_DF_OPTION, table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE, area: list[str] = CRIME_AREA,
) -> Shown:
    """Control limits over time: each month against the base year's level and season, with signals."""
    from recorded_crime.jobs.change import SpcOptions, spc_job

    return Shown(spc_job(_counts_options(counts, layout, mapping, map_columns, indicators, drop_code,
                                                         area), SpcOptions(base, tuple(indicator), min_df), out,
                                         table_layout))


@crime_app.command("peers")
def crime_peers(
    counts: Path = COUNTS, population: Path = POPULATION,
    groups: Path = typer.Option(..., "--groups", help="Most similar groups CSV: area, peer (or area, group)."),
    out: Path = CRIME_OUT, base: str = BASE_YEAR, current: str | None = CURRENT_YEAR,
    indicator: list[str] = CRIME_INDICATOR,
    benchmark: str = typer.Option("mean", "--benchmark", help="Benchmark from the peers' base-year rates: mean, "
                                  "pooled, median or quantile:Q."),
    variation: str = typer.Option("overdispersed", "--variation", help="Limits from each area's own fluctuation "
                                  "(overdispersed) or Poisson."),
    targets: Path | None = typer.Option(None, "--targets", help="Agreed targets CSV: area, target_rate[, indicator]."),
    reach_by: str = typer.Option("2012-13", "--reach-by", help="Without an agreed target, the trajectory reaches the "
                                 "benchmark in this year (an assumption, said so in each row)."),
    population_lag: int = POPULATION_LAG, level: float = CRIME_LEVEL, min_df: int = MIN_DF_OPTION,
    table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE, area: list[str] = CRIME_AREA,
) -> Shown:
    """Each area against its most similar group: benchmark (A.19), limits, flag, rank and the A.20 status."""
    from recorded_crime.jobs.peers import PeersOptions, peers_job

    options = PeersOptions(population, groups, base, current, tuple(indicator), benchmark, variation, targets,
                           reach_by, population_lag, level, min_df)
    return Shown(peers_job(_counts_options(counts, layout, mapping, map_columns, indicators,
                                                           drop_code, area), options, out, table_layout))


@crime_app.command("national")
def crime_national(
    counts: Path = COUNTS, out: Path = CRIME_OUT, base: str = BASE_YEAR, indicator: list[str] = CRIME_INDICATOR,
    level: float = CRIME_LEVEL,
    multiplicity: str = typer.Option("holm", "--multiplicity", help="Across crime types: holm, bonferroni or none."),
    label: str = typer.Option("England and Wales", "--label", help="Name of the total of all areas."),
    min_df: int = MIN_DF_OPTION, table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE,
) -> Shown:
    """The total of all areas against the baseline and year on year, with the 2010-11 and 2012-13 views (A.1,
    A.3, A.24)."""
    from recorded_crime.jobs.change import ChangeOptions
    from recorded_crime.jobs.national import NationalOptions, national_job

    options = NationalOptions(ChangeOptions(base, None, tuple(indicator), level, multiplicity, min_df), label)
    return Shown(national_job(_counts_options(counts, layout, mapping, map_columns, indicators,
                                                              drop_code, []), options, out, table_layout))


@crime_app.command("displacement")
def crime_displacement(
    counts: Path = COUNTS, out: Path = CRIME_OUT, base: str = BASE_YEAR,
    pair: list[str] = typer.Option([], "--pair", help="Pair id: vehicle, burglary (default: both, when in the file)."),
    total: bool = typer.Option(True, "--total/--no-total", help="Add all areas together."),
    level: float = CRIME_LEVEL, min_df: int = MIN_DF_OPTION, table_layout: str = CRIME_FORMAT,
    layout: str = CRIME_LAYOUT, mapping: Path | None = CRIME_MAPPING, map_columns: list[str] = CRIME_MAP,
    indicators: Path | None = CRIME_INDICATORS_FILE, drop_code: list[str] = DROP_CODE, area: list[str] = CRIME_AREA,
) -> Shown:
    """A.17's displacement pairs side by side: theft from vehicles against vehicle interference, attempted burglary
    against criminal damage."""
    from recorded_crime.jobs.change import ChangeOptions
    from recorded_crime.jobs.displacement import DisplacementOptions, displacement_job

    options = DisplacementOptions(ChangeOptions(base, None, (), level, "holm", min_df), tuple(pair), total)
    return Shown(displacement_job(_counts_options(counts, layout, mapping, map_columns, indicators,
                                                                  drop_code, area), options, out, table_layout))


def synth_crime(
    out: Path = typer.Option(..., "--out", help="Counts file to write (long layout): .csv or .parquet."),
    population: Path = typer.Option(..., "--population", help="Population file to write."),
    groups: Path = typer.Option(..., "--groups", help="Most similar groups file to write (area, peer)."),
    truth: Path | None = typer.Option(None, "--truth", help="Truth file: expected counts and change factors."),
    areas: int = typer.Option(30, "--areas", min=3, help="Number of areas."),
    years: str = typer.Option("2003-04:2012-13", "--years", help="FIRST:LAST financial years."),
    seed: int = typer.Option(2008, "--seed", help="Random seed (same seed, same files)."),
    change_share: float = typer.Option(0.2, "--change-share", min=0.0, max=1.0, help="Share of areas with a true "
                                       "change."),
    effect: float = typer.Option(0.8, "--effect", min=0.01, help="The true change, a factor on expected counts."),
    change_from: str = typer.Option("2008-09", "--change-from", help="First financial year of the true change."),
    changed_family: str = typer.Option("acquisitive", "--changed-family", help="violence, acquisitive or damage."),
    keep_zero_rows: bool = typer.Option(False, "--keep-zero-rows", help="Write rows of zero offences too."),
) -> Shown:
    """Draw SYNTHETIC recorded crime with known truth: populations, most similar groups, code mix, seasons,
    overdispersion and chosen true changes."""
    from recorded_crime.jobs.synth import synth_job, synth_settings

    settings = synth_settings(areas, years, seed, change_share, effect, change_from, changed_family, keep_zero_rows)
    return Shown(synth_job(settings, out, population, groups, truth))


def check_crime_change(
    areas: int = typer.Option(400, "--areas", min=1, help="Synthetic areas per scenario."),
    years: str = typer.Option("2005-06:2010-11", "--years", help="FIRST:LAST financial years of each series."),
    base: str = typer.Option("2007-08", "--base", help="Base year of the test."),
    current: str = typer.Option("2010-11", "--current", help="Current year of the test."),
    effect: list[float] = typer.Option([0.85, 0.9, 1.1, 1.15], "--effect", help="True change at which power is "
                                       "measured (repeatable)."),
    indicator: str = typer.Option("PSA23_2", "--indicator", help="PSA23_1, PSA23_2, NI15 or NI16."),
    level: float = typer.Option(0.95, "--level", help="Level of the test."),
    seed: int = typer.Option(2011, "--seed", help="Random seed."),
    out: Path | None = typer.Option(None, "--out", help="Also write the table (.csv .parquet .json .xlsx)."),
) -> Shown:
    """How often does `safer crime change` call an unchanged area changed, and how often does it see a true
    change? On synthetic overdispersed series with known truth, beside the plain Poisson test."""
    from recorded_crime.jobs.synth import check_job
    from recorded_crime.reading.periods import parse_financial_year
    from recorded_crime.synthetic.check import CheckSettings

    first, _, last = years.partition(":")
    settings = CheckSettings(areas, parse_financial_year(first, "--years"), parse_financial_year(last, "--years"),
                             parse_financial_year(base, "--base"), parse_financial_year(current, "--current"),
                             tuple(effect), indicator, level, seed)
    return Shown(check_job(settings, out)[0])
