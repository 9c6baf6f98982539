"""`safer simulate project` and `safer simulate sweep` end to end, and every bad input of issue 10: a clear
message naming the file, line or field, exit code 2, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cli import app

SMALL = ["--adult-size", "600", "--youth-size", "500", "--check-size", "600", "--replications", "2"]


@pytest.fixture(scope="module")
def projected(tmp_path_factory):
    from typer.testing import CliRunner

    folder = tmp_path_factory.mktemp("project")
    out = folder / "projection.csv"
    result = CliRunner().invoke(app, ["simulate", "project", *SMALL, "--from-year", "2004", "--scenario", "ppo",
                                      "--scenario", "youth_early_intervention", "--out", str(out)])
    return result, folder


def test_project_writes_projection_success_costs_and_trend_with_their_contract(projected):
    result, folder = projected
    assert result.exit_code == 0, result.output
    assert "Probability of meeting A.38" in result.output and "against the trend" in result.output
    assert "nan" not in result.output.lower().replace("nance", ""), "money and probabilities never print as nan"
    tables = {name: pd.read_csv(folder / f"projection{suffix}.csv")
              for name, suffix in (("projection", ""), ("success", "_success"), ("costs", "_costs"),
                                   ("trend", "_trend"))}
    for name in tables:
        suffix = "" if name == "projection" else f"_{name}"
        meta = json.loads((folder / f"projection{suffix}.csv.meta.json").read_text())
        assert meta["command"] == "simulate project" and meta["content"] == name
        assert meta["assumptions"] and not any("uncalibrated" in c for c in meta["caveats"])
        assert any("A.38 baseline (2004) is assumed" in c for c in meta["caveats"]), "the assumed 2004 figures"
        assert set(meta["trends"]) == {"adult", "youth"}
    projection = tables["projection"]
    assert {"scenario", "cohort", "year", "measure", "mean", "ci_lower", "ci_upper", "calibration"} <= set(
        projection.columns)
    assert set(projection["year"]) == set(range(2004, 2012))
    assert set(projection["scenario"]) == {"baseline", "ppo", "youth_early_intervention"}
    youth = projection[projection["cohort"] == "youth"].set_index("year")
    assert not (youth["calibration"] == "uncalibrated").any()
    assert (youth.loc[[2004, 2005, 2006], "calibration"] == "calibrated").all()
    assert youth.loc[2011, "calibration"].iloc[0].startswith("trend from 2006")
    checks = projection[projection["cohort"].str.startswith("adult custody leavers")]
    assert set(checks["figure"]) == {249.9, 51.8, 285.2, 53.7}
    custody = projection[projection["cohort"] == "youth custody"]
    assert set(custody["figure"].dropna()) == {73.1, 77.0}
    success = tables["success"]
    assert set(success["criterion"]) == {"adult", "youth", "serious", "all"}
    assert set(success["scenario"]) == {"baseline", "ppo", "youth_early_intervention"}
    assert success["estimable"].all() and success["probability"].between(0, 1).all()
    assert not ((success["probability"] == 0.5) & (success["ci_lower"] == success["ci_upper"])).any()
    assert success["note"].str.contains("2004").all(), "each probability says what it rests on"
    trend = tables["trend"]
    assert {"central", "fitted low", "fitted high", "flat", "rising 3%"} == set(trend["trend"])
    assert {"trend", "adult_factor", "youth_factor", "criterion", "probability"} <= set(trend.columns)
    costs = tables["costs"]
    assert {"offences_committed_averted", "net_cost_per_offence_averted", "cost_of_crime_averted"} <= set(costs["item"])
    assert set(costs.loc[costs["item"] == "cost_of_places", "unit"]) == {"GBP"}


def test_project_is_reproducible_and_the_same_on_two_workers(projected, runner, tmp_path):
    result, folder = projected
    assert result.exit_code == 0
    out = tmp_path / "again.csv"
    again = runner.invoke(app, ["simulate", "project", *SMALL, "--from-year", "2004", "--scenario", "ppo",
                                "--scenario", "youth_early_intervention", "--workers", "2", "--out", str(out)])
    assert again.exit_code == 0, again.output
    for suffix in ("", "_success", "_costs", "_trend"):
        assert (folder / f"projection{suffix}.csv").read_bytes() == (tmp_path / f"again{suffix}.csv").read_bytes()


def test_user_youth_figures_calibrate_the_youth_rows(runner, tmp_path):
    figures = tmp_path / "youth.csv"
    figures.write_text("year,cohort,measure,value\n2004,youth,frequency_per_100,120\n"
                       "2004,youth,binary_rate_percent,38\n2011,youth,frequency_per_100,100\n"
                       "2011,youth,binary_rate_percent,34\n")
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["simulate", "project", *SMALL, "--from-year", "2004", "--baseline-only",
                                 "--figures", str(figures), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    youth = table[(table["cohort"] == "youth") & (table["measure"] == "frequency_per_100")].set_index("year")
    assert youth.loc[2004, "calibration"] == "calibrated" and youth.loc[2011, "calibration"] == "calibrated"
    assert youth.loc[2004, "figure_status"] == "user" and youth.loc[2004, "figure"] == 120
    # 500 youths x 2 replications: the plumbing is checked here, the accuracy of calibration in validation/.
    assert abs(youth.loc[2004, "mean"] / 120 - 1) < 0.3 and abs(youth.loc[2011, "mean"] / 100 - 1) < 0.3
    meta = json.loads((tmp_path / "p.csv.meta.json").read_text())
    assert not any("uncalibrated" in c for c in meta["caveats"])


def test_sweep_writes_tornado_data(runner, tmp_path):
    out = tmp_path / "tornado.csv"
    result = runner.invoke(app, ["simulate", "sweep", "--scenario", "ppo", "--parameter", "ppo.ppo_scheme.rate_ratio",
                                 "--parameter", "age_log_rate_per_year=-0.06,-0.04,-0.02", "--size", "800",
                                 "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert {"parameter", "measure", "base_value", "low_value", "high_value", "base_result", "low_result",
            "high_result"} <= set(table.columns)
    assert set(table["parameter"]) == {"ppo.ppo_scheme.rate_ratio", "age_log_rate_per_year"}
    effect = table[(table["parameter"] == "ppo.ppo_scheme.rate_ratio") & (table["scenario"] == "ppo minus baseline")
                   & (table["measure"] == "committed_per_100")].iloc[0]
    assert effect["low_result"] < effect["high_result"], "a stronger effect (lower ratio) averts more"
    grid = pd.read_csv(tmp_path / "tornado_grid.csv")
    assert len(grid[(grid["parameter"] == "age_log_rate_per_year")]["setting"].unique()) == 3
    assert json.loads((tmp_path / "tornado.csv.meta.json").read_text())["command"] == "simulate sweep"


# ---- bad input: clear message, exit 2, nothing written ----------------------------------------------------------


def _refused(runner, args: list[str], out: Path, *needles: str) -> None:
    result = runner.invoke(app, args)
    text = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    for needle in needles:
        assert needle in text, f"{needle!r} not in: {text}"
    assert "Traceback" not in result.output
    leftovers = [p for p in out.parent.iterdir() if p.name.startswith(out.stem)]
    assert not leftovers, f"written despite the error: {leftovers}"


@pytest.mark.parametrize(
    ("years", "needle"),
    [
        (["--from-year", "1990"], "--from-year 1990"),
        (["--to-year", "2031"], "--to-year 2031"),
        (["--from-year", "2011", "--to-year", "2004"], "reversed"),
        (["--to-year", "2009"], "2011"),
    ],
)
def test_projection_years_out_of_range_or_reversed_are_refused(runner, tmp_path, years, needle):
    out = tmp_path / "p.csv"
    _refused(runner, ["simulate", "project", *SMALL, "--baseline-only", *years, "--out", str(out)], out, needle)


def test_drift_files_with_unknown_columns_or_shares_not_summing_to_one_are_refused(runner, tmp_path):
    out = tmp_path / "p.csv"
    unknown = tmp_path / "drift_unknown.csv"
    unknown.write_text("year,cohort,attribute,category,value,colour\n2008,adult,disposal,custody,0.4,red\n")
    _refused(runner, ["simulate", "project", *SMALL, "--drift", str(unknown), "--out", str(out)], out,
             str(unknown), "unknown column(s) ['colour']")
    shares = tmp_path / "drift_shares.csv"
    shares.write_text("year,cohort,attribute,category,value\n2008,adult,disposal,custody,0.4\n"
                      "2008,adult,disposal,community,0.5\n")
    _refused(runner, ["simulate", "project", *SMALL, "--drift", str(shares), "--out", str(out)], out,
             str(shares), "sum to 0.9", "not 1")


def test_unit_cost_tables_with_negative_costs_or_unknown_offence_groups_are_refused(runner, tmp_path):
    from simulation.measures.costs import UNIT_COSTS_FILE

    text = UNIT_COSTS_FILE.read_text()
    out = tmp_path / "r.csv"
    negative = tmp_path / "negative.csv"
    negative.write_text(text.replace("robbery,crime,robbery,7282", "robbery,crime,robbery,-7282"))
    _refused(runner, ["simulate", "run", "--size", "300", "--unit-costs", str(negative), "--out", str(out)], out,
             str(negative), "column 'value'", "cannot be negative")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(text.replace("robbery,crime,robbery,7282", "robbery,crime,piracy,7282"))
    _refused(runner, ["simulate", "run", "--size", "300", "--unit-costs", str(unknown), "--out", str(out)], out,
             str(unknown), "unknown offence group 'piracy'")


def _scenario_with(tmp_path: Path, scenarios_dir: Path, name: str, change) -> Path:
    document = yaml.safe_load((scenarios_dir / "ppo.yaml").read_text())
    change(document["interventions"][0])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_scenarios_with_negative_costs_effects_outside_their_range_or_unknown_eligibility_are_refused(
    runner, tmp_path, scenarios_dir
):
    out = tmp_path / "r.csv"

    def negative_cost(spec):
        spec["cost_per_place"]["value"] = -5
        spec["cost_per_place"]["range"] = [-10, 0]

    def outside(spec):
        spec["rate_ratio"]["value"] = 0.3  # its own range is [0.57, 1.0]

    def unknown_field(spec):
        spec["eligibility"]["shoe_size"] = 10

    for name, change, needles in (
        ("negative", negative_cost, ["cost_per_place", "cannot be negative"]),
        ("outside", outside, ["rate_ratio", "must lie within range [0.57, 1.0]"]),
        ("unknown", unknown_field, ["eligibility", "unknown attribute 'shoe_size'"]),
    ):
        path = _scenario_with(tmp_path, scenarios_dir, name, change)
        _refused(runner, ["simulate", "run", "--size", "300", "--scenario", str(path), "--out", str(out)], out,
                 str(path), *needles)


def test_a_sweep_over_a_parameter_that_does_not_exist_is_refused(runner, tmp_path):
    out = tmp_path / "t.csv"
    _refused(runner, ["simulate", "sweep", "--parameter", "moon_phase", "--size", "300", "--out", str(out)], out,
             "--parameter 'moon_phase'", "no such parameter")
    _refused(runner, ["simulate", "sweep", "--scenario", "ppo", "--parameter", "ppo.ppo_scheme.warp_factor",
                      "--size", "300", "--out", str(out)], out, "no such parameter")


def test_bad_user_figures_are_refused(runner, tmp_path):
    figures = tmp_path / "figures.csv"
    figures.write_text("year,cohort,measure,value\n2004,youth,frequency_per_100,-3\n1899,teen,speed,1\n")
    out = tmp_path / "p.csv"
    _refused(runner, ["simulate", "project", *SMALL, "--figures", str(figures), "--out", str(out)], out,
             str(figures), "line 2, column 'value'", "line 3, column 'year'", "column 'cohort'", "column 'measure'")


def test_run_with_uncertainty_reports_the_monte_carlo_and_assumption_parts_apart(runner, tmp_path):
    out = tmp_path / "u.csv"
    result = runner.invoke(app, ["simulate", "run", "--size", "800", "--replications", "3", "--scenario", "ppo",
                                 "--uncertainty", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    row = table[(table["scenario"] == "ppo minus baseline") & (table["measure"] == "committed_per_100")
                & (table["group"] == "all")].iloc[0]
    assert row["sd_assumptions"] > 0 and row["sd_monte_carlo"] > 0
    assert row["total_upper"] - row["total_lower"] > 0
    draws = json.loads((tmp_path / "u.csv.meta.json").read_text())["assumption_draws"]
    rates = [d["ppo.ppo_scheme.rate_ratio"] for d in draws]
    assert len(rates) == 3 and len(set(rates)) == 3 and all(0.57 <= r <= 1.0 for r in rates)


def test_run_with_precision_adds_replications_until_the_half_width_is_reached(runner, tmp_path):
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["simulate", "run", "--size", "1500", "--replications", "40", "--precision", "0.05",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "p.csv.meta.json").read_text())
    record = meta["precision"]
    assert record["target"] == 0.05 and record["solution"] is not None
    assert record["replications"] == record["solution"] + 5 and max(record["achieved"].values()) <= 0.05
    table = pd.read_csv(out)
    row = table[(table["scenario"] == "baseline") & (table["measure"] == "frequency_per_100")
                & (table["group"] == "all")].iloc[0]
    assert (row["ci_upper"] - row["mean"]) / row["mean"] <= 0.05


def test_draws_refitted_on_two_dask_workers_are_those_refitted_here():
    """With --uncertainty each draw's calibrated years are re-fitted before the projection runs; on more than one
    worker the draws are re-fitted on Dask. Every year's parameters must be identical either way."""
    from simulation.inputs.figures import load_figures
    from simulation.inputs.params import default_params
    from simulation.inputs.uncertainty import Draws
    from simulation.inputs.year_effects import load_year_effects
    from simulation.questions.projection_draws import ProjectionVary, projection_ranges
    from simulation.questions.projection_spec import ProjectionSpec

    spec = ProjectionSpec(default_params(), load_figures(), load_year_effects(), first_year=2004, adult_size=300,
                          youth_size=300, check_size=300, seed=11)
    solved = {}
    for workers in (1, 2):
        draws = Draws(projection_ranges(spec), seed=11)
        draws.prepare(range(2))
        vary = ProjectionVary(spec, draws)
        done: list[int] = []
        vary.solve(range(2), workers, on_solved=lambda done=done: done.append(1))  # type: ignore[misc]
        assert len(done) == 2, "one progress step per draw"
        solved[workers] = vary._params
    variants = len(spec.trend_variants())
    assert solved[1].keys() == solved[2].keys() and len(solved[1]) == 2 * 2 * (2011 - 2004 + 1 + variants)
    assert all(solved[1][key] == solved[2][key] for key in solved[1])
    assert solved[1][(0, "adult", 2004, "")] != solved[1][(1, "adult", 2004, "")], "the two draws must differ"


