"""Regenerate the back-test expectations after an intended change to the model (then review the diff).

python tests/simulation/back/make_expected.py

Every regeneration is a change to published numbers: record which measures moved, by how much and why under
"Numbers changed" in CHANGELOG.md, in the same commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from simulation.inputs.cohort import generate_cohort  # noqa: E402
from simulation.inputs.figures import load_figures  # noqa: E402
from simulation.inputs.interventions import load_scenario  # noqa: E402
from simulation.inputs.params import default_params  # noqa: E402
from simulation.inputs.year_effects import load_year_effects  # noqa: E402
from simulation.measures.costs import load_unit_costs  # noqa: E402
from simulation.questions.project import project  # noqa: E402
from simulation.questions.projection_spec import ProjectionSpec  # noqa: E402
from simulation.questions.scenario_run import run_simulation  # noqa: E402
from simulation.runs.runner import cohort_seed  # noqa: E402

CASES = {
    "adult_drug_treatment": ("adult", "drug_treatment.yaml"),
    "youth_baseline": ("youth", None),
    "projection": ("projection", None),
    "projection_success": ("projection", None),
}
SIZE, REPLICATIONS, SEED = 2500, 3, 12345
SCENARIOS = HERE.parents[2] / "data" / "examples" / "scenarios"


def expected_table(case: str):
    kind, scenario = CASES[case]
    if kind == "projection":
        ppo = load_scenario(SCENARIOS / "ppo.yaml")
        spec = ProjectionSpec(default_params(), load_figures(), load_year_effects(), [ppo], ["ppo.yaml"],
                              first_year=2004, adult_size=1500, youth_size=1000, check_size=1000,
                              seed=SEED, unit_costs=load_unit_costs())
        result = project(spec, 2)
        return result.success if case == "projection_success" else result.projection
    cohort = generate_cohort(kind, SIZE, cohort_seed(SEED))  # type: ignore[arg-type]
    chosen = load_scenario(SCENARIOS / scenario) if scenario else None
    return run_simulation(cohort, default_params(kind), chosen, REPLICATIONS, SEED, unit_costs=load_unit_costs())


if __name__ == "__main__":
    for name in CASES:
        expected_table(name).to_csv(HERE / f"expected_{name}.csv", index=False)
        print(f"wrote expected_{name}.csv")
