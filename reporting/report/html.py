"""The report as one self-contained HTML file: inline script, inline styles, system fonts, no network.

The page answers first: the main points, then one short box of caveats (their full text is under Methods),
then an area's profile when asked for, then the sections. Each figure is a `<figure>` holding its Vega-Lite
spec(s) as JSON, drawn as SVG by vega-embed when the page opens, each chart as wide as its container (small
multiples in a grid that reflows to one column on a phone); its `<figcaption>` is the text alternative and a
`<details>` element holds the values plotted (printed open). Tables scroll inside their own box, never the page.
`data-expected-marks` says how many marks of each kind the chart must draw; the page marks each figure
`data-rendered="true"` (or `"error"`) and the body `data-charts-ready` when all are drawn, which the browser test
waits for.

Print: no contents list and no scroll boxes; a heading is kept with what follows it; charts are scaled to the
page width; every table of values is printed.
"""

from __future__ import annotations

import html
import itertools
import json
import math

import pandas as pd

from reporting.report.figures import Figure, javascript_bundle
from reporting.report.model import Block, Collapsible, Report, Section, Table

CSS = """
:root { --ink: #1b1b1b; --muted: #505a5f; --rule: #b1b4b6; --accent: #0072B2; --caveat: #fff2cc; --flag: #fff2cc;
        --points: #e8f1f8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: Helvetica, Arial, "Liberation Sans", sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 62rem; padding: 1.5rem; line-height: 1.45; font-size: 16px; overflow-wrap: break-word; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; } h2 { font-size: 1.45rem; margin-top: 2.2rem;
     border-bottom: 2px solid var(--ink); padding-bottom: .2rem; } h3 { font-size: 1.15rem; margin-top: 1.6rem; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.main-points { background: var(--points); border-left: 6px solid var(--accent); padding: .4rem 1rem .6rem;
               margin: 1rem 0; }
.main-points h2 { border: 0; margin: .4rem 0; font-size: 1.3rem; }
.main-points li { margin: .35rem 0; }
.caveat { background: var(--caveat); border-left: 6px solid #b58105; padding: .6rem .9rem; margin: .8rem 0; }
.caveat ul { margin: .3rem 0 .2rem; padding-left: 1.2rem; }
.note { color: var(--muted); font-size: .92rem; }
nav ol { columns: 2 16rem; padding-left: 1.2rem; } nav a { color: var(--accent); }
.table-scroll { overflow-x: auto; max-width: 100%; margin: 0 0 1.2rem; }
.table-scroll:focus { outline: 2px solid var(--accent); }
table { border-collapse: collapse; font-size: .92rem; width: 100%; }
.table-caption { font-weight: bold; margin: .8rem 0 .2rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.flagged td { background: var(--flag); }
figure { margin: 1rem 0 1.6rem; break-inside: avoid; }
.figure-title { font-weight: bold; margin: 0 0 .3rem; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 17rem), 1fr)); gap: .8rem; }
.panels.stacked { grid-template-columns: 1fr; }
.chart { min-height: 2rem; width: 100%; }
.chart .vega { width: 100%; }
.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .3rem; }
details summary { cursor: pointer; color: var(--accent); }
details.metadata pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8rem; background: #f3f2f1;
                       padding: .5rem; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  body { padding: .75rem; font-size: 15px; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; }
  th, td { padding: .2rem .35rem; }
}
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav, details summary, details.metadata { display: none; }
  details > *:not(summary) { display: block; }
  details::details-content { content-visibility: visible; display: block; }
  h1, h2, h3, h4, .figure-title, .table-caption { break-after: avoid; page-break-after: avoid; }
  .keep { break-inside: avoid; page-break-inside: avoid; }
  figure, .caveat, .main-points, tr { break-inside: avoid; page-break-inside: avoid; }
  .table-scroll { overflow: visible; }
  table { font-size: 8.5pt; }
  .chart svg { max-width: 100% !important; height: auto !important; }
  .panels { display: block; }
  .panels .chart { display: inline-block; width: 49%; vertical-align: top; }
  .panels.stacked .chart { display: block; width: 100%; }
  a { color: inherit; text-decoration: none; }
  tr.flagged td { background: none; font-style: italic; }
}
"""

