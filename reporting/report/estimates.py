"""The estimates part of a report: per indicator, headline tables, forest plots by area and the rolling trend.

A result is headed by its survey ("Place Survey", "British Crime Survey") and, when it has periods, the latest
one, as the data name it; never by the questionnaire's year or a file name (those are in the Methods). Titles
are the survey's own wording of each indicator, so NI 41 from the BCS and NI 41 from the Place Survey each read
as asked.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporting.labels import survey_key, survey_name
from reporting.publication import require_columns
from reporting.report.figures import slug
from reporting.report.forest import forest_figure, suppressed_note
from reporting.report.headline import ESTIMATE_COLUMNS, domains_of, headline_tables, latest_period
from reporting.report.inputs import Inputs
from reporting.report.model import Block, Paragraph, Section
from reporting.report.trend import series_rows, trend_figure
from reporting.results import Result

MAX_TREND_AREAS = 12
"""Areas drawn with their own trend chart when there are at most this many (beyond, the national trend only)."""


def result_heading(result: Result, inputs: Inputs) -> str:
    """How a result is named in headings: its survey, its kinds of area and its latest period, as data say."""
    survey = survey_name(survey_key(result.table, result.metadata))
    _, period = latest_period(result.table)
    domains = domains_of(result.table)
    what = "rolling estimates" if period else "estimates"
    if domains:
        what += " by " + " and by ".join(inputs.labeller.domain(d) for d in domains)
    heading = f"{survey}: {what}" if survey else what[0].upper() + what[1:]
    return heading + (f", latest period {period}" if period else "")


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


def one_estimate_result(result: Result, inputs: Inputs, index: int) -> list[Section]:
    """A section for one estimate result and a subsection per indicator."""
    require_columns(result.table, ESTIMATE_COLUMNS, str(result.path))
    labeller = inputs.labeller
    table = result.table
    survey = survey_key(table, result.metadata)
    prefix = f"e{index}"
    intro = Section(slug(prefix, "estimates"), result_heading(result, inputs))
    indicators = list(dict.fromkeys(table["indicator"].astype(str)))
    domains = domains_of(table)
    kinds = ", ".join(labeller.domain(d) for d in domains)
    areas_text = f", for {labeller.national_in_text()} and by {kinds}" if domains else ""
    intro.blocks.append(Paragraph(
        f"{len(indicators)} indicator{'s' if len(indicators) != 1 else ''}{areas_text}. Percentages to one "
        "decimal; '+/-' is the half-width of the interval in percentage points; the effective base is the sample "
        "size a simple random sample would need for the same precision."))
    sections = [intro]
    latest, _ = latest_period(table)
    for indicator in indicators:
        sub = Section(slug(prefix, indicator), labeller.title(indicator, survey), level=3)
        blocks: list[Block] = []
        blocks += headline_tables(result, indicator, labeller)
        for domain in domains:
            figure = forest_figure(Result(result.path, latest, result.metadata), indicator, domain, labeller,
                                   inputs.peers, prefix, survey)
            if figure is not None:
                blocks.append(figure)
                rows = latest[(latest["indicator"].astype(str) == indicator) & (latest["domain"].astype(str) == domain)]
                note = suppressed_note(rows, labeller, domain, result)
                if note is not None:
                    blocks.append(note)
        blocks += trend_figures(result, inputs, indicator, prefix, survey)
        sub.blocks = blocks
        sections.append(sub)
    return sections


def estimate_sections(inputs: Inputs) -> list[Section]:
    """The estimates part: every estimate result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.estimates):
        sections += one_estimate_result(result, inputs, index)
    return sections


def trend_figures(result: Result, inputs: Inputs, indicator: str, prefix: str, survey: str = "") -> list[Any]:
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
                              target_for(inputs, indicator, domain, value), prefix, survey)
        if figure is not None:
            figures.append(figure)
    return figures
