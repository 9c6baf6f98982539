"""The `safer` command line: every command, declared here; it calls `survey`, `recorded_crime`, `simulation`.

No statistics live here. Errors in the input become one readable paragraph and exit code 2;
`--debug` shows the traceback instead. Every file is written to a temporary name and renamed,
so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from reporting.console import crime as crime_console
from reporting.console import jobs as jobs_console
from reporting.console import shared_options as shared
from reporting.console import simulation as simulation_console
from reporting.console import survey as survey_console
from reporting.console.failures import CommandGuard, SaferGroup, request_debug
from reporting.console.help import readable_metavars
from reporting.console.option_groups import gathered, with_options
from reporting.console.terminal import (
    BOOTSTRAP_PROGRESS,
    CHECK_PROGRESS,
    SIMULATION_PROGRESS,
    console,
    print_bindings,
)
from reporting.errors import ReportInputError
from safer_io.inputs import InputFileError
from safer_io.outputs import OutputError, recording_outputs
from safer_io.provenance import tool_version
from simulation.errors import SimulationInputError
from simulation.jobs.options import DEFAULT_COHORT_SIZE
from survey.errors import SurveyInputError

app = typer.Typer(
    name="safer",
    help="Community-safety performance statistics: survey indicators with confidence intervals, "
    "and re-offending simulation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=SaferGroup,
)
questionnaire_app = typer.Typer(help="List, show and map questionnaires.", no_args_is_help=True, cls=SaferGroup)
synth_app = typer.Typer(help="Draw synthetic survey data with known truth.", no_args_is_help=True, cls=SaferGroup)
check_app = typer.Typer(help="Statistical self-checks (coverage of confidence intervals).", no_args_is_help=True,
                        cls=SaferGroup)
simulate_app = typer.Typer(help="Offender-cohort simulation of proven re-offending.", no_args_is_help=True,
                           cls=SaferGroup)
crime_app = typer.Typer(help="Police recorded crime: PSA 23 indicators 1 and 2 and the recorded-crime NIs (rates, "
                        "change against ordinary fluctuation, most similar groups, A.20).", no_args_is_help=True,
                        cls=SaferGroup)
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(synth_app, name="synth")
app.add_typer(check_app, name="check")
app.add_typer(simulate_app, name="simulate")
app.add_typer(crime_app, name="crime")

guarded = CommandGuard((SurveyInputError, SimulationInputError, OutputError, InputFileError, ReportInputError))
"""Runs a command's body: bad input is one paragraph and exit code 2, a fault of safer exit code 1."""


def _show_version(value: bool) -> None:
    if value:
        console.print(f"safer {tool_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when a command fails (also "
                               "accepted after the command)."),
    show_version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                      help="Print the version of safer and exit."),
) -> None:
    """Community-safety performance statistics for England and Wales."""
    request_debug(debug)


# ---- survey commands ---------------------------------------------------------------------------------------
# Each command hands its options, by the same names, to its job in `survey.jobs`, `simulation.jobs`,
# `recorded_crime.jobs` or `reporting` (imported inside it, so `safer --help` stays quick), then prints what it made
# (`reporting.console`). Options that several commands share are declared once, in an option group (a function
# whose parameters are the options), and spliced into each command by `@with_options`; the command takes them in
# `**options` and hands them on with its own, by name (`gathered(locals())`).

@questionnaire_app.command("list")
def questionnaire_list() -> None:
    """List the bundled questionnaires: name, title, number of items and indicators."""
    from survey.questionnaire.loading import list_questionnaires
    guarded(lambda: survey_console.print_questionnaires(list_questionnaires()))


@questionnaire_app.command("show")
def questionnaire_show(
    name: str | None = typer.Argument(None, metavar="NAME|FILE",
                                      help="Questionnaire name (see `safer questionnaire list`) or YAML path."),
    questionnaire: str | None = typer.Option(None, "--questionnaire", "-q", help=shared.QUESTIONNAIRE_HELP + " (the "
                                             "same as the argument)"),
) -> None:
    """Show a questionnaire's items (wording, codes, aliases) and its indicators with their rules."""
    from survey.jobs.questionnaire import show_questionnaire
    guarded(lambda: survey_console.print_questionnaire(*show_questionnaire(name, questionnaire)))


@questionnaire_app.command("map")
def questionnaire_map(
    data: Path = typer.Argument(..., help="Survey data file: .csv, .parquet, .sav or .dta."),
    questionnaire: str = typer.Option(..., "--questionnaire", "-q", help=shared.QUESTIONNAIRE_HELP),
    out: Path = typer.Option(..., "--out", help="Mapping YAML to write, for you to check and pass to --mapping."),
) -> None:
    """Write a starting mapping (item -> column, recodes) from a data file's names and labels, to be checked."""
    from survey.jobs.questionnaire import draft_mapping_file
    guarded(lambda: survey_console.print_mapping_drafted(draft_mapping_file(data, questionnaire, out)))


@app.command("validate")
@with_options(shared.item_binding)
def validate_command(
    data: Path = typer.Argument(..., help="Survey data file: .csv, .parquet, .sav or .dta."),  # noqa: B008
    questionnaire: str = typer.Option(..., "--questionnaire", "-q", help=shared.QUESTIONNAIRE_HELP),
    max_listed: int = typer.Option(20, "--max-listed", min=0, help="List at most this many problems per column and "
                                   "rule (0 = list all)."),
    **options: Any,
) -> None:
    """Check a data file against a questionnaire; list every problem (row, column, value, rule).

    Exits 0 when the file is clean and 2 otherwise. The input file is only read.
    """
    given = gathered(locals())
    from survey.jobs.validate import validate_command as validate_job

    def body() -> int:
        result = validate_job(**given)
        survey_console.print_validation(data, result)
        return result.total

    if guarded(body):
        raise typer.Exit(code=2)


def _write_judged(command: str, judged: tuple[Any, dict[str, Any]], out: Path, layout: str) -> None:
    """Say how items were bound, write the table in `layout` (`reporting.publication` makes the publication form,
    which the survey package may not import), then show its first rows."""
    from reporting.publication import write_result

    table, meta = judged
    print_bindings(meta)
    write_result(command, table, out, meta, layout)
    survey_console.print_judged(command, table, meta, out)


