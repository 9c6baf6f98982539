"""The case of issue 21 as a user meets it: a CSV edited after `safer estimate` (an estimate set to 0.99) went into
`safer report` with safer's provenance. Now `report`, `change --tables`, `sae` and job steps refuse it, and
`--trust-edited` lets it through with the report and every output saying so.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cli import app
from safer_io.sidecars import sidecar_path

ROOT = Path(__file__).resolve().parents[3]
BCS = ROOT / "data/examples/bcs.parquet"


def estimate_by(folder: Path, by: str) -> Path:
    from typer.testing import CliRunner

    out = folder / f"{by}.csv"
    result = CliRunner().invoke(app, ["estimate", str(BCS), "-q", "bcs", "--indicator", "PSA23_4", "--weight",
                                      "design_weight", "--strata", "stratum", "--psu", "psu", "--by", by,
                                      "--no-suppress", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def estimates(tmp_path_factory) -> Path:
    """PSA 23 indicator 4 by region, as `safer estimate` writes it."""
    return estimate_by(tmp_path_factory.mktemp("estimates"), "region")


@pytest.fixture(scope="module")
def by_area(tmp_path_factory) -> Path:
    """The same by local authority: the direct estimates `safer sae` starts from."""
    return estimate_by(tmp_path_factory.mktemp("by_area"), "la")


def edited_copy(estimates: Path, folder: Path) -> Path:
    """The estimates and their sidecar copied, then the first estimate set to 0.99 by hand."""
    copy = folder / estimates.name
    copy.write_bytes(estimates.read_bytes())
    sidecar_path(copy).write_bytes(sidecar_path(estimates).read_bytes())
    table = pd.read_csv(copy, dtype=str, keep_default_na=False)
    table.loc[0, "estimate"] = "0.99"
    table.to_csv(copy, index=False)
    return copy


def said(result) -> str:
    return " ".join(result.output.split())


def test_safer_report_refuses_an_edited_estimate_table(runner, tmp_path, estimates):
    edited = edited_copy(estimates, tmp_path)
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(edited), "--out", str(page)])
    assert result.exit_code == 2, said(result)
    assert "has changed since safer wrote it" in said(result) and "--trust-edited" in said(result), said(result)
    assert not page.exists()


def test_trust_edited_lets_it_through_and_the_report_says_so(runner, tmp_path, estimates):
    edited = edited_copy(estimates, tmp_path)
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(edited), "--out", str(page), "--trust-edited"])
    assert result.exit_code == 0, said(result)
    assert "EDITED INPUT" in page.read_text(encoding="utf-8")
    meta = json.loads(sidecar_path(page).read_text())
    assert meta["edited_inputs"][0]["path"] == str(edited), meta.get("edited_inputs")


def test_an_unedited_table_goes_through(runner, tmp_path, estimates):
    result = runner.invoke(app, ["report", str(estimates), "--out", str(tmp_path / "report.html")])
    assert result.exit_code == 0, said(result)


def test_change_tables_refuses_an_edited_table_unless_trusted(runner, tmp_path, estimates):
    edited = edited_copy(estimates, tmp_path)
    args = ["change", "--tables", str(estimates), str(edited), "--out", str(tmp_path / "change.csv")]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "has changed since safer wrote it" in said(refused), said(refused)
    trusted = runner.invoke(app, [*args, "--trust-edited"])
    assert trusted.exit_code == 0, said(trusted)
    meta = json.loads(sidecar_path(tmp_path / "change.csv").read_text())
    assert [e["path"] for e in meta["edited_inputs"]] == [str(edited)]


def test_sae_refuses_an_edited_table_of_direct_estimates_unless_trusted(runner, tmp_path, by_area):
    edited = edited_copy(by_area, tmp_path)
    args = ["sae", str(edited), "--covariates", str(ROOT / "data/examples/bcs_areas.csv"), "--formula", "~ imd",
            "--variance", "gvf", "--out", str(tmp_path / "sae.csv")]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "has changed since safer wrote it" in said(refused), said(refused)
    trusted = runner.invoke(app, [*args, "--trust-edited"])
    assert trusted.exit_code == 0, said(trusted)


def test_a_job_step_refuses_an_edited_input_unless_the_job_is_trusted(runner, tmp_path, estimates):
    edited = edited_copy(estimates, tmp_path)
    job = tmp_path / "job.yaml"
    job.write_text(textwrap.dedent(f"""\
        job: report an edited table
        steps:
          - name: report
            command: report
            options: {{results: ["{edited}"], out: report.html}}
        """))
    refused = runner.invoke(app, ["run", str(job), "--dir", str(tmp_path)])
    assert refused.exit_code == 2 and "has changed since safer wrote it" in said(refused), said(refused)
    trusted = runner.invoke(app, ["run", str(job), "--dir", str(tmp_path), "--trust-edited"])
    assert trusted.exit_code == 0, said(trusted)
    assert "EDITED INPUT" in (tmp_path / "report.html").read_text(encoding="utf-8")
