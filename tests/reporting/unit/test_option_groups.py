"""Options several commands share are declared once, as option groups, and spliced into each command
(`reporting/console/option_groups.py`). Typer, `--help` and `safer run` must all see a group's options as the
command's own: a splice that Typer missed would silently drop `--weight` from `safer estimate`, and one that
`safer run` missed would refuse (or, worse, ignore) a job step's design."""

from __future__ import annotations

import inspect
from typing import Any

import pydantic
import pytest
import typer

from cli import app
from reporting.console import shared_options as shared
from reporting.console.option_groups import gathered, option_group, with_options
from reporting.jobs.commands import app_commands

# (command, group, its panel in --help) for every use of a group that matters.
USES = [
    (["estimate"], shared.survey_design, "Survey design"),
    (["estimate"], shared.what_to_estimate, "What to estimate"),
    (["change"], shared.intervals_and_bases, "Intervals and small bases"),
    (["targets"], shared.item_binding, "Items and columns"),
    (["validate"], shared.item_binding, "Items and columns"),
    (["crime", "change"], shared.crime_counts, "Reading the counts"),
    (["crime", "peers"], shared.crime_table, "Output"),
    (["crime", "validate"], shared.crime_counts, "Reading the counts"),
]


RECEIVED: dict[str, Any] = {}
"""What the test command was called with (a global: a closure's names would show in its `locals()`)."""


def flags(group: Any) -> list[str]:
    """The first flag of each option of a group (`--df` for `df_rule`, `--weight` for `weight`)."""
    found = []
    for parameter in inspect.signature(group).parameters.values():
        declared = [d for d in parameter.default.param_decls or () if d.startswith("--")]
        found.append(declared[0].split("/")[0] if declared else "--" + parameter.name.replace("_", "-"))
    return found


@pytest.mark.parametrize(("command", "group", "panel"), USES, ids=lambda u: " ".join(u) if isinstance(u, list) else "")
def test_help_lists_every_option_of_a_group_in_its_panel(runner, command, group, panel) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert panel in result.output, f"safer {' '.join(command)} --help: expected a '{panel}' panel in\n{result.output}"
    shown = result.output.split(panel, 1)[1]
    missing = [flag for flag in flags(group) if flag not in shown]
    assert not missing, f"safer {' '.join(command)} --help: expected {missing} under '{panel}', found\n{shown}"


@pytest.mark.parametrize(("command", "group", "panel"), USES, ids=lambda u: " ".join(u) if isinstance(u, list) else "")
def test_a_job_step_takes_every_option_of_a_group(command, group, panel) -> None:
    fields = app_commands(app)[" ".join(command)].options.model_fields
    missing = sorted(set(inspect.signature(group).parameters) - set(fields))
    assert not missing, f"safer run step '{' '.join(command)}': expected the options {missing} of '{panel}'"


def test_a_job_step_checks_a_group_option_as_the_command_line_does() -> None:
    options = app_commands(app)["estimate"].options
    base = {"data": ["a.csv"], "out": "e.csv"}
    assert options.model_validate(base | {"lonely-psu": "adjust", "df": "design"}).df_rule == "design"
    with pytest.raises(pydantic.ValidationError, match="min_base"):
        options.model_validate(base | {"min_base": -1})  # `--min-base` has min=0 in its group
    with pytest.raises(pydantic.ValidationError, match="override_design"):
        options.model_validate(base | {"override_design": "perhaps"})


def test_the_command_receives_its_groups_options_by_name() -> None:
    @option_group("Test group")
    def group(colour: str = typer.Option("red", "--colour", help="A colour.")) -> None:
        """A group for this test."""

    test_app = typer.Typer()

    @test_app.command()
    @with_options(group)
    def paint(size: int = typer.Option(1, "--size", help="A size."), **options: Any) -> None:
        """Paint."""
        RECEIVED.update(gathered(locals()))

    from typer.testing import CliRunner

    result = CliRunner().invoke(test_app, ["--size", "3", "--colour", "blue"])
    assert result.exit_code == 0, result.output
    assert RECEIVED == {"size": 3, "colour": "blue"}, f"expected size 3 and colour blue, found {RECEIVED}"


def test_a_splice_that_would_lose_or_clash_options_is_refused() -> None:
    @option_group("Test group")
    def group(size: int = typer.Option(1, "--size", help="A size.")) -> None:
        """A group for this test."""

    def no_options(size: int = 1) -> None:
        """No **options to receive a group."""

    def clashing(size: int = 2, **options: Any) -> None:
        """Declares a name the group declares."""

    def plain(colour: str = "red") -> None:
        """Not a group."""

    with pytest.raises(TypeError, match=r"\*\*options"):
        with_options(group)(no_options)
    with pytest.raises(TypeError, match="size"):
        with_options(group)(clashing)
    with pytest.raises(TypeError, match="not an option group"):
        with_options(plain)(clashing)
