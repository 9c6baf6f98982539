"""The job behind `safer simulate sweep`: which assumptions move the answer most.

Each swept parameter goes to the ends of its stated range (or to the values given), the others held central, on
common random numbers; the tornado table and every setting's result (`<stem>_grid`) are written for
`safer report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from safer_io.checking import checks_done
from safer_io.outputs import check_outputs, table_format, write_output
from safer_io.progress import SILENT, Tracker
from safer_io.provenance import provenance
from simulation.jobs.options import check_scheduler, cohort_kind, load_scenarios

if TYPE_CHECKING:
    import pandas as pd


def grid_output(out: Path) -> Path:
    """Where every setting's result goes: <stem>_grid<ext> beside the tornado table."""
    return out.with_name(f"{out.stem}_grid{out.suffix}")


@dataclass(frozen=True)
class SweepDone:
    """What `simulate sweep` wrote."""

    tornado: pd.DataFrame
    """One row per parameter, measure and scenario: the results at the low and high ends."""
    out: Path
    """The tornado table's file."""
    grid_out: Path
    """The grid table's file."""


def simulate_sweep(*, parameter: list[str], scenario: list[str], cohort: str, size: int, params_file: Path | None,
                   replications: int, seed: int, workers: int, scheduler: str | None, out: Path,
                   tracker: Tracker = SILENT) -> SweepDone:
    """Check the options, run every setting, write the tornado and grid tables with their provenance."""
    from simulation.caveats import MODEL_ASSUMPTIONS, SIMULATED
    from simulation.inputs.cohort import generate_cohort
    from simulation.inputs.interventions import check_touches
    from simulation.inputs.params import CALIBRATED_DEFAULTS, default_params, load_params
    from simulation.questions.sweep import grid, resolve_parameters, run_sweep, tornado
    from simulation.runs.runner import cohort_seed

    grid_out = grid_output(out)
    table_format(out)
    chosen_scenarios, scenario_files = load_scenarios(scenario)
    check_outputs([out, grid_out], [*scenario_files, params_file])
    kind = cohort_kind(cohort)
    check_touches(chosen_scenarios, scenario, kind)
    check_scheduler(scheduler)
    from simulation.runs.memory import check_fits

    check_fits(size, workers if scheduler is None else 1, replications=replications * (1 + 2 * len(parameter)),
               scenarios=len(chosen_scenarios))
    checks_done()
    params = load_params(params_file) if params_file is not None else default_params(kind)
    swept = resolve_parameters(parameter, params, chosen_scenarios)
    chosen = generate_cohort(kind, size, cohort_seed(seed))
    total = replications * (1 + sum(len(s.values) for s in swept))
    with tracker.bars("sweeping") as bars:
        bar = bars.add("settings x replications", total=total)
        summary = run_sweep(chosen, params, chosen_scenarios, [str(f) for f in scenario_files], swept,
                            replications, seed, workers, scheduler, lambda _group: bar.advance())
    table = tornado(summary, swept)
    inputs = [*scenario_files, params_file or CALIBRATED_DEFAULTS]
    parameters = {"parameter": parameter, "scenario": [str(f) for f in scenario_files], "cohort": cohort,
                  "size": size, "params": params_file, "replications": replications, "seed": seed,
                  "workers": workers, "scheduler": scheduler, "out": out}
    meta = provenance("simulate sweep", parameters, inputs) | {
        "caveats": [SIMULATED], "assumptions": list(MODEL_ASSUMPTIONS),
        "swept": [{"parameter": s.range.name, "values": list(s.values), "central": s.range.value,
                   "source": s.range.source} for s in swept]}
    write_output(table, out, meta)
    write_output(grid(summary), grid_out, meta | {"content": "grid"})
    return SweepDone(table, out, grid_out)
