"""Changes and peer differences, with their SEs, agree with R's survey package to 1e-6 relative.

The references (tests/r/reference/judging/cases.csv) and their data are written by tests/r/judging_reference.R,
which says what each case computes in R: `svycontrast` on `svyby(..., covmat = TRUE)` over two files stacked
with their strata kept apart; the nonlinear contrast of `svytotal`s for overlapping date windows (the same
respondents in both), with and without calibration; replicate (JKn) contrasts; an area against the mean of
its group's areas (areas as strata, and areas crossing strata); the pooled peer mean; and the difference in
differences for keeping pace. The live test re-runs the script and checks the stored files are current.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey.design import ReplicateWeights, SurveyDesign, make_design
from survey.estimation.contrasts import Contrasts, Estimands
from survey.estimation.targets import Target, domain_codes, mean_target
from survey.estimation.variance import contrast_means
from survey.judging.change import change
from survey.judging.peers import peer_comparison, read_peer_groups
from survey.judging.periods import Period, level_period, parse_dates, parse_window, window_period
from survey.stacking import stack_designs
from survey.weighting.calibration import calibrate_to_margins
from survey.weighting.controls import control_totals_from_frame

R_DIR = Path(__file__).resolve().parents[2] / "r"
R_SCRIPT = R_DIR / "judging_reference.R"
REFERENCE_DIR = R_DIR / "reference" / "judging"
RTOL = 1e-6
VARIABLES = ("y", "x")


def read_cases(directory: Path) -> pd.Series:
    cases = pd.read_csv(directory / "cases.csv")
    return cases.set_index("case_id")


CASES = read_cases(REFERENCE_DIR)


@functools.cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "data" / f"{name}.csv")


def target(data: pd.DataFrame, variable: str) -> Target:
    return mean_target(data, variable)


def check(prefix: str, got: dict[str, tuple[float, float]]) -> None:
    """Every reference case under `prefix` has a computed (estimate, se) equal to R's, and nothing is left over."""
    wanted = CASES[CASES.index.str.startswith(prefix + "/")]
    assert len(wanted) > 0, f"no reference cases under {prefix}"
    assert set(wanted.index) == set(got), f"cases differ: R has {sorted(wanted.index)}, we have {sorted(got)}"
    for case_id, row in wanted.iterrows():
        estimate, se = got[str(case_id)]
        np.testing.assert_allclose([estimate, se], [row["estimate"], row["se"]], rtol=RTOL,
                                   err_msg=f"{case_id}: (estimate, se) expected R's, got ours")


def margins(n: float, totals: dict[str, float]) -> pd.DataFrame:
    """Sex and age margins of a population of `n` from R's model-matrix totals of sex2, age2 and age3."""
    sex2, age2, age3 = (totals[term] for term in ("sex2", "age2", "age3"))
    return pd.DataFrame({
        "variable": ["sex", "sex", "age", "age", "age"], "category": ["1", "2", "1", "2", "3"],
        "total": [n - sex2, sex2, n - age2 - age3, age2, age3],
    })


def read_totals(name: str) -> dict[str, float]:
    frame = pd.read_csv(REFERENCE_DIR / "data" / f"{name}.csv")
    return dict(zip(frame["term"], frame["total"].astype(float), strict=True))


def file_design(name: str, calibrated: bool) -> SurveyDesign:
    design = make_design(dataset(name), weight="weight", strata="stratum", psu="psu")
    if not calibrated:
        return design
    totals = read_totals("stack_calibration_totals")
    n_2009 = totals["fileyear2009"]
    n = n_2009 if name == "year2009" else totals["(Intercept)"] - n_2009
    # R calibrates the stack on ~file/(sex + age): per file, its own total and its own sex and age terms.
    own = {k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith(f"file{name}:")}
    controls = control_totals_from_frame(margins(n, own))
    return calibrate_to_margins(design, controls, method="raking", epsilon=1e-12, max_iter=200)


