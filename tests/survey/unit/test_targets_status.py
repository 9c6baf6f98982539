"""Target trajectories, status and the probability of being on track, against hand computations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from survey.design import make_design
from survey.estimation.targets import Target
from survey.judging.periods import Period
from survey.judging.targets import (
    Baseline,
    PerformanceTarget,
    TargetsFile,
    on_track_probability,
    status,
    target_status,
    trajectory,
)


def test_trajectory_is_a_straight_line_held_flat_outside_its_span() -> None:
    start, end = dt.date(2009, 3, 31), dt.date(2011, 3, 31)  # 730 days: the middle is a whole day
    assert trajectory(start, 0.45, end, 0.60, start) == pytest.approx(0.45)
    assert trajectory(start, 0.45, end, 0.60, end) == pytest.approx(0.60)
    middle = start + (end - start) / 2
    assert trajectory(start, 0.45, end, 0.60, middle) == pytest.approx(0.525)
    assert trajectory(start, 0.45, end, 0.60, dt.date(2007, 1, 1)) == pytest.approx(0.45)
    assert trajectory(start, 0.45, end, 0.60, dt.date(2013, 1, 1)) == pytest.approx(0.60)
    assert trajectory(start, 0.45, end, 0.60, start + dt.timedelta(days=73)) == pytest.approx(0.4650)


def test_status_follows_polarity() -> None:
    lower, upper, line = np.array([0.10, 0.20, 0.14]), np.array([0.14, 0.24, 0.18]), np.full(3, 0.16)
    assert status(lower, upper, line, "lower_is_better").tolist() == ["on track", "off track", "cannot tell"]
    assert status(lower, upper, line, "higher_is_better").tolist() == ["off track", "on track", "cannot tell"]


def test_probability_on_track_matches_the_logit_interval() -> None:
    """The probability passes 97.5% exactly when the 95% logit interval's lower bound reaches the line."""
    estimate, se, df = np.array([0.5]), np.array([0.02]), np.array([40])
    half = stats.t.ppf(0.975, 40) * se / (estimate * (1 - estimate))
    lower_bound = special.expit(special.logit(estimate) - half)
    probability = on_track_probability(estimate, se, lower_bound, "higher_is_better", "logit", df)
    assert probability[0] == pytest.approx(0.975, abs=1e-12), f"expected 0.975 at the bound, got {probability[0]}"
    lower_is_better = on_track_probability(estimate, se, lower_bound, "lower_is_better", "logit", df)
    assert lower_is_better[0] == pytest.approx(0.025, abs=1e-12)
    normal = on_track_probability(estimate, se, estimate - 1.96 * se, "higher_is_better", "wald", df)
    assert normal[0] == pytest.approx(stats.norm.cdf(1.96), rel=1e-12)


def test_target_status_on_a_small_design_with_an_estimated_baseline() -> None:
    """Baseline estimated over its window; trajectory at the period's end; status from the logit CI."""
    rng = np.random.default_rng(1)
    n = 600
    days = np.datetime64("2008-01-01") + rng.integers(0, 730, n)
    late = days >= np.datetime64("2009-01-01")
    agree = np.where(rng.random(n) < np.where(late, 0.62, 0.40), 1.0, 0.0)
    data = pd.DataFrame({"day": days.astype(str), "agree": agree})
    design = make_design(data)
    spec = TargetsFile(targets=[PerformanceTarget(
        indicator="PSA23_3", baseline=Baseline(period="2008-01:2008-12"), target=0.50, by=dt.date(2010, 12, 31))])
    latest = Period("2009", late, dt.date(2009, 1, 1), dt.date(2009, 12, 31))
    table = target_status(design, [Target("PSA23_3", agree, "proportion", "higher_is_better")], spec, [latest],
                          date_column="day", min_base=1)
    row = table.iloc[0]
    baseline = agree[~late].mean()
    assert row["baseline_source"] == "estimated"
    assert row["baseline_value"] == pytest.approx(baseline, rel=1e-12)
    expected_line = baseline + (0.50 - baseline) * 365 / 730
    assert row["trajectory_value"] == pytest.approx(expected_line, rel=1e-12)
    assert row["latest_estimate"] == pytest.approx(agree[late].mean())
    assert row["status"] == "on track", f"0.62 against a line at {expected_line:.3f} on 300 respondents"
    assert row["probability_on_track"] > 0.975
