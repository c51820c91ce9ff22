"""Every kind of answer carries the security headers (Content-Security-Policy, nosniff, DENY,
Referrer-Policy), pages have no inline script or style for the policy to allow, HEAD answers
wherever GET does, and the static site's server configuration has the same values."""

from __future__ import annotations

import doctest
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from conftest import BASE, docs_from, dump, passport_ttl
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry.core.resources import SITE_DIR
from registry.core.settings import Settings
from registry.static_site.server_config import headers_file, nginx_example
from registry.views import headers as header_values
from registry.views.headers import (
    DOCUMENT_POLICY,
    EDITOR_STYLES,
    csp_hash,
    editor_policy,
    page_policy,
    security_headers,
    tile_source,
)
from registry.web import security
from registry.web.security import install_security

PASSPORT = "/doc/passport/GM0153/brug-0042"
COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}

# (method, path, headers): one of every kind of answer the app gives
REQUESTS = [
    ("GET", "/", {}),  # page
    ("GET", "/search?q=brug", {}),
    ("GET", "/no/such/page", {}),  # 404 page
    ("GET", PASSPORT, {"Accept": "text/html"}),  # passport page
    ("GET", PASSPORT + ".ttl", {}),  # RDF document
    ("GET", PASSPORT + ".jsonld", {}),
    ("GET", "/id/passport/GM0153/brug-0042", {"Accept": "text/turtle"}),  # 303
    ("GET", "/doc/passport/GM0153/nothing-here.ttl", {}),  # 404 for RDF clients
    ("GET", "/def.ttl", {}),
    ("GET", "/context.jsonld", {}),
    ("GET", "/sparql", {"Accept": "text/html"}),  # query page
    ("GET", "/sparql", {"Accept": "text/turtle"}),  # service description
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),  # result
    ("GET", "/sparql?query=SELEC", {"Accept": "application/sparql-results+json"}),  # 400
    ("OPTIONS", "/sparql", {}),  # CORS pre-flight
    ("GET", "/query/", {}),
    ("GET", "/query/passport-history?passport=" + BASE + "id/passport/GM0153/brug-0042&format=csv", {}),
    ("PUT", "/api/v1/passports/GM0153/brug-0042", {"Content-Type": "text/turtle"}),  # 401 JSON
    ("DELETE", "/sparql", {}),  # 405
    ("GET", "/openapi.json", {}),
    ("GET", "/static/js/map.js", {}),  # static files
    ("GET", "/static/css/site.css", {}),
    ("GET", "/static/img/logo.svg", {}),
    ("GET", "/static/no-such-file.js", {}),
    ("GET", "/static/x%00.png", {}),  # refused path
    ("HEAD", "/", {}),
]


def _is_html(response) -> bool:
    return response.headers.get("content-type", "").startswith("text/html")


