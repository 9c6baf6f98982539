"""The published re-offending figures each year's cohort is calibrated to, and the user's own.

`figures.yaml` holds, for adult (and, where published, youth) Q1 cohorts, the frequency per 100 offenders, the
binary rate and the serious rate, each with its status (published, with its source; or assumed, with a range),
the 2004 Q1 custody leavers by sex, and the trends assumed after the last figure. `--figures FILE` adds or
replaces figures from a CSV.
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


MEASURES = ("frequency_per_100", "binary_rate_percent", "serious_per_100")


Status = Literal["published", "assumed", "user"]


class Figure(BaseModel):
    """One figure a year is calibrated to: its value, its range (for assumptions), status and source."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    value: float = Field(gt=0)
    """The figure (per 100 offenders, or percent)."""
    range: tuple[float, float] | None = None
    """Plausible range of an assumed figure, for `--uncertainty` and sweeps; None for a published one."""
    status: Status
    """published (MoJ), assumed (marked, with a range) or user (given with --figures)."""
    source: str = Field(min_length=3)
    """Where it comes from."""

    @model_validator(mode="after")
    def _range(self) -> Figure:
        if self.status == "assumed" and self.range is None:
            raise ValueError("an assumed figure needs a range")
        if self.range is not None and not self.range[0] <= self.value <= self.range[1]:
            raise ValueError(f"value {self.value} must lie within range {list(self.range)}")
        return self


class SexFigures(BaseModel):
    """Published figures for one sex of the 2004 Q1 custody leavers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offenders: int = Field(gt=0)
    frequency_per_100: Figure
    binary_rate_percent: Figure


class Figures(BaseModel):
    """Everything in `figures.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adult: dict[int, dict[str, Figure]]
    custody_leavers_2004: dict[Literal["male", "female"], SexFigures]
    youth: dict[int, dict[str, Figure]] = Field(default_factory=dict)
    trends: dict[Literal["adult_after_last_figure", "youth"], Figure]

    @model_validator(mode="after")
    def _complete(self) -> Figures:
        for kind in ("adult", "youth"):
            for year, measures in getattr(self, kind).items():
                unknown = sorted(set(measures) - set(MEASURES))
                if unknown:
                    raise ValueError(f"{kind} {year}: unknown measure(s) {unknown}; use {list(MEASURES)}")
                if {"frequency_per_100", "binary_rate_percent"} - set(measures):
                    raise ValueError(f"{kind} {year}: needs both frequency_per_100 and binary_rate_percent")
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
            return Figures.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error("--figures", exc) from None

    def years(self, kind: str) -> list[int]:
        """Years with figures for a cohort kind, in order."""
        return sorted(getattr(self, kind))

    def assumptions(self) -> dict[str, Figure]:
        """Every figure with a range, by a stable name (e.g. `figures.adult.2004.frequency_per_100`)."""
        out = {}
        for kind in ("adult", "youth"):
            for year, measures in getattr(self, kind).items():
                for measure, figure in measures.items():
                    if figure.range is not None:
                        out[f"figures.{kind}.{year}.{measure}"] = figure
        for name, figure in self.trends.items():
            out[f"figures.trends.{name}"] = figure
        return out


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
