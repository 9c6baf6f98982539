"""What makes a drawn projection cheap must not change a number: the rows a projection keeps (`project.rows_read`)
are every row its tables read, and the bulk start a baseline and its programme scenarios share
(`career_draws.CohortStart`) and the random-number blocks every run of a replication shares (`streams.BLOCKS`)
give exactly what each run would work out alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.inputs.figures import load_figures
from simulation.inputs.interventions import bundled_scenario_ids
from simulation.inputs.params import default_params
from simulation.inputs.uncertainty import Draws
from simulation.inputs.year_effects import load_year_effects
from simulation.jobs.options import load_scenarios
from simulation.measures.costs import load_unit_costs
from simulation.questions import project as project_module
from simulation.questions.project import project, rows_read
from simulation.questions.project_outputs import project_tables
from simulation.questions.projection_draws import projection_ranges
from simulation.questions.projection_spec import ProjectionSpec


def _spec(uncertainty: bool) -> ProjectionSpec:
    scenarios, files = load_scenarios(bundled_scenario_ids())
    return ProjectionSpec(default_params(), load_figures(), load_year_effects(), scenarios, [str(f) for f in files],
                          first_year=2003, adult_size=400, youth_size=300, check_size=300, seed=21,
                          unit_costs=load_unit_costs(), trend_sensitivity=not uncertainty)


def _tables(spec: ProjectionSpec, uncertainty: bool) -> dict[str, pd.DataFrame]:
    draws = Draws(projection_ranges(spec), spec.seed) if uncertainty else None
    result = project(spec, 4 if uncertainty else 2, draws=draws)
    return project_tables(result, spec, draws)


@pytest.mark.parametrize("uncertainty", [False, True], ids=["trend table", "tornado"])
def test_the_rows_a_projection_keeps_give_every_table_exactly_as_every_row_does(monkeypatch, uncertainty):
    spec = _spec(uncertainty)
    kept = _tables(spec, uncertainty)
    monkeypatch.setattr(project_module, "rows_read", lambda rows: np.ones(len(rows), dtype=bool))
    every = _tables(spec, uncertainty)
    assert kept.keys() == every.keys()
    for name, table in every.items():
        assert len(table), f"{name}: an empty table proves nothing"
        pd.testing.assert_frame_equal(kept[name], table, check_exact=True, obj=f"{name} from the kept rows")


def test_the_kept_rows_are_a_small_share_of_a_replication():
    """The point of keeping only what is read: the driver's memory. Age bands and offence groups are most rows."""
    spec = _spec(False)
    from simulation.questions.project import run_projection

    rows = run_projection(spec, range(1))
    assert rows_read(rows).all(), "run_projection returns only the rows it keeps"
    assert not (rows["group"].isin(["age_band", "offence_group"])).any(), (
        "expected no age-band or offence-group rows in a projection's kept rows, found some")


