"""The `safer` command line: parses arguments, calls the `survey` and `simulation` packages, writes files.

No statistics live here. Errors in the input become one readable paragraph and exit code 2;
`--debug` shows the traceback instead. Every file is written to a temporary name and renamed,
so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from reporting.console import (
    SIMULATION_PROGRESS,
    console,
    err_console,
    print_calibrated,
    print_calibration_step,
    print_projected,
    print_simulation_run,
    print_sweep,
    print_year_fit,
)
from reporting.errors import ReportInputError
from safer_io.inputs import InputFileError
from safer_io.memory import remember
from safer_io.outputs import (
    OutputError,
    atomic_path,
    check_outputs,
    json_text,
    table_format,
    write_json_atomic,
    write_output,
)
from safer_io.provenance import file_sha256, provenance, tool_version
from safer_io.sidecars import sidecar_path
from simulation.errors import SimulationInputError
from simulation.jobs.options import DEFAULT_COHORT_SIZE
from survey.errors import SurveyInputError


class SaferGroup(TyperGroup):
    """The command groups of `safer`: `--debug` is accepted anywhere on the line, before or after the command."""

    def get_help_option(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if ctx.parent is None:  # a new command line: forget the last one's flag (tests run many in one process)
            _state["debug"] = False
        if "--debug" in args:
            cut = args.index("--") if "--" in args else len(args)
            if "--debug" in args[:cut]:
                _state["debug"] = True
                args = [a for a in args[:cut] if a != "--debug"] + args[cut:]
        return super().parse_args(ctx, args)


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
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(synth_app, name="synth")
app.add_typer(check_app, name="check")
app.add_typer(simulate_app, name="simulate")

_state: dict[str, bool] = {"debug": False}

INPUT_ERRORS: tuple[type[Exception], ...] = (SurveyInputError, SimulationInputError, OutputError, InputFileError,
                                            ReportInputError)
DEBUG_HINT = "(run with --debug to see the traceback)"
T = TypeVar("T")


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
    _state["debug"] = _state["debug"] or debug


def _fail(message: str, code: int) -> typer.Exit:
    if _state["debug"]:
        traceback.print_exc()
    hint = "" if _state["debug"] else f" {DEBUG_HINT}"
    err_console.print(f"[bold red]error:[/] {escape(message)}{hint}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn bad input into a one-paragraph message and exit code 2.

    A file-system failure outside the output plumbing (a missing or unreadable input) is bad input too. Anything
    else is a fault in `safer` itself: one paragraph and exit code 1, never a traceback unless `--debug`.
    """
    try:
        return action()
    except INPUT_ERRORS as exc:
        raise _fail(str(exc), 2) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise _fail(f"{where}{exc.strerror or exc}.", 2) from None
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except Exception as exc:  # the last line of defence against a leaked traceback
        raise _fail(f"internal error in safer ({type(exc).__name__}: {exc}); please report it with the command "
                    "that caused it.", 1) from None


# ---- survey commands ---------------------------------------------------------------------------------------
# questionnaire list / show and validate (imports are local so `safer --help` stays quick).

# Options every survey command that reads a questionnaire's items takes, spelled the same everywhere.
QUESTIONNAIRE_HELP = "Questionnaire: a bundled name (bcs, place) or a YAML path."
MAP_HELP = "Bind an item to a column, ITEM=COLUMN (repeatable); overrides the mapping file and names."
MAPPING_HELP = "Mapping YAML: item -> column, with optional recode and missing codes (see `safer questionnaire map`)."
IGNORE_LABELS_HELP = "Go on when the file's value labels contradict the questionnaire (recorded in the output)."


@questionnaire_app.command("list")
def questionnaire_list() -> None:
    """List the bundled questionnaires: name, title, number of items and indicators."""

    def run() -> None:
        from rich.markup import escape
        from rich.table import Table

        from survey.questionnaire.loading import list_questionnaires

        table = Table(title="Bundled questionnaires")
        table.add_column("name", no_wrap=True)
        table.add_column("title")
        table.add_column("items", justify="right")
        table.add_column("indicators", justify="right")
        for summary in list_questionnaires():
            table.add_row(escape(summary.name), escape(summary.title), str(summary.n_items),
                          str(summary.n_indicators))
        console.print(table)

    guarded(run)


@questionnaire_app.command("show")
def questionnaire_show(
    name: str | None = typer.Argument(None, metavar="NAME|FILE",
                                      help="Questionnaire name (see `safer questionnaire list`) or YAML path."),
    questionnaire: str | None = typer.Option(None, "--questionnaire", "-q", help=QUESTIONNAIRE_HELP + " (the same "
                                             "as the argument)"),
) -> None:
    """Show a questionnaire's items (wording, codes, aliases) and its indicators with their rules."""

    def run() -> None:
        chosen = questionnaire or name
        if chosen is None or (questionnaire and name and questionnaire != name):
            raise SurveyInputError("give one questionnaire: NAME or -q NAME.")
        from rich.markup import escape
        from rich.padding import Padding

        from survey.questionnaire.loading import load_questionnaire
        from survey.questionnaire.schema import describe_indicator

        q = load_questionnaire(chosen)
        console.print(f"[bold]{escape(q.name)}[/]: {escape(q.title)}", highlight=False)
        if q.description:
            console.print(escape(q.description), highlight=False)
        # Blocks rather than a table: wordings are long and must stay readable at 80 columns.
        console.rule(f"Items ({len(q.items)})")
        for item in q.items:
            cited = f"{item.wording_source}, {item.source}" if item.source else item.wording_source
            optional = " (optional)" if not item.required else ""
            heading = f"[bold]{escape(item.id)}[/]{optional} [dim]\\[{escape(cited)}][/]"
            console.print(heading, highlight=False)
            lines = [escape(item.full_wording), f"codes: {escape(item.describe_codes())}"]
            if item.aliases:
                lines.append(f"aliases: {escape(', '.join(item.aliases))}")
            console.print(Padding("\n".join(lines), (0, 0, 0, 4)), highlight=False)
        console.rule(f"Indicators ({len(q.indicators)})")
        for ind in q.indicators:
            console.print(f"[bold]{escape(ind.id)}[/] ({ind.kind}): {escape(ind.title)}", highlight=False)
            console.print(Padding(escape(describe_indicator(q, ind)), (0, 0, 0, 4)), highlight=False)

    guarded(run)


def mapping_options(map_items: list[str], mapping: Path | None, ignore_labels: bool) -> Any:
    """The mapping flags as the survey jobs take them."""
    from survey.reading.prepared import MappingOptions

    return MappingOptions(tuple(map_items), mapping, ignore_labels)


def print_bindings(record: dict[str, Any]) -> None:
    """How each questionnaire item was bound to a column: exact ids on one line, every other binding listed."""
    from rich.markup import escape
    from rich.table import Table

    mapping = record.get("mapping")
    if not mapping:
        return
    items = mapping["items"]
    exact = [item for item, b in items.items() if b["found_by"] == "exact id" and not b.get("recode")
             and not b.get("missing")]
    others = {item: b for item, b in items.items() if item not in exact}
    if others:
        table = Table(title=f"Questionnaire items bound to columns ({len(others)} not by exact id)")
        for column in ("item", "column", "found by", "recode / missing"):
            table.add_column(column, overflow="fold")
        for item, b in others.items():
            changes = ", ".join(f"{k}->{v}" for k, v in (b.get("recode") or {}).items())
            if b.get("missing"):
                changes += ("; " if changes else "") + "blank: " + ", ".join(str(c) for c in b["missing"])
            table.add_row(escape(item), escape(b["column"]), b["found_by"], escape(changes))
        console.print(table)
    if exact:
        console.print(f"items bound by exact id ({len(exact)}): {escape(', '.join(exact))}", highlight=False)
    if mapping.get("not_found"):
        console.print(f"items with no column: {escape(', '.join(mapping['not_found']))}", highlight=False)
    labels = record.get("label_check") or {}
    if labels.get("conflicts") and labels.get("conflicts_ignored"):
        err_console.print(f"[bold yellow]warning:[/] {len(labels['conflicts'])} value label(s) contradict the "
                          "questionnaire; --ignore-labels was given, and the output records it.", highlight=False)


def print_notes(notes: list[str]) -> None:
    """Notes an output records (respondents in no domain, ...), on the terminal too."""
    from rich.markup import escape

    for note in notes:
        console.print(f"note: {escape(note)}", highlight=False)


@questionnaire_app.command("map")
def questionnaire_map(
    data: Path = typer.Argument(..., help="Survey data file: .csv, .parquet, .sav or .dta."),
    questionnaire: str = typer.Option(..., "--questionnaire", "-q", help=QUESTIONNAIRE_HELP),
    out: Path = typer.Option(..., "--out", help="Mapping YAML to write, for you to check and pass to --mapping."),
) -> None:
    """Write a starting mapping (item -> column, recodes) from a data file's names and labels, to be checked."""

    def run() -> None:
        from rich.markup import escape

        from survey.questionnaire.loading import load_questionnaire, questionnaire_path
        from survey.reading.files import read_survey_file
        from survey.reading.mapping_draft import draft_mapping, mapping_yaml

        table_format(out, (".yaml", ".yml"))
        check_outputs([out], [data])
        q = load_questionnaire(questionnaire)
        entries = draft_mapping(read_survey_file(data), q)
        with atomic_path(out) as tmp:
            tmp.write_text(mapping_yaml(entries, q, data.name), encoding="utf-8")
        inputs = [data, questionnaire_path(questionnaire)]
        write_json_atomic(sidecar_path(out), provenance("questionnaire map", {"questionnaire": questionnaire}, inputs))
        bound = [e for e in entries.values() if e.column is not None]
        recoded = [item for item, e in entries.items() if e.recode or e.missing]
        missing = [item for item, e in entries.items() if e.column is None]
        console.print(f"wrote {escape(str(out))}: {len(bound)} of {len(entries)} items bound"
                      + (f", {len(recoded)} recoded from the value labels" if recoded else "")
                      + (f"; no column for {escape(', '.join(missing))}" if missing else "")
                      + ". Check every line before use.", highlight=False)

    guarded(run)


