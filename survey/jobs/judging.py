"""Whole jobs behind `safer estimate` on several files or periods, `safer change`, `safer peers` and
`safer targets`: read the files, build one design, judge, and say what was done.

Each job returns its table and a JSON-ready record (parameters are recorded by the caller); the caller
writes files. Every input check happens here, before any output is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.inputs import read_parquet
from safer_io.verification import check_unchanged
from survey.errors import SurveyInputError
from survey.estimation.cautions import check_df_rule
from survey.estimation.domains import missing_domain_notes, refuse_sparse_domains
from survey.estimation.estimates import estimate
from survey.jobs.estimate import DesignOptions, estimate_file, output_labels
from survey.jobs.several_files import DEFAULT_SOURCE_COLUMN, StackedFiles, WhatToEstimate, load_files, parse_between
from survey.jobs.warned import recording_warnings
from survey.judging.periods import (
    Period,
    estimate_periods,
    level_period,
    parse_dates,
    parse_window,
    rolling_periods,
    window_period,
)
from survey.options import CI_METHODS, choose
from survey.reading.prepared import MappingOptions


@dataclass(frozen=True)
class PeriodOptions:
    """How periods are given on the command line."""

    date_col: str | None = None
    """Interview date column, for windows and rolling periods."""
    windows: Sequence[str] = ()
    """`START:END` windows (`--window`, repeatable)."""
    rolling: str | None = None
    """Rolling window length (`--rolling 12m`)."""
    every: str = "quarter"
    """How often a rolling window ends."""
    between: str | None = None
    """`COL=BASE,CURRENT`: two levels of a column."""
    base_window: str | None = None
    current_window: str | None = None


@dataclass(frozen=True)
class Settings:
    """Estimation settings shared by the commands."""

    by: Sequence[str] = ()
    ci: str = "logit"
    level: float = 0.95
    min_base: int = 50
    suppress: bool = False
    source_column: str | None = None
    df_rule: str = "domain"
    """Degrees of freedom of intervals and tests: `domain` (R's subset rule) or `design` (`--df`)."""


def _dates(stacked: StackedFiles, options: PeriodOptions, why: str) -> Any:
    if options.date_col is None:
        raise SurveyInputError(f"{why} needs --date-col, the column of interview dates.")
    return parse_dates(stacked.design.data, options.date_col, source=stacked.source)


def listed_periods(stacked: StackedFiles, options: PeriodOptions) -> list[Period]:
    """The periods of `--window` (repeatable) and `--rolling`, in that order."""
    periods: list[Period] = []
    if options.windows or options.rolling:
        dates = _dates(stacked, options, "--window and --rolling")
        periods += [window_period(dates, *parse_window(w), label=w) for w in options.windows]
        if options.rolling:
            periods += rolling_periods(dates, options.rolling, options.every, notes=stacked.notes)
    elif options.date_col is not None:
        raise SurveyInputError("--date-col needs --window START:END or --rolling LENGTH.")
    return periods


def two_periods(
    stacked: StackedFiles, options: PeriodOptions, *, required: bool = True
) -> tuple[Period, Period] | None:
    """The base and current periods: `--between COL=A,B`, `--base-window` and `--current-window`, or else the
    two files given (the first is the base)."""
    windows = (options.base_window, options.current_window)
    if options.between and any(windows):
        raise SurveyInputError("give either --between or --base-window/--current-window, not both.")
    if options.between:
        column, first, second = parse_between(options.between)
        data = stacked.design.data
        return (level_period(data, column, first, source=stacked.source),
                level_period(data, column, second, source=stacked.source))
    if any(windows):
        if not all(windows):
            raise SurveyInputError("--base-window and --current-window go together.")
        dates = _dates(stacked, options, "--base-window and --current-window")
        assert options.base_window is not None and options.current_window is not None
        return (window_period(dates, *parse_window(options.base_window, "--base-window"), label=options.base_window,
                              option="--base-window"),
                window_period(dates, *parse_window(options.current_window, "--current-window"),
                              label=options.current_window, option="--current-window"))
    if len(stacked.labels) == 2:
        # Two files and nothing else said: the first is the base, the second the current period.
        column = stacked.source_column
        data = stacked.design.data
        return (level_period(data, column, stacked.labels[0], source=stacked.source),
                level_period(data, column, stacked.labels[1], source=stacked.source))
    if required:
        raise SurveyInputError(
            "say which periods to compare: two files (base first), --between COL=BASE,CURRENT (e.g. "
            "survey_year=2008-09,2009-10), or --date-col with --base-window and --current-window."
        )
    return None


def _required(settings: Settings, options: PeriodOptions, extra: Sequence[str] = ()) -> list[str]:
    source = settings.source_column or DEFAULT_SOURCE_COLUMN
    columns = [*settings.by, *extra]
    if options.date_col:
        columns.append(options.date_col)
    if options.between:
        columns.append(parse_between(options.between)[0])
    return [c for c in dict.fromkeys(columns) if c != source]


def _record(stacked: StackedFiles, periods: Sequence[Period], settings: Settings,
            table: pd.DataFrame | None = None) -> dict[str, Any]:
    """What every judging output records: files, designs, periods, questionnaire and bindings, disclosure."""
    suppressed = int(table["low_base"].fillna(False).astype(bool).sum()) if table is not None and settings.suppress \
        else 0
    return {
        "design": stacked.design.describe() | (
            {"from": next(iter(stacked.designs.values()))["from"]} if len(stacked.labels) == 1 else
            {"stacked_from": stacked.labels}),
        "file_labels": stacked.labels,
        "designs": stacked.designs,
        **stacked.record,
        "periods": [{"label": p.label, "start": p.start and p.start.isoformat(), "end": p.end and p.end.isoformat(),
                     "respondents": p.n_rows} for p in periods],
        "disclosure": {"min_base": settings.min_base, "suppressed": settings.suppress, "rows_suppressed": suppressed},
        "notes": stacked.notes + [p.note for p in periods if p.note]
        + missing_domain_notes(stacked.design.data, settings.by),
        "input_files": [str(p) for p in stacked.inputs],
    }


@recording_warnings
def estimate_files(
    paths: Sequence[Path], design_options: DesignOptions, what: WhatToEstimate, settings: Settings,
    period_options: PeriodOptions,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`safer estimate` on one or more files, for the whole data or for windows and rolling periods.

    One file without periods is `survey.jobs.estimate.estimate_file` exactly."""
    method = choose(settings.ci, CI_METHODS, "CI method")
    if settings.min_base < 0:
        raise SurveyInputError(f"--min-base {settings.min_base}: the publication threshold cannot be negative.")
    if len(paths) == 1 and settings.source_column is None and not (
            period_options.windows or period_options.rolling or period_options.date_col):
        return estimate_file(paths[0], design_options=design_options, questionnaire=what.questionnaire,
                             indicators=what.indicators, all_indicators=what.all_indicators, means=what.means,
                             proportions=what.proportions, by=settings.by, ci=method, level=settings.level,
                             min_base=settings.min_base, suppress=settings.suppress, mapping=what.mapping,
                             df_rule=settings.df_rule, missing=what.missing, totals=what.totals,
                             ratios=what.ratios, quantiles=what.quantiles)
    stacked = load_files(paths, design_options, what, source_column=settings.source_column,
                         required_columns=_required(settings, period_options), date_column=period_options.date_col)
    refuse_sparse_domains(stacked.design.data, settings.by, settings.min_base, source=stacked.source)
    periods = listed_periods(stacked, period_options)
    if periods:
        table = estimate_periods(stacked.design, stacked.targets, periods, by=settings.by, ci=method,
                                 level=settings.level, min_base=settings.min_base, suppress=settings.suppress,
                                 source=stacked.source, df_rule=check_df_rule(settings.df_rule))
    else:
        table = estimate(stacked.design, stacked.targets, by=settings.by, ci=method, level=settings.level,
                         min_base=settings.min_base, suppress=settings.suppress, source=stacked.source,
                         df_rule=check_df_rule(settings.df_rule))
    return table, _record(stacked, periods, settings, table)


@recording_warnings
def change_job(
    paths: Sequence[Path], design_options: DesignOptions, what: WhatToEstimate, settings: Settings,
    period_options: PeriodOptions, *, independent: bool = False, next_n: float | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`safer change` on microdata: the change between two periods of one or more files."""
    from survey.judging.change import change

    _means_only(what, "change")
    stacked = load_files(paths, design_options, what, source_column=settings.source_column,
                         required_columns=_required(settings, period_options), date_column=period_options.date_col)
    periods = two_periods(stacked, period_options)
    assert periods is not None
    base, current = periods
    table = change(stacked.design, stacked.targets, base, current, by=settings.by, level=settings.level,
                   independent=independent, next_n=next_n, min_base=settings.min_base,
                   suppress=settings.suppress, source=stacked.source, df_rule=check_df_rule(settings.df_rule))
    record = _record(stacked, [base, current], settings, table) | {
        "variance": f"{stacked.design.variance_method}: SE of each change from the full (stacked) design, "
                    "covariance of shared respondents included",
        "interval": f"t interval for the change on its degrees of freedom (--df {settings.df_rule}); p-value "
                    "two-sided from the same t",
        "thresholds": "minimum_movement and threshold_level are the Annex's prospective minimum movement (z x "
                      "sqrt(base SE^2 + next SE^2), next SE as the base's or --next-n's); retrospective_movement "
                      "and retrospective_threshold are what this change had to pass (t x SE of the change, with the "
                      "current SE and any overlap): significance follows the retrospective one",
    } | output_labels(what.questionnaire, settings.by)
    return table, record


def change_tables_job(
    base_path: Path, current_path: Path, *, questionnaire: str | None = None, level: float = 0.95,
    table_level: float = 0.95, next_n: float | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`safer change --tables`: the change between two published estimate tables (independent samples)."""
    from survey.judging.change import change_from_tables

    tables = [_read_table(path) for path in (base_path, current_path)]
    polarities = {}
    if questionnaire is not None:
        from survey.questionnaire.loading import load_questionnaire

        polarities = {ind.id: ind.polarity for ind in load_questionnaire(questionnaire).indicators}
    table = change_from_tables(tables[0], tables[1], base_label=base_path.stem, current_label=current_path.stem,
                               polarities=polarities, level=level, table_level=table_level, next_n=next_n,
                               sources=(str(base_path), str(current_path)))
    record = {"tables": [str(base_path), str(current_path)], "input_files": [str(base_path), str(current_path)],
              "variance": "independent samples: se_change = sqrt(se_base^2 + se_current^2), SEs from the tables "
                          "(or from CI half-widths at table_level where a table has no se)"}
    record |= output_labels(questionnaire, sorted({str(d) for d in table["domain"]} - {"all"}))
    return table, record


def _means_only(what: WhatToEstimate, command: str) -> None:
    """Changes and peer gaps are contrasts of means: totals, ratios and quantiles are `safer estimate`'s."""
    if what.totals or what.ratios or what.quantiles:
        raise SurveyInputError(f"safer {command} compares indicators, means and proportions; --total, --ratio and "
                               "--quantile are estimated with `safer estimate`.")


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if path.is_file():  # an estimate table of safer edited since it was written is refused (--trust-edited)
        check_unchanged(path, SurveyInputError, "estimate table")
    try:
        if suffix == ".csv":
            return pd.read_csv(path, keep_default_na=True)
        if suffix == ".parquet":
            return read_parquet(path)
        if suffix == ".xlsx":
            return pd.read_excel(path, sheet_name=0)
    except FileNotFoundError:
        raise SurveyInputError(f"{path}: the estimate table does not exist.") from None
    except Exception as exc:  # parsers raise many types
        raise SurveyInputError(f"{path}: cannot be read as an estimate table ({exc}).") from None
    raise SurveyInputError(f"{path}: an estimate table must be .csv, .parquet or .xlsx.")


@recording_warnings
def peers_job(
    paths: Sequence[Path], design_options: DesignOptions, what: WhatToEstimate, settings: Settings,
    period_options: PeriodOptions, *, peers: Path, area_column: str, peer_mean: str = "mean",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`safer peers`: each area against its most similar group; keeping pace when two periods are given."""
    from survey.judging.peers import PEER_MEAN_NOTES, PEER_MEAN_OPTIONS, peer_comparison, read_peer_groups

    _means_only(what, "peers")
    mean_kind = choose(peer_mean, PEER_MEAN_OPTIONS, "--peer-mean")
    groups = read_peer_groups(peers)
    stacked = load_files(paths, design_options, what, source_column=settings.source_column,
                         required_columns=_required(settings, period_options, [area_column]),
                         date_column=period_options.date_col)
    periods = two_periods(stacked, period_options, required=False)
    base, current = periods if periods is not None else (None, None)
    table = peer_comparison(stacked.design, stacked.targets, area_column, groups, current=current, base=base,
                            peer_mean=mean_kind, ci=choose(settings.ci, CI_METHODS, "CI method"),
                            level=settings.level, min_base=settings.min_base,
                            suppress=settings.suppress, source=stacked.source,
                            df_rule=check_df_rule(settings.df_rule))
    record = _record(stacked, [p for p in (base, current) if p is not None], settings, table) | {
        "peer_mean": PEER_MEAN_NOTES[mean_kind], "peer_mean_kind": mean_kind, "peers_file": str(peers),
        "area_column": area_column,
    } | output_labels(what.questionnaire, [area_column])
    record["input_files"].append(str(peers))
    return table, record


@recording_warnings
def targets_job(
    paths: Sequence[Path], design_options: DesignOptions, settings: Settings, period_options: PeriodOptions,
    *, targets_file: Path, questionnaire: str | None = None, area_column: str | None = None,
    mapping: MappingOptions | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`safer targets`: trajectory and status of each target in each period (default: every rolling year)."""
    from survey.judging.target_checks import period_alignment, warn_wrong_side
    from survey.judging.targets import check_against_questionnaire, load_targets, target_status
    from survey.questionnaire.loading import load_questionnaire

    spec = load_targets(targets_file)
    name = questionnaire or spec.questionnaire
    if name is None:
        raise SurveyInputError(f"{targets_file}: say which questionnaire the indicators are from "
                               "(--questionnaire, or questionnaire: in the targets file).")
    check_against_questionnaire(spec, load_questionnaire(name), str(targets_file))
    area = area_column or spec.area_column
    indicators = list(dict.fromkeys(t.indicator for t in spec.targets))
    what = WhatToEstimate(questionnaire=name, indicators=indicators, mapping=mapping)
    stacked = load_files(paths, design_options, what, source_column=settings.source_column,
                         required_columns=_required(settings, period_options, [area] if area else []),
                         date_column=period_options.date_col)
    options = period_options
    if not options.windows and not options.rolling:
        options = PeriodOptions(date_col=options.date_col, rolling="12m", every=options.every)
    periods = listed_periods(stacked, options)
    table = target_status(stacked.design, stacked.targets, spec, periods, date_column=options.date_col,
                          area_column=area, ci=choose(settings.ci, CI_METHODS, "CI method"), level=settings.level,
                          min_base=settings.min_base, suppress=settings.suppress, source=stacked.source,
                          df_rule=check_df_rule(settings.df_rule))
    warn_wrong_side(table)
    alignment = period_alignment(spec, periods)
    stacked.notes.extend(entry["note"] for entry in alignment if "note" in entry)
    record = _record(stacked, periods, settings, table) | {
        "period_alignment": alignment,
        "targets_file": str(targets_file),
        "trajectory": "straight line from the baseline value at the baseline date (end of the baseline period) "
                      "to the target value at the target date; evaluated at each period's end",
        "status": "on track / off track when the whole CI is on the good / wrong side of the trajectory; "
                  "cannot tell when it straddles",
    } | output_labels(name, [area] if area else [])
    record["input_files"].append(str(targets_file))
    return table, record
