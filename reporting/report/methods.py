"""Methods and provenance, for people: how each result was made, in words, and the caveats in full.

For each result, a short table in words: what made it, the survey, the design (strata, clusters, weights), the
calibration (to what, within what), how the questionnaire's items were found in the file, the intervals, the
suppression rule; for simulations the cohort, replications and seed, and the model's assumptions. Inputs are
named by file name and SHA-256, never by a local path (the report is meant to be shared); the full metadata stays
in a collapsible block, paths reduced to file names. The rules the report applies are listed with their sources
in the PSA 23 documents ("000:460"), which the reader text leaves out. Caveats come from the `caveats` key of the
result's metadata and of its inputs' metadata (followed through their sidecars, so that a report on estimates
from a synthetic file says the data are synthetic), and from any note marked SYNTHETIC.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.labels import survey_key, survey_name
from reporting.report.model import Collapsible, Paragraph, Section, Table
from reporting.report.words import reader_text
from reporting.results import Result
from safer_io.sidecars import sidecar_path

CHAIN_DEPTH = 4
"""How many steps back through inputs' sidecars caveats are looked for."""
SYNTHETIC_CAVEAT = ("SYNTHETIC DATA: the survey files behind these results are drawn from a synthetic population "
                    "calibrated to published headline figures. No real respondent, council or force is described.")
MAX_SUMMARY = 4
"""At most this many short lines in the caveat box at the top."""
RULES = {
    "estimate": ("Estimates", "95 per cent confidence interval at last outturn; published as '17.5 +/- 0.6 per "
                 "cent'", "000:605-609, 000:632"),
    "change": ("Change", "whether the change could have arisen from random year-on-year variation; minimum "
               "movement required for performance assessment", "000:460, 000:632-634"),
    "peers": ("Peers", "performance in comparison with most similar areas or forces", "004:270, 004:187"),
    "targets": ("Targets", "an agreed target on a trajectory towards the benchmark", "000:572-574"),
    "sae": ("Small areas", "the BCS prevents accurate discrimination below national level", "000:551"),
    "simulate run": ("Re-offending", "proven re-offences per 100 offenders in a Q1 cohort, one year's follow-up",
                     "000:695-717"),
    "simulate project": ("A.38", "adult, youth and serious re-offending each lower in 2011 than in 2004 Q1; cohort "
                         "results are 'actual results, not samples'", "000:695, 000:726-728"),
    "simulate sweep": ("Assumptions", "every intervention effect is an assumption with a stated range",
                       "DOMAIN.md section 4"),
}
"""Command -> (topic, the rule the report applies, where the PSA 23 documents state it)."""
PATH = re.compile(r"(?:[A-Za-z]:)?[/\\](?:[^\s/\\'\"(),;:]+[/\\])+([^\s/\\'\"(),;:]+)")
"""An absolute path inside a text (the last part, the file name, is kept)."""


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


def short_caveat(text: str) -> str:
    """One caveat cut to a line for the box at the top: its first sentence, without references, lists of
    internal names or the scenario it was raised for."""
    text = reader_text(text)
    text = re.sub(r"^[\w ]+? (?:minus baseline|percent change): ", "", text)
    text = re.sub(r"\s*\([^()]*[/\\][^()]*\)", "", text)  # a file named in brackets
    text = re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+(?:, [a-z]+(?:_[a-z0-9]+)+)+\b", "some measures", text)
    first = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0].rstrip(";")
    first = first[0].upper() + first[1:] if first else first
    return first if first.endswith(".") else first + "."


def caveat_summary(full: list[str]) -> list[str]:
    """The caveats folded: each once in its short form (near-copies merged), at most `MAX_SUMMARY` lines."""
    short = list(dict.fromkeys(short_caveat(c) for c in full))
    if len(short) > MAX_SUMMARY:
        short = short[: MAX_SUMMARY - 1] + [f"{len(short) - MAX_SUMMARY + 1} more notes, under Methods."]
    return short


