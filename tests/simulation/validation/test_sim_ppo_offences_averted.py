"""The bundled PPO scenario prevents crime even where proven re-offending barely moves.

Its assumed effects lower the offending rate (x0.7) and raise detection (x1.25): detected offending is 0.875
of what it would be, so proven re-offending falls a little, while offences *committed* (expected counts from the
exact thinning, `committed.py`) fall by 30% for participants while the effect lasts. On 10,000 adults standing
for the national 45,000 (so the 3,000 national places become 667) over 6 replications on common random
numbers, offences committed averted must have an interval above zero, and the averted offences per participant
must be about 30% of what participants would have committed over the time the effect lasts.
"""

from __future__ import annotations

from simulation.inputs.cohort import generate_cohort
from simulation.inputs.interventions import load_scenario
from simulation.questions.scenario_run import run_simulation
from simulation.runs.runner import cohort_seed

SEED = 31_337


def test_ppo_reports_offences_committed_and_averted_with_an_interval_above_zero(params, scenarios_dir):
    scenario = load_scenario(scenarios_dir / "ppo.yaml")
    spec = scenario.interventions[0]
    assert spec.rate_ratio.value * spec.detection_ratio.value != 1.0, "the scenario must not cancel itself out"
    cohort = generate_cohort("adult", 10_000, cohort_seed(SEED))
    from simulation.measures.costs import load_unit_costs

    table = run_simulation(cohort, params, scenario, replications=6, seed=SEED, unit_costs=load_unit_costs())
    everyone = table[(table["group"] == "all")].set_index(["scenario", "measure"])
    committed = everyone.loc[("ppo minus baseline", "offences_committed")]
    assert committed["ci_upper"] < 0, f"offences committed must fall: {committed.to_dict()}"
    averted = table[(table["group"] == "costs") & (table["measure"] == "offences_committed_averted")].iloc[0]
    assert averted["ci_lower"] > 0, f"offences averted (national) must have an interval above zero: {averted.to_dict()}"
    # Crime prevented is much larger than the change in proven re-offending.
    proven = everyone.loc[("ppo minus baseline", "proven_reoffences")]
    assert abs(proven["mean"]) < 0.5 * abs(committed["mean"])
    participants = table[(table["group"] == "programme:ppo") | (table["group"] == "programme:ppo_scheme")]
    change = participants[(participants["group_value"] == "participants") & (participants["scenario"] ==
                                                                                "ppo percent change")]
    committed_change = change[change["measure"] == "offences_committed"]["mean"].item()
    assert -32 < committed_change < -12, f"participants' offences committed changed by {committed_change:.1f}%"
