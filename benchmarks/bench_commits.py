"""The simulation benchmarks of two commits, run alternately on this machine: what a change did, measured alone.

Each commit is checked out in a temporary git worktree and runs its own `benchmarks/bench_simulation.py` (parts
baseline, scenario and memory), the two commits alternating round by round, so that load from other jobs hits both
alike. Made for the layout issue (#18), which asks that moving files and splitting classes leave the figures where
they were: later commits changed the model itself (its inputs, what a scenario places), which a comparison of today's
figures with older ones cannot tell apart from the layout.

    python benchmarks/bench_commits.py BEFORE AFTER [--rounds 2] [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from results_file import replace_section  # noqa: E402

SECTION = "## Simulation: two commits side by side"
PARTS = ("baseline", "scenario", "memory")
PATTERNS = {
    "baseline_seconds": re.compile(r"^baseline 45,000: ([\d.]+) s"),
    "scenario_ratio_45000": re.compile(r"^scenario 45,000: baseline [\d.]+ s, drug treatment [\d.]+ s, ratio ([\d.]+)"),
    "scenario_ratio_90000": re.compile(r"^scenario 90,000: baseline [\d.]+ s, drug treatment [\d.]+ s, ratio ([\d.]+)"),
    "scenario_seconds_45000": re.compile(r"^scenario 45,000: baseline [\d.]+ s, drug treatment ([\d.]+) s"),
    "baseline_cpu_seconds": re.compile(r"^baseline 45,000: [\d.]+ s, CPU ([\d.]+) s"),
    "scenario_cpu_ratio_45000": re.compile(r"^scenario 45,000: .*\(CPU time ([\d.]+);"),
    "memory_1_mb": re.compile(r"^memory: 1 replication\(s\) of 45,000 with the scenario: peak ([\d.]+) MB"),
    "memory_10_mb": re.compile(r"^memory: 10 replication\(s\) of 45,000 with the scenario: peak ([\d.]+) MB"),
}
LABELS = {
    "baseline_seconds": "45,000 baseline replication (s)",
    "scenario_seconds_45000": "drug-treatment scenario replication, 45,000 (s)",
    "scenario_ratio_45000": "scenario / baseline, 45,000",
    "scenario_ratio_90000": "scenario / baseline, 90,000",
    "baseline_cpu_seconds": "45,000 baseline replication, CPU (s)",
    "scenario_cpu_ratio_45000": "scenario / baseline by CPU time, 45,000",
    "memory_1_mb": "peak memory, 1 replication (MB)",
    "memory_10_mb": "peak memory, 10 replications (MB)",
}


def figures(output: str) -> dict[str, float]:
    """The figures `bench_simulation.py` printed."""
    found = {}
    for line in output.splitlines():
        for name, pattern in PATTERNS.items():
            match = pattern.match(line.strip())
            if match:
                found[name] = float(match.group(1))
    return found


def run_commit(tree: Path, repeats: int) -> dict[str, float]:
    """One round of every part on the commit checked out at `tree` (its own code first on the path)."""
    found: dict[str, float] = {}
    for part in PARTS:
        output = subprocess.run(
            [sys.executable, "benchmarks/bench_simulation.py", "--part", part, "--repeats", str(repeats)],
            cwd=tree, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tree)},
        ).stdout
        found.update(figures(output))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the earlier commit")
    parser.add_argument("after", help="the later commit")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; each runs both commits, alternating")
    parser.add_argument("--repeats", type=int, default=3, help="--repeats of each part of bench_simulation.py")
    parser.add_argument("--write", action="store_true", help="record the results in benchmarks/RESULTS.md")
    parser.add_argument("--note", default="", help="what the two commits are, for RESULTS.md")
    args = parser.parse_args()
    commits = {name: subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                                    text=True).stdout.strip() for name, rev in (("before", args.before),
                                                                                ("after", args.after))}
    rounds: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    loads = []
    with tempfile.TemporaryDirectory() as scratch:
        trees = {name: Path(scratch) / name for name in commits}
        for name, commit in commits.items():
            subprocess.run(["git", "worktree", "add", "--detach", str(trees[name]), commit], cwd=ROOT, check=True,
                           capture_output=True)
        try:
            for r in range(args.rounds):
                for name in ("before", "after") if r % 2 == 0 else ("after", "before"):
                    loads.append(os.getloadavg()[0])
                    rounds[name].append(run_commit(trees[name], args.repeats))
                    print(f"round {r + 1}, {name} ({commits[name]}): {rounds[name][-1]}", flush=True)
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    medians = {name: {figure: statistics.median(run[figure] for run in runs if figure in run) for figure in LABELS}
               for name, runs in rounds.items()}
    for figure, label in LABELS.items():
        print(f"{label}: {medians['before'][figure]:g} -> {medians['after'][figure]:g}")
    if args.write:
        record(commits, medians, args, loads)
    return 0


def subject(commit: str) -> str:
    """`commit`, its date and subject."""
    return subprocess.run(["git", "log", "-1", "--date=short", "--format=%h (%ad): %s", commit], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def record(commits: dict[str, str], medians: dict[str, dict[str, float]], args: argparse.Namespace,
           loads: list[float]) -> None:
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_commits.py {commits['before']} {commits['after']} --rounds {args.rounds} "
        f"--repeats {args.repeats} --write`, {time.strftime('%Y-%m-%d %H:%M')}: each commit's own "
        "`bench_simulation.py` (baseline, scenario, memory), the two commits alternating; medians over the rounds. "
        f"1-minute load before each commit's round: {', '.join(f'{load:.1f}' for load in loads)} (2 means both cores "
        "busy).",
        "",
        *(f"- {name}: {subject(commit)}" for name, commit in commits.items()),
        "",
        *([args.note, ""] if args.note else []),
        f"| measure | {commits['before']} | {commits['after']} | after / before |",
        "|---|---|---|---|",
    ]
    for figure, label in LABELS.items():
        before, after = medians["before"][figure], medians["after"][figure]
        lines.append(f"| {label} | {before:g} | {after:g} | {after / before:.2f} |")
    lines.append("")
    replace_section(SECTION, "\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
