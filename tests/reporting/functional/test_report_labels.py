"""Right labels: titles keyed by survey and indicator, names not codes, periods from the data, no internal references.

NI 41 and NI 42 are asked in the BCS and in the Place Survey with different wordings; a report with both must show
each survey's own. Area names come from the results and from `--labels`; regions, force areas and authorities are
in separate tables; a period is named by its dates or its label, never by a questionnaire's year or a file name;
references to the source documents ("000:460") stay in the Methods.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app, bundled_jobs_dir
from reporting.errors import ReportInputError
from reporting.report.build import ReportOptions, make_report
from reporting.report.html import render
from reporting.report.model import Report, Table
from safer_io.outputs import write_output
from safer_io.provenance import provenance
from safer_io.sidecars import sidecar_path

EXAMPLES = bundled_jobs_dir().parent
BCS_NI41 = "Perception of drunk or rowdy behaviour as a very or fairly big problem"
PLACE_NI41 = "Perceptions of drunk or rowdy behaviour as a problem"
BCS_NI27 = "The police and local council seek people's views about ASB and crime issues (% agree)"
PLACE_NI27 = "Understanding of local concerns about ASB and crime by the local council and police"


def titles_under(report: Report, heading_start: str) -> list[str]:
    """Titles of the level-3 sections after the level-2 section whose title starts with `heading_start`."""
    found, inside = [], False
    for s in report.sections:
        if s.level == 2:
            inside = s.title.startswith(heading_start)
        elif inside:
            found.append(s.title)
    return found


def estimate_with(runner: CliRunner, out: Path, survey: str, indicator: str) -> None:
    """`safer estimate` of one indicator by region on a bundled synthetic survey."""
    design = (["--weight", "design_weight", "--strata", "stratum", "--psu", "psu"] if survey == "bcs"
              else ["--weight", "design_weight", "--strata", "la"])
    result = runner.invoke(app, ["estimate", str(EXAMPLES / f"{survey}.parquet"), "-q", survey, *design,
                                 "--indicator", indicator, "--by", "region", "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_two_surveys_with_ni41_each_show_their_own_wording(tmp_path: Path) -> None:
    # The bundled BCS questionnaire calls its drunk-or-rowdy item PSA25_drunk; a BCS file estimated with an older
    # questionnaire that named it NI41 (with the BCS wording) meets the Place Survey's NI41 in one report.
    runner = CliRunner()
    bcs, place = tmp_path / "bcs.csv", tmp_path / "place.csv"
    estimate_with(runner, bcs, "bcs", "PSA25_drunk")
    estimate_with(runner, place, "place", "NI41")
    table = pd.read_csv(bcs, dtype={"domain_value": str}).assign(indicator="NI41", indicator_title=BCS_NI41)
    meta = json.loads(sidecar_path(bcs).read_text())
    meta["indicator_titles"] = {"NI41": BCS_NI41}
    meta["indicator_polarity"] = {"NI41": "lower_is_better"}
    meta.pop("output", None)
    write_output(table, bcs, meta)  # as the older questionnaire's run would have written it, hashes and all
    report = make_report([bcs, place])
    assert titles_under(report, "British Crime Survey") == [f"NI 41: {BCS_NI41}"]
    assert titles_under(report, "Place Survey") == [f"NI 41: {PLACE_NI41}"]
    forests = {f.id: f for f in report.figures() if "forest" in f.id}
    assert BCS_NI41 in json.dumps(forests["e0-forest-ni41-region"].spec)
    assert PLACE_NI41 in json.dumps(forests["e1-forest-ni41-region"].spec)
    assert BCS_NI41 not in json.dumps(forests["e1-forest-ni41-region"].spec), "the Place chart has the BCS wording"
    headings = [s.title for s in report.sections if s.level == 2]
    assert not any("2008" in h for h in headings), f"a questionnaire year is not a period: {headings}"


def test_ni27_from_the_bundled_bcs_and_place_questionnaires_keeps_each_wording(tmp_path: Path) -> None:
    runner = CliRunner()
    bcs, place = tmp_path / "bcs.csv", tmp_path / "place.csv"
    estimate_with(runner, bcs, "bcs", "NI27")
    estimate_with(runner, place, "place", "NI27")
    report = make_report([place, bcs])
    assert titles_under(report, "Place Survey") == [f"NI 27: {PLACE_NI27}"]
    assert titles_under(report, "British Crime Survey") == [f"NI 27: {BCS_NI27}"]


def estimates(rows: list[tuple[str, str, float]], indicator: str = "PSA23_4") -> pd.DataFrame:
    return pd.DataFrame([{
        "indicator": indicator, "domain": domain, "domain_value": value, "estimate": est, "se": 0.01,
        "ci_lower": est - 0.02, "ci_upper": est + 0.02, "ci_method": "logit", "n_unweighted": 900,
        "n_effective": 700.0, "deff": 1.3, "low_base": False} for domain, value, est in rows])


def write(path: Path, table: pd.DataFrame, command: str = "estimate", **meta: object) -> Path:
    table.to_csv(path, index=False)
    sidecar_path(path).write_text(json.dumps(provenance(command, {"level": 0.95, "min_base": 50}, []) | meta))
    return path


def test_regions_and_force_areas_are_separate_tables_and_named(tmp_path: Path) -> None:
    # Region 5 and force 41 are both "West Midlands": each must appear once, in its own table.
    table = estimates([("all", "all", 0.17), ("region", "5", 0.2), ("region", "7", 0.15), ("pfa", "41", 0.21),
                       ("pfa", "25", 0.14)])
    path = write(tmp_path / "bcs.csv", table, labels={"region": {"5": "West Midlands", "7": "London"},
                                                      "pfa": {"41": "West Midlands", "25": "Metropolitan Police"}})
    report = make_report([path], ReportOptions(national_label="England and Wales"))
    tables = [b for s in report.sections for b in s.blocks if isinstance(b, Table) and "interval and base" in b.caption]
    assert [t.caption.split(":")[0] for t in tables] == ["PSA 23 indicator 4, England and Wales and regions",
                                                         "PSA 23 indicator 4, England and Wales and police force areas"]
    for t in tables:
        assert list(t.frame["Area"]).count("West Midlands") == 1, t.frame["Area"].tolist()
    assert "Metropolitan Police" in set(tables[1].frame["Area"])


def test_a_labels_file_names_areas_everywhere(tmp_path: Path) -> None:
    table = estimates([("all", "all", 0.17), ("la", "E001", 0.2), ("la", "E002", 0.15)])
    path = write(tmp_path / "est.csv", table)
    labels = tmp_path / "names.csv"
    labels.write_text("code,name,type\nE001,Ashford,authority\nE002,Bury,local authority\n5,Kent,force area\n")
    report = make_report([path], ReportOptions(labels=labels, areas=("Bury",)))
    forest = next(f for f in report.figures() if "forest" in f.id)
    assert set(forest.data["area"]) == {"Ashford", "Bury"}, forest.data["area"].tolist()
    page = render(report)
    assert "E001" not in page.split('id="methods"')[0], "a code shown where a name was given"
    assert report.sections[0].title == "Profile: Bury", "an area may be asked for by its name"


def test_a_bad_labels_file_is_refused_naming_the_file_and_row(tmp_path: Path) -> None:
    path = write(tmp_path / "est.csv", estimates([("all", "all", 0.17), ("la", "E001", 0.2)]))
    labels = tmp_path / "names.csv"
    labels.write_text("code,name\nE001,Ashford\n")
    with pytest.raises(ReportInputError, match=r"names\.csv.*type missing"):
        make_report([path], ReportOptions(labels=labels))
    labels.write_text("code,name,type\nE001,Ashford,authority\nE001,Bury,authority\n")
    with pytest.raises(ReportInputError, match=r"names\.csv, row 3: code E001"):
        make_report([path], ReportOptions(labels=labels))


def test_bundled_labels_name_every_synthetic_area() -> None:
    labels = pd.read_csv(EXAMPLES / "area_labels.csv", dtype=str)
    areas = pd.read_csv(EXAMPLES / "bcs_areas.csv", dtype=str)
    authorities = set(labels.loc[labels["type"] == "authority", "code"])
    assert set(areas["la"]) <= authorities, "every synthetic authority has a name"
    assert len(labels[labels["type"] == "force area"]) == 43 and len(labels[labels["type"] == "region"]) == 10


def change_table(base: str, current: str) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": "NI17", "domain": "all", "domain_value": "all", "base_period": base,
                          "base_estimate": 0.2, "current_period": current, "current_estimate": 0.196,
                          "change": -0.004, "se_change": 0.006, "ci_lower": -0.016, "ci_upper": 0.008,
                          "p_value": 0.5, "significant": False, "direction": "no significant change",
                          "minimum_movement": 0.0118, "threshold_level": 0.1882}])


def test_periods_come_from_dates_never_from_file_names(tmp_path: Path) -> None:
    files = change_table("weighted_2008", "weighted_2010")
    path = write(tmp_path / "change.csv", files, command="change",
                 inputs={str(tmp_path / "weighted_2008.parquet"): "0" * 64,
                         str(tmp_path / "weighted_2010.parquet"): "1" * 64})
    page = render(make_report([path]))
    reader = page.split('id="methods"')[0]
    assert "weighted_2008" not in reader and "weighted_2010" not in reader, "a file name shown as a period"
    dated = write(tmp_path / "dated.csv", change_table("2008", "2010"), command="change",
                  periods=[{"label": "2008", "start": "2008-09-20", "end": "2008-12-19"},
                           {"label": "2010", "start": "2010-09-18", "end": "2010-12-17"}])
    report = make_report([dated])
    assert report.sections[0].title == "Change: Sep 2008 to Dec 2008 to Sep 2010 to Dec 2010"


def test_no_internal_references_outside_the_methods(contract_files: dict[str, Path]) -> None:
    page = render(make_report(list(contract_files.values())))
    reader, methods = page.split('id="methods"')
    reader = re.sub(r"<script.*?</script>", "", reader, flags=re.S)
    assert not re.findall(r"\b\d{3}:\d+", reader), re.findall(r".{40}\b\d{3}:\d+.{20}", reader)
    assert "000:460" in methods, "the sources stay in the Methods"


def test_methods_name_inputs_by_file_name_and_hash_never_by_path(tmp_path: Path) -> None:
    source = tmp_path / "deep" / "folder" / "weighted.parquet"
    path = write(tmp_path / "est.csv", estimates([("all", "all", 0.17)]),
                 inputs={str(source): "a" * 64}, design={"rows": 1000, "strata": "stratum", "n_strata": 4,
                                                          "psu": "psu", "n_psu": 80, "weight": "weight",
                                                          "calibrations": [{"method": "raking",
                                                                            "variables": ["age_band", "sex"],
                                                                            "groups": ["region"], "n_groups": 10}]})
    page = render(make_report([path]))
    assert str(tmp_path) not in page, "an absolute path in a report meant for sharing"
    assert "weighted.parquet" in page and "a" * 64 in page
    assert "raking to age band and sex within each of 10 region groups" in page
    assert "stratified by &#x27;stratum&#x27; (4 strata)" in page
