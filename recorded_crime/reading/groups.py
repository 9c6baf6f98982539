"""Most similar groups: which areas each area is compared with.

Two shapes of file are read (CSV or Parquet):

- `area, peer`: one row per area and one of its peers. The Home Office's most similar groups were like this: each
  area at the centre of its own group of about 15 comparable areas (DOMAIN.md section 7), so groups overlap;
- `area, group`: one row per area naming its family; every member of a family has the same peers (the earlier
  Home Office "families", built by cluster analysis).

An area's group is the area and its peers. A group of fewer than 3 areas cannot give a benchmark "with reference
to the performance of similar areas elsewhere" (A.19, 000:568) and is refused, as is an area named as its own peer
or a row given twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from recorded_crime.errors import CrimeInputError
from recorded_crime.reading.population import bind, read_small_table

MIN_GROUP = 3
"""Fewest areas in a group, the area itself included."""


@dataclass
class Groups:
    """Each area's most similar group."""

    path: Path
    """The file."""
    shape: str
    """`peer` (each area its own group) or `family`."""
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Area -> its group: the area first, then its peers in file order."""
    names: dict[str, str] = field(default_factory=dict)
    """Area -> the group's name (the family, or the area's own name for its own group)."""


def read_groups(path: str | Path, min_group: int = MIN_GROUP) -> Groups:
    """Read a most-similar-groups file; a group of fewer than `min_group` areas is refused, naming it."""
    path = Path(path)
    header, data = read_small_table(path, "most similar groups file")
    keys = {"".join(ch for ch in c.lower() if ch.isalnum()) for c in header}
    shape = "peer" if keys & {"peer", "similararea", "msgmember", "peerarea"} else "family"
    aliases: dict[str, tuple[str, ...]] = {"area": ("area", "csp", "csp_name", "name", "partnership", "area_code")}
    aliases["peer" if shape == "peer" else "group"] = (
        ("peer", "similar_area", "msg_member", "peer_area") if shape == "peer" else ("group", "family", "msg"))
    columns = bind(header, aliases, str(path), "most similar groups file")
    groups = Groups(path, shape)
    areas, others = data[columns["area"]], data[columns["peer" if shape == "peer" else "group"]]
    seen: set[tuple[str, str]] = set()
    problems: list[str] = []
    for row, (area, other) in enumerate(zip(areas, others, strict=True), start=1):
        if not area or not other:
            problems.append(f"row {row}: blank {'area' if not area else columns.get('peer', 'group')}")
        elif (area, other) in seen:
            problems.append(f"row {row}: {area} - {other} is given twice")
        elif shape == "peer" and area == other:
            problems.append(f"row {row}: {area} is named as its own peer (an area's group holds it already)")
        seen.add((area, other))
    if problems:
        raise CrimeInputError(f"{path}: " + "; ".join(problems[:5]) + ".")
    if not seen:
        raise CrimeInputError(f"{path}: the most similar groups file has no rows.")
    if shape == "peer":
        peers: dict[str, list[str]] = {}
        for area, other in zip(areas, others, strict=True):
            peers.setdefault(area, []).append(other)
        groups.members = {a: (a, *p) for a, p in peers.items()}
        groups.names = {a: a for a in peers}
    else:
        families: dict[str, list[str]] = {}
        for area, family in zip(areas, others, strict=True):
            families.setdefault(family, []).append(area)
        family_of = dict(zip(areas, others, strict=True))
        twice = sorted({a for a in areas if areas.count(a) > 1})
        if twice:
            raise CrimeInputError(f"{path}: {', '.join(twice[:5])} is in more than one family; an area belongs to one.")
        groups.members = {a: (a, *[m for m in families[family_of[a]] if m != a]) for a in areas}
        groups.names = dict(family_of)
    small = sorted((a, len(m)) for a, m in groups.members.items() if len(m) < min_group)
    if small:
        listed = ", ".join(f"{a} ({n} area{'s' if n > 1 else ''})" for a, n in small[:5])
        raise CrimeInputError(f"{path}: the most similar group of {listed} has fewer than {min_group} areas, the area "
                              f"itself included; a benchmark set against similar areas needs at least {min_group}.")
    return groups
