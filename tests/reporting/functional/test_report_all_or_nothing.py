"""`safer report --figures` writes everything or nothing (issue 21).

Before: `--figures` into a folder that cannot take them exited 2 saying "nothing was written", yet report.html and
its sidecar were there; Ctrl-C while figures were rendered left the HTML and 40 of 66 figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli import app
from safer_io.outputs import write_output
from safer_io.provenance import provenance


@pytest.fixture
def estimates(tmp_path) -> Path:
    table = pd.DataFrame({
        "survey": "bcs 2008/09", "indicator": "PSA23_4", "indicator_title": "High perceived ASB",
        "domain": ["all", "region", "region", "region"], "domain_value": ["all", "North", "South", "West"],
        "estimate": [0.175, 0.16, 0.19, 0.18], "se": [0.003, 0.01, 0.012, 0.011],
        "ci_lower": [0.169, 0.14, 0.166, 0.158], "ci_upper": [0.181, 0.18, 0.214, 0.202], "ci_method": "logit",
        "n_unweighted": [9000, 3000, 3000, 3000], "n_effective": [7000.0, 2300.0, 2400.0, 2300.0],
        "deff": [1.3, 1.3, 1.25, 1.3], "low_base": False,
    })
    second = table.assign(indicator="PSA23_3", indicator_title="Confidence in dealing with concerns",
                          estimate=table["estimate"] + 0.3, ci_lower=table["ci_lower"] + 0.3,
                          ci_upper=table["ci_upper"] + 0.3)
    table = pd.concat([table, second], ignore_index=True)  # two indicators: two forest plots
    out = tmp_path / "estimates.csv"
    write_output(table, out, provenance("estimate", {"min_base": 50, "level": 0.95}, []))
    return out


def test_figures_that_cannot_be_written_leave_no_report(runner, tmp_path, estimates):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the figures' folder should be")
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(estimates), "--out", str(page), "--figures",
                                 str(blocker / "figs")])
    assert result.exit_code == 2, result.output
    assert "nothing was written" in " ".join(result.output.split())
    assert not page.exists(), "report.html was written although its figures could not be"
    assert not Path(str(page) + ".meta.json").exists()


def test_an_interrupt_while_figures_are_drawn_leaves_neither_figures_nor_report(monkeypatch, tmp_path, estimates):
    import vl_convert

    from reporting.report.write import write_report

    drawn = {"n": 0}
    real = vl_convert.vegalite_to_png

    def interrupted(*args, **kwargs):
        drawn["n"] += 1
        if drawn["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_png", interrupted)
    page, figures = tmp_path / "report.html", tmp_path / "figs"
    with pytest.raises(KeyboardInterrupt):
        write_report([estimates], page, figures=figures)
    assert drawn["n"] == 2, "the test needs at least two figures"
    assert not page.exists(), "the page was written before its figures"
    left = sorted(p.name for p in figures.rglob("*")) if figures.exists() else []
    assert left == [], f"expected no figure files after the interrupt, found {left}"


def test_a_report_with_figures_writes_both(tmp_path, estimates):
    from reporting.report.write import write_report

    page, figures = tmp_path / "report.html", tmp_path / "figs"
    meta = write_report([estimates], page, figures=figures)
    assert page.exists() and len(meta["figure_files"]) >= 4
    assert all(Path(p).exists() for p in meta["figure_files"])
    assert [p.name for p in figures.iterdir() if p.name.startswith(".")] == [], "no staging folder left behind"
    assert np.isfinite(len(meta["figure_files"]))
