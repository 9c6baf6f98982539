"""The trend after the last published year, fitted to the published series with its uncertainty.

For each cohort kind, the log of the published frequency per 100 offenders (figures with evidence: verbatim,
reported, derived or the user's; never an assumed one) is regressed by least squares on the year. The slope's
exponential is the yearly factor by which the base offending rate moves after the last year with a figure; its
uncertainty is the slope's t-distribution (n - 2 degrees of freedom), truncated to its 95% interval, which
`--uncertainty` draws from and `--trend` overrides. With the bundled figures: adults 2000-2006 (five published
years), 0.952 a year (95% interval 0.877-1.035); juveniles 2000, 2005 and 2006, 0.965 (0.926-1.005).

The fit is a straight line through a short, bumpy series (the adult rate rose from 2000 to 2002, then fell), so
its interval is wide; the post-2008 MoJ series was revised (its 2000 base differs) and is not spliced on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulation.inputs.figures import Figures
from simulation.inputs.uncertainty import Range

TREND_LEVEL = 0.95
"""Coverage of the trend's interval, and of the truncated t-distribution it is drawn from."""


@dataclass(frozen=True)
class Trend:
    """A fitted yearly factor and its uncertainty."""

    kind: str
    """adult or youth."""
    factor: float
    """exp(slope): the yearly factor on the base offending rate after the last figure."""
    log_slope: float
    """The fitted slope of log frequency on year."""
    log_se: float
    """Its standard error."""
    df: int
    """Degrees of freedom of its t-distribution (published years - 2)."""
    years: tuple[int, ...]
    """The years fitted."""

    @property
    def interval(self) -> tuple[float, float]:
        """The factor's 95% interval."""
        half = float(stats.t.ppf(0.5 + TREND_LEVEL / 2, self.df)) * self.log_se
        return float(np.exp(self.log_slope - half)), float(np.exp(self.log_slope + half))

    @property
    def source(self) -> str:
        """How the trend was obtained."""
        low, high = self.interval
        return (f"fitted: log-linear least squares on the published {self.kind} frequency per 100, "
                f"{', '.join(map(str, self.years))}: {self.factor:.3f} a year (95% interval {low:.3f}-{high:.3f}, "
                f"t with {self.df} df)")

    def range(self) -> Range:
        """The trend as an assumption drawn by `--uncertainty`: the truncated t-distribution of its slope."""
        low, high = self.interval
        return Range(f"trend.{self.kind}", self.factor, low, high, self.source, log_sd=self.log_se, df=self.df)


def fitted_trend(figures: Figures, kind: str) -> Trend | None:
    """The trend fitted to a kind's published frequencies; None with fewer than three published years."""
    points = [(year, figure.value) for year, measures in getattr(figures, kind).items()
              if (figure := measures.get("frequency_per_100")) is not None and figure.value is not None
              and figure.is_evidence]
    if len(points) < 3:
        return None
    points.sort()
    years = np.array([p[0] for p in points], dtype=float)
    logs = np.log(np.array([p[1] for p in points], dtype=float))
    centred = years - years.mean()
    slope = float((centred * (logs - logs.mean())).sum() / (centred**2).sum())
    residuals = logs - logs.mean() - slope * centred
    df = len(points) - 2
    se = float(np.sqrt((residuals**2).sum() / df / (centred**2).sum()))
    return Trend(kind, float(np.exp(slope)), slope, se, df, tuple(int(y) for y in years))


def default_trends(figures: Figures) -> dict[str, Trend]:
    """The fitted trend of each kind that has one."""
    out = {}
    for kind in ("adult", "youth"):
        trend = fitted_trend(figures, kind)
        if trend is not None:
            out[kind] = trend
    return out


def parse_trend(text: str) -> dict[str, float]:
    """`--trend`: one factor for both kinds ('0.97') or per kind ('adult=0.97,youth=0.99')."""
    from simulation.errors import SimulationInputError

    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, value = part.rpartition("=")
        kinds = [name.strip()] if name else ["adult", "youth"]
        try:
            factor = float(value)
        except ValueError:
            raise SimulationInputError(f"--trend {text!r}: {value!r} is not a number (e.g. 0.97 or "
                                       "adult=0.97,youth=0.99)") from None
        if not 0.5 <= factor <= 1.5:
            raise SimulationInputError(f"--trend {text!r}: a yearly factor of {factor:g} is outside 0.5-1.5")
        for kind in kinds:
            if kind not in ("adult", "youth"):
                raise SimulationInputError(f"--trend {text!r}: {kind!r} is not adult or youth")
            out[kind] = factor
    if not out:
        raise SimulationInputError("--trend: give a factor, e.g. 0.97 or adult=0.97,youth=0.99")
    return out
