"""Are the control totals plausible? Margins that describe one population, and counts rather than shares.

Every margin of one calibration group must add up to the same population: raking to an age margin of 24,420 and
a sex margin of 24,421 cannot converge exactly. Published totals are rounded, though, so margins may differ by a
person or two: `--control-tolerance` (relative, default 1e-6) sets how far they may differ. Within it, each
margin is scaled to the first variable's total (a warning says by how much when it is more than rounding noise
of the floating point); beyond it the file is refused, naming the largest discrepancy.

Totals that add up to 1 or 100 in a group are probably shares or percentages, not population counts: calibrating
each authority to a total of 1 weights every authority alike whatever its size (national NI 17 moved from 0.178
to 0.170), so they draw a warning asking whether they are shares.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError, SurveyWarning

GRAND_TOTAL_RTOL = 1e-6
"""Default `--control-tolerance`: margins of one group may differ by this much, relative to the first's total."""
SHARE_TOTALS = (1.0, 100.0)
"""Group totals that suggest shares or percentages rather than counts."""
SHARE_RTOL = 0.005
"""How near a group total must be to 1 or 100 to suggest shares (rounded shares add up to 0.999 or 100.1)."""


def group_label(values: Sequence[Any], columns: Sequence[str]) -> str:
    """'la=E06000001' (or 'all' without groups) for messages and reports."""
    if not columns:
        return "all"
    return ", ".join(f"{c}={v}" for c, v in zip(columns, values, strict=True))


def _group_sums(table: pd.DataFrame, by: tuple[str, ...]) -> tuple[np.ndarray, list[str], list[str], pd.Index]:
    variables = list(dict.fromkeys(table["variable"]))
    if by:
        sums = table.groupby([*by, "variable"], sort=False)["total"].sum().unstack("variable")
    else:
        sums = table.groupby("variable", sort=False)["total"].sum().to_frame().T
    sums = sums.reindex(columns=variables)
    labels = [group_label(k if isinstance(k, tuple) else (k,), by) for k in sums.index] if by else ["all"]
    return sums.to_numpy(dtype=np.float64), variables, labels, sums.index


def check_margins(table: pd.DataFrame, by: tuple[str, ...], source: str,
                  tolerance: float = GRAND_TOTAL_RTOL) -> pd.DataFrame:
    """Every group has every variable, and its margins agree within `tolerance` (relative); returns the table
    with each margin scaled to its group's first variable's total."""
    if not np.isfinite(tolerance) or tolerance < 0:
        raise SurveyInputError(f"--control-tolerance {tolerance}: give a relative tolerance of 0 or more.")
    values, variables, labels, index = _group_sums(table, by)
    absent = np.isnan(values)
    if absent.any():
        g, v = np.argwhere(absent)[0]
        raise SurveyInputError(
            f"{source}: group {labels[g]} has no totals for variable '{variables[v]}'; every group needs the same "
            "calibration variables."
        )
    reference = values[:, :1]
    empty = np.flatnonzero(reference[:, 0] <= 0)
    if empty.size:
        raise SurveyInputError(f"{source}: the totals of group {labels[empty[0]]} add up to zero.")
    relative = np.abs(values - reference) / np.maximum(np.abs(reference), 1.0)
    g, v = np.unravel_index(int(np.argmax(relative)), relative.shape)
    largest = float(relative[g, v])
    if largest > tolerance:
        beyond = int((relative > tolerance).any(axis=1).sum())
        raise SurveyInputError(
            f"{source}: the margins of a group must describe one population; the largest discrepancy is in group "
            f"{labels[g]}, where the totals of '{variables[v]}' add up to {values[g, v]:,.6g} but those of "
            f"'{variables[0]}' add up to {values[g, 0]:,.6g} (a relative difference of {largest:.3g}, above the "
            f"--control-tolerance of {tolerance:g}; {beyond} group(s) beyond it). Correct the totals, or raise "
            "--control-tolerance if they are rounded published figures (each margin is then scaled to the first's "
            "total)."
        )
    if largest > 1e-12:
        # Each margin scaled to its group's first variable's total.
        margin = table.groupby([*by, "variable"], sort=False)["total"].transform("sum").to_numpy()
        first = table[table["variable"] == variables[0]]
        if by:
            grand = first.groupby(list(by), sort=False)["total"].sum().rename("grand").reset_index()
            reference_of_row = table[list(by)].merge(grand, on=list(by), how="left")["grand"].to_numpy()
        else:
            reference_of_row = np.full(len(table), first["total"].sum())
        table = table.assign(total=table["total"].to_numpy() * reference_of_row / margin)
        if largest > 1e-9:
            warnings.warn(
                f"{source}: margins of a group differ by up to {largest:.3g} (relative; largest in group {labels[g]}, "
                f"'{variables[v]}' {values[g, v]:,.6g} against '{variables[0]}' {values[g, 0]:,.6g}), within "
                f"--control-tolerance {tolerance:g}; each margin was scaled to its group's '{variables[0]}' total.",
                SurveyWarning, stacklevel=2)
    return table


def warn_if_shares(table: pd.DataFrame, by: tuple[str, ...], source: str) -> None:
    """Warn (`SurveyWarning`) when groups' totals add up to 1 or 100: shares, not population counts?"""
    values, variables, labels, _ = _group_sums(table, by)
    totals = values[:, 0]
    for share in SHARE_TOTALS:
        near = np.abs(totals - share) <= SHARE_RTOL * share
        if near.any():
            first = int(np.flatnonzero(near)[0])
            warnings.warn(
                f"{source}: the totals of {int(near.sum())} of {len(totals)} group(s) add up to about {share:g} (e.g. "
                f"{labels[first]}: {totals[first]:,.6g}); are these shares or percentages? Calibration needs "
                "population counts: to shares, every group is weighted as if it had the same population.",
                SurveyWarning, stacklevel=2)
            return
