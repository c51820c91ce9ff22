"""Stored script never runs: passports whose title, labels, comment and material texts are script
(``<img src=x onerror=...>``, ``<script>``, ``"><svg onload=...>``, a quote that leaves an attribute)
and a SPARQL result with a ``javascript:`` IRI, in Chromium on every kind of page, with the map
marker hovered and the links clicked.

Every payload, if it ran, would request a path under ``/xss-`` (or open a dialog): the test fails
on any such request, on a dialog, on a page error, and on any Content-Security-Policy violation
(the pages must be safe by escaping alone; the policy is the second wall, not the first).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from browser_support import Watched, launched_chromium, playwright_or_skip
from conftest import BASE
from pages_support import Server
from xss_support import ALL, PAYLOADS, TABLE_QUERY, add_hostile_passports

pytestmark = pytest.mark.browser
playwright_api = playwright_or_skip()


def _payload_request(url: str) -> bool:
    """A request a payload would make: ``/xss-...``, or ``x`` next to the page (``<img src=x>``)."""
    path = urlsplit(url).path
    return path.startswith("/xss-") or path.endswith("/x")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("xss") / "data", page_workers=0, query_workers=1) as srv:
        add_hostile_passports(srv.registry)
        yield srv


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


_LINK = re.compile(r"(https?:|/|#|\.|[a-z0-9-]+[/?.]|$)", re.IGNORECASE)


# Every Content-Security-Policy violation of a page, with where it happened: on an element of the
# page, or on one not connected to it (the event's target is then the document), such as the inert
# copy of a value that the sanitizer bundled in YASGUI (DOMPurify) parses with DOMParser to clean it:
# since Chromium 156.0.8078.114 a handler attribute in that copy is reported, though nothing can run.
_CSP_LOG = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push({directive: e.violatedDirective,
  source: e.sourceFile, connected: e.target !== document}), true);"""
_SANITIZER = "/static/vendor/yasgui/yasgui.min.js"


class Guarded(Watched):
    """A watched page that also records requests a payload would make and dialogs it would open."""

    def __init__(self, browser, server):
        super().__init__(browser, server.url, viewport={"width": 1280, "height": 900})
        self.page.add_init_script(_CSP_LOG)
        self.fired: list[str] = []
        self.page.on("request", lambda r: self.fired.append(r.url) if _payload_request(r.url) else None)
        self.page.on("dialog", lambda d: (self.fired.append("dialog: " + d.message), d.dismiss()))

    def visit(self, url: str, statuses: tuple[int, ...] = (200,)) -> None:
        response = self.open(url)
        assert response.status in statuses, (url, response.status)
        links = self.page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
        assert [h for h in links if not _LINK.match(h)] == [], url  # only http(s) and relative links
        self.injected(url)

    def injected(self, where: str) -> None:
        made = self.page.locator("svg[onload], [onerror], [onmouseover], main script:not([type])")
        assert made.count() == 0, where
        assert self.fired == [], (where, self.fired)


def _csp_problems(problems: list[str]) -> list[str]:
    return [p for p in problems if "Content Security Policy" in p or "Refused to" in p]


def _csp_problems_on_the_page(w: Guarded) -> list:
    """The CSP violations of the page, but for handler attributes in the sanitizer's own inert
    parse (a handler attribute of an element that is not in the page, found in the bundled
    sanitizer's file): any other violation, and any console message about the policy that is not
    one of those, is a problem."""
    violations = w.page.evaluate("window.__csp")
    inert = [v for v in violations if v["directive"] == "script-src-attr" and not v["connected"]
             and v["source"].endswith(_SANITIZER)]
    others = [v for v in violations if v not in inert]
    return others + _csp_problems(w.problems)[len(inert):]


PASSPORT = "/doc/passport/GM0153/xss-1"
HISTORY = quote(BASE + "id/passport/GM0153/xss-1", safe="")


