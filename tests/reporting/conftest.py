"""Fixture results for the report: one table per contract in docs/report.md, with its metadata.

The commands behind `change`, `peers`, `targets`, `sae`, `simulate project` and `simulate sweep` are built by
other issues; these tables follow the contract those commands must meet, so the report's sections are tested now
and those commands only have to match it. The values are made up but coherent (a change's interval contains its
estimate, a trajectory runs from baseline to target).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path

AREAS = ["E01", "E02", "E03", "E04", "E05", "E06"]
NAMES = {"E01": "Ashford", "E02": "Bury", "E03": "Crewe", "E04": "Dover", "E05": "Ely", "E06": "Frome"}
QUARTERS = [("2007-08 Q3", "2008-03-31"), ("2007-08 Q4", "2008-06-30"), ("2008-09 Q1", "2008-09-30"),
            ("2008-09 Q2", "2008-12-31"), ("2008-09 Q3", "2009-03-31")]


def write_result(path: Path, table: pd.DataFrame, command: str, min_base: int = 50, **extra: Any) -> Path:
    """Write a table and a sidecar in the shape every safer output has."""
    table.to_csv(path, index=False)
    meta = provenance(command, {"level": 0.95, "min_base": min_base}, []) | extra
    sidecar_path(path).write_text(json.dumps(meta, default=str))
    return path


def rolling_estimates() -> pd.DataFrame:
    """NI 17 by quarter (rolling years) nationally and for six areas, one low base."""
    rows = []
    for q, (period, end) in enumerate(QUARTERS):
        for domain, value, base in [("all", "all", 6000)] + [("la", a, 900 - 150 * i) for i, a in enumerate(AREAS)]:
            estimate = 0.20 - 0.005 * q + (0.01 * AREAS.index(value) if domain == "la" else 0.0)
            se = float(np.sqrt(estimate * (1 - estimate) / base))
            low = base < 200
            rows.append({"indicator": "NI17", "domain": domain, "domain_value": value, "estimate": estimate, "se": se,
                         "ci_lower": estimate - 1.96 * se, "ci_upper": estimate + 1.96 * se, "ci_method": "logit",
                         "n_unweighted": base, "n_effective": base * 0.8, "deff": 1.25, "low_base": low,
                         "period": period, "period_start": "", "period_end": end})
    return pd.DataFrame(rows)


def change_table() -> pd.DataFrame:
    """Changes for the national row and three areas, one of each direction."""
    rows = []
    for value, change, direction in [("all", -0.012, "improved"), ("E01", 0.03, "deteriorated"),
                                     ("E02", -0.004, "no significant change"), ("E03", -0.04, "improved")]:
        domain = "all" if value == "all" else "la"
        rows.append({"indicator": "NI17", "domain": domain, "domain_value": value, "base_period": "2007-08",
                     "base_estimate": 0.2, "current_period": "2008-09", "current_estimate": 0.2 + change,
                     "change": change, "se_change": 0.006, "ci_lower": change - 0.0118, "ci_upper": change + 0.0118,
                     "p_value": 0.04 if direction != "no significant change" else 0.5,
                     "significant": direction != "no significant change", "direction": direction,
                     "minimum_movement": 0.0118, "threshold_level": 0.1882})
    return pd.DataFrame(rows)


def peers_table() -> pd.DataFrame:
    """Each area against a peer mean; groups of three."""
    rows = []
    for i, area in enumerate(AREAS):
        estimate = 0.17 + 0.01 * i
        peer = 0.18 if i < 3 else 0.21
        diff = estimate - peer
        flag = "significantly worse" if diff > 0.015 else "significantly better" if diff < -0.015 else "not different"
        rows.append({"indicator": "NI17", "domain": "la", "domain_value": area, "group": "A" if i < 3 else "B",
                     "estimate": estimate, "ci_lower": estimate - 0.02, "ci_upper": estimate + 0.02, "peer_mean": peer,
                     "difference": diff, "difference_ci_lower": diff - 0.015, "difference_ci_upper": diff + 0.015,
                     "flag": flag, "rank": i % 3 + 1, "group_size": 3})
    return pd.DataFrame(rows)


def targets_table() -> pd.DataFrame:
    """A national target: 20% in March 2008 down to 17% by March 2011; latest 18.2%."""
    return pd.DataFrame([{
        "indicator": "NI17", "domain": "all", "domain_value": "all", "baseline_period": "2007-08 Q3",
        "baseline_date": "2008-03-31", "baseline_value": 0.20, "target_value": 0.17, "target_date": "2011-03-31",
        "latest_period": "2008-09 Q3", "latest_date": "2009-03-31", "latest_estimate": 0.18, "ci_lower": 0.17,
        "ci_upper": 0.19, "trajectory_value": 0.19, "status": "on track", "probability_on_track": 0.97,
        "polarity": "lower"}])


def sae_table() -> pd.DataFrame:
    """Direct and EBLUP for five areas, one with no sample (synthetic)."""
    rows = []
    for i, area in enumerate(AREAS[:5]):
        synthetic = i == 4
        direct = np.nan if synthetic else 0.30 + 0.02 * i
        eblup = 0.31 + 0.015 * i
        rows.append({"indicator": "PSA23_3", "area": area, "direct": direct,
                     "direct_se": np.nan if synthetic else 0.045, "eblup": eblup, "mse": 0.0004,
                     "ci_lower": eblup - 0.039, "ci_upper": eblup + 0.039, "shrinkage": 1.0 if synthetic else 0.6,
                     "synthetic": synthetic, "n_unweighted": 0 if synthetic else 120, "n_effective": 0 if synthetic
                     else 90.0, "method": "REML"})
    return pd.DataFrame(rows)


def projection_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Projection 2004-2011 for a baseline and one scenario (adult frequency), success and costs."""
    rows = []
    for scenario, drop in (("baseline", 1.0), ("ppo", 2.5)):
        for year in range(2004, 2012):
            mean = 190.0 - drop * (year - 2004)
            rows.append({"scenario": scenario, "cohort": "adult", "year": year, "measure": "frequency_per_100",
                         "mean": mean, "ci_lower": mean - 2, "ci_upper": mean + 2, "total_lower": mean - 9,
                         "total_upper": mean + 9, "calibration": "calibrated"})
    projection = pd.DataFrame(rows)
    success = pd.DataFrame([
        {"scenario": s, "criterion": c, "probability": p, "ci_lower": max(p - 0.05, 0), "ci_upper": min(p + 0.05, 1),
         "replications": 200}
        for s, base in (("baseline", 0.55), ("ppo", 0.8)) for c, p in (("adult", base + 0.1), ("youth", base),
                                                                      ("serious", base), ("all", base - 0.2))])
    costs = pd.DataFrame([
        {"scenario": "ppo", "item": "offences_committed_averted", "mean": 850.0, "ci_lower": 600.0, "ci_upper": 1100.0,
         "unit": "offences"},
        {"scenario": "ppo", "item": "proven_reoffences_averted", "mean": 120.0, "ci_lower": 40.0, "ci_upper": 200.0,
         "unit": "offences"},
        {"scenario": "ppo", "item": "cost_of_places", "mean": 2.4e6, "ci_lower": 2.4e6, "ci_upper": 2.4e6,
         "unit": "GBP"},
    ])
    return projection, success, costs


