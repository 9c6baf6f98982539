"""Benchmark: a Fay-Herriot fit with MSEs for 372 areas, and the parametric bootstrap.

Timed in the same run, on the same data (372 areas, two covariates, unequal sampling variances, as PSA 23
indicator 4 by partnership):

- safer: `fit_fay_herriot` + `predict` (REML, analytic MSE);
- samplics 0.6.1 `EblupAreaModel` (through survey/samplics_adapter.py), REML fit and predict with the same
  tolerance;
- safer's parametric bootstrap MSE, 1,000 replicates, all refitted at once (samplics has no bootstrap; its
  per-fit time times 1,000 is the peer).

Usage: python benchmarks/bench_small_area.py [--areas 372] [--repeats 5] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import samplics_adapter  # noqa: E402
from survey.small_area.bootstrap import bootstrap_mse  # noqa: E402
from survey.small_area.eblup import predict  # noqa: E402
from survey.small_area.fay_herriot import fit_fay_herriot  # noqa: E402


def timed(action, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=372)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(2008)
    m = args.areas
    covariates = np.column_stack([rng.normal(size=m), rng.normal(size=m)])
    n = rng.integers(30, 400, m)
    d = 0.175 * 0.825 * 2.0 / n
    y = 0.175 + covariates @ np.array([0.04, 0.02]) + rng.normal(0, 0.03, m) + rng.normal(0, np.sqrt(d))
    x = np.column_stack([np.ones(m), covariates])
    sampled = np.ones(m, dtype=bool)

    def ours() -> None:
        fit = fit_fay_herriot(y, d, x, "reml", tol=1e-8)
        predict(fit, y, d, x, sampled)

    def peer() -> None:
        samplics_adapter.fay_herriot_eblup(y, np.sqrt(d), covariates, "REML", tol=1e-8)

    fit = fit_fay_herriot(y, d, x, "reml")

    def boot() -> None:
        bootstrap_mse(fit, d, x, sampled, replicates=1000, seed=1)

    t_ours = timed(ours, args.repeats)
    t_peer = timed(peer, args.repeats)
    t_boot = timed(boot, max(1, args.repeats // 2))
    load = os.getloadavg()[0]
    rows = [
        f"| fit + analytic MSE, {m} areas | {t_ours * 1e3:.1f} ms | samplics {t_peer * 1e3:.0f} ms | "
        f"{t_peer / t_ours:.0f}x | {load:.1f} |",
        f"| parametric bootstrap, 1,000 refits | {t_boot * 1e3:.0f} ms | samplics fit x 1,000: {t_peer * 1e3:.0f} s | "
        f"{t_peer * 1000 / t_boot:.0f}x | {load:.1f} |",
    ]
    print("\n".join(rows))
    if args.write:
        with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