@app.command("estimate")
@with_options(shared.what_to_estimate, shared.item_binding, shared.survey_design, shared.intervals_and_bases)
def estimate_command(
    data: list[Path] = shared.DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    questionnaire: str | None = shared.QUESTIONNAIRE,
    total: list[str] = typer.Option([], "--total", help="Weighted total of a column, as R svytotal (repeatable)."),
    ratio: list[str] = typer.Option([], "--ratio", help="Ratio NUM/DEN of two columns' totals, as R svyratio."),
    quantile: list[str] = typer.Option([], "--quantile", help="Quantile VAR=Q (Woodruff interval, as R svyquantile)."),
    by: list[str] = shared.BY, ci: str = shared.CI, date_col: str | None = shared.DATE_COL,
    window: list[str] = typer.Option([], "--window", help="Estimate for respondents interviewed START:END "
                                     "(e.g. 2007-10:2008-03; repeatable), a domain of the full design."),
    rolling: str | None = typer.Option(None, "--rolling", help="Rolling windows of this length (12m, 6m)."),
    every: str = shared.EVERY,
    table_layout: str = typer.Option("long", "--format", help="long: one row per estimate, proportions in 0-1 "
                                     "(for machines and `safer report`); publication: titles, area names, "
                                     "percentages to one decimal and '+/- half-width' in points."),
    **options: Any,
) -> None:
    """Estimate indicators, means, proportions, totals, ratios and quantiles with design-based SEs and intervals.

    With --date-col and --window or --rolling, estimates are made for each period (rolling 12-month
    figures each quarter with `--rolling 12m --every quarter`), each period a domain of the full design.
    Several files are stacked, each keeping its own design.
    """
    given = gathered(locals())
    from survey.jobs.tables import estimate_command as estimate_job
    guarded(lambda: _write_judged("estimate", estimate_job(**given), out, table_layout))


@app.command("change")
@with_options(shared.what_to_estimate, shared.item_binding, shared.survey_design, shared.intervals_and_bases)
def change_command(
    data: list[Path] = typer.Argument(None, help="Survey file(s); several are stacked, each with its own design. "
                                      "Not used with --tables."),
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    between: str | None = shared.BETWEEN, base_window: str | None = shared.BASE_WINDOW,
    current_window: str | None = shared.CURRENT_WINDOW, date_col: str | None = shared.DATE_COL,
    independent: bool = typer.Option(False, "--independent", help="Assert the periods share no respondent "
                                     "(an error if they do)."),
    next_n: float | None = typer.Option(None, "--next-n", help="Planned sample size of the next period, for "
                                        "the minimum movement (default: the base period's precision)."),
    tables: tuple[Path, Path] | None = typer.Option(None, "--tables", help="BASE.csv CURRENT.csv: compare two "
                                                     "published estimate tables instead of microdata."),
    table_level: float = typer.Option(0.95, "--table-level", help="Level of the tables' intervals, when SEs "
                                      "come from CI half-widths."),
    questionnaire: str | None = shared.QUESTIONNAIRE, by: list[str] = shared.BY, table_layout: str = shared.LAYOUT,
    trust_edited: bool = shared.TRUST_EDITED,
    **options: Any,
) -> None:
    """Is the change real? Difference between two periods, its SE from the full design, significance,
    direction by the indicator's polarity, and the Annex's minimum movement."""
    given = gathered(locals())
    from survey.jobs.tables import change_command as change_job
    guarded(lambda: _write_judged("change", change_job(**given), out, table_layout))


@app.command("peers")
@with_options(shared.what_to_estimate, shared.item_binding, shared.survey_design, shared.intervals_and_bases)
def peers_command(
    data: list[Path] = shared.DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    peers: Path = typer.Option(..., "--peers", help="Peer groups CSV: area, group (most similar groups)."),
    area_col: str = typer.Option(..., "--area-col", help="Column holding each respondent's area."),
    peer_mean: str = typer.Option("mean", "--peer-mean", help="mean: plain mean of the members' estimates (as "
                                  "iQuanta); population: the group's pooled estimate."),
    between: str | None = shared.BETWEEN, base_window: str | None = shared.BASE_WINDOW,
    current_window: str | None = shared.CURRENT_WINDOW, date_col: str | None = shared.DATE_COL,
    questionnaire: str | None = shared.QUESTIONNAIRE, ci: str = shared.CI, table_layout: str = shared.LAYOUT,
    **options: Any,
) -> None:
    """Each area against the mean of its most similar group: difference with a full-design CI, a flag and
    a rank; with two periods, whether its change keeps pace with its peers'."""
    given = gathered(locals())
    from survey.jobs.tables import peers_command as peers_job
    guarded(lambda: _write_judged("peers", peers_job(**given), out, table_layout))


@app.command("targets")
@with_options(shared.item_binding, shared.survey_design, shared.intervals_and_bases)
def targets_command(
    data: list[Path] = shared.DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    targets: Path = typer.Option(..., "--targets", help="Targets YAML (see data/examples/targets/)."),
    date_col: str = typer.Option(..., "--date-col", help="Interview date column (YYYY-MM-DD or DD/MM/YYYY)."),
    window: list[str] = typer.Option([], "--window", help="Assess the period START:END (repeatable); default: "
                                     "every rolling year (--rolling 12m --every quarter)."),
    rolling: str | None = typer.Option(None, "--rolling", help="Rolling windows of this length (default 12m)."),
    every: str = shared.EVERY, questionnaire: str | None = shared.QUESTIONNAIRE,
    area_col: str | None = typer.Option(None, "--area-col", help="Column of the areas named in the targets file."),
    ci: str = shared.CI, table_layout: str = shared.LAYOUT,
    **options: Any,
) -> None:
    """Is each target on track? Straight-line trajectory from the baseline to the target, the latest
    estimates with their CIs, status (on track, off track, cannot tell) and the probability of being on
    the right side of the line."""
    given = gathered(locals())
    from survey.jobs.tables import targets_command as targets_job
    guarded(lambda: _write_judged("targets", targets_job(**given), out, table_layout))


