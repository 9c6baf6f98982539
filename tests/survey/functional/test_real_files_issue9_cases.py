"""Every case in the "Why" of issue 9, run through the command line as a new user would run it.

Each test names the case it guards. Before the work on issue 9 each of them failed (see /work/notes/h9.md for
the run against the old code): a wrong answer with exit code 0, or a Python traceback with exit code 1.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from survey.questionnaire.loading import load_questionnaire
from survey.reading.validate import resolve_item_columns
from tests.conftest import sha256

EXAMPLES = Path(__file__).resolve().parents[3] / "data" / "examples"
Q = "--questionnaire"
"""The long form, which the commands had before issue 9 too, so that these tests also run on the old code."""
ASB = ["asb_noisy_neighbours", "asb_teenagers", "asb_rubbish", "asb_vandalism", "asb_drugs", "asb_drunk", "asb_cars"]
PROBLEM4 = {1.0: "Very big problem", 2.0: "Fairly big problem", 3.0: "Not a very big problem",
            4.0: "Not a problem at all"}


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    # A wide terminal, so that messages and table cells are not wrapped in the middle of the words looked for.
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "2000"})
    return result.exit_code, result.output


def assert_refused(code: int, output: str, *fragments: str) -> None:
    assert code == 2, f"expected exit 2, got {code}: {output}"
    assert "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in output, f"{fragment!r} not in {output!r}"


def bcs_sample(n: int = 3000) -> pd.DataFrame:
    return pd.read_parquet(EXAMPLES / "bcs.parquet").head(n).reset_index(drop=True)


@pytest.fixture(scope="module")
def weighted_place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Place Survey weighted by `safer weight` (parquet + sidecar)."""
    folder = tmp_path_factory.mktemp("weighted")
    out = folder / "weighted.parquet"
    code, output = run(CliRunner(), ["weight", EXAMPLES / "place.parquet", "--controls",
                                     EXAMPLES / "place_controls.csv", "--by", "la", "--strata", "la", "--weight",
                                     "design_weight", "--out", out])
    assert code == 0, output
    return out


def ni1(path: Path) -> float:
    return float(pd.read_csv(path).query("domain == 'all'")["estimate"].iloc[0])


# ---- items bind to columns through aliases ------------------------------------------------------------------

def test_an_unrelated_cars_column_does_not_feed_the_asb_scale(runner: CliRunner, tmp_path: Path) -> None:
    data = bcs_sample().rename(columns={"asb_cars": "abandoned_cars_q"})
    data["CARS"] = np.random.default_rng(1).integers(1, 5, len(data))  # cars in the household, codes 1-4
    path = tmp_path / "bcs.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_4", "--out", out])
    assert_refused(code, output, "asb_cars")
    assert not out.exists()


def test_generic_words_are_not_aliases() -> None:
    generic = ["drugs", "drunk", "rubbish", "force", "gender", "parents", "emergency", "authority", "cars"]
    frame = pd.DataFrame({name: [1] for name in generic})
    for name in ("bcs", "place"):
        bound = resolve_item_columns(frame, load_questionnaire(name))
        assert not bound, f"{name}: generic column names bind to items: {bound}"


def test_map_binds_a_column_and_every_binding_is_recorded_with_how(runner: CliRunner, tmp_path: Path) -> None:
    data = bcs_sample().rename(columns={"asb_cars": "ABANCARX", "sex": "RSEX"})
    path = tmp_path / "bcs.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_4", "--map", "asb_cars=ABANCARX",
                                "--out", out])
    assert code == 0, output
    assert "ABANCARX" in output and "--map" in output, "the binding and how it was found should be printed"
    items = json.loads(Path(f"{out}.meta.json").read_text())["mapping"]["items"]
    assert items["asb_cars"] == {"column": "ABANCARX", "found_by": "--map"}
    assert items["sex"] == {"column": "RSEX", "found_by": "alias"}
    assert items["confidence"] == {"column": "confidence", "found_by": "exact id"}


