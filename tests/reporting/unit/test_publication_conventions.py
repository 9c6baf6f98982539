"""Publication tables against the Annex's own wording: "17.5 +/- 0.6 per cent" (000:632)."""

from __future__ import annotations

import math

import pandas as pd

from reporting.labels import Labeller
from reporting.numbers import published
from reporting.publication import publication_table


def long_table(**overrides: object) -> pd.DataFrame:
    row = {"indicator": "PSA23_4", "domain": "pfa", "domain_value": "21", "estimate": 0.175, "ci_lower": 0.1687,
           "ci_upper": 0.1813, "n_unweighted": 1012, "n_effective": 337.4, "low_base": False}
    row.update(overrides)
    return pd.DataFrame([row])


def test_the_annex_figure_reads_as_published() -> None:
    assert published("PSA23_4", 0.175, 0.1687, 0.1813) == "17.5 +/- 0.6"


def test_percentages_half_widths_names_and_titles() -> None:
    meta = {"labels": {"pfa": {"21": "Lancashire"}}, "indicator_titles": {"PSA23_4": "High perceived ASB"}}
    row = publication_table(long_table(), meta).iloc[0]
    assert row["area"] == "Lancashire" and row["area_type"] == "police force area"
    assert row["title"] == "High perceived ASB"
    assert (row["value"], row["half_width"], row["ci_lower"], row["ci_upper"]) == (17.5, 0.6, 16.9, 18.1)
    assert (row["base"], row["effective_base"], row["unit"]) == (1012, 337, "%")
    assert isinstance(row["value"], float), "numbers stay numbers"


def test_a_mean_is_not_turned_into_a_percentage() -> None:
    row = publication_table(long_table(indicator="mean:age", estimate=47.26, ci_lower=46.9, ci_upper=47.6), {}).iloc[0]
    assert (row["value"], row["half_width"], row["unit"]) == (47.3, 0.4, "mean")


def test_low_and_suppressed_bases_are_said_in_words() -> None:
    meta = {"parameters": {"min_base": 50}}
    low = publication_table(long_table(n_unweighted=41, low_base=True), meta).iloc[0]
    assert low["note"] == "low base (base under 50)" and low["value"] == 17.5
    gone = publication_table(long_table(n_unweighted=41, low_base=True, estimate=math.nan, ci_lower=math.nan,
                                        ci_upper=math.nan), meta).iloc[0]
    assert gone["note"] == "suppressed (base under 50)" and gone["published"] == "suppressed"
    assert pd.isna(gone["value"]) and pd.isna(gone["half_width"])


def test_the_overall_row_gets_the_national_name() -> None:
    labeller = Labeller(national="England")
    row = publication_table(long_table(domain="all", domain_value="all"), {}, labeller).iloc[0]
    assert row["area"] == "England" and row["area_type"] == "England"


def test_judging_tables_in_publication_form(contract_files: dict[str, object]) -> None:
    from pathlib import Path

    from reporting.publication import publication_for
    from reporting.results import load_result

    change = load_result(Path(str(contract_files["change"])))
    national = publication_for("change", change.table, change.metadata).iloc[0]
    # The Annex's arithmetic in points: 20.0 -> 18.8, change -1.2 +/- 1.2, minimum movement 1.2 to reach 18.8.
    assert (national["base_value"], national["current_value"], national["change"]) == (20.0, 18.8, -1.2)
    assert national["published"] == "-1.2 +/- 1.2" and national["level_to_reach"] == 18.8
    peers = load_result(Path(str(contract_files["peers"])))
    first = publication_for("peers", peers.table, peers.metadata).iloc[0]
    assert (first["value"], first["peer_mean"], first["difference"], first["rank"]) == (17.0, 18.0, -1.0, "1 of 3")
    targets = load_result(Path(str(contract_files["targets"])))
    target = publication_for("targets", targets.table, targets.metadata).iloc[0]
    assert (target["baseline_value"], target["target_value"], target["probability_on_track"]) == (20.0, 17.0, 97.0)


def test_a_publication_workbook_keeps_percentages_as_numbers(tmp_path: object) -> None:
    from pathlib import Path

    import openpyxl

    from reporting.workbook import HEADER_ROW
    from safer_io.outputs import write_output

    out = Path(str(tmp_path)) / "pub.xlsx"
    write_output(publication_table(long_table(), {}), out, {"command": "estimate", "content": "publication"})
    ws = openpyxl.load_workbook(out)["PSA23_4"]
    header = [c.value for c in ws[HEADER_ROW]]
    value = ws.cell(row=HEADER_ROW + 1, column=header.index("Estimate (%)") + 1)
    assert value.value == 17.5 and value.number_format == "0.0", "17.5 per cent, not 1750%"