@app.command("weight")
@with_options(shared.item_binding)
def weight_command(
    data: Path = typer.Argument(..., help="Survey file: .csv, .parquet, .sav (SPSS) or .dta (Stata)."),
    out: Path = typer.Option(..., "--out", help="Weighted output (.parquet or .csv); metadata in <out>.meta.json."),
    controls: Path | None = typer.Option(None, "--controls", help="Control totals CSV: [group cols,] variable, "
                                         "category, total."),
    by: list[str] = typer.Option([], "--by", help="Calibrate separately within each value of this column "
                                 "(the controls' group column; repeatable)."),
    weight: str | None = typer.Option(None, help="Given base-weight column."),
    strata: str | None = typer.Option(None, help="Stratum column (use the --by column for per-area samples)."),
    psu: str | None = typer.Option(None, help="Primary sampling unit (cluster) column."),
    fpc: str | None = typer.Option(None, help="FPC column: population PSU counts, or sampling fractions."),
    design: Path | None = typer.Option(None, "--design", help="Design YAML (weight, strata, psu, fpc, lonely_psu)."),
    lonely_psu: str | None = typer.Option(None, help="Single-PSU strata: fail, adjust, average, certainty, remove."),
    spec: Path | None = typer.Option(None, "--spec", help="Weighting spec YAML; flags override its fields."),
    selection_prob: str | None = typer.Option(None, "--selection-prob", help="Selection-probability column "
                                              "(base weight = 1/p)."),
    adults_col: str | None = typer.Option(None, "--adults-col", help="Adults in the household (one selected)."),
    adults_cap: int | None = typer.Option(None, "--adults-cap", help="Cap on the adults multiplier (default 4)."),
    response_col: str | None = typer.Option(None, "--response-col", help="Response status (1/0, yes/no, ...): "
                                            "adjust for nonresponse and drop non-respondents."),
    nr_class: list[str] = typer.Option([], "--nr-class", help="Nonresponse weighting-class column (repeatable)."),
    method: str | None = typer.Option(None, help="Calibration: raking (default), linear or logit."),
    bounds: str | None = typer.Option(None, help="Bounds L,U on g = calibrated / design weight (R calibrate)."),
    max_iter: int | None = typer.Option(None, "--max-iter", help="Calibration iterations (default 50, as R)."),
    epsilon: float | None = typer.Option(None, help="Calibration tolerance (default 1e-7, as R)."),
    trim_upper: str | None = typer.Option(None, "--trim-upper", help="Cap weights at X (or 'Nx': N times the "
                                          "group's mean weight); the excess is shared out (R trimWeights)."),
    trim_lower: str | None = typer.Option(None, "--trim-lower", help="Floor for weights (X or 'Nx')."),
    scale: str | None = typer.Option(None, help="Scale final weights: population, sample or none (default)."),
    replicates: str | None = typer.Option(None, help="Replicate weights: jk1, jkn or bootstrap:R."),
    seed: int | None = typer.Option(None, help="Seed for bootstrap replicates."),
    on_nonconvergence: str | None = typer.Option(None, "--on-nonconvergence", help="fail (default) or warn."),
    report: Path | None = typer.Option(None, "--report", help="Write per-group diagnostics as JSON here."),
    questionnaire: str | None = typer.Option(None, "--questionnaire", "-q", help=shared.QUESTIONNAIRE_HELP + " With "
                                             "it, items are written under their ids in questionnaire codes."),
    control_tolerance: float = typer.Option(1e-6, help="Relative difference allowed between control margins."),
    **options: Any,
) -> None:
    """Weight a survey file: base weights, household selection, nonresponse, calibration, trimming, scaling."""
    given = gathered(locals())
    from survey.jobs.weight import weight_command as weight_job
    from survey.jobs.weight import write_weighted

    def body() -> None:
        weighed = weight_job(**given)
        survey_console.print_weighing(weighed)
        write_weighted(weighed, out, report)
        survey_console.print_weighted(weighed, out)

    guarded(body)