def test_runs_sharing_their_start_and_blocks_give_what_each_gives_alone():
    """A programme scenario after its baseline (sharing their bulk start and random blocks) against the same
    scenario run in a fresh cache: every offender's outcomes identical to the last bit."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.inputs.interventions import load_scenario, scenario_path
    from simulation.measures.reoffending import offender_outcomes
    from simulation.model import career_draws, streams
    from simulation.model.cohort_simulation import simulate_replication
    from simulation.model.streams import ReplicationStreams
    from simulation.runs.tasks import cohort_seed, replication_seeds

    cohort = generate_cohort("adult", 3000, cohort_seed(5))
    params = default_params()
    scenario = load_scenario(scenario_path("drug_treatment"))
    sequence = replication_seeds(5, 1)[0]

    def outcomes(name: str) -> pd.DataFrame:
        chosen = scenario if name == "scenario" else None
        from simulation.inputs.interventions import BASELINE
        from simulation.inputs.services import derive_services

        run = derive_services(chosen, cohort) if chosen is not None else BASELINE
        log = simulate_replication(cohort, params, run, ReplicationStreams(sequence, cohort.size))
        return offender_outcomes(cohort, log, params)

    career_draws._STARTS.clear()
    streams.BLOCKS.clear()
    outcomes("baseline")
    shared = outcomes("scenario")
    assert len(career_draws._STARTS) == 1, "the scenario must have reused its baseline's start"
    career_draws._STARTS.clear()
    streams.BLOCKS.clear()
    alone = outcomes("scenario")
    pd.testing.assert_frame_equal(shared, alone, check_exact=True)
    assert (shared["proven"].to_numpy() != outcomes("baseline")["proven"].to_numpy()).any(), (
        "the scenario must change some offender's outcome, or the comparison proves nothing")


def test_shared_numbers_cannot_be_changed_by_a_run():
    """The blocks and the start are shared by every run of a replication: a run writing into them would change
    the next run's numbers, so they are read-only."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.model.career_draws import CareerDraws
    from simulation.model.streams import ReplicationStreams
    from simulation.runs.tasks import cohort_seed, replication_seeds

    cohort = generate_cohort("adult", 200, cohort_seed(6))
    draws = CareerDraws(cohort, default_params(), ReplicationStreams(replication_seeds(6, 1)[0], cohort.size))
    for array in (draws.outcome_block[0], draws.rates_at_start, draws.streams.offence_gap.block):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0


def test_a_run_of_many_replications_holds_the_numbers_and_start_of_the_replication_in_hand_only():
    """Numbers and starts are a replication's own: kept beyond it, they served no later run and only raised the
    peak (10 national replications of `simulate run`: 468 MB, against 386 MB with one replication's kept)."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.inputs.interventions import BASELINE
    from simulation.model import career_draws, streams
    from simulation.runs.tasks import Run, cohort_seed, groups_for, run_task

    cohort = generate_cohort("adult", 2000, cohort_seed(7))
    groups = groups_for([((), [Run(BASELINE, default_params())])], range(3), seed=7)
    career_draws._STARTS.clear()
    streams.BLOCKS.clear()
    for group in groups:
        (task,) = group.tasks
        run_task(cohort, task)
        mine = (task.sequence.entropy, tuple(task.sequence.spawn_key))
        blocks = list(streams.BLOCKS._blocks)
        assert blocks and {(key[0], key[1][:-1]) for key in blocks} == {mine}, (
            f"replication {group.replication}: blocks of other replications kept")
        assert [(key[2], key[3]) for key in career_draws._STARTS] == [mine], (
            f"replication {group.replication}: starts of other replications kept")
    assert streams.BLOCKS._bytes == sum(block.nbytes for block in streams.BLOCKS._blocks.values())


def test_room_for_a_new_start_is_made_before_it_is_worked_out(monkeypatch):
    """The bound on kept starts holds at the peak: with room for one start, the one kept is let go before the next
    is worked out, not after (two national starts side by side were the peak of a run)."""
    from simulation.inputs.cohort import generate_cohort
    from simulation.model import career_draws
    from simulation.model.streams import ReplicationStreams
    from simulation.runs.tasks import cohort_seed, replication_seeds

    cohort = generate_cohort("adult", 500, cohort_seed(8))
    sequence = replication_seeds(8, 1)[0]
    monkeypatch.setattr(career_draws, "KEPT_OFFENDERS", cohort.size)
    kept_while_working = []
    working_out = career_draws.CohortStart.__init__

    def spy(self, *args):
        kept_while_working.append(len(career_draws._STARTS))
        working_out(self, *args)

    monkeypatch.setattr(career_draws.CohortStart, "__init__", spy)
    career_draws._STARTS.clear()
    for detection in (0.02, 0.03):  # two sets of parameters: two starts
        params = default_params().model_copy(update={"detection_probability": detection})
        career_draws.CohortStart.of(cohort, params, ReplicationStreams(sequence, cohort.size))
    assert kept_while_working == [0, 0], f"starts kept while the next was worked out: {kept_while_working}"
    assert len(career_draws._STARTS) == 1
    career_draws._STARTS.clear()
