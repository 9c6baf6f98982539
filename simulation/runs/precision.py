"""Choosing the number of replications by precision: the automated replications algorithm of Hoad, Robinson and
Davies (2010, "Automated selection of the number of replications for a discrete-event simulation", Journal of
the Operational Research Society 61(11), 1632-1644).

Replications are added until the relative half-width of the 95% confidence interval of every headline measure,
t(n-1) x s_n / sqrt(n) / |mean|, is at most the target (e.g. 0.05) (for a probability, such as that of meeting
A.38, its absolute half-width: a probability near 0 has no useful relative precision), and stays there over a
look-ahead of f(n) = kLimit further replications (kLimit x n / 100 beyond 100 replications; kLimit = 5 as in the
paper), so that a chance early dip in the half-width does not stop the run. If the precision is lost during the
look-ahead, the search goes on from there. Replications are added `step` at a time (the number of workers, so
that they run in parallel), which can only add replications to the paper's choice. The result is bit-identical
for a seed: the replications and their seeds do not depend on the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simulation.errors import SimulationInputError

K_LIMIT = 5
INITIAL = 3


@dataclass(frozen=True)
class PrecisionRecord:
    """How the number of replications was chosen."""

    target: float
    """Relative half-width aimed at."""
    replications: int
    """Replications run in the end."""
    solution: int | None
    """The n at which the precision was reached and then held over the look-ahead (None: not reached)."""
    achieved: dict[str, float]
    """Final relative half-width of each headline measure."""
    history: list[tuple[int, float]]
    """(replications, worst relative half-width) after each step."""

    def record(self) -> dict[str, object]:
        """Plain data for the output metadata."""
        return {"target": self.target, "replications": self.replications, "solution": self.solution,
                "achieved": self.achieved, "history": self.history, "method": "Hoad, Robinson and Davies (2010)",
                "k_limit": K_LIMIT}


def relative_half_width(values: np.ndarray, level: float = 0.95) -> float:
    """t(n-1) x s / sqrt(n) / |mean| of per-replication values (inf for fewer than two or a zero mean)."""
    n = values.size
    mean = float(values.mean()) if n else 0.0
    if n < 2 or mean == 0:
        return float("inf")
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n) / abs(mean))


def absolute_half_width(values: np.ndarray, level: float = 0.95) -> float:
    """t(n-1) x s / sqrt(n) of per-replication values (inf for fewer than two)."""
    n = values.size
    if n < 2:
        return float("inf")
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))


def look_ahead(n: int) -> int:
    """The paper's f(kLimit, n)."""
    return K_LIMIT if n <= 100 else int(np.floor(K_LIMIT * n / 100))


def automated_replications(
    run: Callable[[range], pd.DataFrame],
    headline: Callable[[pd.DataFrame], dict[str, np.ndarray]],
    target: float,
    max_replications: int = 200,
    step: int = 1,
    initial: int = INITIAL,
    absolute: Callable[[pd.DataFrame], dict[str, np.ndarray]] | None = None,
) -> tuple[pd.DataFrame, PrecisionRecord]:
    """Run replications `range(a, b)` with `run` until every headline series (per-replication values, from
    `headline` on all rows so far) reaches `target` in relative half-width, and every series from `absolute`
    (probabilities) in absolute half-width; see the module docstring."""
    if not 0 < target < 1:
        raise SimulationInputError(f"--precision: {target} must be a relative half-width between 0 and 1, e.g. 0.05")
    step = max(1, step)
    frames = [run(range(0, initial))]
    n = initial
    candidate: int | None = None
    history: list[tuple[int, float]] = []
    while True:
        rows = pd.concat(frames, ignore_index=True)
        widths = {name: relative_half_width(values) for name, values in headline(rows).items()}
        if absolute is not None:
            widths |= {name: absolute_half_width(values) for name, values in absolute(rows).items()}
        worst = max(widths.values(), default=float("inf"))
        history.append((n, worst))
        if worst <= target:
            if candidate is None:
                candidate = n
            if n - candidate >= look_ahead(candidate):
                return rows, PrecisionRecord(target, n, candidate, widths, history)
        else:
            candidate = None
        if n >= max_replications:
            return rows, PrecisionRecord(target, n, None, widths, history)
        more = min(step, max_replications - n)
        frames.append(run(range(n, n + more)))
        n += more
