"""Main points: the 3-8 sentences a report opens with, written from the results given.

Each sentence states an estimate with its interval and a judgement the results support: a change is called a
rise or a fall, an improvement or a deterioration, only when it is significant (its interval excludes zero), and
otherwise said not to be significant; an area is better or worse than the national value only when its interval
lies wholly on one side of it, by the indicator's polarity; a peer flag, a target status and an A.38 probability
are quoted as the results give them, with a warning when the replications behind a probability are too few.
Each kind of result writes its own sentences (most important first); `choose` takes them in turns, so that no
one result fills the box.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from reporting.labels import NATIONAL, Labeller, indicator_code, survey_key
from reporting.numbers import interval, missing, money_interval, percent, rows_of, scale
from reporting.report.crime_points import crime_change_points, crime_peer_points
from reporting.report.headline import domains_of, latest_period, level_percent
from reporting.report.inputs import Inputs
from reporting.report.profile import area_rows, find_area
from reporting.report.sae import area_names
from reporting.report.success import MIN_REPLICATIONS, probability_text, replications_of
from reporting.report.words import (
    BETTER,
    HIGHER,
    LOWER,
    WORSE,
    date_words,
    period_words,
    short_wording,
    versus,
    versus_words,
)
from reporting.results import Result

MOST, LEAST = 8, 3
DIFFERENCE = " minus baseline"


def named(labeller: Labeller, indicator: str, survey: str) -> str:
    """"NI 17 (perceptions of anti-social behaviour)"."""
    wording = labeller.wording(indicator, survey)
    return f"{indicator_code(indicator)} ({short_wording(wording)})" if wording else indicator_code(indicator)


def value(indicator: str, estimate: object, lower: object, upper: object, level: str = "95%") -> str:
    """"18.1% (95% interval 17.4 to 18.8)"."""
    f = scale(indicator)
    unit = "" if f == 1.0 else "%"
    if missing(estimate):
        return "not estimable"
    text = f"{f * float(estimate):.1f}{unit}"  # type: ignore[arg-type]
    if missing(lower) or missing(upper):
        return text
    return f"{text} ({level} interval {f * float(lower):.1f} to {f * float(upper):.1f})"  # type: ignore[arg-type]


def estimate_points(inputs: Inputs) -> list[str]:
    """Per indicator: the national value, and how many areas lie better or worse than it."""
    points = []
    labeller = inputs.labeller
    for result in inputs.estimates:
        survey = survey_key(result.table, result.metadata)
        latest, period = latest_period(result.table)
        when = f" in the {period}" if period and period[0].isdigit() and "to" in period else (
            f", {period}" if period else "")
        for indicator in dict.fromkeys(latest["indicator"].astype(str)):
            rows = latest[latest["indicator"].astype(str) == indicator]
            overall = rows[rows["domain"].astype(str) == NATIONAL]
            if overall.empty or missing(overall["estimate"].iloc[0]):
                continue
            o = overall.iloc[0]
            text = (f"{named(labeller, indicator, survey)}: "
                    f"{value(indicator, o.estimate, o.ci_lower, o.ci_upper, level_percent(result))} "
                    f"for {labeller.national_in_text()}{when}")
            polarity = labeller.polarity(indicator, survey)
            for domain in domains_of(rows)[:1]:
                areas = rows[(rows["domain"].astype(str) == domain)].dropna(subset=["estimate"])
                positions = [versus(lo, hi, o.estimate, polarity) for lo, hi in zip(areas["ci_lower"],
                                                                                    areas["ci_upper"], strict=True)]
                up, down = (WORSE, BETTER) if polarity else (HIGHER, LOWER)
                text += (f"; {positions.count(up)} of {len(areas)} {labeller.domain(domain, True)} are {up} than "
                         f"that, {positions.count(down)} {down}")
            points.append(text + ".")
    return points


def change_points(inputs: Inputs) -> list[str]:
    """National changes, significant or not, in words that claim a change only when it is significant."""
    points = []
    labeller = inputs.labeller
    for result in inputs.changes:
        survey = survey_key(result.table, result.metadata)
        table = result.table
        for r in rows_of(table[table["domain"].astype(str) == NATIONAL]):
            points.append(change_sentence(result, r, labeller, survey))
        areas = table[table["domain"].astype(str) != NATIONAL]
        for indicator, rows in areas.groupby(areas["indicator"].astype(str), sort=False):
            domain = str(rows["domain"].iloc[0])
            counts = rows["direction"].astype(str).value_counts()
            points.append(
                f"{named(labeller, str(indicator), survey)}: of {len(rows)} {labeller.domain(domain, True)}, "
                f"{int(counts.get('improved', 0))} improved significantly and {int(counts.get('deteriorated', 0))} "
                f"deteriorated; the rest show no significant change.")
    return points


def change_sentence(result: Result, r: object, labeller: Labeller, survey: str) -> str:
    """One national change in words."""
    indicator = str(r.indicator)  # type: ignore[attr-defined]
    f = scale(indicator)
    base = period_words(r.base_period, result.metadata) or "the base period"  # type: ignore[attr-defined]
    current = period_words(r.current_period, result.metadata) or "the current period"  # type: ignore[attr-defined]
    start = f"{f * float(r.base_estimate):.1f}%"  # type: ignore[attr-defined]
    end = f"{f * float(r.current_estimate):.1f}%"  # type: ignore[attr-defined]
    amount = (f"{f * float(r.change):+.1f} points (95% interval {f * float(r.ci_lower):+.1f} to "  # type: ignore[attr-defined]
              f"{f * float(r.ci_upper):+.1f})")  # type: ignore[attr-defined]
    significant = bool(r.significant) and not missing(r.ci_lower)  # type: ignore[attr-defined]
    name = named(labeller, indicator, survey)
    if not significant:
        return (f"{name} was {start} in {base} and {end} in {current}; the difference of {amount} is not "
                "significant, so no change can be claimed.")
    moved = "rose" if float(r.change) > 0 else "fell"  # type: ignore[attr-defined]
    judged = {"improved": "a significant improvement", "deteriorated": "a significant deterioration"}.get(
        str(r.direction), "a significant change")  # type: ignore[attr-defined]
    return f"{name} {moved} from {start} in {base} to {end} in {current}, a change of {amount}: {judged}."


def peer_points(inputs: Inputs) -> list[str]:
    """Per indicator: how many areas differ significantly from their peers, and the largest gap."""
    points = []
    labeller = inputs.labeller
    for result in inputs.peers:
        survey = survey_key(result.table, result.metadata)
        table = result.table
        for indicator, rows in table.groupby(table["indicator"].astype(str), sort=False):
            f = scale(str(indicator))
            flags = rows["flag"].astype(str)
            worse, better = int(flags.str.contains("worse").sum()), int(flags.str.contains("better").sum())
            domain = str(rows["domain"].iloc[0])
            ranked = rows.assign(_gap=rows["difference"].abs()).sort_values("_gap", ascending=False)
            flagged = ranked[~flags.loc[ranked.index].str.contains("not")]
            top = (flagged if len(flagged) else ranked).iloc[0]
            gap = (f"{labeller.area(top['domain'], top['domain_value'])}, {f * float(top['estimate']):.1f}% against "
                   f"a peer mean of {f * float(top['peer_mean']):.1f}% (difference {f * float(top['difference']):+.1f}"
                   f" points, 95% interval {f * float(top['difference_ci_lower']):+.1f} to "
                   f"{f * float(top['difference_ci_upper']):+.1f})")
            if worse or better:
                points.append(f"Against their peer groups on {named(labeller, str(indicator), survey)}, {worse} of "
                              f"{len(rows)} {labeller.domain(domain, True)} are significantly worse and {better} "
                              f"significantly better; the largest such gap: {gap}.")
            else:
                points.append(f"On {named(labeller, str(indicator), survey)} no {labeller.domain(domain)} differs "
                              f"significantly from its peer-group mean; the largest difference: {gap}.")
    return points


def target_points(inputs: Inputs) -> list[str]:
    """Each target's status, with the latest estimate and its interval against the trajectory."""
    points = []
    labeller = inputs.labeller
    for result in inputs.targets:
        survey = survey_key(result.table, result.metadata)
        table = result.table
        order = "latest_date" if "latest_date" in table.columns else "latest_period"
        latest = table.sort_values(order, kind="stable").groupby(
            ["indicator", "domain", "domain_value"], sort=False).tail(1)
        for r in rows_of(latest):
            indicator = str(r.indicator)
            f = scale(indicator)
            chance = ("" if missing(r.probability_on_track)
                      else f", probability on track {percent(r.probability_on_track)}")
            status = "cannot tell (the interval straddles the trajectory)" if str(r.status) == "cannot tell" else str(
                r.status)
            points.append(
                f"Target for {named(labeller, indicator, survey)} in {labeller.area(r.domain, r.domain_value)}, "
                f"{f * float(r.target_value):.1f}% by {date_words(r.target_date) or r.target_date}: latest "
                f"{value(indicator, r.latest_estimate, r.ci_lower, r.ci_upper)} ({r.latest_period}) against a "
                f"trajectory of {f * float(r.trajectory_value):.1f}%: {status}{chance}.")
    return points


