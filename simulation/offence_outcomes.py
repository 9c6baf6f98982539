"""What happens to each detected offence: sanction, offence type, lag to proof, and custody.

None of this depends on when the offence happens, so the outcome of offender i's k-th detected offence is
worked out in one vectorised pass from that offender's k-th random numbers (common random numbers: the
k-th offence is dealt with the same way in every scenario). Time-dependent effects (a programme's court
lag ratio) are applied by the model when the offence happens.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def as_rows(
    sanction: np.ndarray, offence_type: np.ndarray, lag: np.ndarray, served: np.ndarray
) -> list[Outcome]:
    """One offender's outcomes (1-D arrays) as a list of tuples, for fast use inside the process."""
    return list(zip(sanction.tolist(), offence_type.tolist(), lag.tolist(), served.tolist(), strict=True))
