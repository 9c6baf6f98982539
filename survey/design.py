"""The survey design object: strata, clusters, weights, finite population correction and calibration history.

Like R's `svydesign`, one object carries everything an estimator needs, so that variance after raking is
right without the user remembering anything. PSUs are always treated as nested within strata (R's
`nest = TRUE`): the same PSU label in two strata names two PSUs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from survey.errors import SurveyInputError
from survey.options import (
    LONELY_PSU_OPTIONS,
    CalibrationMethod,
    LonelyPSU,
    ReplicateMethod,
    VarianceMethod,
    choose,
)
from survey.reading.specfiles import read_yaml_mapping, validate_spec

# R degf(): qr(weights, tol = 1e-5)$rank; on the Gram matrix that is eigenvalues above (1e-5)^2 of the largest.
RANK_RTOL = 1e-10
CERTAINTY_FPC = 1e-7
"""Below this finite population correction (N_h - n_h) / N_h a stratum is self-representing (R `onestrat`)."""


@dataclass(frozen=True)
class CalibrationStep:
    """One calibration of the weights to control totals, kept so that variances can account for it.

    The calibration model is categorical: every row falls in one *cell* (a combination of the calibration
    variables' categories within one calibration group), and the g-weight is constant within a cell.
    Variances use the residual method (R `calibrate`): influence values are replaced by their residuals
    from a regression on `cell_matrix`, weighted by the weights before calibration, within each group.
    """

    method: CalibrationMethod
    """Calibration distance (R `calfun`)."""
    variables: tuple[str, ...]
    """The calibration variables (margins), in model order."""
    group_columns: tuple[str, ...]
    """Columns whose values define the calibration groups (calibrated separately); empty for one group."""
    bounds: tuple[float, float] | None
    """Bounds on the g-weight, or None."""
    cell: np.ndarray
    """int64 per row: global cell id."""
    cell_group: np.ndarray
    """int64 per cell: calibration group id."""
    cell_matrix: np.ndarray
    """float64 (n_cells, p): the model row (dummies of every margin) of each cell."""
    cell_g: np.ndarray
    """float64 per cell: g-weight (weight after / weight before)."""
    weights_before: np.ndarray
    """float64 per row: weights before calibration."""
    weights_after: np.ndarray
    """float64 per row: calibrated weights."""
    group_labels: tuple[str, ...] = ()
    """Label of each calibration group, for messages and diagnostics."""
    diagnostics: dict[str, Any] = field(default_factory=dict)
    """Iterations, convergence and the model, as reported by the calibration."""

    @property
    def n_groups(self) -> int:
        return int(self.cell_group.max()) + 1 if self.cell_group.size else 0


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights and the constants of the replicate variance, as R `svrepdesign`.

    variance = scale * sum_r rscales[r] * (theta_r - centre)^2, where centre is the full-sample estimate
    when `mse` is true and the mean of the replicates otherwise.
    """

    weights: np.ndarray
    """float64 (n_rows, n_replicates): the replicate weights."""
    scale: float
    """Overall multiplier of the replicate variance (R `scale`)."""
    rscales: np.ndarray
    """float64 (n_replicates,): per-replicate multipliers (R `rscales`)."""
    method: ReplicateMethod
    """How the replicates were formed."""
    mse: bool = False
    """Centre the replicates on the full-sample estimate (True) or on their mean (False, R's default)."""
    degrees_of_freedom: int | None = None
    """R `degf()`: rank of the replicate weights minus 1."""

    @property
    def n_replicates(self) -> int:
        return int(self.weights.shape[1])


@dataclass(frozen=True)
class SurveyDesign:
    """A single-stage (ultimate-cluster) sample design over the rows of `data`.

    `stratum` and `psu` are dense integer codes; `psu` codes are global (unique across strata).
    """

    data: pd.DataFrame
    """The rows of the sample."""
    weights: np.ndarray
    """float64 per row: final weights."""
    stratum: np.ndarray
    """int64 per row: stratum code."""
    psu: np.ndarray
    """int64 per row: PSU code, unique across strata."""
    psu_stratum: np.ndarray
    """int64 per PSU: its stratum code."""
    n_psu_in_stratum: np.ndarray
    """int64 per stratum: PSUs sampled."""
    stratum_fpc_factor: np.ndarray
    """float64 per stratum: (N_h - n_h) / N_h, or 1 without an fpc."""
    lonely_psu: LonelyPSU = "fail"
    """What to do with single-PSU strata."""
    weight_column: str | None = None
    """Column the weights came from (None: weights of 1)."""
    strata_column: str | None = None
    """Column the strata came from (None: one stratum)."""
    psu_column: str | None = None
    """Column the PSUs came from (None: every row its own PSU)."""
    fpc_column: str | None = None
    """Column the fpc came from, if any."""
    stratum_labels: tuple[str, ...] = ()
    """Stratum values as text, by code."""
    calibrations: tuple[CalibrationStep, ...] = ()
    """Calibration steps applied to the weights, oldest first."""
    weight_history: tuple[tuple[str, np.ndarray], ...] = ()
    """Earlier weights, each with the step that replaced them."""
    replicates: ReplicateWeights | None = None
    """Replicate weights; when present they decide the variance."""

    @property
    def variance_method(self) -> VarianceMethod:
        """`replicate` when the design carries replicate weights, else `taylor` (as R's design classes)."""
        return "replicate" if self.replicates is not None else "taylor"

    @property
    def n_rows(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_strata(self) -> int:
        return int(self.n_psu_in_stratum.shape[0])

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.shape[0])

    @property
    def lonely_strata(self) -> np.ndarray:
        """bool per stratum: a single PSU that is not a certainty PSU.

        A stratum whose fpc says every PSU was sampled (f = 1, a finite population correction of 0) adds no
        variance whatever its number of PSUs: R's `onestrat` returns 0 for it before looking at lonely PSUs, so
        it is never refused under `fail`, nor dropped under `average`.
        """
        return (self.n_psu_in_stratum == 1) & (self.stratum_fpc_factor >= CERTAINTY_FPC)

    @property
    def is_calibrated(self) -> bool:
        return bool(self.calibrations)

    @property
    def degrees_of_freedom(self) -> int:
        """PSUs minus strata, as R `degf()` (replicate designs: rank of the replicate weights minus 1)."""
        if self.replicates is not None and self.replicates.degrees_of_freedom is not None:
            return self.replicates.degrees_of_freedom
        return self.n_psu - self.n_strata

    def with_weights(self, weights: np.ndarray, step: str) -> SurveyDesign:
        """A copy with new final weights; the old ones are kept in `weight_history` under `step`."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != self.weights.shape:
            raise ValueError("new weights must have one value per row")
        history = (*self.weight_history, (step, self.weights))
        return replace(self, weights=weights, weight_history=history)

    def with_calibration(self, step: CalibrationStep) -> SurveyDesign:
        """A copy whose final weights are the calibrated ones, with the step recorded."""
        history = (*self.weight_history, (f"before {step.method} calibration", self.weights))
        return replace(
            self, weights=step.weights_after, calibrations=(*self.calibrations, step), weight_history=history
        )

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary of the design, for output metadata."""
        return {
            "rows": self.n_rows,
            "weight": self.weight_column,
            "strata": self.strata_column,
            "psu": self.psu_column,
            "fpc": self.fpc_column,
            "n_strata": self.n_strata,
            "n_psu": self.n_psu,
            "degrees_of_freedom": self.degrees_of_freedom,
            "lonely_psu": self.lonely_psu,
            "replicates": (
                {"method": self.replicates.method, "n": self.replicates.n_replicates}
                if self.replicates is not None
                else None
            ),
            "calibrations": [
                {
                    "method": c.method,
                    "variables": list(c.variables),
                    "groups": list(c.group_columns),
                    "bounds": list(c.bounds) if c.bounds else None,
                    "n_groups": c.n_groups,
                }
                for c in self.calibrations
            ],
        }


class DesignSpec(BaseModel):
    """Design columns as read from a design YAML file (`--design design.yaml`)."""

    model_config = ConfigDict(extra="forbid")

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: LonelyPSU = "fail"


def load_design_spec(path: str | Path) -> DesignSpec:
    """Read and validate a design YAML file; errors name the file and the field."""
    path = Path(path)
    return validate_spec(DesignSpec, read_yaml_mapping(path, "design file"), str(path))


def _require_column(data: pd.DataFrame, column: str, role: str, source: str) -> pd.Series:
    if column not in data.columns:
        raise SurveyInputError(
            f"{source}: the {role} column '{column}' is not in the data. "
            f"Columns present: {', '.join(map(str, data.columns[:30]))}"
            + (" ..." if len(data.columns) > 30 else "")
            + "."
        )
    return data[column]


def _codes(values: pd.Series, role: str, column: str, source: str) -> tuple[np.ndarray, list[str]]:
    missing = values.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise SurveyInputError(
            f"{source}: the {role} column '{column}' is empty in {int(missing.sum())} row(s), "
            f"first at data row {row}."
        )
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), [str(u) for u in uniques]


