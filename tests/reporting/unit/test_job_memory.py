"""Job memory: later steps get earlier outputs from memory, as private copies, and never a stale one."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from reporting.results import load_result
from safer_io.memory import job_memory, recall, remember
from safer_io.outputs import write_output
from safer_io.provenance import file_sha256, provenance


def test_outside_a_job_nothing_is_remembered(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    write_output(pd.DataFrame({"a": [1]}), out, provenance("estimate", {}, []))
    assert recall(out) is None


def test_a_written_table_comes_back_from_memory_as_a_copy(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    table = pd.DataFrame({"indicator": ["NI17"], "estimate": [0.123456789012345678]})
    with job_memory() as memory:
        write_output(table, out, provenance("estimate", {}, []))
        first = load_result(out)
        assert memory.hits == 1
        assert first.table["estimate"].iloc[0] == table["estimate"].iloc[0], "exact, not via CSV text"
        first.table.loc[0, "estimate"] = 0.0
        assert recall(out).value["estimate"].iloc[0] == table["estimate"].iloc[0], "a reader cannot alter it"


def test_neither_the_writer_nor_a_reader_can_change_what_is_remembered(tmp_path: Path) -> None:
    out = tmp_path / "w.parquet"
    out.write_bytes(b"written")
    table = pd.DataFrame({"w": [1.0, 2.0], "la": ["E1", "E2"]})
    metadata = {"weighting": {"history": [{"step": "rake", "margins": ["age", "sex"]}]}}
    with job_memory():
        remember(out, table, metadata)
        table.loc[0, "w"] = 99.0  # the writer goes on using its frame
        table["extra"] = 1
        metadata["weighting"]["history"][0]["margins"].append("ethnicity")
        reader = recall(out)
        assert reader is not None and reader.metadata is not None
        assert reader.value["w"].tolist() == [1.0, 2.0] and "extra" not in reader.value
        assert reader.metadata["weighting"]["history"][0]["margins"] == ["age", "sex"]
        reader.value.loc[1, "w"] = -1.0  # a reader changes its copy
        reader.metadata["weighting"]["history"].clear()
        again = recall(out)
        assert again is not None and again.metadata is not None
        assert again.value["w"].tolist() == [1.0, 2.0]
        assert again.metadata["weighting"]["history"][0]["margins"] == ["age", "sex"]


def test_the_recorded_hash_is_the_hash_of_the_file(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    with job_memory():
        write_output(pd.DataFrame({"a": [1, 2]}), out, provenance("estimate", {}, []))
        assert file_sha256(out) == file_sha256(out, use_memory=False)


def test_a_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    with job_memory():
        pd.DataFrame({"a": [1]}).to_parquet(out)
        remember(out, pd.DataFrame({"a": [1]}), {"command": "x"})
        assert recall(out) is not None
        pd.DataFrame({"a": [2, 3]}).to_parquet(out)
        stat = out.stat()
        os.utime(out, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert recall(out) is None, "the file was replaced after the step wrote it"
