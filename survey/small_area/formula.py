"""The covariate formula of the area model, `"~ imd + recorded_asb_rate"`, turned into a design matrix.

A small, strict reading of R's model formulae: terms joined by `+`; a term is a column name, `log(column)`
(natural log, for rates and counts) or `C(column)` (a categorical column: one 0/1 column per value except the
first, as R's treatment contrasts). The intercept is always included. Anything else is refused with a message
naming the term, and so is a covariate that is an exact linear combination of the others (say which).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError

_TERM = re.compile(r"^(?:(?P<fn>log|C)\(\s*(?P<inner>[A-Za-z_][A-Za-z0-9_.]*)\s*\)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*))$")
INTERCEPT = "(Intercept)"


@dataclass(frozen=True)
class Term:
    """One term of the formula."""

    column: str
    kind: str
    """'numeric', 'log' or 'categorical'."""
    text: str
    """The term as written, e.g. `log(recorded_asb_rate)`."""


def parse_formula(formula: str) -> tuple[Term, ...]:
    """Terms of a right-hand-side formula such as `"~ imd + log(recorded_asb_rate) + C(region)"`.

    >>> [t.text for t in parse_formula("~ imd + log(rate) + C(region)")]
    ['imd', 'log(rate)', 'C(region)']
    """
    text = formula.strip()
    if "~" in text:
        left, _, text = text.partition("~")
        if left.strip():
            raise SurveyInputError(
                f"--formula '{formula}': give only the right-hand side, e.g. '~ imd + recorded_asb_rate'; the "
                "response is the direct estimate."
            )
    text = text.strip()
    if not text or text == "1":
        return ()
    terms: list[Term] = []
    for raw in text.split("+"):
        piece = raw.strip()
        match = _TERM.match(piece)
        if match is None:
            raise SurveyInputError(
                f"--formula '{formula}': cannot read the term '{piece}'. Terms are column names, log(column) or "
                "C(column), joined by '+'."
            )
        if match.group("name"):
            term = Term(match.group("name"), "numeric", piece)
        else:
            kind = "log" if match.group("fn") == "log" else "categorical"
            term = Term(match.group("inner"), kind, f"{match.group('fn')}({match.group('inner')})")
        if any(t.text == term.text for t in terms):
            raise SurveyInputError(f"--formula '{formula}': the term '{term.text}' is given twice.")
        terms.append(term)
    return tuple(terms)


def design_matrix(terms: tuple[Term, ...], covariates: pd.DataFrame, source: str) -> tuple[np.ndarray, list[str]]:
    """Design matrix (intercept first) for every row of `covariates`, and its column names.

    Raises `SurveyInputError` for unknown columns, non-numeric values, missing values (naming the area rows)
    and non-positive values under `log`.
    """
    unknown = [t.column for t in terms if t.column not in covariates.columns]
    if unknown:
        raise SurveyInputError(
            f"{source}: the formula names column(s) not in the covariate file: {', '.join(unknown)}. "
            f"Columns there: {', '.join(map(str, covariates.columns))}."
        )
    columns: list[np.ndarray] = [np.ones(len(covariates))]
    names = [INTERCEPT]
    for term in terms:
        values = covariates[term.column]
        missing = values.isna().to_numpy()
        if missing.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(missing)[:10])
            raise SurveyInputError(
                f"{source}: column '{term.column}' is empty in {int(missing.sum())} row(s) (file rows {rows}); "
                "every area needs every covariate."
            )
        if term.kind == "categorical":
            levels = sorted(values.astype(str).unique())
            for level in levels[1:]:
                columns.append((values.astype(str) == level).to_numpy(np.float64))
                names.append(f"C({term.column})[{level}]")
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise SurveyInputError(
                f"{source}: column '{term.column}' row {first + 2} holds {values.iloc[first]!r}, not a number; "
                f"use C({term.column}) for a categorical covariate."
            )
        array = numeric.to_numpy(np.float64)
        if term.kind == "log":
            if (array <= 0).any():
                first = int(np.flatnonzero(array <= 0)[0])
                raise SurveyInputError(
                    f"{source}: log({term.column}) needs positive values; row {first + 2} holds {array[first]:g}."
                )
            array = np.log(array)
        columns.append(array)
        names.append(term.text)
    return np.column_stack(columns), names


def check_full_rank(x: np.ndarray, names: list[str], what: str) -> None:
    """Refuse a design matrix whose columns are linearly dependent, naming the column and what it repeats.

    Columns are added one at a time; the first that adds nothing to the span of those before it is named,
    with the earlier columns that reproduce it.
    """
    scale = np.maximum(np.abs(x).max(axis=0), 1e-300)
    scaled = x / scale
    for j in range(1, scaled.shape[1] + 1):
        block = scaled[:, :j]
        if np.linalg.matrix_rank(block, tol=1e-9 * max(block.shape)) < j:
            coef, *_ = np.linalg.lstsq(scaled[:, : j - 1], scaled[:, j - 1], rcond=None)
            partners = [names[k] for k in np.flatnonzero(np.abs(coef) > 1e-8)]
            repeated = f" (it is a linear combination of {', '.join(partners)})" if partners else " (it is all zero)"
            raise SurveyInputError(
                f"{what}: the covariate '{names[j - 1]}' is collinear with the others{repeated}; drop one of them "
                "from --formula."
            )