@app.command("sae")
def sae_command(
    direct: Path = typer.Argument(..., help="Direct estimates by area: the output of `safer estimate --by AREA` "
                                  "(.csv .parquet .json .xlsx), best made with --no-suppress."),
    covariates: Path = typer.Option(..., "--covariates", help="Area covariates, one row per area including areas "
                                    "with no sample (.csv .parquet .xlsx)."),
    formula: str = typer.Option(..., "--formula", help="Right-hand side of the area model, e.g. "
                                "'~ imd + recorded_asb_rate'; terms: column, log(column), C(column)."),
    out: Path = typer.Option(..., "--out", help="Small-area table; format from extension: .csv .parquet .json .xlsx."),
    diagnostics: Path | None = typer.Option(None, "--diagnostics", help="Diagnostics table (default: "
                                            "<out stem>.diagnostics<ext> beside --out)."),
    indicator: list[str] = typer.Option([], "--indicator", help="Indicator to model (repeatable; default: all)."),
    domain: str | None = typer.Option(None, "--domain", help="Area domain of the direct table (default: its only "
                                      "one besides 'all')."),
    area_column: str | None = typer.Option(None, "--area-column", help="Area code column of the covariate file "
                                           "(default: the domain's name)."),
    method: str = typer.Option("reml", "--method", help="Fit of the area-effect variance: reml or ml."),
    transform: str = typer.Option("none", "--transform", help="none, or arcsin (arcsine square root of "
                                  "proportions, back-transformed with a bias correction)."),
    variance: str = typer.Option("direct", "--variance", help="Sampling variances: direct (SE squared) or gvf "
                                 "(smoothed as a function of the effective base)."),
    mse: str | None = typer.Option(None, "--mse", help="analytic (Prasad-Rao / Datta-Lahiri) or bootstrap "
                                   "(parametric); default analytic, bootstrap with --transform arcsin."),
    replicates: int = typer.Option(1000, "--replicates", help="Bootstrap replicates (--mse bootstrap)."),
    seed: int = typer.Option(1, "--seed", help="Seed of the bootstrap: the same seed gives the same MSEs."),
    benchmark: str = typer.Option("none", "--benchmark", help="none, or national: the population-weighted areas "
                                  "add up to the national direct estimate (the table's 'all' row)."),
    population: str | None = typer.Option(None, "--population", help="Covariate column of area populations "
                                          "(benchmark weights)."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    max_iter: int = typer.Option(100, "--max-iter", help="Fisher-scoring iterations before the fit is declared "
                                 "not converged."),
    trust_edited: bool = shared.TRUST_EDITED,
) -> None:
    """Small-area (Fay-Herriot EBLUP) estimates by area, with MSEs, intervals and model diagnostics."""
    given = dict(locals())
    from survey.jobs.sae import sae_command as sae_job
    guarded(lambda: survey_console.print_sae(sae_job(**given, tracker=BOOTSTRAP_PROGRESS)))


# ---- synthetic data, coverage check and demo ----------------------------------------------------------------


@synth_app.command("bcs")
def synth_bcs_command(
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed gives the same files."),
    n: int = typer.Option(46_000, "--n", help="Interviews (about 1,000 per police force area at 46,000)."),
    out: Path = typer.Option(..., "--out", help="Microdata: .csv, .parquet, .sav (value labels) or .dta."),
    truth: Path | None = typer.Option(None, "--truth", help="True population values (.csv or .parquet)."),
    controls: Path | None = typer.Option(None, "--controls", help="Age and sex totals by region (.csv)."),
    areas: Path | None = typer.Option(None, "--areas", help="Covariates of every authority, for `safer sae` "
                                      "(.csv or .parquet)."),
    years: str | None = shared.YEARS, drift: float = shared.DRIFT, change_truth: Path | None = shared.CHANGE_TRUTH,
) -> None:
    """Draw a synthetic BCS year (stratified by force, clustered, one adult per household) with known truth.

    With --years, draw each fieldwork year (April to March) from a population whose perceptions drift by
    known amounts, one file per year, with the true values by year and the true changes.
    """
    given = dict(locals())
    from survey.jobs.synth import synth_bcs_command as synth_job
    guarded(lambda: survey_console.print_synthetic(synth_job(**given)))


@synth_app.command("place")
def synth_place_command(
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed gives the same files."),
    las: int = typer.Option(20, "--las", help="Number of English local authorities surveyed."),
    returns: int = typer.Option(1_100, "--returns", help="Target returns per authority."),
    out: Path = typer.Option(..., "--out", help="Microdata: .csv, .parquet, .sav (value labels) or .dta."),
    controls: Path = typer.Option(..., "--controls", help="Authority totals by age, sex and ethnicity (.csv)."),
    truth: Path | None = typer.Option(None, "--truth", help="True population values (.csv or .parquet)."),
    years: str | None = shared.YEARS, drift: float = shared.DRIFT, change_truth: Path | None = shared.CHANGE_TRUTH,
) -> None:
    """Draw a synthetic Place Survey (postal sample per authority, realistic nonresponse) with known truth.

    With --years, draw each autumn's survey from a population whose perceptions drift by known amounts,
    one file per year (with return dates), with the true values by year and the true changes.
    """
    given = dict(locals())
    from survey.jobs.synth import synth_place_command as synth_job
    guarded(lambda: survey_console.print_synthetic(synth_job(**given)))


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("safer-demo-output"), "--out", metavar="DIR",
                             help="Folder for the tables and summary."),
) -> None:
    """The main job: weight the bundled synthetic surveys, estimate every indicator, compare with the truth.

    Runs the bundled demo job first (`safer run demo`): both surveys and a re-offending scenario, ending in
    `report.html`, one self-contained HTML report with charts (and the charts as SVG and PNG in `figures/`).
    """
    from simulation.jobs.demo import baseline_projection
    from survey.jobs.demo import demo_command as demo_job
    with recording_outputs():  # the job's files and time count in the summary line
        run_job_file(bundled_jobs_dir() / "demo.yaml", out)
        guarded(lambda: survey_console.print_demo(demo_job(out, baseline_projection, CHECK_PROGRESS)))


@check_app.command("coverage")
def check_coverage_command(
    survey: str = typer.Option(..., "--survey", help="bcs or place."),
    replicates: int = typer.Option(500, "--replicates", help="Samples drawn from the fixed population."),
    seed: int = typer.Option(..., "--seed", help="Seed of the population and of the samples."),
    out: Path = typer.Option(..., "--out", help="Summary by indicator, domain level and CI method (.csv/.parquet)."),
    detail: Path | None = typer.Option(None, "--detail", help="Also write one row per domain value."),
    n: int = typer.Option(46_000, "--n", help="BCS interviews per sample."),
    las: int = typer.Option(30, "--las", help="Place Survey authorities."),
    returns: int = typer.Option(1_100, "--returns", help="Place Survey target returns per authority."),
    ci: list[str] = typer.Option([], "--ci", help="CI method(s) to check (default: all four)."),
    min_base: int = typer.Option(50, help="Suppress (leave out) estimates on fewer respondents than this."),
) -> None:
    """Empirical coverage of every CI: fixed synthetic population, redrawn samples, weighted as in practice."""
    given = dict(locals())
    from survey.jobs.checks import check_coverage_command as check_job
    guarded(lambda: survey_console.print_check("coverage", check_job(**given, tracker=CHECK_PROGRESS)))


@check_app.command("sae")
def check_sae_command(
    seed: int = typer.Option(..., "--seed", help="Seed of the population and of the samples."),
    out: Path = typer.Option(..., "--out", help="Summary by group of authorities (.csv/.parquet)."),
    replicates: int = typer.Option(200, "--replicates", help="BCS samples redrawn from the fixed population."),
    detail: Path | None = typer.Option(None, "--detail", help="Also write one row per authority."),
    n: int = typer.Option(46_000, "--n", help="BCS interviews per sample."),
    indicator: str = typer.Option("PSA23_4", "--indicator", help="BCS indicator to model by authority."),
    formula: str = typer.Option("~ imd + log(recorded_asb_rate)", "--formula", help="Area model (covariates of "
                                "the synthetic authorities: imd, recorded_asb_rate, adults, region, pfa)."),
    method: str = typer.Option("reml", "--method", help="reml or ml."),
    transform: str = typer.Option("none", "--transform", help="none or arcsin."),
    variance: str = typer.Option("gvf", "--variance", help="direct or gvf."),
    mse: str | None = typer.Option(None, "--mse", help="analytic or bootstrap (default as `safer sae`)."),
    boot_replicates: int = typer.Option(200, "--boot-replicates", help="Bootstrap replicates per sample "
                                        "(--mse bootstrap)."),
) -> None:
    """Small-area estimates against synthetic truth: EBLUP vs direct MSE, MSE estimates, interval coverage."""
    given = dict(locals())
    from survey.jobs.checks import check_sae_command as check_job
    guarded(lambda: survey_console.print_check("sae", check_job(**given, tracker=CHECK_PROGRESS)))