@app.command("validate")
def validate_command(
    data: Path = typer.Argument(..., help="Survey data file: .csv, .parquet, .sav or .dta."),  # noqa: B008
    questionnaire: str = typer.Option(..., "--questionnaire", "-q", help=QUESTIONNAIRE_HELP),
    map_items: list[str] = typer.Option([], "--map", help=MAP_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", help=MAPPING_HELP),
    ignore_labels: bool = typer.Option(False, "--ignore-labels", help=IGNORE_LABELS_HELP),
    max_listed: int = typer.Option(
        20, "--max-listed", min=0, help="List at most this many problems per column and rule (0 = list all)."
    ),
) -> None:
    """Check a data file against a questionnaire; list every problem (row, column, value, rule).

    Exits 0 when the file is clean and 2 otherwise. The input file is only read.
    """

    def run() -> int:
        from rich.markup import escape
        from rich.table import Table

        from survey.jobs.validate import validate_file
        from survey.reading.validate import count_problems

        result = validate_file(data, questionnaire, mapping_options(map_items, mapping, ignore_labels),
                               None if max_listed == 0 else max_listed)
        problems, prepared = result.problems, result.prepared
        q = prepared.questionnaire
        assert q is not None
        print_bindings(prepared.record())
        n_rows = len(prepared.data)
        if not problems:
            console.print(
                f"{escape(str(data))}: clean against questionnaire '{escape(q.survey_label)}' "
                f"({n_rows} data rows, {len(q.items)} items checked)", highlight=False,
            )
            return 0
        table = Table(title=f"Problems in {escape(str(data))} (rows: data rows from 1, header not counted)")
        table.add_column("row", justify="right", no_wrap=True)
        table.add_column("column", no_wrap=True)
        table.add_column("value")
        table.add_column("rule")
        for p in problems:
            row = str(p.row) if p.row is not None else ("..." if p.count > 1 else "-")
            value = "" if p.value is None else repr(p.value)
            table.add_row(row, escape(p.column), escape(value), escape(p.rule))
        console.print(table)
        total = count_problems(problems)
        unlisted = sum(p.count for p in problems if p.count > 1)
        more = f"; {unlisted} counted but not listed (--max-listed 0 lists all)" if unlisted else ""
        console.print(
            f"{total} problem(s) in {escape(str(data))} against questionnaire '{escape(q.survey_label)}' "
            f"({n_rows} data rows checked{more}).",
            highlight=False,
        )
        return total

    if guarded(run):
        raise typer.Exit(code=2)

# Options shared by the survey commands that read data files (defined once; Typer reads them as defaults).
DATA_FILES = typer.Argument(..., help="Survey file(s): .csv, .parquet, .sav (SPSS) or .dta (Stata). Several "
                            "files are stacked, each with its own design (strata kept apart).")
QUESTIONNAIRE = typer.Option(None, "--questionnaire", "-q", help=QUESTIONNAIRE_HELP)
MAP = typer.Option([], "--map", help=MAP_HELP)
MAPPING = typer.Option(None, "--mapping", help=MAPPING_HELP)
IGNORE_LABELS = typer.Option(False, "--ignore-labels", help=IGNORE_LABELS_HELP)
INDICATOR = typer.Option([], "--indicator", help="Indicator id to estimate (repeatable).")
ALL_INDICATORS = typer.Option(False, "--all-indicators", help="Estimate every indicator.")
MEAN = typer.Option([], "--mean", help="Weighted mean of a numeric column (repeatable).")
PROPORTION = typer.Option([], "--proportion", help="Proportion VAR=VALUE (repeatable).")
WEIGHT = typer.Option(None, help="Weight column (default: weights of 1, or a weighted file's).")
STRATA = typer.Option(None, help="Stratum column.")
PSU = typer.Option(None, help="Primary sampling unit (cluster) column.")
FPC = typer.Option(None, help="FPC column: population PSU counts, or sampling fractions.")
DESIGN = typer.Option(None, "--design", help="Design YAML (weight, strata, psu, fpc, lonely_psu).")
LONELY_PSU = typer.Option("fail", help="Single-PSU strata: fail, adjust, average, certainty, remove.")
BY = typer.Option([], "--by", help="Domain column; each gives its own domains (repeatable).")
CI = typer.Option("logit", help="Proportion CI: logit, wald, wilson, korn-graubard (Korn-Graubard is used wherever "
                  "an estimate is 0 or 1).")
LEVEL = typer.Option(0.95, help="Confidence level.")
MIN_BASE = typer.Option(50, "--min-base", min=0, help="Publication threshold: estimates on fewer respondents are "
                        "flagged low_base (and blanked unless --no-suppress).")
SUPPRESS = typer.Option(True, "--suppress/--no-suppress", help="Blank estimates below --min-base (the default); "
                        "--no-suppress keeps them, for internal analysis only.")
SOURCE_COL = typer.Option(None, "--source-col", help="Column added to say which file a row came from "
                          "(default source_file when several files are given); values are the file names.")
DATE_COL = typer.Option(None, "--date-col", help="Interview date column (YYYY-MM-DD or DD/MM/YYYY).")
BETWEEN = typer.Option(None, "--between", help="Compare two levels of a column: COL=BASE,CURRENT (e.g. "
                       "survey_year=2008-09,2009-10, or source_file=FILE_A,FILE_B).")
BASE_WINDOW = typer.Option(None, "--base-window", help="Base period START:END of --date-col (e.g. 2007-04:2008-03).")
CURRENT_WINDOW = typer.Option(None, "--current-window", help="Current period START:END of --date-col.")
EVERY = typer.Option("quarter", "--every", help="Rolling windows end each month, quarter or year.")
LAYOUT = typer.Option("long", "--format", help="long: one row per result, proportions in 0-1 (for machines and "
                      "`safer report`); publication: names, per cent and points to one decimal.")


def _design_options(weight: str | None, strata: str | None, psu: str | None, fpc: str | None,
                    design: Path | None, lonely_psu: str) -> Any:
    from survey.jobs.estimate import DesignOptions

    return DesignOptions(weight, strata, psu, fpc, design, lonely_psu)


def _write_table(table: Any, out: Path, command: str, parameters: dict[str, Any], record: dict[str, Any],
                 layout: str = "long") -> None:
    """Write a judging table with its provenance (`record["input_files"]` are hashed) and record; `layout`
    `publication` writes the form a person reads (`reporting.publication.publication_for`)."""
    inputs = record.pop("input_files")
    meta = provenance(command, parameters | {"format": layout}, inputs) | record
    print_bindings(record)
    if layout == "publication":
        from reporting.publication import publication_for

        write_output(publication_for(command, table, meta), out, meta | {"content": "publication"})
    else:
        write_output(table, out, meta)
    print_notes(record.get("notes", []))


def _check_layout(layout: str) -> None:
    if layout not in ("long", "publication"):
        raise OutputError(f"--format {layout}: use 'long' or 'publication'.")


@app.command("estimate")
def estimate_command(
    data: list[Path] = DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    questionnaire: str | None = QUESTIONNAIRE,
    indicator: list[str] = INDICATOR,
    all_indicators: bool = ALL_INDICATORS,
    mean: list[str] = MEAN,
    proportion: list[str] = PROPORTION,
    map_items: list[str] = MAP,
    mapping: Path | None = MAPPING,
    ignore_labels: bool = IGNORE_LABELS,
    weight: str | None = WEIGHT,
    strata: str | None = STRATA,
    psu: str | None = PSU,
    fpc: str | None = FPC,
    design: Path | None = DESIGN,
    lonely_psu: str = LONELY_PSU,
    by: list[str] = BY,
    ci: str = CI,
    level: float = LEVEL,
    min_base: int = MIN_BASE,
    suppress: bool = SUPPRESS,
    source_col: str | None = SOURCE_COL,
    date_col: str | None = DATE_COL,
    window: list[str] = typer.Option([], "--window", help="Estimate for respondents interviewed START:END "
                                     "(e.g. 2007-10:2008-03; repeatable), a domain of the full design."),
    rolling: str | None = typer.Option(None, "--rolling", help="Rolling windows of this length (12m, 6m)."),
    every: str = EVERY,
    table_layout: str = typer.Option("long", "--format", help="long: one row per estimate, proportions in 0-1 "
                                     "(for machines and `safer report`); publication: titles, area names, "
                                     "percentages to one decimal and '+/- half-width' in points."),
) -> None:
    """Estimate indicators, means and proportions with design-based SEs and confidence intervals.

    With --date-col and --window or --rolling, estimates are made for each period (rolling 12-month
    figures each quarter with `--rolling 12m --every quarter`), each period a domain of the full design.
    Several files are stacked, each keeping its own design.
    """
    from survey.jobs.estimate import output_labels
    from survey.jobs.judging import PeriodOptions, Settings, estimate_files
    from survey.jobs.several_files import WhatToEstimate

    def body() -> None:
        table_format(out)
        if table_layout not in ("long", "publication"):
            raise OutputError(f"--format {table_layout}: use 'long' or 'publication'.")
        check_outputs([out], [*data, design, mapping])
        table, record = estimate_files(
            data, _design_options(weight, strata, psu, fpc, design, lonely_psu),
            WhatToEstimate(questionnaire, indicator, all_indicators, mean, proportion,
                           mapping_options(map_items, mapping, ignore_labels)),
            Settings(by, ci, level, min_base, suppress, source_col),
            PeriodOptions(date_col=date_col, windows=window, rolling=rolling, every=every),
        )
        inputs = record.pop("input_files")
        parameters = {
            "questionnaire": questionnaire, "indicators": indicator, "all_indicators": all_indicators,
            "means": mean, "proportions": proportion, "by": by, "ci": ci, "level": level,
            "min_base": min_base, "suppress": suppress, "lonely_psu": lonely_psu, "map": map_items,
            "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
            "fpc": fpc, "design": design, "format": table_layout, "source_col": source_col, "date_col": date_col,
            "windows": window, "rolling": rolling, "every": every,
        }
        meta = provenance("estimate", parameters, inputs) | record | output_labels(questionnaire, by)
        print_bindings(record)
        if table_layout == "publication":
            from reporting.publication import publication_table

            write_output(publication_table(table, meta), out, meta | {"content": "publication"})
        else:
            write_output(table, out, meta)
        print_estimates(table)
        print_notes(record["notes"])
        suppressed = record["disclosure"]["rows_suppressed"]
        if suppressed:
            console.print(f"{suppressed} estimate(s) on fewer than {min_base} respondents suppressed "
                          "(--min-base N changes the threshold).", highlight=False)
        console.print(f"wrote {len(table)} rows to {out}")

    guarded(body)


@app.command("change")
def change_command(
    data: list[Path] = typer.Argument(None, help="Survey file(s); several are stacked, each with its own design. "
                                      "Not used with --tables."),
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    between: str | None = BETWEEN,
    base_window: str | None = BASE_WINDOW,
    current_window: str | None = CURRENT_WINDOW,
    date_col: str | None = DATE_COL,
    independent: bool = typer.Option(False, "--independent", help="Assert the periods share no respondent "
                                     "(an error if they do)."),
    next_n: float | None = typer.Option(None, "--next-n", help="Planned sample size of the next period, for "
                                        "the minimum movement (default: the base period's precision)."),
    tables: tuple[Path, Path] | None = typer.Option(None, "--tables", help="BASE.csv CURRENT.csv: compare two "
                                                     "published estimate tables instead of microdata."),
    table_level: float = typer.Option(0.95, "--table-level", help="Level of the tables' intervals, when SEs "
                                      "come from CI half-widths."),
    questionnaire: str | None = QUESTIONNAIRE,
    indicator: list[str] = INDICATOR,
    all_indicators: bool = ALL_INDICATORS,
    mean: list[str] = MEAN,
    proportion: list[str] = PROPORTION,
    map_items: list[str] = MAP,
    mapping: Path | None = MAPPING,
    ignore_labels: bool = IGNORE_LABELS,
    weight: str | None = WEIGHT,
    strata: str | None = STRATA,
    psu: str | None = PSU,
    fpc: str | None = FPC,
    design: Path | None = DESIGN,
    lonely_psu: str = LONELY_PSU,
    by: list[str] = BY,
    level: float = LEVEL,
    min_base: int = MIN_BASE,
    suppress: bool = SUPPRESS,
    source_col: str | None = SOURCE_COL,
    table_layout: str = LAYOUT,
) -> None:
    """Is the change real? Difference between two periods, its SE from the full design, significance,
    direction by the indicator's polarity, and the Annex's minimum movement."""
    from survey.jobs.judging import PeriodOptions, Settings, change_job, change_tables_job
    from survey.jobs.several_files import WhatToEstimate

    def body() -> None:
        table_format(out)
        _check_layout(table_layout)
        files = list(data or [])
        if tables is not None and files:
            raise SurveyInputError("give data files or --tables BASE CURRENT, not both.")
        check_outputs([out], [*(tables or ()), *files, design, mapping])
        if tables is not None:
            table, record = change_tables_job(tables[0], tables[1], questionnaire=questionnaire, level=level,
                                              table_level=table_level, next_n=next_n)
        else:
            table, record = change_job(
                files, _design_options(weight, strata, psu, fpc, design, lonely_psu),
                WhatToEstimate(questionnaire, indicator, all_indicators, mean, proportion,
                               mapping_options(map_items, mapping, ignore_labels)),
                Settings(by, "wald", level, min_base, suppress, source_col),
                PeriodOptions(date_col=date_col, between=between, base_window=base_window,
                              current_window=current_window),
                independent=independent, next_n=next_n,
            )
        parameters = {
            "between": between, "base_window": base_window, "current_window": current_window, "date_col": date_col,
            "independent": independent, "next_n": next_n, "tables": [str(t) for t in tables or ()],
            "table_level": table_level, "questionnaire": questionnaire, "indicators": indicator,
            "all_indicators": all_indicators, "means": mean, "proportions": proportion, "by": by, "level": level,
            "min_base": min_base, "suppress": suppress, "lonely_psu": lonely_psu, "source_col": source_col,
            "map": map_items, "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata,
            "psu": psu, "fpc": fpc, "design": design,
        }
        _write_table(table, out, "change", parameters, record, table_layout)
        print_change(table)
        console.print(f"wrote {len(table)} rows to {out}")

    guarded(body)


@app.command("peers")
def peers_command(
    data: list[Path] = DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    peers: Path = typer.Option(..., "--peers", help="Peer groups CSV: area, group (most similar groups)."),
    area_col: str = typer.Option(..., "--area-col", help="Column holding each respondent's area."),
    peer_mean: str = typer.Option("mean", "--peer-mean", help="mean: plain mean of the members' estimates (as "
                                  "iQuanta); population: the group's pooled estimate."),
    between: str | None = BETWEEN,
    base_window: str | None = BASE_WINDOW,
    current_window: str | None = CURRENT_WINDOW,
    date_col: str | None = DATE_COL,
    questionnaire: str | None = QUESTIONNAIRE,
    indicator: list[str] = INDICATOR,
    all_indicators: bool = ALL_INDICATORS,
    mean: list[str] = MEAN,
    proportion: list[str] = PROPORTION,
    map_items: list[str] = MAP,
    mapping: Path | None = MAPPING,
    ignore_labels: bool = IGNORE_LABELS,
    weight: str | None = WEIGHT,
    strata: str | None = STRATA,
    psu: str | None = PSU,
    fpc: str | None = FPC,
    design: Path | None = DESIGN,
    lonely_psu: str = LONELY_PSU,
    ci: str = CI,
    level: float = LEVEL,
    min_base: int = MIN_BASE,
    suppress: bool = SUPPRESS,
    source_col: str | None = SOURCE_COL,
    table_layout: str = LAYOUT,
) -> None:
    """Each area against the mean of its most similar group: difference with a full-design CI, a flag and
    a rank; with two periods, whether its change keeps pace with its peers'."""
    from survey.jobs.judging import PeriodOptions, Settings, peers_job
    from survey.jobs.several_files import WhatToEstimate

    def body() -> None:
        table_format(out)
        _check_layout(table_layout)
        check_outputs([out], [*data, peers, design, mapping])
        table, record = peers_job(
            data, _design_options(weight, strata, psu, fpc, design, lonely_psu),
            WhatToEstimate(questionnaire, indicator, all_indicators, mean, proportion,
                           mapping_options(map_items, mapping, ignore_labels)),
            Settings((), ci, level, min_base, suppress, source_col),
            PeriodOptions(date_col=date_col, between=between, base_window=base_window, current_window=current_window),
            peers=peers, area_column=area_col, peer_mean=peer_mean,
        )
        parameters = {
            "peers": peers, "area_col": area_col, "peer_mean": peer_mean, "between": between,
            "base_window": base_window, "current_window": current_window, "date_col": date_col,
            "questionnaire": questionnaire, "indicators": indicator, "all_indicators": all_indicators,
            "ci": ci, "means": mean, "proportions": proportion, "level": level, "min_base": min_base,
            "suppress": suppress, "lonely_psu": lonely_psu, "source_col": source_col, "map": map_items,
            "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
            "fpc": fpc, "design": design,
        }
        _write_table(table, out, "peers", parameters, record, table_layout)
        print_peers(table)
        console.print(f"wrote {len(table)} rows to {out}")

    guarded(body)


@app.command("targets")
def targets_command(
    data: list[Path] = DATA_FILES,
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    targets: Path = typer.Option(..., "--targets", help="Targets YAML (see data/examples/targets/)."),
    date_col: str = typer.Option(..., "--date-col", help="Interview date column (YYYY-MM-DD or DD/MM/YYYY)."),
    window: list[str] = typer.Option([], "--window", help="Assess the period START:END (repeatable); default: "
                                     "every rolling year (--rolling 12m --every quarter)."),
    rolling: str | None = typer.Option(None, "--rolling", help="Rolling windows of this length (default 12m)."),
    every: str = EVERY,
    questionnaire: str | None = QUESTIONNAIRE,
    area_col: str | None = typer.Option(None, "--area-col", help="Column of the areas named in the targets file."),
    map_items: list[str] = MAP,
    mapping: Path | None = MAPPING,
    ignore_labels: bool = IGNORE_LABELS,
    weight: str | None = WEIGHT,
    strata: str | None = STRATA,
    psu: str | None = PSU,
    fpc: str | None = FPC,
    design: Path | None = DESIGN,
    lonely_psu: str = LONELY_PSU,
    ci: str = CI,
    level: float = LEVEL,
    min_base: int = MIN_BASE,
    suppress: bool = SUPPRESS,
    source_col: str | None = SOURCE_COL,
    table_layout: str = LAYOUT,
) -> None:
    """Is each target on track? Straight-line trajectory from the baseline to the target, the latest
    estimates with their CIs, status (on track, off track, cannot tell) and the probability of being on
    the right side of the line."""
    from survey.jobs.judging import PeriodOptions, Settings, targets_job

    def body() -> None:
        table_format(out)
        _check_layout(table_layout)
        check_outputs([out], [*data, targets, design, mapping])
        table, record = targets_job(
            data, _design_options(weight, strata, psu, fpc, design, lonely_psu),
            Settings((), ci, level, min_base, suppress, source_col),
            PeriodOptions(date_col=date_col, windows=window, rolling=rolling, every=every),
            targets_file=targets, questionnaire=questionnaire, area_column=area_col,
            mapping=mapping_options(map_items, mapping, ignore_labels),
        )
        parameters = {
            "targets": targets, "date_col": date_col, "windows": window, "rolling": rolling, "every": every,
            "questionnaire": questionnaire, "area_col": area_col, "ci": ci, "level": level, "min_base": min_base,
            "suppress": suppress, "lonely_psu": lonely_psu, "source_col": source_col, "map": map_items,
            "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
            "fpc": fpc, "design": design,
        }
        _write_table(table, out, "targets", parameters, record, table_layout)
        print_targets(table)
        console.print(f"wrote {len(table)} rows to {out}")

    guarded(body)


def _percent(value: float) -> str:
    return "" if value != value else f"{100 * value:.1f}"


def print_change(table: Any, limit: int = 30) -> None:
    """The first rows of a change table: estimates in per cent for proportions, the change with its CI."""
    from rich.table import Table

    title = "Change between periods" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit else "")
    shown = Table(title=title)
    for column in ("indicator", "domain", "base", "current", "change", "CI", "p", "direction",
                   "threshold"):
        shown.add_column(column, justify="left" if column in ("indicator", "domain", "direction") else "right",
                         overflow="fold")
    for row in table.head(limit).itertuples(index=False):
        domain = "all" if row.domain == "all" else f"{row.domain}={row.domain_value}"
        interval = "" if row.ci_lower != row.ci_lower else f"{100 * row.ci_lower:+.1f} to {100 * row.ci_upper:+.1f}"
        change = "" if row.change != row.change else f"{100 * row.change:+.1f}"
        p_value = "" if row.p_value != row.p_value else f"{row.p_value:.3f}"
        shown.add_row(str(row.indicator), domain, _percent(row.base_estimate), _percent(row.current_estimate),
                      change, interval, p_value, str(row.direction or ""), _percent(row.threshold_level))
    console.print(shown)
    console.print("per cent (points for the change); threshold = the level a change from the base must pass to be "
                  "significant (the Annex's minimum movement)")