def _weights(data: pd.DataFrame, column: str | None, source: str) -> np.ndarray:
    if column is None:
        return np.ones(len(data), dtype=np.float64)
    raw = _require_column(data, column, "weight", source)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)
        first = int(rows[0])
        shown = raw.iloc[first]
        raise SurveyInputError(
            f"{source}: the weight column '{column}' must be a positive number in every row; "
            f"{rows.size} row(s) are NaN, zero, negative or not numeric, first at data row {first + 1} "
            f"(value {shown!r})."
        )
    return values


def make_design(
    data: pd.DataFrame,
    *,
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    lonely_psu: LonelyPSU | str = "fail",
    source: str = "data",
) -> SurveyDesign:
    """Build a design from column names, as R `svydesign(ids=~psu, strata=~strata, weights=~weight, fpc=~fpc)`.

    `fpc` holds either the population number of PSUs in the stratum (all values >= 1) or the sampling
    fraction (all values <= 1), as R accepts. Without `psu`, every row is its own PSU; without `strata`,
    the sample is one stratum. `source` names the data in error messages (usually its file name).

    Examples
    --------
    Two strata of two PSUs each (R `svydesign(ids = ~psu, strata = ~stratum, weights = ~w)`):

    >>> import pandas as pd
    >>> data = pd.DataFrame({"stratum": ["a", "a", "a", "b", "b", "b"], "psu": [1, 1, 2, 1, 2, 2],
    ...                      "w": [10.0, 10.0, 20.0, 15.0, 15.0, 15.0], "agree": [1, 2, 1, 1, 1, 2]})
    >>> design = make_design(data, weight="w", strata="stratum", psu="psu")
    >>> design.n_strata, design.n_psu, design.degrees_of_freedom
    (2, 4, 2)
    >>> design.variance_method
    'taylor'
    """
    lonely = choose(lonely_psu, LONELY_PSU_OPTIONS, "lonely-psu option")
    n = len(data)
    if n == 0:
        raise SurveyInputError(f"{source}: the data has no rows.")
    weights = _weights(data, weight, source)
    if strata is None:
        stratum = np.zeros(n, dtype=np.int64)
        stratum_labels = ["all"]
    else:
        stratum, stratum_labels = _codes(_require_column(data, strata, "strata", source), "strata", strata, source)
    if psu is None:
        psu_codes = np.arange(n, dtype=np.int64)
        psu_stratum = stratum.copy()
    else:
        raw_psu, _ = _codes(_require_column(data, psu, "psu", source), "psu", psu, source)
        # Nest PSUs within strata: a PSU is a (stratum, psu label) pair.
        pair = stratum * (int(raw_psu.max()) + 1) + raw_psu
        unique_pairs, psu_codes = np.unique(pair, return_inverse=True)
        psu_codes = psu_codes.astype(np.int64)
        psu_stratum = np.zeros(unique_pairs.size, dtype=np.int64)
        psu_stratum[psu_codes] = stratum
    n_strata = len(stratum_labels)
    n_psu_in_stratum = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)
    if lonely == "certainty" and n_strata > 0 and bool(np.all(n_psu_in_stratum == 1)):
        # Certainty PSUs add no variance: with every stratum single-PSU each SE would be 0 and each interval a
        # point, which looks like perfect precision rather than "no variance can be estimated".
        raise SurveyInputError(
            f"{source}: every one of the {n_strata} strata has a single PSU, so with --lonely-psu certainty no "
            "variance can be estimated (every SE would be 0). Check the strata and PSU columns, or choose "
            "--lonely-psu adjust or average."
        )
    fpc_factor = np.ones(n_strata, dtype=np.float64)
    if fpc is not None:
        fpc_factor = _fpc_factor(data, fpc, stratum, n_psu_in_stratum, stratum_labels, source)
    return SurveyDesign(
        data=data,
        weights=weights,
        stratum=stratum,
        psu=psu_codes,
        psu_stratum=psu_stratum,
        n_psu_in_stratum=n_psu_in_stratum,
        stratum_fpc_factor=fpc_factor,
        lonely_psu=lonely,
        weight_column=weight,
        strata_column=strata,
        psu_column=psu,
        fpc_column=fpc,
        stratum_labels=tuple(stratum_labels),
    )


