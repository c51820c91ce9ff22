"""Every page type in a real browser (headless Debian Chromium under Playwright; every host but
127.0.0.1 unresolvable): in Dutch and English, on a desktop (1366 px) and a phone (390 px), with no
console error, no request that leaves the server and no sideways scroll; and the API documentation
at ``/docs`` (Swagger UI shipped with the site) rendering its operations offline."""

from __future__ import annotations

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from pages_support import served

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "browser-site", size=24, seed=5)


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


def test_api_docs_render_offline(browser, server):
    w = Watched(browser, server.url, viewport=WIDTHS["desktop"])
    try:
        assert w.open(server.url + "/docs").status == 200
        w.page.wait_for_selector(".opblock", timeout=15000)
        operations = w.page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/passports" in text for text in operations), operations
        assert w.problems == [], w.problems
    finally:
        w.close()


def page_types(fixture) -> dict[str, str]:
    """One page of every type (path)."""
    from pages_support import doc_path

    passport = doc_path(fixture.updated)
    municipality = "/doc/municipality/" + passport.split("/")[3]
    return {"home": "/", "municipality": municipality, "material": "/doc/material/concrete",
            "object kind": "/doc/objectkind/Bridge", "passport": passport, "history": passport + "/v/1",
            "query list": "/query/", "query page": "/query/count-passports-per-municipality",
            "sparql": "/sparql", "ontology": "/ontology", "concept": "/doc/rstrategy/R3",
            "scheme": "/concepts/rstrategy", "search": "/search?q=a", "downloads": "/downloads",
            "municipalities": "/municipality/", "materials": "/material/", "api docs": "/docs",
            "catalog": "/catalog"}


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_type_fits_and_stays_on_the_server(browser, server, lang, width):
    fixture = server.fixture
    w = Watched(browser, server.url, viewport=WIDTHS[width], is_mobile=width == "phone")
    try:
        wide = []
        for name, path in page_types(fixture).items():
            url = server.url + path + ("&" if "?" in path else "?") + f"lang={lang}"
            response = w.open(url)
            assert response.status == 200, (name, path, response.status)
            assert w.page.locator("html").get_attribute("lang") == lang, (name, path)
            if name == "api docs":  # drawn by Swagger UI after the load
                w.page.wait_for_selector(".opblock", timeout=15000)
            # against the viewport asked for: a phone browser widens innerWidth to a wide page
            scroll = w.page.evaluate("document.scrollingElement.scrollWidth")
            if scroll > WIDTHS[width]["width"]:
                wide.append(f"{name} {path}: {scroll}px")
        assert wide == [], wide
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_charts_read_right(browser, server):
    """Home bars: each number beside its bar, never on it. Valuation chart: a legend naming the
    series, a tick per year labelled with the year, a value axis that starts at 0."""
    fixture = server.fixture
    from pages_support import doc_path

    w = Watched(browser, server.url, viewport=WIDTHS["desktop"])
    try:
        w.open(server.url + "/?lang=en")
        boxes = w.page.evaluate("""() => [...document.querySelectorAll('table.bars .barline')].map(line => {
            const n = line.querySelector('.n').getBoundingClientRect();
            const bar = line.querySelector('.bar').getBoundingClientRect();
            return [n.right, bar.left, bar.width];
        })""")
        assert boxes and all(right <= left for right, left, _ in boxes), boxes
        assert any(width > 0 for _, _, width in boxes)
        for iri in fixture.iris:
            w.open(server.url + doc_path(iri) + "?lang=en")
            if w.page.locator("#valuation-chart").count():
                break
        else:
            pytest.fail("no passport with a valuation chart")
        w.page.wait_for_selector("#valuation-chart canvas", timeout=5000)
        assert "Value" in w.page.locator("#valuation-chart .u-legend").inner_text()
        chart = w.page.locator("#valuation-chart")
        years = sorted({int(row[0][:4]) for row in w.page.evaluate(
            "JSON.parse(document.getElementById('valuation-data').textContent)")})
        ticks = [int(y) for y in chart.get_attribute("data-x-ticks").split()]
        assert ticks == list(range(years[0], years[-1] + 1)), (ticks, years)  # one a year, no months
        assert float(chart.get_attribute("data-y-min")) == 0
        assert w.problems == [], w.problems
    finally:
        w.close()
