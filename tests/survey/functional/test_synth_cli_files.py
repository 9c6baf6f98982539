"""`safer synth bcs|place`: designs, codes, formats, truth and control totals, reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from cli import app
from survey.estimation.indicators import indicator_values
from survey.questionnaire.loading import load_questionnaire
from survey.reading.validate import validate_against_questionnaire
from survey.synthetic.bcs import bcs_frame, bcs_microdata, bcs_population, draw_bcs_sample
from survey.synthetic.jobs import SyntheticSurvey, synth_bcs, synth_place
from survey.synthetic.population import build_world
from survey.synthetic.truth import population_indicator_values
from tests.conftest import sha256

BCS_N = 4_000


@pytest.fixture(scope="module")
def bcs() -> SyntheticSurvey:
    return synth_bcs(21, BCS_N)


@pytest.fixture(scope="module")
def place() -> SyntheticSurvey:
    return synth_place(21, n_las=6, returns=600)


def test_bcs_design_follows_the_survey(bcs: SyntheticSurvey) -> None:
    data = bcs.data
    assert abs(len(data) - BCS_N) < 0.05 * BCS_N
    assert set(data["pfa"]) == set(range(1, 44)) - {5} or set(data["pfa"]) == set(range(1, 44))
    assert np.allclose(data["design_weight"] * data["selection_probability"], 1.0)
    # One adult per household: the design weight rises with the number of adults within a PSU.
    within_psu = data.groupby("psu")["design_weight"].transform("min")
    ratio = data["design_weight"] / within_psu
    assert np.allclose(ratio, data["n_adults"] / data.groupby("psu")["n_adults"].transform("min"))
    assert set(data["quarter"]) == {"2008Q2", "2008Q3", "2008Q4", "2009Q1"}
    dates = pd.to_datetime(data["interview_date"])
    assert dates.min() >= pd.Timestamp("2008-04-01") and dates.max() <= pd.Timestamp("2009-03-31")
    assert (data.groupby("psu")["stratum"].nunique() == 1).all()
    # Don't know and refused at realistic rates; seek_views asked of about half.
    dont_know = (data["confidence"] == 8).mean()
    assert 0.02 < dont_know < 0.10
    assert 0 < (data["confidence"] == 9).sum() < 0.01 * len(data)
    assert 0.4 < (data["seek_views"] == -1).mean() < 0.6


def test_synthetic_codes_are_exactly_the_questionnaires(bcs: SyntheticSurvey, place: SyntheticSurvey) -> None:
    for result in (bcs, place):
        q = load_questionnaire(result.survey)
        assert validate_against_questionnaire(result.data, q, source=result.survey) == []
        for item in q.items:
            if item.type == "coded" and item.required:
                assert item.id in result.data.columns


def test_place_response_is_realistic_and_skewed(place: SyntheticSurvey) -> None:
    summary = place.summary
    assert 0.28 < summary["response_rate_overall"] < 0.46
    assert summary["response_rate_min"] > 0.2 and summary["response_rate_max"] < 0.55
    controls = place.controls
    assert list(controls.columns) == ["la", "variable", "category", "total"]
    grand = controls.groupby(["la", "variable"])["total"].sum().unstack()
    assert np.allclose(grand["age_band"], grand["sex"]) and np.allclose(grand["sex"], grand["ethnicity"])
    population_share = controls[controls["variable"] == "age_band"].groupby("category")["total"].sum()
    population_share /= population_share.sum()
    sample_share = place.data["age_band"].astype(str).value_counts(normalize=True)
    assert sample_share["6"] > population_share["6"] + 0.05  # older people respond more
    assert sample_share["1"] < population_share["1"]
    assert (place.data["sex"] == 2).mean() > 0.53  # women respond more


def test_truth_has_the_ids_and_domains_of_estimate_output(bcs: SyntheticSurvey, tmp_path: Path,
                                                          runner: CliRunner) -> None:
    data_file = tmp_path / "bcs.csv"
    bcs.data.to_csv(data_file, index=False)
    out = tmp_path / "est.csv"
    result = runner.invoke(app, ["estimate", str(data_file), "--questionnaire", "bcs", "--all-indicators",
                                 "--weight", "design_weight", "--strata", "stratum", "--psu", "psu",
                                 "--by", "region", "--by", "pfa", "--lonely-psu", "adjust", "--out", str(out)])
    assert result.exit_code == 0, result.output
    estimates = pd.read_csv(out, dtype={"domain_value": str})
    keys = ["indicator", "domain", "domain_value"]
    merged = estimates.merge(bcs.truth, on=keys, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert list(bcs.truth.columns[:4]) == ["indicator", "domain", "domain_value", "true_value"]
    national = merged[merged["domain"] == "all"]
    assert (national["estimate"] - national["true_value"]).abs().max() < 0.05


def test_sample_indicator_values_are_the_population_values_at_the_sampled_rows() -> None:
    # The coverage check relies on this: indicator rules are row-wise.
    world = build_world(3, n_las_england=45)
    population = bcs_population(world, 3_000)
    frame = bcs_frame(population)
    rng = np.random.default_rng(0)
    sample = draw_bcs_sample(frame, 3_000, rng)
    data = bcs_microdata(frame, sample, rng)
    q = load_questionnaire("bcs")
    values = population_indicator_values(population, "bcs").to_numpy()[sample.rows]
    values[~sample.seek_views_asked, list(population_indicator_values(population, "bcs").columns).index("NI27")] = (
        np.nan)
    for j, indicator in enumerate(["PSA23_3", "PSA23_4", "NI27", "PSA25_drunk", "PSA25_drugs"]):
        np.testing.assert_array_equal(indicator_values(data, q, indicator), values[:, j])


def _synth_files(runner: CliRunner, folder: Path, seed: int, place: bool = True) -> dict[str, Path]:
    folder.mkdir()
    files = {name: folder / name for name in ("bcs.csv", "bcs_truth.csv", "place.parquet", "controls.csv",
                                              "place_truth.parquet")}
    result = runner.invoke(app, ["synth", "bcs", "--seed", str(seed), "--n", "2500", "--out", str(files["bcs.csv"]),
                                 "--truth", str(files["bcs_truth.csv"])])
    assert result.exit_code == 0, result.output
    if place:
        result = runner.invoke(app, ["synth", "place", "--seed", str(seed), "--las", "3", "--returns", "300",
                                     "--out", str(files["place.parquet"]), "--controls", str(files["controls.csv"]),
                                     "--truth", str(files["place_truth.parquet"])])
        assert result.exit_code == 0, result.output
    return files


def test_same_seed_gives_byte_identical_files(tmp_path: Path, runner: CliRunner) -> None:
    first = _synth_files(runner, tmp_path / "a", 4)
    again = _synth_files(runner, tmp_path / "b", 4)
    other = _synth_files(runner, tmp_path / "c", 5, place=False)
    for name, path in first.items():
        assert sha256(path) == sha256(again[name]), name
    assert sha256(first["bcs.csv"]) != sha256(other["bcs.csv"])
    meta = json.loads((tmp_path / "a" / "bcs.csv.meta.json").read_text())
    assert meta["command"] == "synth bcs" and meta["parameters"]["seed"] == 4
    assert "SYNTHETIC" in meta["summary"]["note"]


def test_sav_output_carries_value_labels_and_estimates(tmp_path: Path, runner: CliRunner) -> None:
    sav = tmp_path / "place.sav"
    result = runner.invoke(app, ["synth", "place", "--seed", "2", "--las", "2", "--returns", "200",
                                 "--out", str(sav), "--controls", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    assert meta.variable_value_labels["confidence"][8.0] == "Don't know"
    assert meta.variable_value_labels["asb_drugs"][1.0] == "Very big problem"
    assert data["belonging"].isna().any()  # postal blanks stay blank
    out = tmp_path / "e.csv"
    result = runner.invoke(app, ["estimate", str(sav), "--questionnaire", "place", "--indicator", "NI17",
                                 "--weight", "design_weight", "--strata", "la", "--by", "la", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 3


def test_bad_arguments_are_input_errors(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["synth", "place", "--seed", "1", "--las", "0", "--out", str(tmp_path / "p.csv"),
                                 "--controls", str(tmp_path / "c.csv")])
    assert result.exit_code == 2
    assert "--las" in result.output
    result = runner.invoke(app, ["synth", "bcs", "--seed", "1", "--out", str(tmp_path / "b.txt")])
    assert result.exit_code == 2
    assert not (tmp_path / "b.txt").exists()
