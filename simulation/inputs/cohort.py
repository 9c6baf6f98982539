"""Offender cohorts as the Annex defines them: generated from documented distributions or loaded from CSV.

Adult cohort: aged 18+, discharged from custody or starting a community sentence in January-March;
follow-up starts at discharge or commencement. Youth cohort: aged 10-17, given a reprimand, final
warning or any court sentence, or released from custody (DTO or s.91) in January-March; follow-up starts
at release for custody and at the date of sanction otherwise (Annex A.37).

Days are counted from 1 January of the cohort year (day 0). All distributions below are assumptions
chosen to match the scale facts in DOMAIN.md section 3; the cohort size is the only published anchor.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from safer_io.inputs import read_text
from simulation.errors import SimulationInputError
from simulation.inputs.vocabulary import AGE_BANDS, ATTRIBUTES, DISPOSALS_BY_KIND, OFFENCE_GROUPS, SEXES, CohortKind

QUARTER_END_DAY = 91.0  # start days must fall in [0, 91): 1 January to 31 March, leap years included
MAX_ROW_ERRORS_SHOWN = 5

COMMON_COLUMNS: tuple[str, ...] = ("offender_id", *ATTRIBUTES)
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "adult": (*COMMON_COLUMNS, "start_day"),
    "youth": (*COMMON_COLUMNS, "sanction_day", "release_day"),
}


def _shares(**values: float) -> dict[str, float]:
    return {group: values.get(group, 0.0) for group in OFFENCE_GROUPS}


class CohortSpec(BaseModel):
    """Distributions for a generated cohort. Shares are probabilities; ages in years; days from 1 January."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    kind: CohortKind
    """Adult (18+) or youth (10-17) cohort."""
    disposal_shares: dict[str, float]
    """Share of the cohort by index disposal. Adult default 35% custody leavers (2004 Q1: 15,761 custody
    leavers in a cohort of about 45,000); youth default over 50% pre-court (Annex footnote 24) and 2% released from
    custody (817 of 49,000 in 2006 Q1, 844 in 2005: BBC News and Community Care, Sep 2008, reported; derived)."""
    female_share: dict[str, float]
    """Probability of being female, by index disposal (2004 Q1 custody leavers: 1,402 of 15,761 = 9%)."""
    age_min: float
    """Youngest age at start of follow-up, years."""
    age_max: float
    """Oldest age at start of follow-up (exclusive), years."""
    age_gamma_shape: float = Field(gt=0)
    """Adult: age - age_min is gamma distributed with this shape. Youth: unused."""
    age_gamma_scale_years: float = Field(gt=0)
    """Adult: scale of the gamma for age - age_min, years. Youth: unused."""
    youth_age_weights: dict[int, float] = Field(default_factory=dict)
    """Youth: relative weight of each whole year of age 10-17. Adult: unused."""
    offence_group_shares: dict[str, dict[str, float]]
    """Index offence group shares, by index disposal."""
    previous_sanctions_mean: dict[str, float]
    """Mean number of previous sanctions by index disposal (negative binomial)."""
    previous_sanctions_dispersion: float = Field(gt=0)
    """Negative-binomial size parameter for previous sanctions; smaller is more skewed."""
    onset_beta: tuple[float, float] = (1.5, 4.0)
    """Age at first sanction = 10 + (age - 10) x Beta(a, b) for offenders with previous sanctions."""
    drug_misuse_probability: dict[str, float]
    """Probability of the drug-misuse flag by index offence group (38% of arrestees overall, 001:206)."""
    ppo_share: float = Field(ge=0, le=1)
    """Share flagged PPO: the most prolific by previous sanctions, ties broken at random."""
    custody_served_median_days: float = Field(default=80.0, gt=0)
    """Youth custody: median time served before the January-March release, days (sets sanction_day)."""
    age_band_shares: dict[str, float] | None = None
    """Shares of the age bands (`vocabulary.AGE_BANDS`), from a drift file; None keeps the default age mix. Ages
    within a band keep the default shape."""
    national_size: int = Field(default=45_000, ge=1)
    """Size of the real national cohort a generated one stands for: adults typically 40,000 to 50,000 after
    matching to the PNC (000:713); youths 45,000, between the reported 41,200 (2000) and 49,000 (2006) (Community
    Care 8 Sep 2008; derived). A smaller generated cohort
    gets the same share of programme places and outside referrals, and national totals are scaled up."""

    @model_validator(mode="after")
    def _consistent(self) -> CohortSpec:
        disposals = DISPOSALS_BY_KIND[self.kind]
        _check_shares("disposal_shares", self.disposal_shares, disposals)
        for name in ("female_share", "previous_sanctions_mean", "offence_group_shares"):
            if set(getattr(self, name)) != set(disposals):
                raise ValueError(f"{name} must have one entry per disposal {list(disposals)}")
        for disposal, shares in self.offence_group_shares.items():
            _check_shares(f"offence_group_shares.{disposal}", shares, OFFENCE_GROUPS)
        if set(self.drug_misuse_probability) != set(OFFENCE_GROUPS):
            raise ValueError(
                f"drug_misuse_probability must have one entry per offence group {list(OFFENCE_GROUPS)}"
            )
        if self.kind == "youth" and set(self.youth_age_weights) != set(range(10, 18)):
            raise ValueError("youth_age_weights must give a weight for each age 10 to 17")
        if self.age_band_shares is not None:
            _check_shares("age_band_shares", self.age_band_shares, tuple(b[0] for b in AGE_BANDS[self.kind]))
        return self