STARTUP = """
(function () {
  function wrap(text, width, size) {
    if (typeof text !== 'string') return text;
    const most = Math.max(12, Math.floor((width - 16) / (size * 0.64)));
    const lines = [];
    let line = '';
    text.split(' ').forEach(function (word) {
      if (line && (line + ' ' + word).length > most) { lines.push(line); line = word; }
      else { line = line ? line + ' ' + word : word; }
    });
    if (line) lines.push(line);
    return lines.length > 1 ? lines : text;
  }
  function adapt(spec, width) {
    const narrow = width < 560;
    if (spec.title) {
      if (typeof spec.title === 'string') spec.title = {text: spec.title};
      spec.title.text = wrap(spec.title.text, width, 14);
      if (spec.title.subtitle) spec.title.subtitle = wrap(spec.title.subtitle, width, 12);
    }
    const config = spec.config = spec.config || {};
    config.axis = Object.assign({}, config.axis, {labelLimit: Math.max(60, Math.min(260, Math.round(width * 0.38)))});
    config.title = Object.assign({}, config.title, {limit: Math.max(120, width - 24)});
    config.legend = Object.assign({}, config.legend, {titleLimit: Math.max(100, width - 24)});
    if (narrow) {
      config.legend = Object.assign({}, config.legend, {direction: 'vertical', labelLimit: Math.max(100, width - 80)});
    }
    return spec;
  }
  const figures = Array.from(document.querySelectorAll('figure[data-spec]'));
  function failed(figure, error) { figure.dataset.rendered = 'error'; console.error('chart ' + figure.id, error); }
  const drawn = figures.map(function (figure) {
    try {
      const specs = JSON.parse(document.getElementById(figure.dataset.spec).textContent);
      const targets = Array.from(figure.querySelectorAll('.chart .vega'));
      return Promise.all(specs.map(function (spec, i) {
        const width = targets[i].getBoundingClientRect().width || 600;
        return vegaEmbed(targets[i], adapt(spec, width), {renderer: 'svg', actions: false, tooltip: false});
      }))
        .then(function () { figure.dataset.rendered = 'true'; })
        .catch(function (error) { failed(figure, error); });
    } catch (error) {
      failed(figure, error);
      return Promise.resolve();
    }
  });
  Promise.all(drawn).then(function () { document.body.dataset.chartsReady = 'true'; });
})();
"""


MAIN_POINTS_NOTE = ("Intervals are confidence intervals (Monte Carlo intervals for simulations). An area is "
                    "better or worse than another figure only when its interval lies wholly on one side of it, and "
                    "a change is claimed only when it is significant.")


def esc(text: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(text), quote=True)


