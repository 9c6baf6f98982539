"""An area's profile (`safer report --area CODE`): every indicator for one authority, force or region in one place.

One row per indicator: the value with its interval, where it stands against the national value (better, worse
or no different by the indicator's polarity), its change, its position against its peer group and its target
status, from whichever results were given. Beside it, a small multiple per indicator: the area's estimate and
interval on a strip of every area's estimate, its peer group's marked, with the national value and the peer mean,
so an officer sees at a glance where their area stands without scanning a table of 150 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reporting.errors import ReportInputError
from reporting.labels import NATIONAL, indicator_code, survey_key
from reporting.numbers import missing, percent, scale
from reporting.report.change import p_text
from reporting.report.figures import Figure, expected, panel_figure, slug
from reporting.report.forest import POSITION_STYLE
from reporting.report.headline import latest_period
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section, Table
from reporting.report.words import SAME, versus, versus_words
from reporting.results import Result

NOT_GIVEN = "no result given"


@dataclass(frozen=True)
class AreaRow:
    """One indicator of the profiled area, from one estimate result."""

    result: Result
    indicator: str
    domain: str
    row: pd.Series
    national: float | None
    others: pd.DataFrame
    """Every area of the same domain column (latest period), the profiled one included."""
    model_based: bool = False
    """From a small-area model (`sae`), not a direct survey estimate."""


def sae_domain(result: Result) -> str:
    """The area column a `sae` result's areas belong to ("area" when its metadata does not say)."""
    return str(result.metadata.get("domain") or (result.metadata.get("parameters") or {}).get("domain") or "area")


def find_area(inputs: Inputs, code: str) -> tuple[str, str]:
    """(domain column, code) of an area given by code or by name, in the estimates or the small-area estimates;
    refused with the known codes when absent."""
    wanted = str(code).strip()
    seen: dict[str, str] = {}
    pairs = [(d, v) for r in inputs.estimates for d, v in zip(r.table["domain"].astype(str),
                                                              r.table["domain_value"].astype(str), strict=True)]
    pairs += [(sae_domain(r), str(v)) for r in inputs.sae for v in r.table["area"]]
    for domain, value in pairs:
        if domain == NATIONAL:
            continue
        seen.setdefault(value, domain)
        if value == wanted or inputs.labeller.area(domain, value).lower() == wanted.lower():
            return domain, value
    known = ", ".join(sorted(seen)[:12]) + (" ..." if len(seen) > 12 else "")
    raise ReportInputError(f"--area {code}: no estimate result has this area (areas given: {known or 'none'}).")


def national_value(inputs: Inputs, indicator: str) -> float | None:
    """The latest national estimate of an indicator in the estimate results, if any."""
    for result in inputs.estimates:
        latest, _ = latest_period(result.table)
        rows = latest[(latest["indicator"].astype(str) == indicator) & (latest["domain"].astype(str) == NATIONAL)]
        if len(rows) and not missing(rows["estimate"].iloc[0]):
            return float(rows["estimate"].iloc[0])
    return None


def model_rows(inputs: Inputs, domain: str, code: str) -> list[AreaRow]:
    """The area's model-based (small-area) estimate of each indicator, as profile rows."""
    found = []
    for result in inputs.sae:
        if sae_domain(result) != domain:
            continue
        table = result.table
        for indicator in dict.fromkeys(table["indicator"].astype(str)):
            rows = table[table["indicator"].astype(str) == indicator]
            others = pd.DataFrame({"domain": domain, "domain_value": rows["area"].astype(str).to_numpy(),
                                   "estimate": rows["eblup"].to_numpy(), "ci_lower": rows["ci_lower"].to_numpy(),
                                   "ci_upper": rows["ci_upper"].to_numpy()})
            mine = others[others["domain_value"] == code]
            if len(mine):
                found.append(AreaRow(result, indicator, domain, mine.iloc[0], national_value(inputs, indicator),
                                     others, model_based=True))
    return found


def area_rows(inputs: Inputs, domain: str, code: str) -> list[AreaRow]:
    """The area's row of every indicator of every estimate result (latest period)."""
    found = []
    for result in inputs.estimates:
        latest, _ = latest_period(result.table)
        for indicator in dict.fromkeys(latest["indicator"].astype(str)):
            rows = latest[latest["indicator"].astype(str) == indicator]
            mine = rows[(rows["domain"].astype(str) == domain) & (rows["domain_value"].astype(str) == code)]
            if mine.empty:
                continue
            overall = rows[rows["domain"].astype(str) == NATIONAL]
            national = None if overall.empty or missing(overall["estimate"].iloc[0]) else float(
                overall["estimate"].iloc[0])
            found.append(AreaRow(result, indicator, domain, mine.iloc[0], national,
                                 rows[rows["domain"].astype(str) == domain]))
    return found + model_rows(inputs, domain, code)


