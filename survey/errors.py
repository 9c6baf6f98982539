"""Errors raised on bad survey input; the CLI turns them into exit code 2."""

from __future__ import annotations


class SurveyInputError(ValueError):
    """Bad input to the survey pipeline: the message names the file, row, column or field."""


class SurveyWarning(UserWarning):
    """Something a user should know about an input that does not stop the run (it is printed and recorded):
    codes that look like missing values, controls that look like shares, overlapping stacked files."""
