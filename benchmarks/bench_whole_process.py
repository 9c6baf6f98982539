"""Benchmark: the Place-Survey-scale job timed as whole processes, as a batch user waits for it.

The job: 350 authorities x 1,500 respondents (525,000 rows) in a CSV file; rake each authority on age (6),
sex (2) and ethnicity (2) to its own totals; then 10 proportions by authority with calibration-aware SEs.
Two data shapes, each timed against the peer in the same run: categories as text ("LA001", "16-24", "Male",
"White"), and the same file with every category an integer code (authority 1-350, age 1-6, sex and ethnicity
1-2), the shape survey files usually come in and the peer's favourite (samplics is several times faster on it).
Three ways, each a separate process started from the shell's point of view (interpreter start-up, imports,
reading and writing files all counted), in the same run, interleaved, several repeats:

- (a) `safer weight` then `safer estimate`: two processes, a Parquet file between them;
- (b) `safer run job.yaml`: both steps in one process (the weighted table handed over in memory);
- (c) the peer: one plain Python script that reads the same CSV with pandas and loops over authorities with
  samplics (rake, then `TaylorEstimator` per indicator), through `survey/samplics_adapter.py`.

Reported for each shape: median wall time of each, the ratios (a)/(c) and (b)/(c) (targets on both shapes: at
most 0.5 and 0.35), the same for CPU time (user + system of the child processes: steadier when other jobs share
the machine), the 1-minute load average before each repeat, and `safer --version` (the command line's bare
start-up). The estimates of (a) and (b) must be identical, and within the samplics raking tolerance of (c)'s.

Usage: python benchmarks/bench_whole_process.py [--repeats 5] [--authorities 350] [--per 1500]
       [--shapes text,integer] [--write]   (--write records the result in benchmarks/RESULTS.md)
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_weighting import AGES, N_INDICATORS, synthetic  # noqa: E402
from installed import compile_like_pip  # noqa: E402
from results_file import replace_section  # noqa: E402

TARGET_TWO_PROCESSES = 0.5
TARGET_RUN = 0.35
SHAPES = ("text", "integer")
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


Way = Callable[[Path], list[list[str]]]
"""A way of doing the job: the commands to run, given the folder they work in."""


def interleaved_rounds(ways: dict[str, Way], work: Path, repeats: int) -> tuple[dict[str, Timings], list[float]]:
    """Run every way once per round, a warm-up round first, each in a folder of its own under `work`; returns the
    timings of the rounds after the warm-up and the 1-minute load average before each round (warm-up included)."""
    timings = {name: Timings() for name in ways}
    loads: list[float] = []
    for repeat in range(repeats + 1):
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
    return timings, loads


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


def integer_coded(frame: pd.DataFrame, totals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same survey and totals with every category an integer code: authority 1-350, age 1-6, sex and
    ethnicity 1-2 (the order of first appearance in `AGES`, Male/Female, White/Other)."""
    codes = {"age": {a: i + 1 for i, a in enumerate(AGES)}, "sex": {"Male": 1, "Female": 2},
             "eth": {"White": 1, "Other": 2}}
    coded = frame.copy()
    coded["la"] = coded["la"].str.slice(2).astype(int) + 1
    for variable, mapping in codes.items():
        coded[variable] = coded[variable].map(mapping).astype(int)
    coded_totals = totals.copy()
    coded_totals["la"] = coded_totals["la"].str.slice(2).astype(int) + 1
    coded_totals["category"] = [codes[v][c] for v, c in zip(coded_totals["variable"], coded_totals["category"],
                                                            strict=True)]
    return coded, coded_totals


@dataclass
class ShapeResult:
    """The timings of one data shape."""

    shape: str
    size_mb: float
    timings: dict[str, Timings]
    loads: list[float]
    agreement: str

    def median(self, way: str) -> float:
        return statistics.median(self.timings[way].wall)

    def cpu(self, way: str) -> float:
        return statistics.median(self.timings[way].cpu)


