"""Tornado charts from a sweep: which assumption moves the answer most.

For each parameter, two bars from the result at its central value: one to the result at the low end of its
range, one to the result at the high end; parameters sorted by swing, largest at the top. A sweep run with
`--scenario` holds, per measure, the baseline, each scenario and each scenario minus the baseline: these have
different scales (a difference of a few re-offences per 100 beside rates of 150), so each gets its own panel,
the difference first, since that is the answer a policy reader wants.
"""

from __future__ import annotations

import pandas as pd

from reporting.numbers import rows_of
from reporting.publication import require_columns
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, expected, panel_figure, slug
from reporting.report.inputs import Inputs
from reporting.report.model import Paragraph, Section
from reporting.results import Result

SWEEP_COLUMNS = ("parameter", "measure", "base_value", "low_value", "high_value", "base_result", "low_result",
                 "high_result")
MEASURE_ORDER = ("frequency_per_100", "binary_rate_percent", "serious_per_100")
"""Headline measures first; others follow in the order of the file."""
DIFFERENCE = " minus baseline"


def tornado_data(rows: pd.DataFrame) -> pd.DataFrame:
    """Two bars per parameter (low end, high end), sorted by swing."""
    rows = rows.dropna(subset=["low_result", "high_result", "base_result"]).copy()
    rows["swing"] = (rows["high_result"].astype(float) - rows["low_result"].astype(float)).abs()
    rows = rows.sort_values("swing", ascending=False, kind="stable")
    records = []
    for r in rows_of(rows):
        for end, value, result in (("low end", r.low_value, r.low_result), ("high end", r.high_value, r.high_result)):
            records.append({"parameter": str(r.parameter), "end": end, "setting": value,
                            "base": float(r.base_result), "result": float(result), "swing": float(r.swing)})
    return pd.DataFrame(records, columns=["parameter", "end", "setting", "base", "result", "swing"])


def scenario_order(scenarios: list[str]) -> list[str]:
    """Differences from the baseline first, then the scenarios, then the baseline."""
    differences = [s for s in scenarios if s.endswith(DIFFERENCE)]
    levels = [s for s in scenarios if not s.endswith(DIFFERENCE) and s != "baseline"]
    return differences + levels + [s for s in scenarios if s == "baseline"]


def measure_words(measure: str) -> str:
    """"frequency_per_100" -> "frequency per 100"."""
    return measure.replace("_", " ")


def tornado_figure(rows: pd.DataFrame, measure: str, prefix: str) -> Figure | None:
    """The tornado chart of one measure: one panel per scenario (or one panel without scenarios)."""
    import altair as alt

    scenarios = (scenario_order(list(dict.fromkeys(rows["scenario"].astype(str)))) if "scenario" in rows.columns
                 else [""])
    colour = alt.Color("end:N", title="Parameter at", scale=alt.Scale(domain=["low end", "high end"],
                                                                       range=[OKABE_ITO[5], OKABE_ITO[3]]))
    panels, frames, parts = [], [], []
    for scenario in scenarios:
        mine = rows if not scenario else rows[rows["scenario"].astype(str) == scenario]
        data = tornado_data(mine)
        if data.empty:
            continue
        data.insert(0, "scenario", scenario or "all")
        order = list(dict.fromkeys(data["parameter"]))
        base_value = float(data["base"].iloc[0])
        y = alt.Y("parameter:N", sort=order, title=None)
        title = scenario or measure_words(measure)
        axis = "difference from baseline" if scenario.endswith(DIFFERENCE) else measure_words(measure)
        panels.append(alt.layer(
            alt.Chart(data).mark_bar(opacity=0.9, stroke="#000000", strokeWidth=0.5).encode(
                x=alt.X("base:Q", title=axis, scale=alt.Scale(zero=False)), x2="result:Q", y=y, color=colour),
            alt.Chart(pd.DataFrame({"base": [base_value]})).mark_rule(color="#000000").encode(x="base:Q"),
        ).properties(title=title, height=ROW_HEIGHT * 1.4 * len(order)))
        top = data.iloc[0]
        parts.append(f"{title}: central {base_value:.2f}, largest swing {top['parameter']} ({top['swing']:.2f})")
        frames.append(data)
    if not panels:
        return None
    data = pd.concat(frames, ignore_index=True)
    plotted = compact(data)
    described = (f"{measure_words(measure)}: the result at the central assumptions (black line) and, for each "
                 "parameter, bars to the result with it at the low or high end of its range"
                 + (", one panel per scenario, the difference from the baseline first" if scenarios != [""] else "")
                 + ". " + "; ".join(parts) + ".")
    title = f"Which assumptions matter: {measure_words(measure)}"
    return panel_figure(slug(prefix, "tornado", measure), title, panels, described, plotted,
                        expected(bar=len(data), rule=len(panels)), stacked=True)


def compact(data: pd.DataFrame) -> pd.DataFrame:
    """The values plotted, one row per scenario and parameter (both ends side by side), for readers and print."""
    rows = []
    for (scenario, parameter), part in data.groupby(["scenario", "parameter"], sort=False):
        ends = {str(r.end): r for r in rows_of(part)}
        low, high = ends.get("low end"), ends.get("high end")
        rows.append({"scenario": scenario, "parameter": parameter,
                     "low setting": str(getattr(low, "setting", "")), "high setting": str(getattr(high, "setting", "")),
                     "central result": float(part["base"].iloc[0]),
                     "result at low": getattr(low, "result", float("nan")),
                     "result at high": getattr(high, "result", float("nan")), "swing": float(part["swing"].iloc[0])})
    return pd.DataFrame(rows)


SWEEP_WORDS = ("Each parameter is moved to the ends of its plausible range with the others at their central values; "
               "the longer the bar, the more the answer depends on that assumption.")
DRAW_WORDS = ("Read off the projection's own draws (--uncertainty), where every assumption varies at once: for each "
              "assumption the replications are split at the median of its draws, and the bars go to the mean result "
              "in the lower and upper halves. The longer the bar, the more the answer depends on that assumption; "
              "with few draws the halves also differ by chance.")


def one_sweep_result(result: Result, index: int, drawn: bool = False) -> list[Section]:
    """The sensitivity section of one `simulate sweep` output, or (`drawn`) of a projection's tornado."""
    require_columns(result.table, SWEEP_COLUMNS, str(result.path))
    prefix = f"{'d' if drawn else 'w'}{index}"
    title = "Sensitivity of the projection to its assumptions" if drawn else "Sensitivity to assumptions"
    section = Section(slug(prefix, "sweep"), title)
    section.blocks.append(Paragraph(DRAW_WORDS if drawn else SWEEP_WORDS))
    table = result.table
    measures = list(dict.fromkeys(table["measure"].astype(str)))
    measures = [m for m in MEASURE_ORDER if m in measures] + [m for m in measures if m not in MEASURE_ORDER]
    for measure in measures:
        figure = tornado_figure(table[table["measure"].astype(str) == measure], measure, prefix)
        if figure is not None:
            section.blocks.append(figure)
    return [section]


def tornado_sections(inputs: Inputs) -> list[Section]:
    """The sensitivity part: every `simulate sweep` result in the order given, then the projections' tornadoes."""
    sections: list[Section] = []
    for index, result in enumerate(inputs.sweeps):
        sections += one_sweep_result(result, index)
    for index, result in enumerate(inputs.draw_tornadoes):
        sections += one_sweep_result(result, index, drawn=True)
    return sections