# ---- value labels checked against the questionnaire -------------------------------------------------------

def reversed_labels_sav(tmp_path: Path) -> Path:
    data = bcs_sample().select_dtypes("number").astype(float)
    path = tmp_path / "reversed.sav"
    reversed_scale = {code: PROBLEM4[5.0 - code] for code in PROBLEM4}
    pyreadstat.write_sav(data, str(path), variable_value_labels={item: reversed_scale for item in ASB})
    return path


def test_reversed_value_labels_are_an_error_naming_column_and_codes(runner: CliRunner, tmp_path: Path) -> None:
    path = reversed_labels_sav(tmp_path)
    code, output = run(runner, ["validate", path, Q, "bcs"])
    assert_refused(code, output, "asb_cars", "Not a problem at all")
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_4", "--weight", "design_weight",
                                "--out", out])
    assert_refused(code, output, "value labels contradict", "--ignore-labels")
    assert not out.exists()
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_4", "--weight", "design_weight",
                                "--ignore-labels", "--out", out])
    assert code == 0, output
    labels = json.loads(Path(f"{out}.meta.json").read_text())["label_check"]
    assert labels["conflicts_ignored"] is True and len(labels["conflicts"]) == 7 * 4, labels


# ---- weighted files keep their design ---------------------------------------------------------------------

def test_a_weighted_parquet_copied_without_its_sidecar_stays_weighted(
    runner: CliRunner, tmp_path: Path, weighted_place: Path
) -> None:
    with_sidecar = tmp_path / "with.csv"
    code, output = run(runner, ["estimate", weighted_place, Q, "place", "--indicator", "NI1", "--out", with_sidecar])
    assert code == 0, output
    copy = tmp_path / "copied.parquet"
    copy.write_bytes(weighted_place.read_bytes())
    copied = tmp_path / "copied.csv"
    code, output = run(runner, ["estimate", copy, Q, "place", "--indicator", "NI1", "--out", copied])
    assert code == 0, output
    assert ni1(copied) == pytest.approx(ni1(with_sidecar), rel=1e-12), "the copy must be estimated as weighted"
    embedded = json.loads(pq.read_schema(copy).metadata[b"safer"])
    assert embedded["weighting"]["calibration"]["method"] == "raking"


def test_a_weighted_csv_without_its_metadata_is_refused(runner: CliRunner, tmp_path: Path,
                                                        weighted_place: Path) -> None:
    path = tmp_path / "copied.csv"
    pd.read_parquet(weighted_place).to_csv(path, index=False)
    code, output = run(runner, ["estimate", path, Q, "place", "--indicator", "NI1", "--out", tmp_path / "e.csv"])
    assert_refused(code, output, "copied.csv.meta.json", "--weight weight")


def test_a_sidecar_left_from_before_rows_were_filtered_is_refused(runner: CliRunner, tmp_path: Path,
                                                                 weighted_place: Path) -> None:
    path = tmp_path / "filtered.parquet"
    pd.read_parquet(weighted_place).query("la != 'E003'").to_parquet(path)
    Path(f"{path}.meta.json").write_text(Path(f"{weighted_place}.meta.json").read_text())
    code, output = run(runner, ["estimate", path, Q, "place", "--indicator", "NI1", "--out", tmp_path / "e.csv"])
    assert_refused(code, output, "has changed since `safer weight` wrote it")


# ---- outputs never overwrite inputs ------------------------------------------------------------------------

def test_weight_out_equal_to_its_input_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "place.csv"
    pd.read_parquet(EXAMPLES / "place.parquet").head(2000).to_csv(path, index=False)
    before = sha256(path)
    code, output = run(runner, ["weight", path, "--weight", "design_weight", "--out", path])
    assert_refused(code, output, "would overwrite an input")
    assert sha256(path) == before


