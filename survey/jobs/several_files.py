"""Several data files as one design, with the targets of every file: the input side of the judging jobs.

Each file keeps its own design (from its `safer weight` sidecar, a design YAML or the flags) and its own
value labels; the designs are stacked with strata made distinct per file (`survey.stacking`), and a source
column records which file each row came from, so that `--between source=FILE_A,FILE_B` or `--by source`
compare them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from survey.design import SurveyDesign
from survey.errors import SurveyInputError
from survey.estimation.missing_codes import parse_missing_options
from survey.estimation.targets import Target
from survey.jobs.estimate import DesignOptions, build_design, collect_targets
from survey.jobs.same_sample import refuse_same_samples, warn_overlapping_dates
from survey.reading.prepared import MappingOptions
from survey.stacking import stack_designs

DEFAULT_SOURCE_COLUMN = "source_file"


@dataclass(frozen=True)
class WhatToEstimate:
    """The indicator, mean and proportion options shared by every survey command."""

    questionnaire: str | None = None
    indicators: Sequence[str] = ()
    all_indicators: bool = False
    means: Sequence[str] = ()
    proportions: Sequence[str] = ()
    mapping: MappingOptions | None = None
    """How columns bind to the questionnaire's items (`--map`, `--mapping`, `--ignore-labels`)."""
    missing: Sequence[str] = ()
    """`--missing VAR=CODE[,CODE]`: codes of a --mean or --proportion column that are not answers."""
    totals: Sequence[str] = ()
    """`--total VAR` (R `svytotal`)."""
    ratios: Sequence[str] = ()
    """`--ratio NUM/DEN` (R `svyratio`)."""
    quantiles: Sequence[str] = ()
    """`--quantile VAR=Q` (R `svyquantile`, Woodruff interval)."""


@dataclass(frozen=True)
class StackedFiles:
    """The files as one design, the targets over all its rows, and what to record about them."""

    design: SurveyDesign
    targets: list[Target]
    labels: list[str]
    """Each file's label (its name without extension, or its path when names clash)."""
    source: str
    """The files, for messages."""
    inputs: list[Path] = field(default_factory=list)
    """Every file read (data, weighting metadata, questionnaire, mapping, design YAML), for provenance."""
    designs: dict[str, Any] = field(default_factory=dict)
    """Each file's design description and where it came from, by label."""
    record: dict[str, Any] = field(default_factory=dict)
    """The questionnaire, item bindings and label check (of the first file; each file's are in `files`)."""
    source_column: str = DEFAULT_SOURCE_COLUMN
    """The column holding each row's file label (present when several files were stacked)."""
    notes: list[str] = field(default_factory=list)
    """What was left out of a --mean or --proportion base, and why, for the record."""


def file_labels(paths: Sequence[Path]) -> list[str]:
    """Short unique labels: file names without extension, else file names, else the paths as given.

    >>> file_labels([Path("a/2008.csv"), Path("b/2009.csv")]), file_labels([Path("a/x.csv"), Path("b/x.csv")])
    (['2008', '2009'], ['a/x.csv', 'b/x.csv'])
    """
    for labels in ([p.stem for p in paths], [p.name for p in paths], [str(p) for p in paths]):
        if len(set(labels)) == len(labels):
            return labels
    raise SurveyInputError(f"the same file is given twice: {', '.join(map(str, paths))}.")


def load_files(
    paths: Sequence[Path],
    design_options: DesignOptions,
    what: WhatToEstimate,
    *,
    source_column: str | None = None,
    required_columns: Sequence[str] = (),
    date_column: str | None = None,
) -> StackedFiles:
    """Read every file, build its design and targets, check `required_columns` are in each, and stack.

    With one file, the source column is added only when `source_column` is given. Several files must be
    different samples (`survey.jobs.same_sample`: the same file twice, or the same respondents, is refused;
    overlapping interview dates in `date_column` draw a warning).
    """
    from survey.reading.prepared import prepare_survey_file

    if not paths:
        raise SurveyInputError("give at least one data file.")
    labels = file_labels(paths)
    designs, target_lists, inputs, described, records = [], [], [], {}, {}
    notes: list[str] = []
    frames = []
    for path, label in zip(paths, labels, strict=True):
        prepared = prepare_survey_file(path, what.questionnaire, what.mapping or MappingOptions())
        data = prepared.data
        for column in required_columns:
            if column not in data.columns:
                raise SurveyInputError(f"{path}: the column '{column}' is not in the data.")
        targets = collect_targets(data, source=str(path), questionnaire=prepared.questionnaire,
                                  indicators=what.indicators, all_indicators=what.all_indicators,
                                  means=what.means, proportions=what.proportions,
                                  value_labels=prepared.value_labels, user_missing=prepared.user_missing,
                                  missing=parse_missing_options(what.missing),
                                  notes=(file_notes := list[str]()), totals=what.totals, ratios=what.ratios,
                                  quantiles=what.quantiles)
        notes += [f"{label}: {note}" if len(paths) > 1 else note for note in file_notes]
        design, origin = build_design(data, path, design_options)
        frames.append(prepared.file.data)
        designs.append(design)
        target_lists.append(targets)
        inputs += [path, *prepared.input_files]
        inputs += [p for p in (design_options.design_file, origin["metadata_file"]) if p is not None]
        described[label] = design.describe() | {"from": origin["from"],
                                                "override_design": origin.get("override_design", False)}
        records[label] = prepared.record()
    if len(paths) > 1:
        refuse_same_samples(paths, frames, frozenset(d.weight_column for d in designs if d.weight_column))
        warn_overlapping_dates(paths, frames, date_column)
    names = [t.name for t in target_lists[0]]
    for path, targets in zip(paths[1:], target_lists[1:], strict=True):
        if [t.name for t in targets] != names:
            raise SurveyInputError(f"{path}: estimates {', '.join(t.name for t in targets)}, but {paths[0]} "
                                   f"estimates {', '.join(names)}.")
    if len(paths) == 1 and source_column is None:
        stacked = designs[0]
    else:
        stacked = stack_designs(designs, labels, source_column=source_column or DEFAULT_SOURCE_COLUMN)
    targets = [
        replace(t, values=np.concatenate([np.asarray(ts[i].values, dtype=np.float64) for ts in target_lists]))
        for i, t in enumerate(target_lists[0])
    ]
    record = records[labels[0]] | ({"files": records} if len(paths) > 1 else {})
    return StackedFiles(stacked, targets, labels, ", ".join(map(str, paths)), list(dict.fromkeys(inputs)),
                        described, record, source_column or DEFAULT_SOURCE_COLUMN, notes)


def parse_between(text: str) -> tuple[str, str, str]:
    """`COL=A,B`: the column and its base and current values.

    >>> parse_between("survey_year=2008-09,2009-10")
    ('survey_year', '2008-09', '2009-10')
    """
    column, _, values = text.partition("=")
    parts = values.split(",")
    if not column.strip() or len(parts) != 2 or not all(p.strip() for p in parts):
        raise SurveyInputError(f"--between '{text}' must look like COLUMN=BASE,CURRENT, e.g. survey_year=2008,2009.")
    return column.strip(), parts[0].strip(), parts[1].strip()