def _fpc_factor(
    data: pd.DataFrame,
    column: str,
    stratum: np.ndarray,
    n_psu_in_stratum: np.ndarray,
    stratum_labels: list[str],
    source: str,
) -> np.ndarray:
    raw = _require_column(data, column, "fpc", source)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise SurveyInputError(
            f"{source}: the fpc column '{column}' must be positive in every row; data row {first + 1} "
            f"has {raw.iloc[first]!r}."
        )
    is_popsize = values > 1
    if is_popsize.any() and (values < 1).any():
        first_small = int(np.flatnonzero(values < 1)[0])
        first_big = int(np.flatnonzero(is_popsize)[0])
        raise SurveyInputError(
            f"{source}: the fpc column '{column}' mixes population sizes (data row {first_big + 1}: "
            f"{values[first_big]:g}) and sampling fractions (data row {first_small + 1}: "
            f"{values[first_small]:g}); use one or the other, as R does."
        )
    n_strata = n_psu_in_stratum.size
    lo = np.full(n_strata, np.inf)
    hi = np.full(n_strata, -np.inf)
    np.minimum.at(lo, stratum, values)
    np.maximum.at(hi, stratum, values)
    varies = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))
    if varies.size:
        raise SurveyInputError(
            f"{source}: the fpc column '{column}' varies within stratum '{stratum_labels[varies[0]]}'; "
            "it must be constant within each stratum."
        )
    # Values above 1 are population sizes; otherwise sampling fractions (1 means a census stratum).
    popsize = lo if is_popsize.any() else n_psu_in_stratum / lo
    too_small = np.flatnonzero(popsize < n_psu_in_stratum - 1e-9)
    if too_small.size:
        h = too_small[0]
        raise SurveyInputError(
            f"{source}: the fpc column '{column}' implies more than 100% sampling in stratum "
            f"'{stratum_labels[h]}' ({n_psu_in_stratum[h]} PSUs sampled from a population of {popsize[h]:g})."
        )
    factor: np.ndarray = (popsize - n_psu_in_stratum) / popsize
    return factor


def gram_rank(grams: np.ndarray) -> np.ndarray:
    """Rank of matrices given their Gram matrices (m, R, R), with R `qr(tol = 1e-5)`'s relative tolerance.

    R's `degf()` of a replicate design is the rank of its replicate weights minus 1.
    """
    if grams.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    eig = np.linalg.eigvalsh(grams)
    top = eig[:, -1:]
    result: np.ndarray = np.sum(eig > RANK_RTOL * np.maximum(top, 0.0), axis=1).astype(np.int64)
    return result
