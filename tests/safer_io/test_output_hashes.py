"""Verifiable outputs (issue 21): every sidecar and embedded metadata block records the SHA-256 of what it
describes, and readers of safer's outputs refuse one that has changed, unless --trust-edited.

Issue 21's case: a CSV edited after `safer estimate` (an estimate set to 0.99) went into `safer report` with
safer's provenance, because sidecars carried no hash of the output they describe.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reporting  # noqa: F401 - registers the workbook format
from reporting.errors import ReportInputError
from reporting.results import load_result
from safer_io.outputs import write_output, write_sidecar
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path
from safer_io.verification import (
    CONTENT_KEY,
    OUTPUT_KEY,
    check_unchanged,
    frame_sha256,
    trusting_edited,
)
from survey.errors import SurveyInputError

FORMATS = (".csv", ".parquet", ".json", ".xlsx")


def estimates() -> pd.DataFrame:
    return pd.DataFrame({
        "survey": ["place 2008", "place 2008", "place 2008"],
        "indicator": ["NI21", "NI21", "NI21"],
        "indicator_title": ["Dealing with concerns"] * 3,
        "domain": ["all", "la", "la"],
        "domain_value": ["all", "01", "02"],
        "estimate": [0.452, 0.431, np.nan],
        "se": [0.01, 0.02, np.nan],
        "ci_lower": [0.43, 0.39, np.nan],
        "ci_upper": [0.47, 0.47, np.nan],
        "ci_method": ["logit", "logit", None],
        "n_unweighted": [1500, 800, 30],
        "n_effective": [1200.0, 700.0, 25.0],
        "deff": [1.25, 1.14, 1.2],
        "low_base": [False, False, True],
    })


def write_estimates(folder: Path, suffix: str) -> Path:
    out = folder / f"estimates{suffix}"
    write_output(estimates(), out, provenance("estimate", {"min_base": 50}, []))
    return out


def edit_csv_estimate(path: Path) -> None:
    text = path.read_text()
    assert "0.452" in text
    path.write_text(text.replace("0.452", "0.99", 1))


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_sidecar_records_the_sha256_of_its_output(tmp_path, suffix):
    import hashlib

    out = write_estimates(tmp_path, suffix)
    meta = json.loads(sidecar_path(out).read_text())
    expected = hashlib.sha256(out.read_bytes()).hexdigest()
    assert meta[OUTPUT_KEY]["sha256"] == expected, f"sidecar records {meta[OUTPUT_KEY]}, file hashes {expected}"
    assert check_unchanged(out).status == "verified"


@pytest.mark.parametrize("suffix", [".parquet", ".json", ".xlsx"])
def test_every_embedded_copy_records_the_hash_of_its_table(tmp_path, suffix):
    out = write_estimates(tmp_path, suffix)
    sidecar_path(out).unlink()  # a copy of the file without its sidecar is checked against its own metadata
    verified = check_unchanged(out)
    assert verified.status == "verified" and verified.where == "embedded metadata", verified


def test_an_edited_csv_is_refused_by_the_report_reader(tmp_path):
    out = write_estimates(tmp_path, ".csv")
    edit_csv_estimate(out)
    with pytest.raises(ReportInputError, match="has changed since safer wrote it.*--trust-edited"):
        load_result(out)


def test_trust_edited_lets_it_through_and_records_it(tmp_path):
    out = write_estimates(tmp_path, ".csv")
    edit_csv_estimate(out)
    with trusting_edited() as edited:
        result = load_result(out)
        meta = provenance("report", {}, [out])
    assert float(result.table["estimate"].iloc[0]) == 0.99
    assert [e["path"] for e in edited] == [str(out)]
    assert meta["edited_inputs"][0]["path"] == str(out), "every output of the command lists the edited input"


def test_the_report_says_an_input_was_edited(tmp_path):
    from reporting.report.write import write_report

    out = write_estimates(tmp_path, ".csv")
    edit_csv_estimate(out)
    page = tmp_path / "report.html"
    with trusting_edited():
        meta = write_report([out], page)
    assert "EDITED INPUT" in page.read_text(), "the page must say that an input was edited"
    assert any("EDITED INPUT" in c for c in meta["caveats"])


@pytest.mark.parametrize("suffix", [".parquet", ".json", ".xlsx"])
def test_an_edited_copy_without_its_sidecar_is_refused(tmp_path, suffix):
    out = write_estimates(tmp_path, suffix)
    sidecar_path(out).unlink()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        arrow = pq.read_table(out)
        frame = arrow.to_pandas()
        frame.loc[0, "estimate"] = 0.99
        import pyarrow as pa

        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(
            arrow.schema.metadata), out)
    elif suffix == ".json":
        payload = json.loads(out.read_text())
        payload["rows"][0]["estimate"] = 0.99
        out.write_text(json.dumps(payload))
    else:
        from openpyxl import load_workbook

        from reporting.workbook import CONTENTS, COVER, HEADER_ROW, NOTES

        book = load_workbook(out)
        sheet = book[next(n for n in book.sheetnames if n not in (COVER, CONTENTS, NOTES))]
        headers = [c.value for c in sheet[HEADER_ROW]]
        estimate = next(j for j, h in enumerate(headers, start=1) if str(h).startswith("Estimate"))
        sheet.cell(row=HEADER_ROW + 1, column=estimate).value = 0.99
        book.save(out)
    with pytest.raises(ReportInputError, match="has changed since safer wrote it"):
        load_result(out)


def test_sae_refuses_an_edited_table_of_direct_estimates(tmp_path):
    from survey.jobs.sae import read_table

    out = write_estimates(tmp_path, ".csv")
    edit_csv_estimate(out)
    with pytest.raises(SurveyInputError, match="table of direct estimates.*has changed"):
        read_table(out, "table of direct estimates")


def test_change_tables_refuses_an_edited_estimate_table(tmp_path):
    from survey.jobs.judging import _read_table

    out = write_estimates(tmp_path, ".parquet")
    data = out.read_bytes()
    out.write_bytes(data[:-20] + bytes(20))  # any change to the bytes
    with pytest.raises(SurveyInputError, match="has changed since safer wrote it"):
        _read_table(out)


def test_a_file_that_is_not_an_output_of_safer_is_not_checked(tmp_path):
    plain = tmp_path / "published.csv"
    estimates().to_csv(plain, index=False)
    assert check_unchanged(plain).status == "not an output of safer"


def test_write_sidecar_hashes_the_file_in_place(tmp_path):
    page = tmp_path / "summary.md"
    page.write_text("# summary\n")
    written = write_sidecar(page, {"command": "demo"})
    assert written[OUTPUT_KEY]["path"] == str(page)
    assert check_unchanged(page).status == "verified"
    page.write_text("# changed\n")
    with pytest.raises(Exception, match="has changed"):
        check_unchanged(page)


def test_the_content_hash_survives_a_parquet_round_trip_of_every_column_kind(tmp_path):
    from safer_io.inputs import read_parquet
    from safer_io.outputs import write_table

    frame = pd.DataFrame({
        "la": pd.Categorical(["E01", "E02", None]),
        "code": pd.array([1, None, 3], dtype="Int64"),
        "weight": [1.5, np.nan, 2.25],
        "n": [1, 2, 3],
        "flag": [True, False, True],
        "text": ["a", None, "c"],
        "when": pd.to_datetime(["2008-04-01", "2008-05-01", None]),
    })
    out = tmp_path / "w.parquet"
    content = write_table(frame, out, ".parquet", {})
    assert content == frame_sha256(read_parquet(out)), "the hash of the rows read back must equal the one written"
    changed = frame.copy()
    changed.loc[1, "weight"] = 9.0
    assert frame_sha256(changed) != content


def test_the_embedded_copy_names_its_content_hash(tmp_path):
    from safer_io.inputs import read_embedded_metadata

    out = write_estimates(tmp_path, ".parquet")
    embedded = read_embedded_metadata(out)
    assert embedded is not None and isinstance(embedded.get(CONTENT_KEY), str) and len(embedded[CONTENT_KEY]) == 64