@check_app.command("change-coverage")
def check_change_coverage_command(
    survey: str = typer.Option(..., "--survey", help="bcs or place."),
    replicates: int = typer.Option(300, "--replicates", help="Two-year samples drawn from the drifting population."),
    seed: int = typer.Option(..., "--seed", help="Seed of the population and of the samples."),
    out: Path = typer.Option(..., "--out", help="Summary by indicator and domain level (.csv/.parquet)."),
    detail: Path | None = typer.Option(None, "--detail", help="Also write one row per domain value."),
    years: str = typer.Option("2008,2009", "--years", help="Base and current fieldwork years."),
    drift: float = typer.Option(1.0, "--drift", help="Multiplier of the default yearly drift; 0 checks the "
                                "false-positive rate (no true change)."),
    indicator: list[str] = typer.Option([], "--indicator", help="Indicators to check (default: PSA23_3 and "
                                        "PSA23_4 for bcs, NI17 and NI21 for place)."),
    n: int = typer.Option(46_000, "--n", help="BCS interviews per year."),
    las: int = typer.Option(30, "--las", help="Place Survey authorities."),
    returns: int = typer.Option(1_100, "--returns", help="Place Survey target returns per authority."),
    min_base: int = typer.Option(50, help="Leave out changes on fewer respondents than this in either year."),
) -> None:
    """Coverage of 95% CIs for a change, and the false-positive rate: two years of a population that changes
    by known amounts, redrawn, weighted, stacked and compared with `safer change`'s method."""
    given = dict(locals())
    from survey.jobs.checks import check_change_coverage_command as check_job
    guarded(lambda: survey_console.print_check("change-coverage", check_job(**given, tracker=CHECK_PROGRESS)))


# ---- simulation commands -----------------------------------------------------------------------------------

@simulate_app.command("run")
def simulate_run(
    cohort: str = typer.Option("adult", "--cohort", help="Cohort kind: 'adult' (18+, custody leavers and community "
                               "sentences) or 'youth' (10-17, pre-court disposals, court sentences and custody "
                               "releases)."),
    size: int | None = typer.Option(None, "--size", min=1, help=f"Generate a cohort of N offenders from the "
                                    f"documented distributions (default {DEFAULT_COHORT_SIZE:,} unless --cohort-file "
                                    "is given)."),
    cohort_file: Path | None = typer.Option(None, "--cohort-file", help="Load the cohort from a CSV file instead of "
                                            "generating one (columns: see `safer docs simulation`)."),
    scenario: list[str] = typer.Option([], "--scenario", help=shared.SCENARIO_HELP),
    params_file: Path | None = typer.Option(None, "--params", help="Parameter file written by `safer simulate "
                                            "calibrate` (default: the bundled calibrated defaults)."),
    unit_costs_file: Path | None = typer.Option(None, "--unit-costs", help="Unit-cost table (CSV; default the "
                                                "bundled one, simulation/measures/unit_costs.csv)."),
    replications: int = typer.Option(10, "--replications", min=1, help="Independent replications; intervals are "
                                     "taken across them (with --precision: the most to run)."),
    uncertainty: bool = typer.Option(False, "--uncertainty", help=shared.UNCERTAINTY_HELP),
    precision: float | None = typer.Option(None, "--precision", help=shared.PRECISION_HELP),
    seed: int = typer.Option(2005, "--seed", min=0, help="Master seed: the same seed gives bit-identical output."),
    workers: int = typer.Option(1, "--workers", min=1, help="Dask workers on a local cluster (one process each); 1 "
                                "runs in this process. The output does not depend on it."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT", help="Run the tasks on "
                                         "an existing Dask cluster through its scheduler instead of a local one."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run from the tasks it finished "
                                "(kept in <out>.parts/); refused if the parameters or inputs differ."),
    out: Path = typer.Option(..., "--out", help="Output table, format from the extension (.csv .parquet .json "
                             ".xlsx): scenario, measure, group, group_value, mean, ci_lower, ci_upper, replications, "
                             "... A <out>.meta.json sidecar records provenance."),
) -> None:
    """Simulate proven re-offending (PSA 23 indicators 5 and 6) for a cohort, with or without interventions.

    Each replication of the baseline and of every scenario is a task, run here or on Dask (--workers, --scheduler);
    finished replications are kept in <out>.parts/ until the output is written, so an interrupted run can --resume.
    """
    given = dict(locals())
    from simulation.jobs.run import simulate_run as run_job
    guarded(lambda: simulation_console.print_simulation_run(run_job(**given, tracker=SIMULATION_PROGRESS)))


