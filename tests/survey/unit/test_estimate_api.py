"""Unit tests of survey.estimation.estimate against closed forms and hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey.design import make_design
from survey.estimation.estimates import OUTPUT_COLUMNS, estimate
from survey.estimation.targets import mean_target, proportion_target

# The column order the issue specifies for the output table.
SPECIFIED_COLUMNS = [
    "survey", "indicator", "indicator_title", "domain", "domain_value", "estimate", "se", "ci_lower", "ci_upper",
    "ci_method", "n_unweighted", "n_effective", "deff", "low_base", "degrees_of_freedom", "n_effective_kish",
    "weight_share_max", "caution",
]


def srs_sample(n: int, successes: int, seed: int = 1) -> pd.DataFrame:
    """n rows, `successes` of them with answer 1 (else 2), in shuffled order, plus a continuous y."""
    rng = np.random.default_rng(seed)
    answer = np.array([1] * successes + [2] * (n - successes))
    rng.shuffle(answer)
    return pd.DataFrame({"answer": answer, "y": rng.normal(10, 3, n), "weight": 1.0})


def stratified_sample(seed: int = 7) -> pd.DataFrame:
    """Three strata of unequal size with unequal weights and a domain that crosses the strata."""
    rng = np.random.default_rng(seed)
    sizes = {"a": 30, "b": 45, "c": 25}
    parts = []
    for h, (label, size) in enumerate(sizes.items()):
        parts.append(
            pd.DataFrame(
                {
                    "stratum": label,
                    "weight": rng.uniform(5, 15, size) * (h + 1),
                    "y": rng.normal(20 + 5 * h, 4, size),
                    "group": rng.choice(["g1", "g2"], size, p=[0.3, 0.7]),
                    "answer": rng.choice([1, 2, 3], size, p=[0.4 + 0.1 * h, 0.3, 0.3 - 0.1 * h]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def overall_row(table: pd.DataFrame) -> pd.Series:
    rows = table[(table["domain"] == "all") & (table["domain_value"] == "all")]
    assert len(rows) == 1
    return rows.iloc[0]


def test_srs_proportion_equals_the_with_replacement_closed_form() -> None:
    n, successes = 37, 14
    data = srs_sample(n, successes)
    table = estimate(make_design(data, weight="weight"), [proportion_target(data, "answer", "1")], ci="wald")
    row = overall_row(table)
    p = successes / n
    y = (data["answer"] == 1).to_numpy(dtype=float)
    # R's with-replacement Taylor variance: sum (y - p)^2 / (n (n - 1)), which equals p (1 - p) / (n - 1).
    variance = np.sum((y - p) ** 2) / (n * (n - 1))
    assert variance == pytest.approx(p * (1 - p) / (n - 1), rel=1e-12)
    assert row["estimate"] == pytest.approx(p, rel=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(variance), rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert row["ci_lower"] == pytest.approx(p - z * np.sqrt(variance), rel=1e-12)
    assert row["deff"] == pytest.approx(1.0, rel=1e-12)
    assert row["n_effective"] == pytest.approx(n, rel=1e-12)
    assert row["indicator"] == "proportion:answer=1"


def test_srs_mean_equals_sample_sd_over_root_n() -> None:
    data = srs_sample(50, 20, seed=3)
    row = overall_row(estimate(make_design(data), [mean_target(data, "y")]))
    y = data["y"].to_numpy()
    assert row["estimate"] == pytest.approx(y.mean(), rel=1e-12)
    assert row["se"] == pytest.approx(y.std(ddof=1) / np.sqrt(y.size), rel=1e-12)
    assert row["ci_method"] == "wald"
    assert row["indicator"] == "mean:y"


def test_a_single_domain_reproduces_the_overall_estimate() -> None:
    data = stratified_sample().assign(everyone="yes")
    design = make_design(data, weight="weight", strata="stratum")
    table = estimate(design, [mean_target(data, "y")], by=["everyone"], ci="logit")
    overall = overall_row(table)
    domain = table[table["domain"] == "everyone"]
    assert list(domain["domain_value"]) == ["yes"]
    numbers = ["estimate", "se", "ci_lower", "ci_upper", "n_unweighted", "n_effective", "deff"]
    np.testing.assert_allclose(
        domain[numbers].to_numpy(float)[0], overall[numbers].to_numpy(float), rtol=1e-12
    )


def test_domain_variance_uses_the_full_design_not_a_subset() -> None:
    data = stratified_sample()
    design = make_design(data, weight="weight", strata="stratum")
    table = estimate(design, [mean_target(data, "y")], by=["group"])
    full = table[(table["domain"] == "group") & (table["domain_value"] == "g1")].iloc[0]

    # Hand computation: influence u_i = w_i (y_i - ybar_d) / N_d in the domain, 0 elsewhere, and the
    # with-replacement stratified variance over every row of every stratum.
    in_domain = (data["group"] == "g1").to_numpy()
    w, y = data["weight"].to_numpy(), data["y"].to_numpy()
    n_d = w[in_domain].sum()
    ybar = np.sum(w[in_domain] * y[in_domain]) / n_d
    u = np.where(in_domain, w * (y - ybar) / n_d, 0.0)
    variance = 0.0
    for _, idx in data.groupby("stratum").indices.items():
        u_h = u[idx]
        variance += u_h.size / (u_h.size - 1) * np.sum((u_h - u_h.mean()) ** 2)
    assert full["estimate"] == pytest.approx(ybar, rel=1e-12)
    assert full["se"] == pytest.approx(np.sqrt(variance), rel=1e-10)

    # Subsetting the data first counts only the domain's rows per stratum: a different (wrong) SE.
    subset = data[in_domain].reset_index(drop=True)
    naive = overall_row(estimate(make_design(subset, weight="weight", strata="stratum"), [mean_target(subset, "y")]))
    assert naive["estimate"] == pytest.approx(full["estimate"], rel=1e-12)
    assert abs(naive["se"] / full["se"] - 1) > 1e-3


def test_suppress_blanks_low_base_rows_only() -> None:
    data = stratified_sample()
    counts = data["group"].value_counts()
    small, large = str(counts.idxmin()), str(counts.idxmax())
    min_base = int(counts.min()) + 1
    design = make_design(data, weight="weight", strata="stratum")
    target = [proportion_target(data, "answer", "1"), mean_target(data, "y")]
    shown = estimate(design, target, by=["group"], min_base=min_base)
    blanked = estimate(design, target, by=["group"], min_base=min_base, suppress=True)
    assert list(blanked["low_base"]) == list(shown["low_base"])
    low = blanked["domain_value"] == small
    assert blanked.loc[low, "low_base"].all() and not blanked.loc[~low, "low_base"].any()
    for column in ["estimate", "se", "ci_lower", "ci_upper", "n_effective", "deff"]:
        assert blanked.loc[low, column].isna().all(), column
        assert shown.loc[low, column].notna().all(), column
        pd.testing.assert_series_equal(blanked.loc[~low, column], shown.loc[~low, column])
    # The unweighted base stays visible, so a reader can see why a row is blank.
    assert (blanked.loc[low, "n_unweighted"] == counts[small]).all()
    assert (blanked.loc[blanked["domain_value"] == large, "n_unweighted"] == counts[large]).all()


def test_low_base_flag_at_the_threshold() -> None:
    data = pd.DataFrame({"area": ["x"] * 49 + ["z"] * 50, "y": np.arange(99, dtype=float) % 7})
    table = estimate(make_design(data), [mean_target(data, "y")], by=["area"], min_base=50)
    flags = table.set_index("domain_value")["low_base"]
    assert bool(flags["x"]) is True  # 49 < 50
    assert bool(flags["z"]) is False  # 50 is not below 50
    assert bool(flags["all"]) is False


def test_wilson_interval_matches_the_textbook_example() -> None:
    # 8 successes out of 20 under simple random sampling: Wilson 95% interval (0.2188, 0.6134).
    data = srs_sample(20, 8)
    row = overall_row(estimate(make_design(data), [proportion_target(data, "answer", "1")], ci="wilson"))
    assert row["ci_method"] == "wilson"
    assert row["n_effective"] == pytest.approx(20, rel=1e-12)
    assert row["ci_lower"] == pytest.approx(0.2188, abs=5e-5)
    assert row["ci_upper"] == pytest.approx(0.6134, abs=5e-5)


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_wilson_interval_uses_the_effective_sample_size(level: float) -> None:
    data = stratified_sample()
    design = make_design(data, weight="weight", strata="stratum")
    row = overall_row(estimate(design, [proportion_target(data, "group", "g1")], ci="wilson", level=level))
    assert row["deff"] != pytest.approx(1.0, rel=1e-3)
    n_eff = row["n_unweighted"] / row["deff"]
    assert row["n_effective"] == pytest.approx(n_eff, rel=1e-12)
    p, z = row["estimate"], stats.norm.ppf(0.5 + level / 2)
    # Wilson (1927): (p + z^2/(2n) +/- z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n), with n = n_eff.
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
    assert row["ci_lower"] == pytest.approx(centre - half, rel=1e-12)
    assert row["ci_upper"] == pytest.approx(centre + half, rel=1e-12)


def test_output_columns_are_in_the_specified_order() -> None:
    data = stratified_sample()
    table = estimate(
        make_design(data, weight="weight", strata="stratum"),
        [proportion_target(data, "group", "g2"), mean_target(data, "y")],
        by=["stratum"],
    )
    assert list(OUTPUT_COLUMNS) == SPECIFIED_COLUMNS
    assert list(table.columns) == SPECIFIED_COLUMNS
    # One row per target for the whole sample and for each stratum.
    assert len(table) == 2 * (1 + 3)
    assert set(table["domain"]) == {"all", "stratum"}


def test_logit_interval_is_degenerate_at_zero_and_one_as_in_r() -> None:
    """R svyciprop(method = "logit") returns (1, 1) when every base row has the attribute."""
    from survey.estimation.intervals import logit_interval

    lower, upper = logit_interval(np.array([1.0, 0.0, 0.5]), np.array([0.0, 0.0, 0.1]), np.array([10, 10, 10]), 0.95)
    assert lower[:2].tolist() == [1.0, 0.0] and upper[:2].tolist() == [1.0, 0.0]
    assert 0 < lower[2] < 0.5 < upper[2] < 1
