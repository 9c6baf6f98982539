"""A full disk: one message, exit code 2, nothing left behind and nothing printed after it (issue 21).

The workbook writer is a zip file: when the disk filled, the message was followed by a traceback from
`ZipFile.__del__`, which tried to finish the file when it was collected. The disk is made full by giving the
writer a temporary file that is a link to /dev/full, where every write fails with ENOSPC.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FULL_DISK = textwrap.dedent(
    """
    import os, sys, tempfile
    from pathlib import Path
    import safer_io.outputs as outputs

    def full(prefix="", suffix="", dir=None):
        path = Path(dir) / f"{prefix}full{suffix}"
        path.symlink_to("/dev/full")
        return os.open(path, os.O_WRONLY), str(path)

    outputs.tempfile.mkstemp = full
    sys.argv = ["safer", *sys.argv[1:]]
    from cli import app
    app()
    """
)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_a_full_disk_gives_one_message_and_nothing_after_it(tmp_path, suffix):
    out = tmp_path / f"estimates{suffix}"
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "estimate", str(ROOT / "data/examples/bcs.parquet"), "-q", "bcs",
         "--indicator", "PSA23_4", "--weight", "design_weight", "--out", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    stderr = " ".join(done.stderr.split())
    assert done.returncode == 2, f"expected exit code 2, found {done.returncode}: {stderr}"
    assert f"{out}: the disk is full; nothing was written" in stderr, stderr
    assert "Exception ignored" not in stderr and "Traceback" not in stderr, f"printed after the message: {stderr}"
    assert stderr.rstrip().endswith("(run with --debug to see the traceback)"), f"the message must come last: {stderr}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing may be left behind"