def test_estimate_out_equal_to_a_weighted_input_is_refused(runner: CliRunner, tmp_path: Path,
                                                           weighted_place: Path) -> None:
    path = tmp_path / "weighted.parquet"
    path.write_bytes(weighted_place.read_bytes())
    sidecar = Path(f"{path}.meta.json")
    sidecar.write_text(Path(f"{weighted_place}.meta.json").read_text())
    before = (sha256(path), sha256(sidecar))
    code, output = run(runner, ["estimate", path, Q, "place", "--indicator", "NI1", "--out", path])
    assert_refused(code, output, "would overwrite an input")
    assert (sha256(path), sha256(sidecar)) == before


# ---- disclosure ---------------------------------------------------------------------------------------------

def test_by_an_identifier_is_refused(runner: CliRunner, tmp_path: Path, weighted_place: Path) -> None:
    out = tmp_path / "e.csv"
    code, output = run(runner, ["estimate", weighted_place, Q, "place", "--indicator", "NI1", "--by",
                                "respondent_id", "--out", out])
    assert_refused(code, output, "respondent_id", "disclose individual answers")
    assert not out.exists()


def test_small_domains_are_suppressed_by_default_and_the_choice_recorded(runner: CliRunner, tmp_path: Path) -> None:
    data = bcs_sample(4000)
    data["area"] = np.repeat(["a", "b", "c", "d"], [2000, 1500, 300, 200])  # two of four areas are small
    path = tmp_path / "bcs.parquet"
    data.to_parquet(path)
    out = tmp_path / "e.csv"
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_3", "--by", "area",
                                "--weight", "design_weight", "--min-base", "400", "--out", out])
    assert code == 0, output
    table = pd.read_csv(out)
    small = table["n_unweighted"] < 400
    assert small.any() and (~small).any(), "the test needs both small and large domains"
    assert table.loc[small, ["estimate", "se", "ci_lower", "ci_upper"]].isna().all().all()
    assert table.loc[small, "low_base"].all() and table.loc[~small, "estimate"].notna().all()
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    assert meta["disclosure"] == {"min_base": 400, "suppressed": True, "rows_suppressed": int(small.sum())}
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_3", "--by", "area",
                                "--weight", "design_weight", "--min-base", "400", "--no-suppress", "--out", out])
    assert code == 0 and pd.read_csv(out)["estimate"].notna().all(), output
    code, output = run(runner, ["estimate", path, "--mean", "n_adults", "--min-base", "-1", "--out", out])
    assert code == 2 and "Traceback" not in output, output


# ---- questionnaire hashed, survey named ---------------------------------------------------------------------

def test_the_questionnaire_is_hashed_and_the_survey_named(runner: CliRunner, tmp_path: Path) -> None:
    own = tmp_path / "mybcs.yaml"
    own.write_text((Path(__file__).resolve().parents[3] / "data" / "questionnaires" / "bcs.yaml").read_text())
    out = tmp_path / "e.csv"
    code, output = run(runner, ["estimate", EXAMPLES / "bcs.parquet", Q, own, "--indicator", "NI27",
                                "--weight", "design_weight", "--out", out])
    assert code == 0, output
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    assert meta["inputs"][str(own)] == sha256(own)
    table = pd.read_csv(out)
    assert list(table["survey"].unique()) == ["bcs 2008/09"]
    assert table["indicator_title"].iloc[0].startswith("The police and local council seek people's views")
    place = tmp_path / "p.csv"
    code, output = run(runner, ["estimate", EXAMPLES / "place.parquet", Q, "place", "--indicator", "NI27",
                                "--weight", "design_weight", "--out", place])
    assert code == 0, output
    assert list(pd.read_csv(place)["survey"].unique()) == ["place 2008"]
    bundled = json.loads(Path(f"{place}.meta.json").read_text())["inputs"]
    assert any(name.endswith("place.yaml") for name in bundled), "the bundled questionnaire is hashed too"


# ---- no tracebacks ------------------------------------------------------------------------------------------

SCENARIO = EXAMPLES / "scenarios" / "ppo.yaml"


