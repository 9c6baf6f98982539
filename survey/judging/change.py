"""Is a change real? The difference between two periods with its full-design SE.

The Annex asks "whether the change could have arisen from random year-on-year variation" (000:460). For
each target and domain, the base and current estimates are domains of one design (two files stacked with
their own strata, or two date windows of one file), and the change current - base is a contrast of them
(`survey.estimation.variance.contrast_means`): independent samples get zero covariance because their
strata differ; overlapping windows get the covariance of the respondents they share; calibrated files
keep their calibration-aware variance; a replicate design gets replicate variances.

The interval and p-value use Student's t on the degrees of freedom of the rows the change reaches (R's
`degf()` of that subset, or the whole design's with `--df design`), as each estimate's own interval does
(`survey.judging.significance`). `direction` reads the indicator's polarity from its questionnaire: for PSA 23
indicator 4 and NI 17 a fall is an improvement.

Two thresholds are given. The Annex's minimum movement is *prospective*: before the next period is measured,
z x sqrt(SE_base^2 + SE_next^2) with the next period as precise as the base (or as a planned sample of
`next_n`), so "From 17.5 to 16.6 per cent" (000:632-634). Once the current period is in, the *retrospective*
threshold is what the change actually had to pass: t x SE of the change, with the current period's own SE and
the covariance of any respondents the periods share. The two differ when the current precision differs from
the base's or the periods overlap; the significance test is the retrospective one.

A domain with no respondent in one of the periods gets a row with blank estimates for that period and the
change, and a `note` saying so: no change can be estimated, and a current SE of 0 would pretend one was.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.cautions import DfRule, check_df_rule
from survey.estimation.contrasts import Contrasts, Estimands
from survey.estimation.estimates import OVERALL
from survey.estimation.targets import Target, domain_codes
from survey.estimation.variance import contrast_means
from survey.judging.minimum_movement import expected_se, minimum_movement, threshold_level, z_quantile
from survey.judging.periods import Period, check_distinct
from survey.judging.significance import t_test
from survey.questionnaire.schema import Polarity

CHANGE_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "indicator_title", "domain", "domain_value", "base_period", "base_estimate",
    "current_period", "current_estimate", "change", "se_change", "ci_lower", "ci_upper", "p_value", "significant",
    "direction", "minimum_movement", "threshold_level", "base_se", "current_se", "base_n", "current_n", "shared_n",
    "low_base", "degrees_of_freedom", "retrospective_movement", "retrospective_threshold", "note",
)
"""The change table; the columns after `threshold_level` give the SEs and bases behind it. `minimum_movement`
and `threshold_level` are the Annex's prospective threshold; `retrospective_*` the one the change had to pass."""
SUPPRESSED = ("base_estimate", "current_estimate", "change", "se_change", "ci_lower", "ci_upper", "p_value",
              "minimum_movement", "threshold_level", "base_se", "current_se", "retrospective_movement",
              "retrospective_threshold")


def direction(change: np.ndarray, significant: np.ndarray, polarity: Polarity | None) -> np.ndarray:
    """`improved`, `deteriorated` or `no significant change` (`increased`/`decreased` without a polarity).

    >>> direction(np.array([-0.02, 0.01, 0.03]), np.array([True, False, True]), "lower_is_better").tolist()
    ['improved', 'no significant change', 'deteriorated']
    """
    up, down = ("increased", "decreased") if polarity is None else (
        ("improved", "deteriorated") if polarity == "higher_is_better" else ("deteriorated", "improved"))
    words = np.where(change > 0, up, down).astype(object)
    words[~significant] = "no significant change"
    words[np.isnan(change)] = None
    return words


def two_period_contrasts(n_domains: int) -> Contrasts:
    """For estimands base d (d) and current d (n_domains + d): base, current, and current - base."""
    d = np.arange(n_domains)
    return Contrasts(
        contrast=np.concatenate([d, n_domains + d, 2 * n_domains + d, 2 * n_domains + d]),
        estimand=np.concatenate([d, n_domains + d, n_domains + d, d]),
        coefficient=np.concatenate([np.ones(3 * n_domains), -np.ones(n_domains)]),
        n=3 * n_domains,
    )


