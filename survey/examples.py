"""Where the bundled examples are: inside the installed package, or `data/examples` in a checkout.

Kept apart from the demo job so that finding an example file (or a bundled job) imports nothing heavy.
"""

from __future__ import annotations

from pathlib import Path


def examples_dir() -> Path:
    """The bundled examples: inside the installed package, or `data/examples` in a checkout."""
    package_dir = Path(__file__).resolve().parent
    wheel_dir = package_dir / "_bundled" / "examples"
    return wheel_dir if wheel_dir.is_dir() else package_dir.parent / "data" / "examples"
