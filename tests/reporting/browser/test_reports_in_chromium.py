"""Every bundled report opened in headless Chromium, offline: no console errors, no network request, every chart
drawn with the marks its data call for. Screenshots are saved as test artefacts (`SAFER_TEST_ARTIFACTS`, default
`test-artifacts/` in the working folder).

Chromium is Debian's (`/usr/bin/chromium`, installed by `.ci/run`), driven by playwright without a browser
download, with the flags that work on this machine kind (no sandbox as root, no GPU, no background networking).
The page is opened with the browser context offline, so a report that needed the network could not draw.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from reporting.report.build import ReportOptions
from reporting.report.write import write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ARTIFACTS = Path(os.environ.get("SAFER_TEST_ARTIFACTS", "test-artifacts")) / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium (.ci/run does): the report tests need it")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

COUNT_MARKS = """() => Array.from(document.querySelectorAll('figure[data-spec]')).map(figure => {
  const drawn = {};
  figure.querySelectorAll('svg g.role-mark').forEach(group => {
    const kind = Array.from(group.classList).find(c => c.startsWith('mark-')).slice(5);
    drawn[kind] = (drawn[kind] || 0) + group.children.length;
  });
  return {id: figure.id, rendered: figure.dataset.rendered, expected: JSON.parse(figure.dataset.expectedMarks),
          drawn: drawn, svg: figure.querySelectorAll('svg').length,
          label: figure.querySelector('.chart[role=img]').getAttribute('aria-label'),
          caption: document.getElementById(figure.getAttribute('aria-describedby')).textContent};
})"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled jobs' reports, the demo's, and a report with every section from the contract tables."""
    runner = CliRunner()
    made: dict[str, Path] = {}
    for job, name in (("council", "council_report.html"), ("home-office", "confidence_report.html"),
                      ("community-safety", "community_safety_report.html")):
        folder = tmp_path_factory.mktemp(job)
        result = runner.invoke(app, ["run", job, "--dir", str(folder)])
        assert result.exit_code == 0, result.output
        made[job] = folder / name
    # `safer demo` as a new user types it: no options, output in ./safer-demo-output.
    folder = tmp_path_factory.mktemp("demo")
    here = Path.cwd()
    os.chdir(folder)
    try:
        result = runner.invoke(app, ["demo"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    made["demo"] = folder / "safer-demo-output" / "report.html"
    return made


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_offline(browser: Any, report: Path, screenshot: str) -> dict[str, Any]:
    """Open `report` with the network off; return console errors, requests and marks drawn per figure."""
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.resolve().as_uri())
    page.wait_for_selector("body[data-charts-ready=true]", timeout=60_000)
    figures = page.evaluate(COUNT_MARKS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    context.close()
    return {"errors": errors, "requests": requests, "figures": figures}


def check_page(opened: dict[str, Any], report: Path) -> None:
    assert opened["errors"] == [], f"{report.name}: console errors {opened['errors']}"
    others = [u for u in opened["requests"] if u != report.resolve().as_uri()]
    assert others == [], f"{report.name}: requests beyond the file itself: {others}"
    assert opened["figures"], f"{report.name}: no charts"
    for figure in opened["figures"]:
        assert figure["rendered"] == "true", f"{report.name} {figure['id']}: not drawn ({figure['rendered']})"
        assert figure["svg"] == 1, f"{figure['id']}: drawn as {figure['svg']} SVG elements"
        assert figure["drawn"] == figure["expected"], (
            f"{report.name} {figure['id']}: expected marks {figure['expected']}, drawn {figure['drawn']}")
        assert figure["label"] and len(figure["caption"]) > 40, f"{figure['id']}: no text alternative"


@pytest.mark.parametrize("job", ["council", "home-office", "demo", "community-safety"])
def test_bundled_report_draws_every_chart_offline(browser: Any, reports: dict[str, Path], job: str) -> None:
    opened = open_offline(browser, reports[job], f"{job}.png")
    check_page(opened, reports[job])


def test_demo_forest_plot_has_one_point_per_authority(browser: Any, reports: dict[str, Path]) -> None:
    report = reports["demo"]
    estimates = pd.read_csv(report.parent / "place_estimates.csv", dtype={"domain_value": str})
    authorities = estimates[(estimates["indicator"] == "NI17") & (estimates["domain"] == "la")
                            & estimates["estimate"].notna()]
    opened = open_offline(browser, report, "demo-forest.png")
    (forest,) = [f for f in opened["figures"] if f["id"].endswith("forest-ni17-la")]
    assert forest["drawn"]["symbol"] == len(authorities) == 20, forest
    assert forest["drawn"]["rule"] == len(authorities) + 1, "an interval per authority and the national line"


def test_demo_figures_were_written_as_svg_and_png(reports: dict[str, Path]) -> None:
    folder = reports["demo"].parent / "figures"
    meta = json.loads((reports["demo"].parent / "report.html.meta.json").read_text())
    for figure_id in meta["figures"]:
        svg, png = folder / f"{figure_id}.svg", folder / f"{figure_id}.png"
        assert svg.read_text().lstrip().startswith("<svg"), svg
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


def test_every_section_draws_in_the_browser(browser: Any, contract_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "all_sections.html"
    write_report(list(contract_files.values()), out, ReportOptions(title="Every section", national_label="England"))
    opened = open_offline(browser, out, "all-sections.png")
    check_page(opened, out)
    drawn = {f["id"] for f in opened["figures"]}
    for part in ("forest", "trend", "change", "sae", "fan", "success", "averted", "tornado"):
        assert any(part in i for i in drawn), f"no {part} chart drawn: {sorted(drawn)}"


def test_a_report_needing_the_network_would_fail_this_check(browser: Any, tmp_path: Path) -> None:
    """The check has power: a page that loads a script from the web is caught (request seen, chart not drawn)."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<html><body><script src="https://cdn.example.org/vega.js"></script>'
        '<figure id="f" data-spec="s" data-expected-marks=\'{"symbol": 3}\' aria-describedby="c">'
        '<div class="chart" role="img" aria-label="A chart"><div class="vega"></div></div>'
        '<figcaption id="c">A chart that would need a script from the web to draw its three points.</figcaption>'
        "</figure><script>document.body.dataset.chartsReady='true'</script></body></html>")
    opened = open_offline(browser, page_file, "bad.png")
    assert any(u.startswith("https://cdn.example.org") for u in opened["requests"])
    with pytest.raises(AssertionError):
        check_page(opened, page_file)


def test_printed_report_shows_the_values_and_hides_the_navigation(browser: Any, reports: dict[str, Path]) -> None:
    """Print CSS: the contents list goes, every chart's table of values is printed, sections start on a new page."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(reports["council"].resolve().as_uri())
    page.wait_for_selector("body[data-charts-ready=true]", timeout=60_000)
    page.emulate_media(media="print")
    state = page.evaluate("""() => ({
        nav: getComputedStyle(document.querySelector('nav')).display,
        hiddenTables: Array.from(document.querySelectorAll('figure details table'))
            .filter(t => t.getBoundingClientRect().height === 0).length,
        tables: document.querySelectorAll('figure details table').length,
        breakBefore: getComputedStyle(document.querySelectorAll('main h2')[1] || document.body).breakBefore,
    })""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "council-printed.pdf"))
    context.close()
    assert state["nav"] == "none", state
    assert state["tables"] > 0 and state["hiddenTables"] == 0, f"values tables folded away in print: {state}"
    assert state["breakBefore"] == "page", state
    assert (ARTIFACTS / "council-printed.pdf").read_bytes()[:4] == b"%PDF"