def change(
    design: SurveyDesign,
    targets: Sequence[Target],
    base: Period,
    current: Period,
    *,
    by: Sequence[str] = (),
    level: float = 0.95,
    independent: bool = False,
    next_n: float | None = None,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
    df_rule: DfRule = "domain",
) -> pd.DataFrame:
    """The change from `base` to `current` for every target, overall and within each level of each `by`.

    Returns `CHANGE_COLUMNS`: both estimates, the change, its SE from the full design, a t interval at
    `level` on the change's degrees of freedom (`df_rule`), the two-sided p-value, whether it is significant,
    its direction by the target's polarity, the Annex's prospective minimum movement from the base (with the
    base's precision for the next period, or that of a planned sample of `next_n`) and the level it leads to,
    and the retrospective threshold. `independent` asserts that no respondent is in both periods (an error
    otherwise). A domain below `min_base` in either period is flagged `low_base`, and blanked with `suppress`;
    a domain with no respondent in a period has blank figures and a `note`.

    Examples
    --------
    Two windows of a simple random sample sharing two respondents:

    >>> import numpy as np, pandas as pd
    >>> from survey.design import make_design
    >>> from survey.estimation.targets import mean_target
    >>> data = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6]})
    >>> first, second = Period("first", np.arange(6) < 4), Period("second", np.arange(6) >= 2)
    >>> table = change(make_design(data), [mean_target(data, "y")], first, second, min_base=1)
    >>> row = table.iloc[0]
    >>> float(row["change"]), round(float(row["se_change"]) ** 2, 5), int(row["shared_n"])
    (1.5, 0.80625, 2)
    """
    z = z_quantile(level)
    df_rule = check_df_rule(df_rule)
    check_distinct([base, current])
    for period, role in ((base, "base"), (current, "current")):
        if period.mask.shape != (design.n_rows,):
            raise ValueError("a period needs one flag per design row")
        if not period.mask.any():
            raise SurveyInputError(f"the {role} period '{period.label}' has no respondents.")
    shared = base.mask & current.mask
    if independent and shared.any():
        raise SurveyInputError(
            f"--independent was asserted, but the periods '{base.label}' and '{current.label}' share "
            f"{int(shared.sum())} respondent(s) (first at data row {int(np.flatnonzero(shared)[0]) + 1}); "
            "drop --independent to account for the overlap, or choose periods that do not overlap."
        )
    if not targets:
        raise SurveyInputError("nothing to compare: give an indicator, --mean or --proportion.")
    values = np.vstack([np.asarray(t.values, dtype=np.float64) for t in targets]).T
    domains: list[tuple[str, np.ndarray, list[str]]] = [(OVERALL, np.zeros(design.n_rows, np.int64), [OVERALL])]
    domains += [(column, *domain_codes(design.data, column, source=source)) for column in by]
    tables = []
    for name, codes, labels in domains:
        n_domains = len(labels)
        estimands = Estimands.from_domains([base.mask, current.mask], codes, n_domains)
        result = contrast_means(design, values, estimands, two_period_contrasts(n_domains))
        present = np.bincount(codes[(codes >= 0) & (base.mask | current.mask)], minlength=n_domains) > 0
        shared_n = np.bincount(codes[(codes >= 0) & shared], minlength=n_domains)
        degrees = result.degrees_of_freedom if df_rule == "domain" and result.degrees_of_freedom is not None \
            else np.full(result.variance.shape, design.degrees_of_freedom)
        for d in np.flatnonzero(present):
            tables.append(_rows(targets, name, labels[d], base, current, result.contrast, result.variance,
                                result.n_unweighted, int(shared_n[d]), int(d), n_domains, z, level, next_n,
                                degrees))
    table = pd.DataFrame.from_records([row for rows in tables for row in rows], columns=list(CHANGE_COLUMNS))
    table["low_base"] = (table["base_n"] < min_base) | (table["current_n"] < min_base)
    if suppress:
        table.loc[table["low_base"], list(SUPPRESSED)] = np.nan
        table["significant"] = table["significant"].astype(object)
        table.loc[table["low_base"], ["significant", "direction"]] = None
    return table


