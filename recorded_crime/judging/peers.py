"""Each area against its most similar group: a benchmark, limits of random variation, a flag, a rank, A.20.

The benchmark is set from the base-year (2007-08) rates per 1,000 of the area's peers, the other members of its
most similar group (A.19, 000:568; 3.19 speaks of "a maximum benchmark based on the crime levels of similar areas
elsewhere", 000:199). How APACS set it was not found, so the rule is a choice: the mean of the peers' rates by
default (as iQuanta's most-similar-group average is usually described), or `pooled` (the peers' offences over their
population), `median`, or `quantile:Q` (e.g. quantile:0.75 for a "maximum" benchmark that most areas are below,
as A.19 says they will be). The area itself is not among its peers, so no area is compared with itself.

Limits say how far an area's count may stray from the benchmark by chance: the expected count at the benchmark
rate, E = benchmark x population / 1,000, and the counts it could give, E +/- z x sqrt(phi x E) with the area's own
dispersion phi from its monthly series (`variation="overdispersed"`, the default), or the exact Poisson limits
(`"poisson"`, to be chosen knowingly: real counts vary more). They are drawn as a funnel of rates; an area beyond
the 95% limits is flagged above or below its benchmark, and the 99.8% limits are given too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recorded_crime.errors import CrimeInputError
from recorded_crime.judging.a20 import AgreedTargets, a20_status, trajectory_target
from recorded_crime.judging.quasi_poisson import MIN_DF, fit_year_season, require_long_enough
from recorded_crime.judging.years import by_year_and_season, require_comparable, usable_years
from recorded_crime.rates.poisson import exact_interval, poisson_quantile
from recorded_crime.rates.series import IndicatorSeries
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.groups import Groups
from recorded_crime.reading.periods import year_label
from recorded_crime.reading.population import Population

VARIATIONS = ("overdispersed", "poisson")


@dataclass(frozen=True)
class PeerSettings:
    """How areas are set against their groups."""

    base: int
    """Benchmark year (2007 for 2007-08)."""
    current: int
    """End of the period for the A.20 status."""
    rule: str = "mean"
    """Benchmark rule: mean, pooled, median or quantile:Q."""
    variation: str = "overdispersed"
    """Limits from the area's own dispersion, or Poisson."""
    level: float = 0.95
    """Level of the inner limits and the rate interval."""
    lag: int = 0
    """Population lag in years."""
    reach_by: int = 2012
    """Year the assumed trajectory reaches the benchmark (when no agreed target is given)."""
    min_df: int = MIN_DF
    """Fewest residual degrees of freedom for the dispersion."""


def parse_rule(rule: str) -> tuple[str, float | None]:
    """A benchmark rule as (kind, quantile).

    >>> parse_rule("mean"), parse_rule("quantile:0.75")
    (('mean', None), ('quantile', 0.75))
    """
    kind, _, value = rule.partition(":")
    if kind in ("mean", "pooled", "median") and not value:
        return kind, None
    if kind == "quantile":
        try:
            q = float(value)
        except ValueError:
            q = -1.0
        if 0 < q < 1:
            return kind, q
    raise CrimeInputError(f"--benchmark {rule}: use mean, pooled, median or quantile:Q with 0 < Q < 1 "
                          "(e.g. quantile:0.75).")


def benchmarks(rates: np.ndarray, counts: np.ndarray, people: np.ndarray, members: list[list[int]], rule: str,
               rate_per: int) -> np.ndarray:
    """Each area's benchmark from its peers' base-year rates.

    >>> benchmarks(np.array([1.0, 2.0, 3.0, 6.0]), np.array([1, 2, 3, 6.0]), np.full(4, 1000.0),
    ...            [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]], "mean", 1000).tolist()
    [3.6666666666666665, 3.3333333333333335, 3.0, 2.0]
    """
    kind, q = parse_rule(rule)
    out = np.empty(len(members))
    for i, peers in enumerate(members):
        if kind == "mean":
            out[i] = rates[peers].mean()
        elif kind == "pooled":
            out[i] = counts[peers].sum() / people[peers].sum() * rate_per
        elif kind == "median":
            out[i] = np.median(rates[peers])
        else:
            out[i] = np.quantile(rates[peers], q)  # type: ignore[arg-type]
    return out


def _dispersion(series: IndicatorSeries, cube: CountCube, settings: PeerSettings) -> np.ndarray:
    if settings.variation == "poisson":
        return np.ones(len(cube.areas))
    years = usable_years(cube, series.types)
    require_long_enough(years, cube.per_year, f"{series.indicator.id} total in {cube.source} (for the peer limits; "
                        "--variation poisson uses Poisson limits instead, knowingly)", settings.min_df)
    fit = fit_year_season(by_year_and_season(series.total, cube, years))
    return np.asarray(np.maximum(fit.dispersion, 1.0))


