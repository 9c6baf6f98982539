"""What a projection is: the years, cohorts, sizes, scenarios, figures and year effects of `safer simulate project`.

A `ProjectionSpec` holds everything a projection needs and decides, for every (cohort kind, year), the cohort's
recipe and the runs (baseline and the scenarios active that year) that `project.py` executes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from simulation.errors import SimulationInputError
from simulation.inputs.drift import spec_for_year
from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR, Figures
from simulation.inputs.interventions import BASELINE, Scenario
from simulation.inputs.params import ModelParams
from simulation.inputs.trends import Trend, default_trends
from simulation.inputs.year_effects import YearEffects
from simulation.measures.costs import UnitCosts
from simulation.questions.years import custody_check_spec, year_params
from simulation.runs.runner import scenario_runs
from simulation.runs.tasks import CohortRecipe, Point, Run

DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, DEFAULT_START_YEAR = 2000, 2011, 2008


DEFAULT_ADULT_SIZE, DEFAULT_YOUTH_SIZE, DEFAULT_CHECK_SIZE = 10_000, 6_000, 20_000


DEFAULT_REPLICATIONS = 8
CHECK_COHORT = "adult custody leavers"
REFINE_STEPS = 3
"""Simulation steps that re-fit each calibrated year to a draw's figures under its model assumptions."""
TREND_PREFIX = "trend "
"""Runs of the 2011 baseline under another trend (the trend-sensitivity table) are named `trend <label>`."""
FLAT, RISING = 1.0, 1.03
"""Trend settings beside the fitted interval in the trend-sensitivity table: no change, and a 3% yearly rise."""


@dataclass(frozen=True)
class ProjectionSpec:
    """Everything a projection needs."""

    params: ModelParams
    """Model parameters (the year effects are applied on top)."""
    figures: Figures
    """Figures the years are calibrated to (published, assumed, the user's)."""
    effects: YearEffects
    """Calibrated year effects."""
    scenarios: list[Scenario] = field(default_factory=list)
    """Scenarios compared with the baseline."""
    scenario_sources: list[str] = field(default_factory=list)
    """Where each scenario came from (for messages)."""
    first_year: int = DEFAULT_FIRST_YEAR
    """First cohort year."""
    last_year: int = DEFAULT_LAST_YEAR
    """Last cohort year."""
    start_year: int = DEFAULT_START_YEAR
    """First year of every scenario without a start year of its own."""
    adult_size: int = DEFAULT_ADULT_SIZE
    """Adults simulated per year."""
    youth_size: int = DEFAULT_YOUTH_SIZE
    """Youths simulated per year."""
    check_size: int = DEFAULT_CHECK_SIZE
    """Offenders of the 2004 custody-leaver check cohort (half of them women)."""
    seed: int = 2004
    """Master seed."""
    drift: pd.DataFrame | None = None
    """Cohort drift by year (`drift.read_drift`)."""
    unit_costs: UnitCosts | None = None
    """Unit costs for the money."""
    trends: Mapping[str, float] | None = None
    """Yearly trend factor after the last figure, per kind (`--trend`); None: the trends fitted to the figures."""
    trend_sensitivity: bool = True
    """Also run the 2011 baseline under other trends, for the table of P(A.38) against the trend."""

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise SimulationInputError(
                f"--from-year {self.first_year} and --to-year {self.last_year}: the years are reversed"
            )
        if not self.first_year <= BASELINE_YEAR or not self.last_year >= TARGET_YEAR:
            raise SimulationInputError(
                f"--from-year {self.first_year} to --to-year {self.last_year}: the projection must cover "
                f"{BASELINE_YEAR} and {TARGET_YEAR}, the years A.38 compares"
            )

    def fitted_trends(self) -> dict[str, Trend]:
        """The trends fitted to the figures, by kind."""
        return default_trends(self.figures)

    def trend_factors(self) -> dict[str, float]:
        """The yearly factor each kind follows after its last figure: `--trend`, else the fitted one."""
        fitted = {kind: trend.factor for kind, trend in self.fitted_trends().items()}
        return {**fitted, **dict(self.trends or {})}

    def trend_variants(self) -> dict[str, dict[str, float]]:
        """The settings of the trend-sensitivity table, by run name: each kind at the low and high ends of its
        fitted 95% interval, flat, and rising 3% a year (the central setting is the baseline itself)."""
        if not self.trend_sensitivity:
            return {}
        fitted = self.fitted_trends()
        central = self.trend_factors()
        out = {}
        for label, end in (("fitted low", 0), ("fitted high", 1)):
            out[TREND_PREFIX + label] = {kind: trend.interval[end] for kind, trend in fitted.items()}
        out[TREND_PREFIX + "flat"] = {kind: FLAT for kind in ("adult", "youth")}
        out[TREND_PREFIX + "rising 3%"] = {kind: RISING for kind in ("adult", "youth")}
        return {name: {**central, **factors} for name, factors in out.items()}

    def scenario_start(self, scenario: Scenario) -> int:
        """The first year a scenario runs."""
        return scenario.start_year if scenario.start_year is not None else self.start_year

    def recipe(self, kind: str, year: int) -> CohortRecipe:
        """The cohort of one kind in one year."""
        spec = spec_for_year(kind, year, self.drift)
        size = self.adult_size if kind == "adult" else self.youth_size
        return CohortRecipe(kind, size, self.seed, spec, spec.national_size)  # type: ignore[arg-type]

    def check_recipe(self) -> CohortRecipe:
        """The 2004 custody-leaver check cohort (its rates are per offender, so its size is its own)."""
        return CohortRecipe("adult", self.check_size, self.seed + 1, custody_check_spec(), None)


