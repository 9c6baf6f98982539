"""A custody spell still running when the run ends counts, clipped to follow-up, like any other.

The run stops at about day 639 (the last start of follow-up, the follow-up year and the waiting period). An
offender sent to custody late in follow-up, with release after that, is in custody for the rest of their
follow-up: those days are custody days, are not probation days, and no offences are committed in them. The
model once logged a spell only on release, so such a spell was never logged (101 spells, 5.9% of custody days
in a 10,000 baseline run) and its days counted as liberty.

Here every court conviction means custody for 2,000 days (no one is released before the run ends) and there are
no breaches, so each offender's one spell begins on the proven day of their first custodial conviction inside
follow-up, read from the offence log: custody, probation and committed offences follow from that day alone.
Both the bulk path (`Careers._follow`) and the event path (`Careers._custody`) are checked.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation.inputs.interventions import BASELINE
from simulation.measures.committed import committed_mix, relative_committed
from simulation.measures.reoffending import offender_outcomes
from simulation.model.cohort_simulation import simulate_replication
from simulation.model.offence_outcomes import CUSTODY
from simulation.model.rates import age_paths
from simulation.model.streams import ReplicationStreams
from simulation.runs.runner import replication_seeds

SENTENCE_DAYS = 2000.0
"""Time served for every custodial conviction: longer than the whole run."""
TOLERANCE_DAYS = 1e-9


@pytest.fixture(scope="module")
def long_sentences(uniform_cohort, with_params):
    """200 reference adults on community orders, every court conviction a 2,000-day custodial sentence."""
    params = with_params(
        base_offending_rate=60.0, heterogeneity_theta=0.0, custody_probability=1.0, serious_custody_probability=1.0,
        custody_served_median_days=SENTENCE_DAYS, custody_served_sigma=0.0, serious_served_multiplier=1.0,
        breach_rate_per_year=0.0,
    )
    return uniform_cohort(200, disposal="community"), params


def _entry_days(career, start: np.ndarray, follow_up_days: float) -> np.ndarray:
    """Each offender's day of entry to custody, from the offence log alone (inf: none inside follow-up)."""
    offences = career.offences
    ends = start[offences.offender] + follow_up_days
    custodial = (offences.custody_code == CUSTODY) & (offences.committed < ends) & (offences.proven < ends)
    entry = np.full(start.size, np.inf)
    np.minimum.at(entry, offences.offender[custodial], offences.proven[custodial])
    return entry


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk_path", "event_path"])
def test_a_spell_running_when_the_run_ends_counts_clipped_to_follow_up(long_sentences, bulk):
    cohort, params = long_sentences
    streams = ReplicationStreams(replication_seeds(31, 1)[0], cohort.size)
    career = simulate_replication(cohort, params, BASELINE, streams, bulk=bulk)
    start = cohort.frame["start_day"].to_numpy(float)
    follow_up = params.follow_up_days
    end = start + follow_up
    entry = _entry_days(career, start, follow_up)
    sent = np.isfinite(entry)
    late = sent & (entry > end - 60)  # sent down in the last two months of follow-up
    assert sent.sum() > 50 and late.sum() > 3, f"the case must send many down, some late: {sent.sum()}, {late.sum()}"

    logged = np.bincount(career.custody.offender, minlength=cohort.size)
    assert np.array_equal(logged, sent.astype(int)), (
        f"expected one spell for each of the {sent.sum()} offenders sent to custody, found {logged.sum()} spells "
        f"for {np.count_nonzero(logged)} offenders")
    assert np.all(career.custody.released[:] >= career.custody.entered + SENTENCE_DAYS - TOLERANCE_DAYS)

    outcomes = offender_outcomes(cohort, career, params)
    expected_custody = np.where(sent, end - np.minimum(entry, end), 0.0)
    worst = float(np.max(np.abs(outcomes["custody_days"].to_numpy() - expected_custody)))
    assert worst <= TOLERANCE_DAYS, (
        f"custody days: expected {expected_custody.sum():.1f} (late entrants {expected_custody[late].sum():.1f}), "
        f"found {outcomes['custody_days'].sum():.1f}; largest difference {worst} days")

    supervision_end = start + params.supervision_days["community"]
    expected_probation = np.minimum(np.minimum(entry, supervision_end), end) - start
    worst = float(np.max(np.abs(outcomes["probation_days"].to_numpy() - expected_probation)))
    assert worst <= TOLERANCE_DAYS, (
        f"probation days: expected {expected_probation.sum():.1f}, found {outcomes['probation_days'].sum():.1f}")

    # Offences committed: the committed rate integrated over liberty only, up to entry to custody.
    _, per_detected = committed_mix(cohort.frame, params)
    at_liberty = np.minimum(entry, end) - start
    expected_committed = age_paths(cohort.frame, params).hazard(career.committed_rate, at_liberty) * (
        relative_committed(per_detected, params))
    found = outcomes["committed"].to_numpy()
    assert np.allclose(found, expected_committed, rtol=1e-12, atol=0), (
        f"offences committed by late entrants: expected {expected_committed[late].sum():.4f} (at liberty until "
        f"entry), found {found[late].sum():.4f}")
