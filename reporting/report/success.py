"""The A.38 answer first: the probability that each scenario meets the PSA 23 re-offending test.

Success means the adult rate, the youth rate and serious re-offending all lower in 2011 than in 2004 Q1. Each
probability is the share of replications in which a criterion is met, so it is only as good as the number of
replications behind it: below `MIN_REPLICATIONS` the chart carries a warning, and a missing probability (a
criterion that cannot be judged, e.g. youth when uncalibrated) reads "not estimable" and is listed, not drawn.
"""

from __future__ import annotations

import pandas as pd

from reporting.numbers import NOT_ESTIMABLE, missing, percent, rows_of
from reporting.report.figures import OKABE_ITO, ROW_HEIGHT, Figure, expected, panel_figure, slug
from reporting.report.model import Table

SUCCESS_COLUMNS = ("scenario", "criterion", "probability", "ci_lower", "ci_upper")
CRITERIA = {"all": "all three lower (A.38 met)", "adult": "adult rate lower", "youth": "youth rate lower",
            "serious": "serious re-offending lower"}
"""Criterion codes of the success table -> words, the overall answer first."""
MIN_REPLICATIONS = 50
"""Fewer replications than this give a probability too coarse to act on: at 50 its 95% interval is still about
+/-14 points at a probability of one half (binomial standard error 7 points)."""


def replications_of(table: pd.DataFrame) -> int | None:
    """The (smallest) number of replications behind the probabilities, when the table says."""
    if "replications" not in table.columns:
        return None
    counts = pd.to_numeric(table["replications"], errors="coerce").dropna()
    return int(counts.min()) if len(counts) else None


def too_few_warning(table: pd.DataFrame) -> str:
    """The warning shown above the A.38 chart when the replications are too few ("" when enough)."""
    count = replications_of(table)
    if count is None or count >= MIN_REPLICATIONS:
        return ""
    return (f"Too few replications to read these probabilities: each comes from only {count} replications, so "
            f"it can move by tens of points from one seed to the next. Run at least {MIN_REPLICATIONS} "
            "(--replications) before quoting them.")


def probability_text(probability: object, lower: object, upper: object) -> str:
    """"12% (0% to 35%)"; "not estimable" when the probability is missing."""
    if missing(probability):
        return NOT_ESTIMABLE
    if missing(lower) or missing(upper):
        return f"{percent(probability)} (interval not estimable)"
    return f"{percent(probability)} ({percent(lower)} to {percent(upper)})"


def success_table(table: pd.DataFrame) -> Table:
    """Scenario by criterion: probability with its interval, or "not estimable"."""
    criteria = [c for c in CRITERIA if c in set(table["criterion"].astype(str))]
    criteria += sorted(set(table["criterion"].astype(str)) - set(criteria))
    scenarios = list(dict.fromkeys(table["scenario"].astype(str)))
    shown = pd.DataFrame({"Scenario": scenarios})
    for criterion in criteria:
        cells = []
        for scenario in scenarios:
            hit = table[(table["scenario"].astype(str) == scenario) & (table["criterion"].astype(str) == criterion)]
            cells.append(NOT_ESTIMABLE if hit.empty else probability_text(*hit[["probability", "ci_lower",
                                                                               "ci_upper"]].iloc[0]))
        shown[CRITERIA.get(criterion, criterion)] = cells
    return Table(shown, "Probability of meeting A.38 (2011 lower than 2004), by scenario and criterion",
                 numeric=tuple(CRITERIA.get(c, c) for c in criteria))


TREND_COLUMNS = ("trend", "adult_factor", "youth_factor", "criterion", "probability", "ci_lower", "ci_upper")
TREND_WORDS = {"central": "fitted (central)", "fitted low": "fitted, low end of its 95% interval",
               "fitted high": "fitted, high end of its 95% interval", "flat": "flat",
               "rising 3%": "rising 3% a year"}
"""Trend settings of `simulate project`'s trend table, in words."""


