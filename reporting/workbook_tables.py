"""What goes into the workbook of a result: which sheets, their titles, headers in words and number formats.

Estimate-like tables get a sheet per indicator (titled with the survey's own wording), simulation runs a sheet
per kind of group (whole cohort, by age band, programmes, costs), projections a sheet per cohort, sweeps a sheet
per measure; anything else one sheet. Headers are words ("Lower limit", "Unweighted base"); proportions in the
long tables are shown as percentages by their number format, while a publication table is already in per cent.
The notes carry the definitions, units, method, caveats and provenance (inputs by file name and SHA-256).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from reporting.labels import Labeller, indicator_code, survey_key, survey_name
from reporting.numbers import is_mean
from reporting.workbook import COUNT, DECIMAL2, DECIMAL3, P_VALUE, PERCENT, Book, Sheet, sheet_name, write_book

HEADERS = {
    "survey": "Survey", "indicator": "Indicator", "indicator_title": "Indicator title", "title": "Indicator title",
    "domain": "Area type", "domain_value": "Area code", "area_type": "Area type", "area": "Area",
    "estimate": "Estimate", "se": "Standard error", "ci_lower": "Lower limit", "ci_upper": "Upper limit",
    "ci_method": "Interval method", "n_unweighted": "Unweighted base", "n_effective": "Effective base",
    "deff": "Design effect", "low_base": "Low base", "period": "Period", "period_start": "Period start",
    "period_end": "Period end", "value": "Estimate (%)", "half_width": "Half-width (points)",
    "published": "As published", "unit": "Unit", "base": "Base", "effective_base": "Effective base", "note": "Note",
    "base_period": "Base period", "base_estimate": "Base estimate", "current_period": "Current period",
    "current_estimate": "Current estimate", "change": "Change", "se_change": "Standard error of change",
    "p_value": "p-value", "significant": "Significant", "direction": "Direction",
    "minimum_movement": "Minimum movement", "threshold_level": "Level to reach", "group": "Group",
    "peer_mean": "Peer mean", "difference": "Difference", "se_difference": "Standard error of difference",
    "difference_ci_lower": "Difference, lower limit", "difference_ci_upper": "Difference, upper limit",
    "flag": "Against peers", "rank": "Rank in group", "group_size": "Group size", "scenario": "Scenario",
    "measure": "Measure", "group_value": "Group value", "mean": "Mean", "replications": "Replications",
    "cohort": "Cohort", "year": "Year", "criterion": "Criterion", "probability": "Probability", "item": "Item",
    "parameter": "Parameter", "base_value": "Central value", "low_value": "Low value", "high_value": "High value",
    "base_result": "Result at central value", "low_result": "Result at low value",
    "high_result": "Result at high value", "status": "Status", "probability_on_track": "Probability on track",
    "trajectory_value": "Trajectory value", "latest_estimate": "Latest estimate", "target_value": "Target value",
    "baseline_value": "Baseline value", "target_date": "Target date", "latest_period": "Latest period",
    "baseline_period": "Baseline period", "direct": "Direct estimate", "direct_se": "Direct standard error",
    "eblup": "Model-based estimate", "mse": "Mean squared error", "shrinkage": "Shrinkage",
    "synthetic": "Synthetic (no sample)", "method": "Method", "sd_monte_carlo": "Monte Carlo SD",
    "sd_assumptions": "Assumptions SD", "total_lower": "Lower limit with assumptions",
    "total_upper": "Upper limit with assumptions", "calibration": "Calibration", "figure": "Published figure",
    "figure_status": "Figure status", "current_value": "Current estimate (%)", "level_to_reach": "Level to reach (%)",
    "latest_value": "Latest estimate (%)",
}
"""Machine column -> header in words; any other column is made readable by `reporting.workbook.human_header`."""
PUBLICATION_HEADERS = {"ci_lower": "Lower limit (%)", "ci_upper": "Upper limit (%)", "base_value": "Base (%)",
                       "change": "Change (points)", "peer_mean": "Peer mean (%)", "difference": "Difference (points)",
                       "difference_ci_lower": "Difference, lower limit", "difference_ci_upper":
                       "Difference, upper limit", "target_value": "Target (%)", "baseline_value": "Baseline (%)",
                       "trajectory_value": "Trajectory (%)", "probability_on_track": "Probability on track (%)",
                       "minimum_movement": "Minimum movement (points)"}
PROPORTION_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "base_estimate", "current_estimate", "change",
                      "se_change", "minimum_movement", "threshold_level", "peer_mean", "difference",
                      "se_difference", "difference_ci_lower", "difference_ci_upper", "peer_change",
                      "pace_difference", "se_pace_difference", "pace_ci_lower", "pace_ci_upper", "direct", "direct_se",
                      "eblup", "baseline_value", "target_value", "latest_estimate", "trajectory_value")
COLUMN_FORMATS = {"n_unweighted": COUNT, "n_effective": COUNT, "deff": DECIMAL2, "p_value": P_VALUE,
                  "pace_p_value": P_VALUE, "probability_on_track": PERCENT, "shrinkage": DECIMAL3, "mse": "0.000000",
                  "mean": DECIMAL2, "replications": COUNT, "base": COUNT, "effective_base": COUNT,
                  "value": "0.0", "half_width": "0.0", "probability": PERCENT, "group_size": COUNT}
PUBLICATION_NUMBERS = ("value", "half_width", "ci_lower", "ci_upper", "base_value", "current_value", "change",
                       "minimum_movement", "level_to_reach", "peer_mean", "difference", "difference_ci_lower",
                       "difference_ci_upper", "baseline_value", "target_value", "latest_value", "trajectory_value",
                       "probability_on_track")
"""Columns of publication tables, already in per cent (or points) and rounded to one decimal."""
GROUP_SHEETS = {"all": "Whole cohort", "age_band": "By age band", "sex": "By sex", "disposal": "By disposal",
                "offence_group": "By offence group", "programme": "Programmes", "costs": "Costs"}
COMMAND_TITLES = {"estimate": "Estimates", "change": "Change between periods", "peers": "Areas against their peers",
                  "targets": "Targets", "sae": "Small-area estimates", "simulate run": "Re-offending simulation",
                  "simulate project": "Re-offending projection and A.38", "simulate sweep": "Sensitivity sweep"}


def _sheet_groups(table: pd.DataFrame) -> tuple[str | None, list[tuple[str, pd.DataFrame]]]:
    if "indicator" in table.columns:
        key = "indicator"
    elif {"group", "measure"} <= set(table.columns):
        key = "group"
    elif "cohort" in table.columns:
        key = "cohort"
    elif "measure" in table.columns:
        key = "measure"
    else:
        return None, [("Table", table)]
    values = table[key].astype(str).str.split(":").str[0] if key == "group" else table[key].astype(str)
    return key, [(str(k), g.reset_index(drop=True)) for k, g in table.groupby(values, sort=False)]


def command_title(command: str) -> str:
    """What a command's output is, in words: "Change between periods", "Recorded crime: change"."""
    if command in COMMAND_TITLES:
        return COMMAND_TITLES[command]
    if command.startswith("crime "):
        return f"Recorded crime: {command.removeprefix('crime ')}"
    return f"safer {command}" if command else "Table"


