"""Publication tables: an estimate table as a statistician publishes it.

One row per indicator and area, with the indicator's title and the area's name, the percentage to one decimal,
the 95% half-width in points ("17.5 +/- 0.6"), the interval, the base and the effective base, and low bases
marked (or "suppressed" where the estimate was blanked). Numbers stay numbers (rounded to one decimal), with a
text column that reads as printed. The long machine table stays the default output.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.errors import ReportInputError
from reporting.labels import Labeller, survey_key
from reporting.numbers import half_width, missing, published, rows_of, scale
from safer_io.outputs import write_output

ESTIMATE_COLUMNS = ("indicator", "domain", "domain_value", "estimate", "ci_lower", "ci_upper", "n_unweighted",
                    "n_effective", "low_base")
PUBLICATION_COLUMNS = ("indicator", "title", "area_type", "area", "value", "half_width", "ci_lower", "ci_upper",
                       "published", "unit", "base", "effective_base", "note")


def require_columns(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Refuse a table that lacks columns the contract in `docs/report.md` promises."""
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise ReportInputError(f"{what}: the table lacks the column(s) {', '.join(absent)} (see docs/report.md).")


def low_base_note(low_base: Any, estimate: Any, min_base: Any) -> str:
    """"suppressed (base under 50)" for a blanked row, "low base (base under 50)" for a flagged one, else ""."""
    if missing(low_base) or not bool(low_base):
        return ""
    threshold = f" (base under {min_base})" if min_base is not None else ""
    return ("suppressed" if missing(estimate) else "low base") + threshold


