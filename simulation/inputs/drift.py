"""Cohort drift: how the size and mix of each year's Q1 cohort change, from a file of assumptions.

A drift file is a CSV with the columns `year, cohort, attribute, category, value`:

* `attribute` `size`: the national size of that year's cohort (`category` left blank);
* `attribute` `disposal`, `sex`, `offence_group`, `drug_misuse` (categories `true`/`false`) or `age_band`
  (the bands of `measures.AGE_BANDS`): the cohort's shares of each category, which must sum to 1 for each
  year, cohort and attribute.

A year takes the values of the latest year at or before it in the file (the documented defaults before the
first). How shares are applied: disposal shares replace the default ones; the female share and the
drug-misuse share scale the default probabilities (by disposal, by offence group) to reach the overall share;
offence-group shares replace every disposal's; age-band shares set the weight of each band, keeping the
default shape of ages within a band.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from safer_io.inputs import read_text
from simulation.errors import SimulationInputError
from simulation.inputs.cohort import DEFAULT_SPECS, CohortSpec
from simulation.inputs.vocabulary import AGE_BANDS, DISPOSALS_BY_KIND, OFFENCE_GROUPS, SEXES

DRIFT_COLUMNS = ("year", "cohort", "attribute", "category", "value")


def categories(kind: str, attribute: str) -> tuple[str, ...]:
    """The categories an attribute's shares are given for."""
    return {
        "disposal": DISPOSALS_BY_KIND[kind],
        "sex": SEXES,
        "offence_group": OFFENCE_GROUPS,
        "drug_misuse": ("true", "false"),
        "age_band": tuple(label for label, _, _ in AGE_BANDS[kind]),
    }[attribute]


ATTRIBUTES = ("size", "disposal", "sex", "offence_group", "drug_misuse", "age_band")


def read_drift(path: Path) -> pd.DataFrame:
    """Read and check a drift file; every problem names the line and column."""
    text = read_text(path, "drift file", SimulationInputError)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise SimulationInputError(f"{path}: not a readable CSV file ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    unknown = sorted(set(table.columns) - set(DRIFT_COLUMNS))
    missing = [c for c in DRIFT_COLUMNS if c not in table.columns]
    if unknown or missing:
        raise SimulationInputError(
            f"{path}: columns must be {list(DRIFT_COLUMNS)}; unknown column(s) {unknown}, missing {missing}"
        )
    problems: list[str] = []
    for line, row in enumerate(table.itertuples(index=False), start=2):
        year, kind, attribute, category, value = (str(getattr(row, c)).strip() for c in DRIFT_COLUMNS)
        if not year.isdigit() or not 2000 <= int(year) <= 2020:
            problems.append(f"line {line}, column 'year': {year!r} is not a year from 2000 to 2020")
        if kind not in ("adult", "youth"):
            problems.append(f"line {line}, column 'cohort': {kind!r} is not adult or youth")
            continue
        if attribute not in ATTRIBUTES:
            problems.append(f"line {line}, column 'attribute': {attribute!r} is not one of {list(ATTRIBUTES)}")
            continue
        if attribute != "size" and category not in categories(kind, attribute):
            problems.append(f"line {line}, column 'category': {category!r} is not one of "
                            f"{list(categories(kind, attribute))} for {attribute}")
        try:
            number = float(value)
            ok = np.isfinite(number) and (number >= 1 if attribute == "size" else 0 <= number <= 1)
        except ValueError:
            ok = False
        if not ok:
            what = "a national cohort size of at least 1" if attribute == "size" else "a share in [0, 1]"
            problems.append(f"line {line}, column 'value': {value!r} is not {what}")
    if problems:
        raise SimulationInputError(f"{path}: " + "; ".join(problems[:8]))
    table["year"] = table["year"].astype(int)
    table["value"] = table["value"].astype(float)
    shares = table[table["attribute"] != "size"]
    for (year_key, kind_key, attribute_key), rows in shares.groupby(["year", "cohort", "attribute"]):
        total = float(rows["value"].sum())
        if abs(total - 1) > 1e-6:
            raise SimulationInputError(
                f"{path}: {kind_key} {attribute_key} shares for {year_key} sum to {total:.6g}, not 1 (lines "
                f"{', '.join(str(i + 2) for i in rows.index[:6])})"
            )
        if set(rows["category"]) != set(categories(str(kind_key), str(attribute_key))):  # every category given
            missing_categories = sorted(set(categories(str(kind_key), str(attribute_key))) - set(rows["category"]))
            raise SimulationInputError(
                f"{path}: {kind_key} {attribute_key} shares for {year_key} miss {missing_categories}"
            )
    return table


def spec_for_year(kind: str, year: int, drift: pd.DataFrame | None, base: CohortSpec | None = None) -> CohortSpec:
    """The cohort spec of one year: the defaults with the drift of the latest year at or before it."""
    spec = base if base is not None else DEFAULT_SPECS[kind]
    if drift is None or drift.empty:
        return spec
    rows = drift[(drift["cohort"] == kind) & (drift["year"] <= year)]
    values = spec.model_dump()
    for attribute, entries in rows.groupby("attribute"):
        latest = entries[entries["year"] == entries["year"].max()]
        if attribute == "size":
            values["national_size"] = int(round(float(latest["value"].iloc[-1])))
            continue
        shares = dict(zip(latest["category"], latest["value"].astype(float), strict=True))
        _apply(values, kind, str(attribute), shares)
    return CohortSpec.model_validate(values)


def _apply(values: dict, kind: str, attribute: str, shares: dict[str, float]) -> None:
    disposals = DISPOSALS_BY_KIND[kind]
    if attribute == "disposal":
        values["disposal_shares"] = {d: shares[d] for d in disposals}
    elif attribute == "offence_group":
        values["offence_group_shares"] = {d: dict(shares) for d in disposals}
    elif attribute == "sex":
        current = sum(values["disposal_shares"][d] * values["female_share"][d] for d in disposals)
        factor = shares["female"] / current if current > 0 else 0.0
        values["female_share"] = {d: min(1.0, values["female_share"][d] * factor) for d in disposals}
    elif attribute == "drug_misuse":
        group_share = {
            g: sum(values["disposal_shares"][d] * values["offence_group_shares"][d][g] for d in disposals)
            for g in OFFENCE_GROUPS
        }
        current = sum(group_share[g] * values["drug_misuse_probability"][g] for g in OFFENCE_GROUPS)
        factor = shares["true"] / current if current > 0 else 0.0
        values["drug_misuse_probability"] = {
            g: min(1.0, values["drug_misuse_probability"][g] * factor) for g in OFFENCE_GROUPS
        }
    elif attribute == "age_band":
        values["age_band_shares"] = dict(shares)
