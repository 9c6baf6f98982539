"""Benchmark one draw of `safer simulate project --uncertainty` at the default sizes, beside a peer in the same run.

A draw is what each of `--uncertainty --replications N` costs: its calibrated years re-fitted under the drawn
assumptions (`ProjectionVary`), then its replication of the projection (12 years of 10,000 adults and 6,000
youths, the six bundled scenarios from 2008, the 20,000 custody-leaver check cohort), reduced to the rows the
tables read. Both are timed by CPU time in this process (what `--workers` shares out), with the rows a draw leaves
in the driving process. Target (issue 19): 100 draws within 10 minutes with `--workers 2`, so at most 11 s of CPU
per draw (100 x 11 s over 2 workers is 550 s, leaving 50 s for starting the workers and the summary).

Peer: one 45,000-offender baseline replication (`bench_simulation.py`'s unit), alternating with the draws, so that
the ratio carries over to another machine or another load.

    python benchmarks/bench_projection_draw.py [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from bench_simulation import one_replication  # noqa: E402
from results_file import replace_section  # noqa: E402

from simulation.inputs.cohort import generate_cohort  # noqa: E402
from simulation.inputs.figures import BASELINE_YEAR, TARGET_YEAR, load_figures  # noqa: E402
from simulation.inputs.interventions import BASELINE, bundled_scenario_ids  # noqa: E402
from simulation.inputs.params import default_params  # noqa: E402
from simulation.inputs.uncertainty import Draws  # noqa: E402
from simulation.inputs.year_effects import load_year_effects  # noqa: E402
from simulation.jobs.options import load_scenarios  # noqa: E402
from simulation.measures.costs import load_unit_costs  # noqa: E402
from simulation.questions.project import rows_read  # noqa: E402
from simulation.questions.projection_draws import ProjectionVary, projection_ranges  # noqa: E402
from simulation.questions.projection_spec import ProjectionSpec, projection_points  # noqa: E402
from simulation.runs.runner import cohort_seed, replication_seeds, run_groups  # noqa: E402
from simulation.runs.tasks import groups_for  # noqa: E402

TARGET_CPU_SECONDS = 11.0
SECTION = "## Simulation: a drawn projection (--uncertainty)"


def one_draw(spec: ProjectionSpec, draws: Draws, replication: int) -> dict[str, float]:
    """CPU seconds of one draw's re-fit and its replication of the projection, and the bytes of rows it leaves."""
    vary = ProjectionVary(spec, draws)
    started = time.process_time()
    vary.solve([replication])
    refit = time.process_time() - started
    points, _ = projection_points(spec)
    groups = groups_for(points, range(replication, replication + 1), spec.seed, vary, spec.unit_costs,
                        (BASELINE_YEAR, TARGET_YEAR), cohort_per_replication=True, keep=rows_read)
    started = time.process_time()
    rows = run_groups(None, groups)
    projection = time.process_time() - started
    return {"refit_cpu": refit, "projection_cpu": projection, "draw_cpu": refit + projection,
            "rows": float(len(rows)), "rows_bytes": float(rows.memory_usage(deep=True).sum())}


