"""The catalog's static site, rendered by a real headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import bench
from bench.lab.catalog.site import leaderboards, write_site
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
