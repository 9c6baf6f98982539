"""SYNTHETIC CALIBRATION TARGETS: the answer distributions the synthetic population is built to reproduce.

These numbers are calibration targets for *synthetic* data, not estimates of anything. Where a figure is
published, the source is given (DOMAIN.md); the rest are plausible assumptions, marked `assumed`, chosen
so that indicators land near the published 2008 headlines:

- PSA 23 indicator 4 (BCS high perceived ASB, seven-strand score >= 11): about 17.5% (DOMAIN.md, 000:632).
- PSA 23 indicator 3 (BCS confidence, strongly or tend to agree): about 45% (DOMAIN.md (ext), ~46% in 2009).
- BCS drug use or dealing a very or fairly big problem: 28-31% (DOMAIN.md, 001:206); drunk or rowdy about a
  quarter (001:222): targets 29% and 26%.
- Place Survey 2008 England headlines (DOMAIN.md (ext)): NI5 80%, NI2 59%, NI4 29%, NI6 23%, NI3 14%,
  NI37 15%; 45% satisfied with the council, 33% agree it gives value for money.
- Every other Place indicator level here is `assumed` (approximately the 2008 England figures as remembered
  from CLG's release, NOT checked against it: do not quote them).

Each item lists its substantive answer shares in code order (code 1 first); code 1 is always the answer
at the high end of the item's latent factor (most ASB, most satisfied, most agree, best health). Shares
are among substantive answers; `nonsubstantive` codes (don't know, refused, "too few people", ...) replace
the answer at random at the given rates, and `blank` is the postal non-answer rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ASB_STRANDS: tuple[str, ...] = (
    "asb_noisy_neighbours", "asb_teenagers", "asb_rubbish", "asb_vandalism", "asb_drugs", "asb_drunk", "asb_cars",
)


@dataclass(frozen=True)
class ItemModel:
    """How one questionnaire item is drawn from the latent factors (see survey/synthetic/perceptions.py).

    latent: a factor name ("A" ASB, "C" confidence, "S" satisfaction, "E" engagement, "H" health,
    "T" trust in services), or "strand:<item id>" for the ASB strands, whose latent scores are shared
    by the BCS and the Place Survey (one person's view of their area, asked twice).
    """

    item: str
    latent: str
    shares: tuple[float, ...]
    loading: float = 0.8
    nonsubstantive: dict[int, float] = field(default_factory=dict)
    blank: float = 0.0
    source: str = "assumed"


# ASB strands: loading on the common ASB factor and deprivation slope; shares in BCS and Place below.
STRAND_LOADING = 0.72
STRAND_DEPRIVATION_SLOPE: dict[str, float] = {
    "asb_noisy_neighbours": 0.05, "asb_teenagers": 0.05, "asb_rubbish": 0.10, "asb_vandalism": 0.05,
    "asb_drugs": 0.15, "asb_drunk": 0.05, "asb_cars": 0.05,
}

_CAPI_DK = 8
_CAPI_REFUSED = 9

BCS_ITEMS: tuple[ItemModel, ...] = (
    ItemModel("confidence", "C", (0.07, 0.38, 0.22, 0.21, 0.12), 0.85, {_CAPI_DK: 0.06, _CAPI_REFUSED: 0.002},
              source="PSA23_3 about 45% agree (DOMAIN.md (ext))"),
    ItemModel("seek_views", "C", (0.06, 0.34, 0.25, 0.22, 0.13), 0.75, {_CAPI_DK: 0.08, _CAPI_REFUSED: 0.002},
              source="assumed; bcs.yaml notes 42% agreed in 2008/09 (ext)"),
    ItemModel("asb_noisy_neighbours", "strand:asb_noisy_neighbours", (0.03, 0.08, 0.27, 0.62), 0.0,
              {_CAPI_DK: 0.005, _CAPI_REFUSED: 0.001}),
    ItemModel("asb_teenagers", "strand:asb_teenagers", (0.11, 0.21, 0.37, 0.31), 0.0,
              {_CAPI_DK: 0.01, _CAPI_REFUSED: 0.001}),
    ItemModel("asb_rubbish", "strand:asb_rubbish", (0.09, 0.21, 0.40, 0.30), 0.0,
              {_CAPI_DK: 0.005, _CAPI_REFUSED: 0.001}),
    ItemModel("asb_vandalism", "strand:asb_vandalism", (0.09, 0.19, 0.40, 0.32), 0.0,
              {_CAPI_DK: 0.01, _CAPI_REFUSED: 0.001}),
    ItemModel("asb_drugs", "strand:asb_drugs", (0.11, 0.18, 0.30, 0.41), 0.0,
              {_CAPI_DK: 0.04, _CAPI_REFUSED: 0.002}, source="PSA 25 drugs strand 28-31% (DOMAIN.md, 001:206)"),
    ItemModel("asb_drunk", "strand:asb_drunk", (0.09, 0.17, 0.34, 0.40), 0.0,
              {_CAPI_DK: 0.02, _CAPI_REFUSED: 0.001}, source="PSA 25 drunk strand, a quarter (DOMAIN.md, 001:222)"),
    ItemModel("asb_cars", "strand:asb_cars", (0.02, 0.05, 0.23, 0.70), 0.0,
              {_CAPI_DK: 0.015, _CAPI_REFUSED: 0.001}),
)

_DK = 8
_POSTAL_BLANK = 0.015
_STRAND_BLANK = 0.008

PLACE_ITEMS: tuple[ItemModel, ...] = (
    ItemModel("area_satisfaction", "S", (0.32, 0.48, 0.09, 0.07, 0.04), 0.80, blank=_POSTAL_BLANK,
              source="NI5 80% (DOMAIN.md (ext))"),
    ItemModel("home_satisfaction", "S", (0.50, 0.38, 0.05, 0.04, 0.03), 0.55, blank=_POSTAL_BLANK),
    ItemModel("belonging", "S", (0.22, 0.37, 0.28, 0.13), 0.60, {_DK: 0.02}, _POSTAL_BLANK,
              source="NI2 59% (DOMAIN.md (ext))"),
    ItemModel("get_on_well", "S", (0.22, 0.54, 0.16, 0.08), 0.55, {_DK: 0.08, 6: 0.02, 7: 0.03}, _POSTAL_BLANK,
              source="assumed NI1 76%"),
    ItemModel("influence", "E", (0.05, 0.24, 0.41, 0.30), 0.50, {_DK: 0.10}, _POSTAL_BLANK,
              source="NI4 29% (DOMAIN.md (ext))"),
    # NI 3 is "yes" to any of six groups; the shares are tuned so that about 14% say yes to one or more.
    ItemModel("civic_regeneration", "E", (0.025, 0.975), 0.70, blank=0.10, source="NI3 14% (DOMAIN.md (ext))"),
    ItemModel("civic_tenants", "E", (0.025, 0.975), 0.70, blank=0.10),
    ItemModel("civic_health_education", "E", (0.065, 0.935), 0.70, blank=0.10),
    ItemModel("civic_crime", "E", (0.02, 0.98), 0.70, blank=0.10),
    ItemModel("civic_youth", "E", (0.03, 0.97), 0.70, blank=0.10),
    ItemModel("civic_other", "E", (0.05, 0.95), 0.70, blank=0.10),
    ItemModel("volunteering", "E", (0.12, 0.11, 0.15, 0.62), 0.75, {_DK: 0.01}, _POSTAL_BLANK,
              source="NI6 23% (DOMAIN.md (ext))"),
    ItemModel("asb_noisy_neighbours", "strand:asb_noisy_neighbours", (0.04, 0.10, 0.32, 0.54), 0.0,
              {_DK: 0.02}, _STRAND_BLANK),
    ItemModel("asb_teenagers", "strand:asb_teenagers", (0.10, 0.22, 0.38, 0.30), 0.0, {_DK: 0.03}, _STRAND_BLANK),
    ItemModel("asb_rubbish", "strand:asb_rubbish", (0.10, 0.23, 0.42, 0.25), 0.0, {_DK: 0.01}, _STRAND_BLANK),
    ItemModel("asb_vandalism", "strand:asb_vandalism", (0.10, 0.21, 0.40, 0.29), 0.0, {_DK: 0.03}, _STRAND_BLANK),
    ItemModel("asb_drugs", "strand:asb_drugs", (0.12, 0.19, 0.32, 0.37), 0.0, {_DK: 0.07}, _STRAND_BLANK,
              source="assumed NI42 31%"),
    ItemModel("asb_drunk", "strand:asb_drunk", (0.10, 0.19, 0.36, 0.35), 0.0, {_DK: 0.04}, _STRAND_BLANK,
              source="assumed NI41 29%"),
    ItemModel("asb_cars", "strand:asb_cars", (0.03, 0.06, 0.26, 0.65), 0.0, {_DK: 0.03}, _STRAND_BLANK),
    ItemModel("confidence", "C", (0.04, 0.22, 0.38, 0.22, 0.14), 0.85, {_DK: 0.12}, _POSTAL_BLANK,
              source="assumed NI21 26%"),
    ItemModel("seek_views", "C", (0.04, 0.20, 0.40, 0.22, 0.14), 0.75, {_DK: 0.12}, _POSTAL_BLANK,
              source="assumed NI27 24%"),
    ItemModel("parents_responsibility", "S", (0.05, 0.25, 0.30, 0.25, 0.15), 0.55, {_DK: 0.08}, _POSTAL_BLANK,
              source="assumed NI22 30%"),
    ItemModel("respect", "A", (0.09, 0.22, 0.42, 0.27), 0.65, {_DK: 0.04}, _POSTAL_BLANK,
              source="assumed NI23 31%"),
    ItemModel("emergency_informed", "E", (0.02, 0.13, 0.45, 0.40), 0.35, {_DK: 0.03}, _POSTAL_BLANK,
              source="NI37 15% (DOMAIN.md (ext))"),
    ItemModel("health", "H", (0.30, 0.46, 0.17, 0.05, 0.02), 0.85, blank=_POSTAL_BLANK, source="assumed NI119 76%"),
    ItemModel("older_support", "T", (0.05, 0.25, 0.30, 0.25, 0.15), 0.50, {_DK: 0.30}, _POSTAL_BLANK,
              source="assumed NI139 30%"),
    ItemModel("fair_treatment", "T", (0.28, 0.43, 0.18, 0.07, 0.04), 0.70, {_DK: 0.08}, _POSTAL_BLANK,
              source="assumed NI140 71%"),
    ItemModel("council_satisfaction", "T", (0.08, 0.37, 0.25, 0.18, 0.12), 0.70, blank=_POSTAL_BLANK,
              source="45% satisfied with the council (DOMAIN.md (ext))"),
    ItemModel("value_for_money", "T", (0.05, 0.28, 0.30, 0.22, 0.15), 0.65, {_DK: 0.08}, _POSTAL_BLANK,
              source="33% value for money (DOMAIN.md (ext))"),
)

ITEM_MODELS: dict[str, tuple[ItemModel, ...]] = {"bcs": BCS_ITEMS, "place": PLACE_ITEMS}

# Indicator levels the tests hold the synthetic population to (population value, proportion).
INDICATOR_TARGETS: dict[str, dict[str, float]] = {
    "bcs": {"PSA23_4": 0.175, "PSA23_3": 0.45, "PSA25_drugs": 0.29, "PSA25_drunk": 0.26},
    "place": {"NI5": 0.80, "NI2": 0.59, "NI4": 0.29, "NI6": 0.23, "NI3": 0.14, "NI37": 0.15,
              "NI17": 0.20, "NI21": 0.26, "NI41": 0.29, "NI42": 0.31},
}
