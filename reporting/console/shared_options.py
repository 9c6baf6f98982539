"""The options several `safer` commands share, each declared once with its help: single options (`DATA_FILES`,
`BY`, `COUNTS`, ...), help texts, and option groups, which `cli.py` splices into a command with `@with_options`
(`reporting/console/option_groups.py`).

Every command is declared in `cli.py`, with the options that are its own; what is here is what more than one of
them takes, spelled the same everywhere: the survey commands' design, item binding, what to estimate and
intervals; the recorded-crime commands' counts file and output table; the simulation's scenario, uncertainty and
precision help. Typer reads each as a parameter's default.
"""

from __future__ import annotations

from pathlib import Path

import typer

from reporting.console.option_groups import option_group
from safer_io.verification import TRUST_EDITED_HELP

# ---- survey ------------------------------------------------------------------------------------------------

QUESTIONNAIRE_HELP = "Questionnaire: a bundled name (bcs, place) or a YAML path."
QUESTIONNAIRE = typer.Option(None, "--questionnaire", "-q", help=QUESTIONNAIRE_HELP)


@option_group("Items and columns")
def item_binding(
    map_items: list[str] = typer.Option([], "--map", help="Bind an item to a column, ITEM=COLUMN (repeatable); "
                                        "overrides the mapping file and names."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping YAML: item -> column, with optional recode "
                                        "and missing codes (see `safer questionnaire map`)."),
    ignore_labels: bool = typer.Option(False, "--ignore-labels", help="Go on when the file's value labels "
                                       "contradict the questionnaire (recorded in the output)."),
) -> None:
    """How the columns of a data file are bound to the questionnaire's items."""


@option_group("Survey design")
def survey_design(
    weight: str | None = typer.Option(None, help="Weight column (default: weights of 1, or a weighted file's)."),
    strata: str | None = typer.Option(None, help="Stratum column."),
    psu: str | None = typer.Option(None, help="Primary sampling unit (cluster) column."),
    fpc: str | None = typer.Option(None, help="FPC column: population PSU counts, or sampling fractions."),
    design: Path | None = typer.Option(None, "--design", help="Design YAML (weight, strata, psu, fpc, lonely_psu)."),
    lonely_psu: str = typer.Option("fail", help="Single-PSU strata: fail, adjust, average, certainty, remove."),
    override_design: bool = typer.Option(False, "--override-design", help="Use design flags contradicting a "
                                         "weighted file's (recorded)."),
    df_rule: str = typer.Option("domain", "--df", help="Degrees of freedom: domain (R's subset rule) or design (the "
                                "whole's)."),
    source_col: str | None = typer.Option(None, "--source-col", help="Column added to say which file a row came "
                                          "from (default source_file when several files are given); values are the "
                                          "file names."),
) -> None:
    """The sampling design of the data files (several files are stacked, each keeping its own)."""


@option_group("What to estimate")
def what_to_estimate(
    indicator: list[str] = typer.Option([], "--indicator", help="Indicator id to estimate (repeatable)."),
    all_indicators: bool = typer.Option(False, "--all-indicators", help="Estimate every indicator."),
    mean: list[str] = typer.Option([], "--mean", help="Weighted mean of a numeric column (repeatable)."),
    proportion: list[str] = typer.Option([], "--proportion", help="Proportion VAR=VALUE (repeatable)."),
    missing: list[str] = typer.Option([], "--missing", help="Codes of a column that are not answers, "
                                      "VAR=CODE[,CODE] (repeatable)."),
) -> None:
    """The questionnaire's indicators, or means and proportions of columns."""


@option_group("Intervals and small bases")
def intervals_and_bases(
    level: float = typer.Option(0.95, help="Confidence level."),
    min_base: int = typer.Option(50, "--min-base", min=0, help="Publication threshold: estimates on fewer "
                                 "respondents are flagged low_base (and blanked unless --no-suppress)."),
    suppress: bool = typer.Option(True, "--suppress/--no-suppress", help="Blank estimates below --min-base (the "
                                  "default); --no-suppress keeps them, for internal analysis only."),
) -> None:
    """How sure an interval is, and which estimates are too thinly based to publish."""


# Options of the survey commands that read data files, each declared once (Typer reads them as defaults).
DATA_FILES = typer.Argument(..., help="Survey file(s): .csv, .parquet, .sav (SPSS) or .dta (Stata). Several "
                            "files are stacked, each with its own design (strata kept apart).")
TRUST_EDITED = typer.Option(False, "--trust-edited", help=TRUST_EDITED_HELP)
BY = typer.Option([], "--by", help="Domain column; each gives its own domains (repeatable).")
CI = typer.Option("logit", help="Proportion CI: logit, wald, wilson, korn-graubard (Korn-Graubard is used wherever "
                  "an estimate is 0 or 1).")
