"""The walks in README.md and docs/*.md use file names that cannot collide (issue 20, part 2).

Before: the README's judging walk read `bcs_*.parquet`, which also caught `bcs_weighted.parquet` written by the
small-area walk above it, so the rolling estimates stacked two copies of 2008/09 (n 85,472, SE 0.0026 instead of
0.0037) without a word. Here every glob a walk reads must match the outputs of one command only.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUTPUT_OPTIONS = ("--out", "--controls", "--truth", "--change-truth", "--areas", "--report", "--diagnostics")
YEARS = ("2008", "2010", "2008-09", "2009-10")


def safer_commands(text: str) -> list[list[str]]:
    """Every `safer ...` command in the fenced code blocks of a markdown text, continuation lines joined."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip()
            if not line.startswith("safer "):
                continue
            try:
                commands.append(shlex.split(line, comments=True))
            except ValueError:
                continue
    return commands


def outputs_by_command(commands: list[list[str]]) -> dict[int, set[str]]:
    """The files each command writes, with `{year}` expanded to a few plausible years."""
    written: dict[int, set[str]] = {}
    for index, words in enumerate(commands):
        for option, value in zip(words, words[1:], strict=False):
            if option in OUTPUT_OPTIONS:
                names = {value.replace("{year}", year) for year in YEARS} if "{year}" in value else {value}
                written.setdefault(index, set()).update(Path(n).name for n in names)
    return written


def globs(commands: list[list[str]]) -> set[str]:
    return {Path(word).name for words in commands for word in words if "*" in word and "." in word}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_glob_in_a_walk_matches_the_outputs_of_one_command_only(document: Path) -> None:
    commands = safer_commands(document.read_text(encoding="utf-8"))
    written = outputs_by_command(commands)
    for pattern in globs(commands):
        writers = {index for index, names in written.items() if any(fnmatch.fnmatch(n, pattern) for n in names)}
        caught = sorted(n for index in writers for n in written[index] if fnmatch.fnmatch(n, pattern))
        assert len(writers) <= 1, (
            f"{document.name}: the glob {pattern} catches the outputs of {len(writers)} commands "
            f"({', '.join(caught)}); expected those of one command only")


def test_the_check_catches_the_readme_collision_of_issue_20() -> None:
    """The check itself: the walk as it was (bcs_weighted.parquet beside bcs_*.parquet) is caught."""
    text = ("```\nsafer weight x.parquet --out bcs_weighted.parquet\nsafer synth bcs --years 2008-2010 "
            "--out bcs_{year}.parquet\nsafer estimate bcs_*.parquet --out rolling.csv\n```\n")
    commands = safer_commands(text)
    written = outputs_by_command(commands)
    writers = {i for i, names in written.items() if any(fnmatch.fnmatch(n, "bcs_*.parquet") for n in names)}
    assert len(writers) == 2, "the old walk must be flagged as a collision"
