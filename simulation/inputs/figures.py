"""The published re-offending figures each year's cohort is calibrated to, with their sources, and the user's own.

`figures.yaml` holds the adult and juvenile Q1 cohorts (frequency per 100 offenders, binary rate, serious per 100),
the adults leaving custody every year, the 2004 custody leavers by sex, the juveniles leaving custody, and cohort
sizes. Every figure carries its source (publication, table, year) and a status: `verbatim` (seen in the
publication or an official record of it), `reported` (seen in a secondary source), `derived` (arithmetic on those),
`assumed` (not found: an interpolation with a range), `not_found` (no value) or `user` (`--figures FILE`).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from safer_io.inputs import load_yaml, read_text
from simulation.errors import SimulationInputError, from_validation_error

FIGURES_FILE = Path(__file__).with_name("figures.yaml")


FIRST_YEAR, LAST_YEAR = 2000, 2020


BASELINE_YEAR, TARGET_YEAR = 2004, 2011
"""A.38 compares the 2011 cohorts with the 2004 Q1 baseline (000:673, 000:724-728)."""


MEASURES = ("frequency_per_100", "binary_rate_percent", "serious_per_100")


Status = Literal["verbatim", "reported", "derived", "assumed", "not_found", "user"]
EVIDENCE: tuple[str, ...] = ("verbatim", "reported", "derived", "user")
"""Statuses of figures that come from a publication (or the user), as opposed to an assumption."""


class Figure(BaseModel):
    """One figure: its value, its range (an assumption's), its status and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    value: float | None = Field(default=None, gt=0)
    """The figure (per 100 offenders, or percent); None when not found."""
    range: tuple[float, float] | None = None
    """Plausible range of an assumed figure, for `--uncertainty` and sweeps."""
    status: Status
    """verbatim, reported, derived, assumed, not_found or user (see the module docstring)."""
    source: str = Field(min_length=3)
    """Publication, table and year; for an assumption, how the value was chosen."""

    @model_validator(mode="after")
    def _range(self) -> Figure:
        if (self.value is None) != (self.status == "not_found"):
            raise ValueError("a figure has a value unless its status is not_found")
        if self.status == "assumed" and self.range is None:
            raise ValueError("an assumed figure needs a range")
        if self.range is not None and self.value is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"value {self.value} must lie within range {list(self.range)}")
        return self

    @property
    def is_evidence(self) -> bool:
        """Whether the figure comes from a publication (or the user) rather than an assumption."""
        return self.status in EVIDENCE


class GroupFigures(BaseModel):
    """Figures of one subgroup of a cohort (a disposal or a sex): a frequency and binary rate where published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offenders: int | None = Field(default=None, gt=0)
    """Offenders in the group, where published."""
    frequency_per_100: Figure | None = None
    """Proven re-offences per 100 offenders."""
    binary_rate_percent: Figure | None = None
    """Percentage with at least one proven re-offence."""

    def value(self, measure: str) -> float | None:
        """The figure's value for a measure, None when there is none."""
        figure = getattr(self, measure, None)
        return figure.value if isinstance(figure, Figure) else None


