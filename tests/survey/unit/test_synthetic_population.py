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


def test_population_does_not_depend_on_chunks_or_threads() -> None:
    """Each authority has its own random stream, so drawing a few authorities at a time, with one thread or
    two, gives the population drawn all at once (what makes `safer synth` fit in memory)."""
    from survey.synthetic.population import join_populations, populate_chunks

    world = build_world(11, n_las_england=40)
    rows, adults = np.arange(3, 15), np.full(12, 2_500.0)
    whole = populate(world, "place", rows, adults)
    for chunk_people, workers in ((6_000, 1), (6_000, 2), (1, 2)):
        joined = join_populations(list(populate_chunks(world, "place", rows, adults, chunk_people=chunk_people,
                                                       workers=workers)))
        pd.testing.assert_frame_equal(joined.people, whole.people, obj=f"people ({chunk_people}, {workers})")
        pd.testing.assert_frame_equal(joined.items["place"], whole.items["place"])
        np.testing.assert_array_equal(joined.strands, whole.strands)
    assert whole.people["psu"].is_monotonic_increasing and whole.people["household"].is_monotonic_increasing
    first = populate(world, "place", rows[:4], adults[:4])
    pd.testing.assert_frame_equal(first.items["place"], whole.items["place"].iloc[: first.size],
                                  obj="an authority's people do not depend on the others drawn")


@pytest.mark.parametrize(("survey", "domains"), [("place", None), ("bcs", ("region", "pfa", "la"))])
def test_truth_counted_chunk_by_chunk_equals_the_mean_over_every_adult(
    world: World, survey: str, domains: tuple[str, ...] | None
) -> None:
    """`TruthAccumulator` (codes looked up in a table of the rules' outcomes) gives exactly the group means of
    every adult's indicator values."""
    from survey.synthetic.population import populate_chunks
    from survey.synthetic.truth import TruthAccumulator

    las = world.geography.las
    rows = np.flatnonzero(las["england"].to_numpy())[:25] if survey == "place" else np.arange(len(las))
    adults = np.full(rows.size, 1_500.0 if survey == "place" else 300.0)
    population = populate(world, survey, rows, adults)
    expected = truth_table(population, survey, domains, values=population_indicator_values(population, survey))
    accumulator = TruthAccumulator(survey, world.geography, domains)
    for chunk in populate_chunks(world, survey, rows, adults, chunk_people=20_000):
        accumulator.add(chunk)
    pd.testing.assert_frame_equal(accumulator.table(), expected, check_exact=True)
    assert truth_table(population, survey, domains).equals(expected)


def test_control_totals_counted_by_bincount_equal_a_grouping_of_every_adult(world: World) -> None:
    """The control totals of both surveys, counted without grouping millions of rows, are the group sizes."""
    from survey.synthetic.bcs import bcs_controls
    from survey.synthetic.place import place_controls, place_frame

    las = world.geography.las
    population = populate(world, "place", np.flatnonzero(las["england"].to_numpy())[:8], np.full(8, 2_000.0))
    frame = place_frame(population)
    people = population.people.iloc[frame.rows]
    for variable in ("age_band", "sex", "ethnicity"):
        got = place_controls(frame).query("variable == @variable").set_index(["la", "category"])["total"]
        want = people.groupby([people["la"].astype(str), people[variable].astype(str)]).size()
        assert got.to_dict() == {k: float(v) for k, v in want.items()}, f"place {variable} totals differ"
    bcs = populate(world, "bcs", np.arange(len(las)), np.full(len(las), 150.0))
    for variable in ("age_band", "sex"):
        got = bcs_controls(bcs).query("variable == @variable").set_index(["region", "category"])["total"]
        want = bcs.people.groupby([bcs.people["region"].astype(np.int64), bcs.people[variable].astype(str)]).size()
        assert got.to_dict() == {k: float(v) for k, v in want.items()}, f"bcs {variable} totals differ"