DATE_COL = typer.Option(None, "--date-col", help="Interview date column (YYYY-MM-DD or DD/MM/YYYY).")
BETWEEN = typer.Option(None, "--between", help="Compare two levels of a column: COL=BASE,CURRENT (e.g. "
                       "survey_year=2008-09,2009-10, or source_file=FILE_A,FILE_B).")
BASE_WINDOW = typer.Option(None, "--base-window", help="Base period START:END of --date-col (e.g. 2007-04:2008-03).")
CURRENT_WINDOW = typer.Option(None, "--current-window", help="Current period START:END of --date-col.")
EVERY = typer.Option("quarter", "--every", help="Rolling windows end each month, quarter or year.")
LAYOUT = typer.Option("long", "--format", help="long: one row per result, proportions in 0-1 (for machines and "
                      "`safer report`); publication: names, per cent and points to one decimal.")
YEARS = typer.Option(None, "--years", help="Several fieldwork years (2008,2009 or 2008-2010) of a population "
                     "that changes by known amounts; --out then needs {year} in its name.")
DRIFT = typer.Option(1.0, "--drift", help="With --years: multiplier of the default yearly drift (0: no change).")
CHANGE_TRUTH = typer.Option(None, "--change-truth", help="With --years: true changes between years (.csv or "
                            ".parquet).")

# ---- simulation --------------------------------------------------------------------------------------------

SCENARIO_HELP = ("Scenario: a bundled name (" + "ppo, drug_treatment, cognitive_behavioural, short_custody_replaced, "
                 "resettlement, youth_early_intervention) or a scenario YAML; repeat to compare several on common "
                 "random numbers. The baseline is always run too.")
UNCERTAINTY_HELP = ("Draw each replication's assumptions (intervention effects, model assumptions, unpublished "
                    "figures) from their ranges by a Latin hypercube; Monte Carlo and assumption uncertainty are "
                    "reported apart (sd_monte_carlo, sd_assumptions, total_lower/total_upper).")
PRECISION_HELP = ("Add replications until the 95 per cent CI half-width of every headline measure is within this "
                  "share of its mean, e.g. 0.05 (Hoad, Robinson and Davies 2010); --replications is then the most "
                  "to run.")

# ---- recorded crime ----------------------------------------------------------------------------------------

COUNTS = typer.Argument(..., help="Offence counts: a long CSV/Parquet (area, period, code, count) or the Home "
                        "Office open-data layout (CSV or XLSX).")
CRIME_AREA = typer.Option([], "--area", help="Only this area in the output (repeatable); the whole file is checked.")
CRIME_INDICATOR = typer.Option([], "--indicator", help="Indicator id: PSA23_1, PSA23_2, SSO, NI15, NI16, NI20, NI28, "
                               "NI29, NI34 (repeatable; default: every indicator with codes in the file).")
BASE_YEAR = typer.Option("2007-08", "--base", help="Base financial year (the PSA baseline is 2007-08).")
CURRENT_YEAR = typer.Option(None, "--current", help="Current financial year (default: the latest complete one).")
CRIME_LEVEL = typer.Option(0.95, "--level", help="Confidence level; 1 - level is the size of every test.")
MIN_DF = typer.Option(10, "--min-df", min=1, help="Fewest residual degrees of freedom for a series' dispersion "
                      "(10: two complete years of months, five of quarters).")
POPULATION = typer.Option(..., "--population", help="Population CSV/Parquet: area, year (mid-year), population.")
POPULATION_LAG = typer.Option(0, "--population-lag", min=0, help="Use the mid-year estimate this many years before "
                              "the period's own.")


@option_group("Reading the counts")
def crime_counts(
    layout: str = typer.Option("auto", "--layout", help="auto, long or home-office (Financial Year, Financial "
                               "Quarter, CSP Name, Offence Code, Number of Offences)."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping YAML: layout and columns (role: column "
                                        "name)."),
    map_columns: list[str] = typer.Option([], "--map", help="Bind a role to a column, ROLE=COLUMN (repeatable), "
                                          "e.g. area=\"CSP Name\"."),
    indicators: Path | None = typer.Option(None, "--indicators", help="Indicators YAML instead of the bundled one "
                                           "(a copy of `recorded_crime/codes/indicators.yaml`)."),
    drop_code: list[str] = typer.Option([], "--drop-code", help="Leave out an offence code knowingly (repeatable); "
                                        "recorded."),
) -> None:
    """How a counts file is read, and the indicators file its offence codes are checked against."""


@option_group("Output")
def crime_table(
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    table_layout: str = typer.Option("long", "--format", help="long (for machines and `safer report`) or "
                                     "publication."),
) -> None:
    """The table a `crime` command writes."""
