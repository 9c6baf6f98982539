"""Forest plot: each area's estimate with its interval, sorted, against the national value and its peer mean.

An area whose interval lies wholly above or below the national value is marked by colour and by the shape of
its point (a triangle pointing the way), so the mark does not rest on colour. The marking compares an interval
with a value; whether an area differs significantly from its peers is the `peers` command's judgement, shown
(when given) as the peer mean beside each area and the peer flag in the values table.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, scale
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, WIDTH, Figure, configure, expected, slug
from reporting.report.headline import level_percent
from reporting.results import Result

POSITION_COLOURS = {"interval above": OKABE_ITO[0], "interval below": OKABE_ITO[1],
                    "interval includes": "#7a7a7a"}
POSITION_SHAPES = {"interval above": "triangle-up", "interval below": "triangle-down",
                   "interval includes": "circle"}


def peer_rows(peers: list[Result], indicator: str, domain: str) -> pd.DataFrame:
    """`domain_value, peer_mean, flag, group` of the peer results for one indicator and domain column."""
    frames = []
    for result in peers:
        table = result.table
        if not {"indicator", "domain", "domain_value", "peer_mean"} <= set(table.columns):
            continue
        rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)]
        keep = [c for c in ("domain_value", "peer_mean", "flag", "group") if c in rows.columns]
        frames.append(rows[keep])
    if not frames:
        return pd.DataFrame(columns=["domain_value", "peer_mean", "flag", "group"])
    out = pd.concat(frames, ignore_index=True).drop_duplicates("domain_value")
    out["domain_value"] = out["domain_value"].astype(str)
    return out


def forest_data(rows: pd.DataFrame, indicator: str, labeller: Labeller, national: float | None,
                peers: pd.DataFrame) -> pd.DataFrame:
    """Plotted values: area, estimate and interval in printed units, position against national, peer mean."""
    factor = scale(indicator)
    shown = rows.dropna(subset=["estimate", "ci_lower", "ci_upper"])
    data = pd.DataFrame({
        "code": shown["domain_value"].astype(str).to_numpy(),
        "area": [labeller.area(d, v) for d, v in zip(shown["domain"], shown["domain_value"], strict=True)],
        "estimate": factor * shown["estimate"].astype(float).to_numpy(),
        "lower": factor * shown["ci_lower"].astype(float).to_numpy(),
        "upper": factor * shown["ci_upper"].astype(float).to_numpy(),
    })
    if national is None:
        data["position"] = "interval includes"
    else:
        value = factor * national
        data["position"] = ["interval above" if lo > value else "interval below" if hi < value
                            else "interval includes" for lo, hi in zip(data["lower"], data["upper"], strict=True)]
    if len(peers):
        merged = data.merge(peers.rename(columns={"domain_value": "code"}), on="code", how="left")
        merged["peer_mean"] = factor * pd.to_numeric(merged["peer_mean"], errors="coerce")
        data = merged
    return data.sort_values("estimate", ascending=False).reset_index(drop=True)


def forest_figure(result: Result, indicator: str, domain: str, labeller: Labeller, peers: list[Result],
                  prefix: str) -> Figure | None:
    """The forest plot of one indicator by one domain column, or None when there is nothing to plot."""
    import altair as alt

    table = result.table
    rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)]
    overall = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == "all")]
    national = None
    if len(overall) and pd.notna(overall["estimate"].iloc[0]):
        national = float(overall["estimate"].iloc[0])
    data = forest_data(rows, indicator, labeller, national, peer_rows(peers, indicator, domain))
    if len(data) < 2:
        return None
    unit = "value" if scale(indicator) == 1.0 else "per cent"
    order = data["area"].tolist()
    y = alt.Y("area:N", sort=order, title=None)
    base = alt.Chart(data)
    positions = [p for p in POSITION_COLOURS if p in set(data["position"])]
    colour = alt.Color("position:N", title="Against the national value",
                       scale=alt.Scale(domain=positions, range=[POSITION_COLOURS[p] for p in positions]))
    shape = alt.Shape("position:N", title="Against the national value",
                      scale=alt.Scale(domain=positions, range=[POSITION_SHAPES[p] for p in positions]))
    layers = [
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title=unit, scale=alt.Scale(zero=False)),
                                             x2="upper:Q", y=y, color=colour),
        base.mark_point(filled=True, size=60).encode(x="estimate:Q", y=y, color=colour, shape=shape),
    ]
    n_peer = 0
    if "peer_mean" in data.columns and data["peer_mean"].notna().any():
        peer_data = data.dropna(subset=["peer_mean"])
        n_peer = len(peer_data)
        layers.append(alt.Chart(peer_data).mark_tick(color="#000000", thickness=2, size=14)
                      .encode(x="peer_mean:Q", y=y))
    national_label = labeller.national
    if national is not None:
        value = scale(indicator) * national
        layers.append(alt.Chart(pd.DataFrame({"value": [value], "what": [national_label]}))
                      .mark_rule(strokeDash=[5, 4], color="#000000").encode(x="value:Q"))
    chart = alt.layer(*layers).properties(width=WIDTH - 200, height=ROW_HEIGHT * len(data))
    top, bottom = data.iloc[0], data.iloc[-1]
    described = (f"{labeller.title(indicator)} by {domain}: {len(data)} areas, from {bottom['estimate']:.1f} "
                 f"({bottom['area']}) to {top['estimate']:.1f} ({top['area']}) {unit}")
    if national is not None:
        above = int((data["position"] == "interval above").sum())
        below = int((data["position"] == "interval below").sum())
        described += (f"; {national_label} {scale(indicator) * national:.1f} (dashed line). Intervals wholly above "
                      f"it: {above}; wholly below: {below}")
    if n_peer:
        described += "; a black tick marks each area's peer-group mean"
    described += "."
    title = f"{indicator} by {domain}, with {level_percent(result)} intervals"
    spec = configure(chart, title, described, subtitle=labeller.titles.get(indicator, ""))
    marks = expected(rule=len(data) + (national is not None), point=len(data), tick=n_peer)
    return Figure(slug(prefix, "forest", indicator, domain), title, spec, described, data, marks)