def _check_shares(name: str, shares: dict[str, float], keys: tuple[str, ...]) -> None:
    if set(shares) != set(keys):
        raise ValueError(f"{name} must have exactly the keys {list(keys)}")
    if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6:
        raise ValueError(f"{name} must be non-negative shares summing to 1")


ADULT_SPEC = CohortSpec(
    kind="adult",
    disposal_shares={"custody": 0.35, "community": 0.65},
    female_share={"custody": 0.09, "community": 0.16},
    age_min=18.0,
    age_max=90.0,
    age_gamma_shape=1.5,
    age_gamma_scale_years=8.0,
    offence_group_shares={
        "custody": _shares(
            violence=0.18,
            sexual=0.03,
            robbery=0.06,
            burglary=0.14,
            theft_handling=0.25,
            fraud_forgery=0.04,
            criminal_damage=0.03,
            drugs=0.12,
            motoring=0.07,
            other=0.08,
        ),
        "community": _shares(
            violence=0.20,
            sexual=0.02,
            robbery=0.01,
            burglary=0.06,
            theft_handling=0.24,
            fraud_forgery=0.06,
            criminal_damage=0.06,
            drugs=0.10,
            motoring=0.13,
            other=0.12,
        ),
    },
    previous_sanctions_mean={"custody": 12.0, "community": 7.0},
    previous_sanctions_dispersion=1.2,
    drug_misuse_probability={
        **_shares(violence=0.25, sexual=0.10, criminal_damage=0.25, motoring=0.20, other=0.25),
        "robbery": 0.55,
        "burglary": 0.60,
        "theft_handling": 0.60,
        "fraud_forgery": 0.35,
        "drugs": 0.70,
    },
    ppo_share=0.02,
)

YOUTH_SPEC = CohortSpec(
    kind="youth",
    disposal_shares={
        "reprimand": 0.30,
        "final_warning": 0.22,
        "first_tier": 0.30,
        "community": 0.16,
        "custody": 0.02,
    },
    female_share={
        "reprimand": 0.28,
        "final_warning": 0.22,
        "first_tier": 0.18,
        "community": 0.15,
        "custody": 0.07,
    },
    age_min=10.0,
    age_max=18.0,
    age_gamma_shape=1.0,
    age_gamma_scale_years=1.0,
    youth_age_weights={10: 0.02, 11: 0.03, 12: 0.06, 13: 0.10, 14: 0.15, 15: 0.20, 16: 0.22, 17: 0.22},
    offence_group_shares=dict.fromkeys(
        ("reprimand", "final_warning", "first_tier", "community", "custody"),
        _shares(
            violence=0.22,
            sexual=0.01,
            robbery=0.04,
            burglary=0.07,
            theft_handling=0.28,
            fraud_forgery=0.01,
            criminal_damage=0.14,
            drugs=0.07,
            motoring=0.08,
            other=0.08,
        ),
    ),
    previous_sanctions_mean={
        "reprimand": 0.0,
        "final_warning": 0.3,
        "first_tier": 2.0,
        "community": 4.0,
        "custody": 7.0,
    },
    previous_sanctions_dispersion=1.0,
    drug_misuse_probability={**dict.fromkeys(OFFENCE_GROUPS, 0.10), "drugs": 0.40, "theft_handling": 0.15},
    ppo_share=0.01,
    national_size=45_000,
)