def sae_points(inputs: Inputs) -> list[str]:
    """The spread of model-based estimates and how much the model narrows the intervals."""
    points = []
    labeller = inputs.labeller
    for result in inputs.sae:
        survey = survey_key(result.table, result.metadata)
        domain = str(result.metadata.get("domain") or "")
        names = area_names(result, inputs)
        for indicator, rows in result.table.groupby(result.table["indicator"].astype(str), sort=False):
            rows = rows.dropna(subset=["eblup"]).sort_values("eblup")
            if rows.empty:
                continue
            f = scale(str(indicator))
            low, high = rows.iloc[0], rows.iloc[-1]
            sampled = rows.dropna(subset=["direct_se"])  # the same areas on both sides of the comparison
            direct = (f * 1.959963984540054 * sampled["direct_se"]).mean()
            model = (f * (sampled["ci_upper"] - sampled["ci_lower"]) / 2).mean()
            where = labeller.domain(domain, True) if domain else "areas"
            points.append(
                f"Model-based estimates of {named(labeller, str(indicator), survey)} for {len(rows)} {where} run "
                f"from {value(str(indicator), low.eblup, low.ci_lower, low.ci_upper)} in "
                f"{names.get(str(low.area), low.area)} to "
                f"{value(str(indicator), high.eblup, high.ci_lower, high.ci_upper)}"
                f" in {names.get(str(high.area), high.area)}; for the {len(sampled)} with a sample the model "
                f"{'narrows' if model < direct else 'does not narrow'} the average interval: +/-{model:.1f} points "
                f"against +/-{direct:.1f} from the survey alone.")
    return points


