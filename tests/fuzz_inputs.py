"""Hypothesis strategies that damage input files: random bytes, truncation, deep nesting, wrong encodings, wrong
types. Shared by the survey and simulation fuzz tests, which assert that each reader either reads the file or
raises its own input error naming the file (never another exception: that would be a traceback for a user).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

FUZZ_EXAMPLES = 40
"""Examples per reader and strategy: the whole fuzz suite stays well within a minute."""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
"""Any JSON-like value: what a field of the wrong type might hold."""


def deep_nesting(depth: int, kind: str) -> str:
    """YAML (or JSON) nested `depth` levels deep, as a flow sequence or a block mapping."""
    if kind == "flow":
        return "[" * depth + "]" * depth
    if kind == "json-object":
        return '{"a": ' * depth + "1" + "}" * depth
    depth = min(depth, 400)  # indentation grows with depth: 400 levels already pass Python's recursion limit
    return "".join(f"{' ' * i}k{i}:\n" for i in range(depth)) + " " * depth + "1\n"


@st.composite
def damaged_text(draw: st.DrawFn, valid: str) -> bytes:
    """`valid` file text damaged one way: truncated, a byte flipped, re-encoded, or replaced by random bytes."""
    raw = valid.encode("utf-8")
    how = draw(st.sampled_from(["truncate", "flip", "utf16", "cp1252", "random", "nest", "insert"]))
    if how == "truncate":
        return raw[: draw(st.integers(0, max(len(raw) - 1, 0)))]
    if how == "flip":
        position = draw(st.integers(0, max(len(raw) - 1, 0)))
        return raw[:position] + bytes([draw(st.integers(0, 255))]) + raw[position + 1:]
    if how == "utf16":
        return valid.encode("utf-16")
    if how == "cp1252":
        return (valid + "\n# caf\u00e9 \u00a3\n").encode("cp1252", errors="replace")
    if how == "random":
        return draw(st.binary(max_size=300))
    if how == "nest":
        return deep_nesting(draw(st.sampled_from([50, 2000, 20000])), draw(st.sampled_from(["flow", "block"]))).encode()
    position = draw(st.integers(0, len(valid)))
    return (valid[:position] + draw(st.text(max_size=20)) + valid[position:]).encode("utf-8", errors="replace")


@st.composite
def wrong_types(draw: st.DrawFn, document: dict[str, Any]) -> bytes:
    """`document` (a valid spec) with one field, at any depth, replaced by a value of any type, as YAML."""
    doc = json.loads(json.dumps(document))
    node: Any = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(json_values)
        break
    return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8")


def write(path: Path, content: bytes) -> Path:
    """Write fuzzed bytes (the test's temporary folder is reused across examples)."""
    path.write_bytes(content)
    return path
