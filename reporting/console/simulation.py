"""The simulate commands on the terminal: runs, the projection against the published figures and the A.38 chances,
sweeps and calibration steps."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from reporting.console.terminal import console, err_console, plain_numbers

# ---- simulation ---------------------------------------------------------------------------------------------------

def print_simulation_run(done: Any) -> None:
    """What `simulate run` wrote, after its warnings about measures resting on few events."""
    for warning in done.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(plain_numbers(str(warning)))}", highlight=False)
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
