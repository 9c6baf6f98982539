"""How a `safer` command fails on the terminal: one paragraph on stderr and an exit code, never a traceback
unless `--debug`.

`CommandGuard` is the `guarded` of `cli.py`. It runs a command's body and turns bad input into one paragraph and
exit code 2: the input errors of the pipelines, which the command line hands in (this package imports no
pipeline), and a file-system failure outside the output plumbing (a missing or unreadable input). Anything else
is a fault in `safer` itself: one paragraph and exit code 1. Ctrl-C and SIGTERM end it cleanly, saying what was
kept (`terminal.interrupts_reported`). `SaferGroup` is the class of every command group: it accepts `--debug`
anywhere on the line, before or after the command.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.markup import escape

from reporting.console import terminal
from reporting.console.help import PlainHelpGroup
from reporting.console.terminal import err_console

DEBUG_HINT = "(run with --debug to see the traceback)"
T = TypeVar("T")

_state: dict[str, bool] = {"debug": False}
"""Whether this command line asked for `--debug` (reset for each new line: tests run many in one process)."""


def request_debug(debug: bool) -> None:
    """Show the traceback of a failure on this command line (the `--debug` of the app's callback)."""
    _state["debug"] = _state["debug"] or debug


class SaferGroup(PlainHelpGroup):
    """The command groups of `safer`: `--debug` is accepted anywhere on the line, before or after the command."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if ctx.parent is None:  # a new command line: forget the last one's flag
            _state["debug"] = False
        if "--debug" in args:
            cut = args.index("--") if "--" in args else len(args)
            if "--debug" in args[:cut]:
                _state["debug"] = True
                args = [a for a in args[:cut] if a != "--debug"] + args[cut:]
        return super().parse_args(ctx, args)


def failed(message: str, code: int) -> typer.Exit:
    """Print the failure as one paragraph (the traceback first under `--debug`); the exit to raise."""
    if _state["debug"]:
        traceback.print_exc()
    message, hint = terminal.plain_numbers(message), "" if _state["debug"] else f" {DEBUG_HINT}"
    err_console.print(f"[bold red]error:[/] {escape(message)}{hint}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


class CommandGuard:
    """Runs a command body (see the module docstring): `guarded(lambda: ...)` returns what the body returns."""

    def __init__(self, input_errors: tuple[type[Exception], ...]) -> None:
        self.input_errors = input_errors
        """The exceptions that mean bad input (exit code 2)."""

    def __call__(self, action: Callable[[], T]) -> T:
        try:
            with terminal.interrupts_reported():
                return action()
        except self.input_errors as exc:
            raise failed(str(exc), 2) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise failed(f"{where}{exc.strerror or exc}.", 2) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # the last line of defence against a leaked traceback
            raise failed(f"internal error in safer ({type(exc).__name__}: {exc}); please report it with the "
                         "command that caused it.", 1) from None
