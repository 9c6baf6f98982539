"""Benchmark the simulation, each figure beside a peer measured in the same run (the machine is shared).

* `baseline`: one replication of a 45,000-offender adult cohort end to end (random streams, set-up, run,
  Annex counts). Target (issue 11): at most 1.0 s. Peers: the event path of the same model (every career
  a SimPy process from the start, `bulk=False`, the model before the bulk path) and bare SimPy timeouts.
* `scenario`: a drug-treatment scenario replication against its baseline replication, at 45,000 and
  90,000 offenders, alternating. Target: at most 1.3x. Peer: the same scenario on the event path, every
  career a process and every referral a request on SimPy's resource (`bulk=False`), at 45,000.
* `memory`: peak memory of whole processes running `run_simulation` with the drug-treatment scenario,
  1 and 10 replications of 45,000. Target: at most 500 MB for 10. Peer: the 1-replication process.
* `dask`: parallel efficiency of 8 replications of 45,000 on 2 Dask workers against 1. Target: at least
  0.85.

    python benchmarks/bench_simulation.py [--part all|baseline|scenario|memory|dask] [--repeats 5] [--write]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from results_file import replace_section  # noqa: E402

from simulation.inputs.cohort import Cohort, generate_cohort  # noqa: E402
from simulation.inputs.interventions import BASELINE, Scenario, load_scenario  # noqa: E402
from simulation.inputs.params import ModelParams, default_params  # noqa: E402
from simulation.inputs.services import derive_services  # noqa: E402
from simulation.measures.reoffending import reoffending_counts  # noqa: E402
from simulation.model.cohort_simulation import CohortSimulation, _collector_paused  # noqa: E402
from simulation.model.streams import ReplicationStreams  # noqa: E402
from simulation.runs.runner import cohort_seed, replication_seeds  # noqa: E402

SCENARIO = ROOT / "data" / "examples" / "scenarios" / "drug_treatment.yaml"
TARGETS = {"baseline_seconds": 1.0, "scenario_ratio": 1.3, "memory_mb": 500.0, "dask_efficiency": 0.85}


def events_scheduled(env: simpy.Environment) -> int:
    """Number of events SimPy has scheduled in `env` (its event ids count from 0)."""
    return next(env._eid)


def bare_simpy(processes: int, timeouts_each: int, seed: int) -> tuple[float, int]:
    """Seconds and events for `processes` processes each yielding `timeouts_each` exponential timeouts."""
    gaps = np.random.default_rng(seed).exponential(30.0, (processes, timeouts_each)).tolist()

    def life(env: simpy.Environment, waits: list[float]) -> Any:
        for wait in waits:
            yield env.timeout(wait)

    env = simpy.Environment()
    started = time.perf_counter()
    with _collector_paused():
        for waits in gaps:
            env.process(life(env, waits))
        env.run()
    return time.perf_counter() - started, events_scheduled(env)


def one_replication(
    cohort: Cohort, params: ModelParams, scenario: Scenario, sequence: np.random.SeedSequence, bulk: bool = True
) -> dict[str, float]:
    """Time one replication end to end (streams, set-up, run, Annex counts), with fresh random streams (nothing
    kept from an earlier run: `streams.BLOCKS`, `career_draws.CohortStart`)."""
    from simulation.model import career_draws, streams

    streams.BLOCKS.clear()
    career_draws._STARTS.clear()
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    simulation = CohortSimulation(cohort, params, scenario, ReplicationStreams(sequence, cohort.size), bulk=bulk)
    with _collector_paused():  # as `simulate_replication` runs it
        career = simulation.run()
        events = events_scheduled(simulation.env)
        simulation.dismantle()
    counts = reoffending_counts(cohort, career, params)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "events": float(events),
        "frequency_per_100": 100.0 * float(counts.proven.mean()),
        "placed": float(sum(len(programme.started) for programme in career.programmes)),
        "outside_placed": float(sum(programme.outside_started for programme in career.programmes)),
    }


def bench_baseline(args: argparse.Namespace) -> dict[str, Any]:
    cohort = generate_cohort("adult", 45_000, cohort_seed(args.seed))
    params = default_params()
    sequences = replication_seeds(args.seed, args.repeats)
    bulk, event, bare = [], [], []
    for r in range(args.repeats):  # alternate, so that load from other jobs hits every side alike
        bulk.append(one_replication(cohort, params, BASELINE, sequences[r]))
        event.append(one_replication(cohort, params, BASELINE, sequences[r], bulk=False))
        timeouts_each = max(1, round(event[0]["events"] / cohort.size) - 2)
        bare.append(bare_simpy(cohort.size, timeouts_each, args.seed + r))
    result = {
        "seconds": statistics.median(run["seconds"] for run in bulk),
        "cpu_seconds": statistics.median(run["cpu_seconds"] for run in bulk),
        "event_path_seconds": statistics.median(run["seconds"] for run in event),
        "events": statistics.median(run["events"] for run in bulk),
        "event_path_events": statistics.median(run["events"] for run in event),
        "bare_events_per_second": statistics.median(events / seconds for seconds, events in bare),
        "same_frequencies": all(
            b["frequency_per_100"] == e["frequency_per_100"] for b, e in zip(bulk, event, strict=True)
        ),
    }
    result["bare_seconds_for_event_path_events"] = result["event_path_events"] / result["bare_events_per_second"]
    print(f"baseline 45,000: {result['seconds']:.3f} s, CPU {result['cpu_seconds']:.3f} s (target <= "
          f"{TARGETS['baseline_seconds']:g} s); event path "
          f"{result['event_path_seconds']:.3f} s ({result['event_path_seconds'] / result['seconds']:.2f}x); "
          f"events {result['events']:,.0f} vs {result['event_path_events']:,.0f}; same frequencies: "
          f"{result['same_frequencies']}")
    return result


def cohort_referrals_only(scenario: Scenario) -> Scenario:
    """The scenario without referrals from outside the cohort: the shape it had when issue 11 set its target."""
    interventions = [spec.model_copy(update={"referral_flow": None}) for spec in scenario.interventions]
    return scenario.model_copy(update={"interventions": interventions})


def bench_scenario(args: argparse.Namespace) -> dict[str, Any]:
    params = default_params()
    scenario = load_scenario(SCENARIO)
    cohort_only = cohort_referrals_only(scenario)
    result: dict[str, Any] = {}
    for size in (45_000, 90_000):
        cohort = generate_cohort("adult", size, cohort_seed(args.seed))
        scenario = derive_services(load_scenario(SCENARIO), cohort)  # places and outside referrals for the cohort
        sequences = replication_seeds(args.seed, args.repeats)
        baseline, treated, own = [], [], []
        for r in range(args.repeats):
            baseline.append(one_replication(cohort, params, BASELINE, sequences[r]))
            treated.append(one_replication(cohort, params, scenario, sequences[r]))
            own.append(one_replication(cohort, params, cohort_only, sequences[r]))
        b = statistics.median(run["seconds"] for run in baseline)
        s = statistics.median(run["seconds"] for run in treated)
        c = statistics.median(run["seconds"] for run in own)
        cpu_b = statistics.median(run["cpu_seconds"] for run in baseline)
        cpu_ratio = statistics.median(run["cpu_seconds"] for run in treated) / cpu_b
        result[str(size)] = {"baseline_seconds": b, "scenario_seconds": s, "ratio": s / b, "cpu_ratio": cpu_ratio,
                             "cohort_only_seconds": c, "cohort_only_ratio": c / b,
                             "events": statistics.median(run["events"] for run in treated),
                             "placed": statistics.median(run["placed"] for run in treated),
                             "outside_placed": statistics.median(run["outside_placed"] for run in treated),
                             "cohort_only_placed": statistics.median(run["placed"] for run in own),
                             "cohort_only_events": statistics.median(run["events"] for run in own),
                             "baseline_events": statistics.median(run["events"] for run in baseline)}
        print(f"scenario {size:,}: baseline {b:.3f} s, drug treatment {s:.3f} s, ratio {s / b:.2f} (CPU time "
              f"{cpu_ratio:.2f}; target <= {TARGETS['scenario_ratio']:g}); cohort referrals only {c:.3f} s, ratio "
              f"{c / b:.2f}; the cohort's placements {statistics.median(run['placed'] for run in treated):,.0f} "
              f"(cohort referrals only: {statistics.median(run['placed'] for run in own):,.0f})")
        if size == 45_000:
            peer = one_replication(cohort, params, scenario, sequences[0], bulk=False)
            result[str(size)]["event_path_seconds"] = peer["seconds"]
            result[str(size)]["event_path_events"] = peer["events"]
            print(f"  peer: the event path, every referral a request on SimPy's resource, {peer['seconds']:.2f} s "
                  f"({peer['seconds'] / b:.1f}x baseline)")
    return result


MEMORY_SCRIPT = """
import json, sys, time
started = time.perf_counter()
from simulation.inputs.cohort import generate_cohort
from simulation.inputs.interventions import load_scenario
from simulation.inputs.params import default_params
from simulation.runs.runner import cohort_seed
from simulation.questions.scenario_run import run_simulation
size, replications = int(sys.argv[1]), int(sys.argv[2])
cohort = generate_cohort("adult", size, cohort_seed(2005))
run_simulation(cohort, default_params(), load_scenario(sys.argv[3]), replications, 2005)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the forked parent, so a child of a big
# benchmark process would report the parent's peak.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(json.dumps({"peak_mb": peak, "seconds": time.perf_counter() - started}))
"""


def bench_memory(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for replications in (1, 10):
        output = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, "45000", str(replications), str(SCENARIO)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout
        result[str(replications)] = json.loads(output.strip().splitlines()[-1])
        print(f"memory: {replications} replication(s) of 45,000 with the scenario: peak "
              f"{result[str(replications)]['peak_mb']:.0f} MB, {result[str(replications)]['seconds']:.1f} s")
    return result


def bench_dask(args: argparse.Namespace) -> dict[str, Any]:
    from simulation.runs.distributed import dask_client, execute
    from simulation.runs.runner import scenario_runs
    from simulation.runs.tasks import simulation_groups

    cohort = generate_cohort("adult", 45_000, cohort_seed(args.seed))
    scenario = scenario_runs(default_params(), None)
    tasks = simulation_groups([(scenario[0].labels, scenario)], 8, args.seed)
    runs: dict[int, list[float]] = {1: [], 2: []}
    busiest_cpu: dict[int, list[float]] = {1: [], 2: []}
    tables: dict[int, Any] = {}
    for _ in range(args.dask_repeats):  # alternate 1 and 2 workers, so that load from other jobs hits both alike
        for workers in (1, 2):
            with dask_client(workers) as client:
                client.run(gc.collect)
                cpu_before = client.run(time.process_time)
                started = time.perf_counter()
                tables[workers] = execute(cohort, tasks, client=client)
                runs[workers].append(time.perf_counter() - started)
                cpu_after = client.run(time.process_time)
                busiest_cpu[workers].append(max(cpu_after[w] - cpu_before[w] for w in cpu_after))
    seconds = {workers: statistics.median(times) for workers, times in runs.items()}
    # With other jobs on the machine the two workers rarely get a core each; the CPU time of the busiest worker
    # shows what the makespan would be if they did (Dask's own overhead and the balance of the tasks).
    cpu = {workers: statistics.median(times) for workers, times in busiest_cpu.items()}
    identical = all(a.equals(b) for a, b in zip(tables[1], tables[2], strict=True))
    result = {"one_worker_seconds": seconds[1], "two_worker_seconds": seconds[2],
              "efficiency": seconds[1] / (2 * seconds[2]), "identical": identical,
              "one_worker_cpu_seconds": cpu[1], "two_worker_busiest_cpu_seconds": cpu[2],
              "cpu_efficiency": cpu[1] / (2 * cpu[2])}
    print(f"dask: 8 replications of 45,000: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s, efficiency "
          f"{result['efficiency']:.2f} (target >= {TARGETS['dask_efficiency']:g}); CPU time of the busiest worker: "
          f"{cpu[1]:.1f} s vs {cpu[2]:.1f} s, efficiency {result['cpu_efficiency']:.2f}; identical: {identical}")
    return result


def when(part: dict[str, Any]) -> str:
    """Date, repeats and load of a recorded part."""
    return f"{part.get('date', '?')}, N={part.get('repeats', '?')}, load {part.get('load', float('nan')):.1f}"


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def explanation(results: dict[str, Any]) -> list[str]:
    """What keeps the simulation fast, and what the scenario's ratio is made of, with this run's figures."""
    scenario = results.get("scenario", {}).get("45000", {})
    placed, outside = scenario.get("placed"), scenario.get("outside_placed")
    if placed:
        per_placement = (scenario["scenario_seconds"] - scenario["baseline_seconds"]) / placed * 1e6
        cost = (f"What the scenario costs beyond its baseline is the schedule (under 0.1 s at 45,000) and the careers "
                f"the programme changes: at 45,000 it places {placed:,.0f} of the cohort (beside {outside:,.0f} "
                "starts from outside it), who leave the plan and offend at a thinned, fading rate, one offence at a "
                f"time, about {per_placement:.0f} microseconds a placement. The ratio therefore follows what the "
                "scenario places: its service is derived from the evidence for the cohort in hand "
                "(`simulation/inputs/services.py`, issue 19), so that the cohort takes its steady-state share of "
                "places, where the scenario of 2026-11-28 placed 3,251 at 45 microseconds each (1.23x then, over a "
                "baseline 60% dearer than now). The layout work (#18) is measured alone in \"Simulation: two commits "
                "side by side\" below.")
    else:
        cost = "Run `--part scenario` for what the scenario costs beyond its baseline."
    return [
        "What keeps it fast: careers are worked out in bulk with numpy up to each offender's first custody "
        "(`simulation/model/plan.py`); only offenders who meet custody, or are placed on a programme, become SimPy "
        "processes, and an offender no programme can interrupt is followed from first custody to the end without the "
        "event loop (`Careers._follow`: the same rows in the same order, time moving as SimPy's would), so a baseline "
        "replication needs 2 events. Programme places are scheduled for every referral before the run "
        "(`simulation/model/place_schedule.py`): no career event changes anyone's wait, so the national "
        "drug-treatment service needs no SimPy event for its waiting list, deadlines and releases; one process starts "
        "each cohort placement on its day, and only offenders who will be placed can be interrupted. The schedule is "
        "held to SimPy's resource run referral by referral (the event path, the peer). " + cost,
        "",
        "Memory: each replication dismantles its event loop with the cyclic collector paused, so reference counting "
        "frees it before the next one starts, and no collection walks the live run. A process keeps, read-only, the "
        "random-number blocks (`streams.BLOCKS`, up to 96 MB) and the bulk starts (`career_draws.CohortStart`) that "
        "the runs of one replication share (its baseline, scenarios and projection years); a run lets go of another "
        "replication's before drawing its own (`tasks.run_task`), since a replication's numbers serve no other. Memory "
        "is the child's VmHWM: Linux carries `ru_maxrss` across exec from the forked parent, which made a child of "
        "the benchmark report the benchmark's own peak. Dask's wall-clock efficiency needs two idle cores; on a shared "
        "machine the CPU time of the busiest worker shows the scaling Dask itself allows.",
    ]


def record(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Merge `results` into the stored figures (a part run alone keeps the others) and rewrite the section."""
    store = ROOT / "benchmarks" / "simulation-results.json"
    merged = json.loads(store.read_text()) if store.exists() else {}
    merged.update({name: {**value, "date": time.strftime("%Y-%m-%d %H:%M"),
                          "repeats": {"baseline": args.repeats, "scenario": args.repeats,
                                      "dask": args.dask_repeats}.get(name, 1),
                          "load": os.getloadavg()[0]} for name, value in results.items()})
    store.write_text(json.dumps(merged, indent=2) + "\n")
    results = merged
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"SimPy {simpy.__version__}")
    lines = [
        "## Simulation",
        "",
        f"`python benchmarks/bench_simulation.py --part PART --repeats N --write` on {machine}. Medians of N; the "
        "sides of each comparison alternate, so that load from other jobs hits them alike. Each part's date, N and "
        "1-minute load average are in `benchmarks/simulation-results.json`; 2 means both cores were busy.",
        "",
        "| measure | result | peer in the same run | target | run (date, N, load) |",
        "|---|---|---|---|---|",
    ]
    if "baseline" in results:
        b = results["baseline"]
        lines.append(
            f"| 45,000 baseline replication (streams, set-up, run, Annex counts) | {b['seconds']:.3f} s "
            f"(CPU {b['cpu_seconds']:.3f} s), "
            f"{b['events']:,.0f} events | event path {b['event_path_seconds']:.3f} s, {b['event_path_events']:,.0f} "
            f"events ({b['event_path_seconds'] / b['seconds']:.2f}x); bare SimPy would take "
            f"{b['bare_seconds_for_event_path_events']:.2f} s for the event path's events | <= 1.0 s: "
            f"{verdict(b['seconds'] <= TARGETS['baseline_seconds'])} | {when(b)} |"
        )
    if "scenario" in results:
        for size, s in results["scenario"].items():
            if not size.isdigit():
                continue
            peer = (f"event path, every referral a request on SimPy's resource: {s['event_path_seconds']:.2f} s, "
                    f"{s['event_path_events']:,.0f} events ({s['event_path_seconds'] / s['baseline_seconds']:.1f}x "
                    "baseline)" if "event_path_seconds" in s else f"baseline {s['baseline_seconds']:.3f} s")
            lines.append(
                f"| drug-treatment scenario / baseline replication, {int(size):,} offenders: the national service "
                f"(cohort and outside referrals, warm-up) | {s['ratio']:.2f}x "
                f"({s['scenario_seconds']:.3f} s / {s['baseline_seconds']:.3f} s; CPU time {s['cpu_ratio']:.2f}x; "
                f"{s.get('events', float('nan')):,.0f} events) | "
                f"{peer} | <= 1.3x: "
                f"{verdict(s['ratio'] <= TARGETS['scenario_ratio'])} | {when(results['scenario'])} |"
            )
            if "cohort_only_ratio" in s:
                lines.append(
                    f"| the same, cohort referrals only (the scenario's shape when the target was set), "
                    f"{int(size):,} offenders | {s['cohort_only_ratio']:.2f}x ({s['cohort_only_seconds']:.3f} s; "
                    f"{s['cohort_only_events']:,.0f} events) | baseline {s['baseline_seconds']:.3f} s, "
                    f"{s['baseline_events']:,.0f} events | <= 1.3x: "
                    f"{verdict(s['cohort_only_ratio'] <= TARGETS['scenario_ratio'])} | {when(results['scenario'])} |"
                )
    if "memory" in results:
        m1, m10 = results["memory"]["1"], results["memory"]["10"]
        lines.append(
            f"| peak memory, whole process, 10 replications of 45,000 with the scenario | {m10['peak_mb']:.0f} MB "
            f"({m10['seconds']:.1f} s) | 1 replication: {m1['peak_mb']:.0f} MB ({m10['peak_mb'] / m1['peak_mb']:.2f}x) "
            f"| <= 500 MB: {verdict(m10['peak_mb'] <= TARGETS['memory_mb'])} | {when(results['memory'])} |"
        )
    if "dask" in results:
        d = results["dask"]
        lines.append(
            f"| Dask parallel efficiency, 8 replications of 45,000 on 2 workers | {d['efficiency']:.2f} "
            f"({d['two_worker_seconds']:.1f} s); by the CPU time of the busiest worker "
            f"{d.get('cpu_efficiency', float('nan')):.2f} | 1 worker: {d['one_worker_seconds']:.1f} s | >= 0.85: "
            f"{verdict(d['efficiency'] >= TARGETS['dask_efficiency'])} | {when(d)} |"
        )
    lines += ["", *explanation(results), ""]
    section = "\n".join(lines)
    replace_section("## Simulation", section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="all", choices=["all", "baseline", "scenario", "memory", "dask"])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each side; medians are reported")
    parser.add_argument("--dask-repeats", type=int, default=3, help="1- and 2-worker runs of the dask part")
    parser.add_argument("--seed", type=int, default=2005)
    parser.add_argument("--write", action="store_true", help="record the results in benchmarks/RESULTS.md")
    args = parser.parse_args()
    parts = {"baseline": bench_baseline, "scenario": bench_scenario, "memory": bench_memory, "dask": bench_dask}
    chosen = list(parts) if args.part == "all" else [args.part]
    results = {name: parts[name](args) for name in chosen}
    if args.write:
        record(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
