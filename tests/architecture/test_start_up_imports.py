"""Start-up and imports are most of what a batch user waits for (issue 21): `safer` imports only what a command
uses. Each check runs in a fresh interpreter and lists the heavy modules present afterwards.

- Start-up (`import cli`, the Typer app built): none of the numerical stack, the simulation engine, Dask,
  charts, workbooks, pydantic or PyYAML. Typer and rich (the command line and its printing) only.
- `safer weight` and `safer estimate` on CSV and Parquet files: nothing of the simulation, Dask, charts,
  workbooks, SPSS/Stata reading, samplics, or scipy.stats (quantiles come from scipy.special).

A module added to a command's imports by mistake fails here, naming it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AT_START_UP = ("numpy", "pandas", "pyarrow", "scipy", "simpy", "dask", "distributed", "altair", "vl_convert",
               "openpyxl", "samplics", "pyreadstat", "pydantic", "yaml")
"""Modules `import cli` must not load."""
NOT_FOR_SURVEY_TABLES = ("scipy.stats", "simpy", "dask", "distributed", "altair", "vl_convert", "openpyxl",
                         "samplics", "pyreadstat", "statsmodels", "matplotlib")
"""Modules `safer weight` and `safer estimate` on CSV or Parquet files have no use for."""


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import sys, json
        print(json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))
        """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_start_up_loads_no_heavy_module():
    found = loaded_after("import cli\nimport typer\ntyper.main.get_command(cli.app)\n", AT_START_UP)
    assert found == [], f"import cli loaded {found}: import them inside the command that uses them"


@pytest.mark.parametrize("command", ["weight", "estimate"])
def test_weight_and_estimate_load_only_what_they_use(tmp_path, command):
    weighted = tmp_path / "weighted.parquet"
    weigh = ["weight", str(ROOT / "data/examples/bcs.parquet"), "--selection-prob", "selection_probability",
             "--strata", "stratum", "--psu", "psu", "--controls", str(ROOT / "data/examples/bcs_controls.csv"),
             "--by", "region", "--out", str(weighted)]
    estimate = ["estimate", str(weighted), "-q", "bcs", "--indicator", "PSA23_4", "--by", "region",
                "--out", str(tmp_path / "estimates.csv")]
    run = textwrap.dedent("""
        from typer.testing import CliRunner
        from cli import app
        for args in {commands!r}:
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
        """)
    if command == "estimate":  # the weighted file first, in its own interpreter
        assert loaded_after(run.format(commands=[weigh]), ()) == []
    found = loaded_after(run.format(commands=[weigh] if command == "weight" else [estimate]), NOT_FOR_SURVEY_TABLES)
    assert found == [], f"safer {command} loaded {found}, which it does not use"
