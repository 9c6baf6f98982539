"""Help names what an option takes (issue 21): `safer check coverage`, `check change-coverage`, `check sae` and
`sae` showed `--replicates METHOD` where a number is meant."""

from __future__ import annotations

import click
import typer

from cli import app


def every_option() -> list[tuple[str, click.Option]]:
    found = []

    def walk(command: click.Command, name: str) -> None:
        if isinstance(command, click.Group):
            for sub_name, sub in command.commands.items():
                walk(sub, f"{name} {sub_name}".strip())
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                found.append((name, parameter))

    walk(typer.main.get_command(app), "")
    return found


def test_every_whole_number_option_shows_n_and_every_number_shows_number():
    wrong = []
    for command, option in every_option():
        kind = option.type
        expected = "N" if isinstance(kind, click.types.IntParamType) else "NUMBER" \
            if isinstance(kind, click.types.FloatParamType) else None
        if expected is not None and option.metavar != expected:
            wrong.append(f"safer {command} {option.opts[0]}: {option.metavar} (expected {expected})")
    assert not wrong, "options that take a number but show another metavar:\n" + "\n".join(wrong)


def test_replicates_is_a_number_where_it_counts_and_a_method_in_weight(runner):
    for command in (["check", "coverage"], ["check", "change-coverage"], ["check", "sae"], ["sae"]):
        shown = " ".join(runner.invoke(app, [*command, "--help"], terminal_width=200).output.split())
        assert "--replicates N" in shown and "--replicates METHOD" not in shown, f"safer {' '.join(command)}: {shown}"
    shown = " ".join(runner.invoke(app, ["weight", "--help"], terminal_width=200).output.split())
    assert "--replicates METHOD" in shown, shown
