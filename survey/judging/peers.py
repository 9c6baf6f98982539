"""How an area stands against its peers: most similar groups, and whether its improvement keeps pace.

Forces and partnerships "consider performance against baseline and in comparison with most similar areas
or forces ... is that improvement keeping pace with that achieved by peers" (004:270); iQuanta shows an
area beside the mean of its most similar group (004:187, 004:196). A peers file says which group (family)
each area belongs to.

For each area: its estimate, the peer mean, and the difference area - peer mean. The peer mean is, by
default, the plain mean of the member areas' estimates, the area itself included (as iQuanta shows it);
`peer_mean="population"` uses the group's pooled estimate instead (each area weighted by its estimated
population). Either way the difference is a contrast of domain means of the full design
(`survey.estimation.variance.contrast_means`), so its SE accounts for the area being part of its own
group and for any covariance between areas (shared strata, PSUs or calibration). With a base and a
current period, the area's change is set against the peer mean of the members' changes (a difference in
differences), again with its full-design SE. Tests and intervals of the differences use Student's t on the
degrees of freedom of the rows each difference reaches (`survey.judging.significance`).

An area with no respondent in a period has blank figures for it and a `note`; its group's peer mean in that
period is the mean of the members that were sampled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.cautions import DfRule, check_df_rule
from survey.estimation.contrasts import Contrasts, Estimands
from survey.estimation.targets import Target, as_text, domain_codes
from survey.estimation.variance import contrast_means
from survey.judging.minimum_movement import z_quantile
from survey.judging.periods import Period, check_distinct, estimate_periods
from survey.judging.significance import t_test
from survey.options import CIMethod
from survey.questionnaire.schema import Polarity

PeerMean = Literal["mean", "population"]
"""The peer mean: the plain mean of the member areas' estimates (iQuanta), or the group's pooled estimate."""
PEER_MEAN_OPTIONS: tuple[PeerMean, ...] = get_args(PeerMean)
PEER_MEAN_NOTES: dict[str, str] = {
    "mean": "peer_mean is the unweighted mean of the estimates of the group's member areas, the area itself "
            "included (as iQuanta shows); difference = area - peer_mean, its SE from the full design.",
    "population": "peer_mean is the group's pooled estimate (member areas weighted by their estimated "
                  "population), the area itself included; difference = area - peer_mean, its SE from the "
                  "full design.",
}
PEER_COLUMNS: tuple[str, ...] = (
    "survey", "indicator", "indicator_title", "domain", "domain_value", "group", "group_size", "period", "estimate",
    "se", "ci_lower", "ci_upper", "ci_method", "peer_mean", "difference", "se_difference", "difference_ci_lower",
    "difference_ci_upper", "p_value", "flag", "rank", "n_unweighted", "low_base", "degrees_of_freedom", "note",
)
"""The peer table (`docs/report.md`): `domain` is the area column, `domain_value` the area; `ci_lower` and
`ci_upper` are the area estimate's interval (as `estimate` gives it), `difference_ci_*` the difference's."""
PACE_COLUMNS: tuple[str, ...] = (
    "base_period", "current_period", "change", "peer_change", "pace_difference", "se_pace_difference",
    "pace_ci_lower", "pace_ci_upper", "pace_p_value", "pace_flag",
)
"""Added to the peer table when a base period is given: the area's change against its peers' (keeping pace)."""


@dataclass(frozen=True)
class PeerGroups:
    """Which group (most similar family) each area belongs to; each area in exactly one group."""

    area: tuple[str, ...]
    """Area codes, as text."""
    group: tuple[str, ...]
    """The group of each area."""
    source: str = "peers file"
    """Where the groups came from, for messages."""


def peer_groups_from_frame(frame: pd.DataFrame, *, source: str = "peers file") -> PeerGroups:
    """Validate a table with columns `area` and `group` (one row per area, no blanks, groups of two or more).

    >>> groups = peer_groups_from_frame(pd.DataFrame({"area": ["E1", "E2", "E3", "E4"],
    ...                                               "group": ["a", "a", "b", "b"]}))
    >>> groups.group
    ('a', 'a', 'b', 'b')
    """
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("area", "group") if c not in frame.columns]
    if missing:
        raise SurveyInputError(f"{source}: missing column(s) {', '.join(missing)}; a peers file has columns "
                               "area, group (one row per area).")
    for column in ("area", "group"):
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise SurveyInputError(f"{source}: row {row + 1} has no {column}; every area needs a group.")
    areas = [as_text(a).strip() for a in frame["area"]]
    groups = [as_text(g).strip() for g in frame["group"]]
    seen: dict[str, int] = {}
    for row, area in enumerate(areas):
        if area in seen:
            raise SurveyInputError(f"{source}: area '{area}' is listed twice (rows {seen[area] + 1} and {row + 1}); "
                                   "each area belongs to one group.")
        seen[area] = row
    sizes = pd.Series(groups).value_counts()
    single = sizes[sizes < 2]
    if not single.empty:
        raise SurveyInputError(
            f"{source}: group '{single.index[0]}' has only one area; an area cannot be compared with a group of "
            f"itself ({len(single)} such group(s)). Merge it into another group."
        )
    return PeerGroups(tuple(areas), tuple(groups), source)


def read_peer_groups(path: str | Path) -> PeerGroups:
    """Read a peers CSV (columns `area, group`) and validate it."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise SurveyInputError(f"{path}: the peers file does not exist.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SurveyInputError(f"{path}: cannot be read as CSV ({exc}).") from None
    return peer_groups_from_frame(frame, source=str(path))