def sweep_table() -> pd.DataFrame:
    """Four parameters; uptake moves the answer most."""
    rows = []
    for parameter, low, high in (("uptake", 185.0, 170.0), ("completion", 181.0, 176.0),
                                 ("rate_ratio", 183.0, 172.0), ("court_lag", 179.0, 178.0)):
        rows.append({"parameter": parameter, "measure": "frequency_per_100", "base_value": 0.5, "low_value": 0.3,
                     "high_value": 0.7, "base_result": 178.5, "low_result": low, "high_result": high})
    return pd.DataFrame(rows)


def write_contract_files(tmp_path: Path) -> dict[str, Path]:
    """Every contract table written as a result with its sidecar, by kind, into `tmp_path`."""
    labels = {"labels": {"la": NAMES}, "indicator_titles": {"NI17": "Perceptions of anti-social behaviour",
                                                             "PSA23_3": "Confidence in local agencies"},
              "indicator_polarity": {"NI17": "lower_is_better", "PSA23_3": "higher_is_better"}}
    projection, success, costs = projection_tables()
    return {
        "estimate": write_result(tmp_path / "rolling.csv", rolling_estimates(), "estimate", min_base=200, **labels),
        "change": write_result(tmp_path / "change.csv", change_table(), "change"),
        "peers": write_result(tmp_path / "peers.csv", peers_table(), "peers",
                              peer_mean="mean of member areas' estimates"),
        "targets": write_result(tmp_path / "targets.csv", targets_table(), "targets"),
        "sae": write_result(tmp_path / "sae.csv", sae_table(), "sae", model="Fay-Herriot"),
        "projection": write_result(tmp_path / "projection.csv", projection, "simulate project", content="projection",
                                   assumptions=["no offending in custody"],
                                   caveats=["Youth rates are uncalibrated."]),
        "success": write_result(tmp_path / "success.csv", success, "simulate project", content="success"),
        "costs": write_result(tmp_path / "costs.csv", costs, "simulate project", content="costs"),
        "sweep": write_result(tmp_path / "sweep.csv", sweep_table(), "simulate sweep"),
    }


@pytest.fixture
def contract_files(tmp_path: Path) -> dict[str, Path]:
    """Every contract table written as a result with its sidecar, by kind."""
    return write_contract_files(tmp_path)
