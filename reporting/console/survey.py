"""The survey commands on the terminal: questionnaires, validation problems, estimates, changes, peers, targets,
weighting diagnostics, small areas, the self-checks, synthetic files and the demo."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape

from reporting.console.terminal import _percent, console, err_console, plain_numbers, print_bindings, print_notes

# ---- questionnaires and validation --------------------------------------------------------------------------------

def print_questionnaires(summaries: Sequence[Any]) -> None:
    """The bundled questionnaires: name, title, number of items and indicators."""
    from rich.table import Table

    table = Table(title="Bundled questionnaires")
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("items", justify="right")
    table.add_column("indicators", justify="right")
    for summary in summaries:
        table.add_row(escape(summary.name), escape(summary.title), str(summary.n_items), str(summary.n_indicators))
    console.print(table)


def print_questionnaire(q: Any, rules: Sequence[str]) -> None:
    """A questionnaire's items (wording, codes, aliases) and its indicators, each with its rule in words."""
    from rich.padding import Padding

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
    for ind, rule in zip(q.indicators, rules, strict=True):
        console.print(f"[bold]{escape(ind.id)}[/] ({ind.kind}): {escape(ind.title)}", highlight=False)
        console.print(Padding(escape(rule), (0, 0, 0, 4)), highlight=False)


def print_mapping_drafted(done: Any) -> None:
    """How many items the drafted mapping bound, recoded, or could not find."""
    entries = done.entries
    bound = [e for e in entries.values() if e.column is not None]
    recoded = [item for item, e in entries.items() if e.recode or e.missing]
    missing = [item for item, e in entries.items() if e.column is None]
    console.print(f"wrote {escape(str(done.out))}: {len(bound)} of {len(entries)} items bound"
                  + (f", {len(recoded)} recoded from the value labels" if recoded else "")
                  + (f"; no column for {escape(', '.join(missing))}" if missing else "")
                  + ". Check every line before use.", highlight=False)


def print_validation(data: Path, result: Any) -> None:
    """How the items were bound, then the file clean, or every problem listed (row, column, value, rule)."""
    from rich.table import Table

    problems, prepared = result.problems, result.prepared
    q = prepared.questionnaire
    print_bindings(prepared.record())
    if getattr(result, "label_summary", ""):
        console.print(escape(result.label_summary), highlight=False)
    n_rows = len(prepared.data)
    if not problems:
        console.print(f"{escape(str(data))}: clean against questionnaire '{escape(q.survey_label)}' "
                      f"({n_rows} data rows, {len(q.items)} items checked)", highlight=False)
        return
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
    more = f"; {result.unlisted} counted but not listed (--max-listed 0 lists all)" if result.unlisted else ""
    console.print(f"{result.total} problem(s) in {escape(str(data))} against questionnaire "
                  f"'{escape(q.survey_label)}' ({n_rows} data rows checked{more}).", highlight=False)


# ---- estimates, judging, weights, small areas, checks -------------------------------------------------------------

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


def _text(value: Any) -> str:
    from reporting.numbers import missing  # pandas only when a table is shown
    return "" if missing(value) else str(value)


def print_change(table: Any, limit: int = 30) -> None:
    """The first rows of a change table: estimates in per cent for proportions, the change with its CI."""
    from rich.table import Table

    from reporting.numbers import scale  # pandas only when a table is shown

    title = "Change between periods" + (f" (first {limit} of {len(table)} rows)" if len(table) > limit else "")
    shown = Table(title=title)
    for column in ("indicator", "domain", "base", "current", "change", "CI", "p", "direction",
                   "prospective", "retrospective"):
        shown.add_column(column, justify="left" if column in ("indicator", "domain", "direction") else "right",
                         overflow="fold")
    for row in table.head(limit).itertuples(index=False):
        f = scale(str(row.indicator))
        domain = "all" if row.domain == "all" else f"{row.domain}={row.domain_value}"
        interval = "" if row.ci_lower != row.ci_lower else f"{f * row.ci_lower:+.1f} to {f * row.ci_upper:+.1f}"
        change = "" if row.change != row.change else f"{f * row.change:+.1f}"
        p_value = "" if row.p_value != row.p_value else f"{row.p_value:.3f}"
        shown.add_row(str(row.indicator), domain, _percent(row.base_estimate, row.indicator),
                      _percent(row.current_estimate, row.indicator), change, interval, p_value,
                      _text(row.direction) or _text(getattr(row, "note", "")),
                      _percent(row.threshold_level, row.indicator),
                      _percent(getattr(row, "retrospective_threshold", float("nan")), row.indicator))
    console.print(shown)
    console.print("per cent for proportions (points for the change), means as they are; prospective = the Annex's "
                  "minimum movement from the base, set before the current period is measured; retrospective = the "
                  "level this change had to pass, with the current SE and any overlap (significance follows it)")


