"""Totals, ratios, quantiles, certainty strata and t-based change tests agree with R's survey package to 1e-6.

The references (tests/r/reference/estimators/cases.csv) and their data are written by tests/r/estimators_reference.R,
which says what each case computes in R: `svytotal`, `svyratio` and `svyquantile` (Woodruff, R's default) overall
and by domain (`svyby`) on a stratified design with fpc, a one-stage cluster sample and the same calibrated by
raking; `svymean` and `svytotal` on a design with certainty strata (f = 1) under lonely-PSU "fail" and
"average"; and the change between two stacked files with `svycontrast`, tested with Student's t on `degf()` of
the domain's subset and of the whole design. The live test re-runs the script and checks the stored files are
current.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.design import SurveyDesign, make_design
from survey.estimation.estimates import estimate
from survey.estimation.targets import domain_codes, mean_target, quantile_target, ratio_target, total_target
from survey.estimation.variance import domain_means_many
from survey.judging.change import change
from survey.judging.peers import peer_comparison, read_peer_groups
from survey.judging.periods import level_period
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "estimators_reference.R"
REFERENCE_DIR = R_DIR / "reference" / "estimators"
RTOL = 1e-6


def read_cases(directory: Path) -> pd.DataFrame:
    return pd.read_csv(directory / "cases.csv")


CASES = read_cases(REFERENCE_DIR).set_index("case_id")


@functools.cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"{name}.csv")


def design(name: str) -> SurveyDesign:
    if name == "strat":
        return make_design(dataset("strat"), weight="pw", strata="stype", fpc="fpc")
    clus1 = make_design(dataset("clus1"), weight="pw", psu="dnum", fpc="fpc")
    if name == "clus1":
        return clus1
    controls = control_totals_from_frame(dataset("population"))
    return calibrate_to_margins(clus1, controls, method="raking", epsilon=1e-12, max_iter=200)


def check(prefix: str, got: dict[str, dict[str, float]]) -> None:
    """Every reference case under `prefix` was computed, equal to R's in every column R gives."""
    wanted = CASES[CASES.index.str.startswith(prefix + "/")]
    assert len(wanted) > 0, f"no reference cases under {prefix}"
    assert set(wanted.index) == set(got), f"cases differ: R has {sorted(wanted.index)}, we have {sorted(got)}"
    for case_id, row in wanted.iterrows():
        for column, value in got[str(case_id)].items():
            expected = row[column]
            if np.isnan(expected):
                assert np.isnan(value), f"{case_id} {column}: R gives NaN (a limit beyond 0 or 1), we give {value!r}"
                continue
            np.testing.assert_allclose(value, expected, rtol=RTOL, atol=1e-12 * max(1.0, abs(expected)),
                                       err_msg=f"{case_id} {column}: expected R's {expected!r}, got {value!r}")


def by_stype(table: pd.DataFrame, prefix: str, columns: dict[str, str]) -> dict[str, dict[str, float]]:
    got = {}
    for row in table.itertuples(index=False):
        where = "all" if row.domain == "all" else f"stype={row.domain_value}"
        got[f"{prefix}/{where}"] = {theirs: float(getattr(row, ours)) for theirs, ours in columns.items()}
    return got


@pytest.mark.parametrize("name", ["strat", "clus1", "clus1cal"])
def test_totals_match_r_svytotal(name: str) -> None:
    d = design(name)
    table = estimate(d, [total_target(d.data, "enroll")], by=["stype"], min_base=0)
    check(f"total/{name}/enroll", by_stype(table, f"total/{name}/enroll", {"estimate": "estimate", "se": "se"}))


@pytest.mark.parametrize("name", ["strat", "clus1", "clus1cal"])
def test_ratios_match_r_svyratio(name: str) -> None:
    d = design(name)
    table = estimate(d, [ratio_target(d.data, "api00/api99")], by=["stype"], min_base=0)
    prefix = f"ratio/{name}/api00/api99"
    check(prefix, by_stype(table, prefix, {"estimate": "estimate", "se": "se"}))


@pytest.mark.parametrize("name", ["strat", "clus1", "clus1cal"])
@pytest.mark.parametrize("probability", [0.25, 0.5, 0.9])
def test_quantiles_match_r_svyquantile_woodruff(name: str, probability: float) -> None:
    d = design(name)
    table = estimate(d, [quantile_target(d.data, f"api00={probability:g}")], by=["stype"], min_base=0)
    assert set(table["ci_method"]) == {"woodruff"}
    prefix = f"quantile/{name}/api00/{probability:g}"
    check(prefix, by_stype(table, prefix, {"estimate": "estimate", "se": "se", "lower": "ci_lower",
                                           "upper": "ci_upper", "df": "degrees_of_freedom"}))


