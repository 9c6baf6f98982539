"""Validation against theory, with tolerances sized so that a 1% error in the frequency fails.

With custody and breach recalls switched off, each offender's proven re-offences are Poisson given the gamma
frailty, so the cohort must show

    frequency = mu,    binary rate = 1 - (1 + theta mu) ^ (-1 / theta),

where mu integrates the detected, counted rate over follow-up along the age curve, thinned by the chance the
conviction lands within the waiting period.

Power. The cases use N = 80,000 identical offenders with mu about 5 proven re-offences each and no
heterogeneity (theta = 0) for the frequency, so the Monte Carlo standard error of the frequency is
sqrt(mu / N) / mu = 1 / sqrt(mu N) = 0.16% of it. A case fails beyond 3.29 standard errors (0.52%): a false alarm
once in a thousand runs, while a 1% error sits (1 - 0.52) / 0.16 = 3.0 standard errors beyond the tolerance and
is caught 99.9% of the time. The binary rate uses theta = 1 (SE 0.18 points at p = 0.5).

Mutations these tests catch (each checked by breaking the rule in the code):
- a zero age slope: `test_no_lag_no_custody_matches_gamma_poisson_with_age_decline` (the offenders are 24, the
  age term alone is 27% and the decline over follow-up 2%);
- ignoring the waiting period: `test_court_lag_thins_by_the_waiting_period` (3.8% of the frequency at 6 months
  with the default 75-day median court lag, 12% with a 120-day median, and 6% at 9 months with it);
- counting cautions for adults: every frequency case here (cautions are 10% of detected offences);
- counting breaches: `test_breaches_never_reach_the_count` (breaches at 4 a year, never recalled).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import lognorm

from simulation.inputs.interventions import BASELINE, Scenario
from simulation.inputs.vocabulary import DAYS_PER_YEAR
from simulation.measures.committed import expected_committed
from simulation.measures.reoffending import inside_custody, offender_outcomes, reoffending_counts
from simulation.model.cohort_simulation import simulate_replication
from simulation.model.rates import age_log_effect, age_paths, sanction_shares
from simulation.model.streams import ReplicationStreams
from simulation.runs.runner import replication_seeds

N = 80_000
Z_FAIL = 3.29
NO_CUSTODY = {
    "custody_probability": 0.0,
    "serious_custody_probability": 0.0,
    "breach_rate_per_year": 0.0,
    "detection_probability": 1.0,
    "base_offending_rate": 6.0,
    "heterogeneity_theta": 0.0,
    "previous_sanctions_log_rate": 0.0,
}


def simulate_counts(cohort, params, scenario=BASELINE, seed=101):
    streams = ReplicationStreams(replication_seeds(seed, 1)[0], cohort.size)
    career = simulate_replication(cohort, params, scenario, streams)
    return reoffending_counts(cohort, career, params), career


def yearly_counted_rate(cohort, params) -> float:
    """Detected, court-dealt offences per year at the start of follow-up for the (identical) offenders, by
    seriousness: serious offences are dealt with by their own shares."""
    serious = params.serious_share * params.serious_ratio_by_index_group[cohort.frame["offence_group"].iloc[0]]
    court = (1 - serious) * sanction_shares(cohort.kind, params)[0] + serious * sanction_shares(
        cohort.kind, params, serious=True)[0]
    age = float(cohort.frame["age"].iloc[0])
    m = math.exp(float(age_log_effect(np.array([age]), params)[0]))
    return params.base_offending_rate * m * params.detection_probability * court


def assert_frequency(counts, mu: float, theta: float = 0.0) -> None:
    n = counts.proven.size
    frequency = counts.proven.mean()
    se = math.sqrt((mu + theta * mu * mu) / n)
    assert abs(frequency - mu) < Z_FAIL * se, (
        f"frequency: expected {mu:.5f}, got {frequency:.5f} ({(frequency / mu - 1) * 100:+.2f}%, tolerance "
        f"{Z_FAIL * se / mu * 100:.2f}%)"
    )


def assert_binary(counts, mu: float, theta: float) -> None:
    n = counts.proven.size
    expected = 1 - (1 + theta * mu) ** (-1 / theta) if theta else 1 - math.exp(-mu)
    binary = (counts.proven > 0).mean()
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(binary - expected) < Z_FAIL * se, f"binary: expected {expected:.5f}, got {binary:.5f}"


def test_no_lag_no_custody_matches_gamma_poisson_with_age_decline(uniform_cohort, with_params):
    params = with_params(**NO_CUSTODY, court_lag_median_days=0.0)
    cohort = uniform_cohort(N, age=24.0)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    exposure_years = (math.exp(c * params.follow_up_days) - 1) / c / DAYS_PER_YEAR
    mu = yearly_counted_rate(cohort, params) * exposure_years
    assert 4.5 < mu < 6.5, f"the case is sized for mu about 5, got {mu}"
    counts, _ = simulate_counts(cohort, params)
    assert_frequency(counts, mu)


def test_binary_rate_matches_the_gamma_poisson_closed_form(uniform_cohort, with_params):
    params = with_params(**{**NO_CUSTODY, "heterogeneity_theta": 1.0, "base_offending_rate": 1.0},
                         court_lag_median_days=0.0)
    cohort = uniform_cohort(N, age=24.0)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    mu = yearly_counted_rate(cohort, params) * (math.exp(c * params.follow_up_days) - 1) / c / DAYS_PER_YEAR
    counts, _ = simulate_counts(cohort, params, seed=102)
    assert_frequency(counts, mu, theta=1.0)
    assert_binary(counts, mu, 1.0)


@pytest.mark.parametrize(("waiting_months", "lag_median"), [(6.0, 75.0), (6.0, 120.0), (9.0, 120.0)])
def test_court_lag_thins_by_the_waiting_period(uniform_cohort, with_params, waiting_months, lag_median):
    params = with_params(**NO_CUSTODY, waiting_period_months=waiting_months, court_lag_median_days=lag_median)
    cohort = uniform_cohort(N)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    lag = lognorm(s=params.court_lag_sigma, scale=params.court_lag_median_days)
    deadline = params.follow_up_days + params.waiting_period_days
    exposure_days, _ = integrate.quad(
        lambda t: math.exp(c * t) * lag.cdf(deadline - t), 0, params.follow_up_days, epsabs=1e-12, epsrel=1e-12
    )
    mu = yearly_counted_rate(cohort, params) * exposure_days / DAYS_PER_YEAR
    ignoring = yearly_counted_rate(cohort, params) * (math.exp(c * params.follow_up_days) - 1) / c / DAYS_PER_YEAR
    if waiting_months == 6.0:
        assert ignoring / mu - 1 > 0.01, "the waiting period must matter by more than 1% for the case to bite"
    counts, _ = simulate_counts(cohort, params, seed=103)
    assert_frequency(counts, mu)


def test_youth_age_curve_rises_through_the_teens_and_turns_at_the_peak(uniform_cohort, with_params):
    """A 17.5-year-old's rate rises until 18 and falls after it; the counted mean is the integral of that curve
    (youth: reprimands and final warnings count too)."""
    params = with_params(**NO_CUSTODY, court_lag_median_days=0.0, pre_court_lag_median_days=0.0)
    cohort = uniform_cohort(N, kind="youth", age=17.5, disposal="first_tier")
    paths = age_paths(cohort.frame.iloc[:1], params)
    kink = float(paths.kink[0])
    up, down = float(paths.first_slope[0]), float(paths.second_slope[0])
    assert up > 0 > down and 0 < kink < params.follow_up_days
    exposure = (math.expm1(up * kink) / up + math.exp(up * kink) * math.expm1(down * (365 - kink)) / down)
    court, pre, _ = sanction_shares("youth", params)
    serious = params.serious_share
    s_court, s_pre, _ = sanction_shares("youth", params, serious=True)
    counted = (1 - serious) * (court + pre) + serious * (s_court + s_pre)
    m = math.exp(float(age_log_effect(np.array([17.5]), params)[0]) + params.disposal_log_rate_ratio["first_tier"])
    mu = params.base_offending_rate * m * counted * exposure / DAYS_PER_YEAR
    counts, _ = simulate_counts(cohort, params, seed=104)
    assert_frequency(counts, mu)
    young, old = (math.exp(float(age_log_effect(np.array([a]), params)[0])) for a in (11.0, 16.0))
    assert old > young * 1.3, "offending rises through the teens"


def test_breaches_never_reach_the_count(uniform_cohort, with_params):
    params = with_params(**{**NO_CUSTODY, "breach_rate_per_year": 4.0}, breach_custody_probability=0.0,
                         court_lag_median_days=0.0)
    cohort = uniform_cohort(N, age=24.0)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    mu = yearly_counted_rate(cohort, params) * (math.exp(c * params.follow_up_days) - 1) / c / DAYS_PER_YEAR
    counts, career = simulate_counts(cohort, params, seed=105)
    assert career.breaches.offender.size > 3 * N, "breaches must be plentiful for the case to bite"
    assert_frequency(counts, mu)


def test_intervention_effect_with_linear_decay_matches_its_integral(uniform_cohort, with_params):
    """Everyone starts an unlimited programme on day one: rate ratio 0.5 and detection ratio 1.2, both
    fading linearly over 400 days. Checks the thinning of a time-varying rate and the interrupt on start;
    and that offences *committed* are the exact integral of the committed rate (the rate ratio only)."""
    params = with_params(**{**NO_CUSTODY, "detection_probability": 0.8}, court_lag_median_days=0.0)
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

    def rate_multiplier(t: float) -> float:
        return 1 - 0.5 * (1 - t / 400)

    def detection_multiplier(t: float) -> float:
        return 1 + 0.2 * (1 - t / 400)

    exposure_days, _ = integrate.quad(lambda t: math.exp(c * t) * rate_multiplier(t) * detection_multiplier(t), 0,
                                      params.follow_up_days, epsabs=1e-12, epsrel=1e-12)
    mu = yearly_counted_rate(cohort, params) * exposure_days / DAYS_PER_YEAR
    counts, career = simulate_counts(cohort, params, scenario, seed=106)
    assert career.programmes[0].started.size == N
    assert_frequency(counts, mu)
    committed_days, _ = integrate.quad(lambda t: math.exp(c * t) * rate_multiplier(t), 0, params.follow_up_days,
                                       epsabs=1e-12, epsrel=1e-12)
    start = cohort.frame["start_day"].to_numpy(float)
    committed = expected_committed(career, start, age_paths(cohort.frame, params), params.follow_up_days)
    expected = params.base_offending_rate * committed_days / DAYS_PER_YEAR
    assert np.allclose(committed, expected, rtol=1e-9), (committed[:3], expected)


def test_offences_committed_are_the_integral_of_the_rate_over_time_at_liberty(uniform_cohort, with_params):
    """Expected offences committed: the committed rate integrated over follow-up less the days in custody, exact
    to rounding (no Poisson noise). With custody on, check every offender against a direct quadrature."""
    params = with_params(custody_probability=0.6, heterogeneity_theta=0.0, previous_sanctions_log_rate=0.0)
    cohort = uniform_cohort(3000, age=24.0)
    _, career = simulate_counts(cohort, params, seed=107)
    assert career.custody.offender.size > 300
    start = cohort.frame["start_day"].to_numpy(float)
    committed = expected_committed(career, start, age_paths(cohort.frame, params), params.follow_up_days)
    c = params.age_log_rate_per_year / DAYS_PER_YEAR
    rate = career.committed_rate
    for i in np.unique(career.custody.offender)[:100].tolist():
        liberty = params.follow_up_days
        inside = 0.0
        spells = career.custody.offender == i
        for entered, released in zip(career.custody.entered[spells], career.custody.released[spells], strict=True):
            a, b = max(entered - start[i], 0.0), min(released - start[i], params.follow_up_days)
            if b > a:
                inside += (math.exp(c * b) - math.exp(c * a)) / c
        liberty = (math.exp(c * params.follow_up_days) - 1) / c - inside
        assert committed[i] == pytest.approx(rate[i] * liberty, rel=1e-9)
    outcomes = offender_outcomes(cohort, career, params)
    assert (outcomes["committed"] >= 0).all()
    # Detected offences are a thinning of the committed ones: detection_probability of them for the general mix,
    # rescaled by the offender's mix of offences committed (attrition by type).
    from simulation.measures.committed import committed_mix, relative_committed

    _, per_detected = committed_mix(cohort.frame, params)
    expected = params.detection_probability / float(relative_committed(per_detected, params)[0])
    ratio = outcomes["detected"].sum() / outcomes["committed"].sum()
    assert abs(ratio / expected - 1) < 0.06, (ratio, expected)


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
