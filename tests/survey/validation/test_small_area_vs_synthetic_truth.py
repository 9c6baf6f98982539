"""Small-area estimates against synthetic truth, over 100 redrawn BCS samples of one synthetic population.

The claims (docs/small-area.md; the full 200-redraw run is `safer check sae --seed 2008 --replicates 200`):
for authorities averaging under 300 interviews the EBLUP's empirical MSE against the truth is below the direct
estimator's; the mean MSE estimate is within 15% of the EBLUP's empirical MSE; 95% intervals cover 92-97% on
average over authorities. The model is the default a user would run on BCS authorities: REML, sampling variances
from the variance function of the effective base, analytic (Prasad-Rao) MSE, formula
`~ imd + log(recorded_asb_rate)`.

Power: 100 redraws of about 365 authorities; the same checks applied to deliberately wrong MSEs (20% too small or
too large) and intervals (z = 1.5 instead of 1.96) fail, so the bounds can bite (last tests).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from survey.small_area.model import SmallAreaOptions, checked_options
from survey.synthetic.sae_check import SaeCheckResult, run_sae_check, sae_check_setup, summarise

REDRAWS = 100
SEED = 2008
OPTIONS = checked_options(variance="gvf")


@pytest.fixture(scope="module")
def check() -> SaeCheckResult:
    return run_sae_check(sae_check_setup(SEED), REDRAWS, options=OPTIONS)


def group(result: SaeCheckResult, name: str) -> dict[str, float]:
    rows = result.summary[result.summary["group"] == name]
    assert len(rows) == 1, f"expected one summary row for {name!r}"
    return rows.iloc[0].to_dict()


@pytest.mark.slow
def test_eblup_beats_direct_for_authorities_under_300_interviews(check: SaeCheckResult) -> None:
    small = group(check, "under 300 interviews")
    assert small["n_areas"] >= 300, f"expected most of the 372 authorities under 300 interviews, got {small['n_areas']}"
    assert small["empirical_mse_eblup"] < small["empirical_mse_direct"], (
        f"expected the EBLUP's MSE below the direct estimator's: EBLUP {small['empirical_mse_eblup']:.3g}, "
        f"direct {small['empirical_mse_direct']:.3g}")
    per_area = check.detail[(check.detail["mean_interviews"] < 300) & (check.detail["replicates_sampled"] >= 50)]
    wins = float(np.mean(per_area["empirical_mse_eblup"] < per_area["empirical_mse_direct"]))
    assert wins > 0.75, f"expected the EBLUP to win in most small authorities, got {wins:.1%}"


@pytest.mark.slow
def test_mean_mse_estimate_within_15_percent_of_empirical_mse(check: SaeCheckResult) -> None:
    ratio = group(check, "all sampled")["mse_estimate_ratio"]
    assert 0.85 <= ratio <= 1.15, f"expected mean MSE estimate / empirical MSE in [0.85, 1.15], got {ratio:.3f}"


@pytest.mark.slow
def test_intervals_cover_92_to_97_percent_averaged_over_authorities(check: SaeCheckResult) -> None:
    coverage = group(check, "all sampled")["coverage"]
    assert 0.92 <= coverage <= 0.97, f"expected 95% intervals to cover 92-97% on average, got {coverage:.1%}"


def tampered(check: SaeCheckResult, mse_factor: float = 1.0, z: float | None = None) -> SaeCheckResult:
    columns = dict(check.draws.columns)
    columns["mse"] = columns["mse"] * mse_factor
    if z is not None:
        half = z * np.sqrt(check.draws.columns["mse"])
        columns["lower"], columns["upper"] = columns["eblup"] - half, columns["eblup"] + half
    return summarise(dataclasses.replace(check.draws, columns=columns), SmallAreaOptions(variance="gvf"))


@pytest.mark.slow
@pytest.mark.parametrize("factor", [0.8, 1.2])
def test_mse_check_catches_a_20_percent_error(check: SaeCheckResult, factor: float) -> None:
    # The wrong MSEs are `factor` times the true (empirical) MSE: the honest estimates' own ratio to it (within
    # the 15% the check allows) is divided out, so the check is shown to catch a 20% error whatever that ratio.
    honest = group(check, "all sampled")["mse_estimate_ratio"]
    ratio = group(tampered(check, mse_factor=factor / honest), "all sampled")["mse_estimate_ratio"]
    assert not 0.85 <= ratio <= 1.15, f"an MSE {factor}x the true one should fail the 15% check; ratio {ratio:.3f}"


@pytest.mark.slow
def test_coverage_check_catches_too_narrow_intervals(check: SaeCheckResult) -> None:
    coverage = group(tampered(check, z=1.5), "all sampled")["coverage"]
    assert coverage < 0.92, f"intervals with z = 1.5 should cover under 92%, got {coverage:.1%}"