@simulate_app.command("project")
def simulate_project(
    from_year: int = typer.Option(2000, "--from-year", help="First annual Q1 cohort (the published adult series "
                                  "starts in 2000; A.38 compares 2004 and 2011)."),
    to_year: int = typer.Option(2011, "--to-year", help="Last annual Q1 cohort."),
    start_year: int = typer.Option(2008, "--start-year", help="First cohort year of every scenario without a "
                                   "start_year of its own."),
    scenario: list[str] = typer.Option([], "--scenario", help=shared.SCENARIO_HELP + " Default: every bundled "
                                       "scenario."),
    baseline_only: bool = typer.Option(False, "--baseline-only", help="Project the baseline alone."),
    adult_size: int = typer.Option(10_000, "--adult-size", min=100, help="Adults simulated per year (rates are "
                                   "per 100, so size sets only the Monte Carlo error; places and outside referrals "
                                   "are scaled to it, national totals scaled up)."),
    youth_size: int = typer.Option(6_000, "--youth-size", min=100, help="Youths simulated per year."),
    check_size: int = typer.Option(20_000, "--check-size", min=100, help="2004 custody leavers simulated to check "
                                   "the published figures by sex (half of them women; baseline only, so cheap)."),
    replications: int = typer.Option(8, "--replications", min=2, help="Replications (with --precision: the most)."),
    uncertainty: bool = typer.Option(False, "--uncertainty", help=shared.UNCERTAINTY_HELP),
    precision: float | None = typer.Option(None, "--precision", help=shared.PRECISION_HELP),
    figures_file: Path | None = typer.Option(None, "--figures", help="Your own figures (CSV: year, cohort, measure, "
                                             "value; frequency_per_100, binary_rate_percent, serious_per_100)."),
    trend: str | None = typer.Option(None, "--trend", metavar="F|adult=F,youth=F", help="Yearly factor instead of the "
                                     "fitted trend after the last published year."),
    drift_file: Path | None = typer.Option(None, "--drift", help="Cohort size and mix by year (CSV: year, cohort, "
                                           "attribute, category, value; see docs/simulation.md)."),
    year_effects_file: Path | None = typer.Option(None, "--year-effects", help="Year effects written by `safer "
                                                  "simulate calibrate --years` (default: the bundled ones)."),
    params_file: Path | None = typer.Option(None, "--params", help="Model parameters (default: the bundled ones)."),
    unit_costs_file: Path | None = typer.Option(None, "--unit-costs", help="Unit-cost table (CSV)."),
    seed: int = typer.Option(2004, "--seed", min=0, help="Master seed: the same seed gives bit-identical output."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Dask workers; default one per core, at most 4."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT", help="An existing Dask "
                                         "cluster's scheduler."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run (<out>.parts/)."),
    out: Path = typer.Option(..., "--out", help="Projection table (scenario, cohort, year, measure, mean, CIs, ...); "
                             "<stem>_success (A.38), <stem>_costs and <stem>_trend (with --uncertainty <stem>_tornado) "
                             "go beside it with the same extension, each with a .meta.json sidecar."),
) -> None:
    """The PSA question: adult, youth and serious re-offending of annual Q1 cohorts to 2011, and the probability
    of meeting A.38 (each lower in 2011 than in 2004) under the baseline and each scenario, with what it costs.

    Default runtime: 12 years x (10,000 adults + 6,000 youths) x 8 replications, six scenarios from 2008, the 2011
    baseline under four other trends and a check cohort of 20,000: about 85 s of CPU, on one worker per core (under a
    minute on two cores). Each --uncertainty draw adds about 6 s of CPU.
    """
    given = dict(locals())
    from simulation.jobs.project import simulate_project as project_job
    guarded(lambda: simulation_console.print_projected(project_job(**given, tracker=SIMULATION_PROGRESS)))


@simulate_app.command("sweep")
def simulate_sweep(
    parameter: list[str] = typer.Option([], "--parameter", metavar="NAME[=V1,V2,...]", help="A parameter to sweep: "
                                        "a model parameter (e.g. age_log_rate_per_year, female_log_rate_ratio."
                                        "community) or a scenario assumption (e.g. ppo.ppo_scheme.rate_ratio), over "
                                        "its stated range or the values given; repeatable. Default: every "
                                        "assumption with a range."),
    scenario: list[str] = typer.Option([], "--scenario", help=shared.SCENARIO_HELP),
    cohort: str = typer.Option("adult", "--cohort", help="Cohort kind: adult or youth."),
    size: int = typer.Option(10_000, "--size", min=100, help="Generated cohort size."),
    params_file: Path | None = typer.Option(None, "--params", help="Model parameters (default: the bundled ones)."),
    replications: int = typer.Option(4, "--replications", min=2, help="Replications at every setting (common "
                                     "random numbers across settings)."),
    seed: int = typer.Option(2005, "--seed", min=0, help="Master seed."),
    workers: int = typer.Option(1, "--workers", min=1, help="Dask workers on a local cluster; 1 runs here."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT", help="An existing Dask "
                                         "cluster's scheduler."),
    out: Path = typer.Option(..., "--out", help="Tornado table (parameter, measure, base_value, low_value, "
                             "high_value, base_result, low_result, high_result, CIs, scenario); every setting's "
                             "result goes beside it as <stem>_grid with the same extension."),
) -> None:
    """Which assumptions move the answer most: each parameter to the ends of its range (or given values), the
    others central, on common random numbers; writes tornado data for `safer report`."""
    given = dict(locals())
    from simulation.jobs.sweep import simulate_sweep as sweep_job
    guarded(lambda: simulation_console.print_sweep(sweep_job(**given, tracker=SIMULATION_PROGRESS)))


@simulate_app.command("calibrate")
def simulate_calibrate(
    target_frequency: float = typer.Option(167.9, "--target-frequency", help="Proven re-offences per 100 "
                                           "offenders to reproduce (2005 Q1 adult cohort: 167.9)."),
    target_binary: float = typer.Option(41.6, "--target-binary", help="Percentage of offenders with at least "
                                        "one proven re-offence (2005 Q1: 41.6)."),
    target_serious: float = typer.Option(0.88, "--target-serious", min=0, help="Serious (Table 1) re-offences "
                                         "per 100 offenders (2005 Q1: 0.88); 0 keeps the current serious share."),
    size: int | None = typer.Option(None, "--size", min=1, help=f"Generated adult cohort size (default "
                                    f"{DEFAULT_COHORT_SIZE:,} unless --cohort-file is given)."),
    cohort_file: Path | None = typer.Option(None, "--cohort-file", help="Calibrate on an adult cohort CSV "
                                            "instead of a generated one."),
    params_file: Path | None = typer.Option(None, "--params", help="Starting parameters; every other parameter "
                                            "is kept (default: the bundled defaults)."),
    replications: int = typer.Option(4, "--replications", min=1, help="Replications per calibration step "
                                     "(more: less Monte Carlo noise in the fit)."),
    seed: int = typer.Option(2005, "--seed", min=0, help="Master seed (cohort and replications)."),
    tolerance: float = typer.Option(0.002, "--tolerance", min=1e-6, max=0.5, help="Stop when every simulated "
                                    "rate is within this relative distance of its target."),
    years: bool = typer.Option(False, "--years", help="Calibrate the year effects of `safer simulate project` "
                               "instead: every year with a figure (simulation/inputs/figures.yaml and "
                               "--figures), the 2004 fit also to the 2004 custody leavers by sex; writes a "
                               "year-effects YAML."),
    figures_file: Path | None = typer.Option(None, "--figures", help="With --years: your own figures (CSV: year, "
                                             "cohort, measure, value)."),
    check_size: int = typer.Option(30_000, "--check-size", min=100, help="With --years: 2004 custody leavers "
                                   "simulated for the figures by sex (half of them women)."),
    defaults_out: Path | None = typer.Option(None, "--defaults-out", help="With --years: also write the defaults."),
    out: Path = typer.Option(..., "--out", help="Parameter YAML to write (use with `safer simulate run --params`), "
                             "or with --years the year-effects YAML (use with `safer simulate project "
                             "--year-effects`)."),
) -> None:
    """Fit the base offending rate, heterogeneity and serious share to published adult re-offending rates (or,
    with --years, every year's effects to the published series)."""
    given = dict(locals())
    from simulation.jobs.calibrate import simulate_calibrate as calibrate_job
    guarded(lambda: simulation_console.print_calibrated(calibrate_job(
        **given, tracker=SIMULATION_PROGRESS, on_iteration=simulation_console.print_calibration_step,
        on_year=simulation_console.print_year_fit)))


# ---- recorded crime ----------------------------------------------------------------------------------------


@crime_app.command("validate")
@with_options(shared.crime_counts)
def crime_validate(
    counts: Path = shared.COUNTS,
    population: Path | None = typer.Option(None, "--population", help="Also check every area has a population."),
    groups: Path | None = typer.Option(None, "--groups", help="Also check every area has a most similar group."),
    population_lag: int = shared.POPULATION_LAG,
    **options: Any,
) -> None:
    """List every problem of a counts file: unknown codes (with the nearest known), bad counts, duplicate rows,
    missing months, codes outside their era, areas without population or group. Exits 2 when there is any."""
    given = gathered(locals())
    from recorded_crime.jobs.validate import validate_command as validate_job

    def body() -> int:
        report = validate_job(**given)
        crime_console.print_lines(report.lines)
        return report.problems

    if guarded(body):
        raise typer.Exit(code=2)


@crime_app.command("codes")
def crime_codes(
    indicator: list[str] = shared.CRIME_INDICATOR,
    indicators: Path | None = typer.Option(None, "--indicators", help="Indicators YAML instead of the bundled one "
                                           "(a copy of `recorded_crime/codes/indicators.yaml`)."),
) -> None:
    """Show each indicator's crime types and offence codes, with their source (seed line, or outside the seeds)."""
    given = dict(locals())
    from recorded_crime.jobs.codes import codes_command as codes_job
    guarded(lambda: crime_console.print_lines(codes_job(**given)))


@crime_app.command("rates")
@with_options(shared.crime_table, shared.crime_counts)
def crime_rates(
    counts: Path = shared.COUNTS, population: Path = shared.POPULATION,
    period: str = typer.Option("year", "--period", help="year (financial), quarter, month or rolling (12 months)."),
    every: str = typer.Option("quarter", "--every", help="A rolling year ends every month or every quarter."),
    indicator: list[str] = shared.CRIME_INDICATOR,
    by_type: bool = typer.Option(False, "--by-type", help="Also each crime type of an indicator."),
    total: bool = typer.Option(True, "--total/--no-total", help="Add a row for all areas together."),
    population_lag: int = shared.POPULATION_LAG, level: float = shared.CRIME_LEVEL,
    area: list[str] = shared.CRIME_AREA,
    **options: Any,
) -> None:
    """Counts and rates per 1,000 residents by indicator, area and period, with exact Poisson intervals."""
    given = gathered(locals())
    from recorded_crime.jobs.rates import rates_command as rates_job
    guarded(lambda: crime_console.print_lines(rates_job(**given)))


@crime_app.command("change")
@with_options(shared.crime_table, shared.crime_counts)
def crime_change(
    counts: Path = shared.COUNTS, base: str = shared.BASE_YEAR, current: str | None = shared.CURRENT_YEAR,
    indicator: list[str] = shared.CRIME_INDICATOR, level: float = shared.CRIME_LEVEL,
    multiplicity: str = typer.Option("holm", "--multiplicity", help="Across an area's crime types (A.3, A.24): holm, "
                                     "bonferroni or none."),
    min_df: int = shared.MIN_DF, area: list[str] = shared.CRIME_AREA,
    **options: Any,
) -> None:
    """Is the change real? Current against base year for every area, indicator and crime type, by a quasi-Poisson
    model of each series' own fluctuation (A.2), with the plain Poisson test beside it."""
    given = gathered(locals())
    from recorded_crime.jobs.change import change_command as change_job
    guarded(lambda: crime_console.print_lines(change_job(**given)))


@crime_app.command("spc")
@with_options(shared.crime_table, shared.crime_counts)
def crime_spc(
    counts: Path = shared.COUNTS, base: str = shared.BASE_YEAR, indicator: list[str] = shared.CRIME_INDICATOR,
    min_df: int = shared.MIN_DF, area: list[str] = shared.CRIME_AREA,
    **options: Any,
) -> None:
    """Control limits over time: each month against the base year's level and season, with signals."""
    given = gathered(locals())
    from recorded_crime.jobs.change import spc_command as spc_job
    guarded(lambda: crime_console.print_lines(spc_job(**given)))


@crime_app.command("peers")
@with_options(shared.crime_table, shared.crime_counts)
def crime_peers(
    counts: Path = shared.COUNTS, population: Path = shared.POPULATION,
    groups: Path = typer.Option(..., "--groups", help="Most similar groups CSV: area, peer (or area, group)."),
    base: str = shared.BASE_YEAR, current: str | None = shared.CURRENT_YEAR,
    indicator: list[str] = shared.CRIME_INDICATOR,
    benchmark: str = typer.Option("mean", "--benchmark", help="Benchmark from the peers' base-year rates: mean, "
                                  "pooled, median or quantile:Q."),
    variation: str = typer.Option("overdispersed", "--variation", help="Limits from each area's own fluctuation "
                                  "(overdispersed) or Poisson."),
    targets: Path | None = typer.Option(None, "--targets", help="Agreed targets CSV: area, target_rate[, indicator]."),
    reach_by: str = typer.Option("2012-13", "--reach-by", help="Without an agreed target, the trajectory reaches the "
                                 "benchmark in this year (an assumption, said so in each row)."),
    population_lag: int = shared.POPULATION_LAG, level: float = shared.CRIME_LEVEL, min_df: int = shared.MIN_DF,
    area: list[str] = shared.CRIME_AREA,
    **options: Any,
) -> None:
    """Each area against its most similar group: benchmark (A.19), limits, flag, rank and the A.20 status."""
    given = gathered(locals())
    from recorded_crime.jobs.peers import peers_command as peers_job
    guarded(lambda: crime_console.print_lines(peers_job(**given)))


@crime_app.command("national")
@with_options(shared.crime_table, shared.crime_counts)
def crime_national(
    counts: Path = shared.COUNTS, base: str = shared.BASE_YEAR, indicator: list[str] = shared.CRIME_INDICATOR,
    level: float = shared.CRIME_LEVEL,
    multiplicity: str = typer.Option("holm", "--multiplicity", help="Across crime types: holm, bonferroni or none."),
    label: str = typer.Option("England and Wales", "--label", help="Name of the total of all areas."),
    min_df: int = shared.MIN_DF,
    **options: Any,
) -> None:
    """The total of all areas against the baseline and year on year, with the 2010-11 and 2012-13 views (A.1,
    A.3, A.24)."""
    given = gathered(locals())
    from recorded_crime.jobs.national import national_command as national_job
    guarded(lambda: crime_console.print_lines(national_job(**given)))


@crime_app.command("displacement")
@with_options(shared.crime_table, shared.crime_counts)
def crime_displacement(
    counts: Path = shared.COUNTS, base: str = shared.BASE_YEAR,
    pair: list[str] = typer.Option([], "--pair", help="Pair id: vehicle, burglary (default: both, when in the file)."),
    total: bool = typer.Option(True, "--total/--no-total", help="Add all areas together."),
    level: float = shared.CRIME_LEVEL, min_df: int = shared.MIN_DF, area: list[str] = shared.CRIME_AREA,
    **options: Any,
) -> None:
    """A.17's displacement pairs side by side: theft from vehicles against vehicle interference, attempted burglary
    against criminal damage."""
    given = gathered(locals())
    from recorded_crime.jobs.displacement import displacement_command as displacement_job
    guarded(lambda: crime_console.print_lines(displacement_job(**given)))


@synth_app.command("crime")
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
) -> None:
    """Draw SYNTHETIC recorded crime with known truth: populations, most similar groups, code mix, seasons,
    overdispersion and chosen true changes."""
    given = dict(locals())
    from recorded_crime.jobs.synth import synth_crime_command as synth_job
    guarded(lambda: crime_console.print_lines(synth_job(**given)))


