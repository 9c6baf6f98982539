"""`safer simulate run` and `safer simulate calibrate`: outputs, provenance, exit code 2 on bad input."""

from __future__ import annotations

import json
import time

import pandas as pd
import yaml

from cli import app
from simulation.inputs.cohort import generate_cohort
from simulation.inputs.params import load_params
from simulation.measures.across_replications import SUMMARY_COLUMNS


def test_run_writes_long_table_and_provenance(runner, tmp_path, scenarios_dir):
    out = tmp_path / "results.csv"
    scenario = scenarios_dir / "drug_treatment.yaml"
    result = runner.invoke(
        app,
        [
            "simulate",
            "run",
            "--size",
            "1500",
            "--replications",
            "2",
            "--seed",
            "4",
            "--scenario",
            str(scenario),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == SUMMARY_COLUMNS
    assert {"baseline", "drug_treatment", "drug_treatment minus baseline", "drug_treatment percent change"} == set(
        table["scenario"]
    )
    meta = json.loads((tmp_path / "results.csv.meta.json").read_text())
    assert meta["command"] == "simulate run"
    assert meta["parameters"]["seed"] == 4 and meta["parameters"]["size"] == 1500
    assert str(scenario) in meta["inputs"] and len(meta["inputs"]) == 3  # scenario, parameters, unit costs
    assert any("custody" in a for a in meta["assumptions"]) and meta["caveats"]
    costs = table[table["group"] == "costs"]
    assert {"offences_committed_averted", "net_cost_per_offence_averted", "cost_of_crime_averted"} <= set(
        costs["measure"]
    )


def test_same_seed_gives_identical_files(runner, tmp_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        out = tmp_path / name
        result = runner.invoke(
            app,
            [
                "simulate",
                "run",
                "--cohort",
                "youth",
                "--size",
                "1200",
                "--replications",
                "2",
                "--seed",
                "8",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_cohort_file_run(runner, tmp_path):
    cohort = tmp_path / "cohort.csv"
    generate_cohort("adult", 800, 2).frame.to_csv(cohort, index=False)
    out = tmp_path / "r.csv"
    result = runner.invoke(
        app, ["simulate", "run", "--cohort-file", str(cohort), "--replications", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table.loc[(table["measure"] == "offenders") & (table["group"] == "all"), "mean"].item() == 800
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert str(cohort) in meta["inputs"]


def test_bad_scenario_exits_2_naming_file_field_and_reason(runner, tmp_path, scenarios_dir):
    document = yaml.safe_load((scenarios_dir / "ppo.yaml").read_text())
    document["interventions"][0]["court_lag_ratio"]["value"] = 2.0  # outside its range [0.4, 1.0]
    bad = tmp_path / "bad_scenario.yaml"
    bad.write_text(yaml.safe_dump(document))
    out = tmp_path / "r.csv"
    result = runner.invoke(
        app, ["simulate", "run", "--size", "100", "--scenario", str(bad), "--out", str(out)]
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "bad_scenario.yaml" in message
    assert "interventions[0].court_lag_ratio" in message
    assert "within range" in message
    assert not out.exists()


def test_bad_cohort_file_exits_2(runner, tmp_path):
    frame = generate_cohort("adult", 20, 2).frame
    frame.loc[4, "age"] = 12
    cohort = tmp_path / "young_adults.csv"
    frame.to_csv(cohort, index=False)
    result = runner.invoke(
        app, ["simulate", "run", "--cohort-file", str(cohort), "--out", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "young_adults.csv" in message and "column 'age'" in message and "line(s) 6" in message


def test_conflicting_and_missing_inputs_exit_2(runner, tmp_path):
    out = str(tmp_path / "r.csv")
    both = runner.invoke(app, ["simulate", "run", "--size", "10", "--cohort-file", "x.csv", "--out", out])
    assert both.exit_code == 2 and "--size" in both.output
    missing = runner.invoke(app, ["simulate", "run", "--scenario", str(tmp_path / "nope.yaml"), "--out", out])
    assert missing.exit_code == 2
    kind = runner.invoke(app, ["simulate", "run", "--cohort", "elderly", "--out", out])
    assert kind.exit_code == 2


def test_calibrate_writes_usable_parameters(runner, tmp_path):
    out = tmp_path / "params.yaml"
    result = runner.invoke(
        app,
        [
            "simulate",
            "calibrate",
            "--size",
            "4000",
            "--replications",
            "2",
            "--tolerance",
            "0.01",
            "--target-frequency",
            "150",
            "--target-binary",
            "40",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text())
    achieved = document["calibration"]["achieved"]
    assert document["calibration"]["converged"] is True
    assert abs(achieved["frequency_per_100"] / 150 - 1) <= 0.01 + 1e-6  # the record rounds to 4 decimals
    assert abs(achieved["binary_rate_percent"] / 40 - 1) <= 0.01 + 1e-6
    assert load_params(out).base_offending_rate == document["parameters"]["base_offending_rate"]
    meta = json.loads((tmp_path / "params.yaml.meta.json").read_text())
    assert meta["command"] == "simulate calibrate" and meta["parameters"]["target_frequency"] == 150
    run_out = tmp_path / "r.csv"
    run = runner.invoke(
        app,
        [
            "simulate",
            "run",
            "--size",
            "500",
            "--replications",
            "1",
            "--params",
            str(out),
            "--out",
            str(run_out),
        ],
    )
    assert run.exit_code == 0, run.output


def test_calibrate_refuses_impossible_targets(runner, tmp_path):
    result = runner.invoke(
        app,
        [
            "simulate",
            "calibrate",
            "--size",
            "500",
            "--target-frequency",
            "30",
            "--target-binary",
            "60",
            "--out",
            str(tmp_path / "p.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert "Poisson limit" in " ".join(result.output.split())


def test_a_size_that_cannot_fit_is_refused_up_front_with_the_estimate(runner, tmp_path):
    out = tmp_path / "never.csv"
    started = time.perf_counter()
    result = runner.invoke(app, ["simulate", "run", "--size", "1000000000", "--out", str(out)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "1,000,000,000" in said and "TB of memory" in said and "available" in said, said  # 4,500 bytes each
    assert time.perf_counter() - started < 5, "refused before drawing the cohort"
    assert not out.exists()