def print_peers(table: Any, limit: int = 30) -> None:
    """The first rows of a peer table: estimates and peer means in per cent, differences in points."""
    from rich.table import Table

    title = "Areas against their peer groups" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit
                                                  else "")
    shown = Table(title=title)
    pace = "pace_flag" in table.columns
    columns = ["indicator", "area", "group", "estimate", "peer mean", "difference", "CI", "flag", "rank"]
    for column in columns + (["keeping pace"] if pace else []):
        shown.add_column(column, justify="right" if column in ("estimate", "peer mean", "difference", "CI", "rank")
                         else "left", overflow="fold")
    short = {"significantly better": "better", "significantly worse": "worse", "significantly higher": "higher",
             "significantly lower": "lower", "not significantly different": "no different"}
    for row in table.head(limit).itertuples(index=False):
        known = row.difference == row.difference
        cells = [str(row.indicator), str(row.domain_value), str(row.group), _percent(row.estimate),
                 _percent(row.peer_mean), f"{100 * row.difference:+.1f}" if known else "",
                 f"{100 * row.difference_ci_lower:+.1f} to {100 * row.difference_ci_upper:+.1f}" if known else "",
                 short.get(str(row.flag), ""), f"{row.rank}/{row.group_size}"]
        if pace:
            cells.append(str(row.pace_flag or ""))
        shown.add_row(*cells)
    console.print(shown)
    console.print("per cent; difference = area - peer mean in points with its 95% CI; flag by the indicator's "
                  "polarity; rank 1 = best in the group")


