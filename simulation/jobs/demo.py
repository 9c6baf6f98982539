"""The simulation's part of `safer demo`: the baseline re-offending projection shown beside the survey tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

DEMO_PROJECTION_SIZE = 5_000
"""Offenders in the demo's generated adult cohort."""
DEMO_PROJECTION_REPLICATIONS = 20
"""Replications of the demo's projection."""
DEMO_SEED = 2008
"""Master seed of the demo's projection."""


def baseline_projection() -> tuple[str, pd.DataFrame]:
    """The baseline projection of a generated adult cohort (no interventions), and its caption."""
    from simulation.questions.scenario_run import run_baseline_projection

    caption = (f"Baseline re-offending projection (synthetic adult cohort of {DEMO_PROJECTION_SIZE:,}, "
               f"{DEMO_PROJECTION_REPLICATIONS} replications)")
    return caption, run_baseline_projection(DEMO_SEED, DEMO_PROJECTION_SIZE, DEMO_PROJECTION_REPLICATIONS)
