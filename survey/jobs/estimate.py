"""Whole jobs behind the command line: read a file, build its design, estimate, and say what was done.

Each job returns results and a JSON-ready record of its parameters; the caller writes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from survey.design import SurveyDesign, load_design_spec, make_design
from survey.errors import SurveyInputError
from survey.estimation.cautions import check_df_rule
from survey.estimation.domains import missing_domain_notes, refuse_sparse_domains
from survey.estimation.estimates import estimate
from survey.estimation.missing_codes import (
    blank_codes,
    codes_to_blank,
    parse_missing_options,
    warn_if_looks_missing,
)
from survey.estimation.targets import (
    Target,
    mean_target,
    proportion_target,
    quantile_target,
    ratio_target,
    total_target,
)
from survey.jobs.warned import collected_warnings
from survey.options import CI_METHODS, choose
from survey.questionnaire.schema import Questionnaire
from survey.reading.prepared import MappingOptions


@dataclass(frozen=True)
class DesignOptions:
    """Design columns given on the command line (or in a design YAML file)."""

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    design_file: Path | None = None
    lonely_psu: str = "fail"
    override_design: bool = False
    """`--override-design`: use the flags even where they contradict a weighted file's recorded design."""


def build_design(data: pd.DataFrame, path: Path, options: DesignOptions) -> tuple[SurveyDesign, dict[str, Any]]:
    """The design for a data file, and where it came from: a weighted file's metadata, a design YAML, or flags.

    A file written by `safer weight` is estimated with its recorded design and calibration; a weighted file whose
    metadata is missing or no longer matches it is refused (`survey.weighting.weighted_files`). Design flags
    that agree with the recorded design change nothing; flags that contradict it (another weight, strata, PSU or
    fpc column) would silently drop the recorded calibration, so they are refused unless `override_design`, which
    is recorded.
    """
    from survey.weighting.weighted_files import design_from_weighted_file, find_weighting_metadata

    source = str(path)
    weight, strata, psu, fpc, lonely = options.weight, options.strata, options.psu, options.fpc, options.lonely_psu
    origin = "command-line options"
    if options.design_file is not None:
        spec = load_design_spec(options.design_file)
        weight = weight or spec.weight
        strata = strata or spec.strata
        psu = psu or spec.psu
        fpc = fpc or spec.fpc
        lonely = spec.lonely_psu if options.lonely_psu == "fail" else options.lonely_psu
        origin = f"design file {options.design_file}"
    given = {"weight": weight, "strata": strata, "psu": psu, "fpc": fpc}
    explicit = any(value is not None for value in given.values())
    found = find_weighting_metadata(path, data, strict=not explicit)
    if found is not None:
        contradictions = design_contradictions(given, found.metadata["weighting"])
        if not contradictions:
            design = design_from_weighted_file(data, found.metadata, lonely_psu=lonely, source=source)
            return design, {"from": f"weighting metadata ({found.found_in})", "metadata_file": found.sidecar}
        if not options.override_design:
            raise SurveyInputError(
                f"{path} was weighted by `safer weight` ({found.found_in}), and the design given contradicts the "
                f"recorded one: {'; '.join(contradictions)}. Estimating with it would drop the recorded design and "
                "calibration without a word. Leave the design flags out to use the recorded design, or give "
                "--override-design to use yours (recorded in the output)."
            )
        origin += f", overriding the recorded design of {path} (--override-design: {'; '.join(contradictions)})"
    design = make_design(data, weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely, source=source)
    return design, {"from": origin, "metadata_file": None, "override_design": found is not None}


def design_contradictions(given: dict[str, str | None], weighting: dict[str, Any]) -> list[str]:
    """How design flags differ from a weighted file's recorded design ('--weight design_weight, recorded
    weight'); empty when every flag given agrees.

    >>> design_contradictions({"weight": "w0", "strata": "la", "psu": None, "fpc": None},
    ...                       {"columns": {"weight": "weight"}, "design": {"strata": "la"}})
    ['--weight w0 (recorded: weight)']
    """
    recorded = {"weight": (weighting.get("columns") or {}).get("weight"), **{
        key: (weighting.get("design") or {}).get(key) for key in ("strata", "psu", "fpc")}}
    return [f"--{key} {value} (recorded: {recorded[key] or 'none'})" for key, value in given.items()
            if value is not None and value != recorded[key]]


def parse_proportion(spec: str) -> tuple[str, str]:
    """Split `VAR=VALUE`."""
    if "=" not in spec:
        raise SurveyInputError(f"--proportion '{spec}' must look like VARIABLE=VALUE.")
    variable, value = spec.split("=", 1)
    if not variable or not value:
        raise SurveyInputError(f"--proportion '{spec}' must look like VARIABLE=VALUE.")
    return variable, value


