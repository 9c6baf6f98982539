"""A simulation too small for an interval says so and leaves it empty; no interval crosses a natural bound.

Issue 21: `simulate run --size 1` reported a binary rate of 50% with a CI of -585 to 685; at `--size 100`
counts and costs had negative intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cli import app
from simulation.measures.across_replications import summarise
from simulation.measures.interval_limits import CROSSES_BOUND, TOO_FEW_OFFENDERS, natural_bounds
from simulation.measures.replication_measures import COST_COLUMNS, MEASURES

LEVELS = {*MEASURES, *(name for name, _ in COST_COLUMNS)}


def test_one_offender_gives_no_interval_and_says_so(runner, tmp_path):
    out = tmp_path / "one.csv"
    result = runner.invoke(app, ["simulate", "run", "--size", "1", "--replications", "2", "--seed", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    rate = table[(table["measure"] == "binary_rate_percent") & (table["group"] == "all")].iloc[0]
    assert np.isnan(rate["ci_lower"]) and np.isnan(rate["ci_upper"]), (
        f"expected no interval for one offender, found {rate['ci_lower']} to {rate['ci_upper']}")
    assert rate["interval"] == TOO_FEW_OFFENDERS, f"expected the reason, found {rate['interval']!r}"
    assert "fewer than 2 offenders" in " ".join(result.output.split()), result.output


@pytest.fixture(scope="module")
def hundred(tmp_path_factory):
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("hundred") / "s100.csv"
    result = CliRunner().invoke(app, ["simulate", "run", "--size", "100", "--replications", "4", "--seed", "1",
                                      "--scenario", "drug_treatment", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out), " ".join(result.output.split())


def test_no_interval_of_a_small_run_crosses_a_natural_bound(hundred):
    table, _ = hundred
    checked = 0
    for row in table.itertuples():
        bounds = natural_bounds(str(row.measure), str(row.scenario), LEVELS)
        if bounds is None or row.group == "costs":
            continue
        checked += 1
        low, high = bounds
        for name in ("ci_lower", "ci_upper"):
            value = getattr(row, name)
            assert np.isnan(value) or low - 1e-9 <= value <= high + 1e-9, (
                f"{row.scenario} {row.measure} {row.group}={row.group_value}: {name} {value} outside [{low}, {high}]")
    assert checked > 500, f"expected most rows to have natural bounds, checked {checked}"


def test_a_small_run_warns_about_the_intervals_it_left_empty(hundred):
    table, output = hundred
    emptied = table["interval"].astype(str).str.startswith("none:")
    assert emptied.any(), "100 offenders: expected some intervals left empty"
    assert table.loc[emptied, "ci_lower"].isna().all() and table.loc[emptied, "ci_upper"].isna().all()
    assert "too few events" in output, output


def _rows(values: list[float], measure: str, offenders: list[float]) -> pd.DataFrame:
    rows = []
    for r, (v, n) in enumerate(zip(values, offenders, strict=True)):
        rows.append({"replication": r, "scenario": "baseline", "measure": measure, "group": "all",
                     "group_value": "all", "value": v, "mc_variance": 0.0})
        rows.append({"replication": r, "scenario": "baseline", "measure": "offenders", "group": "all",
                     "group_value": "all", "value": n, "mc_variance": 0.0})
    return pd.DataFrame(rows)


def test_a_count_whose_t_interval_would_cross_zero_has_none():
    table = summarise(_rows([0.0, 0.0, 3.0], "serious_reoffences", [50, 50, 50]))
    row = table[table["measure"] == "serious_reoffences"].iloc[0]
    assert np.isnan(row["ci_lower"]), f"expected no interval, found {row['ci_lower']} to {row['ci_upper']}"
    assert row["interval"] == CROSSES_BOUND.format(bound="0"), row["interval"]
    assert row["mean"] == 1.0, "the mean is still given"


def test_a_percentage_whose_t_interval_would_cross_100_has_none():
    table = summarise(_rows([100.0, 100.0, 90.0], "binary_rate_percent", [10, 10, 10]))
    row = table[table["measure"] == "binary_rate_percent"].iloc[0]
    assert np.isnan(row["ci_upper"]), f"expected no interval, found {row['ci_lower']} to {row['ci_upper']}"
    assert row["interval"] == CROSSES_BOUND.format(bound="100"), row["interval"]


def test_an_interval_inside_its_bounds_is_kept():
    table = summarise(_rows([40.0, 42.0, 41.0], "binary_rate_percent", [1000, 1000, 1000]))
    row = table[table["measure"] == "binary_rate_percent"].iloc[0]
    assert row["interval"] == "t" and 0 < row["ci_lower"] < 41 < row["ci_upper"] < 100, row.to_dict()
