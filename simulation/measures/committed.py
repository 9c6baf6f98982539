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

Offences of different types are detected with different probabilities (attrition,
`params.detection_by_offence_type`), so the offences committed are not mixed like the offences detected: per
detected offence of type t, 1 / p_t are committed. `committed_mix` gives each offender's mix of offences committed
and how many are committed per detected one (the detected mix is the offender's: their serious share, and the
general or, for drug misusers, the acquisitive non-serious mix). The level stays `detection_probability`: the
model's count (detected offences over it) is rescaled by the offender's offences per detected one relative to
those of the general non-serious mix (`relative_committed`), about 1 for most offenders.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from simulation.inputs.interventions import Modifier
from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import N_SERIOUS_TYPES, OFFENCE_GROUPS, REOFFENCE_TYPES, SERIOUS_VIOLENT_GROUPS
from simulation.model.logs import CareerLog, CustodyLog
from simulation.model.rates import AgePath, AgePaths, serious_probability, serious_sexual_share

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


def detected_mix(frame: pd.DataFrame, params: ModelParams) -> np.ndarray:
    """Per offender (rows) and re-offence type (columns, `REOFFENCE_TYPES`): the share of their detected offences."""
    serious = serious_probability(frame, params)
    sexual = serious_sexual_share(frame, params)
    drug = frame["drug_misuse"].to_numpy(bool)
    shares = np.zeros((len(frame), len(REOFFENCE_TYPES)))
    for group in SERIOUS_VIOLENT_GROUPS:
        shares[:, REOFFENCE_TYPES.index(group)] = serious * (1 - sexual) * params.serious_violent_mix[group]
    shares[:, REOFFENCE_TYPES.index("serious_sexual")] = serious * sexual
    for group in OFFENCE_GROUPS:
        general, acquisitive = params.non_serious_type_mix[group], params.drug_misuse_type_mix[group]
        shares[:, REOFFENCE_TYPES.index(group)] = (1 - serious) * np.where(drug, acquisitive, general)
    return shares


