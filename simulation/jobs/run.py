"""The job behind `safer simulate run`: a cohort under the baseline and each scenario, replicated, summarised.

Each replication of the baseline and of every scenario is a task, run here or on Dask; finished tasks are kept
in `<out>.parts/` until the table is written, so an interrupted run can resume. With a precision, replications
are added until every headline interval is narrow enough (`simulation.runs.precision`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.checking import checks_done
from safer_io.outputs import check_outputs, table_format, write_output
from safer_io.progress import SILENT, Tracker
from safer_io.provenance import provenance
from simulation.errors import SimulationInputError
from simulation.jobs.options import (
    DEFAULT_COHORT_SIZE,
    check_precision,
    check_scheduler,
    cohort_kind,
    load_scenarios,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RunDone:
    """What `simulate run` wrote."""

    table: pd.DataFrame
    """The summary table, as written to `out`."""
    out: Path
    """Where it was written."""
    warnings: list[str]
    """Measures that rest on few events (also among the output's caveats)."""
    notes: list[str]
    """The scenarios' own caveats (e.g. within-window incapacitation), also in the metadata."""
    size: int
    """Offenders in the cohort."""
    replications: int
    """Replications run (fewer than asked when a precision was reached)."""


def simulate_run(*, cohort: str, size: int | None, cohort_file: Path | None, scenario: list[str],
                 params_file: Path | None, unit_costs_file: Path | None, replications: int, uncertainty: bool,
                 precision: float | None, seed: int, workers: int, scheduler: str | None, resume: bool, out: Path,
                 tracker: Tracker = SILENT) -> RunDone:
    """Check the options, simulate, write `out` with its provenance and caveats."""
    from simulation.caveats import MODEL_ASSUMPTIONS, NO_CI_IN_PUBLICATION, SIMULATED
    from simulation.inputs.cohort import generate_cohort, load_cohort_csv
    from simulation.inputs.interventions import check_touches
    from simulation.inputs.params import CALIBRATED_DEFAULTS, default_params, load_params
    from simulation.inputs.uncertainty import Draws
    from simulation.measures.across_replications import sparse_warnings
    from simulation.measures.costs import UNIT_COSTS_FILE, load_unit_costs
    from simulation.questions.project import scenario_summary
    from simulation.questions.project_outputs import scenario_caveats, scenario_notes
    from simulation.questions.scenario_run import run_ranges, run_rows, summarise_run
    from simulation.runs.checkpoints import TaskStore, parts_folder, run_fingerprint
    from simulation.runs.memory import check_fits
    from simulation.runs.precision import automated_replications
    from simulation.runs.runner import cohort_seed

    table_format(out)
    chosen_scenarios, scenario_files = load_scenarios(scenario)
    check_outputs([out], [cohort_file, *scenario_files, params_file, unit_costs_file])
    kind = cohort_kind(cohort)
    check_touches(chosen_scenarios, scenario, kind)
    if size is not None and cohort_file is not None:
        raise SimulationInputError("--size and --cohort-file: give one or the other, not both")
    check_scheduler(scheduler)
    check_precision(precision)
    scenarios = len(chosen_scenarios)
    if cohort_file is None:
        check_fits(size or DEFAULT_COHORT_SIZE, workers if scheduler is None else 1, replications=replications,
                   scenarios=scenarios)
    checks_done()
    chosen = (load_cohort_csv(cohort_file, kind) if cohort_file is not None
              else generate_cohort(kind, size or DEFAULT_COHORT_SIZE, cohort_seed(seed)))
    check_fits(chosen.size, workers if scheduler is None else 1, replications=replications, scenarios=scenarios)
    params = load_params(params_file) if params_file is not None else default_params(kind)
    costs = load_unit_costs(unit_costs_file) if unit_costs_file is not None else load_unit_costs()
    draws = Draws(run_ranges(params, chosen_scenarios), seed) if uncertainty else None
    inputs = [p for p in (cohort_file, *scenario_files) if p is not None]
    inputs += [params_file if params_file is not None else CALIBRATED_DEFAULTS,
               unit_costs_file if unit_costs_file is not None else UNIT_COSTS_FILE]
    deciding = {"cohort": kind, "size": chosen.size, "replications": replications, "seed": seed,
                "uncertainty": uncertainty, "precision": precision}
    store = TaskStore(parts_folder(out), run_fingerprint(deciding, inputs), resume)
    names = [s.name for s in chosen_scenarios]
    sources = [str(f) for f in scenario_files]
    with store.kept_or_removed(replications), tracker.bars("simulating") as bars:
        bar = bars.add("replications", total=replications)

        def batch(replication_range: range) -> Any:
            return run_rows(chosen, params, chosen_scenarios, replication_range, seed, workers, scheduler, store,
                            lambda _group: bar.advance(), sources or "scenario", draws, costs)

        precision_record = None
        if precision is None:
            rows = batch(range(replications))
        else:
            def headline(rows: Any) -> dict[str, Any]:
                wanted = rows[(rows["measure"] == "frequency_per_100") & (rows["group"] == "all")]
                return {name: wanted[wanted["scenario"] == name].sort_values("replication")["value"].to_numpy()
                        for name in ["baseline", *names]}

            rows, record = automated_replications(batch, headline, precision, replications, max(workers, 1))
            precision_record = record.record()
    table = summarise_run(rows, chosen, uncertainty)
    warnings = sparse_warnings(table)
    done = int(rows["replication"].nunique())
    parameters = {"cohort": kind, "size": chosen.size, "cohort_file": cohort_file,
                  "scenario": [str(f) for f in scenario_files], "params": params_file,
                  "unit_costs": unit_costs_file, "replications": done,
                  "max_replications": replications, "uncertainty": uncertainty, "precision": precision,
                  "seed": seed, "workers": workers, "scheduler": scheduler, "resume": resume, "out": out}
    meta = provenance("simulate run", parameters, inputs)
    meta |= {"caveats": [SIMULATED, NO_CI_IN_PUBLICATION, *warnings], "assumptions": list(MODEL_ASSUMPTIONS),
             "scenario_assumptions": scenario_summary(chosen_scenarios), "unit_costs": costs.sources(),
             "scenario_caveats": scenario_caveats(chosen_scenarios),
             "national_size": chosen.national_size, "scale": chosen.scale}
    if precision_record is not None:
        meta["precision"] = precision_record
    if draws is not None:
        meta["assumption_draws"] = draws.table()
    write_output(table, out, meta)
    store.remove()
    return RunDone(table, out, warnings, scenario_notes(chosen_scenarios), chosen.size, done)