def _yaml_readers(tmp_path: Path, name: str, content: bytes) -> list[tuple[list[Any], str]]:
    path = tmp_path / name
    path.write_bytes(content)
    data = tmp_path / "d.csv"
    pd.DataFrame({"w": [1.0, 2.0], "confidence": [1, 2]}).to_csv(data, index=False)
    out = tmp_path / "o.csv"
    return [
        (["estimate", data, Q, path, "--all-indicators", "--out", out], "questionnaire"),
        (["estimate", data, "--design", path, "--mean", "confidence", "--out", out], "design"),
        (["weight", data, "--spec", path, "--out", tmp_path / "w.parquet"], "weighting spec"),
        (["simulate", "run", "--size", "50", "--replications", "1", "--scenario", path, "--out", out], "scenario"),
        (["simulate", "run", "--size", "50", "--replications", "1", "--params", path, "--out", out], "params"),
    ]


@pytest.mark.parametrize("reader", range(5))
def test_deeply_nested_yaml_in_each_reader(runner: CliRunner, tmp_path: Path, reader: int) -> None:
    args, what = _yaml_readers(tmp_path, "deep.yaml", b"[" * 100_000 + b"]" * 100_000)[reader]
    code, output = run(runner, args)
    assert_refused(code, output, "deep.yaml")


@pytest.mark.parametrize("reader", [3, 4])
def test_non_utf8_scenario_and_params(runner: CliRunner, tmp_path: Path, reader: int) -> None:
    text = SCENARIO.read_text() if reader == 3 else "parameters:\n  base_offending_rate: 2.0\n"
    content = (text + "\n# Priority offenders in Pr\u00e9ston, \u00a3400\n").encode("cp1252")
    args, what = _yaml_readers(tmp_path, "latin.yaml", content)[reader]
    code, output = run(runner, args)
    assert_refused(code, output, "latin.yaml", "not UTF-8", "cp1252")


def test_a_corrupt_meta_json(runner: CliRunner, tmp_path: Path, weighted_place: Path) -> None:
    path = tmp_path / "w.parquet"
    path.write_bytes(weighted_place.read_bytes())
    Path(f"{path}.meta.json").write_text('{"weighting": {"columns": ')
    code, output = run(runner, ["estimate", path, Q, "place", "--indicator", "NI1", "--out", tmp_path / "e.csv"])
    assert_refused(code, output, "w.parquet.meta.json", "not valid JSON")


def test_text_in_an_integer_column_of_a_cohort_file(runner: CliRunner, tmp_path: Path) -> None:
    from simulation.inputs.cohort import INPUT_COLUMNS, generate_cohort
    from simulation.runs.runner import cohort_seed

    frame = generate_cohort("adult", 20, cohort_seed(1)).frame[list(INPUT_COLUMNS["adult"])].astype(str)
    frame.loc[3, "previous_sanctions"] = "several"
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    code, output = run(runner, ["simulate", "run", "--cohort-file", path, "--replications", "1", "--out",
                                tmp_path / "o.csv"])
    assert_refused(code, output, "cohort.csv", "previous_sanctions", "line(s) 5")


@pytest.mark.parametrize("failure", [errno.EROFS, errno.ENOSPC])
def test_out_on_a_read_only_or_full_file_system(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                failure: int) -> None:
    import safer_io.outputs

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(failure, os.strerror(failure))

    monkeypatch.setattr(safer_io.outputs.os, "replace", refuse)
    out = tmp_path / "est.csv"
    code, output = run(runner, ["estimate", EXAMPLES / "bcs.parquet", "--mean", "n_adults", "--out", out])
    assert_refused(code, output, str(out), "nothing was written")
    assert list(tmp_path.iterdir()) == [], "a failed write must leave nothing behind"