def _matching(results: list[Result], indicator: str, domain: str, code: str) -> pd.Series | None:
    for result in results:
        table = result.table
        if not {"indicator", "domain", "domain_value"} <= set(table.columns):
            continue
        hit = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)
                    & (table["domain_value"].astype(str) == code)]
        if len(hit):
            return hit.iloc[0]
    return None


def change_cell(row: pd.Series | None, factor: float) -> str:
    """"-1.2 +/- 0.9 points, improved (p 0.012)" or "no significant change (+0.4 +/- 1.1 points)"."""
    if row is None:
        return NOT_GIVEN
    if missing(row.get("change")):
        return "not estimable"
    hw = (float(row["ci_upper"]) - float(row["ci_lower"])) / 2 * factor
    amount = f"{factor * float(row['change']):+.1f} +/- {hw:.1f} points"
    direction = str(row.get("direction", ""))
    if direction in ("improved", "deteriorated"):
        return f"{direction}: {amount} (p {p_text(row.get('p_value'))})"
    return f"no significant change ({amount})"


def peer_cell(row: pd.Series | None) -> str:
    """"significantly worse than its peers (rank 4 of 5)"."""
    if row is None:
        return NOT_GIVEN
    rank = "" if missing(row.get("rank")) else f" (rank {int(row['rank'])} of {int(row['group_size'])})"
    return f"{row.get('flag', '')}{rank}"


def target_cell(row: pd.Series | None) -> str:
    """"on track (probability 97%)"."""
    if row is None:
        return NOT_GIVEN
    probability = row.get("probability_on_track")
    return f"{row.get('status', '')}" + ("" if missing(probability) else f" (probability {percent(probability)})")


def profile_table(inputs: Inputs, rows: list[AreaRow], name: str) -> Table:
    """One row per indicator for the area."""
    labeller = inputs.labeller
    records = []
    for item in rows:
        survey = survey_key(item.result.table, item.result.metadata)
        f = scale(item.indicator)
        row = item.row
        estimate, lower, upper = row["estimate"], row["ci_lower"], row["ci_upper"]
        position = versus(lower, upper, item.national, labeller.polarity(item.indicator, survey))
        code = str(row["domain_value"])
        records.append({
            "Indicator": labeller.title(item.indicator, survey) + (" (model-based)" if item.model_based else ""),
            "Value": "suppressed" if missing(estimate) else f"{f * float(estimate):.1f}",
            "95% interval": "" if missing(lower) else f"{f * float(lower):.1f} to {f * float(upper):.1f}",
            f"Against {labeller.national_in_text()}": ("" if missing(estimate) else NOT_GIVEN if item.national is None
                                                       else versus_words(position, labeller.national_in_text())),
            "Change": change_cell(_matching(inputs.changes, item.indicator, item.domain, code), f),
            "Against peers": peer_cell(_matching(inputs.peers, item.indicator, item.domain, code)),
            "Target": target_cell(_matching(inputs.targets, item.indicator, item.domain, code)),
        })
    return Table(pd.DataFrame(records), f"{name}: every indicator (per cent, latest period)",
                 numeric=("Value", "95% interval"))


def peer_members(inputs: Inputs, indicator: str, domain: str, code: str) -> set[str]:
    """Codes of the area's peer group for an indicator (empty without a peers result)."""
    for result in inputs.peers:
        table = result.table
        rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)]
        mine = rows[rows["domain_value"].astype(str) == code]
        if len(mine):
            group = str(mine["group"].iloc[0])
            return set(rows.loc[rows["group"].astype(str) == group, "domain_value"].astype(str))
    return set()