def _area_groups(groups: PeerGroups, labels: list[str], area_column: str) -> tuple[np.ndarray, list[str]]:
    """Group code of each area of the data (in `labels` order), checking both lists agree."""
    known = dict(zip(groups.area, groups.group, strict=True))
    unknown = [a for a in groups.area if a not in set(labels)]
    if unknown:
        raise SurveyInputError(
            f"{groups.source}: {len(unknown)} area(s) are not in the data's '{area_column}' column, e.g. "
            f"{', '.join(unknown[:5])}; the peers file must name areas of the data."
        )
    ungrouped = [a for a in labels if a not in known]
    if ungrouped:
        raise SurveyInputError(
            f"{groups.source}: {len(ungrouped)} area(s) of the data are in no group, e.g. {', '.join(ungrouped[:5])}; "
            "give every area of the data a group (or leave those areas out of the data)."
        )
    group_labels = sorted(set(groups.group))
    return np.array([group_labels.index(known[a]) for a in labels], dtype=np.int64), group_labels


def _comparison(difference: np.ndarray, significant: np.ndarray, polarity: Polarity | None) -> np.ndarray:
    better, worse = ("significantly higher", "significantly lower") if polarity is None else (
        ("significantly better", "significantly worse") if polarity == "higher_is_better"
        else ("significantly worse", "significantly better"))
    words = np.where(difference > 0, better, worse).astype(object)
    words[~significant] = "not significantly different"
    words[np.isnan(difference)] = None
    return words


def _pace(difference: np.ndarray, significant: np.ndarray, polarity: Polarity | None) -> np.ndarray:
    ahead, behind = ("rising faster than peers", "rising slower than peers") if polarity is None else (
        ("ahead of peers", "behind peers") if polarity == "higher_is_better" else ("behind peers", "ahead of peers"))
    words = np.where(difference > 0, ahead, behind).astype(object)
    words[~significant] = "keeping pace"
    words[np.isnan(difference)] = None
    return words


def _rank(estimate: np.ndarray, group: np.ndarray, polarity: Polarity | None) -> np.ndarray:
    """Rank of each area in its group, 1 = best (highest unless lower is better); ties share the best rank."""
    score = -estimate if polarity == "lower_is_better" else estimate
    frame = pd.DataFrame({"score": score, "group": group})
    ranks = frame.groupby("group")["score"].rank(method="min", ascending=False)
    return ranks.astype("Int64").to_numpy()  # an area without an estimate has no rank


