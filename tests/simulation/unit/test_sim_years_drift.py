"""Figures, user figures, year effects by year, and cohort drift."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.errors import SimulationInputError
from simulation.inputs.cohort import ADULT_SPEC, generate_cohort
from simulation.inputs.drift import read_drift, spec_for_year
from simulation.inputs.figures import load_figures, read_user_figures
from simulation.measures.replication_measures import age_band


def test_the_figures_mark_what_is_published_and_what_is_assumed():
    figures = load_figures()
    for kind, years in (("adult", (2000, 2002, 2003, 2005)), ("youth", (2000, 2005, 2006))):
        for year in years:
            figure = figures.adult[year]["frequency_per_100"] if kind == "adult" else figures.youth[year][
                "frequency_per_100"]
            assert figure.status == "verbatim" and figure.is_evidence, (kind, year)
            assert "20" in figure.source, f"{kind} {year}: the source names its publication and year"
    for kind in ("adult", "youth"):
        baseline = getattr(figures, kind)[2004]["frequency_per_100"]
        assert baseline.status == "assumed" and baseline.range is not None and not baseline.is_evidence
    assert figures.custody_leavers_2004["female"].frequency_per_100.value == 285.2
    assert figures.adult_custody[2004].frequency_per_100.value == 253.1
    assert figures.youth_custody[2005].binary_rate_percent.status == "reported"
    assert figures.adult[2007]["frequency_per_100"].status == "not_found"
    assert figures.adult[2007]["frequency_per_100"].value is None
    assert 2007 not in figures.years("adult") and 2006 in figures.years("adult")
    names = figures.assumptions()
    assert "figures.adult.2004.frequency_per_100" in names and "figures.youth.2004.frequency_per_100" in names
    assert "figures.adult.2005.frequency_per_100" not in names  # published: no range
    assert any("adult 2007" in text for text in figures.not_found())


def test_user_figures_replace_and_add(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("year,cohort,measure,value\n2009,youth,frequency_per_100,95\n2009,youth,binary_rate_percent,33\n"
                    "2005,adult,frequency_per_100,170\n2005,adult,binary_rate_percent,41.6\n")
    figures = load_figures().with_user(read_user_figures(path))
    assert figures.youth[2009]["frequency_per_100"].status == "user"
    assert figures.adult[2005]["frequency_per_100"].value == 170
    lone = tmp_path / "lone.csv"
    lone.write_text("year,cohort,measure,value\n2009,youth,frequency_per_100,95\n")
    with pytest.raises(SimulationInputError, match="needs both frequency_per_100 and binary_rate_percent"):
        load_figures().with_user(read_user_figures(lone))


def test_drift_changes_the_size_and_mix_of_later_years(tmp_path):
    path = tmp_path / "drift.csv"
    path.write_text(
        "year,cohort,attribute,category,value\n"
        "2008,adult,size,,50000\n2008,adult,disposal,custody,0.45\n2008,adult,disposal,community,0.55\n"
        "2008,adult,sex,female,0.2\n2008,adult,sex,male,0.8\n2010,adult,drug_misuse,true,0.5\n"
        "2010,adult,drug_misuse,false,0.5\n"
        "2008,adult,age_band,18-20,0.3\n2008,adult,age_band,21-24,0.2\n2008,adult,age_band,25-29,0.2\n"
        "2008,adult,age_band,30-39,0.2\n2008,adult,age_band,40-49,0.05\n2008,adult,age_band,50+,0.05\n"
    )
    drift = read_drift(path)
    assert spec_for_year("adult", 2007, drift) == ADULT_SPEC
    later = spec_for_year("adult", 2011, drift)
    assert later.national_size == 50_000 and later.disposal_shares["custody"] == 0.45
    cohort = generate_cohort("adult", 40_000, 1, later)
    frame = cohort.frame
    assert abs((frame["disposal"] == "custody").mean() - 0.45) < 0.01
    assert abs((frame["sex"] == "female").mean() - 0.2) < 0.01
    assert abs(frame["drug_misuse"].mean() - 0.5) < 0.01
    assert abs((age_band("adult", frame["age"].to_numpy()) == "18-20").mean() - 0.3) < 0.01
    assert cohort.national_size == 50_000 and cohort.scale == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year,cohort,attribute,category,value\n2008,adult,disposal,prison,1\n", "column 'category'"),
        ("year,cohort,attribute,category,value\n2008,adult,size,,0\n", "column 'value'"),
        ("year,cohort,attribute,category,value\n2008,adult,mood,sad,1\n", "column 'attribute'"),
        ("year,cohort,attribute,category,value\n2008,adult,sex,female,0.2\n", "sum to 0.2"),
        ("year,cohort,attribute,category,value\n1999,adult,sex,female,1\n", "column 'year'"),
    ],
)
def test_drift_problems_name_the_line_and_column(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(SimulationInputError, match=message):
        read_drift(path)
    assert np.isfinite(1.0)
