"""What happens to each detected offence: offence type, sanction, lag to proof, and custody.

None of this depends on when the offence happens, so the outcome of offender i's k-th detected offence is
worked out in one vectorised pass from that offender's k-th random numbers (common random numbers: the
k-th offence is dealt with the same way in every scenario). Time-dependent effects (a programme's court
lag ratio) are applied by the model when the offence happens.

* The type comes first: serious (a Table 1 group, `vocabulary.TABLE1_GROUPS`) with the offender's serious
  probability, split into serious sexual and the serious violent groups; otherwise a non-serious group.
* The sanction depends on seriousness: a Table 1 offence is rarely cautioned and never gets a penalty
  notice, so it has its own court, pre-court and penalty-notice shares.
* Custody follows a court conviction with a probability that depends on seriousness. A short custodial
  sentence (time served under `short_custody_days`) is replaced by a community order with probability
  `short_custody_replaced_share` (0 unless a scenario sets it); the decision reuses the custody uniform,
  rescaled, so it needs no extra random numbers.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulation.inputs.params import ModelParams
from simulation.inputs.vocabulary import (
    COURT_CONVICTION,
    N_SERIOUS_TYPES,
    PENALTY_NOTICE,
    PRE_COURT,
    SERIOUS_SEXUAL_TYPE,
    SERIOUS_VIOLENT_GROUPS,
    TABLE1_GROUPS,
)
from simulation.model.rates import non_serious_cumulative_shares, sanction_shares

Outcome = tuple[int, int, float, float, int]
"""(sanction code, offence type code, lag days, days to serve or 0, custody code)."""

NO_CUSTODY = 0
CUSTODY = 1
COMMUNITY_ORDER_INSTEAD = 2
"""Custody codes: no custodial sentence, a custodial sentence, a short one replaced by a community order."""


@dataclass(frozen=True)
class OutcomeRules:
    """Shares and distributions that decide an offence's outcome, for one cohort kind."""

    court_share: float
    """Share of detected non-serious offences dealt with by a court."""
    pre_court_share: float
    """Share dealt with by a caution (adult) or reprimand or final warning (youth)."""
    params: ModelParams
    """The model parameters."""
    serious_court_share: float = 1.0
    """Share of detected serious (Table 1) offences dealt with by a court."""
    serious_pre_court_share: float = 0.0
    """Share of detected serious offences dealt with by a pre-court disposal."""

    @cached_property
    def non_serious_cumulative(self) -> list[float]:
        """Cumulative shares of the non-serious type mix (see `rates.non_serious_cumulative_shares`)."""
        return non_serious_cumulative_shares(self.params)

    @cached_property
    def violent_cumulative(self) -> list[float]:
        """Cumulative shares of the serious violent Table 1 groups, in `SERIOUS_VIOLENT_GROUPS` order."""
        return np.cumsum([self.params.serious_violent_mix[g] for g in SERIOUS_VIOLENT_GROUPS]).tolist()