def collect_targets(
    data: pd.DataFrame,
    *,
    source: str,
    questionnaire: str | Path | Questionnaire | None,
    indicators: Sequence[str],
    all_indicators: bool,
    means: Sequence[str],
    proportions: Sequence[str],
    value_labels: dict[str, dict[Any, str]] | None = None,
    user_missing: dict[str, list[Any]] | None = None,
    missing: dict[str, list[Any]] | None = None,
    notes: list[str] | None = None,
    totals: Sequence[str] = (),
    ratios: Sequence[str] = (),
    quantiles: Sequence[str] = (),
) -> list[Target]:
    """Targets from indicator ids (with a questionnaire), --mean and --proportion.

    A `--mean` or `--proportion` column leaves out of its base the missing codes of the questionnaire item it is
    bound to, the file's declared `user_missing` values and the `missing` codes given (`--missing`); what was
    left out is appended to `notes`. An unbound column whose codes look like missing values draws a
    `SurveyWarning` (`survey.estimation.missing_codes`).
    """
    targets: list[Target] = []
    q_items = {}
    if questionnaire is not None and (means or proportions or totals or ratios or quantiles):
        from survey.questionnaire.loading import load_questionnaire

        q_loaded = questionnaire if isinstance(questionnaire, Questionnaire) else load_questionnaire(questionnaire)
        q_items = {item.id: item for item in q_loaded.items}

    def answers(variable: str, option: str) -> pd.DataFrame:
        """`data` with the column's non-answers blanked (the frame itself when none are)."""
        if variable not in data.columns:
            return data
        item = q_items.get(variable)
        blanked = codes_to_blank(
            variable, item_missing={m.code: m.label for m in item.missing} if item is not None else None,
            declared=(user_missing or {}).get(variable, ()), given=(missing or {}).get(variable, ()))
        if not blanked.reasons:
            warn_if_looks_missing(data[variable], variable, option, source)
            return data
        column, count = blank_codes(data[variable], blanked)
        if notes is not None:
            notes.append(f"{option} {variable}: {count} respondent(s) left out of the base by "
                         f"{'; '.join(blanked.reasons)}.")
        return data.assign(**{variable: column}) if count else data
    if indicators or all_indicators:
        if questionnaire is None:
            raise SurveyInputError("--indicator and --all-indicators need --questionnaire NAME (bcs or place).")
        from survey.estimation.indicators import indicator_ids, indicator_values
        from survey.questionnaire.loading import load_questionnaire

        q = questionnaire if isinstance(questionnaire, Questionnaire) else load_questionnaire(questionnaire)
        wanted = list(indicator_ids(q)) if all_indicators else list(indicators)
        for indicator_id in wanted:
            values = indicator_values(data, q, indicator_id)
            indicator = q.indicator(indicator_id)
            targets.append(Target(indicator_id, values, "proportion", title=indicator.title, survey=q.survey_label,
                                  polarity=indicator.polarity))
    for variable in means:
        targets.append(mean_target(answers(variable, "--mean"), variable, source=source))
    for spec in proportions:
        variable, value = parse_proportion(spec)
        labels = (value_labels or {}).get(variable)
        targets.append(proportion_target(answers(variable, "--proportion"), variable, value, value_labels=labels,
                                         source=source))
    for variable in totals:
        targets.append(total_target(answers(variable, "--total"), variable, source=source))
    for spec in ratios:
        numerator, _, denominator = spec.partition("/")
        frame = answers(denominator.strip(), "--ratio") if denominator.strip() else data
        frame = frame.assign(**{numerator.strip(): answers(numerator.strip(), "--ratio")[numerator.strip()]}) \
            if numerator.strip() in data.columns else frame
        targets.append(ratio_target(frame, spec, source=source))
    for spec in quantiles:
        variable = spec.partition("=")[0].strip()
        targets.append(quantile_target(answers(variable, "--quantile"), spec, source=source))
    used = {*means, *totals, *(parse_proportion(p)[0] for p in proportions),
            *(q.partition("=")[0].strip() for q in quantiles),
            *(part.strip() for r in ratios for part in r.split("/", 1))}
    for variable in missing or {}:
        if variable not in used:
            raise SurveyInputError(f"--missing {variable}: no --mean, --proportion, --total, --ratio or --quantile of "
                                   f"'{variable}' is estimated; --missing applies to those (indicators take their "
                                   "base from the questionnaire).")
    if not targets:
        raise SurveyInputError(
            "nothing to estimate: give --indicator ID (with --questionnaire), --all-indicators, "
            "--mean VAR, --proportion VAR=VALUE, --total VAR, --ratio NUM/DEN or --quantile VAR=Q."
        )
    return targets


