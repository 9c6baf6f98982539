"""Errors raised on bad survey input; the CLI turns them into exit code 2."""

from __future__ import annotations


class SurveyInputError(ValueError):
    """Bad input to the survey pipeline: the message names the file, row, column or field."""
