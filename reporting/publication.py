"""Publication tables: an estimate table as a statistician publishes it.

One row per indicator and area, with the indicator's title and the area's name, the percentage to one decimal,
the 95% half-width in points ("17.5 +/- 0.6"), the interval, the base and the effective base, and low bases
marked (or "suppressed" where the estimate was blanked). Numbers stay numbers (rounded to one decimal), with a
text column that reads as printed. The long machine table stays the default output.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.errors import ReportInputError
from reporting.labels import Labeller, half_width, missing, published, rows_of, scale

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
    min_base = (metadata.get("parameters") or {}).get("min_base")
    rows = []
    for row in rows_of(table):
        indicator = str(row.indicator)
        factor = scale(indicator)
        estimate = row.estimate
        hw = half_width(row.ci_lower, row.ci_upper)
        rows.append({
            "indicator": indicator,
            "title": labeller.titles.get(indicator, indicator),
            "area_type": labeller.domain(row.domain),
            "area": labeller.area(row.domain, row.domain_value),
            "value": None if missing(estimate) else round(factor * float(estimate), 1),
            "half_width": None if missing(estimate) or pd.isna(hw) else round(factor * hw, 1),
            "ci_lower": None if missing(estimate) or missing(row.ci_lower) else round(factor * float(row.ci_lower), 1),
            "ci_upper": None if missing(estimate) or missing(row.ci_upper) else round(factor * float(row.ci_upper), 1),
            "published": published(indicator, estimate, row.ci_lower, row.ci_upper),
            "unit": "mean" if factor == 1.0 else "%",
            "base": int(row.n_unweighted) if not missing(row.n_unweighted) else None,
            "effective_base": None if missing(row.n_effective) else int(round(float(row.n_effective))),
            "note": low_base_note(row.low_base, estimate, min_base),
        })
    frame = pd.DataFrame(rows, columns=list(PUBLICATION_COLUMNS))
    for column in ("value", "half_width", "ci_lower", "ci_upper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in ("base", "effective_base"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame
