"""The pages in a real browser: headless Debian Chromium driven by Playwright (no downloaded browser).

Chromium runs with every host but 127.0.0.1 unresolvable, so a page that needed the network would
fail here. Screenshots go to a temporary folder (printed; kept with ``--basetemp``).
"""

from __future__ import annotations

import httpx
import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import Server, build_registry, doc_path

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("browser") / "data", size=30, seed=3)


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir) as srv:
        yield srv


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


def test_home_passport_search_in_chromium(browser, server, fixture, shots):
    w = Watched(browser, server.url, viewport={"width": 1280, "height": 900})
    try:
        assert w.open(server.url + "/").status == 200
        assert w.page.locator("h1").inner_text().startswith("Materialenpaspoorten")
        w.page.screenshot(path=str(shots / "home.png"), full_page=True)

        # a passport: map drawn (Leaflet on a plain background), chart drawn (uPlot), copy works
        iri = fixture.updated
        assert w.open(server.url + doc_path(iri)).status == 200
        assert w.page.locator("#map.leaflet-container").count() == 1
        assert w.page.locator("#map path.leaflet-interactive").count() >= 1
        assert w.page.locator("#map .map-note").count() == 1  # no tiles: says so
        w.page.screenshot(path=str(shots / "passport.png"), full_page=True)
        w.page.locator("button.copy").click()
        assert w.page.locator("button.copy").inner_text() in ("Gekopieerd", "Kopieer URI")
        # a passport with a valuation history shows the chart
        charted = False
        for other in fixture.iris[:12]:
            w.open(server.url + doc_path(other))
            if w.page.locator("#valuation-chart").count():
                w.page.wait_for_selector("#valuation-chart canvas", timeout=5000)
                charted = True
                w.page.screenshot(path=str(shots / "passport-chart.png"), full_page=True)
                break
        assert charted

        # search through the form, as a person would
        w.open(server.url + "/search")
        word = fixture.new_title.split()[-2]
        w.page.fill("#q", word)
        w.page.click("form.search-form button[type=submit]")
        w.page.wait_for_load_state("load")
        assert "q=" in w.page.url
        assert w.page.locator(f'a[href="{doc_path(iri)}"]').count() >= 1
        w.page.screenshot(path=str(shots / "search.png"), full_page=True)

        # the English switch
        w.page.click(".lang-switch a")
        w.page.wait_for_load_state("load")
        assert w.page.locator("html").get_attribute("lang") == "en"
        w.open(server.url + "/concepts/rstrategy")
        w.page.screenshot(path=str(shots / "rladder-en.png"), full_page=True)
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_query_page_if_present(browser, server, shots):
    """The SPARQL query page (YASGUI, shipped locally) opens without console errors."""
    assert httpx.get(server.url + "/sparql", headers={"Accept": "text/html"}, timeout=10).status_code == 200
    w = Watched(browser, server.url, viewport={"width": 1280, "height": 900})
    try:
        assert w.open(server.url + "/sparql").status == 200
        w.page.wait_for_timeout(500)
        w.page.screenshot(path=str(shots / "sparql.png"), full_page=True)
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_mobile_layout_and_retired_page(browser, server, fixture, shots):
    w = Watched(browser, server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        for path in ("/", "/ontology", "/concepts/rstrategy", "/doc/material/concrete", "/search?q=a",
                     doc_path(fixture.iris[4])):
            w.open(server.url + path)
            width = w.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 392, f"{path} scrolls sideways on a phone ({width}px)"
        w.page.screenshot(path=str(shots / "passport-mobile.png"), full_page=True)
        response = w.open(server.url + doc_path(fixture.retired))
        assert response.status == 410
        assert "Gesloopt" in w.page.content()
        # the browser reports the 410 document itself as a failed resource load; that is the point
        w.problems = [p for p in w.problems if "410" not in p]
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_static_site_from_disk(browser, fixture, tmp_path, shots):
    from pages_support import BASE

    from registry.core.settings import Settings
    from registry.static_site.builder import build_site

    out = tmp_path / "site"
    build_site(Settings(data_dir=fixture.data_dir, base_iri=BASE), out, workers=1,
               languages=("nl", "en"))
    w = Watched(browser, "file://", viewport={"width": 1280, "height": 900})
    try:
        w.open((out / "index.html").as_uri())
        assert w.page.locator("h1").inner_text().startswith("Materialenpaspoorten")
        # follow links by clicking, as from a USB stick
        w.page.click("text=Gemeenten")
        w.page.wait_for_load_state("load")
        assert w.page.url.endswith("municipality/index.html")
        rest = fixture.updated[len(BASE) + 3:]
        w.open((out / "doc" / f"{rest}.html").as_uri())
        assert w.page.locator("#map.leaflet-container").count() == 1
        w.page.screenshot(path=str(shots / "static-passport.png"), full_page=True)
        w.page.click(".lang-switch a")
        w.page.wait_for_load_state("load")
        assert "/en/doc/" in w.page.url and w.page.locator("html").get_attribute("lang") == "en"
        w.page.click("text=Version 1")
        w.page.wait_for_load_state("load")
        assert w.page.url.endswith("/v/1.html")
        assert w.problems == [], w.problems
    finally:
        w.close()
