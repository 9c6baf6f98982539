"""What `safer` prints on the terminal: every table, note and progress bar a command shows, in one place.

The jobs (`survey.jobs`, `simulation.jobs`, `reporting.jobs`) return what they made and print nothing; the command
line calls a job, then the printer here. Tables go to stdout (`console`); warnings, progress and errors to stderr
(`err_console`), so a command's output can be piped. Printers read tables by column name and metadata by key,
never by importing the code that made them. `rich` parts past the console itself are imported inside the
printers, so `safer --help` stays quick.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape

from safer_io.progress import Bar, Bars

console = Console()
"""Standard output: tables and what was written."""
err_console = Console(stderr=True)
"""Standard error: errors, warnings and progress."""


# ---- progress -------------------------------------------------------------------------------------------------

class _RichBar:
    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task, amount)

    def resize(self, total: int) -> None:
        self.progress.update(self.task, total=total)


class _RichBars:
    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def add(self, description: str, total: int | None = None, visible: bool = True) -> Bar:
        return _RichBar(self.progress, self.progress.add_task(description, total=total, visible=visible))


class ConsoleTracker:
    """A `safer_io.progress.Tracker` drawn with rich: a spinner, or bars that vanish when done (`transient`)."""

    def __init__(self, on: Console, columns: str, transient: bool) -> None:
        self.on, self.columns, self.transient = on, columns, transient

    def status(self, message: str) -> Any:
        return self.on.status(message)

    @contextlib.contextmanager
    def bars(self, label: str) -> Iterator[Bars]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        heading = TextColumn(f"[bold]{label}[/]")
        columns = {"timed": (heading, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                             TimeRemainingColumn()),
                   "counted": (heading, BarColumn(), MofNCompleteColumn()),
                   "described": (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn())}[self.columns]
        with Progress(*columns, console=self.on, transient=self.transient) as progress:
            yield _RichBars(progress)


SIMULATION_PROGRESS = ConsoleTracker(err_console, "timed", transient=True)
"""Simulations: elapsed time and ETA on stderr, gone when done."""
BOOTSTRAP_PROGRESS = ConsoleTracker(err_console, "counted", transient=True)
"""The small-area bootstrap: replicates counted on stderr."""
CHECK_PROGRESS = ConsoleTracker(console, "described", transient=False)
"""Self-checks and the demo: on stdout, kept as a record of the run."""


# ---- shared ---------------------------------------------------------------------------------------------------

def print_bindings(record: dict[str, Any]) -> None:
    """How each questionnaire item was bound to a column: exact ids on one line, every other binding listed."""
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
    for note in notes:
        console.print(f"note: {escape(note)}", highlight=False)


def print_warnings(warnings: Sequence[Any]) -> None:
    """Warnings a job caught (Python warnings or text), each one paragraph on stderr."""
    for warning in warnings:
        err_console.print(f"[bold yellow]warning:[/] {getattr(warning, 'message', warning)}", highlight=False,
                          soft_wrap=True)


def _percent(value: float) -> str:
    return "" if value != value else f"{100 * value:.1f}"


# ---- survey tables ----------------------------------------------------------------------------------------------

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


# ---- simulation -------------------------------------------------------------------------------------------------

def print_simulation_run(done: Any) -> None:
    """What `simulate run` wrote, after its warnings about measures resting on few events."""
    for warning in done.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    console.print(f"wrote {len(done.table)} rows to {done.out} ({done.size} offenders, {done.replications} "
                  "replications)", highlight=False)


def print_projection(result: Any, check: Any) -> None:
    """The published figures beside the simulation, and the A.38 success probabilities."""
    from rich.table import Table

    shown = Table(title="Published figures and the simulation (baseline)")
    for column in ("cohort", "year", "measure", "simulated (95% CI)", "published", "difference"):
        shown.add_column(column, justify="left" if column in ("cohort", "measure") else "right")
    for r in check.itertuples(index=False):
        interval = f"{r.mean:.1f} ({r.ci_lower:.1f} to {r.ci_upper:.1f})"
        shown.add_row(str(r.cohort), str(r.year), str(r.measure), interval,
                      f"{r.figure:.1f}", f"{r.difference_from_figure_percent:+.1f}%")
    console.print(shown)
    success = result.success
    table = Table(title="Probability of meeting A.38: 2011 below 2004 (95% CI)")
    table.add_column("scenario")
    for criterion in ("adult", "youth", "serious", "all"):
        table.add_column({"all": "all three"}.get(criterion, criterion), justify="right")
    for name, rows in success.groupby("scenario", sort=False):
        cells = []
        for criterion in ("adult", "youth", "serious", "all"):
            r = rows[rows["criterion"] == criterion].iloc[0]
            cells.append(f"{100 * r.probability:.0f}% ({100 * r.ci_lower:.0f}-{100 * r.ci_upper:.0f})")
        table.add_row(str(name), *cells)
    console.print(table)
    costs = result.costs
    if len(costs):
        money = Table(title="Averted and costs, cohorts from each scenario's start year to the last (national, 95% CI)")
        for column in ("scenario", "offences committed averted", "proven re-offences averted",
                       "net cost per offence averted (GBP)"):
            money.add_column(column, justify="left" if column == "scenario" else "right")
        for name, rows in costs.groupby("scenario", sort=False):
            item = rows.set_index("item")
            cells = []
            for key, digits in (("offences_committed_averted", 0), ("proven_reoffences_averted", 0),
                                ("net_cost_per_offence_averted", 0)):
                r = item.loc[key]
                cells.append(f"{r['mean']:,.{digits}f} ({r['ci_lower']:,.{digits}f} to {r['ci_upper']:,.{digits}f})")
            money.add_row(str(name), *cells)
        console.print(money)


def print_projected(done: Any) -> None:
    """`simulate project`: the check against the published figures, the A.38 chances, the costs, the files."""
    print_projection(done.result, done.check)
    console.print(f"wrote {', '.join(str(p) for p in done.outputs.values())}", highlight=False)


def print_sweep(done: Any) -> None:
    """The eight widest swings of re-offending frequency, and the files written."""
    table = done.tornado
    top = table[(table["measure"] == "frequency_per_100")].head(8) if len(table) else table
    for r in top.itertuples(index=False):
        console.print(f"{r.scenario}: {r.parameter} {r.low_value:g} -> {r.high_value:g}: frequency "
                      f"{r.low_result:.1f} to {r.high_result:.1f} per 100 (central {r.base_result:.1f})",
                      highlight=False)
    console.print(f"wrote {done.out} and {done.grid_out}", highlight=False)


def print_calibration_step(iteration: int, achieved: Any) -> None:
    """One step of `simulate calibrate`: the rates the step's parameters gave."""
    err_console.print(
        f"step {iteration}: frequency {achieved.frequency_per_100:.2f}/100, binary "
        f"{achieved.binary_rate_percent:.2f}%, serious {achieved.serious_per_100_expected:.3f}/100",
        highlight=False,
    )


def print_year_fit(kind: str, year: int, result: Any) -> None:
    """One year fitted by `simulate calibrate --years`: each group's rates."""
    parts = ", ".join(f"{name} {v['frequency_per_100']:.1f}/100, {v['binary_rate_percent']:.1f}%"
                      for name, v in result.groups.items())
    err_console.print(f"{kind} {year}: {parts}", highlight=False)


def print_calibrated(done: Any) -> None:
    """The fitted parameters (or, for the year effects, the file written)."""
    if done.params is None:
        console.print(f"wrote {done.out}", highlight=False)
        return
    p = done.params
    note = "" if done.converged else " [bold yellow](not converged: see the iterations in the file)[/]"
    console.print(f"base rate {p.base_offending_rate:.4f}/year, theta {p.heterogeneity_theta:.4f}, serious share "
                  f"{p.serious_share:.5f} -> {done.out}{note}", highlight=False)
