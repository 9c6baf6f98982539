"""The memory estimate that refuses runs which cannot fit."""

from __future__ import annotations

import pytest

from simulation.errors import SimulationInputError
from simulation.memory import BYTES_PER_OFFENDER, PROCESS_BYTES, check_fits, estimated_peak_bytes


def test_estimate_grows_with_offenders_and_workers():
    one = estimated_peak_bytes(45_000)
    assert one == PROCESS_BYTES + 45_000 * BYTES_PER_OFFENDER
    assert estimated_peak_bytes(90_000) - one == 45_000 * BYTES_PER_OFFENDER
    assert estimated_peak_bytes(45_000, workers=4) == 5 * one  # the driver and four workers


def test_a_run_that_fits_passes_and_one_that_does_not_names_size_estimate_and_memory():
    check_fits(45_000, available=8 * 2**30)
    with pytest.raises(SimulationInputError) as refused:
        check_fits(10_000_000, available=24 * 2**30)
    message = str(refused.value)
    assert "10,000,000" in message and "32.8 GB" in message and "24.0 GB is available" in message, message
    with pytest.raises(SimulationInputError, match="fewer workers"):
        check_fits(2_000_000, workers=4, available=24 * 2**30)