def committed_mix(frame: pd.DataFrame, params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Per offender: the mix of offences committed over `REOFFENCE_TYPES` (rows summing to 1) and the offences
    committed per detected one (sum over types of detected share / detection probability).

    Every run of a projection year (its outcomes, then its money) asks for the same cohort and parameters, so the
    last few answers are kept, read-only."""
    key = (id(frame), params.model_dump_json())
    with _LOCK:  # Dask workers may be threads of one process
        found = _MIXES.pop(key, None)
    if found is None or found[0] is not frame:
        detection = np.array([params.detection_by_offence_type[t] for t in REOFFENCE_TYPES])
        weighted = detected_mix(frame, params) / detection
        per_detected = weighted.sum(axis=1)
        mix = weighted / per_detected[:, None]
        mix.setflags(write=False)
        per_detected.setflags(write=False)
        found = (frame, mix, per_detected)
    with _LOCK:
        _MIXES[key] = found  # most recently used last
        while len(_MIXES) > KEPT_MIXES:
            del _MIXES[next(iter(_MIXES))]
    return found[1], found[2]


KEPT_MIXES = 4
"""Mixes kept per process (each holds its frame, so that the key's id cannot be reused while it is kept)."""
_MIXES: dict[tuple[int, str], tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}
_LOCK = threading.Lock()


def relative_committed(per_detected: np.ndarray, params: ModelParams) -> np.ndarray:
    """Offences committed per detected one, relative to an offence of the general non-serious mix (whose detection
    probability is `detection_probability`)."""
    detection = params.detection_by_offence_type
    general = sum(share / detection[group] for group, share in params.non_serious_type_mix.items())
    return np.asarray(per_detected / general, dtype=float)


def committed_serious_share(mix: np.ndarray) -> np.ndarray:
    """The share of Table 1 offences in each offender's mix of offences committed."""
    return np.asarray(mix[:, :N_SERIOUS_TYPES].sum(axis=1), dtype=float)


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
    if career.modifiers:
        modified = np.fromiter(career.modifiers, dtype=np.int64, count=len(career.modifiers))
        total[modified] = _committed_with_modifiers_many(career.modifiers, modified, rate, ages, start, end, who,
                                                         entered, released)
    return np.asarray(total, dtype=float)


def _pieces(start: float, end: float, spells: list[tuple[float, float]], modifiers: list[Modifier]) -> list[tuple[
        float, float]]:
    """The pieces of [start, end) at liberty, cut wherever a custody spell or a programme effect starts or stops."""
    if not spells:  # most offenders on a programme: only the effects cut the follow-up
        inner = sorted({t for m in modifiers for t in (m.start, m.end) if start < t < end})
        points = [start, *inner, end]
        return [(a, b) for a, b in zip(points[:-1], points[1:], strict=True) if b > a]
    cuts = {start, end}
    for entered, released in spells:
        cuts.update((entered, released))
    for m in modifiers:
        cuts.update(t for t in (m.start, m.end) if start < t < end)
    points = sorted(t for t in cuts if start <= t <= end)
    return [(a, b) for a, b in zip(points[:-1], points[1:], strict=True)
            if b > a and not any(entered <= a and b <= released for entered, released in spells)]


def _strengths(start: np.ndarray, end: np.ndarray, decay: np.ndarray, half_life: np.ndarray, effect_days: np.ndarray,
               t: np.ndarray) -> np.ndarray:
    """`Modifier.strength` for many (modifier, day) pairs at once: one row of days per modifier."""
    elapsed = t - start[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        linear = np.maximum(0.0, 1.0 - elapsed / effect_days[:, None])
        exponential = np.exp(-np.log(2.0) * elapsed / half_life[:, None])
    shape = np.where(decay[:, None] == 0, 1.0, np.where(decay[:, None] == 1, linear, exponential))
    return np.where((start[:, None] <= t) & (t < end[:, None]), shape, 0.0)


def _committed_with_modifiers_many(
    by_offender: dict[int, list[Modifier]], modified: np.ndarray, rate: np.ndarray, ages: AgePaths,
    start: np.ndarray, end: np.ndarray, who: np.ndarray, entered: np.ndarray, released: np.ndarray,
) -> np.ndarray:
    """`_committed_with_modifiers` for every modified offender at once: the pieces are found offender by offender,
    the quadrature of every piece, at every Gauss point and under every programme effect, in a few array
    operations (it was a Python loop over points, a sixth of a scenario replication)."""
    piece_offender: list[int] = []
    piece_a: list[float] = []
    piece_b: list[float] = []
    pair_piece: list[int] = []
    pair_modifier: list[int] = []
    modifiers = [m for i in modified.tolist() for m in by_offender[i]]
    first_modifier = np.cumsum([0, *(len(by_offender[i]) for i in modified.tolist())])
    order = np.argsort(who, kind="stable")
    bounds = np.searchsorted(who[order], modified), np.searchsorted(who[order], modified, side="right")
    for k, i in enumerate(modified.tolist()):
        rows = order[bounds[0][k]:bounds[1][k]]
        spells = list(zip(entered[rows].tolist(), released[rows].tolist(), strict=True)) if rows.size else []
        for low, high in _pieces(float(start[i]), float(end[i]), spells, by_offender[i]):
            for m in range(first_modifier[k], first_modifier[k + 1]):
                pair_piece.append(len(piece_a))
                pair_modifier.append(m)
            piece_offender.append(k)
            piece_a.append(low)
            piece_b.append(high)
    totals = np.zeros(modified.size)
    if not piece_a:
        return totals
    owner = np.asarray(piece_offender)
    a, b = np.asarray(piece_a), np.asarray(piece_b)
    half, middle = (b - a) / 2, (a + b) / 2
    days = middle[:, None] + half[:, None] * GAUSS_POINTS
    person = modified[owner]
    paths = AgePaths(ages.first_slope[person][:, None], ages.kink[person][:, None], ages.second_slope[person][:, None])
    factor = np.exp(paths.log_factor(days - start[person][:, None]))
    codes = {"none": 0, "linear": 1}
    chosen = np.asarray(pair_modifier)
    params = [(m.start, m.end, codes.get(m.decay, 2), m.half_life_days or np.inf, m.effect_days, m.rate_ratio)
              for m in modifiers]
    m_start, m_end, m_decay, m_half, m_days, m_ratio = (np.asarray(column, dtype=float)[chosen]
                                                        for column in zip(*params, strict=True))
    pieces = np.asarray(pair_piece)
    effect = 1.0 + (m_ratio[:, None] - 1.0) * _strengths(m_start, m_end, m_decay, m_half, m_days, days[pieces])
    starts = np.flatnonzero(np.r_[True, pieces[1:] != pieces[:-1]])
    factor = factor * np.multiply.reduceat(effect, starts, axis=0)
    integral = half * np.sum(GAUSS_WEIGHTS * factor, axis=1)
    np.add.at(totals, owner, integral)  # pieces in order along each offender: the same sum every time
    return rate[modified] * totals


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
        total += half * float(np.sum(GAUSS_WEIGHTS * factor))  # not BLAS: the same bits on every machine
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
