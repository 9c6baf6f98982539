"""Issue 20 end to end: inputs that gave a confident number with exit 0 now refuse, warn or say what they cannot
support (the right survey, the right sample, screen tables, peers on an area missing from a period)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from cli import app

AREAS = ["E1", "E2", "E3", "E4"]


def year_file(tmp_path: Path, year: int, name: str | None = None, drop_area: str | None = None) -> Path:
    """A Place-like year with a respondent id, an agree item (1 agree, 2 disagree), a mean near 17 and dates."""
    rng = np.random.default_rng(year)
    n_each = 80
    la = np.repeat(AREAS, n_each)
    frame = pd.DataFrame({
        "respondent_id": np.arange(la.size) + year * 10_000, "la": la, "w": rng.uniform(20, 60, la.size),
        "agree": np.where(rng.random(la.size) < 0.45, 1, 2), "score": rng.normal(17.09, 2.0, la.size),
        "interview_date": (np.datetime64(f"{year}-09-22") + rng.integers(0, 90, la.size)).astype(str),
    })
    if drop_area is not None:
        frame = frame[frame["la"] != drop_area]
    path = tmp_path / (name or f"year_{year}.csv")
    frame.to_csv(path, index=False)
    return path


def run(runner: CliRunner, args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


def test_change_and_peers_screen_tables_show_means_as_means(runner: CliRunner, tmp_path: Path) -> None:
    first, second = year_file(tmp_path, 2008), year_file(tmp_path, 2009)
    code, output = run(runner, ["change", str(first), str(second), "--weight", "w", "--strata", "la",
                                "--mean", "score", "--out", str(tmp_path / "change.csv")])
    assert code == 0, output
    base = pd.read_csv(tmp_path / "change.csv").iloc[0]["base_estimate"]
    assert f"{base:.1f}" in output, f"the base mean {base:.1f} should be on screen: {output}"
    assert f"{100 * base:.1f}" not in output, "a mean must not be shown x100"
    peers = tmp_path / "groups.csv"
    pd.DataFrame({"area": AREAS, "group": ["g1", "g1", "g2", "g2"]}).to_csv(peers, index=False)
    code, output = run(runner, ["peers", str(second), "--weight", "w", "--strata", "la", "--mean", "score",
                                "--peers", str(peers), "--area-col", "la", "--out", str(tmp_path / "peers.csv")])
    assert code == 0, output
    estimate = pd.read_csv(tmp_path / "peers.csv").iloc[0]["estimate"]
    assert f"{estimate:.1f}" in output and f"{100 * estimate:.1f}" not in output, output


def test_peers_with_an_area_missing_from_one_period_writes_empty_rows(runner: CliRunner, tmp_path: Path) -> None:
    first, second = year_file(tmp_path, 2008), year_file(tmp_path, 2009, drop_area="E4")
    peers = tmp_path / "groups.csv"
    pd.DataFrame({"area": AREAS, "group": ["g1", "g1", "g2", "g2"]}).to_csv(peers, index=False)
    out = tmp_path / "peers.csv"
    code, output = run(runner, ["peers", str(first), str(second), "--weight", "w", "--strata", "la",
                                "--proportion", "agree=1", "--peers", str(peers), "--area-col", "la",
                                "--out", str(out)])
    assert code == 0, output
    assert "KeyError" not in output and "internal error" not in output
    e4 = pd.read_csv(out).set_index("domain_value").loc["E4"]
    assert np.isnan(e4["estimate"]) and "no respondent" in e4["note"], e4.to_dict()