def test_stored_script_never_runs_on_any_page(browser, server):
    w = Guarded(browser, server)
    try:
        for path in ("/", "/?lang=en", "/doc/municipality/GM0153", "/doc/material/concrete",
                     "/doc/material/steel", "/doc/objectkind/Bridge", "/municipality/", "/material/",
                     PASSPORT, PASSPORT + "?lang=en", PASSPORT + "/v/1", "/doc/passport/GM0153/xss-2",
                     "/search?q=brug", "/search?q=" + quote(ALL), "/query/",
                     f"/query/passport-history?passport={HISTORY}",
                     "/query/passport-history?passport=" + quote(PAYLOADS["svg"]),
                     "/sparql?format=html&query=" + quote(TABLE_QUERY)):
            hostile_input = "=%3C" in path or "=%22" in path  # a refused search or parameter: 400
            w.visit(server.url + path, (200, 400) if hostile_input else (200,))
        # the SPARQL table: the javascript: IRI is text, the titles are text
        assert w.page.locator("table.sparql-table").count() == 1
        assert w.page.locator("table.sparql-table td", has_text="javascript:fetch").count() >= 1
        assert w.page.locator("table.sparql-table td", has_text="<script>fetch(").count() >= 1
        # the 404 page echoes the path
        response = w.open(server.url + "/" + quote(PAYLOADS["svg"] + PAYLOADS["img"]))
        assert response.status == 404
        w.injected("404 page")
        # the browser reports the 400 and 404 documents themselves as failed loads; that is the point
        w.problems = [p for p in w.problems if "status of 40" not in p]
        assert _csp_problems(w.problems) == [], _csp_problems(w.problems)
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_map_tooltips_and_links_stay_text(browser, server):
    w = Guarded(browser, server)
    try:
        for path in (PASSPORT, "/doc/passport/GM0153/xss-3"):
            w.visit(server.url + path)
            marker = w.page.locator("#map path.leaflet-interactive").first
            marker.hover()
            w.page.wait_for_selector(".leaflet-tooltip", timeout=5000)
            tooltip = w.page.locator(".leaflet-tooltip")
            assert "Brug" in tooltip.inner_text()
            assert "<" in tooltip.inner_text()  # the markup shows as text ...
            assert tooltip.locator("img, svg, script").count() == 0  # ... and made no element
            marker.click()
            w.page.mouse.move(5, 5)
            w.page.wait_for_timeout(200)
            w.injected(path + " (map hovered)")
        # every link of a passport page followed: none runs anything
        w.visit(server.url + PASSPORT)
        hrefs = w.page.eval_on_selector_all("main a[href]", "els => els.map(a => a.href)")
        assert hrefs and not [h for h in hrefs if not h.startswith(("http://", "https://"))], hrefs
        assert _csp_problems(w.problems) == [], _csp_problems(w.problems)
        assert w.problems == [], w.problems
    finally:
        w.close()


def test_query_editor_results_stay_text(browser, server):
    """YASGUI (vendored) runs a query whose result has the payloads and a javascript: IRI; the
    table shows them as text, and clicking every link of the result runs nothing."""
    w = Guarded(browser, server)
    try:
        w.visit(server.url + "/sparql?query=" + quote(TABLE_QUERY) + "&format=html")
        w.page.wait_for_selector(".yasqe", timeout=10_000)
        w.page.locator(".yasqe_queryButton").first.click()
        w.page.wait_for_selector(".yasr table tbody tr", timeout=15_000)
        w.page.wait_for_timeout(300)
        assert w.page.locator(".yasr", has_text="fetch('/xss-").count() >= 1
        w.injected("YASR table")
        clicked = 0
        for link in w.page.locator(".yasr table a").all():
            href = link.get_attribute("href") or ""
            if not href.startswith(("http://", "https://")):
                assert not href.strip().lower().startswith(("javascript:", "data:")), href
                link.dispatch_event("click")  # (YASR's ellipsis span lies over it for a pointer)
                clicked += 1
                w.page.wait_for_timeout(100)
        assert clicked >= 1  # the javascript: IRI is in the table, as text without a link target
        w.injected("YASR links clicked")
        assert _csp_problems_on_the_page(w) == [], (w.page.evaluate("window.__csp"), _csp_problems(w.problems))
        assert [p for p in w.problems if p not in _csp_problems(w.problems)] == [], w.problems
        # the check itself: a handler attribute on an element of the page is found
        w.page.evaluate("""document.body.insertAdjacentHTML('beforeend', '<b id="probe" onclick="1">x</b>');
                           document.getElementById('probe').click()""")
        w.page.wait_for_timeout(200)
        assert [v["connected"] for v in _csp_problems_on_the_page(w) if isinstance(v, dict)] == [True]
    finally:
        w.close()
