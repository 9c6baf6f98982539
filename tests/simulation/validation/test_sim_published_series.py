"""The bundled year effects reproduce the published adult series and the 2004 custody-leaver figures by sex.

Out of sample: freshly generated cohorts and replication streams from a seed other than the calibration's.
Sizes are chosen so that the Monte Carlo error is well inside the tolerance. An adult's count has a standard
deviation of about 4 (gamma-Poisson, mean 1.9, heterogeneity 4.2), so 40,000 adults x 5 replications give the
frequency a standard error of about 0.5% of it (the 2% tolerance is 4 standard errors) and the binary rate
about 0.25%; each test first checks that the estimated standard error is below a third of the tolerance. The
check cohort of 30,000 custody leavers, half of them women, x 4 replications gives each sex's frequency a
standard error of about 0.8% of it (3% tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.inputs.cohort import generate_cohort
from simulation.inputs.figures import load_figures
from simulation.inputs.params import default_params
from simulation.inputs.year_effects import load_year_effects
from simulation.model.streams import ReplicationStreams
from simulation.questions.calibrate import simulate_rates
from simulation.questions.years import custody_check_spec, year_params
from simulation.runs.tasks import cohort_seed, replication_seeds

SEED = 777_001  # not the calibration seed (2004)
REPLICATIONS = 4
SERIES_SIZE, SERIES_REPLICATIONS = 40_000, 5


@pytest.mark.parametrize("year", [2000, 2002, 2003, 2005])
def test_the_published_adult_series_is_reproduced_within_two_percent(year):
    figures = load_figures()
    params, status = year_params(load_year_effects(), figures, "adult", year, default_params())
    assert status == "calibrated"
    cohort = generate_cohort("adult", SERIES_SIZE, cohort_seed(SEED + year))
    streams = [ReplicationStreams(s, cohort.size) for s in replication_seeds(SEED + year, SERIES_REPLICATIONS)]
    achieved = simulate_rates(cohort, params, streams)["all"]
    published = figures.adult[year]
    for measure, got, se in (("frequency_per_100", achieved.frequency_per_100, achieved.frequency_se),
                             ("binary_rate_percent", achieved.binary_rate_percent, achieved.binary_se)):
        figure = published[measure]
        assert figure.status == "published"
        assert se < 0.0067 * figure.value, f"{measure} {year}: Monte Carlo error {se:.3f} too large for the test"
        assert abs(got / figure.value - 1) <= 0.02, f"{year} {measure}: published {figure.value}, simulated {got:.2f}"


def test_the_2004_custody_leaver_figures_by_sex_are_reproduced_within_three_percent():
    figures = load_figures()
    params, _ = year_params(load_year_effects(), figures, "adult", 2004, default_params())
    cohort = generate_cohort("adult", 30_000, cohort_seed(SEED), custody_check_spec())
    frame = cohort.frame
    masks = {sex: ((frame["sex"] == sex) & (frame["disposal"] == "custody")).to_numpy() for sex in ("male", "female")}
    streams = [ReplicationStreams(s, cohort.size) for s in replication_seeds(SEED, REPLICATIONS)]
    achieved = simulate_rates(cohort, params, streams, masks)
    for sex in ("male", "female"):
        published = figures.custody_leavers_2004[sex]
        got = achieved[sex]
        for measure, value, se in (("frequency_per_100", got.frequency_per_100, got.frequency_se),
                                   ("binary_rate_percent", got.binary_rate_percent, got.binary_se)):
            figure = getattr(published, measure).value
            assert se < 0.012 * figure, f"{sex} {measure}: Monte Carlo error {se:.3f} too large for the test"
            assert abs(value / figure - 1) <= 0.03, f"2004 custody leavers, {sex}, {measure}: published {figure}, " \
                                                    f"simulated {value:.2f}"
    # The sex effect points the published way: women leaving custody re-offend more than men.
    assert achieved["female"].frequency_per_100 > achieved["male"].frequency_per_100


def test_years_without_a_figure_are_marked():
    effects, figures, params = load_year_effects(), load_figures(), default_params()
    assert figures.adult[2004]["frequency_per_100"].status == "assumed"
    assert figures.adult[2004]["frequency_per_100"].range is not None
    _, after = year_params(effects, figures, "adult", 2011, params)
    _, youth = year_params(effects, figures, "youth", 2011, params)
    assert after.startswith("calibrated (trend assumed)") and youth == "uncalibrated"
    trended, _ = year_params(effects, figures, "adult", 2011, params, trend={"adult_after_last_figure": 0.97})
    base, _ = year_params(effects, figures, "adult", 2005, params)
    assert trended.base_offending_rate == pytest.approx(base.base_offending_rate * 0.97**6)
    assert np.isfinite(base.heterogeneity_theta)
