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

# Re-offence type codes: 0 is the serious Table 1 group, then the non-serious offence groups in order.
SERIOUS_TYPE = 0
REOFFENCE_TYPES: tuple[str, ...] = ("serious_table1", *OFFENCE_GROUPS)

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

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
COHORT_QUARTER_DAYS = 90.0  # 1 January to 31 March (non-leap year)
