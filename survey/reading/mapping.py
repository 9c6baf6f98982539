"""Which data column feeds which questionnaire item, how each binding was found, and the recodes on the way.

A survey file rarely names its columns as the questionnaire does. Each item is bound to one column, in this
order of precedence:

1. `--map ITEM=COLUMN` on the command line;
2. a mapping file (`--mapping mapping.yaml`), which may also recode the file's codes to the questionnaire's
   and list codes to read as blank;
3. a column named exactly as the item id (then the id in another case);
4. a column named as one of the item's aliases (exact names only, compared without regard to case).

The binding of every item, and how it was found, is recorded in every output's metadata and printed, so a
wrong binding can be seen. `apply_mapping` returns the canonical frame: each bound column renamed to its item
id, recoded, with the mapping's missing codes blank; everything downstream finds items by id.

A mapping file:

    questionnaire: bcs              # optional: checked against --questionnaire
    missing: [-9]                   # optional: source codes read as blank in every mapped item
    items:
      confidence: POLCONF           # item: column
      asb_cars:
        column: ABANCARS
        recode: {1: 4, 2: 3, 3: 2, 4: 1, -8: 8}   # source code: questionnaire code
        missing: [-1]               # this item's own codes read as blank
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from survey.errors import SurveyInputError
from survey.questionnaire.schema import Questionnaire
from survey.reading.coded import coerce_numeric
from survey.reading.specfiles import read_yaml_mapping, validate_spec

FoundBy = Literal["--map", "mapping file", "exact id", "id in another case", "alias"]
Code = int | float | str


class ItemMappingSpec(BaseModel):
    """One item's entry in a mapping file: its column, and optionally recodes and codes read as blank."""

    model_config = ConfigDict(extra="forbid")
    column: str = Field(min_length=1)
    """The data column that holds the item."""
    recode: dict[Code, int] = {}
    """Source code -> questionnaire code; codes not listed are kept as they are."""
    missing: list[Code] = []
    """Source codes read as blank (system missing) for this item."""


class MappingSpec(BaseModel):
    """A mapping file: item -> column (or item -> {column, recode, missing}), and codes blank everywhere."""

    model_config = ConfigDict(extra="forbid")
    questionnaire: str | None = None
    """The questionnaire the mapping was written for (checked when given)."""
    missing: list[Code] = []
    """Source codes read as blank in every mapped item."""
    items: dict[str, ItemMappingSpec | str] = {}
    """Item id -> column name, or -> the full entry."""

    def entry(self, item_id: str) -> ItemMappingSpec | None:
        """The full entry of an item (a bare column name becomes an entry without recodes)."""
        value = self.items.get(item_id)
        if value is None or isinstance(value, ItemMappingSpec):
            return value
        return ItemMappingSpec(column=value)


@dataclass(frozen=True)
class Binding:
    """One item bound to one column of the data."""

    item: str
    """Questionnaire item id."""
    column: str
    """The column of the data file that holds it."""
    found_by: FoundBy
    """How the column was chosen (see the module docstring for the precedence)."""
    recode: Mapping[Code, int] = field(default_factory=dict)
    """Source code -> questionnaire code (empty: codes are kept)."""
    missing: tuple[Code, ...] = ()
    """Source codes read as blank."""

    @property
    def changes_values(self) -> bool:
        """Whether the column's values are rewritten on the way in (not only renamed)."""
        return bool(self.recode or self.missing)

    def record(self) -> dict[str, Any]:
        """JSON-ready: column, how it was found, recodes and missing codes."""
        out: dict[str, Any] = {"column": self.column, "found_by": self.found_by}
        if self.recode:
            out["recode"] = {str(k): v for k, v in self.recode.items()}
        if self.missing:
            out["missing"] = list(self.missing)
        return out


@dataclass(frozen=True)
class ColumnMapping:
    """Every item's binding, and the items no column feeds."""

    questionnaire: str
    """Questionnaire name the items belong to."""
    bindings: dict[str, Binding]
    """Item id -> its binding, in questionnaire order."""
    unbound: tuple[str, ...] = ()
    """Items with no column in the data."""

    def record(self) -> dict[str, Any]:
        """What outputs record: the binding of each item and the items not found."""
        return {
            "questionnaire": self.questionnaire,
            "items": {item: b.record() for item, b in self.bindings.items()},
            "not_found": list(self.unbound),
        }

    def column_of(self, item_id: str) -> str | None:
        """The source column of an item, or None when unbound."""
        binding = self.bindings.get(item_id)
        return binding.column if binding is not None else None


