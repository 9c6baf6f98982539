"""Writing a report: the HTML file (atomic), its sidecar, and the figures as SVG and PNG when asked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reporting.errors import ReportInputError
from reporting.report.build import ReportOptions, make_report
from reporting.report.html import render
from safer_io.outputs import atomic_path, check_outputs
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path


def write_report(paths: Sequence[Path], out: Path, options: ReportOptions | None = None,
                 figures: Path | None = None) -> dict[str, Any]:
    """Build the report of `paths` into `out` (and figures into `figures`); returns its metadata."""
    options = options or ReportOptions()
    if out.suffix.lower() not in (".html", ".htm"):
        raise ReportInputError(f"--out {out}: a report is an HTML file; give a name ending in .html.")
    if figures is not None and figures.exists() and not figures.is_dir():
        raise ReportInputError(f"--figures {figures}: is a file; give a folder.")
    check_outputs([out], list(paths))
    report = make_report(paths, options)
    page = render(report)
    parameters = {"results": [str(p) for p in paths], "title": options.title, "indicators": list(options.indicators),
                  "national_label": options.national_label, "figures": str(figures) if figures else None}
    meta = provenance("report", parameters, paths) | {
        "sections": [s.title for s in report.sections],
        "figures": {f.id: {"title": f.title, "marks": f.marks} for f in report.figures()},
        "caveats": report.caveats,
    }
    with atomic_path(out) as tmp, atomic_path(sidecar_path(out)) as tmp_meta:
        tmp.write_text(page, encoding="utf-8")
        tmp_meta.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    if figures is not None:
        from reporting.report.figures import write_figure_files

        meta["figure_files"] = [str(p) for p in write_figure_files(report.figures(), figures)]
    return meta


def report_command(*, results: list[Path], out: Path, title: str, indicator: list[str], national_label: str | None,
                   figures: Path | None) -> dict[str, Any]:
    """`safer report`: the options as the command line names them; returns the report's metadata."""
    options = ReportOptions(title=title, indicators=tuple(indicator), national_label=national_label)
    return write_report(results, out, options, figures)
