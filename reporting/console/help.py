"""How `safer --help` shows options: a plain metavar for each (FILE, COLUMN, N) instead of Typer's `<list[str]>`,
and no type shown for flags. Set once for every command of the app by `readable_metavars`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# Metavars by option name where the type alone would say too little ("TEXT" for a column is no help).
_METAVARS_BY_NAME: dict[str, str] = {
    "weight": "COLUMN", "strata": "COLUMN", "psu": "COLUMN", "fpc": "COLUMN", "by": "COLUMN", "nr_class": "COLUMN",
    "adults_col": "COLUMN", "response_col": "COLUMN", "selection_prob": "COLUMN", "mean": "COLUMN",
    "proportion": "COLUMN=VALUE", "questionnaire": "NAME|FILE", "indicator": "ID", "scenario": "ID|FILE",
    "lonely_psu": "RULE", "ci": "METHOD", "method": "METHOD", "bounds": "L,U", "trim_upper": "X|Nx",
    "trim_lower": "X|Nx", "replicates": "METHOD", "scale": "TO", "on_nonconvergence": "fail|warn",
    "cohort": "adult|youth", "survey": "bcs|place", "map_items": "ITEM=COLUMN",
}
_METAVARS_BY_TYPE: dict[Any, str] = {Path: "FILE", int: "N", float: "NUMBER", str: "TEXT", bool: ""}


class PlainHelpGroup(TyperGroup):
    """A command group whose `--help` flag shows no `<bool>` type."""

    def get_help_option(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class SaferCommand(TyperCommand):
    """A `safer` command: its `--help` flag shows no `<bool>` type."""

    def get_help_option(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


def readable_metavars(typer_app: typer.Typer) -> None:
    """Give every option a plain metavar (FILE, COLUMN, N) in place of Typer's `<list[str]>`; flags get none."""
    import inspect
    import typing

    from typer.models import ArgumentInfo, OptionInfo

    commands = list(typer_app.registered_commands)
    for command in commands:
        if command.cls in (None, TyperCommand):
            command.cls = SaferCommand
    callbacks = [c.callback for c in commands]
    if typer_app.registered_callback is not None:
        callbacks.append(typer_app.registered_callback.callback)
    for callback in callbacks:
        if callback is None:
            continue
        hints = typing.get_type_hints(callback)
        for name, parameter in inspect.signature(callback).parameters.items():
            info = parameter.default
            if not isinstance(info, OptionInfo | ArgumentInfo) or info.metavar is not None:
                continue
            kind = hints.get(name)
            base = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
            if typing.get_origin(base) is list:
                base = typing.get_args(base)[0]
            by_type = _METAVARS_BY_TYPE.get(base, "TEXT")
            # A name says more than TEXT, never more than a number: `--replicates jk1|bootstrap:R` is a METHOD,
            # `--replicates 500` (an int) is N.
            info.metavar = _METAVARS_BY_NAME.get(name, by_type) if by_type == "TEXT" else by_type
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            readable_metavars(group.typer_instance)
