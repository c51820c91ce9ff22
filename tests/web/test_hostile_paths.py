"""Malformed request paths against every route prefix: 400, 404 or 414 (never a 500, never a
traceback), the security headers on the answer, the server still answering a normal request, and
the store unchanged.

The requests go over a raw socket to a real server (uvicorn), byte for byte as written here: an
HTTP client would repair them first (``%zz`` to ``%25zz``, ``/a/../b`` to ``/b``).
"""

from __future__ import annotations

import socket

import pytest
from conftest import BASE, docs_from, dump, passport_ttl
from servers import serve

from registry.core.settings import Settings
from registry.web.security import check_path

PREFIXES = ["/", "/static/", "/static/js/", "/static/vendor/leaflet/", "/doc/", "/doc/passport/GM0153/",
            "/doc/passport/GM0153/brug-0042/v/", "/id/", "/id/passport/GM0153/", "/def", "/def.",
            "/sparql/", "/sparql", "/query/", "/api/v1/passports/GM0153/", "/api/v1/imports/",
            "/concepts/", "/municipality/", "/material/", "/search/", "/ontology/", "/docs/",
            "/context.jsonld/", "/openapi.json/"]

# Each a path tail refused before routing: (tail, status)
MALFORMED = [
    ("x%00.png", 400),  # NUL
    ("%00", 400),
    ("a%0d%0aSet-Cookie:%20x=1", 400),  # CR LF: header injection attempt
    ("a%09b", 400),  # tab
    ("%1b[31mred", 400),  # escape
    ("%7f", 400),
    ("x%zz", 400),  # invalid percent-encoding
    ("x%", 400),
    ("x%4", 400),
    ("%c3%28", 400),  # not UTF-8
    ("%ff%fe", 400),
    ("%ed%a0%80", 400),  # a UTF-16 surrogate in UTF-8
    ("..", 400),  # dot segments, plain and encoded
    (".", 400),
    ("../../../etc/passwd", 400),
    ("%2e%2e/%2e%2e/registry/core/settings.py", 400),
    ("..%2f..%2f..%2fetc%2fpasswd", 400),
    ("x/%2E/y", 400),
    ("a" * 3000, 414),  # over PASSPORTS_MAX_PATH (2048)
]

# Odd but well-formed: whatever the route answers, never a 5xx
ODD = ["%e2%80%ae", "%2f%2f", "x;y=1", "%25", "~", "x%20y", "%f0%9f%92%a9", "a" * 2000, "x.ttl.ttl",
       "-", "_", "%3Cscript%3E", "'%22%3E%3Csvg%20onload=alert(1)%3E"]


def _raw(port: int, method: str, target: str) -> tuple[int, bytes, bytes]:
    """(status, header block, body) of one request sent byte for byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.lower(), body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("hostile-paths") / "data", base_iri=BASE,
                        query_workers=1, page_workers=0)
    with serve(settings) as srv:
        report = srv.registry.add(docs_from(passport_ttl()))
        assert not report.rejected
        yield srv


def test_malformed_paths_are_refused_before_any_route(server):
    before = dump(server.registry)
    for prefix in PREFIXES:
        for tail, status in MALFORMED:
            if tail.startswith((".", "%2e")) and not prefix.endswith("/"):
                continue  # "/def" + ".." is no dot segment
            for method in ("GET", "HEAD", "POST"):
                got, head, body = _raw(server.port, method, prefix + tail)
                assert got == status, (method, prefix + tail[:40], got, body[:200])
                assert b"x-content-type-options: nosniff" in head
                assert b"content-security-policy: default-src 'none'" in head
                if method == "GET":
                    text = body.decode()
                    assert text.strip() and "Traceback" not in text
                    if status == 414:
                        assert "PASSPORTS_MAX_PATH" in text and "2048" in text
                else:
                    assert method == "POST" or body == b""
    status, _, body = _raw(server.port, "GET", "/api/v1/passports/GM0153/x%00")
    assert status == 400 and body.startswith(b'{"detail":')  # JSON under /api/
    assert dump(server.registry) == before
    with server.client() as client:
        assert client.get("/").status_code == 200
        turtle = client.get("/doc/passport/GM0153/brug-0042", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200


def test_odd_paths_never_fail(server):
    before = dump(server.registry)
    for prefix in PREFIXES:
        for tail in ODD:
            for method in ("GET", "HEAD"):
                status, head, body = _raw(server.port, method, prefix + tail)
                assert 200 <= status < 500, (method, prefix + tail[:40], status, body[:300])
                assert b"x-frame-options: deny" in head
    assert dump(server.registry) == before
    with server.client() as client:
        assert client.get("/search?q=brug").status_code == 200


def test_static_files_stay_inside_the_static_folder(server):
    for target in ("/static/../registry/core/settings.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
                   "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/css/../../../README.md"):
        status, _, body = _raw(server.port, "GET", target)
        assert status in (400, 404), (target, status)
        assert b"[tool." not in body and b"root:" not in body
    status, head, body = _raw(server.port, "GET", "/static/css/site.css")
    assert status == 200 and b"content-type: text/css" in head


def test_a_very_long_path_is_refused_by_the_server_or_the_app(server):
    """Beyond uvicorn's own limit on a request head the server refuses; below it the app (414)."""
    for size in (2049, 10_000, 60_000, 300_000):
        try:
            status, _, _ = _raw(server.port, "GET", "/doc/passport/GM0153/" + "a" * size)
        except (ConnectionResetError, BrokenPipeError, IndexError, ValueError):
            status = None  # uvicorn closed the connection on an oversized request head
        assert status is None or status in (400, 413, 414, 431), (size, status)
    with server.client() as client:
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("path, problem", [
    (b"/ok/path", None), (b"/doc/passport/GM0153/brug-0042.ttl", None), (b"/%e2%82%ac", None),
    (b"/a%00", "U+0000"), (b"/a%zz", "%25"), (b"/%c3", "UTF-8"), (b"/a/../b", "'..'"),
    (b"/" + b"a" * 2048, "PASSPORTS_MAX_PATH"),
], ids=lambda value: value[:24].decode() if isinstance(value, bytes) else str(value))
def test_check_path(path, problem):
    found = check_path(path, 2048)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found.message_en and found.message_nl != found.message_en
