"""Latin hypercube draws, applying drawn assumptions, the A.38 probability, and the automated replications."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.errors import SimulationInputError
from simulation.inputs.interventions import load_scenario
from simulation.inputs.uncertainty import (
    Draws,
    Range,
    apply_to_params,
    apply_to_scenario,
    latin_hypercube,
    model_ranges,
    scenario_ranges,
)
from simulation.questions.success import probability_of_fall as _probability
from simulation.runs.precision import automated_replications, look_ahead, relative_half_width


def test_latin_hypercube_uses_each_slice_of_each_range_once():
    ranges = [Range("a", 0.5, 0.0, 1.0, "s"), Range("b", 10.0, 5.0, 15.0, "s")]
    draws = latin_hypercube(ranges, range(0, 20), seed=3)
    for rng in ranges:
        values = np.array([draws[r][rng.name] for r in range(20)])
        slices = np.floor((values - rng.low) / (rng.high - rng.low) * 20).astype(int)
        assert sorted(slices.tolist()) == list(range(20)), rng.name
    again = latin_hypercube(ranges, range(0, 20), seed=3)
    assert again == draws
    batch = Draws(ranges, 3)
    batch.prepare(range(0, 20))
    assert batch.values(7) == draws[7]


def test_drawn_assumptions_are_applied_to_scenarios_and_parameters(params, scenarios_dir):
    scenario = load_scenario(scenarios_dir / "ppo.yaml")
    names = {r.name for r in scenario_ranges(scenario)}
    wanted = {"ppo.ppo_scheme.rate_ratio", "ppo.ppo_scheme.detection_ratio", "ppo.ppo_scheme.cost_per_place"}
    assert wanted <= names
    assert "ppo.ppo_scheme.referral_flow.per_year" not in names, "derived for each cohort, not drawn"
    drug = {r.name for r in scenario_ranges(load_scenario(scenarios_dir / "drug_treatment.yaml"))}
    assert "drug_treatment.drug_treatment.starts_per_year" in drug, "the throughput is drawn from its range"
    drawn = apply_to_scenario(scenario, {"ppo.ppo_scheme.rate_ratio": 0.6, "other.x.rate_ratio": 0.1})
    assert drawn.interventions[0].rate_ratio.value == 0.6 and scenario.interventions[0].rate_ratio.value == 0.9
    model = {r.name: r for r in model_ranges(params)}
    assert "female_log_rate_ratio.community" in model
    changed = apply_to_params(params, {"female_log_rate_ratio.community": -0.4, "ppo.ppo_scheme.rate_ratio": 0.6})
    assert changed.female_log_rate_ratio["community"] == -0.4
    assert changed.female_log_rate_ratio["custody"] == params.female_log_rate_ratio["custody"]


def test_the_a38_probability_removes_the_monte_carlo_part_of_the_simulated_change():
    """If the simulated change d ~ N(true, s^2), Phi(d / sqrt(sigma^2 - s^2)) averages to Phi(true / sigma)."""
    rng = np.random.default_rng(1)
    true, sigma2, s2 = 1.0, 4.0, 1.0
    d = rng.normal(true, np.sqrt(s2), 200_000)
    estimate = np.mean([_probability(x, s2, sigma2) for x in d[:20_000]])
    assert estimate == pytest.approx(stats.norm.cdf(true / 2.0), abs=0.01)
    assert _probability(-5.0, 0.0, 1.0) < 1e-5 and _probability(5.0, 0.0, 1.0) > 1 - 1e-5


def test_automated_replications_stop_when_the_precision_holds_over_the_look_ahead():
    rng = np.random.default_rng(5)
    values = 100 + 10 * rng.standard_normal(500)
    runs: list[range] = []

    def run(replications: range) -> pd.DataFrame:
        runs.append(replications)
        return pd.DataFrame({"replication": list(replications), "value": values[list(replications)]})

    def headline(rows: pd.DataFrame) -> dict[str, np.ndarray]:
        return {"x": rows.sort_values("replication")["value"].to_numpy()}

    rows, record = automated_replications(run, headline, 0.05, max_replications=200)
    assert record.solution is not None
    n = record.solution
    assert relative_half_width(values[:n]) <= 0.05 < relative_half_width(values[: n - 1])
    assert record.replications == n + look_ahead(n)
    assert all(relative_half_width(values[:k]) <= 0.05 for k in range(n, record.replications + 1))
    assert len(rows) == record.replications and runs[0] == range(0, 3)
    with pytest.raises(SimulationInputError, match="--precision"):
        automated_replications(run, headline, 1.5)
