"""`safer crime ...`, `safer synth crime` and `safer check crime-change` on the terminal.

Each recorded-crime job (`recorded_crime.jobs`) returns the lines a person should read (notes, one summary line per
indicator, what it wrote) and prints nothing; `cli.py` hands them here, where they are printed as plain text.
"""

from __future__ import annotations

from rich.markup import escape

from reporting.console.terminal import console


def print_lines(lines: list[str]) -> None:
    """Each line a recorded-crime job returned, as written (no markup, no highlighting)."""
    for line in lines:
        console.print(escape(line), highlight=False)
