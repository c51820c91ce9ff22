"""The search page in a real browser (headless Debian Chromium): results with their counts, the
map of the results drawn with the shipped Leaflet on a plain background (markers, numbered groups,
popups with a link), no console error, no request leaving the server, no sideways scroll on a
phone; in Dutch and English."""

from __future__ import annotations

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import Server, build_registry

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("search-browser") / "data", size=120, seed=8)


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.mark.parametrize("lang,text,count_label", [("nl", "beton", "Gevonden paspoorten"),
                                                   ("en", "concrete", "Passports found")])
@pytest.mark.parametrize("width", [1366, 390])
def test_search_page_with_map(browser, server, lang, text, count_label, width):
    w = Watched(browser, server.url, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    try:
        assert w.open(f"{server.url}/search?q={text}&lang={lang}").status == 200
        assert count_label in w.page.locator(".result-count").inner_text()
        assert w.page.locator("table.search-list tbody tr").count() == 25
        assert w.page.locator(".facets details").count() >= 5
        assert w.page.locator('a[href^="/search.csv?"]').count() == 1
        w.page.wait_for_selector("#results-map.leaflet-container", timeout=5000)
        assert w.page.locator("#results-map .map-note").count() == 1  # no tiles: says so
        shown = w.page.locator("#results-map path.leaflet-interactive, #results-map .map-cluster")
        assert shown.count() >= 1
        marker = w.page.locator("#results-map path.leaflet-interactive").first
        if marker.count():
            marker.click(force=True)
            w.page.wait_for_selector(".leaflet-popup-content a[href^='/doc/passport/']", timeout=5000)
        width_seen = w.page.evaluate("document.documentElement.scrollWidth")
        assert width_seen <= width + 2, f"scrolls sideways ({width_seen}px)"
        assert w.problems == [], w.problems
    finally:
        w.close()
