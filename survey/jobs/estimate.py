"""Whole jobs behind the command line: read a file, build its design, estimate, and say what was done.

Each job returns results and a JSON-ready record of its parameters; the caller writes files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.files import sidecar_path
from survey.design import SurveyDesign, load_design_spec, make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import Target, mean_target, proportion_target
from survey.options import CI_METHODS, choose


@dataclass(frozen=True)
class DesignOptions:
    """Design columns given on the command line (or in a design YAML file)."""

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    design_file: Path | None = None
    lonely_psu: str = "fail"


def build_design(data: pd.DataFrame, path: Path, options: DesignOptions) -> SurveyDesign:
    """The design for a data file: from a weighted file's metadata, a design YAML, or the flags."""
    source = str(path)
    meta_file = sidecar_path(path)
    explicit = options.weight or options.design_file or options.strata or options.psu
    if meta_file.exists() and not explicit:
        meta = json.loads(meta_file.read_text())
        if "weighting" in meta:
            from survey.weighting.weighted_files import design_from_weighted_file

            return design_from_weighted_file(data, meta, lonely_psu=options.lonely_psu, source=source)
    weight, strata, psu, fpc, lonely = options.weight, options.strata, options.psu, options.fpc, options.lonely_psu
    if options.design_file is not None:
        spec = load_design_spec(options.design_file)
        weight = weight or spec.weight
        strata = strata or spec.strata
        psu = psu or spec.psu
        fpc = fpc or spec.fpc
        lonely = spec.lonely_psu if options.lonely_psu == "fail" else options.lonely_psu
    return make_design(data, weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely, source=source)


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
    questionnaire: str | None,
    indicators: Sequence[str],
    all_indicators: bool,
    means: Sequence[str],
    proportions: Sequence[str],
    value_labels: dict[str, dict[Any, str]] | None = None,
) -> list[Target]:
    """Targets from indicator ids (with a questionnaire), --mean and --proportion."""
    targets: list[Target] = []
    if indicators or all_indicators:
        if questionnaire is None:
            raise SurveyInputError("--indicator and --all-indicators need --questionnaire NAME (bcs or place).")
        from survey.estimation.indicators import indicator_ids, indicator_values
        from survey.questionnaire.loading import load_questionnaire

        q = load_questionnaire(questionnaire)
        wanted = list(indicator_ids(q)) if all_indicators else list(indicators)
        for indicator_id in wanted:
            values = indicator_values(data, q, indicator_id)
            targets.append(Target(indicator_id, values, "proportion"))
    for variable in means:
        targets.append(mean_target(data, variable, source=source))
    for spec in proportions:
        variable, value = parse_proportion(spec)
        labels = (value_labels or {}).get(variable)
        targets.append(proportion_target(data, variable, value, value_labels=labels, source=source))
    if not targets:
        raise SurveyInputError(
            "nothing to estimate: give --indicator ID (with --questionnaire), --all-indicators, "
            "--mean VAR or --proportion VAR=VALUE."
        )
    return targets


def estimate_file(
    path: Path,
    *,
    design_options: DesignOptions,
    questionnaire: str | None = None,
    indicators: Sequence[str] = (),
    all_indicators: bool = False,
    means: Sequence[str] = (),
    proportions: Sequence[str] = (),
    by: Sequence[str] = (),
    ci: str = "logit",
    level: float = 0.95,
    min_base: int = 50,
    suppress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read `path`, build its design, and estimate; returns the table and the design description.

    This is `safer estimate` without the file writing.

    Examples
    --------
    High perceived ASB (PSA 23 indicator 4) on the bundled synthetic BCS year, with its sample design:

    >>> from survey.jobs.demo import examples_dir
    >>> options = DesignOptions(weight="design_weight", strata="stratum", psu="psu")
    >>> table, design = estimate_file(examples_dir() / "bcs.parquet", design_options=options,
    ...                               questionnaire="bcs", indicators=["PSA23_4"])
    >>> print(table.loc[0, "indicator"], round(table.loc[0, "estimate"], 3), design["n_psu"])
    PSA23_4 0.172 2073
    """
    from survey.reading.files import read_survey_file

    survey_file = read_survey_file(path)
    data = survey_file.data
    source = str(path)
    for column in by:
        if column not in data.columns:
            raise SurveyInputError(f"{source}: the --by column '{column}' is not in the data.")
    targets = collect_targets(
        data,
        source=source,
        questionnaire=questionnaire,
        indicators=indicators,
        all_indicators=all_indicators,
        means=means,
        proportions=proportions,
        value_labels=survey_file.value_labels,
    )
    design = build_design(data, path, design_options)
    method = choose(ci, CI_METHODS, "CI method")
    table = estimate(
        design, targets, by=by, ci=method, level=level, min_base=min_base, suppress=suppress, source=source
    )
    return table, design.describe()
