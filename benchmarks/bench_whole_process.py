"""Benchmark: the Place-Survey-scale job timed as whole processes, as a batch user waits for it.

The job: 350 authorities x 1,500 respondents (525,000 rows) in a CSV file; rake each authority on age (6),
sex (2) and ethnicity (2) to its own totals; then 10 proportions by authority with calibration-aware SEs.
Three ways, each a separate process started from the shell's point of view (interpreter start-up, imports,
reading and writing files all counted), in the same run, interleaved, several repeats:

- (a) `safer weight` then `safer estimate`: two processes, a Parquet file between them;
- (b) `safer run job.yaml`: both steps in one process (the weighted table handed over in memory);
- (c) the peer: one plain Python script that reads the same CSV with pandas and loops over authorities with
  samplics (rake, then `TaylorEstimator` per indicator), through `survey/samplics_adapter.py`.

Reported: median wall time of each, the ratios (a)/(c) and (b)/(c) (targets: at most 0.35 and 0.25), the same
for CPU time (user + system of the child processes: steadier when other jobs share the machine), the
1-minute load average before each repeat, and `safer --version` (the command line's bare start-up). The
estimates of (a) and (b) must be identical, and within the samplics raking tolerance of (c)'s.

Usage: python benchmarks/bench_whole_process.py [--repeats 5] [--authorities 350] [--per 1500] [--write]
       (--write records the result in benchmarks/RESULTS.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_weighting import N_INDICATORS, synthetic  # noqa: E402
from installed import compile_like_pip  # noqa: E402
from results_file import replace_section  # noqa: E402

TARGET_TWO_PROCESSES = 0.35
TARGET_RUN = 0.25
SECTION = "## Survey whole processes"

PEER_SCRIPT = textwrap.dedent('''
    """A plain samplics loop over authorities: read the CSV, rake each authority, 10 proportions, write CSV."""
    import sys

    import numpy as np
    import pandas as pd

    sys.path.insert(0, sys.argv[4])
    from survey import samplics_adapter

    data, totals_file, out = sys.argv[1:4]
    frame = pd.read_csv(data)
    totals = pd.read_csv(totals_file)
    indicators = [c for c in frame.columns if c.startswith("ni")]
    totals_by_la = dict(tuple(totals.groupby("la", sort=False)))
    rows = []
    for la, block in frame.groupby("la", sort=False):
        own = totals_by_la[la]
        control = {v: dict(zip(g["category"], g["total"])) for v, g in own.groupby("variable", sort=False)}
        margins = {v: block[v].to_numpy() for v in control}
        raked = samplics_adapter.rake(np.ones(len(block)), margins, control)
        for name in indicators:
            y = block[name].to_numpy(dtype=np.float64)
            keep = ~np.isnan(y)
            estimate, se = samplics_adapter.proportion(y[keep], raked[keep])
            rows.append((la, name, estimate, se))
    pd.DataFrame(rows, columns=["la", "indicator", "estimate", "se"]).to_csv(out, index=False)
''')


@dataclass
class Timings:
    """Wall and CPU seconds of each repeat of one way of running the job."""

    wall: list[float] = field(default_factory=list)
    """Elapsed seconds, start of the first process to end of the last."""
    cpu: list[float] = field(default_factory=list)
    """User + system CPU seconds of the child processes."""

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)


def safer_executable() -> str:
    """The `safer` script of the running Python's environment."""
    candidate = Path(sys.executable).with_name("safer")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("safer")
    if found is None:
        sys.exit("safer is not installed in this environment: pip install -e .")
    return found