def run_points(inputs: Inputs) -> list[str]:
    """Each scenario's headline rate against the baseline, judged by the interval of the paired difference."""
    points = []
    for result in inputs.runs:
        table = result.table
        rows = table[(table["group"].astype(str) == "all") & (table["measure"] == "frequency_per_100")]
        base = rows[rows["scenario"].astype(str) == "baseline"]
        for r in rows_of(rows[rows["scenario"].astype(str).str.endswith(DIFFERENCE)]):
            scenario = str(r.scenario).removesuffix(DIFFERENCE)
            level = rows[rows["scenario"].astype(str) == scenario]
            if level.empty or base.empty or missing(r.mean):
                continue
            amount = interval(r.mean, r.ci_lower, r.ci_upper, 1)
            if not missing(r.ci_upper) and float(r.ci_upper) < 0:
                verdict = "is significant: fewer proven re-offences"
            elif not missing(r.ci_lower) and float(r.ci_lower) > 0:
                verdict = ("is significant: more proven re-offences (proven, not committed: a scheme that catches "
                           "more offenders can raise it while preventing crime)")
            else:
                verdict = "is not significant: no difference can be claimed"
            points.append(
                f"Simulated {scenario} scenario: {interval(*level[['mean', 'ci_lower', 'ci_upper']].iloc[0])} proven "
                f"re-offences per 100 offenders against {interval(*base[['mean', 'ci_lower', 'ci_upper']].iloc[0])} "
                f"under the baseline; the paired difference of {amount} {verdict}.")
    return points


def success_points(inputs: Inputs) -> list[str]:
    """The A.38 answer: the probability under the baseline and the best scenario, with a warning when thin."""
    points = []
    for result in inputs.success:
        table = result.table
        met = table[table["criterion"].astype(str) == "all"]
        if met.empty:
            continue
        count = replications_of(table)
        thin = (f" These come from only {count} replications, too few to rely on (at least {MIN_REPLICATIONS} "
                "are needed)." if count is not None and count < MIN_REPLICATIONS else "")
        parts = []
        for r in rows_of(met):
            text = probability_text(r.probability, r.ci_lower, r.ci_upper)
            judged = ("" if missing(r.ci_upper) else " (unlikely)" if float(r.ci_upper) < 0.5
                      else " (likely)" if float(r.ci_lower) > 0.5 else " (uncertain)")
            parts.append(f"{r.scenario} {text}{judged}")
        points.append("Probability of meeting A.38 (adult, youth and serious re-offending all lower in 2011 than in "
                      "2004): " + "; ".join(parts[:4]) + ("; others in the table below" if len(parts) > 4 else "")
                      + "." + thin)
    return points


def projection_points(inputs: Inputs) -> list[str]:
    """The baseline's A.38 measures in 2011 against 2004, each judged by where its 2011 interval lies."""
    from reporting.report.projection import BASELINE_YEAR, TARGET_YEAR, a38_rows, count_interval

    points = []
    for result in inputs.projections:
        parts = []
        for title, rows in a38_rows(result.table):
            mine = rows[rows["scenario"].astype(str) == "baseline"]
            first = mine[mine["year"].astype(int) == BASELINE_YEAR]
            last = mine[mine["year"].astype(int) == TARGET_YEAR]
            if first.empty or last.empty:
                continue
            start, end = count_interval(first), count_interval(last)
            side = versus(end[1], end[2], start[0], "lower")
            words = {BETTER: f"below {BASELINE_YEAR}", WORSE: f"above {BASELINE_YEAR}"}.get(
                side, f"not clearly different from {BASELINE_YEAR}")
            parts.append(f"{title[0].lower() + title[1:]} {interval(*end)} in {TARGET_YEAR} against "
                         f"{interval(*start)} in {BASELINE_YEAR}, {words}")
        if parts:
            points.append("Under the baseline projection: " + "; ".join(parts) + ".")
    return points