def print_targets(table: Any, limit: int = 30) -> None:
    """The first rows of a target-status table."""
    from rich.table import Table

    title = "Targets" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit else "")
    shown = Table(title=title)
    for column in ("indicator", "area", "period", "trajectory", "estimate (CI)", "status", "P(on track)"):
        shown.add_column(column, justify="right" if column in ("trajectory", "P(on track)") else "left",
                         overflow="fold")
    for row in table.head(limit).itertuples(index=False):
        estimate = "" if row.latest_estimate != row.latest_estimate else (
            f"{100 * row.latest_estimate:.1f} ({100 * row.ci_lower:.1f} to {100 * row.ci_upper:.1f})")
        probability = "" if row.probability_on_track != row.probability_on_track else f"{row.probability_on_track:.2f}"
        shown.add_row(str(row.indicator), str(row.domain_value), str(row.latest_period),
                      _percent(row.trajectory_value), estimate, str(row.status or ""), probability)
    console.print(shown)


def print_estimates(table: Any, limit: int = 30) -> None:
    """Show the first rows of an estimates table on the terminal."""
    from rich.table import Table

    title = "Estimates" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit else "")
    shown = Table(title=title)
    shown.add_column("indicator", overflow="fold")
    shown.add_column("domain", overflow="fold")
    for column in ("estimate", "CI", "n", "flag"):
        shown.add_column(column, justify="right", no_wrap=True)
    for row in table.head(limit).itertuples(index=False):
        domain = "all" if row.domain == "all" else f"{row.domain}={row.domain_value}"
        if "period" in table.columns:
            domain = f"{domain}, {row.period}"
        interval = "" if row.ci_lower != row.ci_lower else f"{row.ci_lower:.4g} - {row.ci_upper:.4g}"
        estimate = "suppressed" if row.estimate != row.estimate else f"{row.estimate:.4g}"
        shown.add_row(str(row.indicator), domain, estimate, interval, str(row.n_unweighted),
                      "low base" if row.low_base else "")
    console.print(shown)


@app.command("weight")
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
    questionnaire: str | None = typer.Option(None, "--questionnaire", "-q", help=QUESTIONNAIRE_HELP + " With it, "
                                             "items are written under their ids in questionnaire codes."),
    map_items: list[str] = typer.Option([], "--map", help=MAP_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", help=MAPPING_HELP),
    ignore_labels: bool = typer.Option(False, "--ignore-labels", help=IGNORE_LABELS_HELP),
) -> None:
    """Weight a survey file: base weights, household selection, nonresponse, calibration, trimming, scaling."""
    import warnings

    from survey.jobs.weight import WeightOptions, output_format, run_weight_job, write_weighted_rows

    def body() -> None:
        fmt = output_format(out)
        check_outputs([out, report], [data, controls, design, spec, mapping])
        options = WeightOptions(
            controls=controls, by=tuple(by), weight=weight, strata=strata, psu=psu, fpc=fpc, design_file=design,
            lonely_psu=lonely_psu, spec_file=spec, selection_prob=selection_prob, adults_col=adults_col,
            adults_cap=adults_cap, response_col=response_col, nonresponse_classes=tuple(nr_class), method=method,
            bounds=bounds, max_iter=max_iter, epsilon=epsilon, trim_upper=trim_upper, trim_lower=trim_lower,
            scale=scale, replicates=replicates, seed=seed, on_nonconvergence=on_nonconvergence,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            job = run_weight_job(data, options, questionnaire, mapping_options(map_items, mapping, ignore_labels))
        for warning in caught:
            err_console.print(f"[bold yellow]warning:[/] {warning.message}", highlight=False, soft_wrap=True)
        result = job.result
        parameters = {"spec": job.spec, "questionnaire": questionnaire, "map": map_items, "mapping": mapping,
                      "ignore_labels": ignore_labels}
        meta = provenance("weight", parameters, job.inputs) | job.record | result.metadata
        print_bindings(job.record)
        sidecar = sidecar_path(out)
        with atomic_path(out) as tmp_out, atomic_path(sidecar) as tmp_meta:
            write_weighted_rows(result.data, tmp_out, fmt, meta)
            meta["output"] = {"path": str(out), "sha256": file_sha256(tmp_out), "rows": len(result.data)}
            tmp_meta.write_text(json_text(meta), encoding="utf-8")
            if report is not None:
                with atomic_path(report) as tmp_report:
                    payload: dict[str, Any] = {"diagnostics": result.diagnostics, "steps": meta["weighting"]["steps"]}
                    if result.nonresponse_classes is not None:
                        payload["nonresponse_classes"] = result.nonresponse_classes.to_dict("records")
                    tmp_report.write_text(json_text(payload), encoding="utf-8")
        remember(out, result.data, meta, sha256=meta["output"]["sha256"])
        print_weighting_diagnostics(result.diagnostics)
        console.print(f"wrote {len(result.data)} rows to {out} (metadata {sidecar.name})")

    guarded(body)


def print_weighting_diagnostics(rows: list[dict[str, Any]], limit: int = 20) -> None:
    """Per-group weighting diagnostics; with many groups, those with the largest design effect."""
    from rich.table import Table

    shown = sorted(rows, key=lambda r: -r["deff_kish"])[:limit] if len(rows) > limit else rows
    title = "Weighting diagnostics" + (f" ({limit} of {len(rows)} groups, largest Kish deff)" if len(rows) > limit
                                       else "")
    table = Table(title=title)
    columns = [("group", "group"), ("n", "n"), ("iterations", "iter"), ("converged", "conv"),
               ("max_margin_error", "max margin err"), ("weight_min", "min w"), ("weight_max", "max w"),
               ("weight_cv", "cv"), ("deff_kish", "deff 1+cv²"), ("n_effective", "n eff")]
    present = [(key, label) for key, label in columns if key in rows[0]] if rows else columns
    for key, label in present:
        table.add_column(label, justify="left" if key == "group" else "right")
    for row in shown:
        cells = []
        for key, _ in present:
            value = row[key]
            cells.append(f"{value:.4g}" if isinstance(value, float) else str(value))
        table.add_row(*cells)
    console.print(table)


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
) -> None:
    """Small-area (Fay-Herriot EBLUP) estimates by area, with MSEs, intervals and model diagnostics."""
    from safer_io.outputs import table_format, write_table
    from survey.jobs.sae import run_sae_job
    from survey.small_area.model import checked_options

    def body() -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        fmt = table_format(out)
        diagnostics_path = diagnostics or out.with_name(f"{out.stem}.diagnostics{out.suffix}")
        diagnostics_fmt = table_format(diagnostics_path)
        check_outputs([out, diagnostics_path], [direct, covariates])
        options = checked_options(method=method, transform=transform, variance=variance, mse=mse,
                                  replicates=replicates, seed=seed, benchmark=benchmark, population=population,
                                  level=level, max_iter=max_iter)
        with Progress(TextColumn("[bold]bootstrap[/]"), BarColumn(), MofNCompleteColumn(), console=err_console,
                      transient=True, disable=options.mse_method() != "bootstrap") as progress:
            task = progress.add_task("replicates", total=None)
            job = run_sae_job(direct, covariates, formula, options, indicators=indicator, domain=domain,
                              area_column=area_column, on_replicates=lambda k: progress.advance(task, k))
        parameters = {
            "formula": formula, "indicators": indicator, "domain": job.result.domain, "area_column": area_column,
            "method": options.method, "transform": options.transform, "variance": options.variance,
            "mse": options.mse_method(), "replicates": replicates, "seed": seed, "benchmark": options.benchmark,
            "population": population, "level": level, "max_iter": max_iter,
        }
        meta = provenance("sae", parameters, [direct, covariates]) | job.metadata
        with atomic_path(out) as tmp_out, atomic_path(sidecar_path(out)) as tmp_meta, \
                atomic_path(diagnostics_path) as tmp_diag, atomic_path(sidecar_path(diagnostics_path)) as tmp_dmeta:
            table_meta = meta | {"content": "estimates"}
            diagnostics_meta = meta | {"content": "diagnostics"}
            write_table(job.result.table, tmp_out, fmt, table_meta)
            tmp_meta.write_text(json_text(table_meta), encoding="utf-8")
            write_table(job.result.diagnostics, tmp_diag, diagnostics_fmt, diagnostics_meta)
            tmp_dmeta.write_text(json_text(diagnostics_meta), encoding="utf-8")
        remember(out, job.result.table, table_meta)
        remember(diagnostics_path, job.result.diagnostics, diagnostics_meta)
        print_small_areas(job.result.table)
        for name, model in job.result.models.items():
            console.print(f"{name}: A = {model['area_variance']:.4g} (SE {model['area_variance_se']:.2g}), "
                          f"{model['areas_in_fit']} areas in the fit, {model['areas_synthetic']} synthetic only, "
                          f"MSE {model['mse']}", highlight=False)
        console.print(f"wrote {len(job.result.table)} rows to {out} and diagnostics to {diagnostics_path}")

    guarded(body)


