"""Recorded crime tables: rates (`crime rates`), the national view (`crime national`) and displacement
(`crime displacement`).

Rates are shown for the latest period of each kind, as offences per 1,000 residents with the count and the
population beside them (a rate can fall only because the population grew, footnote 6, 000:484) and the interval of
random variation. The national view gives the years the Annex names (2010-11, 2012-13) with their verdicts, and
every year against the base. Displacement lists the A.17 pairs, marking any year where the watched category fell
while its partner rose beyond random variation.
"""

from __future__ import annotations

import pandas as pd

from reporting.labels import Labeller, missing
from reporting.publication import require_columns
from reporting.report.crime_change import percent
from reporting.report.figures import slug
from reporting.report.model import Paragraph, Section, Table
from reporting.results import Result

RATE_COLUMNS = ("indicator", "area", "crime_type", "period", "count", "population", "rate", "rate_ci_lower",
                "rate_ci_upper")
NATIONAL_COLUMNS = ("indicator", "crime_type", "comparison", "base_period", "current_period", "current_count", "ratio",
                    "verdict", "view")
DISPLACEMENT_COLUMNS = ("pair", "area", "period", "watched_index", "partner_index", "watched_direction",
                        "partner_direction", "signal")


def rate_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The rates of the latest period, per indicator."""
    table = result.table
    require_columns(table, RATE_COLUMNS, str(result.path))
    section = Section(slug(f"cr{index}", "crime-rates"), "Recorded crime: rates")
    section.blocks.append(Paragraph(
        "Offences per 1,000 residents, with the count and the population: a rate can fall only because the "
        "population grew. The interval is the range of underlying rates that could have given the count by chance "
        "(an exact Poisson interval); recorded crime is not a sample and has no sampling error."))
    for indicator in dict.fromkeys(table["indicator"].astype(str)):
        rows = table[(table["indicator"] == indicator) & (table["crime_type"] == "all")]
        latest = rows[rows["period"] == rows["period"].iloc[-1]]
        shown = pd.DataFrame({
            "Area": latest["area"].astype(str),
            "Offences": latest["count"].map(lambda v: "" if missing(v) else f"{int(v):,}"),
            "Population": latest["population"].map(lambda v: f"{int(v):,}"),
            "Rate per 1,000": ["not available" if missing(r) else f"{r:.2f} ({lo:.2f} to {hi:.2f})" for r, lo, hi in
                               zip(latest["rate"], latest["rate_ci_lower"], latest["rate_ci_upper"], strict=True)],
        })
        section.blocks.append(Table(shown, f"{labeller.title(indicator)}, {latest['period'].iloc[0]}",
                                    numeric=("Offences", "Population", "Rate per 1,000"), collapsed=len(shown) > 25))
    return [section]


def national_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The national total against the base and the Annex's views."""
    table = result.table
    require_columns(table, NATIONAL_COLUMNS, str(result.path))
    section = Section(slug(f"cn{index}", "crime-national"), "Recorded crime: national view")
    section.blocks.append(Paragraph(
        "The total of all areas against the 2007-08 baseline (A.1), judged against the ordinary fluctuation of the "
        "national series (A.2); no crime type should be higher than random variation allows (A.3, A.24)."))
    views = table[table["view"].astype(object).fillna("") != ""]
    if len(views):
        judged = views["judged_higher"] if "judged_higher" in views.columns else pd.Series(pd.NA, index=views.index)
        shown = pd.DataFrame({
            "Indicator": [labeller.title(str(i)) for i in views["indicator"]],
            "Crime type": views.get("crime_type_title", views["crime_type"]).astype(str),
            "Year": views["current_period"].astype(str), "Against": views["base_period"].astype(str),
            "Offences": views["current_count"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
            "Change (%)": [percent(r) for r in views["ratio"]],
            "Verdict": views["verdict"].astype(str),
            "Higher than random variation allows": judged.map(lambda v: "" if pd.isna(v) else ("yes" if v else "no")),
        })
        section.blocks.append(Table(shown, "The years the Annex names: 2010-11 and 2012-13",
                                    numeric=("Offences", "Change (%)"), collapsed=len(shown) > 30))
    years = table[(table["crime_type"] == "all") & (table["comparison"] == "against base")]
    if len(years):
        shown = pd.DataFrame({"Indicator": [labeller.title(str(i)) for i in years["indicator"]],
                              "Year": years["current_period"].astype(str),
                              "Offences": years["current_count"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
                              "Change from base (%)": [percent(r) for r in years["ratio"]],
                              "Verdict": years["verdict"].astype(str)})
        section.blocks.append(Table(shown, "Every year against the base year", numeric=("Offences",
                                                                                        "Change from base (%)")))
    return [section]


def displacement_sections(result: Result, labeller: Labeller, index: int) -> list[Section]:
    """The A.17 pairs: each year's indexes (base = 100) and any possible displacement."""
    table = result.table
    require_columns(table, DISPLACEMENT_COLUMNS, str(result.path))
    section = Section(slug(f"cd{index}", "crime-displacement"), "Recorded crime: displacement")
    section.blocks.append(Paragraph(
        "A.17 asks that theft from vehicles be read beside vehicle interference, and attempted burglary beside "
        "criminal damage, to see whether offences moved between categories. 'Possible displacement' marks a year "
        "when the first fell and the second rose, each beyond its random variation: a prompt to look at recording "
        "practice, not a finding."))
    shown_rows = table if table["area"].nunique() <= 3 else table[table["signal"].astype(object).fillna("") != ""]
    if shown_rows.empty:
        section.blocks.append(Paragraph(f"No area-year of the {table['area'].nunique()} areas shows possible "
                                        "displacement."))
        return [section]
    shown = pd.DataFrame({
        "Pair": shown_rows.get("pair_title", shown_rows["pair"]).astype(str), "Area": shown_rows["area"].astype(str),
        "Year": shown_rows["period"].astype(str),
        "Watched (base = 100)": shown_rows["watched_index"].map(lambda v: f"{v:.1f}"),
        "Watched": shown_rows["watched_direction"].astype(str),
        "Partner (base = 100)": shown_rows["partner_index"].map(lambda v: f"{v:.1f}"),
        "Partner": shown_rows["partner_direction"].astype(str),
        "Signal": shown_rows["signal"].astype(object).fillna("").astype(str),
    })
    section.blocks.append(Table(shown, "Displacement pairs", numeric=("Watched (base = 100)", "Partner (base = 100)"),
                                flag_column="Signal", collapsed=len(shown) > 25))
    return [section]
