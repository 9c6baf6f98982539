"""The error raised on bad recorded-crime input; the command line turns it into one paragraph and exit code 2.

It is a kind of `safer_io.inputs.InputFileError`, which the command line already treats as bad input, so that
the `crime` commands need no handling of their own there. The message names the file, row, column, code, area
or option at fault, and what to do about it.
"""

from __future__ import annotations

from safer_io.inputs import InputFileError


class CrimeInputError(InputFileError):
    """Bad input to the recorded-crime pipeline: counts, population, groups, indicator files or options."""
