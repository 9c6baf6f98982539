"""What one replication recorded: the ledgers the measures are read from.

Think of the clerk who keeps the cohort's files. Each detected offence goes into the offence ledger with
the day it was committed and the day it was proven, its sanction and type; each custody spell into the
custody ledger with the day it began, the day of release and why (a conviction, or recall after a
breach), written on the day it begins, when its release day is already set, so that a spell still running
when the run ends is there too (the measures clip every spell to follow-up); each breach into the breach
ledger, with whether recall followed. A programme keeps its own ledger: who was eligible, who was referred,
who started and when, who completed, who gave up waiting, and how its places were used.

The model writes these and nothing else; `simulation.measures` applies the Annex counting rules to them.
A ledger is a set of numpy columns, one row per entry, in no particular order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulation.inputs.interventions import Modifier
from simulation.model.places import PlaceUsage

CUSTODY_AFTER_CONVICTION = 0
"""`CustodyLog.reason` of a spell that began with a custodial sentence."""
CUSTODY_AFTER_BREACH = 1
"""`CustodyLog.reason` of a recall to custody after a breach."""


@dataclass(frozen=True)
class OffenceLog:
    """Detected re-offences: who, when committed and proven (days from 1 January), sanction, type and custody
    codes."""

    offender: np.ndarray
    """Offender index."""
    committed: np.ndarray
    """Day committed (days from 1 January)."""
    proven: np.ndarray
    """Day proven (conviction or out-of-court disposal)."""
    sanction: np.ndarray
    """Sanction code (`vocabulary`)."""
    offence_type: np.ndarray
    """Offence type code (`vocabulary`)."""
    custody_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    """Custody code (`offence_outcomes`: none, custody, community order instead); all none when not given."""

    def __post_init__(self) -> None:
        if self.custody_code.size != self.offender.size:
            object.__setattr__(self, "custody_code", np.zeros(self.offender.size, dtype=np.int8))

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> OffenceLog:
        """Build from (offender, committed, proven, sanction, offence_type[, custody_code]) tuples."""
        width = 6 if rows and len(rows[0]) == 6 else 5
        table = np.array(rows, dtype=float).reshape(-1, width)
        return cls(
            offender=table[:, 0].astype(np.int64),
            committed=table[:, 1],
            proven=table[:, 2],
            sanction=table[:, 3].astype(np.int8),
            offence_type=table[:, 4].astype(np.int8),
            custody_code=table[:, 5].astype(np.int8) if width == 6 else np.zeros(len(table), dtype=np.int8),
        )

    def followed_by(self, later: OffenceLog) -> OffenceLog:
        """This ledger's rows, then `later`'s."""
        return OffenceLog(
            offender=np.concatenate([self.offender, later.offender]),
            committed=np.concatenate([self.committed, later.committed]),
            proven=np.concatenate([self.proven, later.proven]),
            sanction=np.concatenate([self.sanction, later.sanction]),
            offence_type=np.concatenate([self.offence_type, later.offence_type]),
            custody_code=np.concatenate([self.custody_code, later.custody_code]),
        )


@dataclass(frozen=True)
class CustodyLog:
    """Custody spells: who, entered and released (days), and why (0 conviction, 1 breach)."""

    offender: np.ndarray
    """Offender index."""
    entered: np.ndarray
    """Day custody began."""
    released: np.ndarray
    """Day of release."""
    reason: np.ndarray
    """`CUSTODY_AFTER_CONVICTION` or `CUSTODY_AFTER_BREACH` (recall)."""

    @classmethod
    def from_rows(cls, rows: list[tuple[int, float, float, int]]) -> CustodyLog:
        """Build from (offender, entered, released, reason) tuples."""
        table = np.array(rows, dtype=float).reshape(-1, 4)
        return cls(table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3].astype(np.int8))


@dataclass(frozen=True)
class BreachLog:
    """Breaches of supervision (never offences): who, when (days), and whether custody followed."""

    offender: np.ndarray
    """Offender index."""
    day: np.ndarray
    """Day of the breach."""
    custody: np.ndarray
    """Whether recall to custody followed."""

    @classmethod
    def from_rows(cls, rows: list[tuple[int, float, bool]]) -> BreachLog:
        """Build from (offender, day, custody) tuples."""
        table = np.array(rows, dtype=float).reshape(-1, 3)
        return cls(table[:, 0].astype(np.int64), table[:, 1], table[:, 2].astype(bool))

    def followed_by(self, later: BreachLog) -> BreachLog:
        """This ledger's rows, then `later`'s."""
        return BreachLog(
            np.concatenate([self.offender, later.offender]),
            np.concatenate([self.day, later.day]),
            np.concatenate([self.custody, later.custody]),
        )


@dataclass(frozen=True)
class ProgrammeLog:
    """One intervention's activity: eligible, referred (took up), starts, completions, waits, leavers."""

    name: str
    """The intervention's name in the scenario file."""
    eligible: int
    """Offenders meeting the eligibility rule."""
    referred: int
    """Eligible offenders who took up the offer and were referred."""
    started: np.ndarray
    """Offender index of each start, in order of starting."""
    wait_days: np.ndarray
    """Days from referral to start, per start."""
    completed: np.ndarray
    """Whether each start completed the programme (bool per start)."""
    left_waiting_list: int
    """Referrals that gave up waiting (after `max_wait_days`) and never held a place."""
    usage: PlaceUsage
    """Use of the places over the run: place-days, utilisation, peak in use, time-weighted queue."""
    cost_per_place: float
    """Cost charged per start, in the scenario's currency and price year."""
    eligible_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Which offenders met the eligibility rule."""
    capacity: float = float("inf")
    """Places simulated (the national capacity scaled to the cohort; inf when unlimited)."""
    outside_referred: int = 0
    """Referrals from outside the cohort during the observed period (from 1 January)."""
    outside_started: int = 0
    """Starts of referrals from outside the cohort during the observed period."""
    saving_per_place: float = 0.0
    """Cost avoided per start."""

    @property
    def peak_places_in_use(self) -> int:
        """Most places in use at one moment."""
        return self.usage.peak_in_use


@dataclass(frozen=True)
class CareerLog:
    """Everything one replication of one scenario recorded."""

    offences: OffenceLog
    """Detected re-offences."""
    custody: CustodyLog
    """Custody spells."""
    breaches: BreachLog
    """Breaches of supervision."""
    programmes: list[ProgrammeLog]
    """One log per intervention, in scenario order."""
    committed_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Each offender's rate of offences committed (detected or not) at the start of follow-up, per day."""
    modifiers: dict[int, list[Modifier]] = field(default_factory=dict)
    """The programme effects each offender received (only offenders with any)."""