def load_mapping(path: str | Path) -> MappingSpec:
    """Read and validate a mapping file; errors name the file and the field."""
    raw = read_yaml_mapping(path, "mapping file")
    return validate_spec(MappingSpec, raw, str(path))


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """`--map ITEM=COLUMN` options as item -> column; a malformed or repeated one is refused."""
    out: dict[str, str] = {}
    for option in options:
        item, sep, column = option.partition("=")
        item, column = item.strip(), column.strip()
        if not sep or not item or not column:
            raise SurveyInputError(f"--map '{option}' must look like ITEM=COLUMN (e.g. --map asb_cars=ABANCAR).")
        if item in out and out[item] != column:
            raise SurveyInputError(f"--map gives item '{item}' two columns: '{out[item]}' and '{column}'.")
        out[item] = column
    return out


def _column_hint(column: str, columns: Sequence[str]) -> str:
    close = difflib.get_close_matches(column, columns, n=3, cutoff=0.6)
    folded = [c for c in columns if c.lower() == column.lower()]
    suggestions = list(dict.fromkeys(folded + close))
    return f" (did you mean {', '.join(repr(c) for c in suggestions)}?)" if suggestions else ""


def automatic_matches(
    columns: Sequence[str], questionnaire: Questionnaire, taken: set[str] | None = None
) -> tuple[dict[str, tuple[int, FoundBy]], dict[str, list[str]]]:
    """Item id -> (column position, how found) by name alone; plus items matched by several columns.

    An exact id wins, then the id in another case, then an alias (exact name, any case). Columns in `taken`
    (bound explicitly to some item) are not considered. Positions, so duplicate column labels are safe.
    """
    taken = taken or set()
    found: dict[str, tuple[int, FoundBy]] = {}
    ambiguous: dict[str, list[str]] = {}
    for item in questionnaire.items:
        aliases = {a.lower() for a in item.aliases}
        levels: list[tuple[FoundBy, list[int]]] = [
            ("exact id", [p for p, c in enumerate(columns) if c == item.id]),
            ("id in another case", [p for p, c in enumerate(columns) if c.lower() == item.id.lower()]),
            ("alias", [p for p, c in enumerate(columns) if c.lower() in aliases]),
        ]
        for how, positions in levels:
            positions = [p for p in positions if columns[p] not in taken]
            if len(positions) == 1:
                found[item.id] = (positions[0], how)
                break
            if positions:
                ambiguous[item.id] = [columns[p] for p in positions]
                break
    return found, ambiguous


def resolve_mapping(
    columns: Sequence[str],
    questionnaire: Questionnaire,
    *,
    explicit: Mapping[str, str] | None = None,
    spec: MappingSpec | None = None,
    source: str = "data",
) -> ColumnMapping:
    """Bind every item of `questionnaire` to a column of the data (see the module docstring for the order).

    `explicit` is `--map` (item -> column); `spec` a loaded mapping file. Raises `SurveyInputError` for an
    unknown item, a column not in the data (with close names), a column given to two items, or an item that
    several columns match by name.
    """
    columns = [str(c) for c in columns]
    explicit = dict(explicit or {})
    known = {item.id for item in questionnaire.items}
    if spec is not None and spec.questionnaire is not None and spec.questionnaire != questionnaire.name:
        raise SurveyInputError(
            f"the mapping file was written for questionnaire '{spec.questionnaire}', not '{questionnaire.name}'."
        )
    given: dict[str, tuple[str, FoundBy, ItemMappingSpec | None]] = {}
    spec_items = list(spec.items) if spec is not None else []
    for item_id in spec_items:
        entry = spec.entry(item_id) if spec is not None else None
        if entry is not None:
            given[item_id] = (entry.column, "mapping file", entry)
    for item_id, column in explicit.items():
        entry = given.get(item_id, (None, None, None))[2]
        # --map overrides the file's column; the file's recodes still describe the codes of the new column.
        given[item_id] = (column, "--map", entry)
    for item_id in given:
        if item_id not in known:
            where = "--map" if item_id in explicit else "mapping file field 'items'"
            raise SurveyInputError(
                f"{where}: '{item_id}' is not an item of questionnaire '{questionnaire.name}'"
                + _column_hint(item_id, sorted(known)).replace("did you mean", "items like it:")
                + f"; items are: {', '.join(i.id for i in questionnaire.items)}."
            )
    owners: dict[str, str] = {}
    for item_id, (column, how, _) in given.items():
        if column not in columns:
            raise SurveyInputError(
                f"{source}: column '{column}' ({how} for item '{item_id}') is not in the data"
                + _column_hint(column, columns) + "."
            )
        if columns.count(column) > 1:
            raise SurveyInputError(f"{source}: column '{column}' appears more than once in the header.")
        if column in owners:
            raise SurveyInputError(
                f"column '{column}' is given to two items, '{owners[column]}' and '{item_id}'; each column feeds "
                "one item."
            )
        owners[column] = item_id
    found, ambiguous = automatic_matches(columns, questionnaire, taken=set(owners))
    shared_missing = tuple(spec.missing) if spec is not None else ()
    bindings: dict[str, Binding] = {}
    unbound: list[str] = []
    for item in questionnaire.items:
        if item.id in given:
            column, how, entry = given[item.id]
            recode = dict(entry.recode) if entry is not None else {}
            missing = shared_missing + tuple(entry.missing if entry is not None else ())
            bindings[item.id] = Binding(item.id, column, how, recode, tuple(dict.fromkeys(missing)))
        elif item.id in ambiguous:
            raise SurveyInputError(
                f"{source}: item '{item.id}' matches several columns ({', '.join(ambiguous[item.id])}); say which "
                f"with --map {item.id}=COLUMN or in a mapping file."
            )
        elif item.id in found:
            position, how = found[item.id]
            bindings[item.id] = Binding(item.id, columns[position], how, {}, shared_missing)
        else:
            unbound.append(item.id)
    return ColumnMapping(questionnaire.name, bindings, tuple(unbound))


