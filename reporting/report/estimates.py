"""The estimates part of a report: per indicator, the headline table, forest plots by area and the rolling trend."""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.publication import require_columns
from reporting.report.figures import slug
from reporting.report.forest import forest_figure
from reporting.report.headline import ESTIMATE_COLUMNS, headline_table, latest_period
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section
from reporting.report.trend import series_rows, trend_figure
from reporting.results import Result

MAX_TREND_AREAS = 12
"""Areas drawn with their own trend chart when there are at most this many (beyond, the national trend only)."""


def result_name(result: Result) -> str:
    """How a result is named in headings: its survey and file."""
    survey = str((result.metadata.get("parameters") or {}).get("questionnaire") or "")
    if "survey" in result.table.columns and result.table["survey"].notna().any():
        survey = str(result.table["survey"].dropna().iloc[0])
    return f"{survey} ({result.path.name})" if survey else result.path.name


def target_for(inputs: Inputs, indicator: str, domain: str, value: str) -> dict[str, Any] | None:
    """The targets-table row of one indicator and area, if a targets result was given."""
    for result in inputs.targets:
        table = result.table
        if not {"indicator", "domain", "domain_value"} <= set(table.columns):
            continue
        rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)
                     & (table["domain_value"].astype(str) == value)]
        if len(rows):
            return {str(k): v for k, v in rows.iloc[0].to_dict().items()}
    return None


def estimate_sections(result: Result, inputs: Inputs, index: int) -> list[Section]:
    """A section for one estimate result and a subsection per indicator."""
    require_columns(result.table, ESTIMATE_COLUMNS, str(result.path))
    labeller = inputs.labeller
    table = result.table
    name = result_name(result)
    prefix = f"e{index}"
    _, period = latest_period(table)
    intro = Section(slug(prefix, "estimates"), f"Estimates: {name}")
    indicators = list(dict.fromkeys(table["indicator"].astype(str)))
    domains = [d for d in dict.fromkeys(table["domain"].astype(str)) if d != "all"]
    areas_text = f" by {', '.join(domains)}" if domains else ""
    intro.blocks.append(Paragraph(
        f"{len(indicators)} indicator(s){areas_text}" + (f", latest period {period}" if period else "")
        + ". Percentages to one decimal; '+/-' is the half-width of the interval in percentage points; the "
          "effective base is the sample size a simple random sample would need for the same precision."))
    sections = [intro]
    latest, _ = latest_period(table)
    for indicator in indicators:
        sub = Section(slug(prefix, indicator), labeller.title(indicator), level=3)
        sub.blocks.append(headline_table(result, indicator, labeller))
        for domain in domains:
            figure = forest_figure(Result(result.path, latest, result.metadata), indicator, domain, labeller,
                                   inputs.peers, prefix)
            if figure is not None:
                sub.blocks.append(figure)
        sub.blocks += trend_figures(result, inputs, indicator, prefix)
        sections.append(sub)
    return sections


def trend_figures(result: Result, inputs: Inputs, indicator: str, prefix: str) -> list[Any]:
    """Rolling trends of one indicator: national, and each area when there are few, with target trajectories."""
    table = result.table
    if "period" not in table.columns or "period_end" not in table.columns:
        return []
    rows = table[table["indicator"].astype(str) == indicator]
    pairs = list(dict.fromkeys(zip(rows["domain"].astype(str), rows["domain_value"].astype(str), strict=True)))
    areas = [p for p in pairs if p[0] != "all"]
    chosen = [p for p in pairs if p[0] == "all"]
    chosen += areas if len(areas) <= MAX_TREND_AREAS else [p for p in areas if target_for(inputs, indicator, *p)]
    figures = []
    for domain, value in chosen:
        series = series_rows(table, indicator, domain, value)
        if pd.Series(series["period"]).nunique() < 2:
            continue
        figure = trend_figure(series, indicator, domain, value, inputs.labeller,
                              target_for(inputs, indicator, domain, value), prefix)
        if figure is not None:
            figures.append(figure)
    return figures
