"""Will a survey request fit in memory? Replicate weights and redrawn samples, checked before any work.

`weight --replicates bootstrap:1000000000` and `check sae --replicates 1000000000` used to end in "internal
error ... please report it" (a MemoryError) after building what came before (issue 21). The model is the one of
`simulation.runs.memory`: what the request holds at its peak, against what the machine has available
(`safer_io.resources`).

- Replicate weights: one float64 per row and replicate, held about `REPLICATE_COPIES` times at the peak (the
  bootstrap's PSU factors expanded to rows, the weights, and each replicate calibrated again into a new matrix).
  Before the data are read only the replicates are known, so the check is first made for a single row (which
  already refuses a billion replicates) and again once the rows are counted.
- Redrawn samples (`safer check coverage|change-coverage|sae`): every redraw keeps its results until the
  summary, about `REDRAW_BYTES` a redraw (one row per area or domain and method, several numbers each).
"""

from __future__ import annotations

from safer_io.resources import amount, fits
from survey.errors import SurveyInputError

REPLICATE_COPIES = 4
"""Matrices of rows x replicates held at once while replicate weights are formed and calibrated."""
REDRAW_BYTES = 64_000
"""Results a redraw of a self-check keeps until the summary: about 400 areas or domains x 20 numbers x 8 bytes."""


def replicate_weight_bytes(rows: int, replicates: int) -> int:
    """Peak bytes of replicate weights for `rows` rows.

    >>> replicate_weight_bytes(525_000, 200) / 2**30
    3.129...
    """
    return 8 * REPLICATE_COPIES * rows * replicates


def check_replicate_weights_fit(rows: int, replicates: int, option: str = "--replicates",
                                available: int | None = None) -> None:
    """Refuse replicate weights that cannot fit in memory, naming the request, the estimate and what there is."""
    needed = replicate_weight_bytes(max(rows, 1), replicates)
    ok, available = fits(needed, available)
    if ok or available is None:
        return
    rows_text = "even for a single row" if rows <= 1 else f"for {rows:,} rows"
    raise SurveyInputError(
        f"{option} {replicates:,}: replicate weights {rows_text} need about {amount(needed)} of memory "
        f"({REPLICATE_COPIES} matrices of rows x replicates), but only {amount(available)} is available; "
        "use fewer replicates (a few hundred are usual; R's survey package forms 50 by default)."
    )


def check_redraws_fit(replicates: int, option: str = "--replicates", available: int | None = None) -> None:
    """Refuse a self-check whose redraws' results cannot fit in memory."""
    needed = REDRAW_BYTES * replicates
    ok, available = fits(needed, available)
    if ok or available is None:
        return
    raise SurveyInputError(
        f"{option} {replicates:,}: keeping the results of that many redrawn samples needs about {amount(needed)} of "
        f"memory (about {amount(REDRAW_BYTES)} each), but only {amount(available)} is available; ask for fewer: a "
        "few hundred redraws measure coverage to within about 2 percentage points."
    )