def _title(key: str | None, value: str, table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller) -> str:
    survey = survey_key(table, metadata)
    what = command_title(str(metadata.get("command", "")))
    if key == "indicator":
        title = labeller.title(value, survey)
        domains = [labeller.domain(d, True) for d in dict.fromkeys(table.get("domain", pd.Series(dtype=str))
                                                                   .astype(str)) if d != "all"]
        by = f", by {' and '.join(domains)}" if domains else ""
        return f"{title}{by} ({survey_name(survey)})" if survey else f"{title}{by}"
    if key == "group":
        return f"{what}: {GROUP_SHEETS.get(value, value.replace('_', ' '))}"
    if key in ("cohort", "measure"):
        return f"{what}: {value.replace('_', ' ')}"
    content = str(metadata.get("content") or "")
    return {"success": "Probability of meeting A.38, by scenario and criterion",
            "costs": "Offences and costs averted, by scenario"}.get(content, what)


def result_sheets(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller,
                  publication: bool = False) -> list[Sheet]:
    """The table sheets of a result (see the module docstring)."""
    key, groups = _sheet_groups(table)
    min_base = (metadata.get("parameters") or {}).get("min_base")
    sheets: list[Sheet] = []
    for value, group in groups:
        formats = dict(COLUMN_FORMATS)
        percent = key == "indicator" and not is_mean(value) and not publication
        for column in PROPORTION_COLUMNS:
            formats[column] = PERCENT if percent else DECIMAL3
        headers = dict(HEADERS)
        if publication:
            formats |= dict.fromkeys(PUBLICATION_NUMBERS, "0.0")
            headers |= PUBLICATION_HEADERS
        elif percent:
            headers |= {c: f"{HEADERS.get(c, c)} (%)" for c in ("estimate", "ci_lower", "ci_upper")}
        flag = "low_base" if "low_base" in group.columns else None
        parts = ["One row per area." if key == "indicator" else f"{len(group)} rows."]
        if percent:
            parts.append("Proportions are shown as percentages.")
        if flag:
            rule = f"fewer than {min_base} respondents" if min_base is not None else "a low base"
            parts.append(f"Shaded rows (Low base: Yes) rest on {rule}; [c] marks a suppressed estimate.")
        name = GROUP_SHEETS.get(value, value) if key == "group" else value
        if key is None:  # one sheet: named for what it holds ("A.38", "Costs", "Change")
            name = {"success": "A.38", "costs": "Costs"}.get(str(metadata.get("content") or ""),
                                                             command_title(str(metadata.get("command", "")))
                                                             .split(": ")[-1].capitalize())
        sheets.append(Sheet(sheet_name(name, [s.name for s in sheets]), _title(key, value, group, metadata, labeller),
                            group, " ".join(parts), headers, formats, flag, suppressed_when=flag,
                            money_rows="unit" if "unit" in group.columns else None))
    return sheets