def print_small_areas(table: Any, limit: int = 25) -> None:
    """The first rows of a small-area table on the terminal (percentages for proportions)."""
    from rich.table import Table

    title = "Small-area estimates" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit else "")
    shown = Table(title=title)
    for column in ("indicator", "area", "direct", "EBLUP", "CI", "shrinkage", "n", "method"):
        shown.add_column(column, justify="left" if column in ("indicator", "area", "method") else "right")
    for row in table.head(limit).itertuples(index=False):
        direct = "" if row.direct != row.direct else f"{row.direct:.4g} +/- {1.96 * row.direct_se:.2g}"
        shown.add_row(str(row.indicator), str(row.area), direct, f"{row.eblup:.4g}",
                      f"{row.ci_lower:.4g} - {row.ci_upper:.4g}", f"{row.shrinkage:.2f}", str(row.n_unweighted),
                      str(row.method))
    console.print(shown)


# ---- end survey commands -----------------------------------------------------------------------------------

# ---- synthetic data, coverage check and demo ----------------------------------------------------------------


def synthetic_formats(out: Path, truth: Path | None, controls: Path | None) -> dict[Path, str]:
    """File formats from the extensions, checked before any data is drawn."""
    from survey.synthetic.files import TABLE_FORMATS, data_format

    formats = {out: data_format(out)}
    if truth is not None:
        formats[truth] = data_format(truth, TABLE_FORMATS)
    if controls is not None:  # `safer weight` reads control totals from CSV
        formats[controls] = data_format(controls, (".csv",))
    return formats


def write_synthetic(result: Any, formats: dict[Path, str], out: Path, truth: Path | None, controls: Path | None,
                    command: str, parameters: dict[str, Any], areas: Path | None = None) -> None:
    """Write a synthetic survey, and its truth, control totals and area covariates when asked, each with a
    .meta.json."""
    from survey.synthetic.files import write_survey_data, write_table_file

    extra = [(path, table, kind) for path, table, kind in
             ((truth, result.truth, "truth"), (controls, result.controls, "control totals"),
              (areas, result.areas, "area covariates")) if path is not None]
    meta = provenance(command, parameters, []) | {"design": result.design, "summary": result.summary}
    with atomic_path(out) as tmp:
        write_survey_data(result.data, tmp, formats[out], result.survey)
    write_json_atomic(sidecar_path(out), meta)
    for path, table, kind in extra:
        with atomic_path(path) as tmp:
            write_table_file(table, tmp, formats[path])
        write_json_atomic(sidecar_path(path), meta | {"content": kind, "data_file": str(out)})
    console.print(f"wrote {len(result.data)} synthetic {result.survey} records to {out}"
                  + "".join(f"; {kind} to {path}" for path, _, kind in extra))


YEARS = typer.Option(None, "--years", help="Several fieldwork years (2008,2009 or 2008-2010) of a population "
                     "that changes by known amounts; --out then needs {year} in its name.")
DRIFT = typer.Option(1.0, "--drift", help="With --years: multiplier of the default yearly drift (0: no change).")
CHANGE_TRUTH = typer.Option(None, "--change-truth", help="With --years: true changes between years (.csv or "
                            ".parquet).")


def write_synthetic_years(result: Any, out: Path, truth: Path | None, change_truth: Path | None,
                          controls: Path | None, command: str, parameters: dict[str, Any]) -> None:
    """Write one file per year (`{year}` in `out`) and the truth, change truth and controls, each with a sidecar."""
    from survey.synthetic.files import TABLE_FORMATS, data_format, write_survey_data, write_table_file

    meta = provenance(command, parameters, [])
    written = []
    for label, year in result.years.items():
        path = Path(str(out).replace("{year}", label))
        with atomic_path(path) as tmp:
            write_survey_data(year.data, tmp, data_format(path), result.survey)
        write_json_atomic(sidecar_path(path), meta | {"design": year.design, "summary": year.summary})
        written.append(str(path))
    extra = ((truth, result.truth, "truth by year"), (change_truth, result.change_truth, "true changes"),
             (controls, result.controls, "control totals"))
    for table_path, table, kind in extra:
        if table_path is not None:
            with atomic_path(table_path) as tmp:
                write_table_file(table, tmp, data_format(table_path, TABLE_FORMATS))
            write_json_atomic(sidecar_path(table_path), meta | {"content": kind, "data_files": written})
    console.print(f"wrote {len(written)} synthetic {result.survey} years ({', '.join(written)})"
                  + "".join(f"; {kind} to {path}" for path, _, kind in extra if path is not None))


def synthetic_year_outputs(survey: str, out: Path, years: str, truth: Path | None, change_truth: Path | None,
                           controls: Path | None) -> tuple[list[Path], tuple[int, ...]]:
    """The files a --years run writes, checked before anything is drawn."""
    from survey.synthetic.files import TABLE_FORMATS, data_format
    from survey.synthetic.years import parse_years, year_label

    chosen = parse_years(years)
    if "{year}" not in str(out):
        raise SurveyInputError(f"--out {out}: with --years, put {{year}} in the file name (e.g. bcs_{{year}}.parquet); "
                               "each year is written to its own file.")
    data_format(Path(str(out).replace("{year}", "x")))
    for path, allowed in ((truth, TABLE_FORMATS), (change_truth, TABLE_FORMATS), (controls, (".csv",))):
        if path is not None:
            data_format(path, allowed)
    return [Path(str(out).replace("{year}", year_label(survey, y))) for y in chosen], chosen


