"""Every command of the `safer` Typer app as a job step, with a pydantic model of its options.

The step runs the very function the command line runs, so any command added to the app is a step at once. Its
options model is made from the function's signature: each parameter's type, its default (from the
`typer.Option`/`typer.Argument` declaration), its bounds (`min`/`max`), and the names it can be given in a job
file (the parameter name, and the command-line flag without dashes, e.g. `params` for `params_file`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model

EXCLUDED = ("run", "demo")
"""Commands that are not steps: a job does not run jobs."""


@dataclass(frozen=True)
class StepCommand:
    """A command usable as a step."""

    name: str
    """As typed after `safer` ("simulate run")."""
    function: Callable[..., Any]
    """The command's function, called with every parameter by keyword."""
    options: type[BaseModel]
    """Validates a step's options and fills the defaults."""
    list_options: frozenset[str]
    """Parameters that take several values (a single value is accepted as a list of one)."""
    path_options: frozenset[str]
    """Parameters that are paths (or lists of paths), resolved against the working folder."""


def _declared(default: Any) -> Any:
    """The default of a typer.Option/Argument declaration (Ellipsis when required)."""
    return getattr(default, "default", default)


def _flag_names(default: Any) -> list[str]:
    names = []
    for decl in getattr(default, "param_decls", None) or ():
        if decl.startswith("--"):
            names += [decl[2:], decl[2:].replace("-", "_")]
    return names


def _is_path(annotation: Any) -> bool:
    from pathlib import Path

    if annotation is Path:
        return True
    return any(_is_path(arg) for arg in typing.get_args(annotation))


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def step_command(name: str, function: Callable[..., Any]) -> StepCommand:
    """The step form of one command function."""
    hints = typing.get_type_hints(function)
    fields: dict[str, Any] = {}
    lists, paths = set(), set()
    for parameter in inspect.signature(function).parameters.values():
        annotation = hints.get(parameter.name, Any)
        declared = parameter.default
        default = _declared(declared)
        aliases = dict.fromkeys([parameter.name, parameter.name.replace("_", "-"), *_flag_names(declared)])
        bounds = {}
        if getattr(declared, "min", None) is not None:
            bounds["ge"] = declared.min
        if getattr(declared, "max", None) is not None:
            bounds["le"] = declared.max
        required = default is ... or default is inspect.Parameter.empty
        if _is_list(annotation):
            lists.add(parameter.name)
            if not required and default is None:
                default = []
        if _is_path(annotation):
            paths.add(parameter.name)
        field = Field(... if required else default, validation_alias=AliasChoices(*aliases), **bounds)
        fields[parameter.name] = (annotation, field)
    model = create_model(
        f"options of safer {name}", __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True), **fields)
    return StepCommand(name, function, model, frozenset(lists), frozenset(paths))


class StepCommands(Mapping[str, StepCommand]):
    """Every command usable as a step, by name; a command's options model is built when a job first uses it (a
    pydantic model per command, all 20 of them, took about a tenth of a second of every `safer run`)."""

    def __init__(self, functions: dict[str, Callable[..., Any]]) -> None:
        self._functions = functions
        self._built: dict[str, StepCommand] = {}

    def __getitem__(self, name: str) -> StepCommand:
        if name not in self._built:
            self._built[name] = step_command(name, self._functions[name])
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


def _functions(app: Any, prefix: str = "") -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for info in app.registered_commands:
        callback = info.callback
        if callback is None:
            continue
        name = (prefix + " " + (info.name or callback.__name__.replace("_", "-"))).strip()
        if name not in EXCLUDED:
            found[name] = callback
    for group in app.registered_groups:
        found |= _functions(group.typer_instance, (prefix + " " + (group.name or "")).strip())
    return found


def app_commands(app: Any) -> StepCommands:
    """Every command of a Typer app and its sub-apps, by the name typed after `safer`."""
    return StepCommands(_functions(app))
