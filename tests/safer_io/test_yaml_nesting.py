"""Deeply nested YAML is refused in one sentence and never kills the process.

Building objects from libyaml's parse recurses in C: 100,000 levels end the process with a segmentation fault
(exit 139) before Python's recursion limit is reached. Each case runs in a child process, so a regression
shows as a failed test here instead of a crashed test run.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from safer_io.inputs import MAX_YAML_DEPTH, InputFileError, parse_yaml

DEEP = 100_000

CASES = {
    "flow lists": "[" * DEEP + "]" * DEEP,
    "flow mappings": "{a: " * DEEP + "1" + "}" * DEEP,
    "block lists on one line": "- " * DEEP + "x\n",
    "block mappings by indentation": "".join(f"{' ' * i}k{i}:\n" for i in range(3_000)) + " " * 3_000 + "v\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_deep_nesting_is_refused_in_a_live_process(text: str) -> None:
    child = (
        "import sys\n"
        "from safer_io.inputs import parse_yaml, InputFileError\n"
        "try:\n"
        "    parse_yaml(sys.stdin.read(), 'deep.yaml', 'questionnaire file')\n"
        "except InputFileError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", child], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the parser died with exit code {done.returncode}: {done.stderr[-300:]}"
    assert "deep.yaml: questionnaire file is nested too deeply" in done.stdout


def test_nesting_up_to_the_limit_is_read_and_one_more_level_refused() -> None:
    at_limit = "[" * MAX_YAML_DEPTH + "1" + "]" * MAX_YAML_DEPTH
    value = parse_yaml(at_limit, "ok.yaml", "spec")
    for _ in range(MAX_YAML_DEPTH - 1):
        (value,) = value
    assert value == [1]
    with pytest.raises(InputFileError, match=f"more than {MAX_YAML_DEPTH} levels"):
        parse_yaml("[" + at_limit + "]", "deep.yaml", "spec")
