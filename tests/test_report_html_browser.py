"""report.html and the side-by-side page in a real headless Chromium (the system package,
driven by Playwright), at a 1280 px desktop width and a 390 px phone width.

Skipped, with the reason, when Playwright or a Chromium binary is missing. Install on
Debian/Ubuntu: `apt-get install -y chromium` and `pip install -e '.[test]'` (Playwright's
Python package only: its own browser download is never used). EDGEBENCH_CHROMIUM names
another binary. Screenshots go to reports/screenshots/ (git-ignored; EDGEBENCH_SCREENSHOTS
names another folder): look at them after a change to the pages.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.report import write_report
from bench.report.page import build
from bench.report.side_by_side import side_by_side
from bench.report.side_by_side_page import render_html
from bench.result.contract import load_report

ROOT = Path(__file__).parent.parent
GOLDEN = ROOT / "tests" / "golden"
SCREENSHOTS = Path(os.environ.get("EDGEBENCH_SCREENSHOTS") or ROOT / "reports" / "screenshots")
SIDE_BY_SIDE = [GOLDEN / "side_by_side" / f"{name}.json" for name in "abc"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking"]
MARKUP = "<script>window.__pwned = 1</script><b>bold</b>"
WIDTHS = (1280, 390)

pytestmark = pytest.mark.browser


def _chromium() -> str:
    found = os.environ.get("EDGEBENCH_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None)
    if not found:
        pytest.skip("no Chromium installed (apt-get install -y chromium, or set "
                    "EDGEBENCH_CHROMIUM); the HTML pages were not tested in a browser")
    return found


@pytest.fixture(scope="module")
def page_of():
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install playwright)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

        def open_page(path: Path, width: int = 1280, scheme: str = "light"
                      ) -> tuple[object, list[str]]:
            page = browser.new_page(viewport={"width": width, "height": 900},
                                    color_scheme=scheme)
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: problems.append(f"request {r.url}")
                    if not r.url.startswith(("file:", "data:", "about:")) else None)
            page.goto(path.as_uri(), wait_until="load")
            return page, problems

        yield open_page
        browser.close()


def _single(report, folder: Path) -> Path:
    return write_report(report, folder, ["html"])[0]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each committed report rendered once for the module."""
    cache: dict[str, Path] = {}

    def render(name: str) -> Path:
        if name not in cache:
            cache[name] = _single(load_report(GOLDEN / f"{name}.json"),
                                  tmp_path_factory.mktemp(name))
        return cache[name]

    return render


def _fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrolls sideways: {widths[0]} px content in {widths[1]} px"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["report", "rich-report"])
def test_single_report_fits_loads_clean_and_shows_every_headline(page_of, rendered, name: str,
                                                                 width: int) -> None:
    report = load_report(GOLDEN / f"{name}.json")
    page, problems = page_of(rendered(name), width)
    assert problems == []
    _fits(page)
    view = build(report)
    for v in view.results:
        section = page.locator(f"#{v.anchor}")
        assert section.is_visible()
        if v.headline is not None:
            headline = section.locator(".headline")
            assert headline.is_visible() and v.headline_text in headline.inner_text()
            row = page.locator("#summary .chart-row", has_text=v.title).first
            assert row.is_visible() and v.headline.text() in row.inner_text()
        else:
            assert v.reasons and page.locator("#attention", has_text=v.r.model).is_visible()
    plots = page.locator("figure.plot svg")
    assert plots.count() >= 3 * sum(1 for v in view.results if v.r.samples_ns)
    box = plots.first.bounding_box()
    assert plots.first.is_visible() and box["width"] > 250 and box["height"] > 150
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def test_the_page_follows_the_dark_scheme_and_prints_without_navigation(page_of,
                                                                         rendered) -> None:
    page, problems = page_of(rendered("rich-report"), 1280, "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 20, 23)" and problems == []
    page.screenshot(path=str(SCREENSHOTS / "rich-report-1280-dark.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("nav.toc").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
        "rgb(255, 255, 255)"
    _fits(page)
    page.screenshot(path=str(SCREENSHOTS / "rich-report-print.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_side_by_side_fits_loads_clean_and_shows_every_cell(page_of, tmp_path,
                                                             width: int) -> None:
    reports = [(p.name, load_report(p)) for p in SIDE_BY_SIDE]
    laid = side_by_side(reports, reference=reports[0][1])
    path = tmp_path / "side-by-side.html"
    path.write_text(render_html(laid), encoding="utf-8")
    page, problems = page_of(path, width)
    assert problems == []
    _fits(page)
    rows = page.locator("#results tbody tr")
    assert rows.count() == len(laid.workloads)
    for i, w in enumerate(laid.workloads):
        for j, cell in enumerate(w.cells):
            shown = rows.nth(i).locator("td").nth(j + 1)
            assert shown.is_visible() and cell.value_text in shown.inner_text()
    assert page.locator("#scores").is_visible()
    assert page.locator("#results .badge.incomparable").first.is_visible()
    assert page.locator("#charts .chart").count() == 3  # the failed workload has no chart
    page.screenshot(path=str(SCREENSHOTS / f"side-by-side-{width}.png"), full_page=True)


def _hostile(source: Path):
    report = load_report(source)
    return report.model_copy(update={
        "device": report.device.model_copy(update={"name": MARKUP, "profile": MARKUP}),
        "results": [r.model_copy(update={"model": MARKUP}) for r in report.results]})


def _inert(page, problems: list[str]) -> None:
    assert problems == []
    assert page.evaluate("window.__pwned") is None
    assert page.locator("b", has_text="bold").count() == 0
    assert MARKUP in page.inner_text("body")
    assert MARKUP in page.title()


def test_markup_in_model_device_and_profile_names_renders_as_text(page_of, tmp_path) -> None:
    page, problems = page_of(_single(_hostile(GOLDEN / "report.json"), tmp_path))
    _inert(page, problems)
    path = tmp_path / "side-by-side.html"
    reports = [(f"{MARKUP}.json", _hostile(p)) for p in SIDE_BY_SIDE[:2]]
    path.write_text(render_html(side_by_side(reports)), encoding="utf-8")
    page, problems = page_of(path)
    _inert(page, problems)