def changes_by_region(
    design: SurveyDesign, base: Period, current: Period, prefix: str
) -> dict[str, tuple[float, float]]:
    got = {}
    for variable in VARIABLES:
        table = change(design, [target(design.data, variable)], base, current, by=["region"], min_base=0)
        for row in table.itertuples(index=False):
            where = "all" if row.domain == "all" else f"region={row.domain_value}"
            got[f"{prefix}/{variable}/{where}/change"] = (row.change, row.se_change)
    return got


@pytest.mark.parametrize("calibrated", [False, True], ids=["uncalibrated", "calibrated"])
def test_change_between_independent_files_matches_r_svycontrast(calibrated: bool) -> None:
    """Two files stacked with their own strata: the SE of the change is that of independent samples, and a
    calibrated file keeps its calibration-aware variance (R: svycontrast over the stacked design)."""
    designs = [file_design(name, calibrated) for name in ("year2008", "year2009")]
    stacked = stack_designs(designs, ["year2008", "year2009"], source_column="file")
    base, current = (level_period(stacked.data, "file", name) for name in ("year2008", "year2009"))
    check("files_cal" if calibrated else "files", changes_by_region(stacked, base, current,
                                                                    "files_cal" if calibrated else "files"))


def windows_design(calibrated: bool) -> SurveyDesign:
    design = make_design(dataset("windows"), weight="weight", strata="stratum", psu="psu")
    if calibrated:
        totals = read_totals("windows_calibration_totals")
        controls = control_totals_from_frame(margins(totals["(Intercept)"], totals))
        design = calibrate_to_margins(design, controls, method="raking", epsilon=1e-12, max_iter=200)
    return design


def windows(design: SurveyDesign) -> tuple[Period, Period]:
    dates = parse_dates(design.data, "date")
    return (window_period(dates, *parse_window("2008-04:2009-03")),
            window_period(dates, *parse_window("2008-10:2009-09")))


@pytest.mark.parametrize("calibrated", [False, True], ids=["uncalibrated", "calibrated"])
def test_change_between_overlapping_windows_matches_r_nonlinear_contrast(calibrated: bool) -> None:
    """Two date windows sharing six months of respondents: the change's SE carries their covariance,
    as R's svycontrast(svytotal(~yB + nB + yA + nA), quote(yB/nB - yA/nA))."""
    design = windows_design(calibrated)
    base, current = windows(design)
    assert (base.mask & current.mask).sum() > 30, "the windows must share respondents for this test to bite"
    name = "windows_cal" if calibrated else "windows"
    check(name, changes_by_region(design, base, current, name))


def test_replicate_design_contrasts_match_r_svrvar() -> None:
    """On a JKn design, the change between overlapping windows and a difference between regions use the
    replicate covariances (R: svrVar of the replicate contrasts; svycontrast on svyby over the replicates)."""
    design = windows_design(False)
    replicates = pd.read_csv(REFERENCE_DIR / "data" / "windows_jkn_replicates.csv").to_numpy(np.float64)
    constants = pd.read_csv(REFERENCE_DIR / "data" / "windows_jkn_constants.csv")
    design = SurveyDesign(**{**design.__dict__, "replicates": ReplicateWeights(
        weights=replicates, scale=float(constants["scale"].iloc[0]), rscales=constants["rscales"].to_numpy(float),
        method="jkn")})
    base, current = windows(design)
    got = {}
    codes, labels = domain_codes(design.data, "region")
    for variable in VARIABLES:
        table = change(design, [target(design.data, variable)], base, current, min_base=0)
        got[f"windows_jkn/{variable}/all/change"] = (table["change"].iloc[0], table["se_change"].iloc[0])
        estimands = Estimands.from_domains([base.mask], codes, len(labels))
        regions = contrast_means(design, target(design.data, variable).values, estimands,
                                 Contrasts.from_terms([(0, 1, 1.0), (0, 0, -1.0)], 1))
        assert regions.method == "replicate"
        got[f"windows_jkn/{variable}/regions_in_A/difference"] = (regions.contrast[0, 0],
                                                                   float(np.sqrt(regions.variance[0, 0])))
    check("windows_jkn", got)


