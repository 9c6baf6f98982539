"""Peer comparison: each area against the mean of its most similar group.

The forest plots of the estimates already show each area's peer mean; this section gives the table: the
area's estimate, the peer mean, the difference with its interval, the flag (significantly better, worse, or
not different) and the area's rank in its group. Keeping pace (the area's change against its group's) is shown
when the output has it. One table per indicator, captioned once.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, indicator_code, survey_key, survey_name
from reporting.numbers import rows_of, scale
from reporting.publication import require_columns
from reporting.report.figures import slug
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

PEER_COLUMNS = ("indicator", "domain", "domain_value", "group", "estimate", "ci_lower", "ci_upper", "peer_mean",
                "difference", "difference_ci_lower", "difference_ci_upper", "flag", "rank", "group_size")


def _points(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.1f}"  # type: ignore[call-overload,arg-type]


def peer_table(table: pd.DataFrame, indicator: str, labeller: Labeller) -> Table:
    """Area against peer mean, for one indicator."""
    rows = []
    f = scale(indicator)
    for r in rows_of(table):
        row = {
            "Area": labeller.area(r.domain, r.domain_value),
            "Group": str(r.group),
            "Estimate": _points(f * r.estimate),
            "Peer mean": _points(f * r.peer_mean),
            "Difference (points)": f"{f * r.difference:+.1f} ({_points(f * r.difference_ci_lower)} to "
                                   f"{_points(f * r.difference_ci_upper)})" if pd.notna(r.difference) else "",
            "Flag": str(r.flag),
            "Rank": f"{int(r.rank)} of {int(r.group_size)}" if pd.notna(r.rank) else "",
        }
        if "pace_flag" in table.columns:
            row["Keeping pace"] = str(getattr(r, "pace_flag", ""))
        rows.append(row)
    shown = pd.DataFrame(rows)
    return Table(shown, f"{indicator_code(indicator)}: each area against its peer-group mean",
                 numeric=("Estimate", "Peer mean", "Difference (points)", "Rank"), collapsed=len(shown) > 30)


def one_peers_result(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The peer section of one `peers` output: a table per indicator."""
    require_columns(result.table, PEER_COLUMNS, str(result.path))
    survey = survey_key(result.table, result.metadata)
    prefix = f"p{index}"
    heading = (f"{survey_name(survey)}: " if survey else "") + "areas against their peers"
    section = Section(slug(prefix, "peers"), heading[0].upper() + heading[1:])
    how = result.metadata.get("peer_mean", "the mean of the member areas' estimates")
    section.blocks.append(Paragraph(
        f"Each area against its most similar group; the peer mean is {how}. The difference's interval accounts "
        "for the area being one of its group's members; 'significantly' better or worse means the interval "
        "excludes zero."))
    sections = [section]
    for indicator, rows in result.table.groupby(result.table["indicator"].astype(str), sort=False):
        sub = Section(slug(prefix, "peers", indicator), labeller.title(str(indicator), survey), level=3)
        sub.blocks.append(peer_table(rows, str(indicator), labeller))
        sections.append(sub)
    return sections


def peer_sections(inputs: Inputs) -> list[Section]:
    """The peers part: every peers result in the order given."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.peers):
        sections += one_peers_result(result, inputs.labeller, index)
    return sections
