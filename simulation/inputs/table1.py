"""Table 1 of the Measurement Annex as data: the offence codes that make a re-offence serious (000:740-899).

`table1.csv` lists every code with its description (as the Annex prints it), the group the model uses and
the line of the Annex it comes from. The groups are `vocabulary.TABLE1_GROUPS`; the serious sexual group is
kept apart because the Annex splits the top tier "to allow separate monitoring of sexual offences" (000:719).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from simulation.errors import SimulationInputError
from simulation.inputs.vocabulary import TABLE1_GROUPS

TABLE1_FILE = Path(__file__).with_name("table1.csv")
TABLE1_COLUMNS = ("code", "description", "group", "annex_line")


@functools.lru_cache(maxsize=1)
def load_table1(path: Path = TABLE1_FILE) -> pd.DataFrame:
    """The Table 1 codes: columns code (int), description, group (a `TABLE1_GROUPS` name), annex_line."""
    table = pd.read_csv(path, dtype={"code": int, "description": str, "group": str, "annex_line": str})
    if tuple(table.columns) != TABLE1_COLUMNS:
        raise SimulationInputError(f"{path}: columns must be {list(TABLE1_COLUMNS)}, not {list(table.columns)}")
    unknown = sorted(set(table["group"]) - set(TABLE1_GROUPS))
    if unknown:
        raise SimulationInputError(f"{path}: column 'group': unknown group(s) {unknown}; use {list(TABLE1_GROUPS)}")
    if table["code"].duplicated().any():
        raise SimulationInputError(f"{path}: column 'code': codes must be unique")
    return table


def codes_by_group() -> dict[str, list[int]]:
    """Table 1 codes of each group, in `TABLE1_GROUPS` order."""
    table = load_table1()
    return {group: table.loc[table["group"] == group, "code"].tolist() for group in TABLE1_GROUPS}
