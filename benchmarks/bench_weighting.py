"""Benchmark: rake 350 authorities x 1,500 respondents and estimate 10 proportions by authority.

Each authority is raked on age (6), sex (2) and ethnicity (2) to its own totals; then 10 proportions are
estimated overall and for every authority with calibration-aware SEs (residual method, as R calibrate).
Timed in the same run:

- safer: control totals -> design -> calibrate_to_margins (all authorities at once) -> estimate(by la);
- samplics 0.6.1, authority by authority: SampleWeight.rake + TaylorEstimator (its SEs ignore the raking);
- R survey (if Rscript is installed), authority by authority: calibrate(calfun = "raking") + svymean, run on
  a subset of authorities and scaled up linearly (R takes ~26 s for all 350).

Usage: python benchmarks/bench_weighting.py [--authorities 350] [--per 1500] [--samplics-authorities 350]
       [--r-authorities 25] [--repeats 5] [--write]   (--write records the result in benchmarks/RESULTS.md)
"""

from __future__ import annotations

import argparse
import os
import platform
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
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from results_file import replace_section  # noqa: E402

from survey import samplics_adapter  # noqa: E402
from survey.design import make_design  # noqa: E402
from survey.estimation.estimates import estimate  # noqa: E402
from survey.estimation.targets import Target  # noqa: E402
from survey.weighting.calibration import calibrate_to_margins  # noqa: E402
from survey.weighting.controls import control_totals_from_frame  # noqa: E402

AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
N_INDICATORS = 10
TARGET_SECONDS = 0.35


def synthetic(n_authorities: int, per: int, seed: int = 2008) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A postal survey per authority (older people and women over-represented) and authority totals."""
    rng = np.random.default_rng(seed)
    n = n_authorities * per
    authority = np.repeat(np.arange(n_authorities), per)
    minority = 0.05 + 0.4 * rng.random(n_authorities) ** 3
    frame = pd.DataFrame({
        "la": np.char.add("LA", np.char.zfill(authority.astype(str), 3)),
        "age": np.asarray(AGES)[rng.choice(6, n, p=[.06, .10, .15, .18, .21, .30])],
        "sex": rng.choice(np.array(["Male", "Female"]), n, p=[.42, .58]),
        "eth": np.where(rng.random(n) < minority[authority] * 0.8, "Other", "White"),
    })
    area = rng.normal(0, 0.3, n_authorities)[authority]
    age_index = pd.Categorical(frame["age"], categories=AGES).codes
    for k in range(N_INDICATORS):
        male = (frame["sex"] == "Male").to_numpy()
        other = (frame["eth"] == "Other").to_numpy()
        logit = -1.2 + 0.1 * k + area - 0.15 * age_index + 0.3 * male + 0.2 * other
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        y[rng.random(n) < 0.04] = np.nan  # don't know / not answered: outside the base
        frame[f"ni{k + 1}"] = y
    rows = []
    for a in range(n_authorities):
        total = float(rng.integers(60_000, 400_000))
        shares = {
            "age": dict(zip(AGES, (.14, .17, .18, .17, .15, .19), strict=True)),
            "sex": {"Male": .49, "Female": .51},
            "eth": {"White": 1 - minority[a], "Other": minority[a]},
        }
        for variable, categories in shares.items():
            for category, share in categories.items():
                rows.append((f"LA{a:03d}", variable, category, total * share))
    return frame, pd.DataFrame(rows, columns=["la", "variable", "category", "total"])


def run_safer(frame: pd.DataFrame, totals: pd.DataFrame, split: list[float] | None = None) -> pd.DataFrame:
    start = time.perf_counter()
    controls = control_totals_from_frame(totals, ["la"])
    design = make_design(frame, strata="la")
    calibrated = calibrate_to_margins(design, controls, by=["la"], method="raking")
    middle = time.perf_counter()
    table = estimate(calibrated, proportion_targets(frame), by=["la"])
    if split is not None:
        split += [middle - start, time.perf_counter() - middle]
    return table


def proportion_targets(frame: pd.DataFrame) -> list[Target]:
    """The 10 indicators as 0/1 with NaN outside the base (what `proportion_target` builds, made here with
    numpy because its per-row text matching would dominate the timing; see the weighting report)."""
    return [Target(f"proportion:ni{k + 1}=1", frame[f"ni{k + 1}"].to_numpy(dtype=np.float64), "proportion")
            for k in range(N_INDICATORS)]


def run_samplics(frame: pd.DataFrame, totals: pd.DataFrame, authorities: list[str]) -> dict[tuple[str, str], float]:
    ses: dict[tuple[str, str], float] = {}
    by_la = dict(tuple(frame.groupby("la", sort=False)))
    by_la_totals = dict(tuple(totals.groupby("la", sort=False)))
    for la in authorities:
        rows = by_la[la]
        block = by_la_totals[la]
        control = {v: dict(zip(g["category"], g["total"], strict=True)) for v, g in block.groupby("variable")}
        margins = {v: rows[v].to_numpy() for v in control}
        raked = samplics_adapter.rake(np.ones(len(rows)), margins, control)
        for k in range(N_INDICATORS):
            y = rows[f"ni{k + 1}"].to_numpy()
            keep = ~np.isnan(y)
            _, se = samplics_adapter.proportion(y[keep], raked[keep])
            ses[(la, f"ni{k + 1}")] = se
    return ses


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
ct <- read.csv(args[2], stringsAsFactors = FALSE)
levels <- list(age = c("16-24", "25-34", "35-44", "45-54", "55-64", "65+"), sex = c("Male", "Female"),
               eth = c("White", "Other"))
for (v in names(levels)) d[[v]] <- factor(d[[v]], levels = levels[[v]])
ind <- grep("^ni", names(d), value = TRUE)
out <- list()
elapsed <- system.time({
  for (a in unique(d$la)) {
    sub <- d[d$la == a, ]
    b <- ct[ct$la == a, ]
    tot <- function(v, k) b$total[b$variable == v & b$category == k]
    pop <- unname(c(sum(b$total[b$variable == "age"]), sapply(levels$age[-1], function(k) tot("age", k)),
                    tot("sex", "Female"), tot("eth", "Other")))
    des <- calibrate(svydesign(ids = ~1, weights = ~1, data = sub), ~age + sex + eth, pop, calfun = "raking")
    for (v in ind) {
      m <- svymean(as.formula(paste0("~", v)), des, na.rm = TRUE)
      out[[length(out) + 1]] <- data.frame(la = a, indicator = v, se = unname(SE(m))[1])
    }
  }
})[["elapsed"]]
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
cat(elapsed, "\n")
"""


