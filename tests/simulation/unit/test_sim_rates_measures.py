"""Rates, the closed-form calibration pieces and the summary across replications."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.errors import SimulationInputError
from simulation.measures.across_replications import summarise
from simulation.measures.replication_measures import age_band
from simulation.model.rates import gamma_frailty, log_rate_multiplier, lognormal_cdf
from simulation.questions.calibrate import Targets
from simulation.questions.closed_forms import closed_form_rates, solve_closed_form


def test_reference_offender_has_multiplier_one(uniform_cohort, params):
    assert np.allclose(log_rate_multiplier(uniform_cohort(3).frame, params), 0.0)
    older = uniform_cohort(1, age=40.0).frame
    assert log_rate_multiplier(older, params)[0] == pytest.approx(10 * params.age_log_rate_per_year)


@pytest.mark.parametrize("theta", [0.5, 3.9])
def test_frailty_has_mean_one_and_variance_theta(theta):
    u = (np.arange(200_000) + 0.5) / 200_000  # a fine grid of quantiles: near-exact moments
    z = gamma_frailty(u, theta)
    assert z.mean() == pytest.approx(1.0, abs=2e-3)
    assert z.var() == pytest.approx(theta, rel=2e-2)
    assert np.all(gamma_frailty(u[:5], 0.0) == 1.0)


def test_lognormal_cdf():
    assert lognormal_cdf(np.array([75.0]), 75.0, 0.8)[0] == pytest.approx(0.5)
    assert lognormal_cdf(np.array([-1.0, 0.0]), 0.0, 0.8).tolist() == [0.0, 1.0]


def test_closed_form_solver_inverts_the_closed_forms():
    a = np.random.default_rng(1).lognormal(0, 0.7, 5000) * 0.3
    base, theta = solve_closed_form(a, 167.9, 41.6)
    frequency, binary = closed_form_rates(a, base, theta)
    assert frequency == pytest.approx(167.9, rel=1e-10) and binary == pytest.approx(41.6, abs=1e-8)


def test_unreachable_targets_are_refused():
    with pytest.raises(SimulationInputError, match="Poisson limit"):
        Targets(frequency_per_100=20.0, binary_rate_percent=41.6)
    with pytest.raises(SimulationInputError, match="not reachable"):
        solve_closed_form(np.random.default_rng(1).lognormal(0, 2.0, 1000), 60.0, 44.0)


def test_age_bands():
    assert age_band("adult", np.array([18.0, 20.99, 21.0, 49.9, 77.0])).tolist() == [
        "18-20",
        "18-20",
        "21-24",
        "40-49",
        "50+",
    ]
    assert age_band("youth", np.array([10.0, 14.5, 17.9])).tolist() == ["10-12", "13-14", "15-17"]


def test_summary_intervals_and_the_monte_carlo_and_assumption_parts():
    rows = []
    for r, (base, scen) in enumerate([(10.0, 8.0), (12.0, 11.0), (14.0, 11.0)]):
        rows.append((r, "baseline", "frequency_per_100", "all", "all", base, 0.25))
        rows.append((r, "s", "frequency_per_100", "all", "all", scen, 0.25))
        rows.append((r, "s minus baseline", "frequency_per_100", "all", "all", scen - base, 0.04))
    frame = pd.DataFrame(
        rows, columns=["replication", "scenario", "measure", "group", "group_value", "value", "mc_variance"]
    )
    table = summarise(frame).set_index("scenario")
    half = stats.t.ppf(0.975, 2) * 2.0 / np.sqrt(3)
    assert table.loc["baseline", "mean"] == 12.0
    assert table.loc["baseline", "ci_lower"] == pytest.approx(12.0 - half)
    assert table.loc["s minus baseline", "mean"] == pytest.approx(-2.0)
    paired_sd = np.std([-2.0, -1.0, -3.0], ddof=1)
    assert table.loc["s minus baseline", "ci_upper"] == pytest.approx(
        -2.0 + stats.t.ppf(0.975, 2) * paired_sd / np.sqrt(3)
    )
    assert (table["replications"] == 3).all()
    assert table.loc["baseline", "sd_monte_carlo"] == pytest.approx(0.5)
    assert table["sd_assumptions"].isna().all()
    drawn = summarise(frame, assumption_uncertainty=True).set_index("scenario")
    # Between-replication variance 4 of which 0.25 is Monte Carlo: the assumptions add 3.75.
    assert drawn.loc["baseline", "sd_assumptions"] == pytest.approx(np.sqrt(3.75))
    assert drawn.loc["baseline", "total_upper"] - 12.0 == pytest.approx(1.959964 * np.sqrt(3.75 + 4 / 3), rel=1e-5)
    single = summarise(frame[frame["replication"] == 0])
    assert single["ci_lower"].isna().all()


def test_sparse_count_differences_get_the_exact_conditional_interval():
    """Serious re-offences are rare: 30 in the baseline and 20 in the scenario over 4 replications is too few for
    a t-interval; the difference gets the Clopper-Pearson interval of the scenario's share of the 50 events."""
    from scipy.stats import beta

    rows = []
    for r, (b, s_) in enumerate([(8, 5), (7, 5), (9, 6), (6, 4)]):
        for name, value in (("baseline", b), ("s", s_), ("s minus baseline", s_ - b)):
            rows.append((r, name, "serious_reoffences", "all", "all", float(value), np.nan))
            rows.append((r, name, "offenders", "all", "all", 1000.0, 0.0))
    frame = pd.DataFrame(rows, columns=["replication", "scenario", "measure", "group", "group_value", "value",
                                        "mc_variance"])
    table = summarise(frame)
    row = table[(table["scenario"] == "s minus baseline") & (table["measure"] == "serious_reoffences")].iloc[0]
    assert "sparse" in row["interval"]
    low, high = beta.ppf(0.025, 20, 31), beta.ppf(0.975, 21, 30)
    assert row["ci_lower"] == pytest.approx(50 * (2 * low - 1) / 4)
    assert row["ci_upper"] == pytest.approx(50 * (2 * high - 1) / 4)
