"""The job behind `safer simulate project`: annual Q1 cohorts to 2011 under the baseline and each scenario, the
probability of meeting A.38 (each measure lower in 2011 than in 2004), and what the scenarios cost.

It writes its tables side by side (`project_outputs`), each with its own sidecar: the projection, the A.38 success
table, the costs, and P(A.38) against the trend (or, with `--uncertainty`, the tornado of the draws).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.checking import checks_done
from safer_io.outputs import check_outputs, table_format, write_output
from safer_io.progress import SILENT, Tracker
from safer_io.provenance import provenance
from simulation.errors import SimulationInputError
from simulation.jobs.options import check_precision, check_scheduler, load_scenarios

if TYPE_CHECKING:
    import pandas as pd

    from simulation.questions.project import ProjectionResult
    from simulation.questions.projection_text import TextTable


def project_outputs(out: Path, uncertainty: bool = False) -> dict[str, Path]:
    """The tables of `simulate project`: <out>, <stem>_success<ext>, <stem>_costs<ext>, and <stem>_trend<ext> (P(A.38)
    under other trends) or with --uncertainty (the trend drawn) <stem>_tornado<ext>."""
    names = ["success", "costs", *(["tornado"] if uncertainty else ["trend"])]
    return {"projection": out, **{name: out.with_name(f"{out.stem}_{name}{out.suffix}") for name in names}}


@dataclass(frozen=True)
class ProjectDone:
    """What `simulate project` wrote."""

    result: ProjectionResult
    """The projection, success and costs tables."""
    check: pd.DataFrame
    """The published figures beside the simulated baseline."""
    outputs: dict[str, Path]
    """Each table's file, by content."""
    tables: list[TextTable]
    """What the console shows (`projection_text`): money in pounds, 'not estimable' where so."""
    notes: list[str]
    """What a reader must see beside the numbers: scenarios' caveats, assumed figures, the trend, too few
    replications."""


