"""Option groups: options that several commands share, declared once in `cli.py` and spliced into each command.

A group is a function whose parameters are typed Typer options with their help, e.g. the survey design options
(`--weight`, `--strata`, `--psu`, ...). `@option_group("Survey design")` names it; `@with_options(group, ...)`
adds its parameters to a command's signature. Typer builds a command's options from `inspect.signature` (which
honours `__signature__`) and `typing.get_type_hints` (which reads `__annotations__`), and so does `safer run`'s
options model of a step (`reporting.jobs.commands`), so both see every option of every group: `--help` lists them
in a panel under the group's name, and a job step validates them like the command's own. The command takes them
in its `**options` and hands them on with its own, by name: `given = gathered(locals())`.

This is command-line plumbing, beside `help.py`; it imports no pipeline and runs nothing.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, TypeVar

Command = TypeVar("Command", bound=Callable[..., Any])

GROUP_OPTIONS = "options"
"""The name of a command's `**` parameter that receives its groups' options."""


def option_group(title: str) -> Callable[[Command], Command]:
    """Name a group of options: `--help` shows them in a panel of that title (unless an option names its own)."""

    def named(group: Command) -> Command:
        for parameter in inspect.signature(group).parameters.values():
            if getattr(parameter.default, "rich_help_panel", "") is None:
                parameter.default.rich_help_panel = title
        group.__dict__["option_group"] = title
        return group

    return named


def with_options(*groups: Callable[..., Any]) -> Callable[[Command], Command]:
    """Add every option of `groups` to the command's signature, after its own; the command takes them in
    `**options`. Refuses a command without `**options`, and a name given twice."""

    def spliced(command: Command) -> Command:
        signature = inspect.signature(command)
        own = list(signature.parameters.values())
        if not own or own[-1].kind is not inspect.Parameter.VAR_KEYWORD or own[-1].name != GROUP_OPTIONS:
            raise TypeError(f"{command.__name__} takes option groups, so it must end with **{GROUP_OPTIONS}")
        hints = typing.get_type_hints(command)
        parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in own[:-1]]
        for group in groups:
            if "option_group" not in group.__dict__:
                raise TypeError(f"{group.__name__} is not an option group (decorate it with @option_group)")
            group_hints = typing.get_type_hints(group)
            for parameter in inspect.signature(group).parameters.values():
                parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY,
                                                    annotation=group_hints[parameter.name]))
        names = [p.name for p in parameters]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise TypeError(f"{command.__name__}: option(s) {twice} declared by the command and a group, or by two "
                            "groups")
        command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": hints.get("return")}
        return command

    return spliced


def gathered(names: dict[str, Any]) -> dict[str, Any]:
    """A command's options by name, its own and its groups': its `locals()` with `**options` spread out."""
    given = dict(names)
    return given | given.pop(GROUP_OPTIONS, {})
