"""Validation against theory: with custody and breach recalls switched off, each offender's proven
re-offences are Poisson given the gamma frailty, so the cohort must show

    frequency = mu,    binary rate = 1 - (1 + theta mu) ^ (-1 / theta)

where mu integrates the detected, court-dealt rate over follow-up (thinned by the chance the conviction
lands within the waiting period). Tolerances are 4 Monte Carlo standard errors of the cohort mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import lognorm

from simulation.interventions import BASELINE, Scenario
from simulation.measures import inside_custody, reoffending_counts
from simulation.model import ReplicationStreams, simulate_replication
from simulation.rates import log_rate_multiplier, sanction_shares
from simulation.runner import replication_seeds
from simulation.vocabulary import DAYS_PER_YEAR

N = 40_000
NO_CUSTODY = {"custody_probability": 0.0, "serious_custody_probability": 0.0, "breach_rate_per_year": 0.0}


def simulate_counts(cohort, params, scenario=BASELINE, seed=101):
    streams = ReplicationStreams(replication_seeds(seed, 1)[0], cohort.size)
    career = simulate_replication(cohort, params, scenario, streams)
    return reoffending_counts(cohort, career, params), career


def yearly_detected_court_rate(cohort, params) -> float:
    """Detected, court-dealt offences per year at the start of follow-up for the (identical) offenders."""
    m = float(np.exp(log_rate_multiplier(cohort.frame.iloc[:1], params))[0])
    court, _, _ = sanction_shares(cohort.kind, params)
    return params.base_offending_rate * m * params.detection_probability * court


def assert_gamma_poisson(counts, mu: float, theta: float) -> None:
    n = counts.proven.size
    frequency = counts.proven.mean()
    frequency_se = math.sqrt((mu + theta * mu * mu) / n)
    binary_expected = 1 - (1 + theta * mu) ** (-1 / theta)
    binary = (counts.proven > 0).mean()
    binary_se = math.sqrt(binary_expected * (1 - binary_expected) / n)
    assert abs(frequency - mu) < 4 * frequency_se, (frequency, mu, frequency_se)
    assert abs(binary - binary_expected) < 4 * binary_se, (binary, binary_expected, binary_se)


def test_no_lag_no_custody_matches_gamma_poisson_with_age_decline(uniform_cohort, with_params):
    params = with_params(**NO_CUSTODY, court_lag_median_days=0.0, previous_sanctions_log_rate=0.0)
    cohort = uniform_cohort(N, age=24.0)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    exposure_years = (math.exp(c * params.follow_up_days) - 1) / c / DAYS_PER_YEAR
    mu = yearly_detected_court_rate(cohort, params) * exposure_years
    counts, _ = simulate_counts(cohort, params)
    assert_gamma_poisson(counts, mu, params.heterogeneity_theta)


@pytest.mark.parametrize("waiting_months", [6.0, 9.0])
def test_court_lag_thins_by_the_waiting_period(uniform_cohort, with_params, waiting_months):
    params = with_params(**NO_CUSTODY, waiting_period_months=waiting_months)
    cohort = uniform_cohort(N)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    lag = lognorm(s=params.court_lag_sigma, scale=params.court_lag_median_days)
    deadline = params.follow_up_days + params.waiting_period_days
    exposure_days, _ = integrate.quad(
        lambda t: math.exp(c * t) * lag.cdf(deadline - t), 0, params.follow_up_days
    )
    mu = yearly_detected_court_rate(cohort, params) * exposure_days / DAYS_PER_YEAR
    counts, _ = simulate_counts(cohort, params)
    assert_gamma_poisson(counts, mu, params.heterogeneity_theta)


def test_intervention_effect_with_linear_decay_matches_its_integral(uniform_cohort, with_params):
    """Everyone starts an unlimited programme on day one: rate ratio 0.5 and detection ratio 1.2, both
    fading linearly over 400 days. Checks the thinning of a time-varying rate and the interrupt on start."""
    params = with_params(**NO_CUSTODY, court_lag_median_days=0.0)
    scenario = Scenario.model_validate(
        {
            "name": "everyone",
            "interventions": [
                {
                    "name": "programme",
                    "programme_days": 400,
                    "uptake": {"value": 1.0, "range": [1.0, 1.0], "source": "test"},
                    "completion": {"value": 1.0, "range": [1.0, 1.0], "source": "test"},
                    "rate_ratio": {"value": 0.5, "range": [0.5, 0.5], "source": "test"},
                    "detection_ratio": {"value": 1.2, "range": [1.2, 1.2], "source": "test"},
                    "effect_days": 400,
                    "decay": "linear",
                    "cost_per_place": {"value": 1, "range": [1, 1], "source": "test", "price_year": 2008},
                }
            ],
        }
    )
    cohort = uniform_cohort(N)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR

    def multiplier(t: float) -> float:
        f = 1 - t / 400
        return (1 - 0.5 * f) * (1 + 0.2 * f)

    exposure_days, _ = integrate.quad(lambda t: math.exp(c * t) * multiplier(t), 0, params.follow_up_days)
    mu = yearly_detected_court_rate(cohort, params) * exposure_days / DAYS_PER_YEAR
    counts, career = simulate_counts(cohort, params, scenario)
    assert career.programmes[0].started.size == N
    assert_gamma_poisson(counts, mu, params.heterogeneity_theta)


def test_no_offence_is_ever_committed_in_custody(small_adult, params):
    _, career = simulate_counts(small_adult, params, seed=5)
    assert career.custody.offender.size > 100  # custody happens often enough for the check to bite
    inside = inside_custody(career.offences.offender, career.offences.committed, career.custody)
    assert not inside.any()
    # One offender's custody spells never overlap (sentences arriving inside run concurrently).
    order = np.lexsort((career.custody.entered, career.custody.offender))
    who, entered, released = (
        a[order] for a in (career.custody.offender, career.custody.entered, career.custody.released)
    )
    same = who[1:] == who[:-1]
    assert (entered[1:][same] >= released[:-1][same]).all()
