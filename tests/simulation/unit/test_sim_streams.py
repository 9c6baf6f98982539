"""Common random numbers: an offender's numbers depend only on the seed, the purpose and the offender."""

from __future__ import annotations

import numpy as np

from simulation.model.streams import OffenderStream, Purpose, programme_purpose, standard_exponential, uniform

SEQ = np.random.SeedSequence(99, spawn_key=(1, 0))


def test_rows_do_not_depend_on_cohort_size():
    small = OffenderStream(SEQ, Purpose.OFFENCE_GAP, 10, 6, uniform)
    large = OffenderStream(SEQ, Purpose.OFFENCE_GAP, 1000, 6, uniform)
    assert np.array_equal(small.block, large.block[:10])


def test_purposes_and_replications_are_independent_streams():
    a = OffenderStream(SEQ, Purpose.OFFENCE_GAP, 50, 4, uniform).block
    b = OffenderStream(SEQ, Purpose.LAG, 50, 4, uniform).block
    c = OffenderStream(
        np.random.SeedSequence(99, spawn_key=(1, 1)), Purpose.OFFENCE_GAP, 50, 4, uniform
    ).block
    assert not np.array_equal(a, b) and not np.array_equal(a, c)


def test_values_beyond_the_block_are_deterministic_and_fresh():
    one = OffenderStream(SEQ, Purpose.SANCTION, 5, 3, uniform)
    two = OffenderStream(SEQ, Purpose.SANCTION, 5, 3, uniform)
    first = [one.value(2, k) for k in range(10)]
    assert first == [two.value(2, k) for k in range(10)]
    assert first[:3] == one.block[2].tolist()
    assert len(set(first)) == 10
    assert all(0 <= v < 1 for v in first)
    assert one.value(1, 5) != one.value(2, 5)  # overflow chunks differ between offenders


def test_transforms_apply_to_overflow_too():
    stream = OffenderStream(SEQ, Purpose.OFFENCE_GAP, 3, 2, standard_exponential)
    values = np.array([stream.value(0, k) for k in range(2000)])
    assert (values > 0).all()
    assert abs(values.mean() - 1) < 4 / np.sqrt(values.size)


def test_programme_purpose_is_stable_and_name_specific():
    assert programme_purpose("drug_treatment") == programme_purpose("drug_treatment")
    assert programme_purpose("drug_treatment") != programme_purpose("ppo_scheme")
    assert programme_purpose("x") > max(Purpose)


def test_later_chunks_read_by_jumping_ahead_equal_the_full_block():
    stream = OffenderStream(SEQ, Purpose.LAG, 300, 4, uniform)
    rows = {i: [stream.value(i, k) for k in range(8, 12)] for i in (0, 1, 137, 299)}  # chunk 2
    full = stream.uniforms(2)
    for i, row in rows.items():
        assert row == full[i].tolist(), f"offender {i}: jumped-to row {row} differs from block row {full[i]}"
    other_size = OffenderStream(SEQ, Purpose.LAG, 5000, 4, uniform)
    assert [other_size.value(137, k) for k in range(8, 12)] == rows[137], "rows must not depend on cohort size"
