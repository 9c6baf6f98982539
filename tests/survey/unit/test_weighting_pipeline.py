"""The weighting steps and pipeline: base weights, household selection, nonresponse, value-label matching,
trimming and scaling, the weighting spec, and rebuilding a weighted file's design from its metadata."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey.design import make_design
from survey.errors import SurveyInputError
from survey.estimation.replication import replicate_domain_means
from survey.estimation.variance import domain_means
from survey.reading.files import read_survey_file
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame, match_controls
from survey.weighting.pipeline import run_weighting
from survey.weighting.replicates import replicate_design
from survey.weighting.spec import WeightingSpec, load_weighting_spec, validate_weighting_spec
from survey.weighting.steps import nonresponse_adjustment, trim_weights
from survey.weighting.weighted_files import design_from_weighted_file


def sample(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "area": rng.choice(["A", "B"], n),
        "age": rng.choice(["young", "middle", "old"], n, p=[.25, .35, .40]),
        "sex": rng.choice([1, 2], n),
        "p": rng.uniform(0.001, 0.004, n),
        "adults": rng.choice([1, 2, 3, 5, 6], n, p=[.3, .4, .15, .1, .05]),
        "responded": rng.choice([1, 0], n, p=[.6, .4]),
    })
    frame["y"] = (rng.random(n) < 0.3 + 0.2 * (frame["age"] == "old")).astype(float)
    return frame


def controls(total_a: float = 200_000, total_b: float = 150_000) -> pd.DataFrame:
    rows = []
    for area, total in (("A", total_a), ("B", total_b)):
        rows += [(area, "age", "young", .3 * total), (area, "age", "middle", .35 * total),
                 (area, "age", "old", .35 * total), (area, "sex", "Male", .49 * total),
                 (area, "sex", "Female", .51 * total)]
    return pd.DataFrame(rows, columns=["area", "variable", "category", "total"])


LABELS = {"sex": {1: "Male", 2: "Female"}}


def test_pipeline_steps_in_order() -> None:
    frame = sample()
    spec = WeightingSpec.model_validate({
        "design": {"strata": "area"},
        "selection_probability": "p",
        "household": {"adults": "adults", "cap": 4},
        "nonresponse": {"response": "responded", "classes": ["area"]},
        "calibration": {"by": ["area"]},
    })
    result = run_weighting(frame, spec, control_totals_from_frame(controls(), ["area"]), value_labels=LABELS)
    respondents = frame[frame.responded == 1].reset_index(drop=True)
    assert len(result.data) == len(respondents)
    base = 1 / respondents["p"] * np.minimum(respondents["adults"], 4)
    full_base = 1 / frame["p"] * np.minimum(frame["adults"], 4)
    factor = frame.assign(b=full_base).groupby("area")["b"].sum() / frame.assign(b=full_base)[frame.responded == 1]\
        .groupby("area")["b"].sum()
    np.testing.assert_allclose(result.data["weight_design"], base * respondents["area"].map(factor), rtol=1e-12)
    # Calibrated: each area's age and sex totals (sex matched through the value labels Male/Female).
    out = result.data
    for area, total in (("A", 200_000), ("B", 150_000)):
        rows = out[out.area == area]
        assert rows["weight"].sum() == pytest.approx(total, rel=1e-7)
        assert rows.loc[rows.sex == 1, "weight"].sum() == pytest.approx(.49 * total, rel=1e-6)
        assert rows.loc[rows.age == "old", "weight"].sum() == pytest.approx(.35 * total, rel=1e-6)
    assert [d["group"] for d in result.diagnostics] == ["area=A", "area=B"]


def test_nonresponse_class_without_respondents_is_named() -> None:
    frame = sample(60)
    frame.loc[frame.area == "B", "responded"] = 0
    with pytest.raises(SurveyInputError, match="weighting class 'B'.*no respondents"):
        nonresponse_adjustment(frame, np.ones(len(frame)), "responded", ["area"])


def test_nonresponse_rejects_unknown_status() -> None:
    frame = sample(40).astype({"responded": object})
    frame.loc[3, "responded"] = "maybe"
    with pytest.raises(SurveyInputError, match="'maybe' at data row 4"):
        nonresponse_adjustment(frame, np.ones(len(frame)), "responded")


def test_categories_match_spss_value_labels(tmp_path: Path) -> None:
    frame = sample(200)[["area", "age", "sex", "y"]]
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"sex": {1: "Male", 2: "Female"}})
    survey_file = read_survey_file(path)
    matched = match_controls(survey_file.data, control_totals_from_frame(controls(), ["area"]),
                             value_labels=survey_file.value_labels)
    sex_level = matched.level_of_row[:, matched.variables.index("sex")]
    assert matched.levels["sex"] == ["Male", "Female"]
    np.testing.assert_array_equal(sex_level, (survey_file.data["sex"].to_numpy() == 2).astype(int))


def test_trimming_within_groups_keeps_group_totals() -> None:
    rng = np.random.default_rng(2)
    weights = rng.lognormal(0, 0.7, 500)
    group = rng.integers(0, 3, 500)
    trimmed = trim_weights(weights, upper=2.5, group=group, strict=True)
    assert trimmed.max() <= 2.5 + 1e-12
    np.testing.assert_allclose(np.bincount(group, trimmed), np.bincount(group, weights), rtol=1e-12)


def test_relative_cap_and_sample_scaling() -> None:
    frame = sample()
    spec = validate_weighting_spec({
        "design": {"strata": "area"}, "selection_probability": "p",
        "calibration": {"by": ["area"]}, "trimming": {"upper": "2x", "strict": True}, "scale": "sample",
    })
    result = run_weighting(frame, spec, control_totals_from_frame(controls(), ["area"]), value_labels=LABELS)
    w = result.data["weight"]
    assert w.mean() == pytest.approx(1.0, rel=1e-12)
    for _area, rows in result.data.groupby("area"):
        assert rows["weight"].max() <= 2 * rows["weight"].mean() + 1e-9


def test_weighted_file_rebuilds_calibration_after_trimming(tmp_path: Path) -> None:
    """Metadata round trip: the rebuilt design gives the SEs of the in-memory design (R trimWeights after
    calibrate keeps the calibration in the variance)."""
    frame = sample()
    spec = validate_weighting_spec({"design": {"strata": "area"}, "selection_probability": "p",
                                    "calibration": {"by": ["area"]}, "trimming": {"upper": "1.6x"}})
    result = run_weighting(frame, spec, control_totals_from_frame(controls(), ["area"]), value_labels=LABELS)
    path = tmp_path / "w.parquet"
    result.data.to_parquet(path)
    meta = json.loads(json.dumps(result.metadata, default=str))
    rebuilt = design_from_weighted_file(pd.read_parquet(path), meta)
    assert rebuilt.calibrations and rebuilt.calibrations[0].variables == ("age", "sex")
    codes = pd.factorize(result.data["area"], sort=True)[0].astype(np.int64)
    y = result.data["y"].to_numpy()[:, None]
    expected = domain_means(result.design, y, codes, 2)
    actual = domain_means(rebuilt, y, codes, 2)
    np.testing.assert_allclose(actual.variance, expected.variance, rtol=1e-10)
    # The g-weights from metadata are the calibration's, not weight / weight_design (trimming broke that).
    ratio = result.data["weight"] / result.data["weight_design"]
    step = rebuilt.calibrations[0]
    assert not np.allclose(ratio, step.cell_g[step.cell])


def test_replicate_design_degrees_of_freedom_and_domains() -> None:
    frame = sample(300)
    design = make_design(frame.assign(w=1 / frame["p"]), weight="w", strata="area")
    jkn = replicate_design(design, "jkn")
    assert jkn.degrees_of_freedom == design.n_psu - design.n_strata
    calibrated = calibrate_to_margins(jkn, control_totals_from_frame(controls(), ["area"]), by=["area"],
                                      value_labels=LABELS)
    codes = pd.factorize(frame["area"], sort=True)[0].astype(np.int64)
    rep = replicate_domain_means(calibrated, frame["y"].to_numpy()[:, None], codes, 2)
    taylor = domain_means(calibrated, frame["y"].to_numpy()[:, None], codes, 2)
    # The jackknife of a calibrated mean and its linearisation agree closely (not exactly).
    np.testing.assert_allclose(np.sqrt(rep.variance), np.sqrt(taylor.variance), rtol=0.05)
    # degf of a domain is R's degf() of the subset: rank of its calibrated replicate weights (at R's qr
    # tolerance, 1e-5 relative), minus 1. Replicates meet the totals to 1e-7, so near-dependences exist.
    assert calibrated.replicates is not None
    for d in range(2):
        rank = np.linalg.matrix_rank(calibrated.replicates.weights[codes == d], rtol=1e-5)
        assert rep.degrees_of_freedom[d, 0] == rank - 1


def test_weighting_spec_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("calibration:\n  method: rakeing\n")
    with pytest.raises(SurveyInputError, match="spec.yaml: field 'calibration.method'"):
        load_weighting_spec(path)
    path.write_text("trimming:\n  upper: lots\n")
    with pytest.raises(SurveyInputError, match="spec.yaml: .*trimming"):
        load_weighting_spec(path)
