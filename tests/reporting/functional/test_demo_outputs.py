"""`safer demo` as a whole (issue 21): its summary line counts every file and the whole time, and every sidecar it
writes records the SHA-256 of the file it describes.

Before: "wrote 5 files in 1.7 s" after writing about 20 in 6.7 s; and sidecars carried no hash of their output.
"""

from __future__ import annotations

import hashlib
import json
import re
import time

import pytest

from cli import app


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("demo") / "demo"
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return out, " ".join(result.output.split()), seconds


def test_the_summary_counts_every_file_and_the_whole_time(demo):
    out, output, seconds = demo
    found = re.search(r"wrote (\d+) files to .*? in ([\d.]+) s", output)
    assert found, output
    files = sorted(p for p in out.rglob("*") if p.is_file())
    said_files, said_seconds = int(found.group(1)), float(found.group(2))
    assert said_files == len(files), f"the summary says {said_files} files, the folder holds {len(files)}"
    assert said_seconds >= 0.8 * seconds, f"the summary says {said_seconds} s, the command took {seconds:.1f} s"


def test_every_sidecar_records_the_hash_of_its_file(demo):
    out, _, _ = demo
    sidecars = [p for p in out.rglob("*.meta.json") if p.name != "demo.meta.json"]
    assert len(sidecars) >= 5, f"expected the demo's sidecars, found {[p.name for p in sidecars]}"
    for sidecar in sidecars:
        described = sidecar.with_name(sidecar.name.removesuffix(".meta.json"))
        meta = json.loads(sidecar.read_text())
        recorded = (meta.get("output") or {}).get("sha256")
        assert recorded == hashlib.sha256(described.read_bytes()).hexdigest(), (
            f"{sidecar.name}: records {recorded}, expected the SHA-256 of {described.name}")