def projection_points(spec: ProjectionSpec) -> tuple[list[Point], dict[tuple[str, int], str]]:
    """One point per cohort kind (every year, baseline and active scenarios), and the check cohort's point;
    and the calibration status of every (kind, year)."""
    points: list[Point] = []
    status: dict[tuple[str, int], str] = {}
    trend = spec.trend_factors()
    for kind in ("adult", "youth"):
        runs: list[Run] = []
        for year in range(spec.first_year, spec.last_year + 1):
            params, status[(kind, year)] = year_params(spec.effects, spec.figures, kind, year, spec.params, trend)
            active = [
                (scenario, source)
                for scenario, source in zip(spec.scenarios, spec.scenario_sources, strict=True)
                if year >= spec.scenario_start(scenario) and scenario.affects(kind)
            ]
            labels = (("year", year), ("cohort", kind))
            runs += scenario_runs(
                params, [s for s, _ in active], [src for _, src in active] or "scenario",
                labels=labels, cohort=spec.recipe(kind, year),
            )
            if year == TARGET_YEAR:
                for name, factors in spec.trend_variants().items():
                    variant, _ = year_params(spec.effects, spec.figures, kind, year, spec.params, factors)
                    runs.append(Run(trend_run(name), variant, labels, spec.recipe(kind, year)))
        points.append(((("cohort", kind),), runs))
    params_2004, _ = year_params(spec.effects, spec.figures, "adult", BASELINE_YEAR, spec.params, trend)
    check = scenario_runs(params_2004, None, labels=(("year", BASELINE_YEAR), ("cohort", CHECK_COHORT)),
                          cohort=spec.check_recipe())
    points.append(((("cohort", CHECK_COHORT),), check))
    return points, status


def trend_run(name: str) -> Scenario:
    """The baseline under another trend: no interventions, a name of its own."""
    return BASELINE.model_copy(update={"name": name})


def national_sizes(spec: ProjectionSpec) -> dict[tuple[str, int], tuple[int, int]]:
    """(simulated, national) size of every (kind, year) cohort."""
    out = {}
    for kind in ("adult", "youth"):
        for year in range(spec.first_year, spec.last_year + 1):
            recipe = spec.recipe(kind, year)
            out[(kind, year)] = (recipe.size, int(recipe.national_size or recipe.size))
    return out
