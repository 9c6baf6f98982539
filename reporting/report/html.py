"""The report as one self-contained HTML file: inline script, inline styles, system fonts, no network.

Each figure is a `<figure>` holding its Vega-Lite spec as JSON, drawn as SVG by vega-embed when the page
opens; its `<figcaption>` is the text alternative and a `<details>` element holds the values plotted (opened
for print). `data-expected-marks` says how many marks of each kind the chart must draw; the page marks each
figure `data-rendered="true"` (or `"error"`) and the body `data-charts-ready` when all are drawn, which the
browser test waits for.
"""

from __future__ import annotations

import html
import json

import pandas as pd

from reporting.report.figures import Figure, javascript_bundle
from reporting.report.model import Paragraph, Report, Section, Table

CSS = """
:root { --ink: #1b1b1b; --muted: #505a5f; --rule: #b1b4b6; --accent: #0072B2; --caveat: #fff2cc; --flag: #fff2cc; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, "Liberation Sans", sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 62rem; padding: 1.5rem; line-height: 1.45; font-size: 16px; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; } h2 { font-size: 1.45rem; margin-top: 2.2rem;
     border-bottom: 2px solid var(--ink); padding-bottom: .2rem; } h3 { font-size: 1.15rem; margin-top: 1.6rem; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.caveat { background: var(--caveat); border-left: 6px solid #b58105; padding: .6rem .9rem; margin: .8rem 0; }
.note { color: var(--muted); font-size: .92rem; }
nav ol { columns: 2; padding-left: 1.2rem; } nav a { color: var(--accent); }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-size: .92rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: var(--flag); }
figure { margin: 1rem 0 1.6rem; break-inside: avoid; }
figure .chart { min-height: 2rem; overflow-x: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .3rem; }
details summary { cursor: pointer; color: var(--accent); }
dl.provenance { display: grid; grid-template-columns: 12rem 1fr; gap: .15rem .8rem; font-size: .9rem; }
dl.provenance dt { font-weight: bold; } dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav, details summary { display: none; }
  details > *:not(summary) { display: block; }
  main > section.major ~ section.major > h2 { break-before: page; }
  figure, table, .caveat { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  tr.flagged td { background: none; font-style: italic; }
}
"""

STARTUP = """
(function () {
  const figures = Array.from(document.querySelectorAll('figure[data-spec]'));
  const drawn = figures.map(function (figure) {
    const spec = JSON.parse(document.getElementById(figure.dataset.spec).textContent);
    const target = figure.querySelector('.chart .vega');
    return vegaEmbed(target, spec, {renderer: 'svg', actions: false, tooltip: false})
      .then(function () { figure.dataset.rendered = 'true'; })
      .catch(function (error) { figure.dataset.rendered = 'error'; console.error('chart ' + figure.id, error); });
  });
  Promise.all(drawn).then(function () { document.body.dataset.chartsReady = 'true'; });
})();
"""


def esc(text: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(text), quote=True)


def script_json(payload: object) -> str:
    """JSON safe inside a `<script>` element."""
    return json.dumps(payload, separators=(",", ":"), default=str).replace("</", "<\\/")


def render_table(table: Table) -> str:
    """A table as HTML."""
    frame = table.frame
    head = "".join(f'<th scope="col"{" class=num" if c in table.numeric else ""}>{esc(c)}</th>'
                   for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = dict(zip(frame.columns, record, strict=True))
        flagged = table.flag_column is not None and str(cells.get(table.flag_column) or "").strip() != ""
        tds = []
        for column, value in cells.items():
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            tds.append(f'<td{" class=num" if column in table.numeric else ""}>{esc(text)}</td>')
        rows.append(f'<tr{" class=flagged" if flagged else ""}>{"".join(tds)}</tr>')
    return (f"<table><caption>{esc(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _data_table(frame: pd.DataFrame, caption: str) -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    numeric = tuple(c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]))
    return render_table(Table(shown, caption, numeric))


def render_figure(figure: Figure) -> str:
    """A figure: the chart's container, its spec, its caption and its data table."""
    spec_id = f"spec-{figure.id}"
    marks = esc(json.dumps(figure.marks, sort_keys=True))
    return (
        f'<figure id="{esc(figure.id)}" data-spec="{spec_id}" data-expected-marks="{marks}" '
        f'aria-describedby="{esc(figure.id)}-caption">'
        f'<div class="chart" role="img" aria-label="{esc(figure.title)}"><div class="vega"></div></div>'
        f'<script type="application/json" id="{spec_id}">{script_json(figure.spec)}</script>'
        f'<figcaption id="{esc(figure.id)}-caption">{esc(figure.description)}</figcaption>'
        f"<details><summary>Values plotted</summary>{_data_table(figure.data, figure.title)}</details>"
        "</figure>"
    )


def render_block(block: Paragraph | Table | Figure) -> str:
    """One block of a section."""
    if isinstance(block, Figure):
        return render_figure(block)
    if isinstance(block, Table):
        if block.collapsed:
            return (f"<details class=table><summary>{esc(block.caption)} ({len(block.frame)} rows)</summary>"
                    f"{render_table(block)}</details>")
        return render_table(block)
    css = {"caveat": "caveat", "note": "note"}.get(block.kind)
    return f'<p{f" class={css}" if css else ""}>{esc(block.text)}</p>'


def render_section(section: Section) -> str:
    """A section with its heading."""
    level = min(max(section.level, 2), 4)
    body = "".join(render_block(b) for b in section.blocks)
    major = ' class="major"' if level == 2 else ""
    return f'<section id="{esc(section.id)}"{major}><h{level}>{esc(section.title)}</h{level}>{body}</section>'


def render(report: Report) -> str:
    """The whole page."""
    toc = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in report.sections if s.level == 2)
    caveats = "".join(f'<p class="caveat" role="note">{esc(c)}</p>' for c in report.caveats)
    needs_script = bool(report.figures())
    scripts = (f"<script>{javascript_bundle()}</script><script>{STARTUP}</script>" if needs_script
               else "<script>document.body.dataset.chartsReady = 'true';</script>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(report.title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{esc(report.title)}</h1>"
        f'<p class="subtitle">{esc(report.subtitle)}</p>{caveats}</header>'
        f'<nav aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>'
        f"<main>{''.join(render_section(s) for s in report.sections)}</main>"
        f"{scripts}</body></html>\n"
    )