def test_a_scenario_that_touches_no_simulated_cohort_is_refused_naming_the_cohort_it_needs(runner, tmp_path):
    """The youth programme on the default adult cohort used to return all zeros without a word."""
    out = tmp_path / "r.csv"
    _refused(runner, ["simulate", "run", "--size", "300", "--scenario", "youth_early_intervention", "--out", str(out)],
             out, "youth_early_intervention", "changes nothing for the adult cohort", "needs the youth cohort")
    _refused(runner, ["simulate", "sweep", "--size", "300", "--scenario", "youth_early_intervention", "--out",
                      str(out)], out, "needs the youth cohort")


def test_the_short_custody_scenario_prints_and_records_that_its_effect_is_within_window_incapacitation(runner,
                                                                                                       tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["simulate", "run", "--size", "400", "--replications", "2", "--scenario",
                                 "short_custody_replaced", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Within-window incapacitation" in " ".join(result.output.split())
    caveats = json.loads((tmp_path / "r.csv.meta.json").read_text())["scenario_caveats"]
    assert "incapacitation" in caveats["short_custody_replaced"][0]


def test_trend_overrides_the_fitted_trend_and_bad_trends_are_refused(runner, tmp_path):
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["simulate", "project", *SMALL, "--from-year", "2004", "--baseline-only",
                                 "--trend", "adult=1.0,youth=1.02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "p.csv.meta.json").read_text())
    assert meta["trends"]["adult"] == {"factor": 1.0, "source": "--trend"}
    assert meta["trends"]["youth"]["factor"] == 1.02
    table = pd.read_csv(out)
    youth = table[(table["cohort"] == "youth") & (table["measure"] == "frequency_per_100")].set_index("year")
    assert "x1.020" in youth.loc[2011, "calibration"]
    bad = tmp_path / "bad.csv"
    _refused(runner, ["simulate", "project", *SMALL, "--trend", "steady", "--out", str(bad)], bad,
             "--trend 'steady'", "not a number")
    _refused(runner, ["simulate", "project", *SMALL, "--trend", "teen=0.9", "--out", str(bad)], bad,
             "'teen' is not adult or youth")