def without_paths(payload: Any) -> Any:
    """The metadata with every absolute path reduced to its file name (keys too)."""
    if isinstance(payload, str):
        return PATH.sub(r"\1", payload)
    if isinstance(payload, dict):
        return {without_paths(str(k)): without_paths(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [without_paths(v) for v in payload]
    return payload


def design_words(design: dict[str, Any]) -> str:
    """"45,606 rows; 42 strata ('stratum'); 2,073 clusters ('psu'); weights 'weight'"."""
    parts = []
    if design.get("rows"):
        parts.append(f"{int(design['rows']):,} respondents")
    if design.get("strata"):
        parts.append(f"stratified by '{design['strata']}' ({int(design.get('n_strata') or 0):,} strata)")
    if design.get("psu"):
        parts.append(f"clustered in '{design['psu']}' ({int(design.get('n_psu') or 0):,} primary sampling units)")
    else:
        parts.append("no clustering")
    if design.get("weight"):
        parts.append(f"weights '{design['weight']}'")
    if design.get("replicates"):
        parts.append(f"replicate weights ({design['replicates']})")
    return "; ".join(parts)


def calibration_words(design: dict[str, Any]) -> str:
    """"raking to age band and sex within each of 10 regions"."""
    steps = []
    for step in design.get("calibrations") or []:
        variables = " and ".join(str(v).replace("_", " ") for v in step.get("variables") or [])
        groups = step.get("groups") or []
        within = f" within each of {step.get('n_groups')} {', '.join(groups)} groups" if groups else ""
        steps.append(f"{step.get('method', 'calibration')} to {variables or 'totals'}{within}")
    return "; ".join(steps) or "none"


def mapping_words(mapping: dict[str, Any]) -> str:
    """"23 items bound to columns: 21 by their id, 2 by --map"."""
    items = mapping.get("items") or {}
    if not items:
        return ""
    how = Counter(str((v or {}).get("found_by", "given")) for v in items.values() if isinstance(v, dict))
    return f"{len(items)} questionnaire items found in the file: " + ", ".join(f"{n} by {k}" for k, n in how.items())


def method_rows(result: Result) -> pd.DataFrame:
    """What, how and from what one result was made, in words, as (item, detail) rows."""
    meta = result.metadata
    params = meta.get("parameters") or {}
    rows: list[tuple[str, str]] = [
        ("File", result.path.name),
        ("Made by", f"safer {meta.get('command', '')} (version {meta.get('version', 'unknown')})"),
    ]
    survey = survey_key(result.table, meta)
    if survey:
        named = meta.get("questionnaire")
        questionnaire: dict[str, Any] = named if isinstance(named, dict) else {}
        edition = f", questionnaire edition {questionnaire['version']}" if questionnaire.get("version") else ""
        rows.append(("Survey", f"{survey_name(survey)}{edition}"))
    design = meta.get("design") if isinstance(meta.get("design"), dict) else None
    if design:
        rows.append(("Design", design_words(design)))
        rows.append(("Calibration", calibration_words(design)))
    if isinstance(meta.get("mapping"), dict) and mapping_words(meta["mapping"]):
        rows.append(("Items", mapping_words(meta["mapping"])))
    if "ci" in params or "level" in params:
        rows.append(("Intervals", f"{params.get('ci', 'logit')} method, {100 * float(params.get('level') or 0.95):g}%"
                                  " confidence"))
    if "min_base" in params:
        rule = "suppressed (left blank)" if params.get("suppress", True) else "flagged as low bases"
        rows.append(("Small bases", f"estimates on fewer than {params['min_base']} respondents are {rule}"))
    for key, label in (("peer_mean", "Peer mean"), ("trajectory", "Trajectory"), ("status", "Status")):
        if isinstance(meta.get(key), str):
            rows.append((label, meta[key]))
    if str(meta.get("command", "")).startswith("simulate"):
        for key, label in (("cohort", "Cohort"), ("size", "Offenders simulated"), ("adult_size", "Adults a year"),
                           ("youth_size", "Youths a year"), ("replications", "Replications"), ("seed", "Seed")):
            if params.get(key) is not None:
                rows.append((label, f"{params[key]:,}" if isinstance(params[key], int) else str(params[key])))
        scenarios = params.get("scenario") or []
        if scenarios:
            rows.append(("Scenarios", ", ".join(Path(str(s)).stem for s in scenarios)))
    return pd.DataFrame(rows, columns=["Item", "Detail"])


def inputs_table(result: Result) -> Table | None:
    """The input files of one result, by file name and SHA-256."""
    inputs = result.metadata.get("inputs") or {}
    if not inputs:
        return None
    frame = pd.DataFrame({"Input file": [Path(str(p)).name for p in inputs], "SHA-256": [str(d) for d in
                                                                                          inputs.values()]})
    return Table(frame, f"{result.path.name}: input files")


def rules_table(results: list[Result]) -> Table | None:
    """The rules the report applies, with where the PSA 23 documents state them."""
    commands = list(dict.fromkeys(r.command for r in results if r.command in RULES))
    if not commands:
        return None
    frame = pd.DataFrame([{"Topic": RULES[c][0], "Rule": RULES[c][1], "Source": RULES[c][2]} for c in commands])
    return Table(frame, "Rules applied and their sources (file:line in the PSA 23 documents)")


def methods_section(results: list[Result]) -> list[Section]:
    """The closing sections: methods in words per result, the rules and their sources, and the caveats in full."""
    section = Section("methods", "Methods and provenance")
    section.blocks.append(Paragraph(
        "Survey estimates are design-based: weighted, with standard errors that account for stratification, "
        "clustering and calibration (Taylor linearisation, or replicate weights where the file has them), and "
        "confidence intervals as named below. Simulated measures are means over replications, with Monte Carlo "
        "intervals. Every input is identified by its SHA-256, so a result can be traced and repeated."))
    rules = rules_table(results)
    if rules is not None:
        section.blocks.append(rules)
    sections = [section]
    listed_with: dict[tuple[str, ...], str] = {}
    for index, result in enumerate(results):
        sub = Section(f"methods-{index}", f"How {result.path.name} was made", level=3)
        sub.blocks.append(Table(method_rows(result), f"{result.path.name}: method"))
        assumptions = tuple(str(a) for a in result.metadata.get("assumptions") or [])
        if assumptions in listed_with:  # the same model: its assumptions once
            sub.blocks.append(Paragraph(f"Model assumptions: as for {listed_with[assumptions]}.", kind="note"))
        elif assumptions:
            listed_with[assumptions] = result.path.name
            sub.blocks.append(Table(pd.DataFrame({"Assumption": list(assumptions)}), "Model assumptions"))
        listed = inputs_table(result)
        if listed is not None:
            sub.blocks.append(listed)
        sub.blocks.append(Collapsible(f"Full metadata of {result.path.name}",
                                      json.dumps(without_paths(result.metadata), indent=1, default=str)))
        sections.append(sub)
    full = caveats(results)
    if full:
        notes = Section("caveats", "Caveats in full", level=3)
        notes.blocks += [Paragraph(without_paths(c), kind="caveat") for c in full]
        sections.append(notes)
    return sections
