"""On synthetic series with no change, the change test rejects in 3-7% of areas at the 5% level; it sees true
changes; the plain Poisson test, blind to overdispersion, raises far more false alarms on the same series.

The series are drawn with known truth (`recorded_crime.synthetic.draw`): 600 partnerships, April 2005 to March
2011, seasons, area-month gamma shocks (overdispersion), flat expected counts and constant populations. The test
is `safer crime change`'s own (`series_change`) on the PSA 23 indicator 2 total, 2010-11 against 2007-08.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from recorded_crime.synthetic.check import CheckSettings, change_check

SETTINGS = CheckSettings(areas=600, effects=(0.85,), seed=2011)


@pytest.fixture(scope="module")
def check() -> object:
    return change_check(SETTINGS)


def _row(table: object, scenario: str, test: str) -> dict[str, object]:
    rows = table[(table["scenario"] == scenario) & table["test"].str.startswith(test)]  # type: ignore[index]
    assert len(rows) == 1, f"expected one row for {scenario} / {test}, found {len(rows)}"
    return dict(rows.iloc[0])


def test_no_change_rejects_in_3_to_7_percent_of_areas(check: object) -> None:
    row = _row(check, "no change", "quasi-Poisson")
    assert row["areas"] == 600
    assert 0.03 <= row["rejection_rate"] <= 0.07, f"expected 3-7% false alarms at the 5% level, got " \
                                                   f"{100 * row['rejection_rate']:.1f}% ({row['rejected']} of 600)"
    assert row["median_dispersion"] > 2, "the synthetic counts must be overdispersed for the check to mean anything"


def test_the_plain_poisson_test_raises_far_more_false_alarms(check: object) -> None:
    """Power of the check above: a test that ignored the overdispersion would fail it by far."""
    row = _row(check, "no change", "plain Poisson")
    assert row["rejection_rate"] > 0.15, f"expected the Poisson test's false alarms well above 5%, got {row}"


def test_a_true_fall_of_15_percent_is_seen_in_most_areas(check: object) -> None:
    row = _row(check, "every area x 0.85 in 2010-11", "quasi-Poisson")
    assert row["rejection_rate"] > 0.6, f"expected power above 60% at a 15% fall, got {row['rejection_rate']:.2f}"


def test_another_seed_also_holds_the_level() -> None:
    table = change_check(replace(SETTINGS, seed=77, effects=()))
    row = _row(table, "no change", "quasi-Poisson")
    assert 0.03 <= row["rejection_rate"] <= 0.07, f"seed 77: expected 3-7%, got {row['rejection_rate']:.3f}"
