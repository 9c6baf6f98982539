"""Every figure in `figures.yaml` against the calibrated model, out of sample: the check behind docs/simulation.md.

Each calibrated year's cohort is drawn afresh (from a seed other than the calibration's) at the year's parameters
(`years.year_params`) and simulated; its frequency, binary rate and serious rate (the Rao-Blackwellised expected
count, which has far less Monte Carlo noise than the raw count of a rare event) are set beside the figures of the
whole cohort and of each published group: adults leaving custody every year, the 2004 custody leavers by sex (on
an oversampled check cohort, half of them women) and juveniles leaving custody (on a check cohort of juvenile
custody leavers). `tests/simulation/validation/test_sim_published_series.py` requires every published figure
(verbatim, reported or derived) within 3%; `docs/make_published_fit_table.py` writes the table into the docs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.inputs.cohort import YOUTH_SPEC, Cohort, generate_cohort
from simulation.inputs.figures import BASELINE_YEAR, Figure, Figures, GroupFigures
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import CohortKind
from simulation.inputs.year_effects import YearEffects
from simulation.model.streams import ReplicationStreams
from simulation.questions.calibrate import Achieved, simulate_rates
from simulation.questions.years import custody_check_spec, year_params
from simulation.runs.tasks import cohort_seed, replication_seeds

FIT_COLUMNS = ("cohort", "group", "year", "measure", "figure", "status", "simulated", "mc_se", "difference_percent")
SEED = 777_001
"""Not the calibration's seed (2004): the check is out of sample."""


def youth_custody_spec() -> object:
    """A cohort of juveniles released from custody only (for their figures' precision: they are 2% of a cohort)."""
    shares = dict.fromkeys(YOUTH_SPEC.disposal_shares, 0.0) | {"custody": 1.0}
    return YOUTH_SPEC.model_copy(update={"disposal_shares": shares})


def _rows(cohort: str, group: str, year: int, figures: dict[str, Figure | None], got: Achieved) -> list[dict]:
    simulated = {"frequency_per_100": (got.frequency_per_100, got.frequency_se),
                 "binary_rate_percent": (got.binary_rate_percent, got.binary_se),
                 "serious_per_100": (got.serious_per_100_expected, got.serious_expected_se)}
    out = []
    for measure, figure in figures.items():
        if figure is None or figure.value is None:
            continue
        value, se = simulated[measure]
        out.append({"cohort": cohort, "group": group, "year": year, "measure": measure, "figure": figure.value,
                    "status": figure.status, "simulated": value, "mc_se": se,
                    "difference_percent": 100 * (value / figure.value - 1)})
    return out


def _group(group: GroupFigures | None) -> dict[str, Figure | None]:
    if group is None:
        return {}
    return {"frequency_per_100": group.frequency_per_100, "binary_rate_percent": group.binary_rate_percent}


def _simulate(kind: CohortKind, size: int, seed: int, params: ModelParams, replications: int, spec: object = None,
              masks: dict[str, str] | None = None) -> dict[str, Achieved]:
    cohort: Cohort = generate_cohort(kind, size, cohort_seed(seed), spec)  # type: ignore[arg-type]
    frame = cohort.frame
    groups = {name: (frame["disposal"] == disposal).to_numpy() for name, disposal in (masks or {}).items()}
    streams = [ReplicationStreams(s, cohort.size) for s in replication_seeds(seed, replications)]
    return simulate_rates(cohort, params, streams, groups)


def published_fit(figures: Figures, effects: YearEffects, params: ModelParams, size: int = 40_000,
                  check_size: int = 30_000, replications: int = 5, seed: int = SEED) -> pd.DataFrame:
    """One row per figure of a calibrated year (columns `FIT_COLUMNS`); see the module docstring."""
    rows: list[dict] = []
    kinds: tuple[CohortKind, ...] = ("adult", "youth")
    for kind in kinds:
        for year in figures.years(kind):
            year_parameters, status = year_params(effects, figures, kind, year, params)
            if status != "calibrated":
                continue
            masks = {"custody": "custody"} if kind == "adult" and year in figures.adult_custody else {}
            got = _simulate(kind, size, seed + year, year_parameters, replications, masks=masks)
            rows += _rows(kind, "all", year, dict(getattr(figures, kind)[year]), got["all"])
            if masks:
                rows += _rows(kind, "custody", year, _group(figures.adult_custody[year]), got["custody"])
            if kind == "adult" and year == BASELINE_YEAR:
                check = generate_cohort("adult", check_size, cohort_seed(seed), custody_check_spec())
                sexes = {sex: ((check.frame["sex"] == sex) & (check.frame["disposal"] == "custody")).to_numpy()
                         for sex in ("male", "female")}
                streams = [ReplicationStreams(s, check.size) for s in replication_seeds(seed, replications)]
                by_sex = simulate_rates(check, year_parameters, streams, sexes)
                for sex, label in (("male", "custody, men"), ("female", "custody, women")):
                    rows += _rows(kind, label, year, _group(figures.custody_leavers_2004[sex]),  # type: ignore[index]
                                  by_sex[sex])
            if kind == "youth" and year in figures.youth_custody:
                got = _simulate("youth", check_size, seed + 2 * year, year_parameters, replications,
                                youth_custody_spec(), {"custody": "custody"})
                rows += _rows(kind, "custody", year, _group(figures.youth_custody[year]), got["custody"])
            if kind == "youth" and year in figures.youth_community:
                got = _simulate("youth", size, seed + 3 * year, year_parameters, replications,
                                masks={"community": "community"})
                rows += _rows(kind, "community", year, _group(figures.youth_community[year]), got["community"])
    table = pd.DataFrame(rows, columns=list(FIT_COLUMNS))
    return table.sort_values(["cohort", "group", "measure", "year"], kind="stable").reset_index(drop=True)


def markdown(table: pd.DataFrame) -> str:
    """The table for docs/simulation.md."""
    lines = ["| cohort | group | year | measure | figure (status) | simulated (MC s.e.) | difference |",
             "|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        digits = 2 if r.measure == "serious_per_100" else 1
        lines.append(f"| {r.cohort} | {r.group} | {r.year} | {r.measure} | {r.figure:.{digits}f} ({r.status}) | "
                     f"{r.simulated:.{digits + 1}f} ({r.mc_se:.{digits + 1}f}) | {r.difference_percent:+.1f}% |")
    return "\n".join(lines)


def within(table: pd.DataFrame, tolerance: float = 0.03) -> np.ndarray:
    """Whether each row is within `tolerance` (relative) of its figure."""
    return np.asarray(np.abs(table["simulated"] / table["figure"] - 1) <= tolerance)