def publication_table(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller | None = None
                      ) -> pd.DataFrame:
    """The estimate table `table` (long format) as a publication table; see the module docstring.

    Examples
    --------
    >>> long = pd.DataFrame({"indicator": ["PSA23_4"], "domain": ["all"], "domain_value": ["all"],
    ...     "estimate": [0.175], "ci_lower": [0.1687], "ci_upper": [0.1813], "n_unweighted": [45000],
    ...     "n_effective": [15000.0], "low_base": [False]})
    >>> row = publication_table(long, {"indicator_titles": {"PSA23_4": "High perceived ASB"}}).iloc[0]
    >>> print(row["title"], "|", row["area"], "|", row["published"], "|", row["value"], row["half_width"])
    High perceived ASB | All areas | 17.5 +/- 0.6 | 17.5 0.6
    """
    require_columns(table, ESTIMATE_COLUMNS, "publication table")
    if labeller is None:
        labeller = Labeller()
        labeller.add(table, metadata)
    survey = survey_key(table, metadata)
    min_base = (metadata.get("parameters") or {}).get("min_base")
    rows = []
    for row in rows_of(table):
        indicator = str(row.indicator)
        factor = scale(indicator)
        estimate = row.estimate
        # An interval on fewer than 2 degrees of freedom (optional column) is no interval to publish.
        df: Any = getattr(row, "degrees_of_freedom", None)
        thin = not missing(df) and float(df) < 2 and not missing(estimate)
        hw = math.nan if thin else half_width(row.ci_lower, row.ci_upper)
        lower: Any = None if thin else row.ci_lower
        upper: Any = None if thin else row.ci_upper
        rows.append({
            "indicator": indicator,
            "title": labeller.wording(indicator, survey) or indicator,
            "area_type": labeller.domain(row.domain),
            "area": labeller.area(row.domain, row.domain_value),
            "value": None if missing(estimate) else round(factor * float(estimate), 1),
            "half_width": None if missing(estimate) or pd.isna(hw) else round(factor * hw, 1),
            "ci_lower": None if missing(estimate) or missing(lower) else round(factor * float(lower), 1),
            "ci_upper": None if missing(estimate) or missing(upper) else round(factor * float(upper), 1),
            "published": published(indicator, estimate, lower, upper),
            "unit": "mean" if factor == 1.0 else "%",
            "base": int(row.n_unweighted) if not missing(row.n_unweighted) else None,
            "effective_base": None if missing(row.n_effective) or not math.isfinite(float(row.n_effective))
            else int(round(min(float(row.n_effective), 2.0**62))),
            "note": "; ".join(n for n in (low_base_note(row.low_base, estimate, min_base),
                                          _thin_note(df) if thin else "") if n),
        })
    frame = pd.DataFrame(rows, columns=list(PUBLICATION_COLUMNS))
    for column in ("value", "half_width", "ci_lower", "ci_upper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in ("base", "effective_base"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame


def _thin_note(df: Any) -> str:
    """Why a row has no interval: "no interval: 1 degree of freedom (fewer than 2)"."""
    count = int(float(df))
    return f"no interval: {count} degree{'' if count == 1 else 's'} of freedom (fewer than 2)"


def _points(value: Any, factor: float) -> float | None:
    return None if missing(value) else round(factor * float(value), 1)


def change_publication_table(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller | None = None
                             ) -> pd.DataFrame:
    """A `change` table as published: levels and change in points, "+/- half-width", minimum movement, level to
    reach (000:632-634: "From 17.5 to 16.6 per cent")."""
    require_columns(table, ("indicator", "domain", "domain_value", "base_period", "base_estimate", "current_period",
                            "current_estimate", "change", "ci_lower", "ci_upper", "p_value", "direction",
                            "minimum_movement", "threshold_level"), "publication table of changes")
    if labeller is None:
        labeller = Labeller()
        labeller.add(table, metadata)
    survey = survey_key(table, metadata)
    rows = []
    for r in rows_of(table):
        f = scale(str(r.indicator))
        hw = half_width(r.ci_lower, r.ci_upper)
        change = _points(r.change, f)
        rows.append({
            "indicator": str(r.indicator), "title": labeller.wording(str(r.indicator), survey) or str(r.indicator),
            "area_type": labeller.domain(r.domain), "area": labeller.area(r.domain, r.domain_value),
            "base_period": str(r.base_period), "base_value": _points(r.base_estimate, f),
            "current_period": str(r.current_period), "current_value": _points(r.current_estimate, f),
            "change": change, "half_width": None if pd.isna(hw) else round(f * hw, 1),
            "ci_lower": _points(r.ci_lower, f), "ci_upper": _points(r.ci_upper, f),
            "published": "" if change is None else f"{change:+.1f}" + ("" if pd.isna(hw) else f" +/- {f * hw:.1f}"),
            # Not rounded: a p-value of 3e-9 is not 0 (the workbook shows it as "<0.001").
            "p_value": None if missing(r.p_value) else float(r.p_value), "direction": str(r.direction),
            "minimum_movement": _points(r.minimum_movement, f), "level_to_reach": _points(r.threshold_level, f),
        })
    return pd.DataFrame(rows)


def peers_publication_table(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller | None = None
                            ) -> pd.DataFrame:
    """A `peers` table as published: area and peer mean in per cent, difference with its interval in points,
    flag and rank in the group."""
    require_columns(table, ("indicator", "domain", "domain_value", "group", "estimate", "peer_mean", "difference",
                            "difference_ci_lower", "difference_ci_upper", "flag", "rank", "group_size"),
                    "publication table of peers")
    if labeller is None:
        labeller = Labeller()
        labeller.add(table, metadata)
    survey = survey_key(table, metadata)
    rows = []
    for r in rows_of(table):
        f = scale(str(r.indicator))
        difference = _points(r.difference, f)
        rows.append({
            "indicator": str(r.indicator), "title": labeller.wording(str(r.indicator), survey) or str(r.indicator),
            "area": labeller.area(r.domain, r.domain_value), "group": str(r.group),
            "value": _points(r.estimate, f), "peer_mean": _points(r.peer_mean, f), "difference": difference,
            "difference_ci_lower": _points(r.difference_ci_lower, f),
            "difference_ci_upper": _points(r.difference_ci_upper, f),
            "flag": str(r.flag), "rank": "" if missing(r.rank) else f"{int(r.rank)} of {int(r.group_size)}",
        })
    return pd.DataFrame(rows)


def targets_publication_table(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller | None = None
                              ) -> pd.DataFrame:
    """A `targets` table as published: baseline, target, trajectory and latest estimate in per cent, status and
    the probability of being on the right side of the trajectory."""
    require_columns(table, ("indicator", "domain", "domain_value", "baseline_period", "baseline_value",
                            "target_value", "target_date", "latest_period", "latest_estimate", "ci_lower",
                            "ci_upper", "trajectory_value", "status", "probability_on_track"),
                    "publication table of targets")
    if labeller is None:
        labeller = Labeller()
        labeller.add(table, metadata)
    survey = survey_key(table, metadata)
    rows = []
    for r in rows_of(table):
        f = scale(str(r.indicator))
        rows.append({
            "indicator": str(r.indicator), "title": labeller.wording(str(r.indicator), survey) or str(r.indicator),
            "area": labeller.area(r.domain, r.domain_value), "baseline_period": str(r.baseline_period),
            "baseline_value": _points(r.baseline_value, f), "target_value": _points(r.target_value, f),
            "target_date": str(r.target_date)[:10], "latest_period": str(r.latest_period),
            "latest_value": _points(r.latest_estimate, f), "ci_lower": _points(r.ci_lower, f),
            "ci_upper": _points(r.ci_upper, f), "trajectory_value": _points(r.trajectory_value, f),
            "status": str(r.status),
            "probability_on_track": None if missing(r.probability_on_track)
            else round(100 * float(r.probability_on_track), 1),
        })
    return pd.DataFrame(rows)


PUBLICATION_TABLES = {"estimate": publication_table, "change": change_publication_table,
                      "peers": peers_publication_table, "targets": targets_publication_table}
"""`--format publication` of each command that has one, by the metadata's `command`."""


def publication_for(command: str, table: pd.DataFrame, metadata: dict[str, Any]) -> pd.DataFrame:
    """The publication form of a result of `command` (see `PUBLICATION_TABLES`)."""
    if command not in PUBLICATION_TABLES:
        raise ReportInputError(f"safer {command} has no publication format (it has: "
                               f"{', '.join(PUBLICATION_TABLES)}).")
    return PUBLICATION_TABLES[command](table, metadata)


def write_result(command: str, table: pd.DataFrame, out: Path, metadata: dict[str, Any], layout: str = "long") -> None:
    """Write a result of `command` with its metadata: the long table, or (`layout` "publication") the form a
    person reads (`publication_for`), marked as such in its metadata."""
    if layout == "publication":
        write_output(publication_for(command, table, metadata), out, metadata | {"content": "publication"})
    else:
        write_output(table, out, metadata)
