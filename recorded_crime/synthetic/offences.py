"""SYNTHETIC offence types: the code mix, rates, seasons and trends that synthetic recorded crime is drawn from.

Each type has an annual rate per 1,000 residents for an area of average deprivation (z = 0), a log-rate slope on
the area's deprivation score, a seasonal swing (peak month and amplitude), a national trend per year, a family
(offences of one family share each area-month's extra variation) and the codes it was recorded under in each era,
with the shares of each code. The eras follow the code changes of the indicators file (5 -> 5A/5B/5C and
8_1 -> 8F/8H in April 2008; GBH without intent recorded apart only from April 2007, inside "other wounding"
before), so that synthetic files pass every check real files must.

The rates are round numbers of the right order for a Community Safety Partnership in 2007-08 (about 19,000 most
serious violent crimes a year nationally excluding GBH without intent, 000:453, in a population of 54 million is
0.35 per 1,000); they are an assumption for testing, not published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

ALWAYS = (None, None)


@dataclass(frozen=True)
class Era:
    """The codes a type was recorded under between two months (YYYY-MM, inclusive; None: open)."""

    first: str | None
    """First month, or None."""
    last: str | None
    """Last month, or None."""
    shares: tuple[tuple[str, float], ...]
    """(code, share of the type's offences)."""


@dataclass(frozen=True)
class OffenceType:
    """One synthetic offence type."""

    id: str
    """Name."""
    family: str
    """violence, acquisitive or damage: offences of a family share an area-month's extra variation."""
    rate: float
    """Offences per 1,000 residents a year at z = 0."""
    slope: float
    """Change of the log rate per unit of the area's deprivation score."""
    amplitude: float
    """Seasonal swing: the rate is multiplied by 1 + amplitude x cos(2 pi (month - peak) / 12)."""
    peak: int
    """Calendar month of the seasonal peak."""
    trend: float
    """National change per financial year (0.97: 3% down a year)."""
    eras: tuple[Era, ...]
    """Codes by era."""


def _one(code: str) -> tuple[Era, ...]:
    return (Era(None, None, ((code, 1.0),)),)


TYPES: tuple[OffenceType, ...] = (
    OffenceType("murder", "violence", 0.012, 0.4, 0.0, 7, 1.0, _one("1")),
    OffenceType("manslaughter", "violence", 0.002, 0.4, 0.0, 7, 1.0, _one("4.1")),
    OffenceType("infanticide", "violence", 0.0002, 0.0, 0.0, 7, 1.0, _one("4.2")),
    OffenceType("child_destruction", "violence", 0.0001, 0.0, 0.0, 7, 1.0, _one("4.3")),
    OffenceType("attempted_murder", "violence", 0.012, 0.4, 0.0, 7, 1.0, _one("2")),
    OffenceType("endangering_life", "violence", 0.35, 0.4, 0.12, 7, 0.98, (
        Era(None, "2008-03", (("5", 1.0),)),
        Era("2008-04", None, (("5A", 0.92), ("5B", 0.05), ("5C", 0.03))))),
    OffenceType("gbh_without_intent", "violence", 0.45, 0.4, 0.12, 7, 0.98, (
        Era(None, "2007-03", (("8A", 1.0),)),
        Era("2007-04", "2008-03", (("8.1", 1.0),)),
        Era("2008-04", None, (("8F", 0.97), ("8H", 0.03))))),
    OffenceType("other_wounding", "violence", 8.0, 0.35, 0.1, 7, 0.98, (
        Era(None, "2008-03", (("8A", 0.96), ("8D", 0.04))),
        Era("2008-04", None, (("8G", 0.96), ("8J", 0.04))))),
    OffenceType("death_dangerous_driving", "violence", 0.005, 0.0, 0.0, 12, 1.0, _one("4.4")),
    OffenceType("death_careless_drink_drugs", "violence", 0.0008, 0.0, 0.0, 12, 1.0, _one("4.6")),
    OffenceType("death_careless_driving", "violence", 0.002, 0.0, 0.0, 12, 1.0, (
        Era("2008-08", None, (("4.8", 1.0),)),)),
    OffenceType("death_aggravated_vehicle_taking", "violence", 0.0003, 0.0, 0.0, 12, 1.0, _one("37.1")),
    OffenceType("burglary_dwelling", "acquisitive", 9.0, 0.45, 0.15, 12, 0.96, (
        Era(None, None, (("28A", 0.70), ("28B", 0.25), ("28C", 0.03), ("28D", 0.02))),)),
    OffenceType("aggravated_burglary", "acquisitive", 0.06, 0.45, 0.1, 12, 0.97, _one("29")),
    OffenceType("robbery_business", "acquisitive", 0.15, 0.5, 0.1, 12, 0.97, _one("34A")),
    OffenceType("robbery_personal", "acquisitive", 1.3, 0.6, 0.15, 11, 0.97, _one("34B")),
    OffenceType("theft_of_vehicle", "acquisitive", 4.5, 0.4, 0.1, 11, 0.93, _one("48")),
    OffenceType("aggravated_vehicle_taking", "acquisitive", 0.2, 0.4, 0.1, 11, 0.95, _one("37.2")),
    OffenceType("theft_from_vehicle", "acquisitive", 9.0, 0.4, 0.12, 11, 0.94, _one("45")),
    OffenceType("vehicle_interference", "acquisitive", 1.0, 0.4, 0.12, 11, 0.96, _one("126")),
    OffenceType("damage_dwelling", "damage", 4.5, 0.4, 0.1, 10, 0.96, _one("58A")),
    OffenceType("damage_other_building", "damage", 2.5, 0.4, 0.1, 10, 0.96, _one("58B")),
    OffenceType("damage_vehicle", "damage", 5.5, 0.4, 0.1, 10, 0.96, _one("58C")),
    OffenceType("damage_other", "damage", 2.0, 0.4, 0.1, 10, 0.96, _one("58D")),
    OffenceType("damage_racially_aggravated_dwelling", "damage", 0.05, 0.3, 0.0, 10, 1.0, _one("58E")),
)
"""Every synthetic type (SYNTHETIC: rates, slopes, seasons and trends are assumptions for testing)."""
FAMILIES = ("violence", "acquisitive", "damage")
