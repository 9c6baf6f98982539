"""Replications: reproducible, long output format (workers and Dask: `test_sim_distributed.py`)."""

from __future__ import annotations

import pandas as pd

from simulation.inputs.interventions import load_scenario
from simulation.measures.across_replications import SUMMARY_COLUMNS
from simulation.measures.replication_measures import ANNEX_MEASURES, GROUPINGS, OFFENDING_MEASURES
from simulation.questions.scenario_run import run_baseline_projection, run_simulation
from simulation.runs.runner import replication_seeds


def test_same_seed_gives_bit_identical_output_and_other_seeds_differ(small_adult, params):
    first = run_simulation(small_adult, params, None, replications=2, seed=17)
    again = run_simulation(small_adult, params, None, replications=2, seed=17)
    other = run_simulation(small_adult, params, None, replications=2, seed=18)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert not first["mean"].equals(other["mean"])


def test_replication_streams_do_not_depend_on_how_many_replications(small_adult):
    three = replication_seeds(9, 3)
    five = replication_seeds(9, 5)
    assert [s.spawn_key for s in three] == [s.spawn_key for s in five[:3]]


def test_long_format_groups_and_scenario_rows(small_adult, params, scenarios_dir):
    scenario = load_scenario(scenarios_dir / "ppo.yaml")
    table = run_simulation(small_adult, params, scenario, replications=2, seed=1)
    assert list(table.columns) == SUMMARY_COLUMNS
    assert set(table["scenario"]) == {"baseline", "ppo", "ppo minus baseline", "ppo percent change"}
    baseline = table[table["scenario"] == "baseline"]
    assert set(baseline["measure"]) == set(ANNEX_MEASURES) | set(OFFENDING_MEASURES)
    assert set(baseline["group"]) == set(GROUPINGS)
    scenario_groups = set(table.loc[table["scenario"] == "ppo minus baseline", "group"])
    assert {"programme:ppo_scheme"} <= scenario_groups, "effects for the eligible group and for participants"
    participants = table[(table["group"] == "programme:ppo_scheme") & (table["group_value"] == "participants")]
    assert {"ppo minus baseline", "ppo percent change"} <= set(participants["scenario"])
    assert set(baseline.loc[baseline["group"] == "sex", "group_value"]) == {"male", "female"}
    programme = table[table["group"] == "programme"]
    assert {"programme_starts", "programme_cost"} <= set(programme["measure"])
    starts = programme.loc[programme["measure"] == "programme_starts", "mean"].item()
    cost = programme.loc[programme["measure"] == "programme_cost", "mean"].item()
    assert cost == starts * scenario.interventions[0].cost_per_place.value
    # Group sizes add up to the cohort, and the overall rate is the offender-weighted mean of group rates.
    offenders = baseline[(baseline["measure"] == "offenders") & (baseline["group"] == "age_band")]
    assert offenders["mean"].sum() == small_adult.size
    freq = baseline[(baseline["measure"] == "frequency_per_100")].set_index(["group", "group_value"])["mean"]
    sizes = baseline[(baseline["measure"] == "offenders")].set_index(["group", "group_value"])["mean"]
    weighted = (freq.loc["disposal"] * sizes.loc["disposal"]).sum() / small_adult.size
    assert abs(weighted - freq.loc[("all", "all")]) < 1e-9
    finite = table[table["ci_lower"].notna()]
    # Rows without an interval say why (too few events or offenders), or rest on fewer than two replications (a
    # percent change of a rare count that was zero in a baseline replication).
    missing = table[table["ci_lower"].isna()]
    said = missing["interval"].astype(str).str.startswith("none:") | (missing["replications"] < 2)
    assert said.all(), f"rows without an interval and without a reason: {missing[~said].head().to_dict('records')}"
    assert len(finite) > 0.75 * len(table), f"expected most rows with an interval, found {len(finite)}/{len(table)}"
    assert (finite["ci_lower"] <= finite["mean"]).all() and (finite["mean"] <= finite["ci_upper"]).all()


def test_baseline_projection_for_the_demo():
    table = run_baseline_projection(seed=3, size=1500, replications=2)
    assert list(table.columns) == SUMMARY_COLUMNS
    assert set(table["scenario"]) == {"baseline"}
    assert table.loc[(table["measure"] == "offenders") & (table["group"] == "all"), "mean"].item() == 1500


def test_package_exports_resolve():
    import simulation

    for name in simulation.__all__:
        assert callable(getattr(simulation, name))
    assert simulation.run_baseline_projection is run_baseline_projection


def test_points_of_a_sweep_are_tasks_whose_labels_lead_the_summary(small_adult, params, scenarios_dir, with_params):
    from simulation.inputs.interventions import BASELINE
    from simulation.measures.across_replications import summarise
    from simulation.runs.runner import run_replications
    from simulation.runs.tasks import Run

    scenario = load_scenario(scenarios_dir / "ppo.yaml")
    slower = with_params(waiting_period_months=9)
    runs = [Run(BASELINE, p, (("waiting_months", months),)) for months, p in ((6, params), (9, slower))]
    runs += [Run(scenario, p, (("waiting_months", months),)) for months, p in ((6, params), (9, slower))]
    per_replication = run_replications(small_adult, runs, replications=2, seed=3)
    assert list(per_replication.columns[:2]) == ["waiting_months", "replication"]
    table = summarise(per_replication)
    assert list(table.columns[:2]) == ["waiting_months", "scenario"]
    rate = table[(table["measure"] == "frequency_per_100") & (table["group"] == "all")].set_index(
        ["waiting_months", "scenario"])["mean"]
    assert rate[(9, "baseline")] > rate[(6, "baseline")], "a longer waiting period proves more re-offences"
    # Each point's difference is paired with its own baseline.
    for months in (6, 9):
        difference = rate[(months, "ppo minus baseline")]
        assert abs(difference - (rate[(months, "ppo")] - rate[(months, "baseline")])) < 1e-9
