"""The hand-worked A.20 example of docs/recorded-crime.md, computed by `safer crime peers`' own code.

Five partnerships in one family (each area's peers are the other four). Base year 2007-08, end of the PSA period
2010-11, benchmark = mean of the peers' 2007-08 rates, trajectory reaching the benchmark in 2012-13. The numbers
asserted here are the ones printed in the docs; if either changes, both must.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recorded_crime.codes.catalogue import load_catalogue
from recorded_crime.judging.peers import PeerSettings, peer_table
from recorded_crime.rates.series import indicator_series
from recorded_crime.reading.cube import CountCube
from recorded_crime.reading.groups import Groups
from recorded_crime.reading.population import Population

DOCS = Path(__file__).resolve().parents[3] / "docs" / "recorded-crime.md"
AREAS = ["A", "B", "C", "D", "E"]
POPULATION = {"A": 100_000, "B": 150_000, "C": 80_000, "D": 120_000, "E": 50_000}
BASE_COUNT = {"A": 2400, "B": 2700, "C": 1280, "D": 2400, "E": 1100}
END_COUNT = {"A": 2000, "B": 2550, "C": 1200, "D": 2520, "E": 950}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    years = 4  # 2007-08 to 2010-11, counts spread evenly over the months (only the year totals matter here)
    values = np.zeros((5, years * 12, 1))
    for i, area in enumerate(AREAS):
        values[i, :36, 0] = BASE_COUNT[area] / 12
        values[i, 36:, 0] = END_COUNT[area] / 12
    cube = CountCube(Path("example"), "month", AREAS, 2007 * 12, ["45"], values)
    catalogue = load_catalogue()
    series = indicator_series(cube, catalogue, ["PSA23_2"])[0]
    population = Population(Path("example"), {(a, y): float(POPULATION[a]) for a in AREAS for y in (2007, 2010)})
    groups = Groups(Path("example"), "family", {a: (a, *[b for b in AREAS if b != a]) for a in AREAS},
                    dict.fromkeys(AREAS, "family"))
    settings = PeerSettings(base=2007, current=2010, variation="poisson", reach_by=2012)
    return peer_table(series, cube, population, groups, settings).set_index("area")


def test_benchmarks_targets_and_statuses_are_the_documented_ones(table: pd.DataFrame) -> None:
    expected = {  # area: base rate, benchmark, target, end rate, status
        "A": (24.0, 19.0, 21.0, 20.0, "met trajectory target"),
        "D": (20.0, 20.0, None, 21.0, "rose above benchmark"),
        "E": (22.0, 19.5, 20.5, 19.0, "reached benchmark"),
    }
    for area, (base, benchmark, target, end, status) in expected.items():
        row = table.loc[area]
        assert row["base_rate"] == pytest.approx(base), f"{area}: base rate"
        assert row["benchmark"] == pytest.approx(benchmark), f"{area}: benchmark, expected {benchmark}"
        assert row["current_rate"] == pytest.approx(end), f"{area}: end rate"
        if target is None:
            assert not row["subject_to_a20"] and np.isnan(row["target_rate"]), f"{area}: not subject to A.20"
        else:
            assert row["target_rate"] == pytest.approx(target), f"{area}: trajectory target, expected {target}"
        assert row["a20_status"] == status, f"{area}: expected {status}, found {row['a20_status']}"


def test_the_docs_print_the_same_numbers() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for words in ("| A | 100,000 | 2,400 | 24.0 | 19.0 | yes | 21.0 | 2,000 | 20.0 | met trajectory target |",
                  "| D | 120,000 | 2,400 | 20.0 | 20.0 | no | | 2,520 | 21.0 | rose above benchmark |",
                  "| E | 50,000 | 1,100 | 22.0 | 19.5 | yes | 20.5 | 950 | 19.0 | reached benchmark |"):
        assert words in text, f"docs/recorded-crime.md should hold the row {words!r}"
