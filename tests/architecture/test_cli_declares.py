"""`cli.py` declares; the packages act (issue 18).

The command line holds the Typer app, every command with its options and help, and the calls. What a command does
lives in a job module (`survey.jobs`, `simulation.jobs`, `recorded_crime.jobs`, `reporting.jobs`,
`reporting.report`), which prints nothing; what it shows, how it fails and the options several commands share live
in `reporting.console`. These tests hold that shape: the file stays short, no printer or table comes back into it,
every job accepts every option its command hands it (its option groups' among them), the jobs never print, no
pipeline holds command-line code, and the command line stays quick to start.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "cli.py"
MAX_CLI_LINES = 900
JOB_PACKAGES = ("survey/jobs", "simulation/jobs", "recorded_crime/jobs", "reporting/jobs", "reporting/report")
PIPELINES = ("survey", "simulation", "recorded_crime", "safer_io")
"""Packages that compute and write, and never parse a command line."""
COMMAND_LINE_LIBRARIES = ("typer", "click")
HEAVY = ("simpy", "dask", "distributed", "altair", "vl_convert", "openpyxl")
"""Modules `safer estimate` has no use for: the simulation engine, Dask, charts, workbooks."""


def cli_tree() -> ast.Module:
    return ast.parse(CLI.read_text(encoding="utf-8"))


def commands() -> list[ast.FunctionDef]:
    """The functions of cli.py declared as Typer commands."""
    return [node for node in cli_tree().body if isinstance(node, ast.FunctionDef)
            and any(isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command" for d in node.decorator_list)]


def jobs_given_the_options(command: ast.FunctionDef) -> list[tuple[str, str]]:
    """(module, function) of each job the command calls with `**given` (its own options, captured whole)."""
    imported = {}
    for node in ast.walk(command):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module or "", alias.name)
    called = []
    for node in ast.walk(command):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and any(
                k.arg is None and isinstance(k.value, ast.Name) and k.value.id == "given" for k in node.keywords):
            called.append(imported[node.func.id])
    return called


def test_cli_is_under_900_lines() -> None:
    lines = len(CLI.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_CLI_LINES, (f"cli.py has {lines} lines, expected under {MAX_CLI_LINES}: put what a command "
                                   "does in its job module and what it prints in reporting/console")


def test_no_printer_or_table_lives_in_cli() -> None:
    found = [f"{node.name} (line {node.lineno})" for node in ast.walk(cli_tree())
             if isinstance(node, ast.FunctionDef) and node.name.startswith("print_")]
    found += [f"import of {node.module} (line {node.lineno})" for node in ast.walk(cli_tree())
              if isinstance(node, ast.ImportFrom) and node.module in ("rich.table", "rich.progress", "rich.padding")]
    assert not found, f"expected no printing code in cli.py (it belongs in reporting/console), found: {found}"


def test_the_commands_that_hand_over_their_options_are_found() -> None:
    handed = {c.name for c in commands() if jobs_given_the_options(c)}
    expected = {"estimate_command", "change_command", "peers_command", "targets_command", "weight_command",
                "sae_command", "validate_command", "simulate_run", "simulate_project", "simulate_sweep",
                "simulate_calibrate", "report_command", "crime_validate", "crime_codes", "crime_rates", "crime_change",
                "crime_spc", "crime_peers", "crime_national", "crime_displacement", "synth_crime", "check_crime_change"}
    assert expected <= handed, f"expected these commands to call a job with **given: missing {expected - handed}"


@pytest.mark.parametrize("command", [c for c in commands() if jobs_given_the_options(c)], ids=lambda c: c.name)
def test_every_job_accepts_every_option_its_command_hands_it(command: ast.FunctionDef) -> None:
    import cli

    # The signature Typer reads: the command's own options and those its option groups splice in (`**options`).
    options = set(inspect.signature(getattr(cli, command.name)).parameters)
    for module, name in jobs_given_the_options(command):
        job = getattr(importlib.import_module(module), name)
        accepted = set(inspect.signature(job).parameters)
        assert options <= accepted, (f"{command.name} hands {sorted(options - accepted)} to {module}.{name}, "
                                     f"which does not take them")


def test_job_modules_print_nothing() -> None:
    found = []
    for package in JOB_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if (module or "").startswith(("rich", "reporting.console")) or any(
                        n.startswith(("rich", "reporting.console")) for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module or names}")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls print()")
    assert not found, "jobs return what they made and reporting/console prints it; found:\n" + "\n".join(found)


def test_no_pipeline_holds_command_line_code() -> None:
    """The pipelines compute and write; parsing a command line and declaring commands is the command line's."""
    found = []
    for package in PIPELINES:
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                found += [f"{where}:{node.lineno} imports {n}" for n in names
                          if n.split(".")[0] in COMMAND_LINE_LIBRARIES]
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                        "Typer", "command", "callback", "add_typer", "Option", "Argument"):
                    found.append(f"{where}:{node.lineno} declares a command or option ({ast.unparse(node.func)})")
    assert not found, ("expected no command-line code in the pipelines (declare commands in cli.py, options shared "
                       "by several commands in reporting/console/shared_options.py), found:\n" + "\n".join(found))


def test_safer_estimate_imports_no_simulation_charts_or_workbooks(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli import app\n"
        f"result = CliRunner().invoke(app, ['estimate', {str(ROOT / 'data/examples/bcs.parquet')!r}, '-q', 'bcs', "
        f"'--indicator', 'PSA23_4', '--weight', 'design_weight', '--out', {str(tmp_path / 'e.csv')!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"expected safer estimate to import none of {HEAVY}, found {done.stdout}"
