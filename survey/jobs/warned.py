"""Warnings a job raises, kept for its output's metadata as well as printed.

A job's checks warn with `SurveyWarning` (codes that look like missing values, control totals that look like
shares, stacked files whose dates overlap). `collected_warnings` catches them while the job runs and hands the
messages over, once each, for the record (`record["warnings"]`); the command line prints them to stderr.
Other warnings pass through untouched.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from survey.errors import SurveyWarning


@contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """Collect the `SurveyWarning` messages raised inside the block into the yielded list (filled on exit).

    >>> with collected_warnings() as messages:
    ...     warnings.warn("look", SurveyWarning)
    ...     warnings.warn("look", SurveyWarning)
    >>> messages
    ['look']
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    for warning in caught:
        if issubclass(warning.category, SurveyWarning):
            if str(warning.message) not in messages:
                messages.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


P = ParamSpec("P")
T = TypeVar("T")


def recording_warnings(job: Callable[P, tuple[T, dict[str, Any]]]) -> Callable[P, tuple[T, dict[str, Any]]]:
    """A job returning (table, record) whose `SurveyWarning`s are added to `record["warnings"]`."""

    @functools.wraps(job)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> tuple[T, dict[str, Any]]:
        with collected_warnings() as warned:
            table, record = job(*args, **kwargs)
        record["warnings"] = list(dict.fromkeys([*record.get("warnings", []), *warned]))
        return table, record

    return wrapper
