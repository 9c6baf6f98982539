"""`safer report` on recorded-crime outputs: the sections the contract in docs/report.md promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from reporting.errors import ReportInputError
from reporting.report.build import build_report
from reporting.results import load_result


@pytest.fixture(scope="module")
def outputs(crime_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runner = CliRunner()
    folder = tmp_path_factory.mktemp("crime-report")
    counts = str(crime_files["counts"])
    people, groups = str(crime_files["population"]), str(crime_files["groups"])
    commands = {
        "rates": ["crime", "rates", counts, "--population", people, "--indicator", "PSA23_2"],
        "change": ["crime", "change", counts, "--indicator", "PSA23_1", "--indicator", "PSA23_2"],
        "spc": ["crime", "spc", counts, "--indicator", "PSA23_2", "--area", "E001"],
        "peers": ["crime", "peers", counts, "--population", people, "--groups", groups, "--indicator", "PSA23_2",
                  "--area", "E001", "--area", "E002"],
        "national": ["crime", "national", counts, "--indicator", "PSA23_2"],
        "displacement": ["crime", "displacement", counts],
    }
    made = {}
    for name, args in commands.items():
        made[name] = folder / f"{name}.csv"
        result = runner.invoke(app, [*args, "--out", str(made[name])])
        assert result.exit_code == 0, f"{name}: {result.output}"
    return made


def test_every_crime_output_gets_its_sections_and_charts(outputs: dict[str, Path]) -> None:
    report = build_report([load_result(p) for p in outputs.values()])
    titles = [s.title for s in report.sections]
    for words in ("Recorded crime: rates", "Recorded crime: change", "Recorded crime: control limits",
                  "Recorded crime: most similar groups and A.20", "Recorded crime: national view",
                  "Recorded crime: displacement", "Methods and provenance"):
        assert any(t.startswith(words) for t in titles), f"expected a section {words!r}, found {titles}"
    figures = {f.id: f for f in report.figures()}
    assert any(i.startswith("cs0-spc-psa23-2-e001") for i in figures), figures.keys()
    msg = [f for i, f in figures.items() if i.startswith("cp0-msg-psa23-2")]
    assert len(msg) == 2, "one most-similar-group chart per focus area (E001, E002)"
    assert msg[0].marks["symbol"] == 5, "the area and its 4 peers"
    change = [f for i, f in figures.items() if "crime-change" in i]
    assert len(change) == 2 and change[0].marks == {"rule": 9, "symbol": 8}, "8 areas and the no-change line"


def test_the_a20_table_lists_the_focus_areas_above_their_benchmark(outputs: dict[str, Path]) -> None:
    import pandas as pd

    peers = pd.read_csv(outputs["peers"])
    report = build_report([load_result(outputs["peers"])])
    tables = [b for s in report.sections for b in s.blocks if hasattr(b, "frame") and "A.20 status" in b.frame]
    shown = peers[peers["focus"] & (peers["subject_to_a20"] | (peers["a20_status"] == "rose above benchmark"))]
    if shown.empty:
        assert not tables
    else:
        assert list(tables[0].frame["Area"]) == list(shown["area"])
        assert list(tables[0].frame["A.20 status"]) == list(shown["a20_status"])


def test_a_publication_table_is_refused_by_the_report(crime_files: dict[str, Path], tmp_path: Path,
                                                     runner: CliRunner) -> None:
    out = tmp_path / "change.csv"
    result = runner.invoke(app, ["crime", "change", str(crime_files["counts"]), "--indicator", "PSA23_2",
                                 "--format", "publication", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with pytest.raises(ReportInputError, match="publication-format table"):
        build_report([load_result(out)])
