"""The `safer` command line: parses arguments, calls the `survey` and `simulation` packages, writes files.

No statistics live here. Errors in the input become one readable paragraph and exit code 2;
`--debug` shows the traceback instead. Every file is written to a temporary name and renamed,
so a failed run never leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from simulation.errors import SimulationInputError
from survey.errors import SurveyInputError

app = typer.Typer(
    name="safer",
    help="Community-safety performance statistics: survey indicators with confidence intervals, "
    "and re-offending simulation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
questionnaire_app = typer.Typer(help="List and show the bundled questionnaires.", no_args_is_help=True)
synth_app = typer.Typer(help="Draw synthetic survey data with known truth.", no_args_is_help=True)
check_app = typer.Typer(help="Statistical self-checks (coverage of confidence intervals).", no_args_is_help=True)
simulate_app = typer.Typer(help="Offender-cohort simulation of proven re-offending.", no_args_is_help=True)
app.add_typer(questionnaire_app, name="questionnaire")
app.add_typer(synth_app, name="synth")
app.add_typer(check_app, name="check")
app.add_typer(simulate_app, name="simulate")

console = Console()
err_console = Console(stderr=True)
_state: dict[str, bool] = {"debug": False}

INPUT_ERRORS: tuple[type[Exception], ...] = (SurveyInputError, SimulationInputError)
T = TypeVar("T")


def tool_version() -> str:
    """Installed version of `safer` (or 'unknown' when run from a bare checkout)."""
    try:
        return version("safer")
    except PackageNotFoundError:
        return "unknown"


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when a command fails."),
) -> None:
    """Community-safety performance statistics for England and Wales."""
    _state["debug"] = debug


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; turn bad input into a one-paragraph message and exit code 2."""
    try:
        return action()
    except INPUT_ERRORS as exc:
        if _state["debug"]:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if _state["debug"]:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, for provenance."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(command: str, parameters: dict[str, Any], inputs: list[Path]) -> dict[str, Any]:
    """What every output records: tool version, parameters and input hashes."""
    return {
        "tool": "safer",
        "version": tool_version(),
        "command": command,
        "parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in parameters.items()},
        "inputs": {str(p): file_sha256(p) for p in inputs},
    }


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json_atomic(target: Path, payload: dict[str, Any]) -> None:
    """Write JSON through a temporary file."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str))


# ---- survey commands ---------------------------------------------------------------------------------------
# questionnaire list / show and validate (imports are local so `safer --help` stays quick).


@questionnaire_app.command("list")
def questionnaire_list() -> None:
    """List the bundled questionnaires: name, title, number of items and indicators."""

    def run() -> None:
        from rich.markup import escape
        from rich.table import Table

        from survey.questionnaire import list_questionnaires

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
    name: str = typer.Argument(..., help="Questionnaire name (see `safer questionnaire list`) or YAML path."),
) -> None:
    """Show a questionnaire's items (wording, codes, aliases) and its indicators with their rules."""

    def run() -> None:
        from rich.markup import escape
        from rich.padding import Padding

        from survey.questionnaire import describe_indicator, load_questionnaire

        q = load_questionnaire(name)
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


