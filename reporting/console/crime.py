"""`safer crime ...`, `safer synth crime` and `safer check crime-change` on the command line and the terminal.

The commands are declared in `recorded_crime/jobs/commands.py`, where each returns what to show (lines and an exit
code) and prints nothing. `register_crime_commands` puts them on the `safer` app: each runs inside the command
line's error handling (`guarded`: bad input is one paragraph and exit code 2), then its lines are printed here as
plain text, and `validate`'s exit code 2 (problems found) is passed on. The functions keep their signatures, so
`safer run` sees their options as it sees every command's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rich.markup import escape

from reporting.console.terminal import console


def print_shown(lines: list[str]) -> None:
    """Each line a recorded-crime command returned, as written (no markup, no highlighting)."""
    for line in lines:
        console.print(escape(line), highlight=False)


def shown(command: Callable[..., Any], guarded: Callable[[Callable[[], Any]], Any]) -> Callable[..., None]:
    """`command` run inside `guarded`, its lines printed and its exit code passed on (same signature)."""
    import typer

    @functools.wraps(command)
    def run(**options: Any) -> None:
        result = guarded(lambda: command(**options))
        print_shown(result.lines)
        if result.exit_code:
            raise typer.Exit(code=result.exit_code)

    return run


def register_crime_commands(commands: Any, app: Any, synth_app: Any, check_app: Any,
                            guarded: Callable[[Callable[[], Any]], Any], group: type) -> None:
    """Add the `crime` group to `app`, `synth crime` to `synth_app` and `check crime-change` to `check_app`."""
    for info in commands.crime_app.registered_commands:
        info.callback = shown(info.callback, guarded)
    app.add_typer(commands.crime_app, name="crime", cls=group)
    synth_app.command("crime")(shown(commands.synth_crime, guarded))
    check_app.command("crime-change")(shown(commands.check_crime_change, guarded))
