"""The Measurement Annex's "minimum movement required for performance assessment".

Each survey indicator in the PSA 23 Annex gives a "95 per cent confidence interval at last outturn" and the
smallest movement that would count as real (000:605-609, 000:621). For indicator 4: "Year ending Mar 2007:
17.5 +/- 0.6 per cent" and "From 17.5 to 16.6 per cent" (000:632-634). The arithmetic that fits: a change
is significant when it exceeds z x sqrt(SE_base^2 + SE_next^2); with the next year measured as precisely
as the last, z x sqrt(2) x SE = sqrt(2) x the half-width. The published half-width 0.6 is rounded: an
unrounded 0.63 gives 17.5 - 0.89 = 16.6; exactly 0.60 would give 16.65.

Estimates here are on the scale of the estimate table (proportions in [0, 1]); the functions are scale-free.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from survey.errors import SurveyInputError
from survey.estimation.intervals import normal_quantile
from survey.questionnaire.schema import Polarity


def z_quantile(level: float) -> float:
    """The two-sided normal quantile for a confidence level (1.959964 at 0.95)."""
    if not 0 < level < 1:
        raise SurveyInputError(f"confidence level {level} must be between 0 and 1.")
    return float(normal_quantile(0.5 + level / 2))


def minimum_movement(base_se: ArrayLike, next_se: ArrayLike | None = None, level: float = 0.95) -> np.ndarray:
    """Smallest change from the base that would be significant: z x sqrt(base_se^2 + next_se^2).

    `next_se` is the SE expected for the next period; by default the same as the base's.

    >>> round(float(minimum_movement(0.63 / z_quantile(0.95))), 4)
    0.891
    """
    base = np.asarray(base_se, dtype=np.float64)
    following = base if next_se is None else np.asarray(next_se, dtype=np.float64)
    result: np.ndarray = z_quantile(level) * np.sqrt(base**2 + following**2)
    return result


def threshold_level(base_estimate: ArrayLike, movement: ArrayLike, polarity: Polarity | None) -> np.ndarray:
    """The level to reach: the base moved by `movement` in the improving direction (down when lower is
    better; up otherwise, including when the polarity is unknown)."""
    base = np.asarray(base_estimate, dtype=np.float64)
    step = np.asarray(movement, dtype=np.float64)
    result: np.ndarray = base - step if polarity == "lower_is_better" else base + step
    return result


def expected_se(base_se: ArrayLike, base_n: ArrayLike, next_n: float | None) -> np.ndarray:
    """The SE expected for the next period: the base's, scaled by sqrt(base_n / next_n) for a planned
    sample of `next_n` (same design, same allocation; None keeps the base's precision)."""
    base = np.asarray(base_se, dtype=np.float64)
    if next_n is None:
        return base
    if next_n <= 0:
        raise SurveyInputError(f"--next-n {next_n} must be a positive sample size.")
    result: np.ndarray = base * np.sqrt(np.asarray(base_n, dtype=np.float64) / next_n)
    return result


def annex_threshold(estimate: float, half_width: float, polarity: Polarity = "lower_is_better",
                    level: float = 0.95) -> float:
    """The Annex's "from X to Y" for an estimate published with a CI half-width at `level`.

    >>> round(annex_threshold(17.5, 0.63), 1), round(annex_threshold(17.5, 0.60), 2)
    (16.6, 16.65)
    """
    se = half_width / z_quantile(level)
    return float(threshold_level(estimate, minimum_movement(se, level=level), polarity))