def offence_outcomes(
    rules: OutcomeRules,
    serious_probability: np.ndarray,
    u_sanction: np.ndarray,
    u_type: np.ndarray,
    z_lag: np.ndarray,
    u_custody: np.ndarray,
    z_served: np.ndarray,
    sexual_share: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arrays (same shape as the draws) of sanction code, type code, lag days, days to serve (0 = none) and
    custody code.

    `serious_probability` and `sexual_share` broadcast against the draws (one value per offender row).
    """
    p = rules.params
    s = np.broadcast_to(serious_probability, u_type.shape)
    q = np.broadcast_to(sexual_share, u_type.shape)
    serious = u_type < s
    # Serious: u / s is uniform; below q it is sexual, otherwise a violent group by the rescaled remainder.
    with np.errstate(divide="ignore", invalid="ignore"):
        within = u_type / np.where(s > 0, s, 1.0)
        violent_u = (within - q) / np.where(q < 1, 1.0 - q, 1.0)
    violent_cumulative = np.asarray(rules.violent_cumulative)
    violent = np.minimum(np.searchsorted(violent_cumulative, violent_u, side="right"), violent_cumulative.size - 1)
    violent_code = np.asarray([TABLE1_GROUPS.index(g) for g in SERIOUS_VIOLENT_GROUPS])[violent]
    serious_code = np.where(within < q, SERIOUS_SEXUAL_TYPE, violent_code)
    cumulative = np.asarray(non_serious_cumulative_shares(p))
    rescaled = (u_type - s) / np.maximum(1.0 - s, 1e-300)
    group = np.minimum(np.searchsorted(cumulative, rescaled, side="right"), cumulative.size - 1)
    offence_type = np.where(serious, serious_code, N_SERIOUS_TYPES + group)

    court_share = np.where(serious, rules.serious_court_share, rules.court_share)
    pre_share = np.where(serious, rules.serious_pre_court_share, rules.pre_court_share)
    court = u_sanction < court_share
    sanction = np.where(
        court, COURT_CONVICTION, np.where(u_sanction < court_share + pre_share, PRE_COURT, PENALTY_NOTICE)
    )
    court_lag = p.court_lag_median_days * np.exp(p.court_lag_sigma * z_lag)
    pre_court_lag = p.pre_court_lag_median_days * np.exp(p.pre_court_lag_sigma * z_lag)
    lag = np.where(court, court_lag, pre_court_lag)

    p_custody = np.where(serious, p.serious_custody_probability, p.custody_probability)
    served = p.custody_served_median_days * np.exp(p.custody_served_sigma * z_served)
    served = np.where(serious, served * p.serious_served_multiplier, served)
    custodial = court & (u_custody < p_custody)
    with np.errstate(divide="ignore", invalid="ignore"):
        replaced = (
            custodial
            & (served < p.short_custody_days)
            & (u_custody / np.where(p_custody > 0, p_custody, 1.0) < p.short_custody_replaced_share)
        )
    custody_code = np.where(replaced, COMMUNITY_ORDER_INSTEAD, np.where(custodial, CUSTODY, NO_CUSTODY))
    served = np.where(custodial & ~replaced, served, 0.0)
    return sanction, offence_type, lag, served, custody_code.astype(np.int8)


def offence_outcome(
    rules: OutcomeRules,
    serious_probability: float,
    u_sanction: float,
    u_type: float,
    z_lag: float,
    u_custody: float,
    z_served: float,
    sexual_share: float = 0.0,
) -> Outcome:
    """One offence's outcome: `offence_outcomes` for a single offence, without numpy's per-call overhead.

    Used for the few offences beyond the pre-computed block (an offender's 17th and later); checked
    against `offence_outcomes` in `tests/simulation/unit/test_sim_offence_outcomes.py`.
    """
    p = rules.params
    serious = u_type < serious_probability
    if serious:
        within = u_type / serious_probability
        if within < sexual_share:
            offence_type = SERIOUS_SEXUAL_TYPE
        else:
            violent_u = (within - sexual_share) / (1.0 - sexual_share) if sexual_share < 1 else within
            cumulative = rules.violent_cumulative
            group = SERIOUS_VIOLENT_GROUPS[min(bisect.bisect_right(cumulative, violent_u), len(cumulative) - 1)]
            offence_type = TABLE1_GROUPS.index(group)
        court_share, pre_share = rules.serious_court_share, rules.serious_pre_court_share
    else:
        cumulative = rules.non_serious_cumulative
        rescaled = (u_type - serious_probability) / max(1.0 - serious_probability, 1e-300)
        offence_type = N_SERIOUS_TYPES + min(bisect.bisect_right(cumulative, rescaled), len(cumulative) - 1)
        court_share, pre_share = rules.court_share, rules.pre_court_share
    court = u_sanction < court_share
    if court:
        sanction = COURT_CONVICTION
    elif u_sanction < court_share + pre_share:
        sanction = PRE_COURT
    else:
        sanction = PENALTY_NOTICE
    if court:
        lag = p.court_lag_median_days * math.exp(p.court_lag_sigma * z_lag)
    else:
        lag = p.pre_court_lag_median_days * math.exp(p.pre_court_lag_sigma * z_lag)
    p_custody = p.serious_custody_probability if serious else p.custody_probability
    served = 0.0
    custody_code = NO_CUSTODY
    if court and u_custody < p_custody:
        served = p.custody_served_median_days * math.exp(p.custody_served_sigma * z_served)
        if serious:
            served *= p.serious_served_multiplier
        custody_code = CUSTODY
        if served < p.short_custody_days and u_custody / p_custody < p.short_custody_replaced_share:
            served, custody_code = 0.0, COMMUNITY_ORDER_INSTEAD
    return sanction, offence_type, lag, served, custody_code


def outcome_rules(kind: str, params: ModelParams) -> OutcomeRules:
    """The rules for an adult or youth cohort under `params`."""
    court, pre_court, _ = sanction_shares(kind, params)
    serious_court, serious_pre_court, _ = sanction_shares(kind, params, serious=True)
    return OutcomeRules(court, pre_court, params, serious_court, serious_pre_court)