def _rows(
    targets: Sequence[Target], name: str, label: str, base: Period, current: Period, contrast: np.ndarray,
    variance: np.ndarray, n_unweighted: np.ndarray, shared_n: int, d: int, n_domains: int, z: float, level: float,
    next_n: float | None, degrees: np.ndarray,
) -> list[dict[str, object]]:
    base_n, current_n = n_unweighted[d], n_unweighted[n_domains + d]
    # A period with no respondent in the domain has no estimate, and no SE (its variance would read as 0).
    base_est = np.where(base_n > 0, contrast[d], np.nan)
    current_est = np.where(current_n > 0, contrast[n_domains + d], np.nan)
    diff = current_est - base_est
    base_se, current_se, se = (np.sqrt(np.maximum(variance[i], 0.0)) for i in (d, n_domains + d, 2 * n_domains + d))
    base_se = np.where(base_n > 0, base_se, np.nan)
    current_se = np.where(current_n > 0, current_se, np.nan)
    se = np.where(np.isfinite(diff), se, np.nan)
    df = degrees[2 * n_domains + d]
    test = t_test(diff, se, df, level)
    significant = test.p_value < 1 - level
    movement = minimum_movement(base_se, expected_se(base_se, base_n, next_n), level)
    rows = []
    for j, target in enumerate(targets):
        known = bool(np.isfinite(diff[j]) and np.isfinite(test.p_value[j]))
        retrospective = test.critical[j] * se[j]
        rows.append({
            "survey": target.survey, "indicator": target.name, "indicator_title": target.title,
            "domain": name, "domain_value": label,
            "base_period": base.label, "base_estimate": base_est[j],
            "current_period": current.label, "current_estimate": current_est[j],
            "change": diff[j], "se_change": se[j], "ci_lower": test.lower[j], "ci_upper": test.upper[j],
            "p_value": test.p_value[j],
            "significant": bool(significant[j]) if known else None,
            "direction": direction(diff[j:j + 1], significant[j:j + 1], target.polarity)[0] if known else None,
            "minimum_movement": movement[j],
            "threshold_level": float(threshold_level(base_est[j], movement[j], target.polarity)),
            "base_se": base_se[j], "current_se": current_se[j], "base_n": int(base_n[j]),
            "current_n": int(current_n[j]), "shared_n": shared_n, "low_base": False,
            "degrees_of_freedom": int(df[j]), "retrospective_movement": retrospective,
            "retrospective_threshold": float(threshold_level(base_est[j], retrospective, target.polarity)),
            "note": _change_note(base, current, int(base_n[j]), int(current_n[j]), int(df[j])),
        })
    return rows


def _change_note(base: Period, current: Period, base_n: int, current_n: int, df: int) -> str:
    """Why a change row has no test: a period without respondents in the domain, or no degrees of freedom."""
    empty = [f"'{p.label}'" for p, n in ((base, base_n), (current, current_n)) if n == 0]
    if empty:
        return (f"no respondent in this domain in period {' or '.join(empty)}: no change can be estimated")
    if df < 1:
        return "0 degrees of freedom (one PSU per stratum in this domain): no test or interval"
    return ""


