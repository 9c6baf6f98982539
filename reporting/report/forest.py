"""Forest plot: each area's estimate with its interval, sorted, against the national value and its peer mean.

An area whose interval lies wholly on one side of the national value is coloured better or worse by the
indicator's polarity (lower is better for perceived anti-social behaviour, higher for confidence), and its
point has its own shape, so the mark does not rest on colour; without a polarity the colours say only higher or
lower. The national line and the peer-group means (when a `peers` result is given) are in the legend too.
Areas whose estimates were suppressed are listed under the chart, so that none vanishes without a word.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import NATIONAL, Labeller, indicator_code
from reporting.numbers import scale
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, configure, expected, slug
from reporting.report.headline import level_percent
from reporting.report.model import Paragraph
from reporting.report.words import BETTER, HIGHER, LOWER, SAME, WORSE, versus, versus_words
from reporting.results import Result

POSITION_STYLE = {BETTER: (OKABE_ITO[0], "diamond"), WORSE: (OKABE_ITO[3], "square"),
                  HIGHER: (OKABE_ITO[4], "triangle-up"), LOWER: (OKABE_ITO[1], "triangle-down"),
                  SAME: ("#7a7a7a", "circle")}
"""Colour and shape of each position against the national value (blue/diamond better, vermillion/square worse)."""


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
                peers: pd.DataFrame, polarity: str | None) -> pd.DataFrame:
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
    reference = None if national is None else factor * national
    data["position"] = [versus(lo, hi, reference, polarity) for lo, hi in zip(data["lower"], data["upper"],
                                                                             strict=True)]
    data["against national"] = [versus_words(p, labeller.national_in_text()) for p in data["position"]]
    if len(peers):
        merged = data.merge(peers.rename(columns={"domain_value": "code"}), on="code", how="left")
        merged["peer_mean"] = factor * pd.to_numeric(merged["peer_mean"], errors="coerce")
        data = merged
    return data.drop(columns=["code"]).sort_values("estimate", ascending=False).reset_index(drop=True)


def suppressed_note(rows: pd.DataFrame, labeller: Labeller, domain: str, result: Result) -> Paragraph | None:
    """The areas of a domain left out of the chart because their estimates were suppressed, by name."""
    gone = rows[rows["estimate"].isna()]
    if gone.empty:
        return None
    names = ", ".join(labeller.area(domain, v) for v in gone["domain_value"])
    min_base = (result.metadata.get("parameters") or {}).get("min_base")
    why = f" (fewer than {min_base} respondents)" if min_base is not None else ""
    return Paragraph(f"Not shown: {len(gone)} {labeller.domain(domain, len(gone) > 1)} whose estimates are "
                     f"suppressed{why}: {names}.", kind="note")


def forest_figure(result: Result, indicator: str, domain: str, labeller: Labeller, peers: list[Result],
                  prefix: str, survey: str = "") -> Figure | None:
    """The forest plot of one indicator by one domain column, or None when there is nothing to plot."""
    import altair as alt

    table = result.table
    rows = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == domain)]
    overall = table[(table["indicator"].astype(str) == indicator) & (table["domain"].astype(str) == NATIONAL)]
    national = None
    if len(overall) and pd.notna(overall["estimate"].iloc[0]):
        national = float(overall["estimate"].iloc[0])
    polarity = labeller.polarity(indicator, survey)
    data = forest_data(rows, indicator, labeller, national, peer_rows(peers, indicator, domain), polarity)
    if len(data) < 2:
        return None
    unit = "value" if scale(indicator) == 1.0 else "per cent"
    order = data["area"].tolist()
    y = alt.Y("area:N", sort=order, title=None)
    base = alt.Chart(data)
    present = [p for p in POSITION_STYLE if p in set(data["position"])]
    labels = [versus_words(p, labeller.national_in_text()) for p in present]
    legend_title = f"Against {labeller.national_in_text()}" + ("" if polarity else " (not judged: no polarity given)")
    colour = alt.Color("against national:N", title=legend_title,
                       scale=alt.Scale(domain=labels, range=[POSITION_STYLE[p][0] for p in present]))
    shape = alt.Shape("against national:N", title=legend_title,
                      scale=alt.Scale(domain=labels, range=[POSITION_STYLE[p][1] for p in present]))
    areas = alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title=unit, scale=alt.Scale(zero=False)),
                                             x2="upper:Q", y=y, color=colour),
        base.mark_point(filled=True, size=60, opacity=1).encode(x="estimate:Q", y=y, color=colour, shape=shape),
    )
    references = []
    reference_names = []
    n_peer = 0
    if "peer_mean" in data.columns and data["peer_mean"].notna().any():
        reference_names.append("peer-group mean (black tick)")
    if national is not None:
        reference_names.insert(0, f"{labeller.national} (dashed line)")
    reference_colour = alt.Color("reference:N", title="Reference", scale=alt.Scale(
        domain=reference_names, range=["#000000"] * len(reference_names)), legend=alt.Legend(symbolType="stroke"))
    if national is not None:
        value = scale(indicator) * national
        references.append(alt.Chart(pd.DataFrame({"value": [value], "reference": [reference_names[0]]}))
                          .mark_rule(strokeDash=[5, 4], strokeWidth=1.5).encode(x="value:Q", color=reference_colour))
    if reference_names and reference_names[-1].startswith("peer"):
        peer_data = data.dropna(subset=["peer_mean"]).assign(reference=reference_names[-1])
        n_peer = len(peer_data)
        references.append(alt.Chart(peer_data).mark_tick(thickness=2, size=14)
                          .encode(x="peer_mean:Q", y=y, color=reference_colour))
    chart = (alt.layer(areas, alt.layer(*references)).resolve_scale(color="independent", shape="independent")
             if references else areas)
    chart = chart.properties(height=ROW_HEIGHT * len(data))
    top, bottom = data.iloc[0], data.iloc[-1]
    where = labeller.domain(domain, True)
    described = (f"{labeller.title(indicator, survey)} by {labeller.domain(domain)}: {len(data)} {where}, from "
                 f"{bottom['estimate']:.1f} ({bottom['area']}) to {top['estimate']:.1f} ({top['area']}) {unit}")
    if national is not None:
        counts = data["position"].value_counts()
        parts = [f"{int(counts[p])} {versus_words(p, labeller.national_in_text())}" for p in present]
        described += (f"; {labeller.national} {scale(indicator) * national:.1f} (dashed line). "
                      + "; ".join(parts))
        if polarity is None:
            described += " (the results do not say whether higher or lower is better)"
    if n_peer:
        described += "; a black tick marks each area's peer-group mean"
    described += "."
    title = f"{indicator_code(indicator)} by {labeller.domain(domain)}, with {level_percent(result)} intervals"
    spec = configure(chart, title, described, subtitle=labeller.wording(indicator, survey))
    marks = expected(rule=len(data) + (national is not None), point=len(data), tick=n_peer)
    plotted = data.drop(columns=["position"])  # said in words in "against national"
    return Figure(slug(prefix, "forest", indicator, domain), title, spec, described, plotted, marks)
