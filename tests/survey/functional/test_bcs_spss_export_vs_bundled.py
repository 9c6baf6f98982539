"""A file shaped like a real BCS SPSS export goes through `questionnaire map`, `validate`, `weight` and `estimate`
with a mapping file and gives the same estimates as the bundled file it was made from.

The export renames every column (BCS-style variable names, with SPSS variable labels), codes things its own way
(ASB strands the other way round, age bands from 0, regions alphabetically, forces from 101), uses another
missing-value convention (98 = don't know, 99 = refused, -1 = not applicable, all declared user-missing) and
carries value labels; it also has an unrelated `CARS` column (cars in the household) that must feed nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from survey.questionnaire.loading import load_questionnaire

EXAMPLES = Path(__file__).resolve().parents[3] / "data" / "examples"
BCS = load_questionnaire("bcs")
RTOL = 1e-10
ASB_NAMES = {"asb_noisy_neighbours": "NOISNEIG", "asb_teenagers": "TEENHANG", "asb_rubbish": "RUBBSH2",
             "asb_vandalism": "VANDGRAF", "asb_drugs": "DRUGUSE2", "asb_drunk": "DRNKROW2", "asb_cars": "ABANBURN"}


def run(args: list[Any]) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    return result.output


def make_export(path: Path) -> None:
    """The bundled BCS file as an SPSS export with its own names, codes, labels and missing values."""
    bundled = pd.read_parquet(EXAMPLES / "bcs.parquet")
    out = pd.DataFrame({"ROWLABEL": bundled["respondent_id"], "STRATUM2": bundled["stratum"],
                        "POINT": bundled["psu"], "PSELECT": bundled["selection_probability"],
                        "NADULTS": bundled["n_adults"], "RSEX": bundled["sex"], "ETHGRP2": bundled["ethnicity"]})
    labels: dict[str, dict[float, str]] = {}
    column_labels: dict[str, str] = {}
    missing: dict[str, list[dict[str, float]]] = {}
    special = {8: 98, 9: 99}  # don't know, refused
    special_labels = {98.0: "Don't know", 99.0: "Refused", -1.0: "Not applicable"}

    def coded(name: str, item_id: str, code_of: dict[int, int], variable_label: str) -> None:
        item = BCS.item(item_id)
        own = special if item.missing else {}  # region 9 is the South West, not "refused"
        values = bundled[item_id].map(lambda c: own.get(c, code_of.get(c, c)))
        out[name] = values.astype(float)
        labels[name] = {float(code_of[c]): item.codes[c] for c in item.codes}
        if item.missing:
            labels[name] |= {k: v for k, v in special_labels.items() if k in set(out[name])}
            missing[name] = [{"lo": 98.0, "hi": 99.0}, {"lo": -1.0, "hi": -1.0}]
        column_labels[name] = variable_label

    same5 = {c: c for c in range(1, 6)}
    coded("QPOLCONF", "confidence", same5, "Agree police and local council dealing with ASB and crime issues "
                                           "that matter in this area")
    coded("QVIEWS", "seek_views", same5, "Agree police and local council seek people's views about ASB and crime")
    for item_id, name in ASB_NAMES.items():
        coded(name, item_id, {1: 4, 2: 3, 3: 2, 4: 1}, f"How much of a problem: {BCS.item(item_id).wording}")
    coded("AGEGRP6", "age_band", {c: c - 1 for c in range(1, 7)}, "Age of respondent (banded)")
    regions = BCS.item("region").codes
    alphabetical = {c: rank + 1 for rank, c in enumerate(sorted(regions, key=lambda c: regions[c]))}
    coded("GOR", "region", alphabetical, "Government Office Region")
    coded("POLFORCE", "pfa", {c: 100 + c for c in BCS.item("pfa").codes}, "Police force area")
    labels["RSEX"] = {1.0: "Male", 2.0: "Female"}
    labels["ETHGRP2"] = {1.0: "White", 2.0: "Non-white", 9.0: "Refused"}
    out["CARS"] = np.random.default_rng(5).integers(0, 5, len(out)).astype(float)
    labels["CARS"] = {0.0: "None", 1.0: "One", 2.0: "Two", 3.0: "Three", 4.0: "Four or more"}
    column_labels["CARS"] = "Number of cars or vans in the household"
    pyreadstat.write_sav(out, str(path), column_labels=column_labels, variable_value_labels=labels,
                         missing_ranges=missing)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bcs_export")
    export = folder / "bcs_export.sav"
    make_export(export)
    mapping = folder / "mapping.yaml"
    run(["questionnaire", "map", export, "-q", "bcs", "--out", mapping])
    files = {"export": export, "mapping": mapping, "folder": folder}
    controls = EXAMPLES / "bcs_controls.csv"
    for name, data, design in (
        ("bundled", EXAMPLES / "bcs.parquet", ["--selection-prob", "selection_probability", "--strata", "stratum",
                                                "--psu", "psu"]),
        ("export", export, ["--selection-prob", "PSELECT", "--strata", "STRATUM2", "--psu", "POINT", "-q", "bcs",
                            "--mapping", mapping]),
    ):
        weighted = folder / f"{name}_weighted.parquet"
        run(["weight", data, *design, "--controls", controls, "--by", "region", "--out", weighted])
        estimates = folder / f"{name}_estimates.csv"
        files[f"{name}_log"] = folder / f"{name}.log"
        files[f"{name}_log"].write_text(run(["estimate", weighted, "-q", "bcs", "--all-indicators", "--by", "region",
                                             "--by", "pfa", "--out", estimates]))
        files[f"{name}_estimates"] = estimates
    return files


def test_questionnaire_map_binds_every_item_and_derives_the_recodes(pipeline: dict[str, Path]) -> None:
    items = yaml.safe_load(pipeline["mapping"].read_text())["items"]
    columns = {item: entry if isinstance(entry, str) else entry["column"] for item, entry in items.items()}
    expected = {"confidence": "QPOLCONF", "seek_views": "QVIEWS", **ASB_NAMES, "age_band": "AGEGRP6", "sex": "RSEX",
                "ethnicity": "ETHGRP2", "region": "GOR", "pfa": "POLFORCE", "n_adults": "NADULTS"}
    assert columns == expected, f"expected {expected}, mapped {columns}"
    assert items["asb_cars"]["recode"] == {1: 4, 2: 3, 3: 2, 4: 1, 98: 8, 99: 9}
    assert "missing" not in items["asb_cars"], "asb_cars has no -1 in this file, so nothing to read as blank"
    assert items["seek_views"]["missing"] == [-1], "-1 'Not applicable' is declared user-missing: read as blank"
    assert items["age_band"]["recode"] == {c - 1: c for c in range(1, 7)}
    assert "CARS" not in pipeline["mapping"].read_text().replace("# ", "").split("items:")[1].split()


def test_the_export_validates_clean_with_the_mapping_and_not_without(pipeline: dict[str, Path]) -> None:
    output = run(["validate", pipeline["export"], "-q", "bcs", "--mapping", pipeline["mapping"]])
    assert "clean against questionnaire 'bcs 2008/09'" in output
    result = CliRunner().invoke(app, ["validate", str(pipeline["export"]), "-q", "bcs"], env={"COLUMNS": "2000"})
    assert result.exit_code == 2 and "required column missing" in result.output, result.output


def test_the_export_gives_the_same_estimates_as_the_bundled_file(pipeline: dict[str, Path]) -> None:
    bundled = pd.read_csv(pipeline["bundled_estimates"], dtype={"domain_value": str})
    export = pd.read_csv(pipeline["export_estimates"], dtype={"domain_value": str})
    # 5 indicators, overall, 10 regions and the 42 forces in the sample (City of London has no interviews).
    assert len(bundled) == len(export) == 5 * (1 + 10 + 42)
    assert (bundled[["indicator", "domain", "domain_value", "n_unweighted"]]
            .equals(export[["indicator", "domain", "domain_value", "n_unweighted"]]))
    for column in ("estimate", "se", "ci_lower", "ci_upper", "deff"):
        expected, got = bundled[column].to_numpy(), export[column].to_numpy()
        assert np.allclose(got, expected, rtol=RTOL, atol=0, equal_nan=True), (
            f"{column}: bundled {expected[:5]} vs export {got[:5]}")
    national = export.query("domain == 'all' and indicator == 'PSA23_4'")["estimate"].iloc[0]
    assert 0.1 < national < 0.3, f"PSA23_4 should be near the synthetic 17%, got {national}"


def test_the_mapping_and_its_source_are_recorded_and_printed(pipeline: dict[str, Path]) -> None:
    meta = json.loads((pipeline["folder"] / "export_weighted.parquet.meta.json").read_text())
    assert meta["mapping"]["items"]["asb_cars"]["column"] == "ABANBURN"
    assert meta["mapping"]["items"]["asb_cars"]["found_by"] == "mapping file"
    assert meta["mapping"]["items"]["sex"]["found_by"] == "mapping file"  # the draft lists alias bindings too
    assert "found by" in pipeline["export_log"].read_text() or "exact id" in pipeline["export_log"].read_text()
    assert str(pipeline["mapping"]) in meta["inputs"], "the mapping file is hashed into the provenance"
    assert any(name.endswith("bcs.yaml") for name in meta["inputs"]), "so is the questionnaire"
    assert meta["label_check"]["conflicts"] == [] and "ABANBURN" in meta["label_check"]["checked_columns"]
