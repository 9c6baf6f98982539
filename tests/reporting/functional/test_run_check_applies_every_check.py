"""`safer run --check` applies every check the run applies before anything is written (issue 21).

Before: `--check` said "all valid" for a job whose step 2 had `indicator: [NI999]`, `level: 5` or
`size: 100000000`; the real run then wrote step 1 and stopped.
"""

from __future__ import annotations

import textwrap

import pytest

from cli import app

WEIGHT_STEP = """\
  - name: weighted
    command: weight
    options:
      data: "{examples}/bcs.parquet"
      selection_prob: selection_probability
      strata: stratum
      psu: psu
      controls: "{examples}/bcs_controls.csv"
      by: [region]
      out: weighted.parquet
"""


def job_with(second_step: str) -> str:
    return "job: checked\nsteps:\n" + WEIGHT_STEP + textwrap.indent(textwrap.dedent(second_step), "  ")


ESTIMATE = """\
- name: estimates
  command: estimate
  options:
    data: "@weighted"
    questionnaire: bcs
    indicator: [{indicator}]
    level: {level}
    out: estimates.csv
"""


@pytest.mark.parametrize(("second", "said"), [
    (ESTIMATE.format(indicator="NI999", level=0.95), "unknown indicator 'NI999'"),
    (ESTIMATE.format(indicator="PSA23_4", level=5), "--level 5: a confidence level is between 0 and 1"),
    ("- name: simulated\n  command: simulate run\n  options: {size: 100000000, out: sim.csv}\n",
     "cohort size 100,000,000"),
], ids=["unknown indicator", "level 5", "cohort too big"])
def test_check_refuses_what_the_run_would_refuse_and_writes_nothing(runner, tmp_path, second, said):
    job = tmp_path / "job.yaml"
    job.write_text(job_with(second))
    result = runner.invoke(app, ["run", str(job), "--dir", str(tmp_path), "--check"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, f"expected exit code 2, found {result.exit_code}: {output}"
    assert said in output and "step 2/2" in output and "nothing was run or written" in output, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.yaml"], "the check wrote something"


def test_a_valid_job_checks_clean_and_writes_nothing(runner, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(job_with(ESTIMATE.format(indicator="PSA23_4", level=0.95)))
    result = runner.invoke(app, ["run", str(job), "--dir", str(tmp_path), "--check"])
    assert result.exit_code == 0, result.output
    assert "all valid" in " ".join(result.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.yaml"], "the check wrote something"