# ---- smaller things accepted silently --------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("confidence,sex\n", "no data rows"),
    ("confidence,sex\n1,2\n3\n", "1 field(s) where the header has 2"),
    ("confidence,sex\n1,2\n3,1,4\n", "3 fields where the header has 2"),
    ("confidence,sex,confidence\n1,2,3\n", "'confidence' appears 2 times"),
])
def test_validate_reports_the_shape_of_the_file(runner: CliRunner, tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "shape.csv"
    path.write_text(text)
    code, output = run(runner, ["validate", path, Q, "bcs"])
    assert code == 2, output
    assert expected in " ".join(output.split()), output


@pytest.mark.parametrize(("content", "expected"), [
    (b"confidence;sex\n1;2\n", "semicolon-delimited"),
    ("confidence,r\u00e9gion\n1,\u00c9cosse\n".encode("latin-1"), "not UTF-8"),
])
def test_latin1_and_semicolon_files_say_why(runner: CliRunner, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    code, output = run(runner, ["validate", path, Q, "bcs"])
    assert_refused(code, output, "odd.csv", expected)


def test_respondents_with_no_by_value_are_counted(runner: CliRunner, tmp_path: Path) -> None:
    data = bcs_sample(3000)
    data.loc[:99, "region"] = np.nan
    path = tmp_path / "bcs.parquet"
    data.to_parquet(path)
    out = tmp_path / "e.csv"
    code, output = run(runner, ["estimate", path, Q, "bcs", "--indicator", "PSA23_3", "--by", "region",
                                "--weight", "design_weight", "--out", out])
    assert code == 0, output
    assert "100 of 3000 respondents have no region value" in " ".join(output.split())
    assert json.loads(Path(f"{out}.meta.json").read_text())["notes"][0].startswith("--by region: 100 of 3000")


def test_certainty_with_every_stratum_single_psu_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    data = pd.DataFrame({"s": [1, 1, 2, 2, 3, 3], "p": [1, 1, 1, 1, 1, 1], "y": [1.0, 2, 3, 4, 5, 6]})
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    code, output = run(runner, ["estimate", path, "--mean", "y", "--strata", "s", "--psu", "p", "--lonely-psu",
                                "certainty", "--min-base", "1", "--out", tmp_path / "e.csv"])
    assert_refused(code, output, "single PSU", "certainty")


def test_negative_cost_per_place_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    document = yaml.safe_load(SCENARIO.read_text())
    document["interventions"][0]["cost_per_place"].update(value=-100, range=[-200, 0])
    path = tmp_path / "cheap.yaml"
    path.write_text(yaml.safe_dump(document))
    code, output = run(runner, ["simulate", "run", "--size", "50", "--replications", "1", "--scenario", path,
                                "--out", tmp_path / "o.csv"])
    assert_refused(code, output, "cheap.yaml", "cost_per_place", "negative")


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".json"])
def test_simulate_run_writes_the_format_its_extension_names(runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"sim{suffix}"
    code, output = run(runner, ["simulate", "run", "--size", "200", "--replications", "2", "--scenario", "ppo",
                                "--out", out])
    assert code == 0, output
    from reporting.results import read_table

    table = {".xlsx": lambda p: read_table(p)[0], ".parquet": pd.read_parquet}.get(suffix)  # a workbook: by layout
    rows = table(out) if table else pd.DataFrame(json.loads(out.read_text())["rows"])
    assert {"scenario", "measure", "mean"} <= set(rows.columns) and len(rows) > 10
    assert pd.api.types.is_numeric_dtype(rows["mean"]), "simulated measures are stored as numbers"
    code, output = run(runner, ["simulate", "run", "--size", "200", "--out", tmp_path / "sim.txt"])
    assert_refused(code, output, "sim.txt", ".xlsx")


def test_out_naming_a_directory_leaves_nothing_and_names_it(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "results.csv"
    folder.mkdir()
    code, output = run(runner, ["estimate", EXAMPLES / "bcs.parquet", "--mean", "n_adults", "--out", folder])
    assert_refused(code, output, "results.csv: is a directory")
    assert ".tmp" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
