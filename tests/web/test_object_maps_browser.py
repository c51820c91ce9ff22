"""The maps of objects on the municipality, material and object-kind pages in a real browser
(headless Debian Chromium): drawn with the shipped Leaflet on a plain background (no tiles
configured), markers present and never under the "no background map" note, a popup linking to a
passport, no console error, no request leaving the server, no sideways scroll on a phone; in
Dutch and English at 1366 and 390 px."""

from __future__ import annotations

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import BASE, served

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


def open_a_popup(page):
    """Click a marker (first a numbered group, when all are in groups: that zooms in); its popup's link."""
    marker = page.locator("#results-map path.leaflet-interactive").first
    if not marker.count():
        page.locator("#results-map .map-cluster").first.click()
        page.wait_for_selector("#results-map path.leaflet-interactive", timeout=5000)
    marker.click(force=True)
    link = page.locator(".leaflet-popup-content a")
    link.wait_for(timeout=5000)
    return link


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "object-maps-browser", size=120, seed=8)


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
        open_a_popup(w.page)
        assert w.page.locator(".leaflet-popup-content a[href^='/doc/passport/']").count() == 1
        width_seen = w.page.evaluate("document.documentElement.scrollWidth")
        assert width_seen <= width + 2, f"scrolls sideways ({width_seen}px)"
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_static_site_pages_have_the_map(browser, server, tmp_path):
    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    out = tmp_path / "site"
    build_site(Settings(data_dir=server.fixture.data_dir, base_iri=BASE), out, workers=1, languages=("nl", "en"))
    w = Watched(browser, "file://", viewport={"width": 390, "height": 900}, is_mobile=True)
    try:
        w.open((out / "en" / "doc" / "material" / "concrete.html").as_uri())
        w.page.wait_for_selector("#results-map.leaflet-container", timeout=5000)
        shown = w.page.locator("#results-map path.leaflet-interactive, #results-map .map-cluster")
        assert shown.count() >= 1
        open_a_popup(w.page).click()
        w.page.wait_for_load_state("load")
        assert "/en/doc/passport/" in w.page.url and w.page.url.endswith(".html")
        assert w.problems == [], w.problems
    finally:
        w.close()
