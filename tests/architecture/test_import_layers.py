"""The house keeps its floors: no import cycle anywhere, and no import across the layers `docs/architecture.md` names.

The imports are read with `ast` (every `import` and `from ... import`, at the top of a module or inside a function,
since a lazy import still closes a circle), so the test needs nothing imported and sees every file. The layer
rules are not written here: they are the `layers` block of `docs/architecture.md`, so the document and the code
cannot drift apart. A rule reads `unit: allowed, allowed` and a unit is a package or subpackage; the most
specific unit that contains a module is the one its rule comes from.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("safer_io", "survey", "simulation", "recorded_crime", "reporting")
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def module_files() -> dict[str, Path]:
    """Every module of safer by dotted name (`survey.design`, `simulation`, `cli`)."""
    found = {"cli": ROOT / "cli.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported_modules(path: Path, name: str, modules: dict[str, Path]) -> Iterator[str]:
    """The safer modules that `path` imports, resolved to module names (a name imported from a package resolves to
    the submodule when one of that name exists, else to the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in (*PACKAGES, "cli"):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] not in (*PACKAGES, "cli"):
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                yield sub if sub in modules else module


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: {m for m in imported_modules(path, name, modules) if m in modules and m != name}
            for name, path in modules.items()}


def layer_rules() -> dict[str, set[str]]:
    """The `layers` block of docs/architecture.md: unit -> the units it may import (besides itself)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = re.search(r"```text\n# layers\b.*?\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```text block starting '# layers': the import rules live there"
    rules: dict[str, set[str]] = {}
    for line in block.group(1).splitlines():
        line = line.split("#")[0].strip()
        if line:
            unit, _, allowed = line.partition(":")
            rules[unit.strip()] = {a.strip() for a in allowed.split(",") if a.strip()}
    return rules


def unit_of(module: str, rules: dict[str, set[str]]) -> str | None:
    """The most specific unit with a rule that contains `module`."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in rules:
            return ".".join(parts[:end])
    return None


def within(module: str, unit: str) -> bool:
    return module == unit or module.startswith(unit + ".")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None (iterative depth-first search)."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def layer_violations(graph: dict[str, set[str]], rules: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        unit = unit_of(module, rules)
        assert unit is not None, f"{module} belongs to no unit of the layers block in docs/architecture.md"
        for target in sorted(targets):
            target_unit = unit_of(target, rules)
            if target_unit is None or within(target, unit):
                continue
            # a unit may import what its rule allows, and anything inside an allowed unit
            if not any(within(target, allowed) for allowed in rules[unit]):
                found.append(f"{module} imports {target} ({unit} may import only: "
                             f"{', '.join(sorted(rules[unit])) or 'nothing of safer'})")
    return found


def test_no_module_of_safer_imports_in_a_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_crosses_the_layers_named_in_docs_architecture() -> None:
    violations = layer_violations(import_graph(), layer_rules())
    assert not violations, "imports across the layers of docs/architecture.md:\n" + "\n".join(violations)


def test_the_foundation_imports_nothing_above_it() -> None:
    graph = import_graph()
    upward = sorted(f"{m} -> {t}" for m, ts in graph.items() if within(m, "safer_io")
                    for t in ts if not within(t, "safer_io"))
    assert not upward, f"safer_io imports above itself: {upward}"


@pytest.mark.parametrize("broken, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, None),
])
def test_the_cycle_finder_finds_a_planted_cycle_and_no_other(broken: dict[str, set[str]],
                                                             expected: list[str] | None) -> None:
    assert find_cycle(broken) == expected


def test_the_layer_check_catches_a_planted_upward_import() -> None:
    rules = {"safer_io": set(), "survey": {"safer_io"}, "reporting": {"safer_io"}}
    graph = {"safer_io.outputs": {"reporting.workbook"}, "survey.design": {"safer_io.inputs"},
             "reporting.workbook": set(), "safer_io.inputs": set()}
    assert layer_violations(graph, rules) == [
        "safer_io.outputs imports reporting.workbook (safer_io may import only: nothing of safer)"]
