"""The maps of objects on the municipality, material and object-kind pages in a real browser
(headless Debian Chromium): drawn with the shipped Leaflet on a plain background (no tiles
configured), markers present and never under the "no background map" note, a popup linking to a
passport, no console error, no request leaving the server, no sideways scroll on a phone; in
Dutch and English at 1366 and 390 px."""

from __future__ import annotations

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import Server, build_registry

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()

PAGES = ("/doc/municipality/GM0153", "/doc/material/concrete", "/doc/objectkind/Kerb")

# Each marker in view: is the element drawn at its centre the marker (or its group), not the note?
_COVERED = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#results-map path.leaflet-interactive, #results-map .map-cluster')) {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    const top = document.elementFromPoint(x, y);
    if (top && top.closest('.map-note')) out.push([x, y]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fixture = build_registry(tmp_path_factory.mktemp("object-maps-browser") / "data", size=120, seed=8)
    with Server(fixture.data_dir) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang,heading", [("nl", "Kaart van de objecten"), ("en", "Map of the objects")])
@pytest.mark.parametrize("width", [1366, 390])
def test_map_of_the_objects(browser, server, path, lang, heading, width):
    w = Watched(browser, server.url, viewport={"width": width, "height": 900}, is_mobile=width < 500)
    try:
        assert w.open(f"{server.url}{path}?lang={lang}").status == 200
        w.page.wait_for_selector("#results-map.leaflet-container", timeout=5000)
        assert heading in w.page.locator(".objects-map h2").inner_text()
        assert w.page.locator("#results-map .map-note").count() == 1  # no tiles: says so
        assert w.page.locator("#results-map .leaflet-tile").count() == 0
        shown = w.page.locator("#results-map path.leaflet-interactive, #results-map .map-cluster")
        assert shown.count() >= 1
        w.page.locator("#results-map").scroll_into_view_if_needed()
        assert w.page.evaluate(_COVERED) == []  # no marker under the note
        marker = w.page.locator("#results-map path.leaflet-interactive").first
        if not marker.count():  # all in groups: a click on one zooms in to its markers
            w.page.locator("#results-map .map-cluster").first.click()
            w.page.wait_for_selector("#results-map path.leaflet-interactive", timeout=5000)
            marker = w.page.locator("#results-map path.leaflet-interactive").first
        marker.click(force=True)
        w.page.wait_for_selector(".leaflet-popup-content a[href^='/doc/passport/']", timeout=5000)
        width_seen = w.page.evaluate("document.documentElement.scrollWidth")
        assert width_seen <= width + 2, f"scrolls sideways ({width_seen}px)"
        assert w.problems == [], w.problems
    finally:
        w.close()
