"""report.html in a real headless Chromium (the system package, driven by Playwright).

Skipped, with the reason, when Playwright or a Chromium binary is missing. Install on
Debian/Ubuntu: `apt-get install -y chromium` and `pip install -e '.[test]'` (Playwright's
Python package only: its own browser download is never used). EDGEBENCH_CHROMIUM names
another binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.report import write_report
from bench.result.contract import load_report

GOLDEN = Path(__file__).parent / "golden" / "report.json"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking"]
MARKUP = "<script>window.__pwned = 1</script><b>bold</b>"

pytestmark = pytest.mark.browser


def _chromium() -> str:
    found = os.environ.get("EDGEBENCH_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None)
    if not found:
        pytest.skip("no Chromium installed (apt-get install -y chromium, or set "
                    "EDGEBENCH_CHROMIUM); the HTML report was not tested in a browser")
    return found


@pytest.fixture(scope="module")
def page_of(tmp_path_factory):
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

        def open_page(report_path: Path) -> tuple[object, list[str]]:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: problems.append(f"request {r.url}")
                    if not r.url.startswith(("file:", "data:", "about:")) else None)
            page.goto(report_path.as_uri(), wait_until="load")
            return page, problems

        yield open_page
        browser.close()


def _render(report, folder: Path) -> Path:
    return write_report(report, folder, ["html"])[0]


def test_page_loads_without_console_errors_and_plots_are_visible(page_of, tmp_path) -> None:
    page, problems = page_of(_render(load_report(GOLDEN), tmp_path))
    assert problems == []
    plots = page.locator("figure.plot svg")
    assert plots.count() == 3
    for index in range(plots.count()):
        box = plots.nth(index).bounding_box()
        assert plots.nth(index).is_visible() and box["width"] > 400 and box["height"] > 100
    assert page.locator("h2", has_text="Validity").is_visible()
    assert "300 queries, fewer than min_queries 1024" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)


def test_markup_in_device_and_model_names_renders_as_text(page_of, tmp_path) -> None:
    report = load_report(GOLDEN)
    hostile = report.model_copy(update={
        "device": report.device.model_copy(update={"name": MARKUP}),
        "results": [r.model_copy(update={"model": MARKUP}) for r in report.results]})
    page, problems = page_of(_render(hostile, tmp_path))
    assert problems == []
    assert page.evaluate("window.__pwned") is None
    assert page.locator("b", has_text="bold").count() == 0
    assert MARKUP in page.inner_text("body")
    assert MARKUP in page.title()