def assert_secured(response, *, tile_url: str = "") -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    policy = response.headers.get("content-security-policy")
    expected = page_policy(tile_url) if _is_html(response) else DOCUMENT_POLICY
    if _is_html(response) and response.request.url.path == "/sparql":  # the query editor
        expected = editor_policy(tile_url)
    assert policy == expected, (response.request.url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.fixture
def client(app_client):
    registry = app_client.app.state.registry
    report = registry.add(docs_from(passport_ttl()))
    assert not report.rejected
    return app_client


def test_every_kind_of_answer_has_the_headers(client):
    registry = client.app.state.registry
    before = dump(registry)
    statuses = set()
    for method, path, headers in REQUESTS:
        response = client.request(method, path, headers=headers, follow_redirects=False)
        assert response.status_code < 500, (path, response.status_code, response.text[:300])
        statuses.add(response.status_code)
        assert_secured(response)
    assert {200, 303, 400, 401, 404, 405} <= statuses, statuses
    assert dump(registry) == before
    assert client.get("/").status_code == 200


def test_page_policy_allows_the_tile_server_and_nothing_inline(settings):
    tiles = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    app_settings = replace(settings, tile_url=tiles, query_workers=1, page_workers=0)
    from registry.web.app import create_app

    with TestClient(create_app(app_settings)) as client:
        page = client.get("/")
        assert_secured(page, tile_url=tiles)
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' data: https://*.tile.openstreetmap.org;" in policy
        rdf = client.get("/def.ttl")
        assert rdf.headers["content-security-policy"] == DOCUMENT_POLICY  # documents: nothing at all


@pytest.mark.parametrize("url, source", [
    ("", None),
    ("/tiles/{z}/{x}/{y}.png", None),  # the site's own: 'self'
    ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
    ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
    ("https://tiles-{s}.example.org/{z}/{x}/{y}.png", "https://*.example.org"),
    ("https://tile.{s}.example.org/{z}/{x}/{y}.png", "https:"),
    ("https://tile.example.org;script-src */{z}.png", "https:"),  # nothing that ends a directive
    ("javascript:alert(1)", None),
])
def test_tile_source(url, source):
    assert tile_source(url) == source


def test_query_editor_allows_only_the_style_sheets_of_the_vendored_column_resizer(client):
    bundle = (SITE_DIR / "static" / "vendor" / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    assert "r.createStyle(a,`" + EDITOR_STYLES[0] + "`)" in bundle  # the same text, byte for byte
    assert "dragCursor:`col-resize`" in bundle and "`*{cursor:`+n.opt.dragCursor+`!important}`" in bundle
    policy = client.get("/sparql", headers={"Accept": "text/html"}).headers["content-security-policy"]
    hashes = " ".join(csp_hash(text) for text in EDITOR_STYLES)
    assert f"style-src 'self' {hashes};" in policy
    assert csp_hash(EDITOR_STYLES[0]) == "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"  # Chromium's
    assert "unsafe-inline" not in policy and "script-src 'self';" in policy


def test_docstring_examples():
    for module in (header_values, security):
        assert doctest.testmod(module).failed == 0


def test_docs_page_runs_under_the_pages_policy(client):
    """/docs (Swagger UI shipped with the site) needs no CDN and no inline script: the pages' policy."""
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger-ui-bundle.js" in response.text
    assert "<script>" not in response.text and "http" not in response.text.replace('href="/', "")
    assert_secured(response)
    assert response.headers["content-security-policy"] == page_policy()
    for path in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                 "/static/js/api-docs.js"):
        assert client.get(path).status_code == 200, path
    assert client.get("/redoc").status_code == 404  # not served: it needs more from other sites


def test_a_failing_route_answers_500_with_the_headers(settings):
    """A route that raises: the 500 carries the headers too (an app with one such route)."""
    app = FastAPI()
    install_security(app, settings)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
        assert response.status_code == 500
        assert_secured(response)
        assert client.get("/docs").status_code == 200  # still answers


_SCRIPT_URL = re.compile(r"\s*(javascript|data|vbscript):", re.IGNORECASE)


class _Inline(HTMLParser):
    """Inline scripts, event handler attributes, style attributes and elements, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            kind = (attrs.get("type") or "").lower()
            self._script = "src" not in attrs and kind != "application/json"
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag} {name}={value!r}")
            if name in ("href", "src", "action") and value and _SCRIPT_URL.match(value):
                self.found.append(f"{tag} {name}={value!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append("inline script: " + data.strip()[:60])


PAGES = ["/", "/?lang=en", "/search?q=brug", "/municipality/", "/material/", "/concepts/",
         "/concepts/rstrategy", "/ontology", PASSPORT, PASSPORT + "/v/1", "/doc/municipality/GM0153",
         "/doc/material/concrete", "/doc/objectkind/Bridge", "/sparql",
         "/sparql?query=SELECT%20*%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%203",
         "/query/", "/query/passport-history?passport=" + BASE + "id/passport/GM0153/brug-0042",
         "/no/such/page"]


def test_pages_have_nothing_inline(client):
    for path in PAGES:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), (path, response.status_code)
        assert _is_html(response), path
        parser = _Inline()
        parser.feed(response.text)
        assert parser.found == [], (path, parser.found)


HEAD_PATHS = ["/", "/search", "/search?q=brug", "/sparql", "/municipality/", "/material/", "/concepts/",
              "/concepts/rstrategy", "/ontology", "/query/", "/query/passport-history", PASSPORT,
              PASSPORT + ".ttl", "/id/passport/GM0153/brug-0042", "/def", "/def.ttl", "/context.jsonld",
              "/static/js/map.js", "/static/nothing.js", "/openapi.json", "/docs", "/no/such/page",
              "/api/v1/passports/GM0153/brug-0042"]


def test_head_answers_wherever_get_does(client):
    for path in HEAD_PATHS:
        get = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == get.status_code, (path, get.status_code, head.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
        if "content-length" in get.headers and get.status_code == 200 and path != "/sparql":
            # (not the service description: its blank node labels differ from answer to answer)
            assert head.headers["content-length"] == get.headers["content-length"], path
        assert_secured(head)
    assert client.head("/").status_code == 200 and client.head("/sparql").status_code == 200


def test_head_over_a_real_socket(tmp_path):
    """uvicorn sends no body for HEAD, with the Content-Length a GET would have."""
    import socket

    from servers import serve

    settings = Settings(data_dir=tmp_path / "data", base_iri=BASE, query_workers=1, page_workers=0)
    with serve(settings) as srv:
        for path in ("/", "/search", "/sparql", "/static/css/site.css"):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
                sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), (path, head[:200])
            assert body == b"", path
            assert b"content-security-policy:" in head.lower()
        with srv.client() as client:
            assert client.get("/").status_code == 200


def test_static_site_server_config_has_the_same_headers():
    tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    text = headers_file(tiles)
    assert text.splitlines()[2] == "/*"
    for name, value in security_headers(tiles).items():
        assert f"  {name}: {value}\n" in text
        assert f'add_header {name} "{value}" always;' in nginx_example(tiles)
    assert "text/turtle ttl;" in nginx_example(tiles)
    assert "/.well-known/void\n  Content-Type: text/turtle\n" in text  # the VoID file has no suffix
    assert "location = /.well-known/void {" in nginx_example(tiles)


def test_static_site_writes_the_server_config(settings, tmp_path):
    from registry.static_site.builder import build_site
    from registry.store.registry import Registry

    Registry.open(settings).close()
    out = tmp_path / "site"
    build_site(settings, out, workers=1, languages=("nl",))
    assert (out / "_headers").read_text() == headers_file(settings.tile_url)
    assert (out / "nginx.conf.example").read_text() == nginx_example(settings.tile_url)
