"""Offender-cohort simulation of proven re-offending (PSA 23 indicators 5 and 6).

Public entry points (imported lazily, so that `import simulation.errors` stays light):

- `run_baseline_projection(seed, size, replications)`: a generated adult cohort under the calibrated
  defaults, no interventions, as the long table `safer simulate run` writes;
- `run_simulation(cohort, params, scenario, replications, seed, workers, scheduler, store)`: baseline and one
  scenario, in process or on Dask, optionally keeping finished tasks for a resume;
- `simulation.runs.tasks` / `simulation.runs.distributed.execute`: any list of runs (scenarios, projection years, sweep
  points) x replications as tasks;
- `generate_cohort` / `load_cohort_csv`, `load_scenario`, `default_params` / `load_params`;
- calibration: `simulation.questions.calibrate.calibrate` (the submodule shares the function's name).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulation.inputs.cohort import Cohort, generate_cohort, load_cohort_csv
    from simulation.inputs.interventions import Scenario, load_scenario
    from simulation.inputs.params import ModelParams, default_params, load_params
    from simulation.questions.calibrate import Targets
    from simulation.questions.scenario_run import run_baseline_projection, run_simulation

_EXPORTS = {
    "Targets": "simulation.questions.calibrate",
    "Cohort": "simulation.inputs.cohort",
    "generate_cohort": "simulation.inputs.cohort",
    "load_cohort_csv": "simulation.inputs.cohort",
    "Scenario": "simulation.inputs.interventions",
    "load_scenario": "simulation.inputs.interventions",
    "ModelParams": "simulation.inputs.params",
    "default_params": "simulation.inputs.params",
    "load_params": "simulation.inputs.params",
    "run_baseline_projection": "simulation.questions.scenario_run",
    "run_simulation": "simulation.questions.scenario_run",
}
__all__ = [
    "Cohort",
    "ModelParams",
    "Scenario",
    "Targets",
    "default_params",
    "generate_cohort",
    "load_cohort_csv",
    "load_params",
    "load_scenario",
    "run_baseline_projection",
    "run_simulation",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")
