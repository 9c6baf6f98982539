"""The job behind `safer simulate calibrate`: fit the model to published re-offending rates, write a YAML.

Without `--years` it fits the base offending rate, heterogeneity and serious share of the adult cohort to the
2005 Q1 rates (a parameter file for `--params`); with `--years` it fits every year's effects to the published
series (a year-effects file for `simulate project --year-effects`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safer_io.checking import checks_done
from safer_io.outputs import atomic_path, check_outputs, table_format, write_sidecar
from safer_io.progress import SILENT, Tracker
from safer_io.provenance import provenance
from simulation.errors import SimulationInputError
from simulation.jobs.options import DEFAULT_COHORT_SIZE

if TYPE_CHECKING:
    from simulation.inputs.params import ModelParams
    from simulation.questions.calibrate import Achieved

YEARS_COHORT_SIZE = 40_000
"""Offenders simulated for each year when calibrating the year effects and no --size is given."""


@dataclass(frozen=True)
class CalibrateDone:
    """What `simulate calibrate` wrote."""

    out: Path
    """The parameter or year-effects YAML."""
    params: ModelParams | None = None
    """The fitted parameters (None for the year effects)."""
    converged: bool = True
    """Whether every rate came within the tolerance of its target."""


def simulate_calibrate(*, target_frequency: float, target_binary: float, target_serious: float, size: int | None,
                       cohort_file: Path | None, params_file: Path | None, replications: int, seed: int,
                       tolerance: float, years: bool, figures_file: Path | None, check_size: int, out: Path,
                       defaults_out: Path | None = None, tracker: Tracker = SILENT,
                       on_iteration: Callable[[int, Achieved], None] | None = None,
                       on_year: Callable[[str, int, Any], None] | None = None) -> CalibrateDone:
    """The rates (or, with `years`, the year effects, and with `defaults_out` the calibrated defaults of `simulate
    run`) fitted and written with their provenance."""
    if years:
        return calibrate_years(size, figures_file, check_size, params_file, replications, seed, out, tracker,
                               on_year, defaults_out)
    from simulation.inputs.cohort import generate_cohort, load_cohort_csv
    from simulation.inputs.params import CALIBRATED_DEFAULTS, default_params, load_params, params_document
    from simulation.questions.calibrate import Targets, calibrate
    from simulation.runs.memory import calibration_peak_bytes, check_fits
    from simulation.runs.runner import cohort_seed

    table_format(out, (".yaml", ".yml"))
    check_outputs([out], [cohort_file, params_file])
    if size is not None and cohort_file is not None:
        raise SimulationInputError("--size and --cohort-file: give one or the other, not both")
    def check_memory(offenders: int, what: str) -> None:
        check_fits(offenders, peak_bytes=calibration_peak_bytes(offenders, replications),
                   sizes=f"{what} with --replications {replications}",
                   advice="use a smaller cohort or fewer replications")

    if cohort_file is None:
        check_memory(size or DEFAULT_COHORT_SIZE, f"--size {size or DEFAULT_COHORT_SIZE:,}")
    checks_done()
    targets = Targets(target_frequency, target_binary, target_serious or None)
    chosen = (load_cohort_csv(cohort_file, "adult") if cohort_file is not None
              else generate_cohort("adult", size or DEFAULT_COHORT_SIZE, cohort_seed(seed)))
    if cohort_file is not None:  # its size is known once read (as `simulate run` checks it)
        check_memory(chosen.size, f"{cohort_file} ({chosen.size:,} offenders)")
    start = load_params(params_file) if params_file is not None else default_params()
    with tracker.status("calibrating (each step simulates the cohort)..."):
        result = calibrate(chosen, start, targets, seed, replications, tolerance, on_iteration=on_iteration)
    record = {**result.record(), "cohort": chosen.source, "size": chosen.size, "seed": seed,
              "replications": replications}
    with atomic_path(out) as tmp:
        tmp.write_text(params_document(result.params, record), encoding="utf-8")
    inputs = [p for p in (cohort_file,) if p is not None]
    inputs.append(params_file if params_file is not None else CALIBRATED_DEFAULTS)
    parameters = {"target_frequency": target_frequency, "target_binary": target_binary,
                  "target_serious": target_serious, "size": chosen.size, "cohort_file": cohort_file,
                  "params": params_file, "replications": replications, "seed": seed, "tolerance": tolerance,
                  "out": out}
    write_sidecar(out, provenance("simulate calibrate", parameters, inputs))
    return CalibrateDone(out, result.params, result.converged)


def calibrate_years(size: int | None, figures_file: Path | None, check_size: int, params_file: Path | None,
                    replications: int, seed: int, out: Path, tracker: Tracker = SILENT,
                    on_year: Callable[[str, int, Any], None] | None = None,
                    defaults_out: Path | None = None) -> CalibrateDone:
    """Every year with a figure fitted to the published series (and `figures_file`); the year effects written, and
    with `defaults_out` the calibrated defaults (the 2005 adult and juvenile fits)."""
    from simulation.inputs.figures import FIGURES_FILE, load_figures, read_user_figures
    from simulation.inputs.params import CALIBRATED_DEFAULTS, default_params, load_params
    from simulation.questions.years import calibrate_all_years, defaults_document

    table_format(out, (".yaml", ".yml"))
    check_outputs([out, defaults_out], [figures_file, params_file])
    from simulation.runs.memory import calibration_peak_bytes, check_fits

    years_size = size or YEARS_COHORT_SIZE
    check_fits(max(years_size, check_size), peak_bytes=calibration_peak_bytes(years_size + check_size, replications,
                                                                              years=True),
               sizes=f"--size {years_size:,} and --check-size {check_size:,} with --replications {replications}",
               advice="use smaller cohorts or fewer replications")
    checks_done()
    figures = load_figures()
    if figures_file is not None:
        figures = figures.with_user(read_user_figures(figures_file))
    params = load_params(params_file) if params_file is not None else default_params()
    with tracker.status("calibrating every year (each step simulates the cohort)..."):
        effects = calibrate_all_years(figures, size or YEARS_COHORT_SIZE, check_size, seed, replications, None,
                                      params, on_year=on_year)
    with atomic_path(out) as tmp:
        tmp.write_text(effects.document(), encoding="utf-8")
    if defaults_out is not None:
        command = (f"safer simulate calibrate --years --size {size or YEARS_COHORT_SIZE} --check-size {check_size} "
                   f"--replications {replications} --seed {seed}")
        with atomic_path(defaults_out) as tmp:
            tmp.write_text(defaults_document(effects, params, command), encoding="utf-8")
    inputs = [p for p in (figures_file,) if p is not None] + [FIGURES_FILE, params_file or CALIBRATED_DEFAULTS]
    parameters = {"years": True, "size": size or YEARS_COHORT_SIZE, "check_size": check_size,
                  "figures": figures_file, "params": params_file, "replications": replications, "seed": seed,
                  "out": out, "defaults_out": defaults_out}
    write_sidecar(out, provenance("simulate calibrate", parameters, inputs))
    if defaults_out is not None:
        write_sidecar(defaults_out, provenance("simulate calibrate", parameters, inputs))
    return CalibrateDone(out)