class Figures(BaseModel):
    """Everything in `figures.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adult: dict[int, dict[str, Figure]]
    adult_custody: dict[int, GroupFigures] = Field(default_factory=dict)
    custody_leavers_2004: dict[Literal["male", "female"], GroupFigures]
    youth: dict[int, dict[str, Figure]] = Field(default_factory=dict)
    youth_custody: dict[int, GroupFigures] = Field(default_factory=dict)
    youth_community: dict[int, GroupFigures] = Field(default_factory=dict)
    cohort_sizes: dict[str, dict[int, Figure]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Figures:
        for kind in ("adult", "youth"):
            for year, measures in getattr(self, kind).items():
                unknown = sorted(set(measures) - set(MEASURES))
                if unknown:
                    raise ValueError(f"{kind} {year}: unknown measure(s) {unknown}; use {list(MEASURES)}")
                if not FIRST_YEAR <= year <= LAST_YEAR:
                    raise ValueError(f"{kind} {year}: years run from {FIRST_YEAR} to {LAST_YEAR}")
        return self

    def with_user(self, user: pd.DataFrame) -> Figures:
        """These figures with the user's (columns year, cohort, measure, value) replacing or adding to them."""
        data = self.model_dump()
        for row in user.to_dict("records"):
            entry = data[str(row["cohort"])].setdefault(int(row["year"]), {})
            entry[str(row["measure"])] = {"value": float(row["value"]), "status": "user", "source": "user figures file"}
        try:
            figures = Figures.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error("--figures", exc) from None
        for kind in ("adult", "youth"):
            for year in sorted({int(r["year"]) for r in user.to_dict("records") if r["cohort"] == kind}):
                if year not in figures.years(kind):
                    raise SimulationInputError(f"--figures: {kind} {year} needs both frequency_per_100 and "
                                               "binary_rate_percent (bundled or given) to be calibrated")
        return figures

    def years(self, kind: str) -> list[int]:
        """Years of a cohort kind that can be calibrated: with a frequency and a binary rate, in order."""
        return sorted(year for year, measures in getattr(self, kind).items()
                      if all(measures.get(m) is not None and measures[m].value is not None
                             for m in ("frequency_per_100", "binary_rate_percent")))

    def figure(self, kind: str, year: int, measure: str) -> Figure | None:
        """A whole cohort's figure, None when there is no value."""
        figure = getattr(self, kind).get(year, {}).get(measure)
        return figure if figure is not None and figure.value is not None else None

    def assumptions(self) -> dict[str, Figure]:
        """Every assumed figure, by a stable name (e.g. `figures.adult.2004.frequency_per_100`)."""
        out = {}
        for kind in ("adult", "youth"):
            for year, measures in getattr(self, kind).items():
                for measure, figure in measures.items():
                    if figure.range is not None and figure.value is not None:
                        out[f"figures.{kind}.{year}.{measure}"] = figure
        for section in ("adult_custody", "youth_custody", "youth_community"):
            for year, group in getattr(self, section).items():
                for measure in ("frequency_per_100", "binary_rate_percent"):
                    figure = getattr(group, measure)
                    if figure is not None and figure.range is not None and figure.value is not None:
                        out[f"figures.{section}.{year}.{measure}"] = figure
        return out

    def not_found(self) -> list[str]:
        """Every figure searched for and not found, as `kind year measure: source`."""
        return [f"{kind} {year} {measure}: {figure.source}"
                for kind in ("adult", "youth") for year, measures in sorted(getattr(self, kind).items())
                for measure, figure in measures.items() if figure.status == "not_found"]


@functools.lru_cache(maxsize=4)
def load_figures(path: Path = FIGURES_FILE) -> Figures:
    """The figures file (the bundled one by default)."""
    document = load_yaml(path, "figures file", SimulationInputError)
    try:
        return Figures.model_validate(document)
    except ValidationError as exc:
        raise from_validation_error(path, exc) from None


USER_FIGURE_COLUMNS = ("year", "cohort", "measure", "value")


def read_user_figures(path: Path) -> pd.DataFrame:
    """A user's figures: CSV with columns year, cohort (adult or youth), measure, value; errors name the line."""
    text = read_text(path, "figures file", SimulationInputError)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise SimulationInputError(f"{path}: not a readable CSV file ({exc})") from None
    columns = [c.strip() for c in table.columns]
    unknown = sorted(set(columns) - set(USER_FIGURE_COLUMNS))
    missing = [c for c in USER_FIGURE_COLUMNS if c not in columns]
    if unknown or missing:
        raise SimulationInputError(
            f"{path}: columns must be {list(USER_FIGURE_COLUMNS)}; unknown {unknown}, missing {missing}"
        )
    table.columns = columns
    problems = []
    for position, row in enumerate(table.itertuples(index=False), start=2):
        year, cohort, measure, value = (str(v).strip() for v in row)
        if not year.isdigit() or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            problems.append(f"line {position}, column 'year': {year!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
        if cohort not in ("adult", "youth"):
            problems.append(f"line {position}, column 'cohort': {cohort!r} is not adult or youth")
        if measure not in MEASURES:
            problems.append(f"line {position}, column 'measure': {measure!r} is not one of {list(MEASURES)}")
        try:
            number = float(value)
            if not np.isfinite(number) or number <= 0:
                raise ValueError
        except ValueError:
            problems.append(f"line {position}, column 'value': {value!r} is not a positive number")
    if problems:
        raise SimulationInputError(f"{path}: " + "; ".join(problems[:8]))
    table["year"] = table["year"].astype(int)
    table["value"] = table["value"].astype(float)
    duplicated = table.duplicated(["year", "cohort", "measure"])
    if duplicated.any():
        first = int(np.flatnonzero(duplicated.to_numpy())[0]) + 2
        raise SimulationInputError(f"{path}: line {first}: the same year, cohort and measure is given twice")
    return table
