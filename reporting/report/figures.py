"""Charts of the report: Vega-Lite specs built with altair, each with its text alternative and expected marks.

A `Figure` carries the spec, a sentence describing what it shows (the text alternative, also the spec's ARIA
description), the table of plotted values (shown under the chart for screen readers and print), and the number
of marks of each kind the browser must draw, so that a test can check each chart really rendered. Colours are
the Okabe-Ito palette, safe for the common colour-vision deficiencies; colour never carries meaning alone
(shape or a legend label says it too). `write_figure_files` renders each chart to SVG and PNG with vl-convert,
which needs no browser and no network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe and Ito's colour-blind-safe palette (blue, orange, green, vermillion, purple, sky, yellow, black)."""
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")
FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
WIDTH = 680
"""Width of a chart written to a file by `--figures` (in the page, charts take their container's width)."""
PANEL_WIDTH = 240
"""Width of one small-multiple panel in a `--figures` file."""
ROW_HEIGHT = 18

VEGA_MARK = {"point": "symbol", "circle": "symbol", "square": "symbol", "tick": "rect", "bar": "rect",
             "rule": "rule", "line": "line", "area": "area", "text": "text", "rect": "rect"}
"""Vega-Lite mark -> the Vega mark type the browser draws (the class of its SVG group)."""


@dataclass
class Figure:
    """One chart in the report (or a set of small multiples drawn as one figure)."""

    id: str
    """Stable identifier: the HTML element id and the file name under `--figures`."""
    title: str
    """Heading shown above the chart."""
    spec: dict[str, Any]
    """Vega-Lite specification (data inline): the chart, or for small multiples all panels side by side, as
    written to `--figures` files."""
    description: str
    """Text alternative: what the chart shows, in one or two sentences."""
    data: pd.DataFrame
    """The values plotted, as a table for readers who cannot see the chart."""
    marks: dict[str, int] = field(default_factory=dict)
    """Vega mark type -> number of SVG items the browser must draw (area and line: one per series), over all
    panels."""
    panels: list[dict[str, Any]] = field(default_factory=list)
    """Small multiples: one Vega-Lite spec per panel, each drawn in its own cell of a grid that reflows to the
    screen (one column on a phone). Empty for a single chart, which the browser draws from `spec`."""
    warning: str = ""
    """A caution shown above the chart (e.g. too few replications for the probabilities it draws)."""
    stacked: bool = False
    """Small multiples one under the other, each the full width (for panels with long labels)."""

    def browser_specs(self) -> list[dict[str, Any]]:
        """What the browser draws: the panels, or the one chart."""
        return self.panels or [self.spec]


def slug(*parts: Any) -> str:
    """A stable identifier from parts: ("forest", "NI17", "la") -> "forest-ni17-la"."""
    text = "-".join(str(p) for p in parts if str(p))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "figure"


