"""The Measurement Annex's minimum movement for PSA 23 indicator 4 (000:632-634), and its parts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.judging.change import change_from_tables
from survey.judging.minimum_movement import (
    annex_threshold,
    expected_se,
    minimum_movement,
    threshold_level,
    z_quantile,
)


def test_annex_example_17_5_with_half_width_0_63_moves_to_16_6() -> None:
    """'Year ending Mar 2007: 17.5 +/- 0.6 per cent' and 'From 17.5 to 16.6 per cent': the published 0.6 is
    rounded; an unrounded half-width of 0.63 gives 16.6, exactly 0.60 gives 16.65."""
    assert round(annex_threshold(17.5, 0.63), 1) == 16.6, f"expected 16.6, got {annex_threshold(17.5, 0.63)}"
    assert round(annex_threshold(17.5, 0.60), 2) == 16.65, f"expected 16.65, got {annex_threshold(17.5, 0.60)}"
    # The rule behind it: z sqrt(2) SE, i.e. sqrt(2) x the half-width.
    assert 17.5 - annex_threshold(17.5, 0.63) == pytest.approx(0.63 * np.sqrt(2), rel=1e-12)


def test_annex_example_through_the_change_table() -> None:
    """The same numbers from a published table with only a CI (proportions), lower is better."""
    table = pd.DataFrame({"indicator": ["PSA23_4"], "domain": ["all"], "domain_value": ["all"],
                          "estimate": [0.175], "ci_lower": [0.175 - 0.0063], "ci_upper": [0.175 + 0.0063]})
    row = change_from_tables(table, table.assign(estimate=[0.170]),
                             polarities={"PSA23_4": "lower_is_better"}).iloc[0]
    assert round(100 * row["threshold_level"], 1) == 16.6, f"expected 16.6%, got {100 * row['threshold_level']}"
    assert row["minimum_movement"] == pytest.approx(0.0063 * np.sqrt(2), rel=1e-9)
    assert row["direction"] == "no significant change", "a fall of 0.5 points is inside the minimum movement"


def test_higher_is_better_moves_up_and_a_planned_sample_changes_the_movement() -> None:
    assert threshold_level(0.46, 0.02, "higher_is_better") == pytest.approx(0.48)
    assert threshold_level(0.46, 0.02, None) == pytest.approx(0.48)
    se = 0.01
    # Four times the sample halves the next period's SE: movement = z sqrt(se^2 + (se/2)^2).
    movement = minimum_movement(se, expected_se(se, 1000, 4000))
    assert movement == pytest.approx(z_quantile(0.95) * np.sqrt(se**2 + 0.25 * se**2), rel=1e-12)
    assert minimum_movement(se, level=0.90) < minimum_movement(se, level=0.95)
