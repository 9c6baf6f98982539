"""Offences committed, detected or not, as expected counts; and days in custody and under supervision.

The model draws only detected-and-sanctioned offences: an exact thinning of the offending process. The
offences an offender *commits* at liberty form a Poisson process whose rate is known at every moment
(the committed rate at the start x the age factor x each programme's rate ratio), so the expected number
committed in follow-up, given the simulated time at liberty, is the integral of that rate over the days at
liberty. That integral is what is reported: it has no Poisson noise of its own (only the noise of the
simulated custody spells and of the frailty), which is why a scenario that lowers offending but raises
detection (PPO) shows the crime it prevents even when proven re-offending barely moves.

Without programme effects the integral is closed-form (`rates.AgePaths.hazard`); with them it is taken
piece by piece between the moments an effect starts or stops, with 16-point Gauss-Legendre quadrature on
each piece, where the integrand is smooth (exact to rounding for the shapes used: exponential x linear or
exponential decay).
"""

from __future__ import annotations

import numpy as np

from simulation.inputs.interventions import Modifier
from simulation.model.logs import CareerLog, CustodyLog
from simulation.model.rates import AgePath, AgePaths

GAUSS_POINTS, GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(16)


def clipped_spells(custody: CustodyLog, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Custody spells clipped to each offender's [start, end): offender, entered, released (days)."""
    who = custody.offender
    entered = np.clip(custody.entered, start[who], end[who])
    released = np.clip(custody.released, start[who], end[who])
    keep = released > entered
    return who[keep], entered[keep], released[keep]


def custody_days(custody: CustodyLog, start: np.ndarray, follow_up_days: float) -> np.ndarray:
    """Days each offender spent in custody during follow-up."""
    who, entered, released = clipped_spells(custody, start, start + follow_up_days)
    return np.bincount(who, weights=released - entered, minlength=start.size)


def expected_committed(
    career: CareerLog, start: np.ndarray, ages: AgePaths, follow_up_days: float
) -> np.ndarray:
    """Expected offences committed (detected or not) at liberty during follow-up, per offender.

    `career.committed_rate` is each offender's committed rate per day at the start of follow-up.
    """
    rate = career.committed_rate
    n = start.size
    end = start + follow_up_days
    total = ages.hazard(rate, np.full(n, follow_up_days))
    who, entered, released = clipped_spells(career.custody, start, end)
    if who.size:
        spell_ages = AgePaths(ages.first_slope[who], ages.kink[who], ages.second_slope[who])
        inside = spell_ages.hazard(rate[who], released - start[who]) - spell_ages.hazard(
            rate[who], entered - start[who]
        )
        total = total - np.bincount(who, weights=inside, minlength=n)
    for i, modifiers in career.modifiers.items():
        spells = [(float(e), float(r)) for e, r in zip(entered[who == i], released[who == i], strict=True)]
        path = AgePath(float(ages.first_slope[i]), float(ages.kink[i]), float(ages.second_slope[i]))
        total[i] = _committed_with_modifiers(float(rate[i]), path, float(start[i]), float(end[i]), spells, modifiers)
    return np.asarray(total, dtype=float)


def _committed_with_modifiers(
    rate: float,
    path: AgePath,
    start: float,
    end: float,
    spells: list[tuple[float, float]],
    modifiers: list[Modifier],
) -> float:
    """The integral of the committed rate (age factor x every programme's rate ratio) over liberty in [start, end)."""
    cuts = {start, end}
    for entered, released in spells:
        cuts.update((entered, released))
    for m in modifiers:
        cuts.update(t for t in (m.start, m.end) if start < t < end)
    points = sorted(t for t in cuts if start <= t <= end)
    total = 0.0
    for a, b in zip(points[:-1], points[1:], strict=True):
        if b <= a or any(entered <= a and b <= released for entered, released in spells):
            continue
        half, middle = (b - a) / 2, (a + b) / 2
        days = middle + half * GAUSS_POINTS
        factor = np.array([path.factor(t - start) for t in days])
        for m in modifiers:
            factor *= np.array([1.0 + (m.rate_ratio - 1.0) * m.strength(t) for t in days])
        total += half * float(GAUSS_WEIGHTS @ factor)
    return rate * total


def supervision_days(
    supervision_end: np.ndarray, start: np.ndarray, follow_up_days: float, custody: CustodyLog
) -> np.ndarray:
    """Days under probation supervision in the community during follow-up: the index order or licence, less
    time in custody."""
    end = np.minimum(supervision_end, start + follow_up_days)
    days = np.maximum(end - start, 0.0)
    who, entered, released = clipped_spells(custody, start, np.maximum(end, start))
    return np.asarray(days - np.bincount(who, weights=released - entered, minlength=start.size), dtype=float)
