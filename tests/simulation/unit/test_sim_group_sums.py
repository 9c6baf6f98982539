"""Group sums that do not depend on threads or workers (issue 21: last digits changed with `--workers 2`).

A matrix product of the group masks and the offenders' values lets BLAS split each sum across its threads; a
Dask worker runs BLAS on one thread, this process on one per core, so the same replication reduced in two
places gave different last digits. `group_sums` adds offenders in cohort order instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simulation.measures.group_sums import group_sums, offender_cells

MEASURES_UNDER_BLAS_THREADS = textwrap.dedent(
    """
    import hashlib
    import numpy as np, pandas as pd
    from simulation.measures.reoffending import OUTCOME_COLUMNS
    from simulation.measures.replication_measures import measures_by_group
    rng = np.random.default_rng(5)
    n = 45_000
    outcomes = pd.DataFrame({c: rng.gamma(0.7, 3.0, n) for c in OUTCOME_COLUMNS})
    label = rng.integers(0, 29, n)
    masks = {("all", "all"): np.ones(n, dtype=bool), **{("g", str(v)): label == v for v in range(29)}}
    print(hashlib.sha256(repr(sorted(measures_by_group(outcomes, masks).items())).encode()).hexdigest())
    """
)


def _measures_hash(threads: int) -> str:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, "-c", MEASURES_UNDER_BLAS_THREADS], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_measures_are_bit_identical_whatever_the_blas_threads():
    # 45,000 offenders in 30 groups: large enough that a threaded BLAS splits the product (it did before the fix)
    one, four = _measures_hash(1), _measures_hash(4)
    assert one == four, f"measures with 1 BLAS thread hash {one[:12]}, with 4 threads {four[:12]}: expected equal"


def test_group_sums_equal_the_sums_of_each_group():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(500, 3))
    masks = np.vstack([np.ones(500, dtype=bool), rng.random(500) < 0.3, rng.random(500) < 0.6,
                       np.zeros(500, dtype=bool)])
    n, sums = group_sums(masks, values)
    for g, mask in enumerate(masks):
        assert n[g] == mask.sum(), f"group {g}: expected {mask.sum()} offenders, found {n[g]}"
        np.testing.assert_allclose(sums[g], values[mask].sum(axis=0), rtol=1e-12, atol=1e-12,
                                   err_msg=f"group {g}: sums differ")


def test_offender_cells_keep_more_than_64_groups_apart():
    # Codes are renumbered before they overflow: 70 single-offender groups must give 70 distinct cells.
    masks = np.eye(70, dtype=bool)
    cells, membership = offender_cells(masks)
    assert len(set(cells.tolist())) == 70, f"expected 70 cells, found {len(set(cells.tolist()))}"
    assert (membership.sum(axis=1) == 1).all()


@pytest.mark.parametrize("order", ["as given", "reversed"])
def test_group_sums_depend_only_on_the_data(order):
    rng = np.random.default_rng(11)
    values = rng.gamma(0.5, 2.0, size=(20_000, 4))
    masks = rng.random((40, 20_000)) < 0.4
    if order == "reversed":
        masks = masks[::-1].copy()
    first = group_sums(masks, values)[1]
    again = group_sums(masks.copy(), values.copy())[1]
    assert first.tobytes() == again.tobytes()
