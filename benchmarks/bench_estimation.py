"""Benchmark: all 18 Place Survey indicators by local authority on a 500,000-row file.

Timed in the same run, on the same file:

- safer, end to end: read the Parquet file, derive the 18 indicators from the questionnaire, estimate
  overall and by authority with stratified Taylor SEs (`survey.jobs.estimate_file`);
- safer, core: indicator variables + `estimate()` on data already in memory;
- samplics 0.6.1 (through survey/samplics_adapter.py), authority by authority and indicator by
  indicator: `TaylorEstimator(PopParam.mean)` on the base rows (its fastest path for 0/1 data);
- R survey (if Rscript is installed): `svyby(~ind, ~la, design, svymean, na.rm = TRUE)` per indicator on
  a subset of authorities, scaled up linearly.

The file is a synthetic Place Survey (`safer synth place`), weighted by its design weights and
stratified by authority. Usage:

    python benchmarks/bench_estimation.py [--las 350] [--returns 1580] [--repeats 5] [--r-las 20] [--write]

`--write` appends the result to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import samplics_adapter  # noqa: E402
from survey.design import make_design  # noqa: E402
from survey.estimation.estimates import estimate  # noqa: E402
from survey.estimation.indicators import indicator_ids, indicator_values  # noqa: E402
from survey.estimation.targets import Target  # noqa: E402
from survey.jobs.estimate import DesignOptions, estimate_file  # noqa: E402
from survey.questionnaire.loading import load_questionnaire  # noqa: E402
from survey.synthetic.jobs import synth_place  # noqa: E402


def timed(action, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median wall time of `repeats` runs and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def indicator_matrix(data: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    q = load_questionnaire("place")
    ids = list(indicator_ids(q))
    return ids, np.column_stack([indicator_values(data, q, i) for i in ids])


def run_core(data: pd.DataFrame) -> pd.DataFrame:
    ids, values = indicator_matrix(data)
    design = make_design(data, weight="design_weight", strata="la")
    targets = [Target(i, values[:, j], "proportion") for j, i in enumerate(ids)]
    return estimate(design, targets, by=["la"])


def run_samplics(data: pd.DataFrame, values: np.ndarray, ids: list[str]) -> dict[tuple[str, str], float]:
    ses: dict[tuple[str, str], float] = {}
    la = data["la"].to_numpy()
    weights = data["design_weight"].to_numpy(dtype=np.float64)
    order = np.argsort(la, kind="stable")
    bounds = np.flatnonzero(np.r_[True, la[order][1:] != la[order][:-1], True])
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[start:stop]
        for j, indicator in enumerate(ids):
            y = values[rows, j]
            keep = ~np.isnan(y)
            ses[(str(la[rows[0]]), indicator)] = samplics_adapter.proportion(y[keep], weights[rows][keep])[1]
    return ses


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
ind <- setdiff(names(d), c("la", "design_weight"))
des <- svydesign(ids = ~1, strata = ~la, weights = ~design_weight, data = d)
out <- list()
elapsed <- system.time({
  for (v in ind) {
    b <- svyby(as.formula(paste0("~", v)), ~la, des, svymean, na.rm = TRUE)
    out[[v]] <- data.frame(la = b$la, indicator = v, se = SE(b))
  }
})[["elapsed"]]
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
cat(elapsed, "\n")
"""


