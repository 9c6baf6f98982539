"""Small synthetic recorded-crime files for the tests: 8 partnerships, 2005-06 to 2010-11, monthly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recorded_crime.synthetic.draw import CrimeSynthSettings, draw_crime


@pytest.fixture(scope="session")
def crime_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """counts.csv, population.csv, groups.csv and truth.csv of a small synthetic set (read-only: copy to change)."""
    folder = tmp_path_factory.mktemp("crime")
    drawn = draw_crime(CrimeSynthSettings(areas=8, first_year=2005, last_year=2010, seed=7, group_size=5))
    files = {name: folder / f"{name}.csv" for name in ("counts", "population", "groups", "truth")}
    drawn.counts.to_csv(files["counts"], index=False)
    drawn.population.to_csv(files["population"], index=False)
    drawn.groups.to_csv(files["groups"], index=False)
    drawn.truth.to_csv(files["truth"], index=False)
    return files


def counts_frame(files: dict[str, Path]) -> pd.DataFrame:
    """The counts as text columns, ready to be damaged and written again."""
    return pd.read_csv(files["counts"], dtype={"area": str, "period": str, "code": str})
