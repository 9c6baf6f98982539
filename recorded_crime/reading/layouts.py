"""Which column of a counts file holds what: the long layout, the Home Office open-data layout, a mapping file.

A counts file has one row per area, period and offence code. Two layouts are read:

- **long** (`safer`'s own): columns `area`, `period` (a month `2008-04` or a financial quarter `2008-09 Q1`),
  `code` and `count`;
- **home-office**: the Home Office's police recorded crime open data by Community Safety Partnership, one row per
  financial year, quarter, force, partnership, offence description, group, subgroup, code and number of offences.
  Its headers changed over the years (`Force Name` / `Police Force`, `Number of Offences` / `Offence Count`), so
  each role has the aliases seen in published files; `Financial Year` and `Financial Quarter` make the period.

As survey files are read through a mapping, a YAML mapping file (`--mapping`) or `--map ROLE=COLUMN` binds any
column to a role:

```yaml
layout: home-office
columns: {area: CSP Name, count: Number of Offences}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recorded_crime.errors import CrimeInputError

LAYOUTS = ("auto", "long", "home-office")
"""Accepted `--layout` values; `auto` recognises the Home Office headers, else takes the long layout."""

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "long": {
        "area": ("area", "csp", "partnership", "area_code"),
        "period": ("period", "month", "quarter"),
        "code": ("code", "offence_code"),
        "count": ("count", "offences", "number_of_offences"),
    },
    "home-office": {
        "area": ("CSP Name", "Community Safety Partnership name", "Community Safety Partnership", "CSP"),
        "financial_year": ("Financial Year",),
        "financial_quarter": ("Financial Quarter",),
        "code": ("Offence Code",),
        "count": ("Number of Offences", "Offence Count"),
        "description": ("Offence Description",),
    },
}
"""Each layout's roles and the column names that fill them, first match wins (case and spacing ignored)."""
OPTIONAL_ROLES = {"description"}
"""Roles a file may lack."""


@dataclass(frozen=True)
class ColumnBinding:
    """Which column feeds each role, and how it was chosen."""

    layout: str
    """`long` or `home-office`."""
    columns: dict[str, str]
    """Role -> the file's column."""
    how: dict[str, str] = field(default_factory=dict)
    """Role -> `--map`, `mapping file` or `alias`."""

    def record(self) -> dict[str, Any]:
        """For the output's metadata."""
        return {"layout": self.layout, "columns": dict(self.columns), "bound_by": dict(self.how)}


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def parse_map_options(pairs: list[str]) -> dict[str, str]:
    """`--map ROLE=COLUMN` options as a dict; a malformed one is refused.

    >>> parse_map_options(["area=CSP Name", "count = Offence Count"])
    {'area': 'CSP Name', 'count': 'Offence Count'}
    """
    mapped: dict[str, str] = {}
    for pair in pairs:
        role, sep, column = pair.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise CrimeInputError(f"--map {pair}: write ROLE=COLUMN, e.g. --map area=\"CSP Name\".")
        mapped[role.strip()] = column.strip()
    return mapped


def load_mapping(path: Path | None) -> tuple[str | None, dict[str, str]]:
    """A mapping file's layout and column bindings (both empty without a file)."""
    if path is None:
        return None, {}
    from safer_io.inputs import load_yaml

    payload = load_yaml(path, "mapping file", CrimeInputError)
    if not isinstance(payload, dict) or not set(payload) <= {"layout", "columns"}:
        raise CrimeInputError(f"{path}: a counts mapping file has 'layout' (long or home-office) and 'columns' "
                              "(role: column name) only.")
    layout = payload.get("layout")
    columns = payload.get("columns") or {}
    if layout is not None and layout not in LAYOUTS:
        raise CrimeInputError(f"{path}: layout '{layout}': use one of {', '.join(LAYOUTS)}.")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise CrimeInputError(f"{path}: 'columns' maps each role to a column name (text).")
    return layout, {str(k): v for k, v in columns.items()}


def bind_columns(header: list[str], source: str, layout: str = "auto", mapping_file: Path | None = None,
                 mapped: dict[str, str] | None = None) -> ColumnBinding:
    """Bind the file's columns to the roles of its layout; a role left unbound is refused, naming the columns.

    >>> bind_columns(["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description",
    ...               "Offence Group", "Offence Subgroup", "Offence Code", "Offence Count"], "x.csv").columns["count"]
    'Offence Count'
    """
    file_layout, file_columns = load_mapping(mapping_file)
    if layout not in LAYOUTS:
        raise CrimeInputError(f"--layout {layout}: use one of {', '.join(LAYOUTS)}.")
    chosen = file_layout if layout == "auto" and file_layout else layout
    by_key = {_key(c): c for c in header}
    if chosen == "auto":
        chosen = "home-office" if {"offencecode", "financialyear"} <= set(by_key) else "long"
    given = {**file_columns, **(mapped or {})}
    roles = ROLES[chosen]
    unknown_roles = sorted(set(given) - set(roles))
    if unknown_roles:
        raise CrimeInputError(f"{source}: {', '.join(unknown_roles)} is not a role of the {chosen} layout (its roles: "
                              f"{', '.join(roles)}).")
    columns: dict[str, str] = {}
    how: dict[str, str] = {}
    for role, aliases in roles.items():
        if role in given:
            if given[role] not in header:
                raise CrimeInputError(f"{source}: column '{given[role]}' (for {role}) is not in the file; its columns: "
                                      f"{', '.join(header)}.")
            columns[role] = given[role]
            how[role] = "--map" if role in (mapped or {}) else "mapping file"
            continue
        found = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if found is not None:
            columns[role] = found
            how[role] = "alias"
        elif role not in OPTIONAL_ROLES:
            raise CrimeInputError(
                f"{source}: no column for {role} in the {chosen} layout (looked for {', '.join(aliases)}; the file has "
                f"{', '.join(header)}). Name it with --map {role}=COLUMN or a mapping file.")
    used = list(columns.values())
    twice = sorted({c for c in used if used.count(c) > 1})
    if twice:
        raise CrimeInputError(f"{source}: column {', '.join(twice)} is bound to two roles.")
    return ColumnBinding(chosen, columns, how)