def simulate_project(*, from_year: int, to_year: int, start_year: int, scenario: list[str], baseline_only: bool,
                     adult_size: int, youth_size: int, check_size: int, replications: int, uncertainty: bool,
                     precision: float | None, figures_file: Path | None, drift_file: Path | None,
                     year_effects_file: Path | None, params_file: Path | None, unit_costs_file: Path | None,
                     seed: int, workers: int | None, scheduler: str | None, resume: bool, out: Path,
                     trend: str | None = None, tracker: Tracker = SILENT) -> ProjectDone:
    """Check the options, project every year and scenario, write the tables with their provenance. `workers` None:
    one per core, at most 4 (the output does not depend on it); `trend`: `--trend` (instead of the fitted trend)."""
    from simulation.caveats import MODEL_ASSUMPTIONS, NO_CI_IN_PUBLICATION, SIMULATED
    from simulation.inputs.drift import read_drift
    from simulation.inputs.figures import FIGURES_FILE, FIRST_YEAR, LAST_YEAR, load_figures, read_user_figures
    from simulation.inputs.interventions import bundled_scenario_ids
    from simulation.inputs.params import CALIBRATED_DEFAULTS, default_params, load_params
    from simulation.inputs.trends import parse_trend
    from simulation.inputs.uncertainty import Draws
    from simulation.inputs.year_effects import YEAR_EFFECTS_FILE, load_year_effects
    from simulation.measures.costs import UNIT_COSTS_FILE, load_unit_costs
    from simulation.questions.project import (
        headline,
        precision_series,
        project,
        recalibrate_user_years,
        run_projection,
        scenario_summary,
    )
    from simulation.questions.project_outputs import (
        console_tables,
        project_caveats,
        project_tables,
        scenario_caveats,
        scenario_notes,
    )
    from simulation.questions.projection_draws import projection_ranges
    from simulation.questions.projection_spec import ProjectionSpec
    from simulation.runs.checkpoints import TaskStore, parts_folder, run_fingerprint
    from simulation.runs.precision import automated_replications

    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    outputs = project_outputs(out, uncertainty)
    for path in outputs.values():
        table_format(path)
    trends = parse_trend(trend) if trend is not None else None
    for name, year in (("--from-year", from_year), ("--to-year", to_year), ("--start-year", start_year)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise SimulationInputError(f"{name} {year}: years run from {FIRST_YEAR} to {LAST_YEAR}")
    if from_year > to_year:
        raise SimulationInputError(f"--from-year {from_year} and --to-year {to_year}: the years are reversed")
    if baseline_only and scenario:
        raise SimulationInputError("--baseline-only and --scenario: give one or the other")
    check_scheduler(scheduler)
    check_precision(precision)
    chosen_ids = [] if baseline_only else (scenario or bundled_scenario_ids())
    chosen_scenarios, scenario_files = load_scenarios(chosen_ids)
    check_outputs(list(outputs.values()), [*scenario_files, figures_file, drift_file, year_effects_file,
                                           params_file, unit_costs_file])
    from simulation.runs.memory import check_fits, projection_peak_bytes, projection_rows_bytes

    processes = workers if scheduler is None else 1
    check_fits(max(adult_size, youth_size, check_size), processes, replications=replications,
               rows_bytes=projection_rows_bytes(replications, to_year - from_year + 1, len(chosen_scenarios)),
               peak_bytes=projection_peak_bytes(adult_size, youth_size, check_size, processes),
               sizes=f"--adult-size {adult_size:,}, --youth-size {youth_size:,} and --check-size {check_size:,}")
    checks_done()
    params = load_params(params_file) if params_file is not None else default_params()
    figures = load_figures()
    user = read_user_figures(figures_file) if figures_file is not None else None
    if user is not None:
        figures = figures.with_user(user)
    drift = read_drift(drift_file) if drift_file is not None else None
    effects = load_year_effects(year_effects_file) if year_effects_file is not None else load_year_effects()
    costs = load_unit_costs(unit_costs_file) if unit_costs_file is not None else load_unit_costs()
    spec = ProjectionSpec(params, figures, effects, chosen_scenarios, [str(f) for f in scenario_files], from_year,
                          to_year, start_year, adult_size, youth_size, check_size, seed, drift, costs, trends,
                          trend_sensitivity=not uncertainty)
    if user is not None:
        with tracker.status("calibrating the years of your figures..."):
            spec = recalibrate_user_years(spec, user)
    inputs = [p for p in (*scenario_files, figures_file, drift_file) if p is not None]
    inputs += [year_effects_file or YEAR_EFFECTS_FILE, FIGURES_FILE, params_file or CALIBRATED_DEFAULTS,
               unit_costs_file or UNIT_COSTS_FILE]
    deciding = {"years": [from_year, to_year, start_year], "sizes": [adult_size, youth_size, check_size],
                "replications": replications, "seed": seed, "uncertainty": uncertainty, "precision": precision,
                "trend": trends}
    store = TaskStore(parts_folder(out), run_fingerprint(deciding, inputs), resume)
    draws = Draws(projection_ranges(spec), seed) if uncertainty else None
    precision_record = None
    with store.kept_or_removed(replications), tracker.bars("projecting") as bars:
        bar = bars.add("replications x cohorts", total=3 * replications)
        refits = bars.add("re-fitting the years for each draw", total=replications, visible=uncertainty)

        def batch(replication_range: range) -> Any:
            if uncertainty:
                refits.resize(max(replication_range.stop, replications))
            return run_projection(spec, replication_range, workers, scheduler, store,
                                  lambda _group: bar.advance(), draws, lambda: refits.advance())

        if precision is None:
            rows = batch(range(replications))
        else:
            relative, absolute = precision_series(spec)
            rows, record = automated_replications(batch, relative, precision, replications, max(workers, 1),
                                                  absolute=absolute)
            precision_record = record.record()
    result = project(spec, int(rows["replication"].nunique()), draws=draws, rows=rows)
    notes = project_caveats(spec, result, precision)
    caveats = [SIMULATED, NO_CI_IN_PUBLICATION, *notes]
    parameters = {"from_year": from_year, "to_year": to_year, "start_year": start_year,
                  "scenario": [str(f) for f in scenario_files], "adult_size": adult_size,
                  "youth_size": youth_size, "check_size": check_size,
                  "replications": int(rows["replication"].nunique()), "max_replications": replications,
                  "uncertainty": uncertainty, "precision": precision, "figures": figures_file,
                  "drift": drift_file, "year_effects": year_effects_file, "params": params_file,
                  "unit_costs": unit_costs_file, "seed": seed, "workers": workers, "scheduler": scheduler,
                  "resume": resume, "trend": trend, "out": out}
    base = provenance("simulate project", parameters, inputs)
    fitted = spec.fitted_trends()
    base |= {"caveats": caveats, "assumptions": list(MODEL_ASSUMPTIONS),
             "scenario_assumptions": scenario_summary(chosen_scenarios),
             "scenario_caveats": scenario_caveats(chosen_scenarios),
             "figures": figures.model_dump(mode="json"), "unit_costs": costs.sources(),
             "trends": {kind: {"factor": factor, "source": "--trend" if trends and kind in trends else
                               fitted[kind].source if kind in fitted else "flat"}
                        for kind, factor in spec.trend_factors().items()},
             "year_status": {f"{k} {y}": v for (k, y), v in result.status.items()}}
    if precision_record is not None:
        base["precision"] = precision_record
    if draws is not None:
        base["assumption_draws"] = draws.table()
    for content, table in project_tables(result, spec, draws).items():
        write_output(table, outputs[content], base | {"content": content})
    store.remove()
    check = headline(result)
    return ProjectDone(result, check, outputs, console_tables(result, check, uncertainty),
                       [*scenario_notes(chosen_scenarios), *notes])