DEFAULT_SPECS: dict[str, CohortSpec] = {"adult": ADULT_SPEC, "youth": YOUTH_SPEC}


@dataclass(frozen=True)
class Cohort:
    """One row per offender: the attributes in `vocabulary.ATTRIBUTES` plus `start_day`.

    `start_day` is the first day of follow-up (days from 1 January); youth cohorts also keep
    `sanction_day` and `release_day` from which it was set. The frame is not changed once the cohort is simulated:
    what runs work out from it is kept for the next runs on the same cohort (`career_draws.CohortStart`,
    `committed.committed_mix`); a changed cohort is a new `Cohort`.
    """

    kind: CohortKind
    """Adult or youth cohort."""
    frame: pd.DataFrame
    """One row per offender (columns as above)."""
    source: str
    """Where the cohort came from: a file path or a description of the generator."""
    national_size: int | None = None
    """Size of the real (national) cohort this one stands for; None: this cohort is the real one."""

    @property
    def size(self) -> int:
        """Number of offenders."""
        return len(self.frame)

    @property
    def scale(self) -> float:
        """Simulated offenders per real one: programme places and outside referrals are scaled by it, and
        totals divided by it to give national figures."""
        return self.size / self.national_size if self.national_size else 1.0


def generate_cohort(
    kind: CohortKind, size: int, seed: int | np.random.SeedSequence, spec: CohortSpec | None = None
) -> Cohort:
    """Draw a cohort of `size` offenders from `spec` (the documented defaults when None)."""
    if size < 1:
        raise SimulationInputError(f"cohort size: must be at least 1, not {size}")
    spec = spec if spec is not None else DEFAULT_SPECS[kind]
    if spec.kind != kind:
        raise SimulationInputError(f"cohort spec: kind is {spec.kind!r}, but a {kind} cohort was asked for")
    rng = np.random.default_rng(seed)
    disposals = DISPOSALS_BY_KIND[kind]
    disposal = _categorical(rng, disposals, [spec.disposal_shares[d] for d in disposals], size)
    female = rng.random(size) < np.array([spec.female_share[d] for d in disposal])
    if kind == "adult":
        if spec.age_band_shares is None:
            age = spec.age_min + rng.gamma(spec.age_gamma_shape, spec.age_gamma_scale_years, size)
        else:  # each band by its share, ages within it from the default gamma truncated to the band
            age = _banded_adult_ages(rng, spec, size)
        age = np.minimum(age, spec.age_max - 1)
    else:
        whole_years = list(spec.youth_age_weights)
        weights = np.array([spec.youth_age_weights[a] for a in whole_years], dtype=float)
        if spec.age_band_shares is not None:
            for label, low, high in AGE_BANDS["youth"]:
                inside = [(low <= a < high) for a in whole_years]
                band_total = weights[inside].sum()
                if band_total > 0:
                    weights[inside] *= spec.age_band_shares[label] / band_total
        age = rng.choice(
            np.array(whole_years, dtype=float), size=size, p=weights / weights.sum()
        ) + rng.random(size)
    offence_group = np.empty(size, dtype=object)
    previous = np.zeros(size, dtype=np.int64)
    for d in disposals:
        members = np.flatnonzero(disposal == d)
        shares = spec.offence_group_shares[d]
        offence_group[members] = _categorical(
            rng, OFFENCE_GROUPS, [shares[g] for g in OFFENCE_GROUPS], members.size
        )
        mean = spec.previous_sanctions_mean[d]
        if mean > 0:
            k = spec.previous_sanctions_dispersion
            previous[members] = rng.negative_binomial(k, k / (k + mean), members.size)
    onset_fraction = rng.beta(*spec.onset_beta, size)
    age_first = np.where(previous > 0, 10.0 + (age - 10.0) * onset_fraction, age)
    drug = rng.random(size) < np.array([spec.drug_misuse_probability[g] for g in offence_group])
    tie_break = rng.random(size)
    ppo = np.zeros(size, dtype=bool)
    ppo[np.lexsort((tie_break, -previous))[: int(round(spec.ppo_share * size))]] = True
    entry_day = rng.random(size) * 90.0
    frame = pd.DataFrame(
        {
            "offender_id": [f"{kind[0].upper()}{i:07d}" for i in range(size)],
            "age": age,
            "sex": np.where(female, "female", "male"),
            "offence_group": offence_group.astype(str),
            "disposal": disposal,
            "previous_sanctions": previous,
            "age_first_sanction": age_first,
            "drug_misuse": drug,
            "ppo": ppo,
        }
    )
    if kind == "adult":
        frame["start_day"] = entry_day
    else:
        custody = disposal == "custody"
        served = spec.custody_served_median_days * np.exp(0.4 * rng.standard_normal(size))
        frame["sanction_day"] = np.where(custody, entry_day - served, entry_day)
        frame["release_day"] = np.where(custody, entry_day, np.nan)
        frame["start_day"] = youth_start_day(frame["disposal"], frame["sanction_day"], frame["release_day"])
    source = f"generated {kind} cohort, size {size}"
    return Cohort(kind=kind, frame=frame, source=source, national_size=spec.national_size)


