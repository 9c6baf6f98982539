"""Benchmark: the change between two survey years, 10 indicators, overall and for each of 350 authorities.

Two independent years of a Place-Survey-like sample (350 authorities x 1,500 respondents each, the authority a
stratum), each raked on age, sex and ethnicity within authority, stacked, and `change()` for 10 proportions:
every change with its full-design, calibration-aware SE. Timed in the same run:

- safer, calibrated: stack the two calibrated designs and run `change(by la)`;
- safer, the two years' estimates alone (`estimate(by la)` on each year): what judging costs beside estimating;
- R survey (if Rscript is installed): the same change for uncalibrated designs, `svyby(~ni, ~year + la,
  svymean, covmat = TRUE)` and `svycontrast` per indicator on a subset of authorities, scaled up linearly; safer on
  the same uncalibrated problem is timed beside it. (`svyby(covmat = TRUE)` fails on calibrated designs in
  survey 4.1.1, see docs/r-parity.md.)

Usage: python benchmarks/bench_judging.py [--authorities 350] [--per 1500] [--r-authorities 20] [--repeats 5]
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_weighting import N_INDICATORS, synthetic  # noqa: E402

from survey.design import SurveyDesign, make_design  # noqa: E402
from survey.estimation.estimates import estimate  # noqa: E402
from survey.estimation.targets import Target  # noqa: E402
from survey.judging.change import change  # noqa: E402
from survey.judging.periods import Period  # noqa: E402
from survey.stacking import stack_designs  # noqa: E402
from survey.weighting.calibration import calibrate_to_margins  # noqa: E402
from survey.weighting.controls import control_totals_from_frame  # noqa: E402

INDICATORS = [f"ni{k + 1}" for k in range(N_INDICATORS)]


def years(n_authorities: int, per: int, calibrated: bool) -> list[tuple[SurveyDesign, pd.DataFrame]]:
    out = []
    for seed in (2008, 2010):
        frame, totals = synthetic(n_authorities, per, seed)
        design = make_design(frame, strata="la")
        if calibrated:
            design = calibrate_to_margins(design, control_totals_from_frame(totals, by=["la"]), by=["la"])
        out.append((design, frame))
    return out


def safer_change(pairs: list[tuple[SurveyDesign, pd.DataFrame]]) -> pd.DataFrame:
    stacked = stack_designs([d for d, _ in pairs], ["2008", "2010"], source_column="year")
    values = pd.concat([f[INDICATORS] for _, f in pairs], ignore_index=True).to_numpy(np.float64)
    targets = [Target(name, values[:, j], "proportion") for j, name in enumerate(INDICATORS)]
    first = (stacked.data["year"] == "2008").to_numpy()
    return change(stacked, targets, Period("2008", first), Period("2010", ~first), by=["la"], min_base=0)


def safer_estimates(pairs: list[tuple[SurveyDesign, pd.DataFrame]]) -> None:
    for design, frame in pairs:
        targets = [Target(name, frame[name].to_numpy(np.float64), "proportion") for name in INDICATORS]
        estimate(design, targets, by=["la"], min_base=0)


def timed(action: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


R_SCRIPT = """
suppressPackageStartupMessages(library(survey))
d <- read.csv(commandArgs(TRUE)[1])
d$stratum <- paste(d$year, d$la)
design <- svydesign(ids = ~1, strata = ~stratum, data = d)
started <- proc.time()[["elapsed"]]
for (v in sprintf("ni%d", 1:10)) {
  answered <- subset(design, !is.na(design$variables[[v]]))
  by <- svyby(as.formula(paste0("~", v)), ~year + la, answered, svymean, covmat = TRUE)
  keys <- paste(by$year, by$la)
  areas <- sort(unique(d$la))
  contrasts <- lapply(areas, function(a) (keys == paste(2010, a)) - (keys == paste(2008, a)))
  names(contrasts) <- areas
  result <- svycontrast(by, contrasts)
}
cat(proc.time()[["elapsed"]] - started, "\\n")
cat(sprintf("%.17g", SE(result)[1]), "\\n")
"""


def r_change(pairs: list[tuple[SurveyDesign, pd.DataFrame]], n_authorities: int) -> tuple[float, float] | None:
    """R's seconds for `n_authorities` authorities and the SE of the first authority's last change."""
    if shutil.which("Rscript") is None:
        return None
    keep = sorted(pairs[0][1]["la"].unique())[:n_authorities]
    frames = [f.assign(year=year) for (_, f), year in zip(pairs, (2008, 2010), strict=True)]
    data = pd.concat([f[f["la"].isin(keep)] for f in frames], ignore_index=True)
    with tempfile.TemporaryDirectory() as folder:
        csv, script = Path(folder) / "d.csv", Path(folder) / "b.R"
        data[["year", "la", *INDICATORS]].to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        done = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True, check=True)
    seconds, se = (float(x) for x in done.stdout.split())
    return seconds, se


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--authorities", type=int, default=350)
    parser.add_argument("--per", type=int, default=1500)
    parser.add_argument("--r-authorities", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    calibrated = years(args.authorities, args.per, True)
    plain = years(args.authorities, args.per, False)
    rows = 2 * args.authorities * args.per
    change_s = timed(lambda: safer_change(calibrated), args.repeats)
    estimate_s = timed(lambda: safer_estimates(calibrated), args.repeats)
    plain_s = timed(lambda: safer_change(plain), args.repeats)
    load = os.getloadavg()[0]
    print(f"{rows:,} rows, {N_INDICATORS} indicators, {args.authorities} authorities, median of {args.repeats}; "
          f"1-minute load {load:.1f}")
    print(f"safer change, calibrated (stack + change by la): {change_s:.3f} s")
    print(f"safer estimates of both years alone (estimate by la, twice): {estimate_s:.3f} s "
          f"(change costs {change_s / estimate_s:.1f}x the two estimates)")
    print(f"safer change, uncalibrated: {plain_s:.3f} s")
    r = r_change(plain, args.r_authorities)
    if r is not None:
        seconds, se = r
        scaled = seconds * args.authorities / args.r_authorities
        table = safer_change(plain)
        first = sorted(plain[0][1]["la"].unique())[0]
        ours = table[(table["indicator"] == "ni10") & (table["domain_value"] == first)]["se_change"].iloc[0]
        print(f"R svyby(covmat) + svycontrast, uncalibrated: {seconds:.2f} s for {args.r_authorities} authorities, "
              f"{scaled:.1f} s scaled to {args.authorities}; safer is {scaled / plain_s:.0f}x faster; "
              f"SE of ni10 in {first}: R {se:.10g}, safer {ours:.10g} (relative difference "
              f"{abs(ours - se) / se:.1e})")


if __name__ == "__main__":
    main()
