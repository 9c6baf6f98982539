"""Turn item codes into indicator values: 1.0 counts, 0.0 in base but not counted, NaN out of base.

The rules come from the questionnaire file (see survey/questionnaire.py); nothing here knows about
any particular indicator. Everything is vectorised over rows. A code the questionnaire does not
know is an error, not a silent exclusion: it names the row (1-based data row, header not counted),
the column and the value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.errors import SurveyInputError
from survey.questionnaire.schema import Indicator, Item, Questionnaire
from survey.reading.coded import CodedColumn, coerce_numeric
from survey.reading.validate import resolve_item_positions

# Prorated scores are ratios; a score that should equal the threshold may land a hair below it.
_SCORE_TOLERANCE = 1e-9


def indicator_ids(questionnaire: Questionnaire) -> list[str]:
    """The indicator ids a questionnaire defines, in file order."""
    return [ind.id for ind in questionnaire.indicators]


def _item_codes(
    data: pd.DataFrame, questionnaire: Questionnaire, item: Item, indicator_id: str
) -> np.ndarray:
    """The item's column as float64 codes (NaN = blank), after checking every code is known."""
    found, ambiguous = resolve_item_positions(data, questionnaire)
    if item.id in ambiguous:
        raise SurveyInputError(
            f"indicator {indicator_id}: item '{item.id}' matches several columns "
            f"({', '.join(ambiguous[item.id])}); rename or drop all but one"
        )
    if item.id not in found:
        raise SurveyInputError(
            f"indicator {indicator_id} needs item '{item.id}' but the data has no column "
            f"named {', '.join([item.id, *item.aliases])}"
        )
    pos = found[item.id]
    column = str(data.columns[pos])
    series = data.iloc[:, pos]
    col: CodedColumn = coerce_numeric(series)
    allowed = np.asarray(item.allowed_codes, dtype="float64")
    bad = col.non_numeric | (~col.blank & ~np.isin(col.values, allowed))
    if bad.any():
        positions = np.flatnonzero(bad)
        first = int(positions[0])
        value = series.iloc[first]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        more = f" ({positions.size - 1} more row(s) like it)" if positions.size > 1 else ""
        raise SurveyInputError(
            f"code outside the questionnaire: data row {first + 1} (1-based, header not counted), "
            f"column '{column}', value {value!r} is not a code of item '{item.id}' "
            f"(valid {item.valid_codes}, missing {item.missing_codes}){more}; "
            "run `safer validate` for the full list"
        )
    return col.values


def _binary(data: pd.DataFrame, q: Questionnaire, ind: Indicator) -> np.ndarray:
    item = q.item(ind.items[0])
    codes = _item_codes(data, q, item, ind.id)
    out = np.isin(codes, np.asarray(ind.counts, dtype="float64")).astype("float64")
    out_of_base = np.isnan(codes) | np.isin(codes, np.asarray(ind.base_excluded_codes, dtype="float64"))
    out[out_of_base] = np.nan
    return out


def _scale(data: pd.DataFrame, q: Questionnaire, ind: Indicator) -> np.ndarray:
    scoring = ind.scoring or {}
    n_rows = len(data)
    total = np.zeros(n_rows, dtype="float64")
    n_scored = np.zeros(n_rows, dtype="int64")
    for item_id in ind.items:
        codes = _item_codes(data, q, q.item(item_id), ind.id)
        scores = np.full(n_rows, np.nan)
        for code, points in scoring.items():
            scores[codes == code] = points
        scored = ~np.isnan(scores)
        total += np.where(scored, scores, 0.0)
        n_scored += scored
    n_strands = len(ind.items)
    if ind.missing_strand_rule == "prorate":
        with np.errstate(invalid="ignore", divide="ignore"):
            score = total * n_strands / n_scored
    else:  # all_required and missing_as_zero both sum the scored strands (unscored add 0)
        score = total
    threshold = float(ind.threshold) if ind.threshold is not None else np.inf
    in_base = n_scored >= ind.effective_min_answered
    out = (score >= threshold - _SCORE_TOLERANCE).astype("float64")
    out[~in_base] = np.nan
    return out


def indicator_values(data: pd.DataFrame, questionnaire: Questionnaire, indicator_id: str) -> np.ndarray:
    """Per-respondent indicator values (float64, one per row of `data`, in row order).

    1.0 = counts (e.g. strongly or tend to agree; high ASB score), 0.0 = in base but not counted,
    NaN = out of base (blank, a base-excluded code, a missing strand under the declared rule, or
    outside the base condition such as age). Raises SurveyInputError for an unknown indicator id
    (listing the valid ids), a missing item column, or a code the questionnaire does not define.
    """
    ind = questionnaire.indicator(indicator_id)
    values = _binary(data, questionnaire, ind) if ind.kind == "binary" else _scale(data, questionnaire, ind)
    cond = ind.base_condition
    if cond is not None:
        cond_codes = _item_codes(data, questionnaire, questionnaire.item(cond.item), ind.id)
        values[~np.isin(cond_codes, np.asarray(cond.codes, dtype="float64"))] = np.nan
    return values
