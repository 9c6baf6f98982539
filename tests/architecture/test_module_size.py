"""Rooms a newcomer can read: no module of `simulation/` over 500 lines, no class over 250 (issue 18).

The files are read with `ast`, so nothing is imported and every file is seen, lazily imported or not. A module is
measured by its lines; a class from its first decorator to its last line, nested classes included.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("simulation",)
"""The packages held to the limits (issue 18 names `simulation/`)."""
MODULE_LINES = 500
CLASS_LINES = 250


def oversized(path: Path, source: str) -> list[str]:
    """What in one module is over the limits, one sentence each (empty when nothing is)."""
    found = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES:
        found.append(f"{path}: {lines} lines (at most {MODULE_LINES})")
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            size = (node.end_lineno or node.lineno) - first + 1
            if size > CLASS_LINES:
                found.append(f"{path}:{first}: class {node.name} is {size} lines (at most {CLASS_LINES})")
    return found


def test_no_module_or_class_of_simulation_is_over_the_limits():
    files = [path for package in CHECKED for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 30, f"expected the simulation package's modules, found {len(files)} files under {CHECKED}"
    found = [problem for path in files for problem in oversized(path.relative_to(ROOT), path.read_text("utf-8"))]
    assert not found, "expected no module over 500 lines and no class over 250; found:\n" + "\n".join(found)


def test_the_check_finds_a_long_module_and_a_long_class_and_passes_those_at_the_limit():
    """The check itself, on made-up sources: 500 and 250 lines pass, one more fails, decorators count."""
    short_class = ["class Short:", *["    x = 1"] * (CLASS_LINES - 1)]
    at_limit = "\n".join([*short_class, *["y = 2"] * (MODULE_LINES - CLASS_LINES)])
    assert oversized(Path("at_limit.py"), at_limit) == [], "a 500-line module with a 250-line class is allowed"
    long_module = at_limit + "\ny = 3"
    assert oversized(Path("long.py"), long_module) == [f"long.py: {MODULE_LINES + 1} lines (at most {MODULE_LINES})"]
    decorated = "@dataclass\n" + "\n".join(["class Long:", *["    x = 1"] * (CLASS_LINES - 1)])
    assert oversized(Path("decorated.py"), decorated) == [
        f"decorated.py:1: class Long is {CLASS_LINES + 1} lines (at most {CLASS_LINES})"
    ], "the decorator line counts with the class"
    nested = "def f():\n    class Inner:\n" + "\n".join(["        x = 1"] * CLASS_LINES)
    assert oversized(Path("nested.py"), nested) == [
        f"nested.py:2: class Inner is {CLASS_LINES + 1} lines (at most {CLASS_LINES})"
    ], "a class inside a function is measured too"
