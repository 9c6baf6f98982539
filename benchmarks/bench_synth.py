"""Benchmark: `safer synth place --las 350` and `safer synth bcs` as whole processes, time and peak memory.

Targets (issue 11): the Place Survey over all 350 English authorities (about 11 million adults) in at most
1.5 GB peak resident memory and 20 s; the BCS (about 3.7 million adults) likewise, in proportion. Each command
runs as its own process; its peak resident set size and CPU time come from the operating system (`getrusage` of
a wrapper process whose only child is the command).

The peer, measured in the same run: drawing the random numbers the model needs and nothing else, for as many
adults as the command drew (`random_numbers_per_adult`: six factors, seven ASB strands and one per item that is
not a strand, all normal; four demographic uniforms, one per item with non-substantive or blank answers, and
one per household), in float32, a million adults at a time, on one thread. What `safer synth` adds to that floor
is building households, answers, truth, the sample and the files.

Usage: python benchmarks/bench_synth.py [--repeats 3] [--write]   (--write records the result in benchmarks/RESULTS.md)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from installed import compile_like_pip  # noqa: E402
from results_file import replace_section  # noqa: E402

SECTION = "## Synthetic data"
TARGET_GB = 1.5
TARGET_SECONDS = 20.0

MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    with open(sys.argv[1], "w") as out:
        json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss}, out)
""")

FLOOR = textwrap.dedent("""
    import sys
    import numpy as np
    adults, normals, uniforms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(1)
    block = 1_000_000
    for start in range(0, adults, block):
        size = min(block, adults - start)
        for _ in range(normals):
            rng.standard_normal(size, dtype=np.float32)
        for _ in range(uniforms):
            rng.random(size, dtype=np.float32)
""")


def random_numbers_per_adult(survey: str) -> tuple[int, int]:
    """Normal and uniform numbers the model draws per adult (households: about one per two adults)."""
    sys.path.insert(0, str(ROOT))
    from survey.synthetic.targets import ITEM_MODELS

    models = ITEM_MODELS[survey]
    normals = 6 + 7 + sum(not m.latent.startswith("strand:") for m in models)
    uniforms = 4 + sum(bool(m.nonsubstantive or m.blank) for m in models) + 1  # the household's, rounded up
    return normals, uniforms


def measured(command: list[str], work: Path) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak resident memory (GB) of one command run as its own process."""
    report = work / "usage.json"
    subprocess.run([sys.executable, "-c", MEASURE, str(report), *command], cwd=work, check=True)
    usage = json.loads(report.read_text())
    return {"wall": usage["wall"], "cpu": usage["cpu"], "peak_gb": usage["peak_kb"] / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record the result in benchmarks/RESULTS.md")
    args = parser.parse_args()
    safer = str(Path(sys.executable).with_name("safer"))
    compile_like_pip()
    commands = {
        "place": [safer, "synth", "place", "--seed", "2008", "--las", "350", "--out", "place.parquet",
                  "--controls", "place_controls.csv", "--truth", "place_truth.csv"],
        "bcs": [safer, "synth", "bcs", "--seed", "2008", "--out", "bcs.parquet", "--controls", "bcs_controls.csv",
                "--truth", "bcs_truth.csv", "--areas", "bcs_areas.csv"],
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in [*commands, "place floor", "bcs floor"]}
    adults: dict[str, int] = {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        work = Path(tmp)
        (work / "floor.py").write_text(FLOOR)
        for repeat in range(args.repeats):
            loads.append(os.getloadavg()[0])
            for name, command in commands.items():
                for path in work.glob(f"{name}*"):
                    path.unlink()
                runs[name].append(measured(command, work))
                meta = json.loads((work / f"{name}.parquet.meta.json").read_text())
                adults[name] = int(meta["summary"]["population_adults"])
                normals, uniforms = random_numbers_per_adult(name)
                runs[f"{name} floor"].append(measured(
                    [sys.executable, "floor.py", str(adults[name]), str(normals), str(uniforms)], work))
            print(f"  round {repeat + 1}: load {loads[-1]:.1f}; " + ", ".join(
                f"{n} {r[-1]['wall']:.1f} s {r[-1]['peak_gb']:.2f} GB" for n, r in runs.items()))
    median = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "peak_gb")}
              for name, rs in runs.items()}
    for name in commands:
        m, floor = median[name], median[f"{name} floor"]
        print(f"safer synth {name}: {adults[name]:,} adults, {m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU, "
              f"{m['peak_gb']:.2f} GB peak; random-number floor {floor['wall']:.1f} s (ratio "
              f"{m['wall'] / floor['wall']:.1f})")
    if args.write:
        record(args, median, adults, loads)


def record(args: argparse.Namespace, median: dict[str, dict[str, float]], adults: dict[str, int],
           loads: list[float]) -> None:
    rows = []
    for name, label in (("place", "`safer synth place --las 350`"), ("bcs", "`safer synth bcs` (46,000 interviews)")):
        m, floor = median[name], median[f"{name} floor"]
        millions = adults[name] / 1e6
        ratio = m["wall"] / floor["wall"]
        rows.append(f"| {label} | {adults[name]:,} | {m['peak_gb']:.2f} GB ({m['peak_gb'] / millions:.2f} per million) "
                    f"| {m['wall']:.1f} s | {m['cpu']:.1f} s | {floor['wall']:.1f} s | {ratio:.1f} |")
    section = "\n".join([
        SECTION,
        "",
        f"`python benchmarks/bench_synth.py --repeats {args.repeats} --write` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. Each command "
        f"is a whole process (imports, drawing, truth, sample, files); medians of {args.repeats}. Targets: the "
        f"Place Survey over 350 authorities in at most {TARGET_GB} GB and {TARGET_SECONDS:.0f} s (before: 7.6 GB and "
        "68 s); the BCS in proportion. The floor is the same run's time to draw only the random numbers the model "
        "needs for as many adults (Place: 35 normal and 34 uniform float32 numbers each; BCS: 15 and 14; one thread). "
        "safer's modules are compiled to bytecode first, as `pip install` does.",
        "",
        "| command | adults | peak memory | wall | CPU (user+sys) | random-number floor | wall / floor |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"1-minute load average before each round: {', '.join(f'{v:.1f}' for v in loads)} (2 means both cores "
        "busy with other work; `safer synth` draws authorities on two threads).",
        "",
    ])
    replace_section(SECTION, section)


if __name__ == "__main__":
    main()