@check_app.command("crime-change")
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
) -> None:
    """How often does `safer crime change` call an unchanged area changed, and how often does it see a true
    change? On synthetic overdispersed series with known truth, beside the plain Poisson test."""
    given = dict(locals())
    from recorded_crime.jobs.synth import check_crime_change_command as check_job
    guarded(lambda: crime_console.print_lines(check_job(**given)))


# ---- reports and batch jobs ---------------------------------------------------------------------------------


def bundled_jobs_dir() -> Path:
    """The bundled example jobs (`data/examples/jobs`, or inside the installed package)."""
    from survey.examples import examples_dir

    return examples_dir() / "jobs"


def run_job_file(job: Path, workdir: Path, check_only: bool = False, trust_edited: bool = False) -> None:
    """Check a job file, then run its steps in this process (the body of `safer run` and `safer demo`)."""
    from reporting.jobs.commands import app_commands
    from survey.examples import examples_dir
    jobs_console.run_job_file(job, workdir, app_commands(app), examples_dir(), guarded, check_only, trust_edited)


@app.command("run")
def run_command(
    job: str = typer.Argument(..., metavar="JOB", help="Job YAML file, or the name of a bundled job (council, "
                              "home-office, demo)."),
    workdir: Path = typer.Option(Path("."), "--dir", metavar="FOLDER", help="Working folder: relative paths in "
                                 "the job are taken from here, so outputs land here."),
    check: bool = typer.Option(False, "--check", help="Only check the job file and every step's options."),
    trust_edited: bool = shared.TRUST_EDITED,
) -> None:
    """Run a whole pipeline from a job file in one process: every safer command can be a step."""
    from reporting.jobs.files import job_path
    path = guarded(lambda: job_path(job, bundled_jobs_dir()))
    run_job_file(path, workdir, check_only=check, trust_edited=trust_edited)


