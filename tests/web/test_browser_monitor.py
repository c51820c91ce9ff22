"""The monitor pages in headless Chromium (see tests/browser_support.py): Dutch and English, at
1366 px and at 390 px, with no console errors, no request leaving the server, no horizontal scroll
on a phone, the map drawn on its canvas without tiles, and every CSV download equal to the
table it belongs to."""

from __future__ import annotations

import csv
import io
import time

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import Server, build_registry

from registry.views.pages.monitor import TABLE_MAX

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()

PAGES = ("/monitor", "/monitor/GM0153")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("browser-monitor") / "data", size=60, seed=4)


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir) as srv:
        yield srv


def open_ready(w: Watched, url: str, seconds: float = 120.0):
    """Open the page, reloading until every figure is computed (they are computed in the background)."""
    deadline = time.monotonic() + seconds
    response = w.open(url)
    while w.page.locator(".computing").count() and time.monotonic() < deadline:
        w.page.wait_for_timeout(500)
        response = w.open(url)
    return response


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_monitor_pages_in_chromium(browser, server, lang, width):
    w = Watched(browser, server.url, viewport={"width": width, "height": 900})
    try:
        for path in PAGES:
            response = open_ready(w, f"{server.url}{path}?lang={lang}")
            assert response.status == 200
            assert w.page.locator("html").get_attribute("lang") == lang
            assert w.page.locator(".goal").count() == 3
            assert w.page.locator("svg.chart-svg rect").count() > 3  # the charts have bars
            w.page.wait_for_selector("#monitor-map.leaflet-container canvas", timeout=5000)
            assert w.page.locator("#monitor-map .map-note").count() == 1  # no tiles: says so
            scroll = w.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert scroll <= 0, f"{path} at {width} px scrolls sideways by {scroll} px"
        assert w.problems == []
    finally:
        w.close()


def test_csv_downloads_match_the_tables(browser, server):
    w = Watched(browser, server.url, viewport={"width": 1366, "height": 900})
    try:
        for path in PAGES:
            open_ready(w, server.url + path)
            sections = w.page.locator("section.figure")
            checked = 0
            for i in range(sections.count()):
                section = sections.nth(i)
                if section.locator("a.csv").count() == 0:
                    continue
                href = section.locator("a.csv").get_attribute("href")
                text = w.page.evaluate("url => fetch(url).then(r => r.text())", href)
                downloaded = list(csv.reader(io.StringIO(text)))[1:]
                shown = section.locator("table.figure-table tbody tr").evaluate_all(
                    "rows => rows.map(r => Array.from(r.cells, c => c.dataset.value))")
                assert downloaded[:TABLE_MAX] == shown, href
                checked += 1
            assert checked >= 3
        assert w.problems == []
    finally:
        w.close()