def _peer_contrasts(area_group: np.ndarray, n_groups: int, pooled_offset: int, peer_mean: PeerMean,
                    periods: int, sampled: np.ndarray) -> Contrasts:
    """Contrasts per area a (A areas): [0, A) the area's estimate and [A, 2A) the peer mean, at the last
    period; [2A, 3A) area - peer mean; with two periods also [3A, 4A) the area's change, [4A, 5A) the peer
    change and [5A, 6A) the difference in change. Estimand p * A + a is area a in period p; with
    `population` the pooled group g in period p is `pooled_offset + p * n_groups + g`. `sampled[p, a]` says
    whether area a has respondents in period p: the plain peer mean averages the sampled members only."""
    n_areas = area_group.size
    terms: list[tuple[int, int, float]] = []

    def level(p: int, a: int) -> list[tuple[int, float]]:
        return [(p * n_areas + a, 1.0)]

    def peer(p: int, a: int) -> list[tuple[int, float]]:
        g = area_group[a]
        if peer_mean == "population":
            return [(pooled_offset + p * n_groups + g, 1.0)]
        members = np.flatnonzero((area_group == g) & sampled[p])
        return [(p * n_areas + int(b), 1.0 / float(members.size)) for b in members]

    last = periods - 1
    for a in range(n_areas):
        parts: list[list[tuple[int, float]]] = [
            level(last, a), peer(last, a), level(last, a) + [(e, -c) for e, c in peer(last, a)]]
        if periods == 2:
            area_change = level(1, a) + [(e, -c) for e, c in level(0, a)]
            peer_change = peer(1, a) + [(e, -c) for e, c in peer(0, a)]
            parts += [area_change, peer_change, area_change + [(e, -c) for e, c in peer_change]]
        for block, combination in enumerate(parts):
            terms.extend((block * n_areas + a, e, c) for e, c in combination)
    return Contrasts.from_terms(terms, len(parts) * n_areas)