def profile_figure(inputs: Inputs, rows: list[AreaRow], code: str, name: str) -> Figure | None:
    """Small multiples: per indicator, the area (point and interval) on strips of its peers and of all areas."""
    import altair as alt

    labeller = inputs.labeller
    panels, frames = [], []
    marks = dict.fromkeys(("rule", "point", "tick"), 0)
    for item in rows:
        if missing(item.row["estimate"]):
            continue
        survey = survey_key(item.result.table, item.result.metadata)
        f = scale(item.indicator)
        members = peer_members(inputs, item.indicator, item.domain, code)
        everyone = item.others.dropna(subset=["estimate"])
        all_label, peer_label = f"all {labeller.domain(item.domain, True)}", "peer group"
        strips = pd.DataFrame({"row": all_label, "value": f * everyone["estimate"].astype(float).to_numpy()})
        if members:
            peers = everyone[everyone["domain_value"].astype(str).isin(members)]
            strips = pd.concat([strips, pd.DataFrame({"row": peer_label,
                                                      "value": f * peers["estimate"].astype(float).to_numpy()})])
        position = versus(item.row["ci_lower"], item.row["ci_upper"], item.national,
                          labeller.polarity(item.indicator, survey))
        colour = POSITION_STYLE.get(position, POSITION_STYLE[SAME])[0]
        against = NOT_GIVEN if item.national is None else versus_words(position, labeller.national_in_text())
        point = pd.DataFrame({"row": [name], "value": [f * float(item.row["estimate"])],
                              "lower": [f * float(item.row["ci_lower"])], "upper": [f * float(item.row["ci_upper"])],
                              "against": [against]})
        order = [name] + ([peer_label] if members else []) + [all_label]
        y = alt.Y("row:N", sort=order, title=None)
        x_title = "per cent" if f != 1.0 else "value"
        layers = [
            alt.Chart(strips).mark_tick(color="#7a7a7a", thickness=1.5, size=14).encode(
                x=alt.X("value:Q", title=x_title, scale=alt.Scale(zero=False)), y=y),
            alt.Chart(point).mark_rule(color=colour, strokeWidth=3).encode(x="lower:Q", x2="upper:Q", y=y),
            alt.Chart(point).mark_point(color=colour, filled=True, size=90, opacity=1,
                                        shape=POSITION_STYLE.get(position, POSITION_STYLE[SAME])[1]).encode(
                x="value:Q", y=y),
        ]
        marks["tick"] += len(strips)
        marks["rule"] += 1
        marks["point"] += 1
        if item.national is not None:
            layers.append(alt.Chart(pd.DataFrame({"value": [f * item.national]})).mark_rule(
                color="#000000", strokeDash=[5, 4]).encode(x="value:Q"))
            marks["rule"] += 1
        model = " (model-based)" if item.model_based else ""
        where = "" if item.national is None else f": {versus_words(position, labeller.national_in_text())}"
        title = f"{indicator_code(item.indicator)}{model}{where}"
        panels.append(alt.layer(*layers).properties(title=title, height=26 * len(order)))
        frames.append(point.assign(indicator=indicator_code(item.indicator))[
            ["indicator", "value", "lower", "upper", "against"]])
    if not panels:
        return None
    data = pd.concat(frames, ignore_index=True)
    described = (f"{name} on each indicator: its estimate and interval (coloured by where it stands against "
                 f"{labeller.national_in_text()}, dashed line) above grey ticks marking every other area's estimate"
                 + (" and its peer group's" if any(peer_members(inputs, r.indicator, r.domain, code) for r in rows)
                    else "") + ". " + "; ".join(f"{r.indicator} {r.value:.1f} ({r.lower:.1f} to {r.upper:.1f}), "
                                                f"{r.against}" for r in data.itertuples()) + ".")
    return panel_figure(slug("profile", code), f"{name} against other areas", panels, described, data,
                        expected(**marks))


def profile_sections(inputs: Inputs) -> list[Section]:
    """A profile section for each `--area`."""
    sections = []
    for wanted in inputs.areas:
        domain, code = find_area(inputs, wanted)
        name = inputs.labeller.area(domain, code)
        rows = area_rows(inputs, domain, code)
        section = Section(slug("profile", code), f"Profile: {name}")
        shown_code = f", code {code}" if name != code else ""
        section.blocks.append(Paragraph(
            f"{name} ({inputs.labeller.domain(domain)}{shown_code}) on every indicator given, latest period. "
            "'Better' or 'worse' means the interval lies wholly on one side of the national value, by the "
            "indicator's polarity; changes, peer positions and targets come from the results given."))
        section.blocks.append(profile_table(inputs, rows, name))
        figure = profile_figure(inputs, rows, code, name)
        if figure is not None:
            section.blocks.append(figure)
        sections.append(section)
    return sections