def test_peer_difference_with_areas_as_strata_matches_r() -> None:
    """Area minus the mean of its group's areas (itself included), areas as strata (Place Survey):
    R svycontrast on svyby(~y, ~la, svymean, covmat = TRUE)."""
    data = dataset("place2008")
    design = make_design(data, weight="weight", strata="la")
    groups = read_peer_groups(REFERENCE_DIR / "data" / "place_groups.csv")
    table = peer_comparison(design, [target(data, "y")], "la", groups, min_base=0)
    check("peers/y", {f"peers/y/{r.domain_value}": (r.difference, r.se_difference) for r in table.itertuples()})


@pytest.mark.parametrize("calibrated", [False, True], ids=["uncalibrated", "calibrated"])
@pytest.mark.parametrize("peer_mean", ["mean", "population"])
def test_peer_difference_with_areas_crossing_strata_matches_r(calibrated: bool, peer_mean: str) -> None:
    """Areas that share strata (and a calibration): every covariance between an area and its peers counts.
    R: ratio contrasts of svytotal() of y * in_area and in_area over all areas."""
    design = windows_design(calibrated)
    groups = read_peer_groups(REFERENCE_DIR / "data" / "cross_groups.csv")
    prefix = ("peers_cross" if peer_mean == "mean" else "peers_pop") + ("_cal" if calibrated else "")
    got = {}
    for variable in VARIABLES:
        table = peer_comparison(design, [target(design.data, variable)], "la", groups, peer_mean=peer_mean,
                                min_base=0)
        got |= {f"{prefix}/{variable}/{r.domain_value}": (r.difference, r.se_difference) for r in table.itertuples()}
    check(prefix, got)


def test_keeping_pace_difference_in_differences_matches_r() -> None:
    """(Area change) - (mean of its group's area changes) over two stacked Place files."""
    designs = [make_design(dataset(name), weight="weight", strata="la") for name in ("place2008", "place2010")]
    stacked = stack_designs(designs, ["place2008", "place2010"], source_column="file")
    groups = read_peer_groups(REFERENCE_DIR / "data" / "place_groups.csv")
    base, current = (level_period(stacked.data, "file", name) for name in ("place2008", "place2010"))
    table = peer_comparison(stacked, [target(stacked.data, "y")], "la", groups, base=base, current=current,
                            min_base=0)
    check("pace/y", {f"pace/y/{r.domain_value}": (r.pace_difference, r.se_pace_difference) for r in table.itertuples()})


def test_references_cover_the_required_cases() -> None:
    """Every family of reference cases is present and none came out missing."""
    families = {case.split("/")[0] for case in CASES.index}
    assert families == {"files", "files_cal", "windows", "windows_cal", "windows_jkn", "peers", "peers_cross",
                        "peers_cross_cal", "peers_pop", "peers_pop_cal", "pace"}
    assert CASES[["estimate", "se"]].notna().all().all()


@pytest.mark.live_r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
def test_stored_references_equal_a_fresh_r_run(tmp_path: Path) -> None:
    """Re-run the R script into a temporary directory; a stale stored reference fails here."""
    completed = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr
    stored = sorted(p.name for p in (REFERENCE_DIR / "data").glob("*.csv"))
    assert stored == sorted(p.name for p in (tmp_path / "data").glob("*.csv"))
    for name in stored:
        pd.testing.assert_frame_equal(pd.read_csv(REFERENCE_DIR / "data" / name), pd.read_csv(tmp_path / "data" / name),
                                      rtol=1e-12, obj=name)
    old, new = read_cases(REFERENCE_DIR), read_cases(tmp_path)
    assert list(old.index) == list(new.index), "the R script's cases differ from the stored ones"
    np.testing.assert_allclose(old.to_numpy(np.float64), new.to_numpy(np.float64), rtol=1e-9)