@pytest.mark.parametrize("lonely", ["fail", "average"])
def test_certainty_strata_add_no_variance_as_r(lonely: str) -> None:
    data = dataset("certainty")
    d = make_design(data, weight="pw", strata="stype", fpc="fpc", lonely_psu=lonely)
    values = np.column_stack([mean_target(data, "api00").values])
    overall = np.zeros(d.n_rows, dtype=np.int64)
    codes, labels = domain_codes(data, "stype")
    means_all, means_by = domain_means_many(d, values, [(overall, 1), (codes, len(labels))])
    got = {f"certainty/{lonely}/mean/api00/all": {"estimate": means_all.estimate[0, 0],
                                                  "se": float(np.sqrt(means_all.variance[0, 0]))}}
    for i, label in enumerate(labels):
        got[f"certainty/{lonely}/mean/api00/stype={label}"] = {"estimate": means_by.estimate[i, 0],
                                                               "se": float(np.sqrt(means_by.variance[i, 0]))}
    total = domain_means_many(d, total_target(data, "enroll").values[:, None], [(overall, 1)],
                              totals=np.array([True]))[0]
    got[f"certainty/{lonely}/total/enroll/all"] = {"estimate": total.estimate[0, 0],
                                                   "se": float(np.sqrt(total.variance[0, 0]))}
    check(f"certainty/{lonely}", got)


@pytest.mark.parametrize("rule", ["domain", "design"])
def test_change_tests_use_t_on_the_degrees_of_freedom_as_r(rule: str) -> None:
    data = dataset("stacked")
    d = make_design(data, weight="pw", strata="stratum", psu="psu")
    table = change(d, [mean_target(data, "api00")], level_period(data, "file", "a"), level_period(data, "file", "b"),
                   by=["stype"], min_base=0, df_rule=rule)
    got = {}
    for row in table.itertuples(index=False):
        where = "all" if row.domain == "all" else f"stype={row.domain_value}"
        got[f"change/api00/{where}/{rule}"] = {
            "estimate": row.change, "se": row.se_change, "lower": row.ci_lower, "upper": row.ci_upper,
            "df": row.degrees_of_freedom, "p_value": row.p_value}
    wanted = {k: v for k, v in got.items()}
    check_prefix = "change/api00"
    cases = CASES[CASES.index.str.startswith(check_prefix) & CASES.index.str.endswith("/" + rule)]
    assert set(cases.index) == set(wanted), f"R has {sorted(cases.index)}, we have {sorted(wanted)}"
    for case_id, row in cases.iterrows():
        for column, value in wanted[str(case_id)].items():
            np.testing.assert_allclose(value, row[column], rtol=RTOL,
                                       err_msg=f"{case_id} {column}: expected R's {row[column]!r}, got {value!r}")


def test_peer_tests_use_t_on_the_groups_degrees_of_freedom_as_r() -> None:
    """Areas against their group's mean: the difference's interval and p-value from Student's t on degf() of the
    group's rows, not z."""
    d = design("strat")
    groups = read_peer_groups(REFERENCE_DIR / "data" / "peer_groups.csv")
    table = peer_comparison(d, [mean_target(d.data, "api00")], "area", groups, min_base=0)
    got = {f"peers/api00/area={row.domain_value}": {
        "estimate": row.difference, "se": row.se_difference, "lower": row.difference_ci_lower,
        "upper": row.difference_ci_upper, "df": row.degrees_of_freedom, "p_value": row.p_value}
        for row in table.itertuples(index=False)}
    check("peers/api00", got)


def _compare_reference_dirs(stored: Path, fresh: Path) -> None:
    stored_data = sorted(p.name for p in (stored / "data").glob("*.csv"))
    assert stored_data == sorted(p.name for p in (fresh / "data").glob("*.csv"))
    for name in stored_data:
        pd.testing.assert_frame_equal(pd.read_csv(stored / "data" / name), pd.read_csv(fresh / "data" / name),
                                      rtol=1e-12, obj=name)
    old, new = read_cases(stored), read_cases(fresh)
    assert list(old["case_id"]) == list(new["case_id"]), "the R script's cases differ from the stored ones"
    numbers = [c for c in old.columns if c != "case_id"]
    np.testing.assert_allclose(old[numbers].to_numpy(np.float64), new[numbers].to_numpy(np.float64), rtol=1e-9,
                               equal_nan=True)


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_references_equal_a_fresh_r_run(tmp_path: Path) -> None:
    """Re-run the R script into a temporary directory; a stale stored reference fails here."""
    completed = subprocess.run(["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=300,
                               check=False)
    assert completed.returncode == 0, completed.stderr
    _compare_reference_dirs(REFERENCE_DIR, tmp_path)
