"""The small things of issue 9, section 6: version, --debug anywhere, -q everywhere, readable help, docs pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

REPO = Path(__file__).resolve().parents[3]
COMMANDS_WITH_QUESTIONNAIRE = [["validate"], ["estimate"], ["weight"], ["questionnaire", "map"],
                               ["questionnaire", "show"]]


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_version() -> None:
    code, output = invoke(["--version"])
    assert code == 0 and re.fullmatch(r"safer \S+\n", output), output


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_or_after_the_command(where: str, tmp_path: Path) -> None:
    command = ["estimate", str(tmp_path / "absent.csv"), "--mean", "y", "--out", str(tmp_path / "e.csv")]
    code, output = invoke(["--debug", *command] if where == "before" else [*command, "--debug"])
    assert code == 2 and "Traceback" in output and "absent.csv" in output, output


def test_error_messages_end_by_mentioning_debug(tmp_path: Path) -> None:
    code, output = invoke(["estimate", str(tmp_path / "absent.csv"), "--mean", "y", "--out", str(tmp_path / "e.csv")])
    assert code == 2 and "Traceback" not in output
    assert output.strip().endswith("(run with --debug to see the traceback)"), output


@pytest.mark.parametrize("command", COMMANDS_WITH_QUESTIONNAIRE)
def test_questionnaire_is_q_everywhere(command: list[str]) -> None:
    code, output = invoke([*command, "--help"])
    assert code == 0, output
    assert re.search(r"--questionnaire\s+-q\b", output), f"{command}: no -q/--questionnaire in\n{output}"


def _every_command() -> list[list[str]]:
    import typer.main

    group = typer.main.get_command(app)
    out: list[list[str]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        out += [[name, sub] for sub in subcommands] if subcommands else [[name]]
    return out


@pytest.mark.parametrize("command", _every_command(), ids=" ".join)
def test_help_has_no_typer_type_metavars(command: list[str]) -> None:
    code, output = invoke([*command, "--help"])
    assert code == 0, output
    options = output.split("Options", 1)[-1]
    assert not re.search(r"<(list|str|int|float|bool|path)", options), f"{command}: raw metavar in\n{options}"


def test_docs_pages_are_listed_and_shown() -> None:
    code, output = invoke(["docs"])
    assert code == 0 and "input-files" in output and "definitions" in output, output
    code, output = invoke(["docs", "input-files"])
    assert code == 0 and "--ignore-labels" in output, output
    code, output = invoke(["docs", "nonsense"])
    assert code == 2 and "input-files" in output, output


def test_readme_and_docs_links_resolve_and_nothing_points_outside_the_repository() -> None:
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text()
        assert "../shared" not in text and "/work/shared" not in text, f"{page.name} points outside the repository"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_the_demo_output_folder_is_ignored_by_git() -> None:
    assert "safer-demo-output/" in (REPO / ".gitignore").read_text().split()
