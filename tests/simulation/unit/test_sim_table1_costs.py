"""Table 1 as data, and the unit costs: every code in its group, the serious sexual tier apart, costs labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.errors import SimulationInputError
from simulation.inputs.table1 import codes_by_group, load_table1
from simulation.inputs.vocabulary import REOFFENCE_TYPES, TABLE1_GROUPS
from simulation.measures.costs import (
    UNIT_COSTS_FILE,
    crime_cost_per_offence,
    load_unit_costs,
    summarise_costs,
)


def test_table1_lists_every_annex_code_in_a_group_with_the_sexual_split():
    table = load_table1()
    assert len(table) == 144 and table["code"].is_unique
    groups = codes_by_group()
    assert set(groups) == set(TABLE1_GROUPS) and all(groups.values())
    assert 101 in groups["homicide"] and 200 in groups["attempted_murder"] and 404 in groups["death_by_driving"]
    assert {501, 801} <= set(groups["wounding_endangering_life"]) and 514 in groups["firearms_explosives"]
    sexual = groups["serious_sexual"]
    assert len(sexual) == 108 and all(code >= 1700 for code in sexual) and 1908 in sexual  # rape, 000:794
    assert table["annex_line"].str.match(r"000:\d+$").all()


def test_the_bundled_unit_costs_cover_every_offence_type_and_label_their_source():
    costs = load_unit_costs()
    assert set(costs.crime) == set(REOFFENCE_TYPES)
    table = pd.read_csv(UNIT_COSTS_FILE)
    assert set(table["status"]) <= {"home_office_2003_04", "verbatim", "assumed"}
    home_office = table[table["status"] == "home_office_2003_04"]
    assert home_office["source"].str.contains("Home Office 2003/04").all()
    assert costs.crime["homicide"] == pytest.approx(1_458_975 * 1.14)
    assert costs.custody_day > costs.probation_day > 0


@pytest.mark.parametrize("drug_misuse", [False, True])
def test_an_offenders_cost_per_offence_weights_the_unit_costs_by_the_mix_of_offences_committed(
        params, uniform_cohort, drug_misuse):
    """Detected offences of type t stand for 1 / p_t committed (attrition by type): the committed mix is the detected
    mix over the detection probabilities, and a drug misuser's non-serious offences are the acquisitive mix."""
    costs = load_unit_costs()
    frame = uniform_cohort(2, drug_misuse=drug_misuse).frame
    p = params.detection_by_offence_type
    s = params.serious_share  # theft/handling index offence: ratio 1, sexual share 0.1
    q = params.serious_sexual_share_by_index_group["theft_handling"]
    mix = params.drug_misuse_type_mix if drug_misuse else params.non_serious_type_mix
    detected = {"serious_sexual": s * q, **{g: s * (1 - q) * w for g, w in params.serious_violent_mix.items()},
                **{g: (1 - s) * w for g, w in mix.items()}}
    committed = {t: share / p[t] for t, share in detected.items()}
    expected = sum(committed[t] * costs.crime[t] for t in committed) / sum(committed.values())
    assert np.allclose(crime_cost_per_offence(frame, params, costs), expected, rtol=1e-12)
    if drug_misuse:  # theft is rarely detected and a drug misuser's commonest offence: each costs less, more happen
        general = crime_cost_per_offence(uniform_cohort(2).frame, params, costs)
        assert not np.allclose(general, expected)


def test_cost_ratios_are_ratios_of_means_and_blank_when_nothing_is_clearly_averted():
    rows = []
    for r, (cost, averted) in enumerate([(100.0, 10.0), (120.0, 12.0), (80.0, 8.0)]):
        rows += [(r, "s", "net_cost", cost), (r, "s", "offences_committed_averted", averted),
                 (r, "s", "serious_offences_averted", averted - 10.0 + 0.5 * r - 0.5)]
    table = summarise_costs(pd.DataFrame(rows, columns=["replication", "scenario", "item", "value"]))
    item = table.set_index("item")
    assert item.loc["net_cost_per_offence_averted", "mean"] == pytest.approx(10.0)
    assert item.loc["net_cost_per_offence_averted", "ci_lower"] == pytest.approx(10.0)  # exactly proportional
    assert np.isnan(item.loc["net_cost_per_serious_offence_averted", "ci_lower"])
    assert (table["unit"].isin(["offences", "GBP", "GBP per offence"])).all()


def test_unit_cost_table_problems_name_the_line_and_column(tmp_path):
    text = UNIT_COSTS_FILE.read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("burglary,crime,burglary,3268,2003,1.14,home_office_2003_04",
                                "burglary,crime,burglary,3268,2003,1.14,guessed"))
    with pytest.raises(SimulationInputError, match=r"line \d+, column 'status'"):
        load_unit_costs(bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("\n".join(line for line in text.splitlines() if not line.startswith("robbery")) + "\n")
    with pytest.raises(SimulationInputError, match=r"no crime cost for offence group\(s\) \['robbery'\]"):
        load_unit_costs(missing)
