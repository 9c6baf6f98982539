"""Rolling trend: an indicator by period with its interval as a ribbon, and the target trajectory when there is one.

BCS results are rolling 12-month figures published each quarter (000:604, 000:631); a target is judged against
a straight trajectory from the baseline to the target value at the target date (000:572-574). The ribbon is the
interval of each period's estimate; the dashed line is the trajectory; the latest estimate of a targets table
is drawn with its interval when no series is given.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.labels import Labeller, indicator_code
from reporting.numbers import scale
from reporting.report.figures import OKABE_ITO, Figure, configure, expected, slug
from reporting.report.words import date_words


def series_rows(table: pd.DataFrame, indicator: str, domain: str, value: str) -> pd.DataFrame:
    """Rows of one indicator and area that carry a period, sorted by period end (empty without periods)."""
    if "period" not in table.columns or "period_end" not in table.columns:
        return table.iloc[0:0]
    rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)
                 & (table["domain_value"].astype(str) == value)]
    rows = rows.dropna(subset=["period_end", "estimate", "ci_lower", "ci_upper"])
    return rows.sort_values("period_end")


def trend_figure(series: pd.DataFrame, indicator: str, domain: str, value: str, labeller: Labeller,
                 target: dict[str, Any] | None, prefix: str, survey: str = "") -> Figure | None:
    """Trend of one indicator and area with a CI ribbon, and the trajectory of `target` (a targets-table row)."""
    import altair as alt

    factor = scale(indicator)
    area = labeller.area(domain, value)
    data = pd.DataFrame({
        "period": series["period"].astype(str).to_numpy() if "period" in series.columns else [],
        "date": pd.to_datetime(series["period_end"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "estimate": factor * series["estimate"].astype(float).to_numpy(),
        "lower": factor * series["ci_lower"].astype(float).to_numpy(),
        "upper": factor * series["ci_upper"].astype(float).to_numpy(),
    })
    layers = []
    unit = "value" if factor == 1.0 else "per cent"
    x = alt.X("date:T", title="End of period")
    n_series = len(data)
    if n_series:
        base = alt.Chart(data)
        layers += [
            base.mark_area(opacity=0.25, color=OKABE_ITO[0]).encode(
                x=x, y=alt.Y("lower:Q", title=unit, scale=alt.Scale(zero=False)), y2="upper:Q"),
            base.mark_line(color=OKABE_ITO[0]).encode(x=x, y="estimate:Q"),
            base.mark_point(filled=True, color=OKABE_ITO[0], size=40).encode(x=x, y="estimate:Q"),
        ]
    n_latest = 0
    description = f"{labeller.title(indicator, survey)}, {area}"
    if n_series:
        first, last = data.iloc[0], data.iloc[-1]
        description += (f": {n_series} periods from {first['period']} ({first['estimate']:.1f}) to "
                        f"{last['period']} ({last['estimate']:.1f} {unit}), the shaded ribbon is the interval")
    if target is not None:
        line = pd.DataFrame({
            "date": [str(target["baseline_date"])[:10], str(target["target_date"])[:10]],
            "trajectory": [factor * float(target["baseline_value"]), factor * float(target["target_value"])],
            "what": ["baseline", "target"],
        })
        layers.append(alt.Chart(line).mark_line(strokeDash=[6, 4], color=OKABE_ITO[3], point=False).encode(
            x=x, y=alt.Y("trajectory:Q", title=unit, scale=alt.Scale(zero=False))))
        description += (f"; the dashed line is the trajectory from {line['trajectory'][0]:.1f} on "
                        f"{date_words(line['date'][0])} to the target {line['trajectory'][1]:.1f} by "
                        f"{date_words(line['date'][1])}")
        if not n_series and pd.notna(target.get("latest_estimate")):
            latest = pd.DataFrame({
                "date": [str(target["latest_date"])[:10]],
                "estimate": [factor * float(target["latest_estimate"])],
                "lower": [factor * float(target["ci_lower"])], "upper": [factor * float(target["ci_upper"])],
            })
            n_latest = 1
            layers += [alt.Chart(latest).mark_rule(color=OKABE_ITO[0], strokeWidth=2).encode(
                           x=x, y="lower:Q", y2="upper:Q"),
                       alt.Chart(latest).mark_point(filled=True, color=OKABE_ITO[0], size=60).encode(
                           x=x, y="estimate:Q")]
            description += f"; latest estimate {latest['estimate'][0]:.1f} with its interval"
        if target.get("status"):
            description += f"; status: {target['status']}"
    if not layers:
        return None
    chart = alt.layer(*layers).properties(height=240)
    title = f"{indicator_code(indicator)}, {area}: trend" + (" against the target trajectory" if target else "")
    marks = expected(area=1 if n_series else 0, line=(1 if n_series else 0) + (target is not None),
                     point=n_series + n_latest, rule=n_latest)
    plotted = data if n_series else pd.DataFrame(columns=["period", "date", "estimate", "lower", "upper"])
    return Figure(slug(prefix, "trend", indicator, domain, value), title, configure(chart, title, description + ".",
                                                                               labeller.wording(indicator, survey)),
                  description + ".", plotted, marks)
