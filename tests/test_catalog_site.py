"""The catalog's static site, rendered by a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import bench
from bench.lab.catalog import site as site_module
from bench.lab.catalog.site import leaderboards, write_catalog_site, write_site
from bench.lab.catalog.store import Catalog
from bench.result.models import DeviceInfo, Report
from bench.spec import RunSettings

EVIL = "<img src=x onerror=alert(1)>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report() -> Report:
    return bench.run(["tiny_cnn", "tiny_mlp"], device="host",
                     settings=RunSettings(duration_s=0.01, min_queries=3, warmup=1))


def named(report: Report, name: str, run_id: str) -> Report:
    return report.model_copy(update={"run_id": run_id, "device": DeviceInfo(
        name=name, category="pc", profile="built-in")})


@pytest.fixture
def site(tmp_path: Path, report: Report) -> Path:
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        cat.add(named(report, EVIL, "r1"))
        cat.add(named(report, "plain-board", "r2"))
        return write_site(cat.entries(), tmp_path / "site")


def dump_dom(page: Path) -> str:
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_leaderboard_ranks_by_p90(report: Report, tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        cat.add(named(report, "a", "r1"))
        entries = cat.entries()
    boards = leaderboards(entries)
    assert [(b.category, b.precision) for b in boards] == [("pc", "fp32")]
    assert [r.model for r in boards[0].models] == ["tiny_cnn", "tiny_mlp"]


def test_site_files(site: Path) -> None:
    folder = site.parent
    assert sorted(p.name for p in (folder / "entries").iterdir()) == [
        "1.certificate.json", "1.html", "1.report.json",
        "2.certificate.json", "2.html", "2.report.json"]
    html = site.read_text()
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here: apt-get install -y chromium")
def test_a_hostile_device_name_renders_as_text_in_chromium(site: Path) -> None:
    for page in (site, site.parent / "entries" / "1.html"):
        dom = dump_dom(page)
        assert "<img" not in dom.lower(), page  # no element was made from the name
        assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # it is text in the DOM
    assert "plain-board" in dump_dom(site)


def _pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): re.sub(r"on [0-9T:+-]+\.</p>", "", p.read_text())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_whole_catalog_rendered_by_two_processes_is_the_same_site(
        tmp_path: Path, report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cat.sqlite"
    with Catalog.open(path) as cat:
        for i in range(7):
            cat.add(named(report, f"board-{i}", f"r{i}"))
        one = write_site(cat.stream(), tmp_path / "one")
    monkeypatch.setattr(site_module, "CHUNK", 2)  # four ranges of entries, two processes
    two = write_catalog_site(path, tmp_path / "two", jobs=2)
    assert _pages(one.parent) == _pages(two.parent)
    assert len(list((tmp_path / "two" / "entries").glob("*.html"))) == 7


def test_rankings_are_paged_and_a_new_site_replaces_the_old_one(
        tmp_path: Path, report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_module, "PAGE_SIZE", 2)
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        for i in range(5):
            cat.add(named(report, f"board-{i}", f"r{i}"))
        out = tmp_path / "site"
        out.mkdir()
        (out / "keep.txt").write_text("the lab's own file")
        write_site(cat.stream(), out)
        (out / "entries" / "stale.html").write_text("an old page")
        write_site(cat.stream(), out)
    boards = sorted(p.name for p in (out / "boards").iterdir())
    assert boards == [f"0-{m}-{n}.html" for m in (0, 1) for n in (1, 2, 3)]
    page = (out / "boards" / "0-0-3.html").read_text()
    assert page.count('<td class="device">') == 1 and ">5</td>" in page  # rank 5 of 5
    index = (out / "index.html").read_text()
    assert index.count('<td class="device">') == 2 * 5 and "all 5 devices" in index
    assert not (out / "entries" / "stale.html").exists()
    assert (out / "keep.txt").read_text() == "the lab's own file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]
