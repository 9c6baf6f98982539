"""What happens to each detected offence: sanction, offence type, lag to proof, and custody.

None of this depends on when the offence happens, so the outcome of offender i's k-th detected offence is
worked out in one vectorised pass from that offender's k-th random numbers (common random numbers: the
k-th offence is dealt with the same way in every scenario). Time-dependent effects (a programme's court
lag ratio) are applied by the model when the offence happens.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulation.params import ModelParams
from simulation.rates import non_serious_cumulative_shares
from simulation.vocabulary import COURT_CONVICTION, PENALTY_NOTICE, PRE_COURT, SERIOUS_TYPE

Outcome = tuple[int, int, float, float]  # (sanction code, offence type code, lag days, days to serve or 0)


@dataclass(frozen=True)
class OutcomeRules:
    """Shares and distributions that decide an offence's outcome, for one cohort kind."""

    court_share: float
    """Share of detected offences dealt with by a court."""
    pre_court_share: float
    """Share dealt with by a caution (adult) or reprimand or final warning (youth)."""
    params: ModelParams
    """The model parameters."""

    @cached_property
    def non_serious_cumulative(self) -> list[float]:
        """Cumulative shares of the non-serious type mix (see `rates.non_serious_cumulative_shares`)."""
        return non_serious_cumulative_shares(self.params)


def offence_outcomes(
    rules: OutcomeRules,
    serious_probability: np.ndarray,
    u_sanction: np.ndarray,
    u_type: np.ndarray,
    z_lag: np.ndarray,
    u_custody: np.ndarray,
    z_served: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays (same shape as the draws) of sanction code, type code, lag days and days to serve (0 = none).

    `serious_probability` broadcasts against the draws (one value per offender row).
    """
    p = rules.params
    court = u_sanction < rules.court_share
    sanction = np.where(
        court,
        COURT_CONVICTION,
        np.where(u_sanction < rules.court_share + rules.pre_court_share, PRE_COURT, PENALTY_NOTICE),
    )
    s = np.broadcast_to(serious_probability, u_type.shape)
    serious = u_type < s
    cumulative = np.asarray(non_serious_cumulative_shares(p))
    rescaled = (u_type - s) / np.maximum(1.0 - s, 1e-300)
    group = np.minimum(np.searchsorted(cumulative, rescaled, side="right"), cumulative.size - 1)
    offence_type = np.where(serious, SERIOUS_TYPE, 1 + group)
    court_lag = p.court_lag_median_days * np.exp(p.court_lag_sigma * z_lag)
    pre_court_lag = p.pre_court_lag_median_days * np.exp(p.pre_court_lag_sigma * z_lag)
    lag = np.where(court, court_lag, pre_court_lag)
    p_custody = np.where(serious, p.serious_custody_probability, p.custody_probability)
    served = p.custody_served_median_days * np.exp(p.custody_served_sigma * z_served)
    served = np.where(serious, served * p.serious_served_multiplier, served)
    served = np.where(court & (u_custody < p_custody), served, 0.0)
    return sanction, offence_type, lag, served


def offence_outcome(
    rules: OutcomeRules,
    serious_probability: float,
    u_sanction: float,
    u_type: float,
    z_lag: float,
    u_custody: float,
    z_served: float,
) -> Outcome:
    """One offence's outcome: `offence_outcomes` for a single offence, without numpy's per-call overhead.

    Used for the few offences beyond the pre-computed block (an offender's 17th and later); checked
    against `offence_outcomes` in `tests/simulation/unit/test_sim_offence_outcomes.py`.
    """
    p = rules.params
    court = u_sanction < rules.court_share
    if court:
        sanction = COURT_CONVICTION
    elif u_sanction < rules.court_share + rules.pre_court_share:
        sanction = PRE_COURT
    else:
        sanction = PENALTY_NOTICE
    serious = u_type < serious_probability
    if serious:
        offence_type = SERIOUS_TYPE
    else:
        cumulative = rules.non_serious_cumulative
        rescaled = (u_type - serious_probability) / max(1.0 - serious_probability, 1e-300)
        offence_type = 1 + min(bisect.bisect_right(cumulative, rescaled), len(cumulative) - 1)
    if court:
        lag = p.court_lag_median_days * math.exp(p.court_lag_sigma * z_lag)
    else:
        lag = p.pre_court_lag_median_days * math.exp(p.pre_court_lag_sigma * z_lag)
    p_custody = p.serious_custody_probability if serious else p.custody_probability
    served = 0.0
    if court and u_custody < p_custody:
        served = p.custody_served_median_days * math.exp(p.custody_served_sigma * z_served)
        if serious:
            served *= p.serious_served_multiplier
    return sanction, offence_type, lag, served
