"""The four commands that write one judged table: `safer estimate`, `change`, `peers` and `targets`.

Each takes the command's options by the same names, checks the output and the options before any work, runs its
job (`survey.jobs.judging`), and returns the table with the metadata to write beside it: provenance (tool,
version, parameters, input hashes), how items were bound, notes and disclosure. The caller prints the bindings,
writes the table in the layout asked for (`reporting.publication.write_result`) and prints it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.checking import checks_done
from safer_io.outputs import OutputError, check_outputs, table_format
from safer_io.provenance import provenance
from safer_io.verification import takes_trust_edited
from survey.errors import SurveyInputError
from survey.jobs.estimate import DesignOptions, output_labels
from survey.jobs.judging import (
    PeriodOptions,
    Settings,
    change_job,
    change_tables_job,
    estimate_files,
    peers_job,
    targets_job,
)
from survey.jobs.preflight import check_level, check_table_options
from survey.jobs.several_files import WhatToEstimate
from survey.reading.prepared import MappingOptions

Judged = tuple[pd.DataFrame, dict[str, Any]]
"""A result table and the metadata to write with it."""

LAYOUTS = ("long", "publication")
"""`--format`: one row per result for machines and `safer report`, or the table a person reads."""


def check_layout(layout: str) -> None:
    """`--format` is one of `LAYOUTS`."""
    if layout not in LAYOUTS:
        raise OutputError(f"--format {layout}: use 'long' or 'publication'.")


def _design(weight: str | None, strata: str | None, psu: str | None, fpc: str | None, design: Path | None,
            lonely_psu: str, override_design: bool = False) -> DesignOptions:
    return DesignOptions(weight, strata, psu, fpc, design, lonely_psu, override_design)


def _what(questionnaire: str | None, indicator: list[str], all_indicators: bool, mean: list[str],
          proportion: list[str], map_items: list[str], mapping: Path | None, ignore_labels: bool,
          missing: list[str] | None = None, total: list[str] | None = None, ratio: list[str] | None = None,
          quantile: list[str] | None = None) -> WhatToEstimate:
    return WhatToEstimate(questionnaire, indicator, all_indicators, mean, proportion,
                          MappingOptions(tuple(map_items), mapping, ignore_labels), tuple(missing or ()),
                          tuple(total or ()), tuple(ratio or ()), tuple(quantile or ()))


def _judged(table: pd.DataFrame, record: dict[str, Any], command: str, parameters: dict[str, Any],
            layout: str) -> Judged:
    """The table, and its metadata: provenance (`record["input_files"]` are hashed) and the job's record."""
    inputs = record.pop("input_files")
    return table, provenance(command, parameters | {"format": layout}, inputs) | record


def estimate_command(*, data: list[Path], out: Path, questionnaire: str | None, indicator: list[str],
                     all_indicators: bool, mean: list[str], proportion: list[str], map_items: list[str],
                     mapping: Path | None, ignore_labels: bool, weight: str | None, strata: str | None,
                     psu: str | None, fpc: str | None, design: Path | None, lonely_psu: str, by: list[str], ci: str,
                     level: float, min_base: int, suppress: bool, source_col: str | None, date_col: str | None,
                     window: list[str], rolling: str | None, every: str, table_layout: str,
                     total: list[str] | None = None, ratio: list[str] | None = None,
                     quantile: list[str] | None = None, missing: list[str] | None = None,
                     override_design: bool = False, df_rule: str = "domain") -> Judged:
    """`safer estimate`: indicators, means, proportions, totals, ratios and quantiles, by domain and period,
    with their metadata."""
    table_format(out)
    check_layout(table_layout)
    check_outputs([out], [*data, design, mapping])
    check_table_options(questionnaire, indicator, level, ci)
    checks_done()
    table, record = estimate_files(
        data, _design(weight, strata, psu, fpc, design, lonely_psu, override_design),
        _what(questionnaire, indicator, all_indicators, mean, proportion, map_items, mapping, ignore_labels,
              missing, total, ratio, quantile),
        Settings(by, ci, level, min_base, suppress, source_col, df_rule=df_rule),
        PeriodOptions(date_col=date_col, windows=window, rolling=rolling, every=every),
    )
    inputs = record.pop("input_files")
    parameters = {
        "questionnaire": questionnaire, "indicators": indicator, "all_indicators": all_indicators,
        "means": mean, "proportions": proportion, "totals": total or [], "ratios": ratio or [],
        "quantiles": quantile or [], "missing": missing or [], "by": by, "ci": ci, "level": level,
        "min_base": min_base, "suppress": suppress, "df": df_rule, "lonely_psu": lonely_psu,
        "override_design": override_design, "map": map_items,
        "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
        "fpc": fpc, "design": design, "format": table_layout, "source_col": source_col, "date_col": date_col,
        "windows": window, "rolling": rolling, "every": every,
    }
    return table, provenance("estimate", parameters, inputs) | record | output_labels(questionnaire, by)