@app.command("validate")
def validate_command(
    data: Path = typer.Argument(..., help="Survey data file: .csv, .parquet, .sav or .dta."),  # noqa: B008
    questionnaire: str = typer.Option(..., "--questionnaire", "-q", help="Questionnaire name or YAML path."),
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

        from survey.questionnaire import load_questionnaire
        from survey.readers import read_survey_file
        from survey.validate import count_problems, validate_against_questionnaire

        survey_file = read_survey_file(data)
        q = load_questionnaire(questionnaire)
        problems = validate_against_questionnaire(
            survey_file.data, q, source=str(data), max_per_rule=None if max_listed == 0 else max_listed,
            value_labels=survey_file.value_labels,
        )
        n_rows = len(survey_file.data)
        if not problems:
            console.print(
                f"{escape(str(data))}: clean against questionnaire '{escape(q.name)}' "
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
            f"{total} problem(s) in {escape(str(data))} against questionnaire '{escape(q.name)}' "
            f"({n_rows} data rows checked{more}).",
            highlight=False,
        )
        return total

    if guarded(run):
        raise typer.Exit(code=2)

@app.command("estimate")
def estimate_command(
    data: Path = typer.Argument(..., help="Survey file: .csv, .parquet, .sav (SPSS) or .dta (Stata)."),
    out: Path = typer.Option(..., "--out", help="Output table; format from extension: .csv .parquet .json .xlsx."),
    questionnaire: str | None = typer.Option(None, help="Bundled questionnaire name (bcs, place) or YAML path."),
    indicator: list[str] = typer.Option([], "--indicator", help="Indicator id to estimate (repeatable)."),
    all_indicators: bool = typer.Option(False, "--all-indicators", help="Estimate every indicator."),
    mean: list[str] = typer.Option([], "--mean", help="Weighted mean of a numeric column (repeatable)."),
    proportion: list[str] = typer.Option([], "--proportion", help="Proportion VAR=VALUE (repeatable)."),
    weight: str | None = typer.Option(None, help="Weight column (default: weights of 1, or a weighted file's)."),
    strata: str | None = typer.Option(None, help="Stratum column."),
    psu: str | None = typer.Option(None, help="Primary sampling unit (cluster) column."),
    fpc: str | None = typer.Option(None, help="FPC column: population PSU counts, or sampling fractions."),
    design: Path | None = typer.Option(None, "--design", help="Design YAML (weight, strata, psu, fpc, lonely_psu)."),
    lonely_psu: str = typer.Option("fail", help="Single-PSU strata: fail, adjust, average, certainty, remove."),
    by: list[str] = typer.Option([], "--by", help="Domain column; each gives its own domains (repeatable)."),
    ci: str = typer.Option("logit", help="Proportion CI: logit, wald, wilson, korn-graubard."),
    level: float = typer.Option(0.95, help="Confidence level."),
    min_base: int = typer.Option(50, help="Flag estimates whose unweighted base is below this."),
    suppress: bool = typer.Option(False, "--suppress", help="Blank estimates flagged as low base."),
) -> None:
    """Estimate indicators, means and proportions with design-based SEs and confidence intervals."""
    from survey.jobs import DesignOptions, estimate_file
    from survey.tables import table_format, write_table

    def body() -> None:
        fmt = table_format(out)
        options = DesignOptions(weight, strata, psu, fpc, design, lonely_psu)
        table, design_info = estimate_file(
            data,
            design_options=options,
            questionnaire=questionnaire,
            indicators=indicator,
            all_indicators=all_indicators,
            means=mean,
            proportions=proportion,
            by=by,
            ci=ci,
            level=level,
            min_base=min_base,
            suppress=suppress,
        )
        inputs = [data] + [p for p in (design,) if p is not None]
        parameters = {
            "questionnaire": questionnaire, "indicators": indicator, "all_indicators": all_indicators,
            "means": mean, "proportions": proportion, "by": by, "ci": ci, "level": level,
            "min_base": min_base, "suppress": suppress, "lonely_psu": lonely_psu,
        }
        meta = provenance("estimate", parameters, inputs) | {"design": design_info}
        with atomic_path(out) as tmp:
            write_table(table, tmp, fmt, meta)
        write_json_atomic(out.with_name(out.name + ".meta.json"), meta)
        print_estimates(table)
        console.print(f"wrote {len(table)} rows to {out}")

    guarded(body)


def print_estimates(table: Any, limit: int = 30) -> None:
    """Show the first rows of an estimates table on the terminal."""
    from rich.table import Table

    shown = Table(title="Estimates" + (f" (first {limit} of {len(table)})" if len(table) > limit else ""))
    for column in ("indicator", "domain", "domain_value", "estimate", "se", "ci_lower", "ci_upper", "n_unweighted"):
        shown.add_column(column, justify="right" if column not in ("indicator", "domain", "domain_value") else "left")
    for row in table.head(limit).itertuples(index=False):
        cells = []
        for column in ("indicator", "domain", "domain_value", "estimate", "se", "ci_lower", "ci_upper", "n_unweighted"):
            value = getattr(row, column)
            cells.append(f"{value:.4f}" if isinstance(value, float) else str(value))
        shown.add_row(*cells)
    console.print(shown)


# ---- end survey commands -----------------------------------------------------------------------------------

# ---- simulation commands -----------------------------------------------------------------------------------
# ---- end simulation commands -------------------------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
