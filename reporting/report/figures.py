"""Charts of the report: Vega-Lite specs built with altair, each with its text alternative and expected marks.

A `Figure` carries the spec, a sentence describing what it shows (the text alternative, also the spec's ARIA
description), the table of plotted values (shown under the chart for screen readers and print), and the number
of marks of each kind the browser must draw, so that a test can check each chart really rendered. Colours are
the Okabe-Ito palette, safe for the common colour-vision deficiencies; colour never carries meaning alone
(shape or a legend label says it too). `write_figure_files` renders each chart to SVG and PNG with vl-convert,
which needs no browser and no network.
"""

from __future__ import annotations

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
ROW_HEIGHT = 18

VEGA_MARK = {"point": "symbol", "circle": "symbol", "square": "symbol", "tick": "rect", "bar": "rect",
             "rule": "rule", "line": "line", "area": "area", "text": "text", "rect": "rect"}
"""Vega-Lite mark -> the Vega mark type the browser draws (the class of its SVG group)."""


@dataclass
class Figure:
    """One chart in the report."""

    id: str
    """Stable identifier: the HTML element id and the file name under `--figures`."""
    title: str
    """Heading shown above the chart."""
    spec: dict[str, Any]
    """Vega-Lite specification (data inline)."""
    description: str
    """Text alternative: what the chart shows, in one or two sentences."""
    data: pd.DataFrame
    """The values plotted, as a table for readers who cannot see the chart."""
    marks: dict[str, int] = field(default_factory=dict)
    """Vega mark type -> number of SVG items the browser must draw (area and line: one per series)."""


def slug(*parts: Any) -> str:
    """A stable identifier from parts: ("forest", "NI17", "la") -> "forest-ni17-la"."""
    text = "-".join(str(p) for p in parts if str(p))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "figure"


def configure(chart: Any, title: str, description: str, subtitle: str = "") -> dict[str, Any]:
    """The final spec: fonts, palette, ARIA description, no actions; returned as a plain dict."""
    import altair as alt

    heading = alt.TitleParams(text=title, subtitle=subtitle) if subtitle else title
    chart = chart.properties(title=heading, description=description).configure(
        font=FONT, padding=8,
        range={"category": list(OKABE_ITO)},
        axis={"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
        legend={"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom", "direction": "horizontal"},
        title={"fontSize": 14, "anchor": "start", "subtitleFontSize": 12, "subtitleColor": "#505a5f",
               "limit": WIDTH + 120},
        view={"stroke": None},
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


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
            svg = vlc.vegalite_to_svg(figure.spec, vl_version=version)
            png = vlc.vegalite_to_png(figure.spec, vl_version=version, scale=2)
            for suffix, payload in ((".svg", svg.encode("utf-8")), (".png", png)):
                name = f"{figure.id}{suffix}"
                (staging / name).write_bytes(payload)
                rendered.append((name, payload))
        return keep([name for name, _ in rendered])