def run_r(frame: pd.DataFrame, totals: pd.DataFrame, authorities: list[str]) -> tuple[float, pd.DataFrame] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data_path, totals_path, out_path, script = (Path(tmp) / f for f in ("d.csv", "t.csv", "o.csv", "b.R"))
        frame[frame.la.isin(authorities)].to_csv(data_path, index=False)
        totals[totals.la.isin(authorities)].to_csv(totals_path, index=False)
        script.write_text(R_SCRIPT)
        run = subprocess.run(["Rscript", str(script), str(data_path), str(totals_path), str(out_path)],
                             capture_output=True, text=True, check=False, timeout=3600)
        if run.returncode != 0:
            print("R failed:", run.stderr[-2000:])
            return None
        return float(run.stdout.split()[-1]), pd.read_csv(out_path)


def timed(action, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authorities", type=int, default=350)
    parser.add_argument("--per", type=int, default=1500)
    parser.add_argument("--samplics-authorities", type=int, default=350)
    parser.add_argument("--r-authorities", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the result in benchmarks/RESULTS.md")
    args = parser.parse_args()

    frame, totals = synthetic(args.authorities, args.per)
    authorities = sorted(frame["la"].unique())
    print(f"{args.authorities} authorities x {args.per} respondents = {len(frame):,} rows; "
          f"{N_INDICATORS} proportions; cpus: {os.cpu_count()}")

    run_safer(frame, totals)  # warm-up (imports, first-touch allocations)
    split: list[float] = []
    safer_seconds, table = timed(lambda: run_safer(frame, totals, split), args.repeats)
    calibrate_seconds = statistics.median(split[0::2])
    estimate_seconds = statistics.median(split[1::2])
    load = os.getloadavg()[0]
    print(f"safer (median of {args.repeats}): {safer_seconds:.3f} s  [target <= {TARGET_SECONDS} s]; "
          f"controls + design + calibration {calibrate_seconds:.3f} s, estimate (overall + by authority) "
          f"{estimate_seconds:.3f} s; 1-minute load average {load:.1f} on {os.cpu_count()} CPUs")
    assert isinstance(table, pd.DataFrame)
    safer_se = table[table.domain == "la"].set_index(["domain_value", "indicator"])["se"]

    subset = authorities[: args.samplics_authorities]
    start = time.perf_counter()
    samplics_se = run_samplics(frame, totals, subset)
    samplics_seconds = (time.perf_counter() - start) * len(authorities) / len(subset)
    scaled = "" if len(subset) == len(authorities) else f" (ran {len(subset)} authorities, scaled linearly)"
    print(f"samplics per-authority loop: {samplics_seconds:.3f} s{scaled}; "
          f"safer is {samplics_seconds / safer_seconds:.1f}x faster")
    ratio = np.array([samplics_se[(la, ind)] / safer_se[(la, f"proportion:{ind}=1")] for la, ind in samplics_se])
    print(f"  samplics SE / calibration-aware SE: median {np.median(ratio):.3f}, range "
          f"{ratio.min():.3f}-{ratio.max():.3f} (samplics ignores the raking)")

    r_line = "R: Rscript not installed"
    r_seconds = None
    r_subset = authorities[: args.r_authorities]
    r = run_r(frame, totals, r_subset)
    if r is not None:
        r_elapsed, r_ses = r
        r_seconds = r_elapsed * len(authorities) / len(r_subset)
        diffs = []
        for row in r_ses.itertuples(index=False):
            ours = safer_se[(row.la, f"proportion:{row.indicator}=1")]
            diffs.append(abs(ours / row.se - 1))
        r_line = (f"R survey calibrate+svymean per authority: {r_seconds:.1f} s (ran {len(r_subset)} authorities in "
                  f"{r_elapsed:.2f} s, scaled linearly); safer is {r_seconds / safer_seconds:.0f}x faster; "
                  f"max relative SE difference from R on those authorities: {max(diffs):.1e}")
    print(r_line)

    if args.write:
        breakdown = (f"Of safer's time, controls + design + calibration took {calibrate_seconds:.3f} s and estimate() "
                     f"(overall and by authority) {estimate_seconds:.3f} s. 1-minute load average during the run: "
                     f"{load:.1f} (other jobs were sharing the machine when above {os.cpu_count()}).")
        record(args, len(frame), safer_seconds, samplics_seconds, len(subset), ratio, r_seconds, r_line, breakdown)


def record(args: argparse.Namespace, rows: int, safer_seconds: float, samplics_seconds: float, samplics_ran: int,
           ratio: np.ndarray, r_seconds: float | None, r_line: str, breakdown: str) -> None:
    section = "\n".join([
        "## Weighting",
        "",
        f"`python benchmarks/bench_weighting.py --write` on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        f"{args.authorities} authorities x {args.per} respondents ({rows:,} rows); raking on age (6) x sex (2) x "
        f"ethnicity (2) margins per authority; {N_INDICATORS} proportions overall and by authority with "
        "calibration-aware SEs and logit CIs.",
        "",
        "| tool | time | safer is |",
        "|---|---|---|",
        f"| safer (all authorities at once; median of {args.repeats}) | {safer_seconds:.3f} s | target <= "
        f"{TARGET_SECONDS} s |",
        f"| samplics 0.6.1 per-authority rake + TaylorEstimator"
        f"{'' if samplics_ran == args.authorities else f' ({samplics_ran} run, scaled)'} | {samplics_seconds:.2f} s | "
        f"{samplics_seconds / safer_seconds:.1f}x faster |",
        (f"| R survey 4.1.1 per-authority calibrate + svymean ({args.r_authorities} run, scaled) | "
         f"{r_seconds:.1f} s | {r_seconds / safer_seconds:.0f}x faster |") if r_seconds else "| R survey | not run | |",
        "",
        f"samplics SEs ignore the raking: their ratio to the calibration-aware SE has median {np.median(ratio):.3f} "
        f"(range {ratio.min():.3f}-{ratio.max():.3f}). {r_line}.",
        "",
        breakdown,
        "",
    ])
    replace_section("## Weighting", section)


if __name__ == "__main__":
    main()