def change_from_tables(
    base: pd.DataFrame,
    current: pd.DataFrame,
    *,
    base_label: str = "base",
    current_label: str = "current",
    polarities: dict[str, Polarity] | None = None,
    level: float = 0.95,
    table_level: float = 0.95,
    next_n: float | None = None,
    sources: tuple[str, str] = ("base table", "current table"),
) -> pd.DataFrame:
    """The change between two published estimate tables, for users who hold no microdata.

    The samples are taken as independent: se_change = sqrt(se_base^2 + se_current^2). Each table needs
    `indicator`, `domain`, `domain_value`, `estimate` and either `se` or `ci_lower` and `ci_upper` (then
    SE = half-width / z at `table_level`, exact for Wald intervals and close for others). Both tables must
    hold the same indicators and domains. A `period` column, when it has one value, labels the period.

    >>> base = pd.DataFrame({"indicator": ["PSA23_4"], "domain": ["all"], "domain_value": ["all"],
    ...                      "estimate": [0.175], "ci_lower": [0.1687], "ci_upper": [0.1813]})
    >>> current = base.assign(estimate=[0.164])
    >>> row = change_from_tables(base, current, polarities={"PSA23_4": "lower_is_better"}).iloc[0]
    >>> round(float(row["threshold_level"]), 4), row["direction"]
    (0.1661, 'improved')
    """
    z_table = z_quantile(table_level)
    keys = ["indicator", "domain", "domain_value"]
    prepared = []
    for table, source in ((base, sources[0]), (current, sources[1])):
        missing = [c for c in (*keys, "estimate") if c not in table.columns]
        if missing:
            raise SurveyInputError(f"{source}: missing column(s) {', '.join(missing)}; an estimate table has "
                                   "indicator, domain, domain_value, estimate and se (or ci_lower, ci_upper).")
        frame = table.copy()
        for key in keys:
            frame[key] = frame[key].astype(str)
        se = frame["se"].astype(float) if "se" in frame.columns else pd.Series(np.nan, index=frame.index)
        if {"ci_lower", "ci_upper"} <= set(frame.columns):
            se = se.fillna((frame["ci_upper"].astype(float) - frame["ci_lower"].astype(float)) / (2 * z_table))
        if se.isna().all() and frame["estimate"].notna().any():
            raise SurveyInputError(f"{source}: no standard errors: the table needs an se column or ci_lower and "
                                   "ci_upper.")
        duplicated = frame.duplicated(keys)
        if duplicated.any():
            row = frame[duplicated].iloc[0]
            raise SurveyInputError(f"{source}: {row['indicator']} {row['domain']}={row['domain_value']} appears "
                                   "twice; give one period per table.")
        frame["se"] = se
        prepared.append(frame.set_index(keys))
    only_base = prepared[0].index.difference(prepared[1].index)
    only_current = prepared[1].index.difference(prepared[0].index)
    if len(only_base) or len(only_current):
        shown = [f"{i} {d}={v} only in {sources[0]}" for i, d, v in only_base[:3]]
        shown += [f"{i} {d}={v} only in {sources[1]}" for i, d, v in only_current[:3]]
        raise SurveyInputError(
            f"the tables do not hold the same indicators and domains ({len(only_base)} row(s) only in the base "
            f"table, {len(only_current)} only in the current one), e.g. {'; '.join(shown)}."
        )
    old, new = prepared[0], prepared[1].loc[prepared[0].index]
    labels = [_single_period(t, label) for t, label in ((old, base_label), (new, current_label))]
    diff = new["estimate"].to_numpy(float) - old["estimate"].to_numpy(float)
    se = np.sqrt(old["se"].to_numpy(float) ** 2 + new["se"].to_numpy(float) ** 2)
    # Two independent samples stacked have the degrees of freedom of both; without them, the normal.
    df = np.full(len(old), np.inf)
    if "degrees_of_freedom" in old.columns and "degrees_of_freedom" in new.columns:
        given = old["degrees_of_freedom"].to_numpy(float) + new["degrees_of_freedom"].to_numpy(float)
        df = np.where(np.isfinite(given), given, np.inf)
    test = t_test(diff, se, df, level)
    p_value = test.p_value
    significant = p_value < 1 - level
    base_n = old["n_unweighted"].to_numpy() if "n_unweighted" in old.columns else np.full(len(old), np.nan)
    current_n = new["n_unweighted"].to_numpy() if "n_unweighted" in new.columns else np.full(len(new), np.nan)
    movement = minimum_movement(old["se"].to_numpy(float), expected_se(old["se"].to_numpy(float), base_n, next_n),
                                level)
    polarity_of = polarities or {}
    indicators = old.index.get_level_values("indicator")
    table = pd.DataFrame({
        "survey": _column_or(old, "survey"), "indicator": indicators,
        "indicator_title": _column_or(old, "indicator_title"), "domain": old.index.get_level_values("domain"),
        "domain_value": old.index.get_level_values("domain_value"), "base_period": labels[0],
        "base_estimate": old["estimate"].to_numpy(float), "current_period": labels[1],
        "current_estimate": new["estimate"].to_numpy(float), "change": diff, "se_change": se,
        "ci_lower": test.lower, "ci_upper": test.upper, "p_value": p_value, "significant": significant,
        "direction": [direction(diff[i:i + 1], significant[i:i + 1], polarity_of.get(name))[0]
                      for i, name in enumerate(indicators)],
        "minimum_movement": movement,
        "threshold_level": [float(threshold_level(old["estimate"].iloc[i], movement[i], polarity_of.get(name)))
                            for i, name in enumerate(indicators)],
        "base_se": old["se"].to_numpy(float), "current_se": new["se"].to_numpy(float), "base_n": base_n,
        "current_n": current_n, "shared_n": 0,
        "low_base": _flag(old) | _flag(new),
        "degrees_of_freedom": np.where(np.isfinite(df), df, np.nan), "retrospective_movement": test.critical * se,
        "retrospective_threshold": [float(threshold_level(old["estimate"].iloc[i], test.critical[i] * se[i],
                                                          polarity_of.get(name))) for i, name in enumerate(indicators)],
        "note": "",
    })
    return table[list(CHANGE_COLUMNS)]


def _column_or(table: pd.DataFrame, column: str) -> np.ndarray:
    """A text column of a published table, or blanks when it has none."""
    if column not in table.columns:
        return np.full(len(table), "", dtype=object)
    column_values = table[column].astype(object)
    values: np.ndarray = column_values.where(column_values.notna(), "").astype(str).to_numpy()
    return values


def _single_period(table: pd.DataFrame, default: str) -> str:
    if "period" in table.columns and table["period"].nunique() == 1:
        return str(table["period"].iloc[0])
    return default


def _flag(table: pd.DataFrame) -> np.ndarray:
    if "low_base" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table["low_base"].fillna(False).astype(bool).to_numpy()
