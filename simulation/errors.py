"""Errors raised on bad simulation input; the CLI turns them into exit code 2."""

from __future__ import annotations


class SimulationInputError(ValueError):
    """Bad scenario, cohort or parameter input: the message names the file, field and reason."""
