"""The design decides the variance, whatever the entry point (as R dispatches `svymean` on the design's class).

A design with replicate weights must get the replicate variance from `domain_means`, `domain_means_many` and
`estimate` alike; the same design without them gets the Taylor variance. The replicate and Taylor variances of
these data differ by far more than the tolerance, so a path that fell back to Taylor would fail here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from survey import domain_means as public_domain_means
from survey.design import make_design
from survey.estimation.estimates import estimate
from survey.estimation.replication import replicate_domain_means
from survey.estimation.targets import Target
from survey.estimation.taylor import taylor_domain_means
from survey.estimation.variance import domain_means, domain_means_many
from survey.weighting.replicates import replicate_design


def clustered_sample(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for stratum in range(4):
        for psu in range(3 + stratum % 2):
            size = int(rng.integers(4, 9))
            effect = rng.normal(0, 0.8)
            rows.append(pd.DataFrame({
                "stratum": stratum,
                "psu": f"{stratum}-{psu}",
                "weight": rng.uniform(1, 4, size),
                "y": (rng.normal(effect, 1, size) > 0).astype(float),
                "group": rng.choice([0, 1], size),
            }))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def designs() -> tuple:
    data = clustered_sample()
    taylor = make_design(data, weight="weight", strata="stratum", psu="psu")
    return taylor, replicate_design(taylor, "jkn")


@pytest.mark.parametrize("entry", ["domain_means", "survey.domain_means", "domain_means_many"])
def test_every_entry_point_gives_replicate_variance_on_a_replicate_design(designs: tuple, entry: str) -> None:
    _, jkn = designs
    values = jkn.data[["y"]].to_numpy(dtype=float)
    domain = jkn.data["group"].to_numpy(np.int64)
    if entry == "domain_means":
        got = domain_means(jkn, values, domain, 2)
    elif entry == "survey.domain_means":
        got = public_domain_means(jkn, values, domain, 2)
    else:
        got = domain_means_many(jkn, values, [(domain, 2)])[0]
    expected = replicate_domain_means(jkn, values, domain, 2)
    taylor = taylor_domain_means(replace(jkn, replicates=None), values, domain, 2)
    assert got.method == "replicate", f"expected the replicate method, got {got.method}"
    np.testing.assert_allclose(got.variance, expected.variance, rtol=1e-12,
                               err_msg="variance differs from the replicate variance")
    # The test has power only if the two methods differ here by far more than the tolerance.
    assert np.min(np.abs(taylor.variance / expected.variance - 1)) > 1e-3, "Taylor and replicate coincide"


def test_estimate_and_domain_means_agree_on_a_replicate_design(designs: tuple) -> None:
    _, jkn = designs
    values = jkn.data["y"].to_numpy(dtype=float)
    table = estimate(jkn, [Target("y", values, "proportion")], by=["group"], ci="wald")
    by_group = table[table["domain"] == "group"].sort_values("domain_value")
    direct = domain_means(jkn, values, jkn.data["group"].to_numpy(np.int64), 2)
    np.testing.assert_allclose(by_group["se"].to_numpy() ** 2, direct.variance[:, 0], rtol=1e-12,
                               err_msg="estimate's SE^2 is not the replicate variance of domain_means")


def test_without_replicates_the_taylor_path_is_taken(designs: tuple) -> None:
    taylor, _ = designs
    values = taylor.data[["y"]].to_numpy(dtype=float)
    domain = taylor.data["group"].to_numpy(np.int64)
    got = domain_means(taylor, values, domain, 2)
    assert got.method == "taylor"
    np.testing.assert_allclose(got.variance, taylor_domain_means(taylor, values, domain, 2).variance, rtol=1e-12)