def trend_table(table: pd.DataFrame) -> Table:
    """The baseline's P(A.38) under each setting of the trend after the last published year: how far the answer
    rests on the trend, which no figure after it pins down."""
    shown = success_table(table.rename(columns={"trend": "scenario"})).frame
    settings = list(dict.fromkeys(table["trend"].astype(str)))
    factors = {str(r.trend): (float(r.adult_factor), float(r.youth_factor)) for r in rows_of(table)}
    shown.insert(1, "Adult factor a year", [f"{factors[t][0]:.3f}" for t in settings])
    shown.insert(2, "Youth factor a year", [f"{factors[t][1]:.3f}" for t in settings])
    shown["Scenario"] = [TREND_WORDS.get(t, t) for t in settings]
    shown = shown.rename(columns={"Scenario": "Trend after the last published year"})
    return Table(shown, "Baseline probability of meeting A.38 against the trend after the last published year",
                 numeric=tuple(c for c in shown.columns if c != "Trend after the last published year"))


def success_figure(table: pd.DataFrame, prefix: str) -> Figure | None:
    """Probability of meeting each criterion, per scenario, with intervals: one panel per criterion."""
    import altair as alt

    rows = table.dropna(subset=["probability"])
    if rows.empty:
        return None
    data = pd.DataFrame({
        "scenario": rows["scenario"].astype(str).to_numpy(),
        "criterion": rows["criterion"].astype(str).map(lambda c: CRITERIA.get(c, c)).to_numpy(),
        "probability": 100 * rows["probability"].astype(float).to_numpy(),
        "lower": 100 * rows["ci_lower"].astype(float).fillna(rows["probability"]).to_numpy(),
        "upper": 100 * rows["ci_upper"].astype(float).fillna(rows["probability"]).to_numpy(),
    })
    scenarios = list(dict.fromkeys(table["scenario"].astype(str)))
    criteria = [c for c in CRITERIA.values() if c in set(data["criterion"])]
    criteria += sorted(set(data["criterion"]) - set(criteria))
    panels = []
    for number, criterion in enumerate(criteria):
        part = data[data["criterion"] == criterion]
        y = alt.Y("scenario:N", title=None, sort=scenarios)
        x = alt.X("probability:Q", title="probability (%)", scale=alt.Scale(domain=[0, 100]))
        base = alt.Chart(part)
        colour = "#000000" if criterion == CRITERIA["all"] else OKABE_ITO[number % len(OKABE_ITO)]
        panels.append(alt.layer(
            base.mark_rule(color=colour, strokeWidth=2).encode(x=alt.X("lower:Q", title="probability (%)",
                                                                       scale=alt.Scale(domain=[0, 100])),
                                                               x2="upper:Q", y=y),
            base.mark_point(filled=True, size=70, color=colour, opacity=1).encode(x=x, y=y),
        ).properties(title=criterion, height=ROW_HEIGHT * 1.5 * len(part) + 10))
    met = data[data["criterion"] == CRITERIA["all"]]
    parts = [f"{r.scenario} {r.probability:.0f}% ({r.lower:.0f}% to {r.upper:.0f}%)" for r in rows_of(met)]
    missing_rows = table[table["probability"].isna()]
    described = ("Probability that 2011 is lower than 2004, per criterion of A.38 and scenario, with 95% "
                 "intervals (one panel per criterion). "
                 + (("All three lower: " + "; ".join(parts) + ". ") if parts else "")
                 + ("Not estimable: " + ", ".join(f"{r.scenario} ({CRITERIA.get(str(r.criterion), r.criterion)})"
                                                  for r in rows_of(missing_rows)) + "." if len(missing_rows) else ""))
    title = "A.38: probability that 2011 is lower than 2004"
    return panel_figure(slug(prefix, "success"), title, panels, described.strip(), data,
                        expected(rule=len(data), point=len(data)), warning=too_few_warning(table))