def _recoded(series: pd.Series, binding: Binding) -> pd.Series:
    """The column with the binding's recodes and missing codes applied (vectorised; other values kept)."""
    numeric = coerce_numeric(series)
    text = series.astype("string").str.strip()
    out = numeric.values.copy()
    done = np.zeros(len(series), dtype=bool)

    def hits(code: Code) -> np.ndarray:
        if isinstance(code, int | float) and not isinstance(code, bool):
            return (numeric.values == float(code)) & ~done
        return (text == str(code)).to_numpy(dtype=bool, na_value=False) & ~done

    for code in binding.missing:
        mask = hits(code)
        out[mask] = np.nan
        done |= mask
    for source_code, target in binding.recode.items():
        mask = hits(source_code)
        out[mask] = float(target)
        done |= mask
    kept_text = numeric.non_numeric & ~done
    if kept_text.any():
        mixed = pd.Series(out, index=series.index, dtype=object)
        mixed[kept_text] = series[kept_text]
        return mixed
    return pd.Series(out, index=series.index, dtype="float64")


def apply_mapping(data: pd.DataFrame, mapping: ColumnMapping, *, source: str = "data") -> pd.DataFrame:
    """The canonical frame: each bound column renamed to its item id and recoded; other columns untouched.

    A column already named as an item id that is bound to another column would be shadowed; that is refused
    rather than dropped. The input frame is not modified.
    """
    renames = {b.column: b.item for b in mapping.bindings.values() if b.column != b.item}
    columns = [str(c) for c in data.columns]
    for binding in mapping.bindings.values():
        if binding.column != binding.item and binding.item in columns:
            raise SurveyInputError(
                f"{source}: item '{binding.item}' is bound to column '{binding.column}' ({binding.found_by}), but the "
                f"data also has a column named '{binding.item}'; rename or drop that column."
            )
    changed = [b for b in mapping.bindings.values() if b.changes_values]
    if not renames and not changed:
        return data
    out = data.copy(deep=False)
    for binding in changed:
        out[binding.column] = _recoded(data[binding.column], binding)
    return out.rename(columns=renames)


def mapped_value_labels(
    value_labels: Mapping[str, Mapping[Any, str]], mapping: ColumnMapping
) -> dict[str, dict[Any, str]]:
    """The file's value labels keyed by item id and questionnaire code, after the mapping's recodes."""
    out = {str(k): dict(v) for k, v in value_labels.items()}
    for binding in mapping.bindings.values():
        labels = value_labels.get(binding.column)
        if labels is None:
            continue
        out.pop(binding.column, None)
        recode = {code_key(k): v for k, v in binding.recode.items()}
        missing = {code_key(c) for c in binding.missing}
        out[binding.item] = {
            recode.get(code_key(code), code): label for code, label in labels.items() if code_key(code) not in missing
        }
    return out


def code_key(code: Any) -> Any:
    """Codes compared as numbers when they are numbers (1, 1.0 and '1' in YAML mean the same code)."""
    if isinstance(code, bool):
        return code
    if isinstance(code, int | float | np.integer | np.floating):
        value = float(code)
        return int(value) if value.is_integer() else value
    text = str(code).strip()
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value
