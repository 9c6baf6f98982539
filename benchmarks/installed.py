"""Make the source tree start like an installed package before timing whole processes.

`pip install` compiles every module to bytecode; an editable install writes it on first import, unless
PYTHONDONTWRITEBYTECODE is set (it is on the machines these benchmarks run on). Without bytecode every
`safer` process compiles its own modules again, about 0.5 s of each start, which no user of an installed
copy pays. So the whole-process benchmarks compile the packages first, as pip would.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("safer_io", "survey", "simulation", "recorded_crime", "reporting")


def compile_like_pip() -> str:
    """Write bytecode for safer's modules (as `pip install` does); a sentence for the results."""
    ok = all(compileall.compile_dir(ROOT / name, quiet=1) for name in PACKAGES if (ROOT / name).is_dir())
    ok = compileall.compile_file(ROOT / "cli.py", quiet=1) and ok
    if not ok:
        raise SystemExit("compiling safer's modules to bytecode failed")
    return "safer's modules were compiled to bytecode first, as `pip install` does"
