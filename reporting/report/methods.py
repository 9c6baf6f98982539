"""Methods and provenance: how each result was made, from its metadata, and the caveats a reader must see.

For each result: the command, tool version, parameters, design and weighting, CI method and level, the
suppression rule, model assumptions, and every input with its SHA-256. Caveats come from the `caveats` key of
the result's metadata and of its inputs' metadata (followed through their sidecars, so that a report on
estimates from a synthetic file says the data are synthetic), and from any note marked SYNTHETIC.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result
from safer_io.sidecars import sidecar_path

CHAIN_DEPTH = 4
"""How many steps back through inputs' sidecars caveats are looked for."""
SYNTHETIC_CAVEAT = ("SYNTHETIC DATA: the survey files behind these results are drawn from a synthetic population "
                    "calibrated to published headline figures. No real respondent, council or force is described.")


def _strings(payload: Any) -> Iterator[str]:
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for value in payload.values():
            yield from _strings(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _strings(value)


def _input_metadata(metadata: dict[str, Any], depth: int, seen: set[Path]) -> Iterator[dict[str, Any]]:
    if depth <= 0:
        return
    for name in (metadata.get("inputs") or {}):
        sidecar = sidecar_path(Path(name))
        key = sidecar.resolve()
        if key in seen or not sidecar.exists():
            continue
        seen.add(key)
        try:
            payload = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(payload, dict):
            yield payload
            yield from _input_metadata(payload, depth - 1, seen)


def caveats(results: list[Result]) -> list[str]:
    """Every caveat of the results and of their inputs, each once, synthetic data first."""
    found: list[str] = []
    synthetic = False
    for result in results:
        chain = [result.metadata, *_input_metadata(result.metadata, CHAIN_DEPTH, set())]
        for metadata in chain:
            found += [str(c) for c in metadata.get("caveats") or []]
            synthetic = synthetic or any("SYNTHETIC" in text for text in _strings(metadata))
    unique = list(dict.fromkeys(found))
    if synthetic and not any("SYNTHETIC" in c for c in unique):
        unique.insert(0, SYNTHETIC_CAVEAT)
    return unique


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, sort_keys=True)
    return "" if value is None else str(value)


def method_rows(result: Result) -> pd.DataFrame:
    """What, how and from what one result was made, as (item, detail) rows."""
    meta = result.metadata
    params = meta.get("parameters") or {}
    rows: list[tuple[str, str]] = [
        ("file", str(result.path)),
        ("made by", f"safer {meta.get('command', '')} (version {meta.get('version', 'unknown')})"),
    ]
    if "ci" in params or "level" in params:
        rows.append(("intervals", f"{params.get('ci', 'logit')} method, level {params.get('level', 0.95)}"))
    if "min_base" in params:
        rule = "suppressed (blanked)" if params.get("suppress") else "flagged as low base"
        rows.append(("small bases", f"estimates on fewer than {params['min_base']} respondents are {rule}"))
    for key in ("design", "weighting", "model", "peer_mean", "method"):
        if key in meta:
            rows.append((key, _text(meta[key])))
    for assumption in meta.get("assumptions") or []:
        rows.append(("assumption", _text(assumption)))
    for key, value in params.items():
        rows.append((f"parameter {key}", _text(value)))
    for name, digest in (meta.get("inputs") or {}).items():
        rows.append(("input", f"{name} (SHA-256 {digest})"))
    return pd.DataFrame(rows, columns=["Item", "Detail"])


def methods_section(results: list[Result]) -> Section:
    """The closing section: caveats, then each result's method and provenance."""
    section = Section("methods", "Methods and provenance")
    section.blocks.append(Paragraph(
        "Survey estimates are design-based: weighted, with standard errors that account for stratification, "
        "clustering and calibration (Taylor linearisation, or replicate weights where the file has them), and "
        "confidence intervals as named below. Simulated measures are means over replications, with Monte Carlo "
        "intervals. Every input is identified by its SHA-256, so a result can be traced and repeated."))
    for caveat in caveats(results):
        section.blocks.append(Paragraph(caveat, kind="caveat"))
    for result in results:
        section.blocks.append(Table(method_rows(result), f"{result.path.name}: how it was made"))
    return section
