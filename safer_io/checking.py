"""`safer run --check`: every step's own checks, and nothing else.

A job file can be valid as YAML, and every option of the right type, yet a step can still be refused when it
runs: an indicator the questionnaire does not have (`indicator: [NI999]`), a confidence level of 5, a cohort of
100,000,000 that cannot fit in memory. Checked only when the step ran, the job wrote step 1 and stopped at step 2
(issue 21). So `--check` runs each step's command itself, in checking mode: a job checks its options as it always
does and then calls `checks_done()` where its work would begin, which in checking mode raises `CheckedOnly`; the
runner takes that as the step passing. The checks are the run's own, so they cannot drift apart.

Nothing is written in checking mode: an output about to be written (`safer_io.outputs`), or a folder about to be
made, raises `CheckedOnly` too, so a command without a `checks_done()` stops at its first write at the latest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_checking: ContextVar[bool] = ContextVar("safer_checking_only", default=False)


class CheckedOnly(BaseException):  # noqa: N818 - not an error: the signal that a step's checks passed
    """A job reached the end of its checks in checking mode (a BaseException, so no command's error handling
    mistakes it for a failure)."""


@contextlib.contextmanager
def checking_only() -> Iterator[None]:
    """Within the block, jobs stop at the end of their checks and nothing is written."""
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


def checking() -> bool:
    """Whether this is `safer run --check`."""
    return _checking.get()


def checks_done() -> None:
    """Where a job's checks end and its work begins: in checking mode, stop here."""
    if _checking.get():
        raise CheckedOnly