def result_notes(table: pd.DataFrame, metadata: dict[str, Any], labeller: Labeller) -> list[tuple[str, str]]:
    """Definitions, units, method, caveats and provenance of a result, as (label, text) notes."""
    survey = survey_key(table, metadata)
    notes: list[tuple[str, str]] = [("What", f"output of safer {metadata.get('command', '')} (version "
                                              f"{metadata.get('version', 'unknown')})")]
    for caveat in metadata.get("caveats") or []:
        notes.append(("Caveat", str(caveat)))
    if "indicator" in table.columns:
        for indicator in dict.fromkeys(table["indicator"].astype(str)):
            wording = labeller.wording(indicator, survey)
            if wording:
                polarity = labeller.polarity(indicator, survey)
                better = f" ({polarity} is better)" if polarity else ""
                notes.append((f"Definition {indicator_code(indicator)}", wording + better))
    if "low_base" in table.columns:
        min_base = (metadata.get("parameters") or {}).get("min_base")
        rule = f"an unweighted base under {min_base}" if min_base is not None else "a low unweighted base"
        notes.append(("Low bases", f"rows with {rule} are marked Low base: Yes and shaded; a suppressed estimate "
                                   "shows [c]"))
    if metadata.get("content") == "publication":
        notes.append(("Units", "percentages to one decimal; half-widths, changes and differences in percentage "
                               "points; 'As published' reads as printed (17.5 +/- 0.6)"))
    elif any(c in table.columns for c in PROPORTION_COLUMNS) and "indicator" in table.columns:
        notes.append(("Units", "proportions are stored as fractions (0.175) and shown as percentages (17.5%)"))
    if "p_value" in table.columns:
        notes.append(("p-values", "stored unrounded; shown to three decimals, and as <0.001 below that"))
    params = metadata.get("parameters") or {}
    if params.get("level"):
        notes.append(("Intervals", f"{100 * float(params['level']):g}% confidence intervals, {params.get('ci', '')} "
                                   "method".replace(" , ", ", ").strip()))
    for name, digest in (metadata.get("inputs") or {}).items():
        notes.append(("Input file", f"{Path(str(name)).name} (SHA-256 {digest})"))
    return notes


def result_book(table: pd.DataFrame, metadata: dict[str, Any]) -> Book:
    """The workbook of one result: cover, contents, a sheet per indicator (or group), notes."""
    labeller = Labeller()
    labeller.add(table, metadata)
    survey = survey_key(table, metadata)
    publication = metadata.get("content") == "publication"
    sheets = result_sheets(table, metadata, labeller, publication)
    what = command_title(str(metadata.get("command", "")))
    title = f"{survey_name(survey)}: {what.lower()}" if survey else what
    source = (f"{survey_name(survey)} microdata, weighted and estimated by safer" if survey
              else f"safer {metadata.get('command', '')}")
    return Book(title, sheets, about=f"This workbook has {len(sheets)} table{'s' if len(sheets) != 1 else ''}: "
                + "; ".join(s.title for s in sheets[:6]) + ("; ..." if len(sheets) > 6 else "") + ".",
                source=source, notes=result_notes(table, metadata, labeller),
                cover_notes=[str(c) for c in metadata.get("caveats") or []], metadata=metadata)


def write_result_workbook(table: pd.DataFrame, metadata: dict[str, Any], path: Path) -> str:
    """A result as a workbook (what `--out x.xlsx` writes); returns the `content_sha256` its metadata records."""
    return write_book(path, result_book(table, metadata))


def write_tables_workbook(path: Path, title: str, tables: dict[str, tuple[str, pd.DataFrame]],
                          notes: list[tuple[str, str]] | None = None, source: str = "",
                          cover_notes: list[str] | None = None) -> None:
    """A workbook of several tables (e.g. `safer demo`'s): `tables` maps sheet name -> (title, table)."""
    sheets: list[Sheet] = []
    for name, (sheet_title, table) in tables.items():
        formats = {c: "0.0" for c in table.columns if str(c).endswith("_%")}
        formats |= {c: COUNT for c in table.columns if str(c).startswith("n_") or str(c) in ("offenders", "n")}
        headers = {str(c): HEADERS.get(str(c), str(c).replace("_%", " (%)").replace("_", " ").capitalize())
                   for c in table.columns}
        sheets.append(Sheet(sheet_name(name, [s.name for s in sheets]), sheet_title, table.reset_index(drop=True),
                            f"{len(table)} rows.", headers, formats))
    write_book(path, Book(title, sheets, about=f"This workbook has {len(sheets)} tables.", source=source,
                          notes=list(notes or []), cover_notes=list(cover_notes or [])))