def run_processes(commands: list[list[str]], cwd: Path) -> tuple[float, float]:
    """Run commands one after another; wall seconds and children's CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def job_yaml(data: Path, totals: Path) -> str:
    proportions = ", ".join(f"ni{k + 1}=1" for k in range(N_INDICATORS))
    return textwrap.dedent(f"""\
        job: Place-Survey-scale benchmark (benchmarks/bench_whole_process.py)
        steps:
          - name: weighted
            command: weight
            options:
              data: {data}
              controls: {totals}
              by: [la]
              strata: la
              out: weighted.parquet
          - name: estimates
            command: estimate
            options:
              data: "@weighted"
              proportion: [{proportions}]
              by: [la]
              out: estimates.csv
        """)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authorities", type=int, default=350)
    parser.add_argument("--per", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the result in benchmarks/RESULTS.md")
    args = parser.parse_args()

    safer = safer_executable()
    python = sys.executable
    bytecode = compile_like_pip()
    with tempfile.TemporaryDirectory(prefix="bench_whole_") as tmp:
        work = Path(tmp)
        frame, totals = synthetic(args.authorities, args.per)
        data, totals_path = work / "place.csv", work / "totals.csv"
        frame.to_csv(data, index=False)
        totals.to_csv(totals_path, index=False)
        (work / "job.yaml").write_text(job_yaml(data, totals_path))
        (work / "peer.py").write_text(PEER_SCRIPT)
        size_mb = data.stat().st_size / 1e6
        print(f"{len(frame):,} rows ({size_mb:.1f} MB CSV), {args.authorities} authorities, {N_INDICATORS} "
              f"proportions; {os.cpu_count()} CPUs; {args.repeats} repeats after one warm-up")

        proportions = [f"--proportion=ni{k + 1}=1" for k in range(N_INDICATORS)]

        def two_processes(folder: Path) -> list[list[str]]:
            return [
                [safer, "weight", str(data), "--controls", str(totals_path), "--by", "la", "--strata", "la",
                 "--out", str(folder / "weighted.parquet")],
                [safer, "estimate", str(folder / "weighted.parquet"), *proportions, "--by", "la",
                 "--out", str(folder / "estimates.csv")],
            ]

        ways = {
            "two": lambda folder: two_processes(folder),
            "run": lambda folder: [[safer, "run", str(work / "job.yaml"), "--dir", str(folder)]],
            "peer": lambda folder: [[python, str(work / "peer.py"), str(data), str(totals_path),
                                     str(folder / "peer.csv"), str(ROOT)]],
            "startup": lambda folder: [[safer, "--version"]],
        }
        timings = {name: Timings() for name in ways}
        loads: list[float] = []
        for repeat in range(args.repeats + 1):
            loads.append(os.getloadavg()[0])
            # Rotate the order so that no way always runs first after the others.
            order = list(ways)[repeat % len(ways):] + list(ways)[: repeat % len(ways)]
            for name in order:
                folder = work / f"{name}{repeat}"
                folder.mkdir()
                wall, cpu = run_processes(ways[name](folder), folder)
                if repeat > 0:  # the first round warms the page cache and the bytecode caches
                    timings[name].add(wall, cpu)
            shown = ", ".join(f"{n} {timings[n].wall[-1]:.2f} s" for n in ways) if repeat else "warm-up"
            print(f"  round {repeat}: load {loads[-1]:.1f}; {shown}")

        agreement = check_agreement(work, args.repeats) + f"; {bytecode}"

    median = {name: statistics.median(t.wall) for name, t in timings.items()}
    cpu = {name: statistics.median(t.cpu) for name, t in timings.items()}
    ratio_two, ratio_run = median["two"] / median["peer"], median["run"] / median["peer"]
    print(f"weight + estimate (two processes): {median['two']:.2f} s wall, {cpu['two']:.2f} s CPU")
    print(f"safer run (one process):           {median['run']:.2f} s wall, {cpu['run']:.2f} s CPU")
    print(f"samplics loop (one script):        {median['peer']:.2f} s wall, {cpu['peer']:.2f} s CPU")
    print(f"safer --version:                   {median['startup']:.2f} s wall, {cpu['startup']:.2f} s CPU")
    print(f"ratios to the samplics loop: two processes {ratio_two:.2f} (target <= {TARGET_TWO_PROCESSES}), "
          f"safer run {ratio_run:.2f} (target <= {TARGET_RUN}); CPU: {cpu['two'] / cpu['peer']:.2f} and "
          f"{cpu['run'] / cpu['peer']:.2f}")
    print(agreement)
    if args.write:
        record(args, len(frame), size_mb, median, cpu, loads[1:], agreement)


def check_agreement(work: Path, repeats: int) -> str:
    """(a) and (b) give identical estimates; (c)'s are within the samplics raking tolerance of them."""
    two = pd.read_csv(work / f"two{repeats}" / "estimates.csv")
    run = pd.read_csv(work / f"run{repeats}" / "estimates.csv")
    pd.testing.assert_frame_equal(two, run, check_exact=True)
    peer = pd.read_csv(work / f"peer{repeats}" / "peer.csv")
    ours = two[two["domain"] == "la"].assign(indicator=lambda t: t["indicator"].str.extract(r"proportion:(ni\d+)=1",
                                                                                            expand=False))
    joined = peer.merge(ours, left_on=["la", "indicator"], right_on=["domain_value", "indicator"],
                        suffixes=("_peer", ""))
    if len(joined) != len(peer):
        sys.exit(f"only {len(joined)} of {len(peer)} samplics estimates matched safer's rows")
    gap = float(np.max(np.abs(joined["estimate_peer"] - joined["estimate"])))
    se_ratio = joined["se_peer"] / joined["se"]
    return (f"(a) and (b) estimates identical; samplics estimates within {gap:.1e} of safer's "
            f"({len(joined)} authority x indicator pairs; its raking stops at tolerance 1e-4); samplics SE / "
            f"calibration-aware SE: median {se_ratio.median():.3f} (samplics ignores the raking)")


