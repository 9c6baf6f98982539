"""Targets: the trajectory from baseline to target, the latest estimate against it, and the status.

"An agreed target that is on a trajectory towards the benchmark" (000:572-574, named under Methods). For each
target: the table
row (baseline, target and date, trajectory value now, latest estimate with its interval, status, probability of
being on the right side), and a trend chart with the trajectory, drawn over the rolling estimates of the same
indicator and area when an estimate result with periods was given.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import survey_key
from reporting.numbers import rows_of, scale
from reporting.publication import require_columns
from reporting.report.estimates import target_for
from reporting.report.figures import slug
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.report.trend import series_rows, trend_figure
from reporting.report.words import date_words
from reporting.results import Result

TARGET_COLUMNS = ("indicator", "domain", "domain_value", "baseline_period", "baseline_date", "baseline_value",
                  "target_value", "target_date", "latest_period", "latest_date", "latest_estimate", "ci_lower",
                  "ci_upper", "trajectory_value", "status", "probability_on_track")


def _n(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1f}"  # type: ignore[call-overload,arg-type]


def target_table(result: Result, inputs: Inputs) -> Table:
    """One row per target."""
    labeller = inputs.labeller
    survey = survey_key(result.table, result.metadata)
    rows = []
    for r in rows_of(result.table):
        f = scale(str(r.indicator))
        rows.append({
            "Indicator": labeller.title(str(r.indicator), survey),
            "Area": labeller.area(r.domain, r.domain_value),
            "Baseline": f"{_n(f * r.baseline_value)} ({r.baseline_period})",
            "Target": f"{_n(f * r.target_value)} by {date_words(r.target_date) or str(r.target_date)[:10]}",
            "Trajectory now": _n(f * r.trajectory_value),
            "Latest (interval)": f"{_n(f * r.latest_estimate)} ({_n(f * r.ci_lower)} to {_n(f * r.ci_upper)}), "
                                 f"{r.latest_period}",
            "Status": str(r.status),
            "Probability on track": "" if pd.isna(r.probability_on_track) else f"{100 * r.probability_on_track:.0f}%",
        })
    return Table(pd.DataFrame(rows), "Targets: latest estimate against the trajectory",
                 numeric=("Baseline", "Trajectory now", "Latest (interval)", "Probability on track"))


def target_sections(inputs: Inputs) -> list[Section]:
    """The targets part: every targets result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.targets):
        sections += one_targets_result(result, inputs, index)
    return sections


def one_targets_result(result: Result, inputs: Inputs, index: int) -> list[Section]:
    """The targets section of one `targets` output."""
    require_columns(result.table, TARGET_COLUMNS, str(result.path))
    prefix = f"t{index}"
    section = Section(slug(prefix, "targets"), "Targets: the latest estimate against the trajectory")
    section.blocks.append(Paragraph(
        "A target is on track when the latest interval lies on the right side of the straight trajectory from "
        "the baseline to the target, off track when it lies on the wrong side, and 'cannot tell' when it "
        "straddles the trajectory."))
    section.blocks.append(target_table(result, inputs))
    for r in rows_of(result.table):
        indicator, domain, value = str(r.indicator), str(r.domain), str(r.domain_value)
        series = pd.DataFrame()
        for estimate in inputs.estimates:
            found = series_rows(estimate.table, indicator, domain, value)
            if len(found) > len(series):
                series = found
        if series.empty:
            series = pd.DataFrame(columns=["period", "period_end", "estimate", "ci_lower", "ci_upper"])
        figure = trend_figure(series, indicator, domain, value, inputs.labeller,
                              target_for(inputs, indicator, domain, value), prefix,
                              survey_key(result.table, result.metadata))
        if figure is not None:
            section.blocks.append(figure)
    return [section]
