"""Scenario schema, eligibility rules and effect shapes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulation.errors import SimulationInputError
from simulation.inputs.interventions import Modifier, eligible, load_scenario, scenario_params


def _scenario(tmp_path: Path, scenarios_dir: Path, edit) -> Path:
    document = yaml.safe_load((scenarios_dir / "drug_treatment.yaml").read_text())
    edit(document)
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.parametrize("name", ["drug_treatment.yaml", "ppo.yaml"])
def test_examples_are_valid_and_every_effect_has_source_and_range(scenarios_dir, name):
    scenario = load_scenario(scenarios_dir / name)
    for spec in scenario.interventions:
        for effect in (
            spec.uptake,
            spec.completion,
            spec.rate_ratio,
            spec.detection_ratio,
            spec.court_lag_ratio,
            spec.cost_per_place,
        ):
            if effect is not None:
                assert effect.range[0] <= effect.value <= effect.range[1]
                assert len(effect.source) > 20


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (
            lambda d: d["interventions"][0]["rate_ratio"].update(value=0.5),
            "interventions[0].rate_ratio",
            "within range",
        ),
        (
            lambda d: d["interventions"][0]["rate_ratio"].pop("source"),
            "interventions[0].rate_ratio.source",
            "Field required",
        ),
        (
            lambda d: d["interventions"][0]["eligibility"].update(shoe_size=9),
            "interventions[0].eligibility",
            "unknown attribute 'shoe_size'",
        ),
        (
            lambda d: d["interventions"][0]["eligibility"].update(sex="m"),
            "interventions[0].eligibility",
            "not among",
        ),
        (lambda d: d["interventions"][0].update(capacity=0), "interventions[0].capacity", "greater than"),
        (
            lambda d: d["interventions"][0]["uptake"].update(range=[0.4, 1.2]),
            "interventions[0].uptake",
            "[0, 1]",
        ),
        (lambda d: d["interventions"][0].update(decay="exponential"), "interventions[0]", "half_life_days"),
        (lambda d: d.update(name="baseline"), "name", "reserved"),
        (lambda d: d.update(colour="red"), "colour", "Extra inputs"),
    ],
)
def test_bad_scenarios_name_file_field_and_reason(tmp_path, scenarios_dir, edit, field, reason):
    path = _scenario(tmp_path, scenarios_dir, edit)
    with pytest.raises(SimulationInputError) as error:
        load_scenario(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}" in message and reason in message


def test_scenario_parameter_overrides_are_validated(tmp_path, scenarios_dir, params):
    path = _scenario(tmp_path, scenarios_dir, lambda d: d.update(parameters={"waiting_period_months": 12}))
    with pytest.raises(SimulationInputError, match="waiting_period_months"):
        scenario_params(load_scenario(path), params, path)
    ok = _scenario(tmp_path, scenarios_dir, lambda d: d.update(parameters={"waiting_period_months": 9}))
    assert scenario_params(load_scenario(ok), params, ok).waiting_period_months == 9


def test_detection_ratio_cannot_push_probability_above_one(tmp_path, scenarios_dir, with_params):
    params = with_params(detection_probability=0.9)
    path = _scenario(
        tmp_path,
        scenarios_dir,
        lambda d: d["interventions"][0].update(
            detection_ratio={"value": 1.5, "range": [1, 2], "source": "test x"}
        ),
    )
    with pytest.raises(SimulationInputError, match="detection_ratio"):
        scenario_params(load_scenario(path), params, path)


def test_eligibility_rules(small_adult):
    frame = small_adult.frame
    rule = {"drug_misuse": True, "age": {"min": 21, "max": 40}, "disposal": ["custody"]}
    mask = eligible(rule, frame)
    expected = frame["drug_misuse"] & frame["age"].between(21, 40) & (frame["disposal"] == "custody")
    assert mask.tolist() == expected.tolist()
    assert mask.any() and not mask.all()
    assert eligible({}, frame).all()


def _modifier(decay, half_life=None):
    return Modifier(
        start=10,
        end=110,
        rate_ratio=0.5,
        detection_ratio=1.5,
        lag_ratio=0.6,
        decay=decay,
        half_life_days=half_life,
        effect_days=100,
    )


def test_effect_shapes():
    step, linear, exponential = _modifier("none"), _modifier("linear"), _modifier("exponential", 25)
    assert (
        step.strength(9.9) == 0
        and step.strength(10) == 1
        and step.strength(109) == 1
        and step.strength(110) == 0
    )
    assert linear.strength(60) == pytest.approx(0.5)
    assert exponential.strength(35) == pytest.approx(0.5)
    assert step.detected_rate_multiplier(50) == pytest.approx(0.75)
    assert step.lag_multiplier(50) == pytest.approx(0.6) and step.lag_multiplier(200) == 1
    for m in (step, linear, exponential):
        times = np.linspace(0, 200, 401)
        assert max(m.detected_rate_multiplier(t) for t in times) <= m.bound() + 1e-12
    assert math.isclose(step.bound(), 1.5)