def _banded_adult_ages(rng: np.random.Generator, spec: CohortSpec, size: int) -> np.ndarray:
    from scipy.stats import gamma

    assert spec.age_band_shares is not None
    bands = AGE_BANDS["adult"]
    labels = [label for label, _, _ in bands]
    band = rng.choice(len(bands), size=size, p=np.array([spec.age_band_shares[b] for b in labels]))
    low = np.array([bands[b][1] for b in band]) - spec.age_min
    high = np.minimum(np.array([bands[b][2] for b in band]), spec.age_max) - spec.age_min
    law = gamma(spec.age_gamma_shape, scale=spec.age_gamma_scale_years)
    lower, upper = law.cdf(low), law.cdf(high)
    return np.asarray(spec.age_min + law.ppf(lower + rng.random(size) * (upper - lower)), dtype=float)


def _categorical(
    rng: np.random.Generator, labels: tuple[str, ...], probs: list[float], size: int
) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return np.asarray(labels, dtype=object)[rng.choice(len(labels), size=size, p=p / p.sum())].astype(str)


def youth_start_day(disposal: pd.Series, sanction_day: pd.Series, release_day: pd.Series) -> pd.Series:
    """Annex rule: follow-up starts at release for DTO / s.91 custody, at the date of sanction otherwise."""
    return pd.Series(
        np.where(disposal == "custody", release_day, sanction_day), index=disposal.index, dtype=float
    )


# ---- loading from CSV ------------------------------------------------------------------------------------


