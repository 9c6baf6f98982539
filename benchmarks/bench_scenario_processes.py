"""Benchmark: what a scenario costs per replication as a user runs it, whole `safer simulate run` processes.

`bench_simulation.py --part scenario` times the kernel: one replication of the scenario against one of its
baseline (1.23x). A user pays more than the kernel: every replication of a `--scenario` run simulates the
baseline and the scenario, pairs them offender by offender (differences, percentage changes, programme and
money rows), keeps the group's rows in `<out>.parts/`, and the summary grows with the rows. So here each side is
the command itself, at two numbers of replications; what two more replications add is the marginal cost:

- baseline: `safer simulate run --replications R` (national size, 45,000), R = 2 and 4: (T4 - T2) / 2 is a
  baseline replication, as a user pays for it;
- scenario: the same with `--scenario drug_treatment`: (T4 - T2) / 2 is a baseline and a scenario replication,
  paired and summarised; less the baseline replication it is what the scenario costs.

Reported: the scenario's marginal cost over a baseline replication's (target: at most 1.3, issue 21), by wall
and by CPU time of the child processes (steadier on a shared machine), medians over rounds whose four
processes run in a rotating order; the 1-minute load average before each round.

Usage: python benchmarks/bench_scenario_processes.py [--repeats 3] [--size 45000] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from installed import compile_like_pip  # noqa: E402
from results_file import replace_section  # noqa: E402

TARGET = 1.3
SECTION = "## Simulation: a scenario as a user runs it"
FEW, MORE = 2, 4


def safer() -> list[str]:
    script = Path(sys.executable).with_name("safer")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def timed(args: list[str], folder: Path) -> tuple[float, float]:
    """Wall and child CPU seconds of one `safer` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*safer(), *args], cwd=folder, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"safer {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", type=int, default=45_000)
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--write", action="store_true", help="record the result in benchmarks/RESULTS.md")
    args = parser.parse_args()
    bytecode = compile_like_pip()
    sides = {(kind, r): ["simulate", "run", "--size", str(args.size), "--replications", str(r), "--seed",
                         str(args.seed), *(["--scenario", "drug_treatment"] if kind == "scenario" else [])]
             for kind in ("baseline", "scenario") for r in (FEW, MORE)}
    wall: dict[tuple[str, int], list[float]] = {key: [] for key in sides}
    cpu: dict[tuple[str, int], list[float]] = {key: [] for key in sides}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench_scenario_") as tmp:
        for repeat in range(args.repeats):
            loads.append(os.getloadavg()[0])
            keys = list(sides)
            keys = keys[repeat % len(keys):] + keys[: repeat % len(keys)]
            for key in keys:
                out = Path(tmp) / f"{key[0]}{key[1]}-{repeat}.csv"
                seconds, cpu_seconds = timed([*sides[key], "--out", str(out)], Path(tmp))
                wall[key].append(seconds)
                cpu[key].append(cpu_seconds)
            print(f"  round {repeat + 1}: load {loads[-1]:.1f}; "
                  + ", ".join(f"{k[0]} x{k[1]} {wall[k][-1]:.1f} s" for k in sides))

    def marginal(times: dict[tuple[str, int], list[float]]) -> dict[str, float]:
        per_round = {kind: [(b - a) / (MORE - FEW) for a, b in zip(times[(kind, FEW)], times[(kind, MORE)],
                                                                      strict=True)]
                     for kind in ("baseline", "scenario")}
        baseline = statistics.median(per_round["baseline"])
        both = statistics.median(per_round["scenario"])
        return {"baseline": baseline, "baseline_and_scenario": both, "scenario": both - baseline,
                "ratio": (both - baseline) / baseline}

    by_wall, by_cpu = marginal(wall), marginal(cpu)
    for name, m in (("wall", by_wall), ("CPU", by_cpu)):
        print(f"{name}: a baseline replication {m['baseline']:.2f} s; a replication of baseline and scenario, paired "
              f"and summarised, {m['baseline_and_scenario']:.2f} s; the scenario's marginal cost "
              f"{m['scenario']:.2f} s = {m['ratio']:.2f}x a baseline replication (target <= {TARGET})")
    if args.write:
        record(args, by_wall, by_cpu, loads, bytecode)


def record(args: argparse.Namespace, by_wall: dict[str, float], by_cpu: dict[str, float], loads: list[float],
           bytecode: str) -> None:
    def verdict(ratio: float) -> str:
        return "meets target" if ratio <= TARGET else "**misses target**"

    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_scenario_processes.py --repeats {args.repeats} --write` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. Whole `safer "
        f"simulate run` processes at {args.size:,} offenders, {FEW} and {MORE} replications, the baseline alone and "
        "with `--scenario drug_treatment`; a replication's marginal cost is (T4 - T2) / 2, medians over rounds in a "
        "rotating order. The scenario's marginal cost is a scenario run's replication (baseline and scenario, "
        "paired and summarised) less a baseline replication.",
        "",
        "| measure | by wall time | by CPU time | target |",
        "|---|---|---|---|",
        f"| a baseline replication | {by_wall['baseline']:.2f} s | {by_cpu['baseline']:.2f} s | |",
        f"| a replication of baseline and scenario, paired and summarised | {by_wall['baseline_and_scenario']:.2f} s "
        f"| {by_cpu['baseline_and_scenario']:.2f} s | |",
        f"| the scenario's marginal cost / a baseline replication's | {by_wall['ratio']:.2f}x "
        f"({verdict(by_wall['ratio'])}) | {by_cpu['ratio']:.2f}x ({verdict(by_cpu['ratio'])}) | <= {TARGET} |",
        "",
        f"1-minute load average before each round: {', '.join(f'{v:.1f}' for v in loads)} (2 means both cores busy "
        f"with other work). {bytecode[0].upper()}{bytecode[1:]}. The kernel alone (one scenario replication "
        "against one baseline replication, `bench_simulation.py --part scenario`) is the floor; what a run adds "
        "beyond it is pairing the scenario with its baseline (group sums over cells of offenders worked out once per "
        "cohort, `simulation/measures/group_sums.py`), saving the group to `<out>.parts/` and the summary.",
        "",
    ]
    replace_section(SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