@synth_app.command("bcs")
def synth_bcs_command(
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed gives the same files."),
    n: int = typer.Option(46_000, "--n", help="Interviews (about 1,000 per police force area at 46,000)."),
    out: Path = typer.Option(..., "--out", help="Microdata: .csv, .parquet, .sav (value labels) or .dta."),
    truth: Path | None = typer.Option(None, "--truth", help="True population values (.csv or .parquet)."),
    controls: Path | None = typer.Option(None, "--controls", help="Age and sex totals by region (.csv)."),
    areas: Path | None = typer.Option(None, "--areas", help="Covariates of every authority, for `safer sae` "
                                      "(.csv or .parquet)."),
    years: str | None = YEARS,
    drift: float = DRIFT,
    change_truth: Path | None = CHANGE_TRUTH,
) -> None:
    """Draw a synthetic BCS year (stratified by force, clustered, one adult per household) with known truth.

    With --years, draw each fieldwork year (April to March) from a population whose perceptions drift by
    known amounts, one file per year, with the true values by year and the true changes.
    """

    def body() -> None:
        from survey.synthetic.files import TABLE_FORMATS, data_format
        from survey.synthetic.jobs import synth_bcs, synth_bcs_years

        if years is not None:
            if areas is not None:
                raise SurveyInputError("--areas is written for a single year; leave it out with --years.")
            paths, chosen = synthetic_year_outputs("bcs", out, years, truth, change_truth, controls)
            check_outputs([*paths, truth, change_truth, controls], [])
            result_years = synth_bcs_years(seed, chosen, n, drift)
            write_synthetic_years(result_years, out, truth, change_truth, controls, "synth bcs",
                                  {"seed": seed, "n": n, "out": out, "truth": truth, "controls": controls,
                                   "years": years, "drift": drift, "change_truth": change_truth})
            return
        if change_truth is not None:
            raise SurveyInputError("--change-truth needs --years.")
        formats = synthetic_formats(out, truth, controls)
        if areas is not None:
            formats[areas] = data_format(areas, TABLE_FORMATS)
        check_outputs([out, truth, controls, areas], [])
        result = synth_bcs(seed, n)
        write_synthetic(result, formats, out, truth, controls, "synth bcs",
                        {"seed": seed, "n": n, "out": out, "truth": truth, "controls": controls, "areas": areas},
                        areas)

    guarded(body)


@synth_app.command("place")
def synth_place_command(
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed gives the same files."),
    las: int = typer.Option(20, "--las", help="Number of English local authorities surveyed."),
    returns: int = typer.Option(1_100, "--returns", help="Target returns per authority."),
    out: Path = typer.Option(..., "--out", help="Microdata: .csv, .parquet, .sav (value labels) or .dta."),
    controls: Path = typer.Option(..., "--controls", help="Authority totals by age, sex and ethnicity (.csv)."),
    truth: Path | None = typer.Option(None, "--truth", help="True population values (.csv or .parquet)."),
    years: str | None = YEARS,
    drift: float = DRIFT,
    change_truth: Path | None = CHANGE_TRUTH,
) -> None:
    """Draw a synthetic Place Survey (postal sample per authority, realistic nonresponse) with known truth.

    With --years, draw each autumn's survey from a population whose perceptions drift by known amounts,
    one file per year (with return dates), with the true values by year and the true changes.
    """

    def body() -> None:
        from survey.synthetic.jobs import synth_place, synth_place_years

        if years is not None:
            paths, chosen = synthetic_year_outputs("place", out, years, truth, change_truth, controls)
            check_outputs([*paths, truth, change_truth, controls], [])
            result_years = synth_place_years(seed, chosen, las, returns, drift)
            write_synthetic_years(result_years, out, truth, change_truth, controls, "synth place",
                                  {"seed": seed, "las": las, "returns": returns, "out": out, "truth": truth,
                                   "controls": controls, "years": years, "drift": drift,
                                   "change_truth": change_truth})
            return
        if change_truth is not None:
            raise SurveyInputError("--change-truth needs --years.")
        formats = synthetic_formats(out, truth, controls)
        check_outputs([out, truth, controls], [])
        result = synth_place(seed, las, returns)
        write_synthetic(result, formats, out, truth, controls, "synth place",
                        {"seed": seed, "las": las, "returns": returns, "out": out, "truth": truth,
                         "controls": controls})

    guarded(body)


DEMO_PROJECTION_SIZE = 5_000
DEMO_PROJECTION_REPLICATIONS = 20
DEMO_SEED = 2008


def baseline_projection() -> Any:
    """The simulation's baseline re-offending projection, or None when the simulation package lacks it."""
    try:
        from simulation import run_baseline_projection
    except ImportError:
        try:
            from simulation.questions.scenario_run import run_baseline_projection
        except ImportError:
            return None
    return run_baseline_projection(DEMO_SEED, DEMO_PROJECTION_SIZE, DEMO_PROJECTION_REPLICATIONS)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("safer-demo-output"), "--out", metavar="DIR",
                             help="Folder for the tables and summary."),
) -> None:
    """The main job: weight the bundled synthetic surveys, estimate every indicator, compare with the truth.

    Runs the bundled demo job first (`safer run demo`): both surveys and a re-offending scenario, ending in
    `report.html`, one self-contained HTML report with charts (and the charts as SVG and PNG in `figures/`).
    """
    run_job_file(bundled_jobs_dir() / "demo.yaml", out)

    def body() -> None:
        import time

        from rich.table import Table

        from survey.jobs.demo import national_table, run_demo, summary_markdown, write_workbook

        started = time.perf_counter()
        with console.status("weighting and estimating the bundled synthetic BCS and Place Survey"):
            result = run_demo()
        with console.status("running the baseline re-offending projection"):
            projection = baseline_projection()
        sheets = {"summary": result.summary, "national": national_table(result)}
        sheets |= {f"{s}_vs_truth": t for s, t in result.comparison.groupby("survey", sort=False)}
        extra = []
        if projection is not None:
            sheets["reoffending_projection"] = projection
            headline = projection[projection["group"] == "all"] if "group" in projection else projection
            extra.append((f"Baseline re-offending projection (synthetic adult cohort of {DEMO_PROJECTION_SIZE:,}, "
                          f"{DEMO_PROJECTION_REPLICATIONS} replications)", headline))
        meta = provenance("demo", {"out": out}, result.inputs)
        written = []
        for name, table in sheets.items():
            if name.endswith("_vs_truth") or name == "reoffending_projection":
                path = out / f"{name.replace('_vs_truth', '_estimates_vs_truth')}.csv"
                with atomic_path(path) as tmp:
                    table.to_csv(tmp, index=False)
                written.append(path)
        with atomic_path(out / "demo_tables.xlsx") as tmp:
            write_workbook(sheets, tmp)
        written.append(out / "demo_tables.xlsx")
        with atomic_path(out / "summary.md") as tmp:
            tmp.write_text(summary_markdown(result, extra))
        written.append(out / "summary.md")
        write_json_atomic(out / "demo.meta.json", meta | {"files": [str(p) for p in written]})

        shown = Table(title="National estimates from the synthetic surveys, beside the true values (%)")
        national = national_table(result)
        for column in national.columns:
            shown.add_column(column, justify="left" if column in ("survey", "indicator", "covered") else "right")
        for row in national.itertuples(index=False):
            shown.add_row(*[str(v) for v in row])
        console.print(shown)
        covered = int(result.comparison["covered"].sum())
        console.print(f"{covered} of {len(result.comparison)} 95% intervals (national and by area) cover the truth. "
                      "Misses on the Place civic indicators (NI3, NI4, NI6, NI37) are built-in nonresponse bias: "
                      "see summary.md.")
        if projection is None:
            console.print("re-offending projection skipped: simulation.run_baseline_projection is not available.")
        console.print(f"wrote {len(written)} files to {out}/ in {time.perf_counter() - started:.1f} s "
                      f"(summary: {out / 'summary.md'}; report: {out / 'report.html'})")

    guarded(body)


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

    def body() -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from survey.options import CI_METHODS
        from survey.synthetic.coverage import coverage_setup, run_coverage
        from survey.synthetic.files import TABLE_FORMATS, data_format, write_table_file

        formats = {path: data_format(path, TABLE_FORMATS) for path in (out, detail) if path is not None}
        check_outputs([out, detail], [])
        with console.status(f"building the synthetic {survey} population"):
            setup = coverage_setup(survey, seed, n=n, n_las=las, returns=returns)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"{survey} replicates", total=replicates)
            result = run_coverage(setup, replicates, tuple(ci) or CI_METHODS,
                                  on_replicate=lambda: progress.advance(task), min_base=min_base)
        parameters = {"survey": survey, "replicates": replicates, "seed": seed, "n": n, "las": las,
                      "returns": returns, "ci": ci, "min_base": min_base}
        meta = provenance("check coverage", parameters, [])
        for path, table in ((out, result.summary), (detail, result.detail)):
            if path is not None:
                with atomic_path(path) as tmp:
                    write_table_file(table, tmp, formats[path])
                write_json_atomic(sidecar_path(path), meta)
        print_coverage(result.summary)
        console.print(f"wrote {len(result.summary)} rows to {out}")

    guarded(body)


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

    def body() -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from survey.small_area.model import checked_options
        from survey.synthetic.files import TABLE_FORMATS, data_format, write_table_file
        from survey.synthetic.sae_check import run_sae_check, sae_check_setup

        formats = {path: data_format(path, TABLE_FORMATS) for path in (out, detail) if path is not None}
        check_outputs([out, detail], [])
        options = checked_options(method=method, transform=transform, variance=variance, mse=mse,
                                  replicates=boot_replicates, seed=seed)
        with console.status("building the synthetic BCS population"):
            setup = sae_check_setup(seed, n)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("BCS samples", total=replicates)
            result = run_sae_check(setup, replicates, indicator=indicator, formula=formula, options=options,
                                   on_replicate=lambda: progress.advance(task))
        parameters = {"seed": seed, "replicates": replicates, "n": n, "indicator": indicator, "formula": formula,
                      "method": options.method, "transform": options.transform, "variance": options.variance,
                      "mse": options.mse_method(), "boot_replicates": boot_replicates}
        meta = provenance("check sae", parameters, [])
        for path, table in ((out, result.summary), (detail, result.detail)):
            if path is not None:
                with atomic_path(path) as tmp:
                    write_table_file(table, tmp, formats[path])
                write_json_atomic(sidecar_path(path), meta)
        print_sae_check(result.summary)
        console.print(f"wrote {len(result.summary)} rows to {out}")

    guarded(body)