def run_r(
    data: pd.DataFrame, values: np.ndarray, ids: list[str], las: list[str], workdir: Path
) -> tuple[float, pd.DataFrame]:
    keep = data["la"].isin(las).to_numpy()
    frame = pd.DataFrame(values[keep], columns=ids)
    frame.insert(0, "la", data["la"].to_numpy()[keep])
    frame.insert(1, "design_weight", data["design_weight"].to_numpy()[keep])
    (workdir / "bench.R").write_text(R_SCRIPT)
    frame.to_csv(workdir / "subset.csv", index=False)
    result = subprocess.run(
        ["Rscript", str(workdir / "bench.R"), str(workdir / "subset.csv"), str(workdir / "r_se.csv")],
        capture_output=True, text=True, check=True,
    )
    return float(result.stdout.strip().split()[-1]), pd.read_csv(workdir / "r_se.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--las", type=int, default=350)
    parser.add_argument("--returns", type=int, default=1580, help="target returns per authority")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--r-las", type=int, default=20, help="authorities given to R (0 to skip)")
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        synthetic = synth_place(args.seed, n_las=args.las, returns=args.returns)
        path = workdir / "place.parquet"
        synthetic.data.to_parquet(path, index=False)
        data = synthetic.data
        rows = len(data)
        print(f"{rows:,} rows, {args.las} authorities, 18 indicators; cpus: {os.cpu_count()}; "
              f"load average {os.getloadavg()[0]:.1f}")

        options = DesignOptions(weight="design_weight", strata="la")
        end_to_end, (table, _) = timed(
            lambda: estimate_file(path, design_options=options, questionnaire="place", all_indicators=True,
                                  by=["la"]),
            args.repeats,
        )
        core, core_table = timed(lambda: run_core(data), args.repeats)
        ids, values = indicator_matrix(data)
        peer, samplics_se = timed(lambda: run_samplics(data, values, ids), 1)

        ours = table[table["domain"] == "la"].set_index(["domain_value", "indicator"])["se"]
        diffs = [abs(ours[(la, ind)] - se) / se for (la, ind), se in samplics_se.items() if se > 0]
        print(f"safer end to end (read + indicators + estimate; median of {args.repeats}): {end_to_end:.3f} s")
        print(f"safer core (indicators + estimate, data in memory): {core:.3f} s")
        print(f"samplics per authority x indicator: {peer:.3f} s; safer core is {peer / core:.1f}x faster, "
              f"end to end {peer / end_to_end:.1f}x; max relative SE difference {max(diffs):.1e} (samplics takes "
              "an indicator's base as the whole sample; R and safer keep every row of the stratum, n/(n-1))")
        r_line = "R: Rscript not installed"
        if args.r_las and shutil.which("Rscript"):
            las = sorted(data["la"].unique())[: args.r_las]
            r_seconds, r_se = run_r(data, values, ids, las, workdir)
            scaled = r_seconds * args.las / len(las)
            worst = max(abs(ours[(row.la, row.indicator)] - row.se) / row.se for row in r_se.itertuples() if row.se > 0)
            r_line = (f"R svyby per indicator: {scaled:.1f} s (ran {len(las)} authorities in {r_seconds:.2f} s, scaled "
                      f"linearly); safer core is {scaled / core:.0f}x faster; max relative SE difference {worst:.1e}")
        print(r_line)
        del core_table
        if args.write:
            record(args, rows, end_to_end, core, peer, r_line)


def record(args: argparse.Namespace, rows: int, end_to_end: float, core: float, peer: float, r_line: str) -> None:
    text = (
        "\n## Estimation\n\n"
        f"`python benchmarks/bench_estimation.py` ({time.strftime('%Y-%m-%d')}): {rows:,} synthetic Place Survey rows, "
        f"{args.las} authorities, all 18 indicators, overall and by authority, stratified Taylor SEs. "
        f"1-minute load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.\n\n"
        "| run | seconds | ratio |\n|---|---|---|\n"
        f"| safer end to end (read Parquet, indicators, estimate) | {end_to_end:.3f} | |\n"
        f"| safer core (indicators + estimate) | {core:.3f} | 1 |\n"
        f"| samplics 0.6.1, authority x indicator loop | {peer:.3f} | {peer / core:.1f}x slower |\n\n"
        "The samplics peer gets the indicator columns ready-made; safer core includes deriving them.\n\n"
        f"{r_line}\n"
    )
    results = ROOT / "benchmarks" / "RESULTS.md"
    existing = results.read_text() if results.exists() else "# Benchmark results\n"
    if "\n## Estimation\n" in existing:
        before, _, after = existing.partition("\n## Estimation\n")
        rest = after.split("\n## ", 1)
        existing = before + ("\n## " + rest[1] if len(rest) > 1 else "")
    results.write_text(existing.rstrip("\n") + "\n" + text)
    print(f"recorded in {results}")


if __name__ == "__main__":
    main()
