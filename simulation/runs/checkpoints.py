"""Finished groups of tasks kept on disk as a run goes, so that a killed run resumes from what is done.

Each finished group (every scenario of one point in one replication, `tasks.TaskGroup`) is written, as it
completes, to one small Parquet file of its rows in a `<out>.parts/` folder beside the output, through a
temporary file renamed into place (a group is either wholly there or not at all). The folder's
`manifest.json` holds a fingerprint of everything that decides the results (tool
version, parameters, SHA-256 of every input): a resume with anything different is refused, since its
parts would not belong to the same run. The folder is removed once the output is written, and also when a run
fails before any group is finished (a failed start must not block the rerun); an interrupt after that keeps it
and says how to continue (`kept_or_removed`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from safer_io.checking import checks_done
from safer_io.inputs import read_parquet
from safer_io.interrupts import Interrupted, was_terminated
from safer_io.outputs import atomic_path
from safer_io.provenance import file_sha256, tool_version
from simulation.errors import SimulationInputError

MANIFEST = "manifest.json"


def parts_folder(out: Path) -> Path:
    """Where the finished tasks of a run writing `out` are kept: `<out>.parts/`."""
    out = Path(out)
    return out.with_name(out.name + ".parts")


def run_fingerprint(parameters: dict[str, Any], inputs: list[Path]) -> str:
    """SHA-256 of what decides a run's results: tool version, parameters and the bytes of every input."""
    document = {
        "version": tool_version(),
        "parameters": {name: str(value) if isinstance(value, Path) else value for name, value in parameters.items()},
        "inputs": sorted(file_sha256(path) for path in inputs),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class TaskStore:
    """The finished tasks of one run, one Parquet file each (see the module docstring)."""

    def __init__(self, folder: Path, fingerprint: str, resume: bool) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        manifest = self.folder / MANIFEST
        if self.folder.exists():
            if not resume:
                raise SimulationInputError(
                    f"{self.folder}: a run writing this output was interrupted and left its finished tasks here; "
                    "rerun with --resume to continue it, or delete the folder to start again"
                )
            try:
                recorded = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
            except (OSError, ValueError, AttributeError):
                recorded = None
            if recorded != fingerprint:
                raise SimulationInputError(
                    f"--resume: {self.folder} holds tasks of a run with different parameters or inputs (fingerprint "
                    f"{str(recorded)[:12]}..., this run {fingerprint[:12]}...); rerun with the original ones, or "
                    "delete the folder to start again"
                )
        checks_done()  # `safer run --check` makes no folder
        self.created = not self.folder.exists()
        """Whether this run made the folder (a resume never removes what an earlier run kept)."""
        if self.created:
            self.folder.mkdir(parents=True)
            with atomic_path(manifest, record=False) as tmp:
                tmp.write_text(json.dumps({"fingerprint": fingerprint, "version": tool_version()}, indent=2))

    def _path(self, index: int) -> Path:
        return self.folder / f"group-{index:06d}.parquet"

    def done(self) -> dict[int, pd.DataFrame]:
        """Rows of the groups already finished, by group index."""
        finished = {}
        for path in sorted(self.folder.glob("group-*.parquet")):
            finished[int(path.stem.split("-")[1])] = read_parquet(path)
        return finished

    def save(self, index: int, table: pd.DataFrame) -> None:
        """Keep group `index`'s rows (written whole or not at all)."""
        with atomic_path(self._path(index), record=False) as tmp:
            table.to_parquet(tmp, index=False)

    def remove(self) -> None:
        """Delete the folder, once the run's output is written."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def finished(self) -> int:
        """How many groups are kept."""
        return len(list(self.folder.glob("group-*.parquet"))) if self.folder.is_dir() else 0

    @contextlib.contextmanager
    def kept_or_removed(self, total: int, what: str = "replications") -> Iterator[None]:
        """Run the block; if it fails or is interrupted before any group is kept, remove the folder this run made
        (a failed start leaves nothing to block a rerun). An interrupt after some groups are kept becomes
        `Interrupted`, naming what is kept and the option that continues from it (`--resume`)."""
        try:
            yield
        except BaseException as exc:
            kept = self.finished()
            if kept == 0:
                if self.created:
                    self.remove()
                raise
            if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, Interrupted):
                raise Interrupted([f"{self.folder}/: {kept} of {total} {what} finished"], "--resume",
                                  was_terminated(exc)) from None
            raise
