"""Estimates, SEs and confidence intervals agree with R's survey package to 1e-6 relative.

The references (tests/r/reference/estimation/cases.csv) and the data they were computed from
(tests/r/reference/estimation/data/*.csv) are written by tests/r/estimation_reference.R; see that script
for what each case computes in R. The live test re-runs the script and checks the stored files are current.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from survey.design import SurveyDesign, make_design
from survey.errors import SurveyInputError
from survey.estimation.estimates import estimate
from survey.estimation.targets import Target, domain_codes, mean_target, proportion_target
from survey.estimation.variance import domain_means

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "estimation_reference.R"
REFERENCE_DIR = R_DIR / "reference" / "estimation"
TEXT_COLUMNS = (
    "case_id", "dataset", "weight", "strata", "psu", "fpc", "lonely_psu", "kind", "variable", "value",
    "domain_column", "domain_value", "ci_method", "via", "error", "r_warning",
)
COMPARED = ("estimate", "se", "ci_lower", "ci_upper", "deff")
RTOL = 1e-6


def read_cases(directory: Path) -> pd.DataFrame:
    """The reference table, text columns as text (empty -> None) and numbers as float."""
    cases = pd.read_csv(
        directory / "cases.csv", dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False, na_values=[""]
    )
    for column in TEXT_COLUMNS:
        cases[column] = cases[column].astype(object).where(cases[column].notna(), None)
    return cases


CASES = read_cases(REFERENCE_DIR)
CASE_ROWS: list[dict[str, Any]] = [{str(k): v for k, v in row.items()} for row in CASES.to_dict("records")]


@functools.cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"{name}.csv")


@functools.cache
def design_for(
    name: str, weight: str | None, strata: str | None, psu: str | None, fpc: str | None, lonely: str
) -> SurveyDesign:
    return make_design(dataset(name), weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely)


def case_design(case: dict[str, Any]) -> SurveyDesign:
    return design_for(case["dataset"], case["weight"], case["strata"], case["psu"], case["fpc"], case["lonely_psu"])


def case_target(case: dict[str, Any]) -> Target:
    data = dataset(case["dataset"])
    if case["kind"] == "mean":
        return mean_target(data, case["variable"])
    return proportion_target(data, case["variable"], case["value"])


@functools.cache
def estimate_table(
    design_key: tuple[str, str | None, str | None, str | None, str | None, str],
    target_key: tuple[str, str, str | None],
    domain_column: str | None,
    ci: str,
    level: float,
) -> pd.DataFrame:
    """One `estimate` table, shared by the cases that are cells of it (whole sample and domain levels)."""
    name, kind, variable, value = design_key[0], *target_key
    data = dataset(name)
    target = mean_target(data, variable) if kind == "mean" else proportion_target(data, variable, str(value))
    by = [domain_column] if domain_column else []
    return estimate(design_for(*design_key), [target], by=by, ci=ci, level=level, min_base=0)


def estimate_case(case: dict[str, Any]) -> pd.Series:
    """The output row of `estimate` that corresponds to one reference case."""
    design_key = (case["dataset"], case["weight"], case["strata"], case["psu"], case["fpc"], case["lonely_psu"])
    table = estimate_table(
        design_key, (case["kind"], case["variable"], case["value"]), case["domain_column"], case["ci_method"],
        float(case["level"]),
    )
    domain = case["domain_column"] or "all"
    value = case["domain_value"] or "all"
    rows = table[(table["domain"] == domain) & (table["domain_value"] == value)]
    assert len(rows) == 1, f"expected one output row for {domain}={value}, got {len(rows)}"
    return rows.iloc[0]


def test_references_cover_the_required_cases() -> None:
    """The stored table covers every design type, lonely-PSU option, CI method, domains and a non-0.95 level."""
    ok = CASES[CASES["error"].isna()]
    assert set(ok["ci_method"]) == {"logit", "wald", "korn-graubard", "wilson"}
    assert set(CASES["lonely_psu"]) == {"fail", "adjust", "average", "certainty", "remove"}
    assert (CASES["error"].fillna("").str.contains("only one PSU")).any()
    assert {"apistrat", "apiclus1", "apiclus2", "synthetic"} <= set(ok["dataset"])
    assert ok["domain_column"].notna().any() and (ok["via"] == "svyby").any()
    assert (ok["level"] != 0.95).any()
    assert ok["strata"].notna().any() and ok["psu"].notna().any() and ok["fpc"].notna().any()
    assert {"mean", "proportion"} == set(ok["kind"])
    assert CASES["r_warning"].isna().all(), "R warned while computing a reference; its value may be unreliable"


def table_has_r_error(case: dict[str, Any]) -> bool:
    """Whether R fails on any cell of the table `estimate` returns for this case.

    `estimate` always adds the whole-sample row to the domain rows, and under lonely-PSU "fail" it
    refuses a table when any of its cells touches a lonely stratum, as R's svyby fails when any domain
    does. The R cells are the sibling cases: same design, target and interval, whole sample or a level of
    the same domain column.
    """
    keys = ("dataset", "weight", "strata", "psu", "fpc", "lonely_psu", "kind", "variable", "value", "ci_method")
    same = np.ones(len(CASES), dtype=bool)
    for key in keys:
        same &= (CASES[key] == case[key]).to_numpy() if case[key] is not None else CASES[key].isna().to_numpy()
    same &= (CASES["level"] == case["level"]).to_numpy() & (CASES["via"] == "subset").to_numpy()
    in_table = CASES["domain_column"].isna() | (CASES["domain_column"] == case["domain_column"])
    siblings = CASES[same & in_table.to_numpy()]
    assert siblings["domain_column"].isna().any(), "the reference grid must hold the whole-sample cell"
    return bool(siblings["error"].notna().any())


@pytest.mark.parametrize("case", CASE_ROWS, ids=[c["case_id"] for c in CASE_ROWS])
def test_estimate_matches_r(case: dict[str, Any]) -> None:
    if case["error"] or table_has_r_error(case):
        # R refuses (lonely PSU under "fail"); so must we, with our own error type.
        with pytest.raises(SurveyInputError, match="only one PSU"):
            estimate_case(case)
        return
    row = estimate_case(case)
    got = np.array([row[c] for c in COMPARED], dtype=np.float64)
    want = np.array([case[c] for c in COMPARED], dtype=np.float64)
    np.testing.assert_allclose(got, want, rtol=RTOL, err_msg=f"columns {COMPARED}")
    assert row["n_unweighted"] == case["n"]
    assert row["ci_method"] == case["ci_method"]


SUBSET_CASES = [c for c in CASE_ROWS if c["via"] == "subset" and c["ci_method"] in ("logit", "wald")]


@pytest.mark.parametrize("case", SUBSET_CASES, ids=[c["case_id"] for c in SUBSET_CASES])
def test_single_domain_variance_and_degrees_of_freedom_match_r(case: dict[str, Any]) -> None:
    """The variance kernel on one domain alone equals R on subset(design, domain & !is.na(y)).

    Checks the mean, SE, unweighted base and degrees of freedom (R degf() of the subset), and that
    lonely-PSU "fail" errors exactly when R's does: only for strata the base reaches.
    """
    design = case_design(case)
    target = case_target(case)
    if case["domain_column"]:
        all_codes, labels = domain_codes(dataset(case["dataset"]), case["domain_column"])
        codes = np.where(all_codes == labels.index(case["domain_value"]), 0, -1)
    else:
        codes = np.zeros(design.n_rows, dtype=np.int64)
    if case["error"]:
        with pytest.raises(SurveyInputError, match="only one PSU"):
            domain_means(design, target.values, codes, 1)
        return
    moments = domain_means(design, target.values, codes, 1)
    got = [moments.estimate[0, 0], np.sqrt(moments.variance[0, 0])]
    np.testing.assert_allclose(got, [case["estimate"], case["se"]], rtol=RTOL)
    assert int(moments.n_unweighted[0, 0]) == int(case["n"])
    assert int(moments.degrees_of_freedom[0, 0]) == int(case["df"])


def _compare_reference_dirs(stored: Path, fresh: Path) -> None:
    stored_data = sorted(p.name for p in (stored / "data").glob("*.csv"))
    assert stored_data == sorted(p.name for p in (fresh / "data").glob("*.csv"))
    for name in stored_data:
        pd.testing.assert_frame_equal(
            pd.read_csv(stored / "data" / name), pd.read_csv(fresh / "data" / name), rtol=1e-12, obj=name
        )
    old, new = read_cases(stored), read_cases(fresh)
    assert list(old["case_id"]) == list(new["case_id"]), "the R script's cases differ from the stored ones"
    text = [c for c in TEXT_COLUMNS if c != "r_warning"]
    pd.testing.assert_frame_equal(old[text], new[text])
    numbers = [c for c in old.columns if c not in TEXT_COLUMNS]
    # Tight: the same R script on the same data; only the last bits may move between R builds.
    np.testing.assert_allclose(
        old[numbers].to_numpy(np.float64), new[numbers].to_numpy(np.float64), rtol=1e-9, equal_nan=True
    )


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_references_equal_a_fresh_r_run(tmp_path: Path) -> None:
    """Re-run the R script into a temporary directory; a stale stored reference fails here."""
    completed = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    _compare_reference_dirs(REFERENCE_DIR, tmp_path)