def time_shape(shape: str, frame: pd.DataFrame, totals: pd.DataFrame, work: Path, repeats: int) -> ShapeResult:
    """Every way on one data shape, interleaved, `repeats` rounds after a warm-up."""
    safer = safer_executable()
    python = sys.executable
    work = work / shape
    work.mkdir()
    data, totals_path = work / "place.csv", work / "totals.csv"
    frame.to_csv(data, index=False)
    totals.to_csv(totals_path, index=False)
    (work / "job.yaml").write_text(job_yaml(data, totals_path))
    (work / "peer.py").write_text(PEER_SCRIPT)
    size_mb = data.stat().st_size / 1e6
    print(f"{shape} categories: {len(frame):,} rows ({size_mb:.1f} MB CSV), {repeats} repeats after one warm-up")
    proportions = [f"--proportion=ni{k + 1}=1" for k in range(N_INDICATORS)]

    def two_processes(folder: Path) -> list[list[str]]:
        return [
            [safer, "weight", str(data), "--controls", str(totals_path), "--by", "la", "--strata", "la",
             "--out", str(folder / "weighted.parquet")],
            [safer, "estimate", str(folder / "weighted.parquet"), *proportions, "--by", "la",
             "--out", str(folder / "estimates.csv")],
        ]

    ways = {
        "two": two_processes,
        "run": lambda folder: [[safer, "run", str(work / "job.yaml"), "--dir", str(folder)]],
        "peer": lambda folder: [[python, str(work / "peer.py"), str(data), str(totals_path),
                                 str(folder / "peer.csv"), str(ROOT)]],
        "startup": lambda folder: [[safer, "--version"]],
    }
    timings, loads = interleaved_rounds(ways, work, repeats)
    return ShapeResult(shape, size_mb, timings, loads[1:], check_agreement(work, repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authorities", type=int, default=350)
    parser.add_argument("--per", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated: text, integer")
    parser.add_argument("--write", action="store_true", help="record the result in benchmarks/RESULTS.md")
    args = parser.parse_args()
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown:
        parser.error(f"--shapes: unknown {unknown}; use {', '.join(SHAPES)}")

    bytecode = compile_like_pip()
    text_frame, text_totals = synthetic(args.authorities, args.per)
    data = {"text": (text_frame, text_totals), "integer": integer_coded(text_frame, text_totals)}
    print(f"{args.authorities} authorities x {args.per} respondents, {N_INDICATORS} proportions; "
          f"{os.cpu_count()} CPUs")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_whole_") as tmp:
        for shape in shapes:
            frame, totals = data[shape]
            results.append(time_shape(shape, frame, totals, Path(tmp), args.repeats))
    for result in results:
        peer, peer_cpu = result.median("peer"), result.cpu("peer")
        print(f"{result.shape} categories:")
        print(f"  weight + estimate (two processes): {result.median('two'):.2f} s wall, {result.cpu('two'):.2f} s CPU")
        print(f"  safer run (one process):           {result.median('run'):.2f} s wall, {result.cpu('run'):.2f} s CPU")
        print(f"  samplics loop (one script):        {peer:.2f} s wall, {peer_cpu:.2f} s CPU")
        print(f"  safer --version:                   {result.median('startup'):.2f} s wall, "
              f"{result.cpu('startup'):.2f} s CPU")
        print(f"  ratios to the samplics loop: two processes {result.median('two') / peer:.2f} (target <= "
              f"{TARGET_TWO_PROCESSES}), safer run {result.median('run') / peer:.2f} (target <= {TARGET_RUN}); CPU: "
              f"{result.cpu('two') / peer_cpu:.2f} and {result.cpu('run') / peer_cpu:.2f}")
        print(f"  {result.agreement}")
    if args.write:
        record(args, len(text_frame), results, bytecode)


def check_agreement(work: Path, repeats: int) -> str:
    """(a) and (b) give identical estimates; (c)'s are within the samplics raking tolerance of them."""
    two = pd.read_csv(work / f"two{repeats}" / "estimates.csv", dtype={"domain_value": str})
    run = pd.read_csv(work / f"run{repeats}" / "estimates.csv", dtype={"domain_value": str})
    pd.testing.assert_frame_equal(two, run, check_exact=True)
    peer = pd.read_csv(work / f"peer{repeats}" / "peer.csv", dtype={"la": str})
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


def record(args: argparse.Namespace, rows: int, results: list[ShapeResult], bytecode: str) -> None:
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_whole_process.py --repeats {args.repeats} --write` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. "
        f"{args.authorities} authorities x {args.per} respondents ({rows:,} rows); raking "
        f"on age (6) x sex (2) x ethnicity (2) per authority, then {N_INDICATORS} proportions by authority with "
        "calibration-aware SEs. Two data shapes: categories as text, and the same file with integer codes. Each "
        "way is timed as whole processes (start-up, imports, reading and writing files), all in the same run, "
        f"interleaved; medians of {args.repeats} after a warm-up round. Targets on both shapes: two processes at "
        f"most {TARGET_TWO_PROCESSES} of the samplics loop, `safer run` at most {TARGET_RUN}.",
        "",
        "| categories | way | wall | ratio to samplics loop | target | CPU (user+sys) | CPU ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        peer, peer_cpu = result.median("peer"), result.cpu("peer")
        label = f"{result.shape} ({result.size_mb:.0f} MB CSV)"
        for way, name, target in (
            ("two", "(a) `safer weight` then `safer estimate` (two processes, Parquet between)", TARGET_TWO_PROCESSES),
            ("run", "(b) `safer run job.yaml` (both steps, one process)", TARGET_RUN),
        ):
            met = "met" if result.median(way) / peer <= target else "**missed**"
            lines.append(f"| {label} | {name} | {result.median(way):.2f} s | {result.median(way) / peer:.2f} | <= "
                         f"{target} ({met}) | {result.cpu(way):.2f} s | {result.cpu(way) / peer_cpu:.2f} |")
        lines.append(f"| {label} | (c) samplics 0.6.1 loop over authorities, one script reading the CSV | "
                     f"{peer:.2f} s | 1 | | {peer_cpu:.2f} s | 1 |")
        lines.append(f"| {label} | `safer --version` (bare start-up) | {result.median('startup'):.2f} s | "
                     f"{result.median('startup') / peer:.2f} | | {result.cpu('startup'):.2f} s | |")
    lines.append("")
    for result in results:
        lines.append(f"{result.shape.capitalize()} categories: 1-minute load average before each round "
                     f"{', '.join(f'{v:.1f}' for v in result.loads)} (2 means both cores busy with other work). "
                     f"{result.agreement}.")
        lines.append("")
    lines.append(f"{bytecode[0].upper()}{bytecode[1:]}.")
    lines.append("")
    replace_section(SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
