"""The publication form of each `crime` table: names and words, rates to two decimals, changes in per cent.

The long tables are for machines and `safer report`; `--format publication` writes these instead. Numbers stay
numbers (rounded), with a text column that reads as printed ("12.34 (11.60 to 13.11)"); the A.20 status, flags and
verdicts are given in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recorded_crime.errors import CrimeInputError


def _interval(value: pd.Series, lower: pd.Series, upper: pd.Series, digits: int = 2) -> list[str]:
    return [("" if pd.isna(v) else f"{v:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})")
            for v, lo, hi in zip(value, lower, upper, strict=True)]


def _percent(ratio: pd.Series) -> pd.Series:
    return ((ratio - 1.0) * 100).round(1)


def _rates(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicator": table["indicator_title"], "Area": table["area"], "Crime type": table["crime_type_title"],
        "Period": table["period"], "Offences": table["count"].round().astype("Int64"),
        "Population": table["population"].round().astype(np.int64),
        "Rate per 1,000": table["rate"].round(2),
        "Rate (95% interval for random variation)": _interval(table["rate"], table["rate_ci_lower"],
                                                               table["rate_ci_upper"]),
        "Note": table["note"] if "note" in table.columns else "",
    })


def _change(table: pd.DataFrame) -> pd.DataFrame:
    judged = table["judged_higher"].map(lambda v: "" if pd.isna(v) else ("yes" if v else "no"))
    return pd.DataFrame({
        "Indicator": table["indicator_title"], "Area": table["area"], "Crime type": table["crime_type_title"],
        "Base": table["base_period"] + ": " + table["base_count"].astype(np.int64).astype(str),
        "Current": table["current_period"] + ": " + table["current_count"].astype(np.int64).astype(str),
        "Change (%)": _percent(table["ratio"]),
        "Change (%), interval": [("" if pd.isna(r) else f"{(r - 1) * 100:+.1f} ({(lo - 1) * 100:+.1f} to "
                                  f"{(hi - 1) * 100:+.1f})") for r, lo, hi in
                                 zip(table["ratio"], table["ratio_ci_lower"], table["ratio_ci_upper"], strict=True)],
        "p (own fluctuation)": table["p_value"].round(4), "Direction": table["direction"],
        "p (plain Poisson)": table["p_value_poisson"].round(4),
        "Higher than random variation allows": judged,
    })


def _peers(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicator": table["indicator_title"], "Area": table["area"],
        "Base rate per 1,000": table["base_rate"].round(2), "Benchmark": table["benchmark"].round(2),
        "Benchmark rule": table["benchmark_rule"], "Difference": table["rate_difference"].round(2),
        "Limits (95%)": [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(table["limit_lower"], table["limit_upper"],
                                                                   strict=True)],
        "Flag": table["flag"], "Rank in group": [f"{r} of {n}" for r, n in zip(table["rank"], table["group_size"],
                                                                                  strict=True)],
        "Current rate per 1,000": table["current_rate"].round(2), "Target rate": table["target_rate"].round(2),
        "Target": table["target_source"], "A.20 status": table["a20_status"],
    })


def _national(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicator": table["indicator_title"], "Crime type": table["crime_type_title"],
        "Year": table["current_period"], "Compared with": table["base_period"],
        "Offences": table["current_count"], "Change (%)": _percent(table["ratio"]),
        "Verdict": table["verdict"], "View": table["view"],
    })


def _spc(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicator": table["indicator_title"], "Area": table["area"], "Period": table["period"],
        "Offences": table["count"].astype(np.int64), "Expected at the base level": table["centre"].round(1),
        "Control limits": [f"{lo:.1f} to {hi:.1f}" for lo, hi in zip(table["lower_control"], table["upper_control"],
                                                                     strict=True)],
        "Signal": table["signal"],
    })


def _displacement(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Pair": table["pair_title"], "Area": table["area"], "Year": table["period"],
        "Watched (base = 100)": table["watched_index"].round(1), "Watched": table["watched_direction"],
        "Partner (base = 100)": table["partner_index"].round(1), "Partner": table["partner_direction"],
        "Signal": table["signal"],
    })


FORMS = {"crime rates": _rates, "crime change": _change, "crime peers": _peers, "crime national": _national,
         "crime spc": _spc, "crime displacement": _displacement}


def publication_form(command: str, table: pd.DataFrame) -> pd.DataFrame:
    """The publication form of a `crime` command's table."""
    try:
        form = FORMS[command]
    except KeyError:
        raise CrimeInputError(f"--format publication: safer {command} has no publication form.") from None
    return form(table.reset_index(drop=True))