def _config(chart: Any) -> Any:
    return chart.configure(
        font=FONT, padding=8,
        range={"category": list(OKABE_ITO)},
        axis={"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
        legend={"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom", "direction": "horizontal",
                "labelLimit": 220, "titleLimit": 400},
        title={"fontSize": 14, "anchor": "start", "subtitleFontSize": 12, "subtitleColor": "#505a5f",
               "limit": WIDTH + 120},
        view={"stroke": None},
    )


LEGEND_LAYOUT = {"bottom": {"direction": "vertical", "anchor": "start"}}
"""Several legends (e.g. positions and reference lines) stack one under the other, never side by side, so that a
chart on a phone is no wider than the phone (a Vega legend setting altair does not know, added to the dict)."""


def _finish(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = _config(chart).to_dict()
    spec.setdefault("config", {}).setdefault("legend", {})["layout"] = LEGEND_LAYOUT
    return spec


def configure(chart: Any, title: str, description: str, subtitle: str = "", fit: bool = True) -> dict[str, Any]:
    """The final spec: fonts, palette, ARIA description, no actions; returned as a plain dict.

    With `fit` (single and layered charts) the chart takes the width of its container (Vega-Lite's
    `width: "container"`, autosized to fit), so it is as wide as the page on a phone or on paper; files written
    by `--figures` get `WIDTH` instead (see `file_spec`).
    """
    import altair as alt

    heading = alt.TitleParams(text=title, subtitle=subtitle) if subtitle else title
    chart = chart.properties(title=heading, description=description)
    if fit:
        chart = chart.properties(width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return _finish(chart)


def panel_figure(figure_id: str, title: str, charts: list[Any], description: str, data: pd.DataFrame,
                 marks: dict[str, int], warning: str = "", stacked: bool = False) -> Figure:
    """Small multiples: each chart (with its own title) a panel that fits its grid cell, and all of them side by
    side for `--figures` files. The panels share their legends, so only the first shows them."""
    import altair as alt

    panels = []
    for number, chart in enumerate(charts):
        fitted = chart.properties(description=description, width="container",
                                  autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        panel = _finish(fitted)
        if number:
            panel["config"]["legend"]["disable"] = True
        panels.append(panel)
    columns = min(3, len(charts))
    side_by_side = alt.concat(*[c.properties(width=PANEL_WIDTH) for c in charts], columns=columns).properties(
        title=title, description=description)
    spec = _finish(side_by_side)
    return Figure(figure_id, title, spec, description, data, marks, panels=panels, warning=warning, stacked=stacked)


def zero_rule(axis: str = "x") -> Any:
    """The dashed line at zero on `axis`: no change, no difference."""
    import altair as alt

    return alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#000000", strokeDash=[4, 3]).encode(
        **{axis: "zero:Q"})


def interval_layer(data: pd.DataFrame, y: Any, x_title: str, estimate: str, colour: Any, shape_by: Any = None,
                   **point: Any) -> Any:
    """Each row of `data` as its interval, a rule from `lower` to `upper`, with its `estimate` as a point on it,
    and zero dashed: the change and scenario forests. `shape_by` encodes the points' shape; `point` are further
    properties of the point mark (a fixed shape, opacity)."""
    import altair as alt

    base = alt.Chart(data)
    encoding = {"x": f"{estimate}:Q", "y": y, "color": colour, **({"shape": shape_by} if shape_by is not None else {})}
    return alt.layer(
        base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title=x_title), x2="upper:Q", y=y, color=colour),
        base.mark_point(filled=True, size=60, **point).encode(**encoding),
        zero_rule(),
    )


def file_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec for a file: "container" widths (which need a page) become `WIDTH`, and autosize is left default."""
    fixed = json.loads(json.dumps(spec))
    if fixed.get("width") == "container":
        fixed["width"] = WIDTH - 200
        fixed.pop("autosize", None)
    return fixed


def expected(**counts: int) -> dict[str, int]:
    """Expected marks by Vega-Lite mark name, turned into Vega mark types and summed (zeros dropped)."""
    marks: dict[str, int] = {}
    for name, count in counts.items():
        if count:
            kind = VEGA_MARK[name]
            marks[kind] = marks.get(kind, 0) + int(count)
    return marks


def vega_lite_version() -> str:
    """The Vega-Lite version altair writes (e.g. "6.4"), for vl-convert."""
    import altair as alt

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def _bundle_cache() -> Path:
    """Where the bundle is kept between runs: `$XDG_CACHE_HOME/safer` (default `~/.cache/safer`)."""
    import os

    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "safer"


@lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from vl-convert's bundle (no network).

    Bundling takes vl-convert a few seconds, so the result is kept in the user's cache folder, one file per
    vl-convert and Vega-Lite version; a cache that cannot be read or written is simply not used.
    """
    import vl_convert as vlc

    version = vega_lite_version()
    cached = _bundle_cache() / f"vega-bundle-vlc{getattr(vlc, '__version__', 'x')}-vl{version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    # The stub marks `snippet` required; the library defaults it (a snippet that exposes vegaEmbed globally).
    bundle: str = vlc.javascript_bundle(vl_version=version)  # type: ignore[call-arg]
    bundle = bundle.replace("</script", "<\\/script")
    try:
        from safer_io.outputs import atomic_path

        with atomic_path(cached, record=False) as tmp:
            tmp.write_text(bundle, encoding="utf-8")
    except (OSError, ValueError):
        pass
    return bundle


def write_figure_files(figures: Iterable[Figure], folder: Path) -> list[Path]:
    """Write each figure as `<id>.svg` and `<id>.png` (2x scale) into `folder`; returns the paths written.

    All or nothing: every file is rendered into a hidden staging folder inside `folder`, and the files are moved
    into place only once all are there; a failure or an interrupt removes the staging folder and leaves `folder`
    as it was.
    """
    import vl_convert as vlc

    from safer_io.outputs import staging_folder

    version = vega_lite_version()
    rendered: list[tuple[str, bytes]] = []
    with staging_folder(folder) as (staging, keep):
        for figure in figures:
            spec = file_spec(figure.spec)
            svg = vlc.vegalite_to_svg(spec, vl_version=version)
            png = vlc.vegalite_to_png(spec, vl_version=version, scale=2)
            for suffix, payload in ((".svg", svg.encode("utf-8")), (".png", png)):
                name = f"{figure.id}{suffix}"
                (staging / name).write_bytes(payload)
                rendered.append((name, payload))
        return keep([name for name, _ in rendered])
