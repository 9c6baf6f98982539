"""The fixed vocabulary of the model: cohorts, disposals, offence groups and how a re-offence was dealt with.

Codes are small integers so that event logs are plain numeric arrays.
"""

from __future__ import annotations

from typing import Literal

CohortKind = Literal["adult", "youth"]
COHORT_KINDS: tuple[CohortKind, ...] = ("adult", "youth")

# Index offence groups (and the non-serious re-offence types), after the MoJ offence groups of the time.
OFFENCE_GROUPS: tuple[str, ...] = (
    "violence",
    "sexual",
    "robbery",
    "burglary",
    "theft_handling",
    "fraud_forgery",
    "criminal_damage",
    "drugs",
    "motoring",
    "other",
)

# Index disposals that bring an offender into a cohort (Annex, 000:690-720).
ADULT_DISPOSALS: tuple[str, ...] = ("custody", "community")
YOUTH_DISPOSALS: tuple[str, ...] = ("reprimand", "final_warning", "first_tier", "community", "custody")
ALL_DISPOSALS: tuple[str, ...] = ("custody", "community", "reprimand", "final_warning", "first_tier")
DISPOSALS_BY_KIND: dict[str, tuple[str, ...]] = {"adult": ADULT_DISPOSALS, "youth": YOUTH_DISPOSALS}

SEXES: tuple[str, ...] = ("male", "female")

# How a detected re-offence was dealt with.
COURT_CONVICTION = 0
PRE_COURT = 1  # adult caution; youth reprimand or final warning
PENALTY_NOTICE = 2  # fixed penalty notice / penalty notice for disorder
SANCTION_NAMES: dict[int, str] = {
    COURT_CONVICTION: "court",
    PRE_COURT: "pre_court",
    PENALTY_NOTICE: "penalty",
}

# Which sanctions make a re-offence "proven" for each cohort (Annex A.37): adults exclude cautions and
# fixed penalty notices; youths count reprimands and final warnings but exclude penalty notices.
# Breaches are never offences and live in a separate log.
COUNTED_SANCTIONS: dict[str, frozenset[int]] = {
    "adult": frozenset({COURT_CONVICTION}),
    "youth": frozenset({COURT_CONVICTION, PRE_COURT}),
}

# Serious offences are the Table 1 codes of the Annex (000:740-899), listed with their group in `table1.csv`.
# The Annex splits the top tier into two "to allow separate monitoring of sexual offences" (000:719): the
# serious sexual group is kept apart from the serious violent groups.
TABLE1_GROUPS: tuple[str, ...] = (
    "homicide",
    "attempted_murder",
    "death_by_driving",
    "wounding_endangering_life",
    "firearms_explosives",
    "serious_sexual",
)
SERIOUS_VIOLENT_GROUPS: tuple[str, ...] = TABLE1_GROUPS[:-1]

ACQUISITIVE_GROUPS: tuple[str, ...] = ("robbery", "burglary", "theft_handling", "fraud_forgery")
"""Non-serious offence groups committed for gain (the drug-misusing offenders' mix weighs them up)."""

# Re-offence type codes: first the Table 1 groups (serious), then the non-serious offence groups in order.
N_SERIOUS_TYPES = len(TABLE1_GROUPS)
SERIOUS_SEXUAL_TYPE = TABLE1_GROUPS.index("serious_sexual")
REOFFENCE_TYPES: tuple[str, ...] = (*TABLE1_GROUPS, *OFFENCE_GROUPS)

ATTRIBUTES: tuple[str, ...] = (
    "age",
    "sex",
    "offence_group",
    "disposal",
    "previous_sanctions",
    "age_first_sanction",
    "drug_misuse",
    "ppo",
)

# Age bands at the start of follow-up, for the measures by age and for cohort drift: (label, from, below).
AGE_BANDS: dict[str, list[tuple[str, float, float]]] = {
    "adult": [
        ("18-20", 18, 21),
        ("21-24", 21, 25),
        ("25-29", 25, 30),
        ("30-39", 30, 40),
        ("40-49", 40, 50),
        ("50+", 50, float("inf")),
    ],
    "youth": [("10-12", 10, 13), ("13-14", 13, 15), ("15-17", 15, float("inf"))],
}

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
COHORT_QUARTER_DAYS = 90.0  # 1 January to 31 March (non-leap year)
