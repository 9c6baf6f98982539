"""Every check of a counts file, each naming its rows, values and what to do; nothing is fixed silently.

The checks `safer crime validate` lists (and every other `crime` command refuses, with exit code 2):

- **unknown codes**, each with the nearest known code named (`recorded_crime.codes.nearest`);
- **counts** that are blank, not numbers, negative or not whole;
- **duplicate rows**: the same area, period and code twice (the open data's combined homicide code is on several
  rows per area and quarter, one per offence description: those are told apart by the description and added);
- **missing months** (or quarters): a period inside the file's span with no row at all for an area, which cannot be
  told from a month with no crime; a long file may leave out zero counts, not whole months;
- **codes that changed over time**: a count under a code outside the months it was in use (8F before April 2008,
  5 after March 2008, 8_1 before central collection began in April 2007), and a combined code counted together
  with a code it holds (homicide twice);
- **areas without population**, when a population file is given, for every financial year of the counts;
- **groups**: an area with no most similar group, or a peer with no counts, when a groups file is given.

Checks run over distinct values and integer arrays, not rows, so a file of 1.26 million rows is checked in tens
of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recorded_crime.codes.catalogue import Catalogue
from recorded_crime.codes.nearest import describe_unknown
from recorded_crime.codes.notation import canonical_code
from recorded_crime.reading.counts import RawCounts
from recorded_crime.reading.groups import Groups
from recorded_crime.reading.periods import PER_YEAR, parse_period, unit_label, year_label
from recorded_crime.reading.population import Population

EXAMPLES = 5
"""Rows or values named per problem."""


@dataclass(frozen=True)
class Problem:
    """One kind of fault, with examples."""

    check: str
    """Which check (unknown code, negative count, duplicate rows, ...)."""
    message: str
    """What is wrong and what to do, naming values and rows."""
    rows: tuple[int, ...] = ()
    """Example data rows (from 1, header not counted)."""
    count: int = 1
    """How many rows (or areas) have it."""


@dataclass
class Checked:
    """A counts file with its periods and codes parsed, and every problem found."""

    raw: RawCounts
    """The file as read."""
    frequency: str = "month"
    """`month` or `quarter`."""
    row_unit: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    """Per row, its period on the time axis (-1 where it could not be read)."""
    codes: list[str] = field(default_factory=list)
    """Distinct codes, canonical notation."""
    row_code: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    """Per row, index into `codes`."""
    dropped: frozenset[str] = frozenset()
    """Codes left out on request (`--drop-code`)."""
    problems: list[Problem] = field(default_factory=list)
    """Faults: any one stops a judging command."""
    notes: list[str] = field(default_factory=list)
    """Things a reader should know that are not faults."""

    def rows_where(self, mask: np.ndarray) -> tuple[tuple[int, ...], int]:
        """Example rows (from 1) and the number of rows where `mask` holds."""
        rows = np.flatnonzero(mask)
        return tuple(int(r) + 1 for r in rows[:EXAMPLES]), int(len(rows))


def _rows_text(rows: tuple[int, ...], count: int) -> str:
    shown = ", ".join(map(str, rows))
    return f"row {shown}" if count == 1 else f"rows {shown}{', ...' if count > len(rows) else ''} ({count} rows)"


def _periods(checked: Checked) -> None:
    raw = checked.raw
    units = np.full(len(raw.period.values), -1, np.int64)
    frequencies: dict[str, int] = {}
    bad: dict[int, str] = {}
    for i, text in enumerate(raw.period.values):
        try:
            period = parse_period(text)
        except ValueError as exc:
            bad[i] = str(exc)
            continue
        units[i] = period.unit
        frequencies[period.frequency] = frequencies.get(period.frequency, 0) + 1
    checked.row_unit = units[raw.period.index]
    column = raw.binding.columns.get("period") or (raw.binding.columns.get("financial_year", "") + " / "
                                                   + raw.binding.columns.get("financial_quarter", ""))
    for i, reason in list(bad.items())[:EXAMPLES]:
        rows, count = checked.rows_where(raw.period.index == i)
        checked.problems.append(Problem("period", f"{_rows_text(rows, count)}, column {column}: {reason}.", rows,
                                        count))
    if len(frequencies) > 1:
        checked.problems.append(Problem("period", f"column {column} mixes months and financial quarters; give one "
                                        "frequency per file (months can be added up to quarters, not the reverse)."))
    checked.frequency = next(iter(frequencies), "month")
    if len(frequencies) > 1:
        checked.row_unit = np.where(checked.row_unit >= 0, -1, checked.row_unit)


def _codes(checked: Checked, catalogue: Catalogue, drop: set[str]) -> None:
    raw = checked.raw
    canonical = [canonical_code(v) for v in raw.code.values]
    checked.codes = sorted(set(canonical))
    position = {c: i for i, c in enumerate(checked.codes)}
    checked.row_code = np.array([position[c] for c in canonical], dtype=np.int32)[raw.code.index]
    checked.dropped = frozenset(drop)
    column = raw.binding.columns["code"]
    if "" in position:
        rows, count = checked.rows_where(checked.row_code == position[""])
        checked.problems.append(Problem("blank", f"{_rows_text(rows, count)}, column {column}: blank offence code.",
                                        rows, count))
    for code in checked.codes:
        if code == "" or code in catalogue.codes or code in drop:
            continue
        rows, count = checked.rows_where(checked.row_code == position[code])
        written = sorted({v for v, c in zip(raw.code.values, canonical, strict=True) if c == code})
        checked.problems.append(Problem(
            "unknown code", f"{_rows_text(rows, count)}, column {column}: unknown offence code "
            f"{' / '.join(repr(w) for w in written)}; {describe_unknown(code, catalogue.codes, checked.codes)}. "
            f"Correct it, or "
            f"leave it out knowingly with --drop-code {code}.", rows, count))
    unused = sorted(drop - set(checked.codes))
    if unused:
        checked.notes.append(f"--drop-code {', '.join(unused)}: not in the file.")


def _counts(checked: Checked) -> None:
    raw, column = checked.raw, checked.raw.binding.columns["count"]
    if raw.not_number_rows:
        rows = tuple(raw.not_numbers)
        shown = ", ".join(f"row {r}: {v!r}" for r, v in raw.not_numbers.items())
        checked.problems.append(Problem("count", f"column {column}: {raw.not_number_rows} count(s) are not numbers "
                                        f"({shown}).", rows, raw.not_number_rows))
    blank = np.isnan(raw.count)
    if raw.not_number_mask is not None:
        blank &= ~raw.not_number_mask
    for mask, what in ((blank, "blank count (give 0 for no offences, or leave the row "
                        "out)"),
                       (raw.count < 0, "negative count (the open data's adjustments; a count of offences is never "
                        "below zero: correct the rows in a copy)"),
                       (np.isfinite(raw.count) & (raw.count != np.round(raw.count)), "count that is not a whole "
                        "number of offences")):
        if mask.any():
            rows, count = checked.rows_where(mask)
            values = ", ".join(f"{raw.count[r - 1]:g}" for r in rows if np.isfinite(raw.count[r - 1]))
            checked.problems.append(Problem("count", f"{_rows_text(rows, count)}, column {column}: {what}"
                                            f"{' (' + values + ')' if values else ''}.", rows, count))


def _duplicates(checked: Checked) -> None:
    raw = checked.raw
    ok = checked.row_unit >= 0
    n_codes = max(len(checked.codes), 1)
    first = int(checked.row_unit[ok].min()) if ok.any() else 0
    offset = np.maximum(checked.row_unit - first, 0)
    key = (raw.area.index.astype(np.int64) * (int(offset.max(initial=0)) + 1) + offset) * n_codes + checked.row_code
    if raw.description is not None:
        key = key * (len(raw.description.values) + 1) + raw.description.index
    space = int(key.max(initial=0)) + 1
    if space <= max(4 * raw.rows, 1 << 20) and np.bincount(key[ok], minlength=space).max(initial=0) <= 1:
        return  # a dense key space (areas x periods x codes) counted once: no key twice, no sort needed
    key = np.where(ok, key, -1 - np.arange(raw.rows))
    order = np.argsort(key, kind="stable")
    repeated = np.zeros(raw.rows, bool)
    same = key[order][1:] == key[order][:-1]
    repeated[order[1:][same]] = True
    if repeated.any():
        rows, count = checked.rows_where(repeated)
        first = rows[0] - 1
        what = (f"{raw.area.values[raw.area.index[first]]}, {raw.period.values[raw.period.index[first]]}, code "
                f"{checked.codes[checked.row_code[first]]}")
        written = "" if raw.description is None else " and offence description"
        checked.problems.append(Problem(
            "duplicate rows", f"{_rows_text(rows, count)}: repeat the area, period and code{written} of an earlier row "
            f"(first: {what}). A repeated row would be counted twice; remove it, or add the counts if they are "
            "different offences (the same code written two ways, such as 4_1 and 4.1, is one code).", rows, count))


def _missing_periods(checked: Checked) -> None:
    raw, ok = checked.raw, checked.row_unit >= 0
    if not ok.any():
        return
    first, last = int(checked.row_unit[ok].min()), int(checked.row_unit[ok].max())
    span = last - first + 1
    present = np.bincount(raw.area.index[ok].astype(np.int64) * span + (checked.row_unit[ok] - first),
                          minlength=len(raw.area.values) * span).reshape(len(raw.area.values), span) > 0
    missing_areas = np.flatnonzero(~present.all(axis=1))
    word = "months" if checked.frequency == "month" else "quarters"
    for area in missing_areas[:EXAMPLES]:
        gaps = np.flatnonzero(~present[area])
        shown = ", ".join(unit_label(first + int(g), checked.frequency) for g in gaps[:EXAMPLES])
        checked.problems.append(Problem(
            "missing months", f"area {raw.area.values[area]}: no row at all for {len(gaps)} of the {span} {word} from "
            f"{unit_label(first, checked.frequency)} to {unit_label(last, checked.frequency)} ({shown}"
            f"{', ...' if len(gaps) > EXAMPLES else ''}). A month with no crime of any code still needs its rows "
            "(count 0); a missing month cannot be told from one with none.", (), int(len(gaps))))
    if len(missing_areas) > EXAMPLES:
        checked.problems.append(Problem("missing months", f"{len(missing_areas) - EXAMPLES} more area(s) have missing "
                                        f"{word}.", (), int(len(missing_areas) - EXAMPLES)))


def month_span(unit: np.ndarray, frequency: str) -> tuple[np.ndarray, np.ndarray]:
    """First and last month index (year x 12 + month - 1) of each time-axis unit."""
    per = PER_YEAR[frequency]
    year, position = np.divmod(unit, per)
    width = 12 // per
    first = year * 12 + 3 + position * width
    return first, first + width - 1


def _eras(checked: Checked, catalogue: Catalogue) -> None:
    raw = checked.raw
    live = (checked.row_unit >= 0) & (np.nan_to_num(raw.count) > 0)
    if not live.any():
        return
    # Which (code, period) pairs have offences: the eras are checked on that small table, rows found only for faults.
    first_unit = int(checked.row_unit[live].min())
    units = int(checked.row_unit[live].max()) - first_unit + 1
    pair = checked.row_code.astype(np.int64) * units + (checked.row_unit - first_unit)
    used = np.bincount(pair[live], minlength=len(checked.codes) * units).reshape(len(checked.codes), units) > 0
    first_month, last_month = month_span(first_unit + np.arange(units), checked.frequency)
    column = raw.binding.columns["code"]
    for index, code in enumerate(checked.codes):
        era = catalogue.era(code)
        if era is None or code in checked.dropped or not used[index].any():
            continue
        outside_units = np.zeros(units, bool)
        if era.first is not None:
            outside_units |= last_month < era.first
        if era.last is not None:
            outside_units |= first_month > era.last
        if not (used[index] & outside_units).any():
            continue
        outside = live & (checked.row_code == index) & outside_units[np.maximum(checked.row_unit - first_unit, 0)]
        rows, count = checked.rows_where(outside)
        period = raw.period.values[raw.period.index[rows[0] - 1]]
        bounds = " to ".join(_month_text(m) for m in (era.first, era.last) if m is not None)
        text = (f"{_rows_text(rows, count)}, column {column}: code {code} has offences in {period}, outside the months "
                f"it was in use ({'from ' if era.last is None else ''}{'up to ' if era.first is None else ''}"
                f"{bounds}): {era.note}.")
        if era.enforced:
            advice = (" If the file back-casts codes to a later classification, recode the rows in a copy, or leave "
                      f"the code out with --drop-code {code}.")
            checked.problems.append(Problem("code changed over time", text + advice, rows, count))
        else:
            checked.notes.append(text + " (The dates are not verified, so this is not refused.)")
    _combined(checked, catalogue, live)


def _combined(checked: Checked, catalogue: Catalogue, live: np.ndarray) -> None:
    raw = checked.raw
    position = {c: i for i, c in enumerate(checked.codes)}
    n_units = int(checked.row_unit.max(initial=0)) + 1
    cell = raw.area.index.astype(np.int64) * n_units + np.maximum(checked.row_unit, 0)
    for combined, parts in catalogue.covers().items():
        present = [position[p] for p in parts if p in position]
        if combined not in position or not present:
            continue
        with_combined = np.unique(cell[live & (checked.row_code == position[combined])])
        with_parts = np.unique(cell[live & np.isin(checked.row_code, present)])
        both = np.intersect1d(with_combined, with_parts)
        if len(both):
            rows, count = checked.rows_where(live & np.isin(cell, both) & np.isin(checked.row_code, present))
            held = ", ".join(p for p in parts if p in position)
            checked.problems.append(Problem(
                "code changed over time", f"{_rows_text(rows, count)}: code(s) {held} are counted in the same area and "
                f"period as {combined}, which already holds them; the offences would be counted twice. Give one or the "
                "other.", rows, count))


def _month_text(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year}-{month + 1:02d}"


def _population(checked: Checked, population: Population, lag: int) -> None:
    ok = checked.row_unit >= 0
    if not ok.any():
        return
    years = np.unique(checked.row_unit[ok] // PER_YEAR[checked.frequency])
    known = population.areas()
    for area in checked.raw.area.values:
        if area not in known:
            from recorded_crime.codes.nearest import edit_distance

            near = sorted(known, key=lambda k: (edit_distance(k.lower(), area.lower()), k))[:2]
            checked.problems.append(Problem("areas without population", f"area {area} has no population in "
                                            f"{population.path} (nearest names there: {', '.join(near)})."))
            continue
        lacking = [int(y) - lag for y in years if (area, int(y) - lag) not in population.values]
        if lacking:
            needed = ", ".join(f"mid-{y} (for {year_label(y + lag)})" for y in lacking[:EXAMPLES])
            checked.problems.append(Problem("areas without population", f"area {area} has no population for "
                                            f"{needed} in {population.path}."))


def _groups(checked: Checked, groups: Groups) -> None:
    areas = set(checked.raw.area.values)
    without = sorted(areas - set(groups.members))
    if without:
        checked.problems.append(Problem("groups", f"{len(without)} area(s) have no most similar group in "
                                        f"{groups.path}: {', '.join(without[:EXAMPLES])}.", (), len(without)))
    strangers = sorted({m for members in groups.members.values() for m in members} - areas)
    if strangers:
        checked.problems.append(Problem("groups", f"{len(strangers)} area(s) of {groups.path} have no counts: "
                                        f"{', '.join(strangers[:EXAMPLES])}; a peer without counts has no rate to "
                                        "compare.",
                                        (), len(strangers)))


def check_counts(raw: RawCounts, catalogue: Catalogue, drop_codes: list[str] | None = None,
                 population: Population | None = None, population_lag: int = 0,
                 groups: Groups | None = None) -> Checked:
    """Run every check on a counts file read by `read_counts`; nothing is raised for a problem."""
    checked = Checked(raw)
    area_column = raw.binding.columns["area"]
    if "" in raw.area.values:
        rows, count = checked.rows_where(raw.area.index == raw.area.values.index(""))
        checked.problems.append(Problem("blank", f"{_rows_text(rows, count)}, column {area_column}: blank area.",
                                        rows, count))
    _periods(checked)
    _codes(checked, catalogue, {canonical_code(c) for c in drop_codes or []})
    _counts(checked)
    _duplicates(checked)
    _missing_periods(checked)
    _eras(checked, catalogue)
    if population is not None:
        _population(checked, population, population_lag)
    if groups is not None:
        _groups(checked, groups)
    return checked