@takes_trust_edited
def change_command(*, data: list[Path] | None, out: Path, between: str | None, base_window: str | None,
                   current_window: str | None, date_col: str | None, independent: bool, next_n: float | None,
                   tables: tuple[Path, Path] | None, table_level: float, questionnaire: str | None,
                   indicator: list[str], all_indicators: bool, mean: list[str], proportion: list[str],
                   map_items: list[str], mapping: Path | None, ignore_labels: bool, weight: str | None,
                   strata: str | None, psu: str | None, fpc: str | None, design: Path | None, lonely_psu: str,
                   by: list[str], level: float, min_base: int, suppress: bool, source_col: str | None,
                   table_layout: str, missing: list[str] | None = None, override_design: bool = False,
                   df_rule: str = "domain") -> Judged:
    """`safer change`: the difference between two periods (of microdata, or of two published tables)."""
    table_format(out)
    check_layout(table_layout)
    files = list(data or [])
    if tables is not None and files:
        raise SurveyInputError("give data files or --tables BASE CURRENT, not both.")
    check_outputs([out], [*(tables or ()), *files, design, mapping])
    check_table_options(questionnaire, indicator, level)
    check_level(table_level, "--table-level")
    checks_done()
    if tables is not None:
        table, record = change_tables_job(tables[0], tables[1], questionnaire=questionnaire, level=level,
                                          table_level=table_level, next_n=next_n)
    else:
        table, record = change_job(
            files, _design(weight, strata, psu, fpc, design, lonely_psu, override_design),
            _what(questionnaire, indicator, all_indicators, mean, proportion, map_items, mapping, ignore_labels,
                  missing),
            Settings(by, "wald", level, min_base, suppress, source_col, df_rule=df_rule),
            PeriodOptions(date_col=date_col, between=between, base_window=base_window,
                          current_window=current_window),
            independent=independent, next_n=next_n,
        )
    parameters = {
        "between": between, "base_window": base_window, "current_window": current_window, "date_col": date_col,
        "independent": independent, "next_n": next_n, "tables": [str(t) for t in tables or ()],
        "table_level": table_level, "questionnaire": questionnaire, "indicators": indicator,
        "all_indicators": all_indicators, "means": mean, "proportions": proportion, "missing": missing or [],
        "by": by, "level": level, "min_base": min_base, "suppress": suppress, "df": df_rule,
        "lonely_psu": lonely_psu, "override_design": override_design, "source_col": source_col,
        "map": map_items, "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata,
        "psu": psu, "fpc": fpc, "design": design,
    }
    return _judged(table, record, "change", parameters, table_layout)


def peers_command(*, data: list[Path], out: Path, peers: Path, area_col: str, peer_mean: str, between: str | None,
                  base_window: str | None, current_window: str | None, date_col: str | None,
                  questionnaire: str | None, indicator: list[str], all_indicators: bool, mean: list[str],
                  proportion: list[str], map_items: list[str], mapping: Path | None, ignore_labels: bool,
                  weight: str | None, strata: str | None, psu: str | None, fpc: str | None, design: Path | None,
                  lonely_psu: str, ci: str, level: float, min_base: int, suppress: bool, source_col: str | None,
                  table_layout: str, missing: list[str] | None = None, override_design: bool = False,
                  df_rule: str = "domain") -> Judged:
    """`safer peers`: each area against the mean of its peer group (and, with two periods, its pace)."""
    table_format(out)
    check_layout(table_layout)
    check_outputs([out], [*data, peers, design, mapping])
    check_table_options(questionnaire, indicator, level, ci)
    checks_done()
    table, record = peers_job(
        data, _design(weight, strata, psu, fpc, design, lonely_psu, override_design),
        _what(questionnaire, indicator, all_indicators, mean, proportion, map_items, mapping, ignore_labels,
              missing),
        Settings((), ci, level, min_base, suppress, source_col, df_rule=df_rule),
        PeriodOptions(date_col=date_col, between=between, base_window=base_window, current_window=current_window),
        peers=peers, area_column=area_col, peer_mean=peer_mean,
    )
    parameters = {
        "peers": peers, "area_col": area_col, "peer_mean": peer_mean, "between": between,
        "base_window": base_window, "current_window": current_window, "date_col": date_col,
        "questionnaire": questionnaire, "indicators": indicator, "all_indicators": all_indicators,
        "ci": ci, "means": mean, "proportions": proportion, "missing": missing or [], "level": level,
        "min_base": min_base, "suppress": suppress, "df": df_rule, "lonely_psu": lonely_psu,
        "override_design": override_design, "source_col": source_col, "map": map_items,
        "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
        "fpc": fpc, "design": design,
    }
    return _judged(table, record, "peers", parameters, table_layout)


def targets_command(*, data: list[Path], out: Path, targets: Path, date_col: str, window: list[str],
                    rolling: str | None, every: str, questionnaire: str | None, area_col: str | None,
                    map_items: list[str], mapping: Path | None, ignore_labels: bool, weight: str | None,
                    strata: str | None, psu: str | None, fpc: str | None, design: Path | None, lonely_psu: str,
                    ci: str, level: float, min_base: int, suppress: bool, source_col: str | None,
                    table_layout: str, override_design: bool = False, df_rule: str = "domain") -> Judged:
    """`safer targets`: each target's trajectory, the latest estimates and whether they are on track."""
    table_format(out)
    check_layout(table_layout)
    check_outputs([out], [*data, targets, design, mapping])
    check_table_options(questionnaire, [], level, ci)
    checks_done()
    table, record = targets_job(
        data, _design(weight, strata, psu, fpc, design, lonely_psu, override_design),
        Settings((), ci, level, min_base, suppress, source_col, df_rule=df_rule),
        PeriodOptions(date_col=date_col, windows=window, rolling=rolling, every=every),
        targets_file=targets, questionnaire=questionnaire, area_column=area_col,
        mapping=MappingOptions(tuple(map_items), mapping, ignore_labels),
    )
    parameters = {
        "targets": targets, "date_col": date_col, "windows": window, "rolling": rolling, "every": every,
        "questionnaire": questionnaire, "area_col": area_col, "ci": ci, "level": level, "min_base": min_base,
        "suppress": suppress, "df": df_rule, "lonely_psu": lonely_psu, "override_design": override_design,
        "source_col": source_col, "map": map_items,
        "mapping": mapping, "ignore_labels": ignore_labels, "weight": weight, "strata": strata, "psu": psu,
        "fpc": fpc, "design": design,
    }
    return _judged(table, record, "targets", parameters, table_layout)