def print_sae_check(summary: Any) -> None:
    """The small-area check's summary on the terminal."""
    from rich.table import Table

    shown = Table(title="Small-area estimates against the truth (means over authorities)")
    for column in ("group", "areas", "interviews", "MSE EBLUP / direct", "MSE estimate / empirical", "coverage"):
        shown.add_column(column, justify="left" if column == "group" else "right")
    for row in summary.itertuples(index=False):
        shown.add_row(row.group, str(row.n_areas), f"{row.mean_interviews:.0f}", f"{row.mse_ratio_eblup_to_direct:.3f}",
                      f"{row.mse_estimate_ratio:.3f}", f"{100 * row.coverage:.1f}%")
    console.print(shown)


def print_coverage(summary: Any) -> None:
    """Logit-interval coverage by indicator and domain level, on the terminal."""
    from rich.table import Table

    shown = Table(title="Coverage of 95% logit intervals (mean over the domain values of each level)")
    for column in ("indicator", "domain", "n_domains", "coverage", "bias wtd", "bias unwtd", "CI width"):
        shown.add_column(column, justify="left" if column in ("indicator", "domain") else "right")
    rows = summary[summary["ci_method"] == "logit"] if (summary["ci_method"] == "logit").any() else summary
    for row in rows.itertuples(index=False):
        shown.add_row(row.indicator, row.domain, str(row.n_domains), f"{100 * row.coverage:.1f}%",
                      f"{100 * row.mean_abs_bias_weighted:.2f}", f"{100 * row.mean_abs_bias_unweighted:.2f}",
                      f"{100 * row.mean_ci_width:.2f}")
    console.print(shown)
    console.print("bias = mean over domain values of |mean error| in percentage points (weighted / unweighted)")


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

    def body() -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from survey.synthetic.change_coverage import change_coverage_setup, run_change_coverage
        from survey.synthetic.files import TABLE_FORMATS, data_format, write_table_file
        from survey.synthetic.years import parse_years

        formats = {path: data_format(path, TABLE_FORMATS) for path in (out, detail) if path is not None}
        check_outputs([out, detail], [])
        chosen = parse_years(years)
        if len(chosen) != 2:
            raise SurveyInputError(f"--years '{years}': give two years, the base and the current.")
        with console.status(f"building the synthetic {survey} population and its two years"):
            setup = change_coverage_setup(survey, seed, years=(chosen[0], chosen[1]), drift=drift, n=n, n_las=las,
                                          returns=returns, indicators=indicator)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"{survey} two-year redraws", total=replicates)
            summary, per_domain = run_change_coverage(setup, replicates, lambda: progress.advance(task), min_base)
        parameters = {"survey": survey, "replicates": replicates, "seed": seed, "years": years, "drift": drift,
                      "indicators": indicator, "n": n, "las": las, "returns": returns, "min_base": min_base}
        meta = provenance("check change-coverage", parameters, [])
        for path, table in ((out, summary), (detail, per_domain)):
            if path is not None:
                with atomic_path(path) as tmp:
                    write_table_file(table, tmp, formats[path])
                write_json_atomic(sidecar_path(path), meta)
        print_change_coverage(summary)
        console.print(f"wrote {len(summary)} rows to {out}")

    guarded(body)


def print_change_coverage(summary: Any) -> None:
    """Coverage and rejection rate by indicator and domain level."""
    from rich.table import Table

    shown = Table(title="Coverage of 95% intervals for the change (pooled over redraws and domain values)")
    for column in ("indicator", "domain", "intervals", "coverage", "rejected", "true change", "SE / SD"):
        shown.add_column(column, justify="left" if column in ("indicator", "domain") else "right")
    for row in summary.itertuples(index=False):
        shown.add_row(row.indicator, row.domain, str(row.intervals),
                      f"{100 * row.coverage:.1f}% ({100 * row.coverage_low:.1f}-{100 * row.coverage_high:.1f})",
                      f"{100 * row.rejection_rate:.1f}%", f"{100 * row.mean_true_change:+.2f}", f"{row.se_ratio:.2f}")
    console.print(shown)
    console.print("rejected = share of changes found significant at 5% (the false-positive rate when --drift 0)")


# ---- end synthetic data, coverage check and demo ------------------------------------------------------------

# ---- simulation commands -----------------------------------------------------------------------------------
# The bodies are `simulation.jobs`: each command hands its options, by the same names, to its job.

SCENARIO_HELP = ("Scenario: a bundled name (" + "ppo, drug_treatment, cognitive_behavioural, short_custody_replaced, "
                 "resettlement, youth_early_intervention) or a scenario YAML; repeat to compare several on common "
                 "random numbers. The baseline is always run too.")
UNCERTAINTY_HELP = ("Draw each replication's assumptions (intervention effects, model assumptions, unpublished "
                    "figures) from their ranges by a Latin hypercube; Monte Carlo and assumption uncertainty are "
                    "reported apart (sd_monte_carlo, sd_assumptions, total_lower/total_upper).")
PRECISION_HELP = ("Add replications until the 95 per cent CI half-width of every headline measure is within this "
                  "share of its mean, e.g. 0.05 (Hoad, Robinson and Davies 2010); --replications is then the most "
                  "to run.")


