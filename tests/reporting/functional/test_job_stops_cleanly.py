"""A job that stops, by a failing step or by Ctrl-C, says which steps finished and what they kept (issue 21).

Before: Ctrl-C mid-job left the earlier steps' outputs without a word, and a failing step said only "a step
failed (see above)".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from cli import app

SHORT_THEN_LONG = textwrap.dedent("""\
    job: two simulations
    steps:
      - name: short
        command: simulate run
        options: {size: 200, replications: 2, seed: 1, out: short.csv}
      - name: long
        command: simulate run
        options: {size: 3000, replications: 200, seed: 2, out: long.csv}
    """)


def test_ctrl_c_mid_job_lists_the_finished_steps_and_what_they_kept(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(SHORT_THEN_LONG)
    script = Path(sys.executable).with_name("safer")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]
    process = subprocess.Popen([*command, "run", str(job), "--dir", str(tmp_path)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    parts = tmp_path / "long.csv.parts"
    try:
        deadline = time.monotonic() + 300
        while not list(parts.glob("group-*.parquet")) and process.poll() is None:
            assert time.monotonic() < deadline, "the long step never got going"
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    message = " ".join(stderr.split())
    assert process.returncode == 130, f"expected exit code 130, found {process.returncode}: {message}"
    assert "step 2/2 ('long') was interrupted" in message, message
    assert f"finished before it: 'short' (kept: {tmp_path / 'short.csv'}, {tmp_path / 'short.csv.meta.json'})" \
        in message, message
    assert "resume: true" in message, f"the interrupted simulation must say how to continue: {message}"
    assert (tmp_path / "short.csv").exists() and parts.is_dir() and not (tmp_path / "long.csv").exists()


def test_a_failing_step_lists_the_steps_that_finished(runner, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(textwrap.dedent("""\
        job: a good step then a bad one
        steps:
          - name: short
            command: simulate run
            options: {size: 200, replications: 2, seed: 1, out: short.csv}
          - name: broken
            command: simulate run
            options: {size: 200, replications: 2, seed: 1, cohort_file: missing.csv, out: broken.csv}
        """))
    result = runner.invoke(app, ["run", str(job), "--dir", str(tmp_path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert "step 2/2 ('broken') failed" in output and "finished before it: 'short' (kept:" in output, output
