"""The one error the reporting layer raises for bad input; the command line turns it into exit code 2."""

from __future__ import annotations


class ReportInputError(ValueError):
    """A result, job file or report option that cannot be used; the message names the file, step or field."""
