"""Writing a report: the figures as SVG and PNG when asked, then the HTML file and its sidecar.

All or nothing: the figures are written first, all into a staging folder renamed into place only when every one
is there (`figures.write_figure_files`), and the page last, so a failure or an interrupt leaves neither a page
without its figures nor half the figures. An input let through by `--trust-edited` heads the page's caveats.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reporting.errors import ReportInputError
from reporting.report.build import ReportOptions, make_report
from reporting.report.html import render
from safer_io.checking import checks_done
from safer_io.outputs import atomic_path, check_outputs, json_text
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path
from safer_io.verification import edited_inputs, sidecar_metadata, takes_trust_edited


def write_report(paths: Sequence[Path], out: Path, options: ReportOptions | None = None,
                 figures: Path | None = None) -> dict[str, Any]:
    """Build the report of `paths` into `out` (and figures into `figures`); returns its metadata."""
    options = options or ReportOptions()
    if out.suffix.lower() not in (".html", ".htm"):
        raise ReportInputError(f"--out {out}: a report is an HTML file; give a name ending in .html.")
    if figures is not None and figures.exists() and not figures.is_dir():
        raise ReportInputError(f"--figures {figures}: is a file; give a folder.")
    check_outputs([out], [*paths, options.labels])
    checks_done()
    report = make_report(paths, options)
    edited = [edited_caveat(entry) for entry in edited_inputs()]
    report.caveats[:0] = edited
    report.caveat_summary[:0] = edited  # in full at the top: a reader must not miss it in the folded box
    page = render(report)
    parameters = {"results": [str(p) for p in paths], "title": options.title, "indicators": list(options.indicators),
                  "national_label": options.national_label, "figures": str(figures) if figures else None,
                  "areas": list(options.areas), "labels": str(options.labels) if options.labels else None}
    inputs = [*paths, options.labels] if options.labels else list(paths)
    meta = provenance("report", parameters, inputs) | {
        "main_points": report.main_points,
        "sections": [s.title for s in report.sections],
        "figures": {f.id: {"title": f.title, "marks": f.marks} for f in report.figures()},
        "caveats": report.caveats,
    }
    # All or nothing: every figure is written before the page, so a folder that cannot take them (or an
    # interrupt) leaves no report.html that points at figures that are not there.
    if figures is not None:
        from reporting.report.figures import write_figure_files

        meta["figure_files"] = [str(p) for p in write_figure_files(report.figures(), figures)]
    with atomic_path(out) as tmp, atomic_path(sidecar_path(out)) as tmp_meta:
        tmp.write_text(page, encoding="utf-8")
        tmp_meta.write_text(json_text(sidecar_metadata(meta, tmp, out)), encoding="utf-8")
    return meta


@takes_trust_edited
def report_command(*, results: list[Path], out: Path, title: str, indicator: list[str], national_label: str | None,
                   figures: Path | None, area: Sequence[str] = (), labels: Path | None = None) -> dict[str, Any]:
    """`safer report`: the options as the command line names them; returns the report's metadata."""
    options = ReportOptions(title=title, indicators=tuple(indicator), national_label=national_label,
                            areas=tuple(area), labels=labels)
    return write_report(results, out, options, figures)


def edited_caveat(entry: dict[str, str]) -> str:
    """What the report says of an input let through by --trust-edited."""
    return (f"EDITED INPUT: {entry['path']} has changed since safer wrote it (its SHA-256 is not the one recorded in "
            f"{entry['record']}). It was used because of --trust-edited: its figures are not safer's, and this "
            "report cannot vouch for them.")
