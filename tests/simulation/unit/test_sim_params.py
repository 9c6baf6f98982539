"""ModelParams: validation, files, defaults."""

from __future__ import annotations

import pytest
import yaml

from simulation.errors import SimulationInputError
from simulation.inputs.params import CALIBRATED_DEFAULTS, ModelParams, default_params, load_params, params_document


def test_bundled_defaults_are_the_2005_adult_and_youth_fits_of_the_year_effects():
    from simulation.inputs.year_effects import load_year_effects

    document = yaml.safe_load(CALIBRATED_DEFAULTS.read_text())
    effects = load_year_effects()
    adult, youth = default_params("adult"), default_params("youth")
    assert adult.base_offending_rate == document["parameters"]["base_offending_rate"]
    for name in ("base_offending_rate", "heterogeneity_theta", "serious_share"):
        assert getattr(adult, name) == effects.adult[2005][name], name
        assert getattr(youth, name) == effects.youth[2005][name], name
    assert adult.female_log_rate_ratio["custody"] == effects.global_["female_log_rate_ratio"]["custody"]
    for disposal in ("custody", "community"):
        assert youth.disposal_log_rate_ratio[disposal] == effects.global_youth["disposal_log_rate_ratio"][disposal]


def test_every_field_documents_itself():
    for name, field in ModelParams.model_fields.items():
        assert field.description, f"{name} has no docstring"


@pytest.mark.parametrize("months", [5.9, 9.5])
def test_waiting_period_must_be_six_to_nine_months(tmp_path, months):
    path = tmp_path / "p.yaml"
    path.write_text(f"parameters:\n  waiting_period_months: {months}\n")
    with pytest.raises(SimulationInputError) as error:
        load_params(path)
    message = str(error.value)
    assert str(path) in message and "waiting_period_months" in message


def test_partial_file_keeps_other_defaults(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("parameters:\n  waiting_period_months: 9\n")
    loaded = load_params(path)
    assert loaded.waiting_period_months == 9
    assert loaded.base_offending_rate == default_params().base_offending_rate


def test_unknown_field_and_bad_mix_are_named(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("parameters:\n  base_ofending_rate: 3\n")
    with pytest.raises(SimulationInputError, match="base_ofending_rate"):
        load_params(path)
    mix = dict(default_params().non_serious_type_mix, theft_handling=0.5)
    path.write_text(yaml.safe_dump({"parameters": {"non_serious_type_mix": mix}}))
    with pytest.raises(SimulationInputError, match="sum to 1"):
        load_params(path)


def test_missing_parameters_block_and_bad_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("base_offending_rate: 3\n")
    with pytest.raises(SimulationInputError, match="'parameters'"):
        load_params(path)
    path.write_text("parameters: [unclosed\n")
    with pytest.raises(SimulationInputError, match="not valid YAML"):
        load_params(path)


def test_document_round_trip(tmp_path):
    changed = default_params().model_copy(update={"custody_probability": 0.3})
    path = tmp_path / "p.yaml"
    path.write_text(params_document(changed, {"note": "x"}))
    assert load_params(path) == changed


def test_serious_share_bounded_by_ratio():
    values = default_params().model_dump()
    values["serious_share"] = 0.3  # x sexual ratio 4 > 1
    with pytest.raises(ValueError, match="serious_share"):
        ModelParams.model_validate(values)