def cost_points(inputs: Inputs) -> list[str]:
    """The net cost per offence averted of each scenario that has one, cheapest first."""
    points = []
    for result in inputs.costs:
        table = result.table
        rows = table[table["item"].astype(str) == "net_cost_per_offence_averted"]
        rows = rows.assign(_sort=pd.to_numeric(rows["mean"], errors="coerce")).sort_values("_sort")
        parts = [f"{r.scenario} {money_interval(r.mean, r.ci_lower, r.ci_upper)}" for r in rows_of(rows)]
        if parts:
            points.append("Net cost per offence averted, against the baseline: " + "; ".join(parts[:4]) + ".")
    return points


def sweep_points(inputs: Inputs) -> list[str]:
    """Which assumption moves the headline answer most."""
    points = []
    for result in inputs.sweeps:
        table = result.table.dropna(subset=["low_result", "high_result"])
        if table.empty:
            continue
        measures = list(dict.fromkeys(table["measure"].astype(str)))
        measure = "frequency_per_100" if "frequency_per_100" in measures else measures[0]
        rows = table[table["measure"].astype(str) == measure]
        if "scenario" in rows.columns and rows["scenario"].astype(str).str.endswith(DIFFERENCE).any():
            rows = rows[rows["scenario"].astype(str).str.endswith(DIFFERENCE)]
        swing = (rows["high_result"].astype(float) - rows["low_result"].astype(float)).abs()
        top = rows.iloc[int(swing.to_numpy().argmax())]
        which = f" ({top['scenario']})" if "scenario" in rows.columns else ""
        points.append(
            f"Of the assumptions varied, {top['parameter']} moves {measure.replace('_', ' ')}{which} most: from "
            f"{float(top['low_result']):.1f} to {float(top['high_result']):.1f} across its range "
            f"({top['low_value']} to {top['high_value']}), against {float(top['base_result']):.1f} at its central "
            "value.")
    return points


def area_points(inputs: Inputs) -> list[str]:
    """For each `--area`: the indicators on which it differs from the national value."""
    points = []
    labeller = inputs.labeller
    for wanted in inputs.areas:
        domain, code = find_area(inputs, wanted)
        parts = []
        for item in area_rows(inputs, domain, code):
            survey = survey_key(item.result.table, item.result.metadata)
            r = item.row
            position = versus(r["ci_lower"], r["ci_upper"], item.national, labeller.polarity(item.indicator, survey))
            shown = value(item.indicator, r["estimate"], r["ci_lower"], r["ci_upper"])
            model = " (model-based)" if item.model_based else ""
            where = "" if item.national is None else f", {versus_words(position, labeller.national_in_text())}"
            parts.append(f"{indicator_code(item.indicator)}{model} {shown}{where}")
        if parts:
            points.append(f"{labeller.area(domain, code)}: " + "; ".join(parts[:4]) + ".")
    return points


POINT_MAKERS: list[Callable[[Inputs], list[str]]] = [
    area_points, target_points, change_points, crime_change_points, crime_peer_points, success_points, run_points,
    estimate_points, peer_points, projection_points, cost_points, sae_points, sweep_points,
]
"""Who writes main points, most important first; a section module for a new command appends its own."""


def choose(groups: list[list[str]], most: int = MOST) -> list[str]:
    """Up to `most` points, taken in turns from each group (in order), so that every kind of result is heard."""
    chosen: list[str] = []
    depth = 0
    while len(chosen) < most and any(depth < len(g) for g in groups):
        for group in groups:
            if depth < len(group) and len(chosen) < most:
                chosen.append(group[depth])
        depth += 1
    return chosen


NAMED = re.compile(r"((?:NI \d+|PSA \d+ indicator \d+)) \((?!model-based\))([^()]*)\)")
"""An indicator named with its wording in a sentence: "NI 17 (perceptions of anti-social behaviour)"."""


def name_once(points: list[str]) -> list[str]:
    """Each indicator's wording only where it is first named; later points use its code alone."""
    seen: set[str] = set()
    shortened = []
    for point in points:
        def first_time(match: re.Match[str]) -> str:
            if match.group(1) in seen:
                return match.group(1)
            seen.add(match.group(1))
            return match.group(0)

        shortened.append(NAMED.sub(first_time, point))
    return shortened


def main_points(inputs: Inputs) -> list[str]:
    """The main points of a report: 3-8 sentences when the results hold that many (fewer only when they do not)."""
    return name_once(choose([maker(inputs) for maker in POINT_MAKERS]))