@app.command("report")
def report_command(
    results: list[Path] = typer.Argument(..., metavar="RESULT", help="Outputs of safer (estimates, changes, "
                                         "peers, targets, sae, simulation runs, projections, sweeps), each with its "
                                         ".meta.json."),
    out: Path = typer.Option(..., "--out", help="The report: one self-contained HTML file."),
    title: str = typer.Option("Community safety performance report", "--title", help="Main heading."),
    indicator: list[str] = typer.Option([], "--indicator", help="Report only this indicator (repeatable)."),
    national_label: str | None = typer.Option(None, "--national-label", help="Overall row's name (e.g. England)."),
    figures: Path | None = typer.Option(None, "--figures", metavar="FOLDER", help="Also write each chart as SVG, PNG."),
    area: list[str] = typer.Option([], "--area", metavar="CODE", help="Profile this area (code or name; repeatable)."),
    labels: Path | None = typer.Option(None, "--labels", metavar="FILE", help="Area names: CSV of code, name, type."),
    trust_edited: bool = shared.TRUST_EDITED,
) -> None:
    """Build one self-contained HTML report with charts from outputs of safer (no network needed to view it)."""
    given = dict(locals())
    from reporting.report.write import report_command as report_job
    guarded(lambda: jobs_console.print_report(report_job(**given), out, figures))


@app.command("docs")
def docs_command(
    page: str | None = typer.Argument(None, metavar="PAGE", help="Page to show (e.g. input-files); none lists them."),
) -> None:
    """Show the documentation: the same pages from a clone and from an installed package."""
    from reporting.docs import doc_pages, find_page
    guarded(lambda: jobs_console.print_docs(doc_pages()) if page is None else jobs_console.print_doc(find_page(page)))


readable_metavars(app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
