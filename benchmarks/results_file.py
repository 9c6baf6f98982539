"""Recording a benchmark's figures in `benchmarks/RESULTS.md`, one `## ` section per benchmark."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(title: str, section: str) -> None:
    """Put `section` (starting with the `title` heading) in place of that section, or at the end; say where."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if title in text:
        before, _, after = text.partition(title)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    print(f"recorded in {RESULTS}")