def peer_comparison(
    design: SurveyDesign,
    targets: Sequence[Target],
    area_column: str,
    groups: PeerGroups,
    *,
    current: Period | None = None,
    base: Period | None = None,
    peer_mean: PeerMean = "mean",
    ci: CIMethod = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
    source: str = "data",
    df_rule: DfRule = "domain",
) -> pd.DataFrame:
    """Each area of `area_column` against the mean of its peer group (`PEER_COLUMNS`), and, when `base` is
    given, its change from `base` to `current` against its peers' (`PACE_COLUMNS`, keeping pace).

    The level comparison uses the `current` period (all respondents when None); the area's own interval is
    `estimate`'s (`ci`), the difference's is normal. `flag` says significantly better / worse / not
    significantly different by the target's polarity; `rank` is the area's place in its group (1 = best).
    `low_base` flags an area with fewer than `min_base` respondents in a period used; `suppress` blanks its
    figures.

    Examples
    --------
    Four areas, each its own stratum, in two groups of two:

    >>> import pandas as pd
    >>> from survey.design import make_design
    >>> from survey.estimation.targets import mean_target
    >>> data = pd.DataFrame({"la": list("AABBCCDD"), "y": [1.0, 3, 2, 2, 5, 7, 4, 4]})
    >>> groups = peer_groups_from_frame(pd.DataFrame({"area": list("ABCD"), "group": ["x", "x", "y", "y"]}))
    >>> table = peer_comparison(make_design(data, strata="la"), [mean_target(data, "y")], "la", groups,
    ...                         min_base=1)
    >>> table[["domain_value", "estimate", "peer_mean", "difference", "rank"]].values.tolist()
    [['A', 2.0, 2.0, 0.0, 1], ['B', 2.0, 2.0, 0.0, 1], ['C', 6.0, 5.0, 1.0, 1], ['D', 4.0, 5.0, -1.0, 2]]
    """
    if peer_mean not in PEER_MEAN_OPTIONS:
        raise SurveyInputError(f"--peer-mean '{peer_mean}' is not one of {', '.join(PEER_MEAN_OPTIONS)}.")
    if base is not None and current is None:
        raise ValueError("a base period needs a current period")
    if not targets:
        raise SurveyInputError("nothing to compare: give an indicator, --mean or --proportion.")
    z_quantile(level)
    df_rule = check_df_rule(df_rule)
    codes, labels = domain_codes(design.data, area_column, source=source)
    area_group, group_labels = _area_groups(groups, labels, area_column)
    n_areas, n_groups = len(labels), len(group_labels)
    periods = [p for p in (base, current) if p is not None] or [Period("all", np.ones(design.n_rows, dtype=bool))]
    check_distinct(periods)
    estimands = Estimands.from_domains([p.mask for p in periods], codes, n_areas)
    pooled_offset = estimands.n
    if peer_mean == "population":
        row_group = np.where(codes >= 0, area_group[np.maximum(codes, 0)], -1)
        pooled = Estimands.from_domains([p.mask for p in periods], row_group, n_groups)
        estimands = Estimands(np.concatenate([estimands.row, pooled.row]),
                              np.concatenate([estimands.estimand, pooled.estimand + pooled_offset]),
                              pooled_offset + pooled.n)
    values = np.vstack([np.asarray(t.values, dtype=np.float64) for t in targets]).T
    sampled = np.stack([np.bincount(codes[(codes >= 0) & p.mask], minlength=n_areas) > 0 for p in periods])
    contrasts = _peer_contrasts(area_group, n_groups, pooled_offset, peer_mean, len(periods), sampled)
    result = contrast_means(design, values, estimands, contrasts)
    value, se = result.contrast, np.sqrt(np.maximum(result.variance, 0.0))
    degrees = result.degrees_of_freedom if df_rule == "domain" and result.degrees_of_freedom is not None \
        else np.full(result.variance.shape, design.degrees_of_freedom)
    own = estimate_periods(design, targets, periods[-1:], by=[area_column], ci=ci, level=level, min_base=0,
                           source=source, df_rule=df_rule)
    # An area with no respondent in the period has no row there: reindex leaves it blank, not a KeyError.
    own = own[own["domain"] == area_column].set_index(["indicator", "domain_value"])
    n_current = result.n_unweighted[(len(periods) - 1) * n_areas:len(periods) * n_areas]
    n_base = result.n_unweighted[:n_areas]
    block = [slice(b * n_areas, (b + 1) * n_areas) for b in range(6)]
    tables = []
    for j, target in enumerate(targets):
        level_now = np.where(n_current[:, j] > 0, value[block[0], j], np.nan)
        difference = np.where(n_current[:, j] > 0, value[block[2], j], np.nan)
        se_difference = np.where(np.isfinite(difference), se[block[2], j], np.nan)
        test = t_test(difference, se_difference, degrees[block[2], j], level)
        p_value = test.p_value
        interval = own.reindex(pd.MultiIndex.from_tuples([(target.name, a) for a in labels]))
        table = pd.DataFrame({
            "survey": target.survey, "indicator": target.name, "indicator_title": target.title,
            "domain": area_column, "domain_value": labels, "group": [group_labels[g] for g in area_group],
            "group_size": np.bincount(area_group, minlength=n_groups)[area_group],
            "period": periods[-1].label, "estimate": level_now, "se": interval["se"].to_numpy(),
            "ci_lower": interval["ci_lower"].to_numpy(), "ci_upper": interval["ci_upper"].to_numpy(),
            "ci_method": interval["ci_method"].to_numpy(),
            "peer_mean": value[block[1], j], "difference": difference, "se_difference": se_difference,
            "difference_ci_lower": test.lower, "difference_ci_upper": test.upper,
            "p_value": p_value, "flag": _comparison(difference, p_value < 1 - level, target.polarity),
            "rank": _rank(level_now, area_group, target.polarity),
            "n_unweighted": n_current[:, j], "low_base": n_current[:, j] < min_base,
            "degrees_of_freedom": degrees[block[2], j],
            "note": [_empty_note(periods[-1:], n_current[a:a + 1, j]) for a in range(n_areas)],
        })
        if base is not None:
            changed = (n_current[:, j] > 0) & (n_base[:, j] > 0)
            gap = np.where(changed, value[block[5], j], np.nan)
            se_gap = np.where(changed, se[block[5], j], np.nan)
            pace = t_test(gap, se_gap, degrees[block[5], j], level)
            table = table.assign(
                base_period=base.label, current_period=periods[-1].label,
                change=np.where(changed, value[block[3], j], np.nan), peer_change=value[block[4], j],
                pace_difference=gap, se_pace_difference=se_gap, pace_ci_lower=pace.lower, pace_ci_upper=pace.upper,
                pace_p_value=pace.p_value, pace_flag=_pace(gap, pace.p_value < 1 - level, target.polarity),
                low_base=table["low_base"] | (n_base[:, j] < min_base),
                note=[_empty_note([base, periods[-1]], np.array([n_base[a, j], n_current[a, j]]))
                      for a in range(n_areas)],
            )
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    if suppress:
        numbers = [c for c in table.columns if table[c].dtype == np.float64]
        table.loc[table["low_base"], numbers] = np.nan
        # ci_method too: "korn-graubard at p=1" would say that everyone in the area agreed.
        words = [c for c in ("flag", "pace_flag", "ci_method") if c in table.columns]
        table.loc[table["low_base"], words] = None
    return table


def _empty_note(periods: Sequence[Period], n: np.ndarray) -> str:
    """Which periods an area has no respondent in ('' when it has some in each)."""
    empty = [f"'{p.label}'" for p, count in zip(periods, n, strict=True) if count == 0]
    if not empty:
        return ""
    return f"no respondent in this area in period {' or '.join(empty)}: no estimate or comparison there"