def print_peers(table: Any, limit: int = 30) -> None:
    """The first rows of a peer table: estimates and peer means in per cent, differences in points."""
    from rich.table import Table

    from reporting.numbers import missing, scale  # pandas only when a table is shown

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
        f = scale(str(row.indicator))
        known = row.difference == row.difference
        cells = [str(row.indicator), str(row.domain_value), str(row.group), _percent(row.estimate, row.indicator),
                 _percent(row.peer_mean, row.indicator), f"{f * row.difference:+.1f}" if known else "",
                 f"{f * row.difference_ci_lower:+.1f} to {f * row.difference_ci_upper:+.1f}" if known else "",
                 short.get(str(row.flag), ""), "" if missing(row.rank) else f"{row.rank}/{row.group_size}"]
        if pace:
            cells.append(str(row.pace_flag or ""))
        shown.add_row(*cells)
    console.print(shown)
    console.print("per cent for proportions (means as they are); difference = area - peer mean (points) with "
                  "its 95% CI; flag by the indicator's polarity; rank 1 = best in the group")


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



def print_estimated(table: Any, meta: dict[str, Any], out: Path) -> None:
    """`safer estimate`: the first estimates, the notes, how many were suppressed, the file written."""
    print_estimates(table)
    print_notes(meta["notes"])
    suppressed = meta["disclosure"]["rows_suppressed"]
    if suppressed:
        console.print(f"{suppressed} estimate(s) on fewer than {meta['parameters']['min_base']} respondents "
                      "suppressed (--min-base N changes the threshold).", highlight=False)
    console.print(f"wrote {len(table)} rows to {out}")


def print_judged(command: str, table: Any, meta: dict[str, Any], out: Path) -> None:
    """`safer estimate`, `change`, `peers` or `targets`: the notes, the first rows, the file written."""
    if command == "estimate":
        print_estimated(table, meta, out)
        return
    print_notes(meta.get("notes", []))
    {"change": print_change, "peers": print_peers, "targets": print_targets}[command](table)
    console.print(f"wrote {len(table)} rows to {out}")


def print_weighing(weighed: Any) -> None:
    """Before the weighted file is written: the warnings raised while weighting, and how items were bound."""
    for warning in weighed.warnings:
        err_console.print(f"[bold yellow]warning:[/] {plain_numbers(str(warning))}", highlight=False, soft_wrap=True)
    print_bindings(weighed.job.record)


def print_weighted(weighed: Any, out: Path) -> None:
    """After: the diagnostics by group and the files written."""
    from safer_io.sidecars import sidecar_path

    print_weighting_diagnostics(weighed.job.result.diagnostics)
    console.print(f"wrote {len(weighed.job.result.data)} rows to {out} (metadata {sidecar_path(out).name})")


def print_sae(done: Any) -> None:
    """`safer sae`: the first small-area estimates, each model's variance and fit, the files written."""
    result = done.job.result
    print_small_areas(result.table)
    for name, model in result.models.items():
        console.print(f"{name}: A = {model['area_variance']:.4g} (SE {model['area_variance_se']:.2g}), "
                      f"{model['areas_in_fit']} areas in the fit, {model['areas_synthetic']} synthetic only, "
                      f"MSE {model['mse']}", highlight=False)
    console.print(f"wrote {len(result.table)} rows to {done.out} and diagnostics to {done.diagnostics}")


def print_check(command: str, done: Any) -> None:
    """`safer check coverage`, `sae` or `change-coverage`: the summary and the file written."""
    {"coverage": print_coverage, "sae": print_sae_check, "change-coverage": print_change_coverage}[command](
        done.summary)
    console.print(f"wrote {len(done.summary)} rows to {done.out}")


# ---- synthetic data and the demo ----------------------------------------------------------------------------------

def print_synthetic(done: Any) -> None:
    """The synthetic files written (one year, or one file per year) and the tables beside them."""
    extra = "".join(f"; {kind} to {path}" for kind, path in done.extra)
    if done.records is not None:
        console.print(f"wrote {done.records} synthetic {done.survey} records to {done.files[0]}" + extra)
    else:
        console.print(f"wrote {len(done.files)} synthetic {done.survey} years ({', '.join(done.files)})" + extra)


def print_demo(done: Any) -> None:
    """The national estimates beside the truth, how many intervals covered it, and the files written."""
    from rich.table import Table

    shown = Table(title="National estimates from the synthetic surveys, beside the true values (%)")
    for column in done.national.columns:
        shown.add_column(column, justify="left" if column in ("survey", "indicator", "covered") else "right")
    for row in done.national.itertuples(index=False):
        shown.add_row(*[str(v) for v in row])
    console.print(shown)
    comparison = done.result.comparison
    console.print(f"{int(comparison['covered'].sum())} of {len(comparison)} 95% intervals (national and by area) "
                  "cover the truth. Misses on the Place civic indicators (NI3, NI4, NI6, NI37) are built-in "
                  "nonresponse bias: see summary.md.")
    if not done.projected:
        console.print("re-offending projection skipped: simulation.run_baseline_projection is not available.")
    out = done.out
    console.print(f"wrote {len(done.written)} files to {out}/ in {done.seconds:.1f} s "
                  f"(summary: {out / 'summary.md'}; report: {out / 'report.html'})")