def load_cohort_csv(path: Path, kind: CohortKind) -> Cohort:
    """Read and validate a cohort file; errors name the file, the column, the rows and the reason."""
    path = Path(path)
    text = read_text(path, "cohort file", SimulationInputError)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise SimulationInputError(f"{path}: the cohort file is empty (no header row)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SimulationInputError(f"{path}: not a readable CSV file: {reason}") from None
    header = [str(c).strip() for c in next(csv.reader(io.StringIO(text)), [])]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise SimulationInputError(f"{path}: column(s) {repeated} appear more than once in the header")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in INPUT_COLUMNS[kind] if c not in raw.columns]
    if missing:
        raise SimulationInputError(f"{path}: column(s) {missing}: required for a {kind} cohort but missing")
    if kind == "youth" and "start_day" in raw.columns:
        raise SimulationInputError(
            f"{path}: column 'start_day': a youth cohort's start is set by the Annex rules from sanction_day "
            "and release_day; remove the column"
        )
    if raw.empty:
        raise SimulationInputError(f"{path}: no offenders (the file has a header but no rows)")
    frame = pd.DataFrame(index=raw.index)
    reader = _ColumnReader(path, raw)
    ids = raw["offender_id"].str.strip()
    reader.fail_where(ids == "", "offender_id", "must not be blank")
    reader.fail_where(ids.duplicated(keep="first"), "offender_id", "duplicate offender id")
    frame["offender_id"] = ids
    low, high = (18.0, 120.0) if kind == "adult" else (10.0, 18.0)
    frame["age"] = reader.number("age", low, high, f"must be a number of years in [{low:g}, {high:g})")
    frame["sex"] = reader.category("sex", SEXES)
    frame["offence_group"] = reader.category("offence_group", OFFENCE_GROUPS)
    frame["disposal"] = reader.category("disposal", DISPOSALS_BY_KIND[kind])
    previous = reader.number("previous_sanctions", 0, 1e6, "must be a whole number >= 0")
    reader.fail_where(previous % 1 != 0, "previous_sanctions", "must be a whole number >= 0")
    # Unparseable or infinite cells and already recorded as problems; 0 only keeps the cast from failing.
    frame["previous_sanctions"] = previous.where(np.isfinite(previous), 0).astype(np.int64)
    first = reader.number("age_first_sanction", 10, 120, "must be a number of years >= 10")
    reader.fail_where(first > frame["age"] + 1e-9, "age_first_sanction", "must not exceed age")
    frame["age_first_sanction"] = first
    frame["drug_misuse"] = reader.flag("drug_misuse")
    frame["ppo"] = reader.flag("ppo")
    quarter = f"must be a day in January-March, in [0, {QUARTER_END_DAY:g}) days from 1 January"
    if kind == "adult":
        frame["start_day"] = reader.number("start_day", 0, QUARTER_END_DAY, quarter)
    else:
        custody = frame["disposal"] == "custody"
        sanction = reader.number(
            "sanction_day", -3650, QUARTER_END_DAY, "must be a number of days from 1 January"
        )
        release = reader.optional_number("release_day")
        reader.fail_where(
            custody & release.isna(), "release_day", "required for custody (DTO / s.91) disposals"
        )
        reader.fail_where(
            ~custody & release.notna(), "release_day", "only custody disposals have a release day"
        )
        reader.fail_where(custody & ((release < 0) | (release >= QUARTER_END_DAY)), "release_day", quarter)
        reader.fail_where(custody & (release < sanction), "release_day", "must not be before sanction_day")
        reader.fail_where(~custody & (sanction < 0), "sanction_day", quarter)
        frame["sanction_day"] = sanction
        frame["release_day"] = release
        frame["start_day"] = youth_start_day(frame["disposal"], sanction, release)
    reader.raise_if_failed()
    return Cohort(kind=kind, frame=frame.reset_index(drop=True), source=str(path))


class _ColumnReader:
    """Parses columns of a string-typed frame, collecting errors with 1-based CSV line numbers."""

    def __init__(self, path: Path, raw: pd.DataFrame) -> None:
        self.path = path
        self.raw = raw
        self.problems: list[str] = []

    def fail_where(self, bad: pd.Series, column: str, reason: str) -> None:
        bad = bad.fillna(False).astype(bool)
        if bad.any():
            lines = (np.flatnonzero(bad.to_numpy()) + 2).tolist()  # +1 for 1-based, +1 for the header line
            shown = ", ".join(str(n) for n in lines[:MAX_ROW_ERRORS_SHOWN])
            more = (
                f" and {len(lines) - MAX_ROW_ERRORS_SHOWN} more" if len(lines) > MAX_ROW_ERRORS_SHOWN else ""
            )
            self.problems.append(f"column '{column}', line(s) {shown}{more}: {reason}")

    def number(self, column: str, low: float, high: float, reason: str) -> pd.Series:
        values = pd.to_numeric(self.raw[column].str.strip(), errors="coerce")
        self.fail_where(values.isna() | (values < low) | (values >= high), column, reason)
        return values.astype(float)

    def optional_number(self, column: str) -> pd.Series:
        text = self.raw[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        self.fail_where(
            (text != "") & values.isna(), column, "must be a number of days from 1 January or blank"
        )
        return values.astype(float)

    def category(self, column: str, allowed: tuple[str, ...]) -> pd.Series:
        values = self.raw[column].str.strip().str.lower()
        self.fail_where(~values.isin(allowed), column, f"must be one of {list(allowed)}")
        return values

    def flag(self, column: str) -> pd.Series:
        values = self.raw[column].str.strip().str.lower()
        truth: dict[str, bool] = {
            "true": True,
            "1": True,
            "yes": True,
            "false": False,
            "0": False,
            "no": False,
        }
        self.fail_where(~values.isin(list(truth)), column, "must be true/false, yes/no or 1/0")
        return values.isin([text for text, value in truth.items() if value])

    def raise_if_failed(self) -> None:
        if self.problems:
            raise SimulationInputError(f"{self.path}: " + "; ".join(self.problems))
