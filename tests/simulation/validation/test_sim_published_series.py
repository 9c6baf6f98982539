"""Every published figure bundled in `figures.yaml` is reproduced within 3% by the calibrated year effects.

Out of sample (`simulation.questions.published_fit`): freshly generated cohorts and replication streams from a seed
other than the calibration's. Adults: the whole cohort 2000-2006 (frequency, binary, serious), those leaving custody
every year, and the 2004 custody leavers by sex; juveniles: 2000, 2005 and 2006, and those leaving custody in 2005
and 2006. Assumed figures (2001, 2004, the adult 2006 binary rate, the juvenile community rate) are fitted too but
are not evidence, so they are not held to it. Sizes keep the Monte Carlo error well inside the tolerance: 40,000
offenders x 5 replications give an adult frequency a standard error of about 0.5% of it; each row first checks that
its own standard error is below a third of the tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.inputs.figures import EVIDENCE, load_figures
from simulation.inputs.params import default_params
from simulation.inputs.year_effects import load_year_effects
from simulation.questions.published_fit import published_fit
from simulation.questions.years import year_params

TOLERANCE = 0.03


@pytest.fixture(scope="module")
def fit():
    return published_fit(load_figures(), load_year_effects(), default_params(), size=40_000, check_size=30_000,
                         replications=5)


def test_every_published_adult_and_juvenile_figure_is_reproduced_within_three_percent(fit):
    published = fit[fit["status"].isin(EVIDENCE)]
    expected = {("adult", "all"), ("adult", "custody"), ("adult", "custody, men"), ("adult", "custody, women"),
                ("youth", "all"), ("youth", "custody")}
    assert expected <= set(zip(published["cohort"], published["group"], strict=True)), "a published series is missing"
    assert len(published) >= 41, f"{len(published)} published figures: some went missing"
    for r in published.itertuples(index=False):
        label = f"{r.cohort} {r.group} {r.year} {r.measure}"
        assert r.mc_se < TOLERANCE / 3 * r.figure, f"{label}: Monte Carlo error {r.mc_se:.3f} too large for the test"
        assert abs(r.simulated / r.figure - 1) <= TOLERANCE, (
            f"{label}: published {r.figure} ({r.status}), simulated {r.simulated:.3f} "
            f"({r.difference_percent:+.1f}%)")


def test_the_published_gradients_point_the_published_way(fit):
    """Women leaving custody in 2004 re-offended more than men; juveniles leaving custody far more than the cohort."""
    rows = {(r.cohort, r.group, r.year, r.measure): r.simulated for r in fit.itertuples(index=False)}
    assert rows[("adult", "custody, women", 2004, "frequency_per_100")] > rows[
        ("adult", "custody, men", 2004, "frequency_per_100")]
    assert rows[("youth", "custody", 2005, "binary_rate_percent")] > 70, "juvenile custody near its published 73%"
    assert rows[("youth", "custody", 2005, "binary_rate_percent")] > rows[("youth", "all", 2005,
                                                                              "binary_rate_percent")] + 25


def test_years_without_a_figure_follow_the_fits_around_them():
    effects, figures, params = load_year_effects(), load_figures(), default_params()
    _, after = year_params(effects, figures, "adult", 2011, params, {"adult": 0.95})
    _, youth = year_params(effects, figures, "youth", 2003, params)
    assert after.startswith("trend from 2006") and youth == "interpolated 2000-2004"
    trended, _ = year_params(effects, figures, "adult", 2011, params, {"adult": 0.97})
    base, status = year_params(effects, figures, "adult", 2006, params)
    assert status == "calibrated"
    assert trended.base_offending_rate == pytest.approx(base.base_offending_rate * 0.97**5)
    early, _ = year_params(effects, figures, "youth", 2002, params)
    low, high = effects.youth[2000]["base_offending_rate"], effects.youth[2004]["base_offending_rate"]
    assert early.base_offending_rate == pytest.approx(low ** 0.5 * high ** 0.5)
    assert np.isfinite(base.heterogeneity_theta)
