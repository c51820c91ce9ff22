"""Every text a page shows is escaped, and only http(s) IRIs become links: passports whose texts
are script, rendered in-process on every kind of page (the browser test runs them in Chromium)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from conftest import BASE, dump
from xss_support import ALL, PAYLOADS, TABLE_QUERY, add_hostile_passports

from registry.views.linked_data import Document, fallback_page
from registry.views.pages.links import Links, web_iri
from registry.views.pages.render import environment

RAW = ["<img src=/xss-img", "<script>fetch", "<svg onload", "<img src=x onerror", "onmouseover='fetch"]
HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*([^"'\s>]*)""", re.IGNORECASE)
PASSPORT = "/doc/passport/GM0153/xss-1"
PAGES = ["/", "/?lang=en", "/doc/municipality/GM0153", "/doc/material/concrete", "/doc/material/steel",
         "/doc/objectkind/Bridge", PASSPORT, PASSPORT + "?lang=en", PASSPORT + "/v/1",
         "/doc/passport/GM0153/xss-2", "/doc/passport/GM0153/xss-3", "/search?q=brug",
         "/search?q=" + quote(ALL), "/query/",
         "/query/passport-history?passport=" + quote(BASE + "id/passport/GM0153/xss-1"),
         "/sparql?format=html&query=" + quote(TABLE_QUERY), "/sparql?query=" + quote(ALL),
         "/" + quote(PAYLOADS["svg"] + PAYLOADS["img"])]


@pytest.fixture
def client(app_client):
    add_hostile_passports(app_client.app.state.registry)
    return app_client


JSON_BLOCK = re.compile(r'(<script type="application/json"[^>]*>)(.*?)</script>', re.DOTALL)


def assert_inert(html: str, where: str) -> None:
    """No payload as markup or attribute, no script link; JSON data blocks hold no ``<``/``>``
    (quotes are harmless there: the block is data and cannot be left without a ``<``)."""
    for _, block in JSON_BLOCK.findall(html):
        assert "<" not in block and ">" not in block, where
    html = JSON_BLOCK.sub(r"\1</script>", html)
    for raw in RAW:
        assert raw not in html, (where, raw)
    for url in HREF.findall(html):
        assert not re.match(r"(javascript|data|vbscript):", url, re.IGNORECASE), (where, url)


def test_pages_escape_every_stored_text(client):
    registry = client.app.state.registry
    before = dump(registry)
    for path in PAGES:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code in (200, 400, 404), (path, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), path
        assert_inert(response.text, path)
    page = client.get(PASSPORT).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the title, shown as text
    assert "Dek &lt;script&gt;fetch(&#39;/xss-script&#39;)&lt;/script&gt;" in page  # a component label
    assert 'data-label="Brug &lt;img src=x onerror=alert(1)&gt; herzien"' in page  # the map's label
    table = client.get("/sparql?format=html&query=" + quote(TABLE_QUERY)).text
    assert "javascript:fetch(&#39;/xss-js&#39;)" in table and 'href="javascript' not in table
    assert dump(registry) == before
    assert client.get("/").status_code == 200


def test_json_blocks_cannot_close_their_script_element(client):
    query = quote("</script><script>fetch('/xss-json')</script><!--")
    page = client.get("/sparql?query=" + query, headers={"Accept": "text/html"}).text
    block = page.split('id="current-query">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block  # \\u003c and \\u003e: the same JSON text


def test_links_only_to_http_iris():
    links = Links(BASE)
    assert links.doc("javascript:alert(1)") == "" and links.rdf("data:text/html,x", ".ttl") == ""
    assert links.doc("https://example.org/x") == "https://example.org/x"
    assert links.doc(BASE + "id/passport/GM0153/brug-0042") == "/doc/passport/GM0153/brug-0042"
    for iri in ("JavaScript:alert(1)", "vbscript:x", "file:///etc/passwd", "java\tscript:x", "http://a b",
                ""):
        assert not web_iri(iri), iri
    doc = Document(200, [ox.Triple(ox.NamedNode(BASE + "id/x"), ox.NamedNode("http://e/p"),
                                   ox.NamedNode("javascript:alert(1)"))], "no-cache")
    page = fallback_page("x", "", doc, BASE)
    assert "javascript:alert(1)" in page and 'href="javascript' not in page


def test_every_template_is_autoescaped():
    env = environment()
    assert env.autoescape is True
    for name in env.list_templates():
        template = env.get_template(name)
        assert template.environment.autoescape is True, name
