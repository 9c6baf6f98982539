"""What every simulation output must say about itself: the model's assumptions that are not Annex rules, and
the caveats a reader needs (written into the output metadata, listed in docs/simulation.md)."""

from __future__ import annotations

MODEL_ASSUMPTIONS: tuple[str, ...] = (
    "No offending in custody: an offender offends only at liberty (a model assumption, not an Annex rule).",
    "Court lag does not depend on the seriousness of the offence; custody follows conviction (no remand).",
    "Only rate x detection probability is identified by the published figures: detection_probability (0.025, from "
    "attrition evidence) is fixed and sets how many offences are committed per detected one.",
    "Offences committed are expected counts: the integral of the offending rate over time at liberty during "
    "follow-up (exact given the simulated custody spells), not drawn one by one.",
    "The mix of offences committed is the detected mix weighted by one over each type's detection probability "
    "(attrition by type); drug misusers' non-serious offences follow the acquisitive mix. The non-serious types in a "
    "simulated log follow the general mix: no measure reads them; the money prices each offender's own mix.",
    "An offender's rate follows the age-crime curve as they age during follow-up: rising through the teens to "
    "the peak age, falling after it (log-linear pieces).",
    "Frailty (unobserved propensity to offend) is gamma with mean 1; its variance differs for custody leavers.",
    "Sanction shares depend only on seriousness (Table 1 or not) and cohort kind, not on the offender.",
    "A programme place is kept while the offender is in custody; effects stop when a drop-out leaves.",
    "Referrals from outside the cohort are not followed: they use places and wait in the same list, no more. Unless "
    "a scenario gives them, they are derived from the service's throughput and the cohort's own referrals, so that "
    "a Q1 cohort takes its steady-state share of the places.",
    "A generated cohort smaller than the national one gets the same share of programme places and outside "
    "referrals; national totals are the simulated ones divided by that share.",
    "Every intervention effect cites its evidence (author, year, design, interval) or is a stated assumption with a "
    "range; effects measured on the binary rate are applied to the offending rate (an assumption).",
    "Years after the last figure follow the trend fitted to the published series (or --trend); years between two "
    "figures interpolate the base rate. The juvenile gradient by pre-court and first-tier disposal, and the age "
    "curves, are assumptions (not published for the PSA years).",
    "Unit costs of crime are Home Office 2003/04 estimates (uplifted by an assumed 14% to 2008 prices) where so "
    "labelled, otherwise assumed.",
)

SIMULATED = (
    "Simulated figures from a model calibrated to the published adult and juvenile re-offending series (figures "
    "that are assumed, not published, are marked so). Intervention effects rest on the evidence each scenario "
    "cites, or on stated assumptions."
)
NO_CI_IN_PUBLICATION = (
    "Published cohort results carry no confidence interval ('actual results, not samples', 000:695); the "
    "intervals here are Monte Carlo intervals of the simulation (and, with --uncertainty, of the assumptions)."
)