def _no_nan(payload: object) -> object:
    if isinstance(payload, float) and (math.isnan(payload) or math.isinf(payload)):
        return None
    if isinstance(payload, dict):
        return {k: _no_nan(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_no_nan(v) for v in payload]
    return payload


def script_json(payload: object) -> str:
    """JSON safe inside a `<script>` element (a NaN, which JSON cannot hold, becomes null)."""
    return json.dumps(_no_nan(payload), separators=(",", ":"), default=str, allow_nan=False).replace("</", "<\\/")


TABLE_IDS = itertools.count(1)
"""Numbers the tables of a page, so that each caption can name its table."""


def render_table(table: Table) -> str:
    """A table as HTML, in its own horizontally scrolling box (focusable, so a keyboard can scroll it); its caption
    is above the box, so that it wraps to the screen instead of scrolling away with a wide table."""
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
    caption_id = f"table-{next(TABLE_IDS)}"
    return (f'<p class="table-caption" id="{caption_id}">{esc(table.caption)}</p>'
            f'<div class="table-scroll" tabindex="0" role="region" aria-labelledby="{caption_id}">'
            f'<table aria-labelledby="{caption_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _data_table(frame: pd.DataFrame, caption: str) -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    numeric = tuple(c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]))
    return render_table(Table(shown, caption, numeric))


def render_figure(figure: Figure) -> str:
    """A figure: its chart container(s), its spec(s), its caption and its data table."""
    spec_id = f"spec-{figure.id}"
    marks = esc(json.dumps(figure.marks, sort_keys=True))
    specs = figure.browser_specs()
    charts = "".join(f'<div class="chart" role="img" aria-label="{esc(_panel_label(figure, spec))}">'
                     '<div class="vega"></div></div>' for spec in specs)
    if figure.panels:
        layout = "panels stacked" if figure.stacked else "panels"
        charts = f'<p class="figure-title">{esc(figure.title)}</p><div class="{layout}">{charts}</div>'
    warning = f'<p class="caveat" role="note">{esc(figure.warning)}</p>' if figure.warning else ""
    return (
        f'<figure id="{esc(figure.id)}" data-spec="{spec_id}" data-expected-marks="{marks}" '
        f'aria-describedby="{esc(figure.id)}-caption">{warning}{charts}'
        f'<script type="application/json" id="{spec_id}">{script_json(specs)}</script>'
        f'<figcaption id="{esc(figure.id)}-caption">{esc(figure.description)}</figcaption>'
        f"<details><summary>Values plotted</summary>{_data_table(figure.data, figure.title)}</details>"
        "</figure>"
    )


def _panel_label(figure: Figure, spec: dict[str, object]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return f"{figure.title}: {title}" if figure.panels and title else figure.title


def render_block(block: Block) -> str:
    """One block of a section."""
    if isinstance(block, Figure):
        return render_figure(block)
    if isinstance(block, Collapsible):
        return (f'<details class="metadata"><summary>{esc(block.summary)}</summary>'
                f"<pre>{esc(block.text)}</pre></details>")
    if isinstance(block, Table):
        if block.collapsed:
            return (f"<details class=table><summary>{esc(block.caption)} ({len(block.frame)} rows)</summary>"
                    f"{render_table(block)}</details>")
        return render_table(block)
    css = {"caveat": "caveat", "note": "note"}.get(block.kind)
    role = ' role="note"' if block.kind == "caveat" else ""
    return f'<p{f" class={css}" if css else ""}{role}>{esc(block.text)}</p>'


def render_section(section: Section) -> str:
    """A section with its heading, the heading kept on the same printed page as the block after it."""
    level = min(max(section.level, 2), 4)
    heading = f"<h{level}>{esc(section.title)}</h{level}>"
    blocks = [render_block(b) for b in section.blocks]
    first = blocks[0] if blocks and not isinstance(section.blocks[0], Table) else ""
    rest = blocks[1:] if first else blocks
    major = ' class="major"' if level == 2 else ""
    return (f'<section id="{esc(section.id)}"{major}><div class="keep">{heading}{first}</div>'
            f"{''.join(rest)}</section>")


def render_caveats(report: Report) -> str:
    """The caveats folded into one short box; their full text is under Methods."""
    if not report.caveat_summary:
        return ""
    items = "".join(f"<li>{esc(c)}</li>" for c in report.caveat_summary)
    more = ' <a href="#caveats">The full caveats are under Methods.</a>' if report.caveats else ""
    return (f'<aside class="caveat" role="note" aria-label="Caveats"><strong>Read with care.</strong>{more}'
            f"<ul>{items}</ul></aside>")


def render_main_points(report: Report) -> str:
    """The main points: the answers first."""
    if not report.main_points:
        return ""
    items = "".join(f"<li>{esc(p)}</li>" for p in report.main_points)
    return (f'<section id="main-points" class="main-points keep" aria-labelledby="main-points-h">'
            f'<h2 id="main-points-h">Main points</h2><ul>{items}</ul><p class="note">{MAIN_POINTS_NOTE}</p>'
            "</section>")


def render(report: Report) -> str:
    """The whole page."""
    global TABLE_IDS
    TABLE_IDS = itertools.count(1)
    toc = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in report.sections if s.level == 2)
    needs_script = bool(report.figures())
    scripts = (f"<script>{javascript_bundle()}</script><script>{STARTUP}</script>" if needs_script
               else "<script>document.body.dataset.chartsReady = 'true';</script>")
    subtitle = f'<p class="subtitle">{esc(report.subtitle)}</p>' if report.subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(report.title)}</title><style>{CSS}</style></head>"
        f"<body><header><h1>{esc(report.title)}</h1>{subtitle}</header>"
        f"{render_main_points(report)}{render_caveats(report)}"
        f'<nav aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>'
        f"<main>{''.join(render_section(s) for s in report.sections)}</main>"
        f"{scripts}</body></html>\n"
    )