@simulate_app.command("run")
def simulate_run(
    cohort: str = typer.Option(
        "adult", "--cohort", help="Cohort kind: 'adult' (18+, custody leavers and community sentences) or 'youth' "
        "(10-17, pre-court disposals, court sentences and custody releases)."
    ),
    size: int | None = typer.Option(
        None, "--size", min=1, help=f"Generate a cohort of N offenders from the documented distributions "
        f"(default {DEFAULT_COHORT_SIZE:,} unless --cohort-file is given)."
    ),
    cohort_file: Path | None = typer.Option(
        None, "--cohort-file", help="Load the cohort from a CSV file instead of generating one (columns: see "
        "`safer docs simulation`)."
    ),
    scenario: list[str] = typer.Option([], "--scenario", help=SCENARIO_HELP),
    params_file: Path | None = typer.Option(
        None, "--params", help="Parameter file written by `safer simulate calibrate` (default: the bundled "
        "calibrated defaults)."
    ),
    unit_costs_file: Path | None = typer.Option(None, "--unit-costs", help="Unit-cost table (CSV; default the "
                                                "bundled one, simulation/measures/unit_costs.csv)."),
    replications: int = typer.Option(10, "--replications", min=1, help="Independent replications; intervals are "
                                     "taken across them (with --precision: the most to run)."),
    uncertainty: bool = typer.Option(False, "--uncertainty", help=UNCERTAINTY_HELP),
    precision: float | None = typer.Option(None, "--precision", help=PRECISION_HELP),
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

    guarded(lambda: print_simulation_run(run_job(**given, tracker=SIMULATION_PROGRESS)))


@simulate_app.command("project")
def simulate_project(
    from_year: int = typer.Option(2000, "--from-year", help="First annual Q1 cohort (the published adult series "
                                  "starts in 2000; A.38 compares 2004 and 2011)."),
    to_year: int = typer.Option(2011, "--to-year", help="Last annual Q1 cohort."),
    start_year: int = typer.Option(2008, "--start-year", help="First cohort year of every scenario without a "
                                   "start_year of its own."),
    scenario: list[str] = typer.Option([], "--scenario", help=SCENARIO_HELP + " Default: every bundled scenario."),
    baseline_only: bool = typer.Option(False, "--baseline-only", help="Project the baseline alone."),
    adult_size: int = typer.Option(10_000, "--adult-size", min=100, help="Adults simulated per year (rates are "
                                   "per 100, so size sets only the Monte Carlo error; places and outside referrals "
                                   "are scaled to it, national totals scaled up)."),
    youth_size: int = typer.Option(6_000, "--youth-size", min=100, help="Youths simulated per year."),
    check_size: int = typer.Option(20_000, "--check-size", min=100, help="2004 custody leavers simulated to check "
                                   "the published figures by sex (half of them women; baseline only, so cheap)."),
    replications: int = typer.Option(8, "--replications", min=2, help="Replications (with --precision: the most)."),
    uncertainty: bool = typer.Option(False, "--uncertainty", help=UNCERTAINTY_HELP),
    precision: float | None = typer.Option(None, "--precision", help=PRECISION_HELP),
    figures_file: Path | None = typer.Option(None, "--figures", help="Your own figures (CSV: year, cohort, measure, "
                                             "value; measures frequency_per_100, binary_rate_percent, "
                                             "serious_per_100): the years are calibrated to them (youth rows then "
                                             "lose the 'uncalibrated' mark)."),
    drift_file: Path | None = typer.Option(None, "--drift", help="Cohort size and mix by year (CSV: year, cohort, "
                                           "attribute, category, value; see docs/simulation.md)."),
    year_effects_file: Path | None = typer.Option(None, "--year-effects", help="Year effects written by `safer "
                                                  "simulate calibrate --years` (default: the bundled ones)."),
    params_file: Path | None = typer.Option(None, "--params", help="Model parameters (default: the bundled ones)."),
    unit_costs_file: Path | None = typer.Option(None, "--unit-costs", help="Unit-cost table (CSV)."),
    seed: int = typer.Option(2004, "--seed", min=0, help="Master seed: the same seed gives bit-identical output."),
    workers: int = typer.Option(1, "--workers", min=1, help="Dask workers on a local cluster; 1 runs here."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT", help="An existing Dask "
                                         "cluster's scheduler."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run (<out>.parts/)."),
    out: Path = typer.Option(..., "--out", help="Projection table (scenario, cohort, year, measure, mean, CIs, ...); "
                             "the A.38 success table and the costs table go beside it as <stem>_success and "
                             "<stem>_costs with the same extension, each with a .meta.json sidecar."),
) -> None:
    """The PSA question: adult, youth and serious re-offending of annual Q1 cohorts to 2011, and the probability
    of meeting A.38 (each lower in 2011 than in 2004) under the baseline and each scenario, with what it costs.

    Default runtime: 12 years x (10,000 adults + 6,000 youths) x 8 replications with the six bundled scenarios from
    2008 and a check cohort of 20,000: about 4 minutes of CPU on one core (use --workers, or smaller sizes for a
    first look).
    """
    given = dict(locals())
    from simulation.jobs.project import simulate_project as project_job

    guarded(lambda: print_projected(project_job(**given, tracker=SIMULATION_PROGRESS)))


@simulate_app.command("sweep")
def simulate_sweep(
    parameter: list[str] = typer.Option([], "--parameter", metavar="NAME[=V1,V2,...]", help="A parameter to sweep: "
                                        "a model parameter (e.g. age_log_rate_per_year, female_log_rate_ratio."
                                        "community) or a scenario assumption (e.g. ppo.ppo_scheme.rate_ratio), over "
                                        "its stated range or the values given; repeatable. Default: every "
                                        "assumption with a range."),
    scenario: list[str] = typer.Option([], "--scenario", help=SCENARIO_HELP),
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

    guarded(lambda: print_sweep(sweep_job(**given, tracker=SIMULATION_PROGRESS)))


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
    out: Path = typer.Option(..., "--out", help="Parameter YAML to write (use with `safer simulate run --params`), "
                             "or with --years the year-effects YAML (use with `safer simulate project "
                             "--year-effects`)."),
) -> None:
    """Fit the base offending rate, heterogeneity and serious share to published adult re-offending rates (or,
    with --years, every year's effects to the published series)."""
    given = dict(locals())
    from simulation.jobs.calibrate import simulate_calibrate as calibrate_job

    guarded(lambda: print_calibrated(calibrate_job(**given, tracker=SIMULATION_PROGRESS,
                                                   on_iteration=print_calibration_step, on_year=print_year_fit)))

# ---- end simulation commands -------------------------------------------------------------------------------

# ---- reports and batch jobs ---------------------------------------------------------------------------------


def bundled_jobs_dir() -> Path:
    """The bundled example jobs (`data/examples/jobs`, or inside the installed package)."""
    from survey.examples import examples_dir

    return examples_dir() / "jobs"


def job_path(name: str) -> Path:
    """A job file given by path, or a bundled job by name (`council`, `home-office`, `demo`)."""
    given = Path(name)
    if given.is_file() or given.suffix in (".yaml", ".yml"):
        return given
    bundled = bundled_jobs_dir() / f"{name}.yaml"
    if bundled.exists():
        return bundled
    names = ", ".join(sorted(p.stem for p in bundled_jobs_dir().glob("*.yaml")))
    raise ReportInputError(f"{name}: no such job file, and no bundled job of that name (bundled: {names}).")


def run_job_file(job: Path, workdir: Path, check_only: bool = False) -> None:
    """Check a job file, then run its steps in this process (the body of `safer run` and `safer demo`)."""
    from rich.table import Table

    from reporting.jobs.commands import app_commands
    from reporting.jobs.runner import plan_job, run_job
    from reporting.jobs.spec import load_job
    from survey.examples import examples_dir

    spec = guarded(lambda: load_job(job))
    variables = {"examples": str(examples_dir()), "job": str(job.parent.resolve())}
    plan = guarded(lambda: plan_job(spec, app_commands(app), source=str(job), workdir=workdir,
                                    variables=variables))
    if check_only:
        console.print(f"{job}: {len(plan)} steps, all valid ({', '.join(s.spec.name for s in plan)}).",
                      highlight=False)
        return

    def announce(index: int, step: Any) -> None:
        console.rule(f"step {index}/{len(plan)}: {step.spec.name} (safer {step.command.name})")

    try:
        record = run_job(spec, plan, on_step=announce)
    except typer.Exit as stop:
        if stop.exit_code:
            err_console.print("[bold red]job stopped:[/] a step failed (see above); later steps were not run.",
                              highlight=False)
        raise
    shown = Table(title=f"{spec.job}: {len(record.steps)} steps in one process")
    for column in ("step", "command", "seconds"):
        shown.add_column(column, justify="right" if column == "seconds" else "left")
    for timing in record.steps:
        shown.add_row(timing.name, timing.command, f"{timing.seconds:.2f}")
    console.print(shown)
    console.print(f"{record.memory_hits} reads of earlier steps' outputs came from memory.", highlight=False)


@app.command("run")
def run_command(
    job: str = typer.Argument(..., metavar="JOB", help="Job YAML file, or the name of a bundled job (council, "
                              "home-office, demo)."),
    workdir: Path = typer.Option(Path("."), "--dir", metavar="FOLDER", help="Working folder: relative paths in "
                                 "the job are taken from here, so outputs land here."),
    check: bool = typer.Option(False, "--check", help="Only check the job file and every step's options."),
) -> None:
    """Run a whole pipeline from a job file in one process: every safer command can be a step."""
    path = guarded(lambda: job_path(job))
    run_job_file(path, workdir, check_only=check)



@app.command("report")
def report_command(
    results: list[Path] = typer.Argument(..., metavar="RESULT", help="Outputs of safer (estimates, changes, "
                                         "peers, targets, sae, simulation runs, projections, sweeps), each with its "
                                         ".meta.json."),
    out: Path = typer.Option(..., "--out", help="The report: one self-contained HTML file."),
    title: str = typer.Option("Community safety performance report", "--title", help="Main heading."),
    indicator: list[str] = typer.Option([], "--indicator", help="Report only this indicator (repeatable)."),
    national_label: str | None = typer.Option(None, "--national-label", help="Name of the overall row, e.g. "
                                              "'England' (default 'All areas')."),
    figures: Path | None = typer.Option(None, "--figures", metavar="FOLDER", help="Also write each chart as SVG "
                                        "and PNG here."),
) -> None:
    """Build one self-contained HTML report with charts from outputs of safer (no network needed to view it)."""

    def body() -> None:
        from reporting.report.build import ReportOptions
        from reporting.report.write import write_report

        options = ReportOptions(title=title, indicators=tuple(indicator), national_label=national_label)
        meta = write_report(results, out, options, figures)
        extra = f"; {len(meta.get('figure_files', []))} figure files in {figures}" if figures else ""
        console.print(f"wrote {out}: {len(meta['sections'])} sections, {len(meta['figures'])} charts{extra}",
                      highlight=False)

    guarded(body)



@app.command("docs")
def docs_command(
    page: str | None = typer.Argument(None, metavar="PAGE", help="Page to show (e.g. input-files); none lists them."),
) -> None:
    """Show the documentation: the same pages from a clone and from an installed package."""

    def run() -> None:
        from rich.markdown import Markdown
        from rich.markup import escape

        from reporting.docs import doc_page, doc_pages

        if page is None:
            for name, title in doc_pages().items():
                console.print(f"[bold]{escape(name)}[/]  {escape(title)}", highlight=False)
            console.print("show one with: safer docs PAGE", highlight=False)
            return
        try:
            text = doc_page(page)
        except KeyError as exc:
            raise InputFileError(str(exc.args[0])) from None
        console.print(Markdown(text))

    guarded(run)


# ---- help text -------------------------------------------------------------------------------------------

# Metavars by option name where the type alone would say too little ("TEXT" for a column is no help).
_METAVARS_BY_NAME: dict[str, str] = {
    "weight": "COLUMN", "strata": "COLUMN", "psu": "COLUMN", "fpc": "COLUMN", "by": "COLUMN", "nr_class": "COLUMN",
    "adults_col": "COLUMN", "response_col": "COLUMN", "selection_prob": "COLUMN", "mean": "COLUMN",
    "proportion": "COLUMN=VALUE", "questionnaire": "NAME|FILE", "indicator": "ID", "scenario": "ID|FILE",
    "lonely_psu": "RULE", "ci": "METHOD", "method": "METHOD", "bounds": "L,U", "trim_upper": "X|Nx",
    "trim_lower": "X|Nx", "replicates": "METHOD", "scale": "TO", "on_nonconvergence": "fail|warn",
    "cohort": "adult|youth", "survey": "bcs|place", "map_items": "ITEM=COLUMN",
}
_METAVARS_BY_TYPE: dict[Any, str] = {Path: "FILE", int: "N", float: "NUMBER", str: "TEXT", bool: ""}


class SaferCommand(TyperCommand):
    """A `safer` command: its `--help` flag shows no `<bool>` type."""

    def get_help_option(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


def _readable_metavars(typer_app: typer.Typer) -> None:
    """Give every option a plain metavar (FILE, COLUMN, N) in place of Typer's `<list[str]>`; flags get none."""
    import inspect
    import typing

    from typer.models import ArgumentInfo, OptionInfo

    commands = list(typer_app.registered_commands)
    for command in commands:
        if command.cls in (None, TyperCommand):
            command.cls = SaferCommand
    callbacks = [c.callback for c in commands]
    if typer_app.registered_callback is not None:
        callbacks.append(typer_app.registered_callback.callback)
    for callback in callbacks:
        if callback is None:
            continue
        hints = typing.get_type_hints(callback)
        for name, parameter in inspect.signature(callback).parameters.items():
            info = parameter.default
            if not isinstance(info, OptionInfo | ArgumentInfo) or info.metavar is not None:
                continue
            kind = hints.get(name)
            base = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
            if typing.get_origin(base) is list:
                base = typing.get_args(base)[0]
            info.metavar = _METAVARS_BY_NAME.get(name, _METAVARS_BY_TYPE.get(base, "TEXT"))
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _readable_metavars(group.typer_instance)


_readable_metavars(app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
