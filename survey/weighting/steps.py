"""The steps that build a weight before and after calibration: base weight, household selection,
nonresponse adjustment by weighting classes, trimming (R `trimWeights`) and scaling.

Each step is a plain function of arrays and columns, so it can be tested on its own; `survey.weighting`
chains them. Messages name the column, the data row and the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.weighting.controls import joint_text_codes

RESPONDENT_TEXT = {"1", "yes", "y", "true", "t", "respondent", "responded", "response", "r"}
NONRESPONDENT_TEXT = {"0", "no", "n", "false", "f", "nonrespondent", "non-respondent", "nonresponse",
                      "non-response", "nr"}


def _numeric_column(data: pd.DataFrame, column: str, role: str, source: str) -> np.ndarray:
    if column not in data.columns:
        raise SurveyInputError(f"{source}: the {role} column '{column}' is not in the data.")
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurveyInputError(
            f"{source}: the {role} column '{column}' must be a number in every row; data row {row + 1} has "
            f"{raw.iloc[row]!r} ({int(bad.sum())} such rows)."
        )
    return values


def base_weights(
    data: pd.DataFrame,
    *,
    weight: str | None = None,
    selection_probability: str | None = None,
    source: str = "data",
) -> np.ndarray:
    """Design weights: 1 / selection probability, or a given weight column, or 1 for every row."""
    if weight is not None and selection_probability is not None:
        raise SurveyInputError("give either a weight column or a selection-probability column, not both.")
    if selection_probability is not None:
        p = _numeric_column(data, selection_probability, "selection-probability", source)
        bad = (p <= 0) | (p > 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise SurveyInputError(
                f"{source}: the selection-probability column '{selection_probability}' must lie in (0, 1]; "
                f"data row {row + 1} has {p[row]:g}."
            )
        return 1.0 / p
    if weight is not None:
        w = _numeric_column(data, weight, "weight", source)
        bad = w <= 0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise SurveyInputError(
                f"{source}: the weight column '{weight}' must be positive; data row {row + 1} has {w[row]:g}."
            )
        return w
    return np.ones(len(data), dtype=np.float64)


def household_selection_factor(data: pd.DataFrame, adults: str, cap: int = 4, *, source: str = "data") -> np.ndarray:
    """One adult selected per household: the chance of selection is 1/adults, so the weight is multiplied
    by the number of adults, capped at `cap` (large households are rare and would inflate variance)."""
    if cap < 1:
        raise SurveyInputError(f"--adults-cap must be at least 1, not {cap}.")
    count = _numeric_column(data, adults, "number-of-adults", source)
    bad = (count < 1) | (count != np.floor(count))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurveyInputError(
            f"{source}: the number-of-adults column '{adults}' must be a whole number of at least 1; data row "
            f"{row + 1} has {count[row]:g}."
        )
    factor: np.ndarray = np.minimum(count, float(cap))
    return factor


def response_indicator(data: pd.DataFrame, column: str, *, source: str = "data") -> np.ndarray:
    """True for respondents: 1/0, true/false, yes/no or respondent/nonrespondent (text, any case)."""
    if column not in data.columns:
        raise SurveyInputError(f"{source}: the response-status column '{column}' is not in the data.")
    raw = data[column]
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise SurveyInputError(f"{source}: the response-status column '{column}' is empty at data row {row + 1}.")
    meaning = []
    for value in uniques:
        text = str(int(value)) if isinstance(value, float) and float(value).is_integer() else str(value)
        text = text.strip().casefold()
        if text in RESPONDENT_TEXT:
            meaning.append(True)
        elif text in NONRESPONDENT_TEXT:
            meaning.append(False)
        else:
            row = int(np.flatnonzero(raw.astype(str).to_numpy() == str(value))[0]) if len(raw) else 0
            raise SurveyInputError(
                f"{source}: the response-status column '{column}' has {value!r} at data row {row + 1}; use 1/0, "
                "yes/no, true/false or respondent/nonrespondent."
            )
    result: np.ndarray = np.asarray(meaning, dtype=bool)[codes]
    return result


@dataclass(frozen=True)
class NonresponseAdjustment:
    """Weighting-class adjustment: respondent weights times the class factor; non-respondents dropped."""

    respondent: np.ndarray
    """Bool per input row."""
    factor: np.ndarray
    """Per input row (class factor; meaningful for respondents)"""
    classes: pd.DataFrame
    """Per class: labels, eligible, respondents, response rate (weighted), factor."""


def nonresponse_adjustment(
    data: pd.DataFrame,
    weights: np.ndarray,
    response: str,
    classes: Sequence[str] = (),
    *,
    source: str = "data",
) -> NonresponseAdjustment:
    """Within each weighting class: factor = sum of weights of all eligible units / sum over respondents."""
    respondent = response_indicator(data, response, source=source)
    if classes:
        for column in classes:
            if column not in data.columns:
                raise SurveyInputError(f"{source}: the weighting-class column '{column}' is not in the data.")
            if data[column].isna().any():
                row = int(np.flatnonzero(data[column].isna().to_numpy())[0])
                raise SurveyInputError(
                    f"{source}: the weighting-class column '{column}' is empty at data row {row + 1}."
                )
        if len(classes) > 1:
            # Labels 'a / b' made once per combination of classes that occurs, not joined row by row.
            combo, texts = joint_text_codes([data[column].astype(str) for column in classes], to_text=str)
            combo_code, labels = pd.factorize(pd.Series([" / ".join(t) for t in texts], dtype=object), sort=True)
            code = combo_code[combo]
        else:
            code, labels = pd.factorize(data[classes[0]], sort=True)
        class_labels = [str(v) for v in labels]
    else:
        code = np.zeros(len(data), dtype=np.int64)
        class_labels = ["all"]
    k = len(class_labels)
    eligible = np.bincount(code, weights=weights, minlength=k)
    responding = np.bincount(code, weights=weights * respondent, minlength=k)
    n_eligible = np.bincount(code, minlength=k)
    n_responding = np.bincount(code, weights=respondent.astype(np.float64), minlength=k).astype(np.int64)
    empty = np.flatnonzero(n_responding == 0)
    if empty.size:
        raise SurveyInputError(
            f"{source}: weighting class {class_labels[empty[0]]!r}"
            + (f" ({', '.join(classes)})" if classes else "")
            + f" has {int(n_eligible[empty[0]])} eligible units but no respondents; merge it with another class."
        )
    factor = eligible / responding
    table = pd.DataFrame({
        "class": class_labels,
        "eligible": n_eligible,
        "respondents": n_responding,
        "weighted_response_rate": responding / eligible,
        "factor": factor,
    })
    return NonresponseAdjustment(respondent=respondent, factor=factor[code], classes=table)


def trim_weights(
    weights: np.ndarray,
    *,
    upper: float | np.ndarray = np.inf,
    lower: float | np.ndarray = -np.inf,
    strict: bool = False,
    group: np.ndarray | None = None,
) -> np.ndarray:
    """R `trimWeights`: clip weights to [lower, upper] and share what was cut off equally (an equal amount
    added to each weight that was not clipped), so the total is unchanged. With `strict`, repeat until no
    weight is outside. With `group`, each group is trimmed on its own (R run on each group's design), so
    group totals are kept. Works on a vector, or on a matrix column by column (replicate weights)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 2:
        return np.column_stack([
            trim_weights(w[:, j], upper=upper, lower=lower, strict=strict, group=group) for j in range(w.shape[1])
        ]) if w.shape[1] else w.copy()
    if group is None:
        group = np.zeros(w.size, dtype=np.int64)
    n_groups = int(group.max()) + 1 if group.size else 0
    out = w.copy()
    for _ in range(1000):
        outside = (out < lower) | (out > upper)
        if not outside.any():
            break
        clipped = np.clip(out, lower, upper)
        cut = np.bincount(group, weights=out - clipped, minlength=n_groups)
        keep = np.bincount(group, weights=(~outside).astype(np.float64), minlength=n_groups)
        touched = np.bincount(group, weights=outside.astype(np.float64), minlength=n_groups) > 0
        if np.any(touched & (keep == 0)):
            raise SurveyInputError(
                "cannot trim the weights: every weight of a group is outside the limits, so there is nothing to "
                "take up the excess."
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(keep > 0, cut / keep, 0.0)
        out = np.where(outside, clipped, out + share[group])
        if not strict:
            break
    return out


def scale_factor(
    weights: np.ndarray, target: str, *, group: np.ndarray | None = None, totals: np.ndarray | None = None
) -> np.ndarray:
    """Per-row multiplier: 'sample' makes the weights average 1 over the whole file (one constant, so
    groups keep their relative sizes); 'population' makes each group's weights add up to `totals[group]`
    (the control grand totals); 'none' is 1."""
    n = weights.size
    if target == "none":
        return np.ones(n)
    if target == "sample":
        return np.full(n, n / weights.sum())
    if target == "population":
        if totals is None or group is None:
            raise SurveyInputError("--scale population needs control totals (--controls) to know the population.")
        sums = np.bincount(group, weights=weights, minlength=totals.size)
        factor: np.ndarray = (totals / sums)[group]
        return factor
    raise SurveyInputError(f"--scale '{target}' is not one of population, sample, none.")