def estimate_file(
    path: Path,
    *,
    design_options: DesignOptions,
    questionnaire: str | Path | None = None,
    indicators: Sequence[str] = (),
    all_indicators: bool = False,
    means: Sequence[str] = (),
    proportions: Sequence[str] = (),
    by: Sequence[str] = (),
    ci: str = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = True,
    mapping: MappingOptions | None = None,
    df_rule: str = "domain",
    missing: Sequence[str] = (),
    totals: Sequence[str] = (),
    ratios: Sequence[str] = (),
    quantiles: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read `path`, map it to the questionnaire, build its design, and estimate.

    This is `safer estimate` without the file writing. Returns the table and a JSON-ready record of what was
    done: the design and where it came from, the questionnaire and the binding of each item, the label check,
    the disclosure rule applied, notes (respondents in no domain), and `input_files` (every file read).
    Estimates on fewer than `min_base` respondents are blanked unless `suppress` is False, and a `by` column
    most of whose domains are that small is refused.

    Examples
    --------
    High perceived ASB (PSA 23 indicator 4) on the bundled synthetic BCS year, with its sample design:

    >>> from survey.jobs.demo import examples_dir
    >>> options = DesignOptions(weight="design_weight", strata="stratum", psu="psu")
    >>> table, record = estimate_file(examples_dir() / "bcs.parquet", design_options=options,
    ...                               questionnaire="bcs", indicators=["PSA23_4"])
    >>> row = table.iloc[0]
    >>> print(row["survey"], row["indicator"], round(row["estimate"], 3), record["design"]["n_psu"])
    bcs 2008/09 PSA23_4 0.173 2073
    """
    with collected_warnings() as warned:
        table, record = _estimate_file(path, design_options, questionnaire, indicators, all_indicators, means,
                                       proportions, by, ci, level, min_base, suppress, mapping, df_rule, missing,
                                       (totals, ratios, quantiles))
    record["warnings"] = warned
    return table, record


def _estimate_file(
    path: Path, design_options: DesignOptions, questionnaire: str | Path | None, indicators: Sequence[str],
    all_indicators: bool, means: Sequence[str], proportions: Sequence[str], by: Sequence[str], ci: str, level: float,
    min_base: int, suppress: bool, mapping: MappingOptions | None, df_rule: str, missing: Sequence[str],
    others: tuple[Sequence[str], Sequence[str], Sequence[str]] = ((), (), ()),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from survey.reading.prepared import prepare_survey_file

    if min_base < 0:
        raise SurveyInputError(f"--min-base {min_base}: the publication threshold cannot be negative.")
    mapping = mapping or MappingOptions()
    prepared = prepare_survey_file(path, questionnaire, mapping)
    data = prepared.data
    source = str(path)
    for column in by:
        if column not in data.columns:
            raise SurveyInputError(f"{source}: the --by column '{column}' is not in the data.")
    targets = collect_targets(
        data,
        source=source,
        questionnaire=prepared.questionnaire,
        indicators=indicators,
        all_indicators=all_indicators,
        means=means,
        proportions=proportions,
        value_labels=prepared.value_labels,
        user_missing=prepared.user_missing,
        missing=parse_missing_options(missing),
        notes=(base_notes := list[str]()),
        totals=others[0],
        ratios=others[1],
        quantiles=others[2],
    )
    method = choose(ci, CI_METHODS, "CI method")
    refuse_sparse_domains(data, by, min_base, source=source)
    design, origin = build_design(data, path, design_options)
    table = estimate(
        design, targets, by=by, ci=method, level=level, min_base=min_base, suppress=suppress, source=source,
        df_rule=check_df_rule(df_rule),
    )
    inputs = [path, *prepared.input_files]
    inputs += [p for p in (design_options.design_file, origin["metadata_file"]) if p is not None]
    record = {
        "design": design.describe() | {"from": origin["from"], "override_design": origin.get("override_design", False)},
        **prepared.record(),
        "disclosure": {"min_base": min_base, "suppressed": suppress,
                       "rows_suppressed": int(table["low_base"].sum()) if suppress else 0},
        "notes": base_notes + missing_domain_notes(data, by),
        "input_files": [str(p) for p in dict.fromkeys(inputs)],
    }
    return table, record


def output_labels(questionnaire: str | Path | None, by: Sequence[str]) -> dict[str, Any]:
    """Indicator titles and the names of the `--by` codes, from the questionnaire, for reports and workbooks.

    Returns `{"indicator_titles": {id: title}, "indicator_polarity": {id: "higher_is_better" or
    "lower_is_better"}, "labels": {column: {code: name}}}` (empty without a questionnaire), the metadata keys of
    the report contract (`docs/report.md`): the report colours an area better or worse by the polarity.
    """
    if questionnaire is None:
        return {}
    from survey.questionnaire.loading import load_questionnaire

    q = load_questionnaire(questionnaire)
    items = {item.id: item for item in q.items}
    labels = {column: {str(code): name for code, name in items[column].codes.items()}
              for column in by if column in items and items[column].codes}
    return {"indicator_titles": {ind.id: ind.title for ind in q.indicators},
            "indicator_polarity": {ind.id: ind.polarity for ind in q.indicators}, "labels": labels}