def record(args: argparse.Namespace, rows: int, size_mb: float, median: dict[str, float], cpu: dict[str, float],
           loads: list[float], agreement: str) -> None:
    peer, peer_cpu = median["peer"], cpu["peer"]
    section = "\n".join([
        SECTION,
        "",
        f"`python benchmarks/bench_whole_process.py --repeats {args.repeats} --write` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. "
        f"{args.authorities} authorities x {args.per} respondents ({rows:,} rows, a {size_mb:.0f} MB CSV); raking "
        f"on age (6) x sex (2) x ethnicity (2) per authority, then {N_INDICATORS} proportions by authority with "
        "calibration-aware SEs. Each way is timed as whole processes (start-up, imports, reading and writing "
        f"files), all in the same run, interleaved; medians of {args.repeats} after a warm-up round.",
        "",
        "| way | wall | ratio to samplics loop | target | CPU (user+sys) | CPU ratio |",
        "|---|---|---|---|---|---|",
        f"| (a) `safer weight` then `safer estimate` (two processes, Parquet between) | {median['two']:.2f} s | "
        f"{median['two'] / peer:.2f} | <= {TARGET_TWO_PROCESSES} | {cpu['two']:.2f} s | {cpu['two'] / peer_cpu:.2f} |",
        f"| (b) `safer run job.yaml` (both steps, one process) | {median['run']:.2f} s | {median['run'] / peer:.2f} | "
        f"<= {TARGET_RUN} | {cpu['run']:.2f} s | {cpu['run'] / peer_cpu:.2f} |",
        f"| (c) samplics 0.6.1 loop over authorities, one script reading the CSV | {peer:.2f} s | 1 | | "
        f"{peer_cpu:.2f} s | 1 |",
        f"| `safer --version` (bare start-up) | {median['startup']:.2f} s | {median['startup'] / peer:.2f} | | "
        f"{cpu['startup']:.2f} s | |",
        "",
        f"1-minute load average before each round: {', '.join(f'{v:.1f}' for v in loads)} (2 means both cores "
        "busy with other work). " + agreement + ".",
        "",
    ])
    replace_section(SECTION, section)


if __name__ == "__main__":
    main()