def _limits(expected: np.ndarray, phi: np.ndarray, probability: float, variation: str) -> tuple[np.ndarray, np.ndarray]:
    if variation == "poisson":
        return poisson_quantile(1 - probability, expected), poisson_quantile(probability, expected)
    from statistics import NormalDist

    z = NormalDist().inv_cdf(probability)
    spread = z * np.sqrt(phi * expected)
    return np.maximum(expected - spread, 0.0), expected + spread


def peer_table(series: IndicatorSeries, cube: CountCube, population: Population, groups: Groups,
               settings: PeerSettings, targets: AgreedTargets | None = None) -> pd.DataFrame:
    """One row per area: base rate, benchmark, limits, flag, rank in group, and the A.20 status at `current`."""
    if settings.variation not in VARIATIONS:
        raise CrimeInputError(f"--variation {settings.variation}: use overdispersed or poisson.")
    indicator = series.indicator
    require_comparable(settings.base, series.types, "--base", indicator.id)
    cube.require_year(settings.base, "--base")
    cube.require_year(settings.current, "--current")
    areas = cube.areas
    base_counts = series.total[:, cube.year_slice(settings.base)].sum(axis=1)
    current_counts = series.total[:, cube.year_slice(settings.current)].sum(axis=1)
    people = population.lookup(areas, np.array([settings.base - settings.lag, settings.current - settings.lag]))
    if np.isnan(people).any():
        i, j = np.argwhere(np.isnan(people))[0]
        raise CrimeInputError(f"{population.path}: area {areas[i]} has no population for mid-"
                              f"{[settings.base, settings.current][j] - settings.lag}.")
    per = indicator.rate_per
    base_rate, current_rate = base_counts / people[:, 0] * per, current_counts / people[:, 1] * per
    position = {a: i for i, a in enumerate(areas)}
    members = []
    for area in areas:
        group = groups.members.get(area)
        if group is None or any(m not in position for m in group):
            raise CrimeInputError(f"{groups.path}: area {area} has no most similar group of areas with counts (run "
                                  "`safer crime validate` with --groups for every problem).")
        members.append([position[m] for m in group[1:]])
    benchmark = benchmarks(base_rate, base_counts, people[:, 0], members, settings.rule, per)
    phi = _dispersion(series, cube, settings)
    expected = benchmark * people[:, 0] / per
    inner = 0.5 + settings.level / 2
    low95, high95 = _limits(expected, phi, inner, settings.variation)
    low998, high998 = _limits(expected, phi, 0.999, settings.variation)
    lower, upper = exact_interval(base_counts, settings.level)
    flag = np.where(base_counts > high95, "above benchmark beyond random variation",
                    np.where(base_counts < low95, "below benchmark beyond random variation", "within limits"))
    rank = np.array([1 + int((base_rate[m] < base_rate[i]).sum()) for i, m in enumerate(members)])
    assumed = trajectory_target(base_rate, benchmark, settings.base, settings.current, settings.reach_by)
    agreed = np.array([np.nan if targets is None or targets.get(indicator.id, a) is None
                       else targets.get(indicator.id, a) for a in areas], dtype=float)
    target = np.where(np.isnan(agreed), assumed, agreed)
    subject = base_rate > benchmark
    source = np.where(~subject, "", np.where(np.isnan(agreed), f"assumed: straight line to the benchmark by "
                                             f"{year_label(settings.reach_by)}", "agreed target"))
    return pd.DataFrame({
        "indicator": indicator.id, "indicator_title": indicator.title, "area": areas,
        "group": [groups.names.get(a, a) for a in areas], "group_size": [len(m) + 1 for m in members],
        "peers": [";".join(areas[j] for j in m) for m in members],
        "base_period": year_label(settings.base), "base_count": base_counts, "base_population": people[:, 0],
        "base_rate": base_rate, "rate_ci_lower": lower / people[:, 0] * per,
        "rate_ci_upper": upper / people[:, 0] * per,
        "benchmark": benchmark, "benchmark_rule": settings.rule, "rate_difference": base_rate - benchmark,
        "expected_at_benchmark": expected, "dispersion_used": phi, "variation": settings.variation,
        "limit_lower": low95 / people[:, 0] * per, "limit_upper": high95 / people[:, 0] * per,
        "limit_998_lower": low998 / people[:, 0] * per, "limit_998_upper": high998 / people[:, 0] * per,
        "flag": flag, "rank": rank,
        "current_period": year_label(settings.current), "current_count": current_counts,
        "current_population": people[:, 1], "current_rate": current_rate,
        "subject_to_a20": subject, "target_rate": np.where(subject, target, np.nan), "target_source": source,
        "a20_status": a20_status(base_rate, current_rate, benchmark, target),
    })
