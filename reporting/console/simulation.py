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
    for note in done.notes:
        err_console.print(f"[yellow]note:[/] {escape(plain_numbers(str(note)))}", highlight=False)
    console.print(f"wrote {len(done.table)} rows to {done.out} ({done.size} offenders, {done.replications} "
                  "replications)", highlight=False)


def print_text_table(table: Any) -> None:
    """A `simulation.questions.projection_text.TextTable` as a rich table (first column left, the others right)."""
    from rich.table import Table

    shown = Table(title=table.title)
    for position, column in enumerate(table.columns):
        shown.add_column(column, justify="left" if position == 0 else "right")
    for row in table.rows:
        shown.add_row(*row)
    console.print(shown)


def print_projected(done: Any) -> None:
    """`simulate project`: the check against the published figures, the A.38 chances (not estimable where the data
    cannot support them), their sensitivity to the trend, the money, the notes a reader must see, the files."""
    for table in done.tables:
        print_text_table(table)
    for note in done.notes:
        err_console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
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
