"""Does the change test keep its promise? False alarms when nothing changes, and power at chosen effects.

Synthetic areas are drawn with known truth (`draw`): level expected counts with seasons and overdispersion and no
change at all, then the same with every area changed by a chosen factor in the current year. The change test of
`safer crime change` is run on each area's indicator total, exactly as the command runs it, and the share of areas
it calls changed (two-sided, at 1 - level) is reported with a Clopper-Pearson interval: about 5% with no change if
the test holds its size, and the power at each effect. The plain Poisson test is run beside it, to show how often
it raises a false alarm on overdispersed counts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from recorded_crime.codes.catalogue import load_catalogue
from recorded_crime.judging.change import ChangeSettings, series_change
from recorded_crime.rates.series import indicator_series
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.periods import year_label
from recorded_crime.synthetic.draw import CrimeSynthSettings, draw_crime
from recorded_crime.synthetic.offences import TYPES

FAMILY = {"PSA23_1": "violence", "NI15": "violence", "PSA23_2": "acquisitive", "NI16": "acquisitive"}
"""The synthetic family whose types make up each indicator the check can run on."""


@dataclass(frozen=True)
class CheckSettings:
    """What the check draws and tests."""

    areas: int = 400
    """Areas per scenario."""
    first_year: int = 2005
    """First financial year of the series."""
    last_year: int = 2010
    """Last financial year."""
    base: int = 2007
    """Base year of the test."""
    current: int = 2010
    """Current year of the test."""
    effects: tuple[float, ...] = (0.85, 0.9, 1.1, 1.15)
    """True changes (factors on the current year) at which power is measured."""
    indicator: str = "PSA23_2"
    """The indicator whose total is tested."""
    level: float = 0.95
    """The test's level: it should reject in 1 - level of unchanged areas."""
    seed: int = 2011
    """Random seed."""


def clopper_pearson(rejected: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact interval for a proportion.

    >>> [round(v, 4) for v in clopper_pearson(20, 400)]  # R: binom.test(20, 400)$conf.int = 0.030805 0.076167
    [0.0308, 0.0762]
    """
    from scipy import special

    alpha = 1 - level
    lower = 0.0 if rejected == 0 else float(special.betaincinv(rejected, n - rejected + 1, alpha / 2))
    upper = 1.0 if rejected == n else float(special.betaincinv(rejected + 1, n - rejected, 1 - alpha / 2))
    return lower, upper


def _cube(drawn: object, settings: CrimeSynthSettings) -> CountCube:
    return CountCube(Path("synthetic"), "month", list(drawn.areas["area"]),  # type: ignore[attr-defined]
                     settings.first_year * 12, drawn.codes, drawn.values)  # type: ignore[attr-defined]


def change_check(settings: CheckSettings) -> pd.DataFrame:
    """One row per scenario and test: areas, areas called changed, the share and its interval."""
    from recorded_crime.errors import CrimeInputError

    family = FAMILY.get(settings.indicator)
    if family is None:
        raise CrimeInputError(f"--indicator {settings.indicator}: the check runs on {', '.join(FAMILY)}.")
    if not settings.first_year <= settings.base < settings.current <= settings.last_year:
        raise CrimeInputError(f"the base {year_label(settings.base)} and current {year_label(settings.current)} must "
                              f"lie in order inside {year_label(settings.first_year)} to "
                              f"{year_label(settings.last_year)}.")
    catalogue = load_catalogue()
    draw = CrimeSynthSettings(areas=settings.areas, first_year=settings.first_year, last_year=settings.last_year,
                              seed=settings.seed, change_share=0.0, trend=False, population_growth=False,
                              changed_family=family,
                              change_from=settings.current)
    scenarios = [("no change", 1.0, draw)] + [
        (f"every area x {effect:g} in {year_label(settings.current)}", effect,
         replace(draw, change_share=1.0, effect=effect, seed=settings.seed + 1 + i))
        for i, effect in enumerate(settings.effects)]
    alpha = 1 - settings.level
    rows = []
    for name, effect, scenario in scenarios:
        drawn = draw_crime(scenario, long_table=False)
        cube = _cube(drawn, scenario)
        series = indicator_series(cube, catalogue, [settings.indicator])[0]
        table = series_change(series, cube, ChangeSettings(settings.base, settings.current, settings.level))
        total = table[table["crime_type"] == "all"]
        for test, column in (("quasi-Poisson (safer crime change)", "p_value"), ("plain Poisson", "p_value_poisson")):
            rejected = int((total[column] < alpha).sum())
            lower, upper = clopper_pearson(rejected, len(total))
            rows.append({"scenario": name, "true_ratio": effect, "indicator": settings.indicator, "test": test,
                         "areas": len(total), "rejected": rejected, "rejection_rate": rejected / len(total),
                         "ci_lower": lower, "ci_upper": upper, "nominal_level": alpha,
                         "what": "false-alarm rate" if effect == 1.0 else "power",
                         "median_dispersion": float(np.nanmedian(total["dispersion"]))})
    return pd.DataFrame(rows)


def synthetic_types(family: str) -> list[str]:
    """The synthetic offence types of a family (for the check's documentation)."""
    return [t.id for t in TYPES if t.family == family]
