"""The synthetic population: geography, calibration targets, plausible patterns, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.synthetic.geography import POLICE_FORCE_AREAS, REGIONS
from survey.synthetic.population import World, build_world, in_survey_frame, populate
from survey.synthetic.targets import INDICATOR_TARGETS
from survey.synthetic.truth import population_indicator_values, truth_table

TOLERANCE = 0.015  # proportion points; sampling noise of a few hundred thousand adults is far smaller


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(5)


def _national(world: World, survey: str, adults_per_la: float) -> pd.DataFrame:
    """Truth over every authority of the survey's frame, sized in proportion to the real authorities."""
    las = world.geography.las
    rows = np.flatnonzero(las["england"].to_numpy()) if survey == "place" else np.arange(len(las))
    scale = las["adults"].to_numpy()[rows] / las["adults"].to_numpy()[rows].mean()
    population = populate(world, survey, rows, adults_per_la * scale)
    return truth_table(population, survey)


@pytest.fixture(scope="module")
def national_truth(world: World) -> dict[str, pd.DataFrame]:
    return {"bcs": _national(world, "bcs", 900.0), "place": _national(world, "place", 1500.0)}


def test_geography_has_regions_forces_and_full_scale_authorities(world: World) -> None:
    las = world.geography.las
    assert set(las["region"]) == set(REGIONS)
    assert set(las["pfa"]) == {code for code, *_ in POLICE_FORCE_AREAS}
    assert int(las["england"].sum()) == 350
    assert int((~las["england"]).sum()) == 22
    assert las["la"].is_unique
    force_region = {code: region for code, _, region, _ in POLICE_FORCE_AREAS}
    assert (las["pfa"].map(force_region) == las["region"]).all()
    # Authorities are the same size as real ones: E&W adults 16+ were about 43 million in 2008.
    assert 40e6 < las["adults"].sum() < 46e6


def test_smaller_geography_keeps_one_authority_per_force() -> None:
    small = build_world(5, n_las_england=60).geography.las
    assert int(small["england"].sum()) == 60
    assert small.groupby("pfa").size().min() >= 1


@pytest.mark.parametrize("survey", ["bcs", "place"])
def test_population_reproduces_its_calibration_targets(national_truth: dict[str, pd.DataFrame], survey: str) -> None:
    truth = national_truth[survey]
    national = truth[truth["domain"] == "all"].set_index("indicator")["true_value"]
    for indicator, target in INDICATOR_TARGETS[survey].items():
        assert national[indicator] == pytest.approx(target, abs=TOLERANCE), indicator


def test_between_authority_spread_is_plausible_and_follows_deprivation(
    world: World, national_truth: dict[str, pd.DataFrame]
) -> None:
    truth = national_truth["place"]
    by_la = truth[(truth["domain"] == "la") & (truth["indicator"] == "NI17")].set_index("domain_value")
    sd = float(by_la["true_value"].std())
    assert 0.03 < sd < 0.15
    assert by_la["true_value"].min() < 0.12 < 0.30 < by_la["true_value"].max()
    deprivation = world.geography.las.set_index("la")["deprivation"].reindex(by_la.index)
    assert np.corrcoef(deprivation, by_la["true_value"])[0, 1] > 0.3


def test_perceptions_depend_on_age(world: World) -> None:
    las = world.geography.las
    population = populate(world, "bcs", np.arange(len(las)), np.full(len(las), 400.0))
    values = population_indicator_values(population, "bcs")
    by_age = values.groupby(population.people["age_band"].to_numpy()).mean()
    assert by_age.loc[1, "PSA23_4"] > by_age.loc[6, "PSA23_4"] + 0.05  # the young see more ASB
    assert population.people.groupby("household")["n_adults"].transform("size").eq(population.people["n_adults"]).all()
    assert in_survey_frame(population, "bcs").all()


def test_same_seed_same_population_and_different_seed_differs() -> None:
    def draw(seed: int) -> pd.DataFrame:
        world = build_world(seed, n_las_england=50)
        population = populate(world, "place", np.arange(5), np.full(5, 300.0))
        return pd.concat([population.people.drop(columns="la"), population.items["place"]], axis=1)

    first, again, other = draw(9), draw(9), draw(10)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
