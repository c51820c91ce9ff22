"""Pages kept rendered between writes (registry/web/page_cache.py), on a real uvicorn server with a
page worker: a kept page is the page the worker renders, a write is on the next page at once, the
languages and query strings are kept apart, passport and error pages are not kept, and a page
that showed a figure still being computed is rendered again."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from conftest import passport_ttl
from pages_support import Server, build_registry, doc_path
from starlette.requests import Request
from starlette.responses import Response

from registry.store.tokens import TokenStore
from registry.views.pages.cache import GenerationCache, settled
from registry.web.page_cache import PageCache


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fixture = build_registry(tmp_path_factory.mktemp("kept") / "data", size=30)
    with Server(fixture.data_dir, page_workers=1) as srv:
        assert srv.app.state.page_pool.wait_ready(60)
        srv.fixture = fixture
        yield srv


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def _hits(server) -> int:
    return server.app.state.page_cache.stats()["hits"]


def test_a_kept_page_is_the_rendered_page_with_an_etag(server, client):
    for path in ("/doc/municipality/GM0153", "/doc/material/concrete", "/", "/municipality/", "/material/",
                 "/search?q=brug", "/concepts/rstrategy", "/monitor/GM0153"):
        first = client.get(path)
        before = _hits(server)
        again = client.get(path)
        assert again.status_code == first.status_code == 200, path
        assert again.content == first.content, f"{path}: the kept page differs from the rendered one"
        assert _hits(server) == before + 1, f"{path} was rendered again"
        etag = again.headers["etag"]
        assert etag == first.headers["etag"]
        revalidated = client.get(path, headers={"If-None-Match": f'W/{etag}, "other"'})
        assert revalidated.status_code == 304 and revalidated.content == b"", path
        assert client.get(path, headers={"If-None-Match": '"p-other"'}).status_code == 200


def test_a_write_is_on_the_next_kept_page(server, client):
    token = TokenStore(server.settings.tokens_path).create("GM0153", "page cache test")[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    pages = ("/doc/municipality/GM0153", "/search?q=Kapelbrug", "/doc/municipality/GM0153?lang=en")

    def page(path: str) -> str:  # no cookies kept between requests
        return httpx.get(server.url + path, timeout=30).text

    before = {path: page(path) for path in pages}
    marker = "GM0153/kept-0001"  # the new passport's page path, in the map and in the results
    assert all(marker not in text for text in before.values())
    for path in pages:  # kept now
        assert page(path) == before[path]
    r = client.put("/api/v1/passports/GM0153/kept-0001", content=passport_ttl("kept-0001", label="Kapelbrug"),
                   headers=headers)
    assert r.status_code in (200, 201), r.text
    for path in pages:
        assert marker in page(path), f"{path} still shows the page from before the write"
    r = client.delete("/api/v1/passports/GM0153/kept-0001", params={"reason": "Test"}, headers=headers)
    assert r.status_code in (200, 204), r.text
    assert marker not in page("/search?q=Kapelbrug")


def test_languages_and_query_strings_are_kept_apart(server, client):
    path = "/doc/material/concrete"
    dutch = client.get(path)
    english = client.get(path, params={"lang": "en"})
    assert dutch.headers["content-language"] == "nl" and english.headers["content-language"] == "en"
    assert "lang=en" in english.headers["set-cookie"]
    again = httpx.get(server.url + path, params={"lang": "en"}, timeout=30)  # kept: the cookie still set
    assert again.content == english.content and "lang=en" in again.headers["set-cookie"]
    by_cookie = httpx.get(server.url + path, cookies={"lang": "en"}, timeout=30)
    assert by_cookie.headers["content-language"] == "en" and "set-cookie" not in by_cookie.headers
    assert httpx.get(server.url + path, timeout=30).headers["content-language"] == "nl"
    one, two = client.get("/search?q=brug"), client.get("/search?q=straat")
    assert one.content != two.content


def test_passport_and_error_pages_are_not_kept(server, client):
    cache = server.app.state.page_cache
    passport = doc_path(server.fixture.iris[4])
    for _ in range(3):
        assert client.get(passport).status_code == 200
        assert client.get("/nergens-" + "x" * 40).status_code == 404
        assert client.get("/search", params={"q": "brug", "page": "999999999999"}).status_code == 400
    kept = list(cache._pages)
    assert not any(key[2] in (passport, "/nergens-" + "x" * 40) for key in kept)
    assert not any(b"999999999999" in key[3] for key in kept)


def _request(path: str = "/x") -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
                    "root_path": ""})


def test_a_page_that_showed_a_figure_being_computed_is_not_current(tmp_path):
    generation = tmp_path / "generation"
    generation.write_text("1\n")
    counts = GenerationCache(generation, min_interval=0.0)
    release = threading.Event()

    def slow():
        release.wait(10)
        return 42

    value, current = settled(lambda: counts.get("n", slow, wait=0.01))
    assert value is None and not current  # "being computed"
    release.set()
    time.sleep(0.2)
    assert settled(lambda: counts.get("n", slow, wait=5)) == (42, True)
    generation.write_text("2\n")
    time.sleep(0.25)  # the cache reads the generation at most every 0.2 s
    value, current = settled(lambda: counts.get("n", lambda: 43, wait=5))
    assert value == 42 and not current  # the old value while the new one is computed


def test_kept_pages_are_bounded_and_expire(tmp_path):
    (tmp_path / "generation").write_text("7\n")
    cache = PageCache(tmp_path, max_bytes=8000, max_age=0.3)
    generation = cache.generation()
    for n in range(10):
        cache.put(("p", n), generation, Response(b"x" * 900, 200))
    assert cache.stats()["bytes"] <= 8000 and cache.stats()["pages"] == 8
    assert cache.get(("p", 0), generation, _request()) is None  # the least recently used went first
    assert cache.get(("p", 9), generation, _request()).body == b"x" * 900
    assert cache.get(("p", 9), b"8\n", _request()) is None  # another generation
    cache.put(("big",), generation, Response(b"y" * 2000, 200))  # more than an eighth: not kept
    assert cache.get(("big",), generation, _request()) is None
    cache.put(("error",), generation, Response(b"z", 500))
    assert cache.get(("error",), generation, _request()) is None
    time.sleep(0.35)
    assert cache.get(("p", 9), generation, _request()) is None  # older than max_age


def test_one_render_per_page_at_a_time_and_an_old_page_while_it_is_rendered_again(tmp_path):
    import asyncio

    (tmp_path / "generation").write_text("1\n")
    cache = PageCache(tmp_path, max_bytes=2**20, max_age=0.5)
    renders = []

    async def render():
        renders.append(time.monotonic())
        await asyncio.sleep(0.2)
        return Response(f"page {len(renders)}".encode(), 200), True

    async def requests(n: int) -> list[tuple[bytes, float]]:
        async def one():
            started = time.monotonic()
            response = await cache.page(_request(), ("p",), render)
            return response.body, time.monotonic() - started
        return await asyncio.gather(*(one() for _ in range(n)))

    first = asyncio.run(requests(8))
    assert len(renders) == 1 and {body for body, _ in first} == {b"page 1"}  # the others waited for it
    time.sleep(0.6)  # older than max_age
    again = asyncio.run(requests(8))
    assert len(renders) == 2
    assert sorted(body for body, _ in again) == [b"page 1"] * 7 + [b"page 2"]
    assert sum(took < 0.1 for _, took in again) == 7  # the old page at once, while one request renders
    assert asyncio.run(requests(1))[0][0] == b"page 2"
    (tmp_path / "generation").write_text("2\n")  # a write: no old page, one render, the others wait
    assert {body for body, _ in asyncio.run(requests(4))} == {b"page 3"} and len(renders) == 3