def run(args: argparse.Namespace) -> dict[str, Any]:
    scenarios, files = load_scenarios(bundled_scenario_ids())
    spec = ProjectionSpec(default_params(), load_figures(), load_year_effects(), scenarios, [str(f) for f in files],
                          unit_costs=load_unit_costs(), trend_sensitivity=False)
    draws = Draws(projection_ranges(spec), spec.seed)
    draws.prepare(range(args.repeats))
    cohort = generate_cohort("adult", 45_000, cohort_seed(args.seed))
    sequences = replication_seeds(args.seed, args.repeats)
    drawn, peer = [], []
    for r in range(args.repeats):  # alternate, so that load from other jobs hits both alike
        drawn.append(one_draw(spec, draws, r))
        peer.append(one_replication(cohort, default_params(), BASELINE, sequences[r])["cpu_seconds"])
        print(f"draw {r}: re-fit {drawn[-1]['refit_cpu']:.2f} s, projection {drawn[-1]['projection_cpu']:.2f} s CPU; "
              f"peer {peer[-1]:.3f} s", flush=True)
    result = {name: statistics.median(d[name] for d in drawn) for name in drawn[0]}
    result["peer_cpu"] = statistics.median(peer)
    result["ratio"] = result["draw_cpu"] / result["peer_cpu"]
    result["hundred_on_two_workers_seconds"] = 100 * result["draw_cpu"] / 2
    print(f"one draw: {result['draw_cpu']:.2f} s CPU (re-fit {result['refit_cpu']:.2f} s, projection "
          f"{result['projection_cpu']:.2f} s; target <= {TARGET_CPU_SECONDS:g} s), {result['ratio']:.1f}x a 45,000 "
          f"baseline replication ({result['peer_cpu']:.3f} s); 100 draws on 2 workers: about "
          f"{result['hundred_on_two_workers_seconds'] / 60:.1f} min of CPU each; rows kept "
          f"{result['rows']:,.0f} ({result['rows_bytes'] / 2**20:.1f} MB) a draw")
    return result


def record(result: dict[str, Any], args: argparse.Namespace) -> None:
    store = ROOT / "benchmarks" / "simulation-results.json"
    merged = json.loads(store.read_text()) if store.exists() else {}
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "repeats": args.repeats, "load": os.getloadavg()[0],
              **result}  # a result read back from the store keeps its own date and load
    merged["projection_draw"] = result
    store.write_text(json.dumps(merged, indent=2) + "\n")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    ok = "meets target" if result["draw_cpu"] <= TARGET_CPU_SECONDS else "MISSES target"
    lines = [
        SECTION,
        "",
        f"`python benchmarks/bench_projection_draw.py --repeats N --write` on {machine}, {result['date']}, N="
        f"{args.repeats}, 1-minute load {result['load']:.1f} (2 means both cores busy). CPU time of one draw at the "
        "default sizes in one process, medians of N, alternating with the peer.",
        "",
        "| measure | result | peer in the same run | target |",
        "|---|---|---|---|",
        f"| one draw: re-fit of the calibrated years + its replication of the projection | {result['draw_cpu']:.2f} s "
        f"CPU ({result['refit_cpu']:.2f} s + {result['projection_cpu']:.2f} s) | a 45,000 baseline replication "
        f"{result['peer_cpu']:.3f} s: {result['ratio']:.1f}x | <= {TARGET_CPU_SECONDS:g} s: {ok} |",
        f"| rows a draw leaves in the driving process | {result['rows']:,.0f} ({result['rows_bytes'] / 2**20:.1f} MB) "
        "| | |",
        "",
        *whole_runs(merged.get("projection_whole_runs", [])),
        "See `docs/simulation.md`, \"Performance and memory\", for what made a draw cheaper.",
        "",
    ]
    replace_section(SECTION, "\n".join(lines))


def whole_runs(runs: list[dict[str, Any]]) -> list[str]:
    """Lines for the whole `safer simulate project` runs timed by hand (`/usr/bin/time -v`), kept in
    `simulation-results.json` under `projection_whole_runs`: they take minutes, so they are not part of this
    benchmark's own run."""
    if not runs:
        return []
    lines = ["Whole runs (`/usr/bin/time -v`; CPU is user + system of the command and its workers; peak is the largest "
             "process's):", "", "| command | wall | CPU | peak | load (1-minute, during) | date | code |",
             "|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append(f"| `{run['command']}` | {run['wall']} | {run['user']:.0f} s + {run['system']:.0f} s | "
                     f"{run['peak_gb']:.2f} GB | {run['load']} | {run['date']} | {run['code']} |")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="draws (and peers) timed; medians are reported")
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--write", action="store_true", help="record the results in benchmarks/RESULTS.md")
    args = parser.parse_args()
    result = run(args)
    if args.write:
        record(result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
