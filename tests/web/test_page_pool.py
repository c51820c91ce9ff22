"""Pages rendered in worker processes (registry/page_pool.py) on a real uvicorn server.

The workers open the store read-only; these tests check that what they send is what the server
process would render itself, that a write through the API is on the next page at once, that the
workers really do the rendering, and that a killed worker costs no page.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from conftest import child_pids, passport_ttl
from pages_support import BASE, Server, build_registry, doc_path
from starlette.requests import Request

from registry.store.tokens import TokenStore
from registry.web.routers import pages


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return build_registry(tmp_path_factory.mktemp("pool") / "data", size=30)


@pytest.fixture(scope="module")
def server(fixture):
    with Server(fixture.data_dir, page_workers=2) as srv:
        assert srv.app.state.page_pool.wait_ready(60), "the page workers did not start"
        yield srv


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def _request(server, path: str, query: str = "", headers: list | None = None) -> Request:
    return Request({"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
                    "path": path, "raw_path": path.encode(), "root_path": "",
                    "query_string": query.encode(), "headers": headers or [(b"host", b"localhost:8000")],
                    "server": ("localhost", 8000), "client": ("127.0.0.1", 5000), "app": server.app})


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_worker_pages_equal_server_pages(server, fixture):
    pool = server.app.state.page_pool
    cases = [("home", (), "/", ""), ("search", (), "/search", "q=brug&lang=en"),
             ("search", (), "/search", "municipality=GM0153&page=abc"),
             ("municipality_list", (), "/municipality/", ""), ("material_list", (), "/material/", ""),
             ("concept_scheme", ("rstrategy",), "/concepts/rstrategy", ""),
             ("ontology", (), "/ontology", ""), ("not_found", (), "/nergens", "")]
    for iri in (fixture.updated, fixture.iris[3], fixture.retired):
        path = doc_path(iri)
        cases.append(("resource", ("passport", path.split("/", 3)[3]), path, ""))
    cases.append(("resource", ("passport", doc_path(fixture.updated).split("/", 3)[3] + "/v/1"),
                  doc_path(fixture.updated) + "/v/1", ""))
    pages_cache_warm = [pages.RENDERERS[name](_request(server, path, query), *args)
                        for name, args, path, query in cases]  # the first call may wait for counts
    for (name, args, path, query), _ in zip(cases, pages_cache_warm, strict=True):
        local = pages.RENDERERS[name](_request(server, path, query), *args)
        rendered = pool.render(_request(server, path, query), name, args)
        assert rendered is not None, f"{path}: no page from the workers"
        remote, current = rendered
        assert current, f"{path}: the worker's page showed values of an older generation"
        assert remote.status_code == local.status_code, path
        assert remote.body == local.body, f"{path}?{query}: the worker's page differs"
        assert dict(remote.headers) == dict(local.headers), path
    assert pool.fallbacks == 0


def test_pages_over_http_are_rendered_by_the_workers(server, client, fixture):
    pool = server.app.state.page_pool
    pids = [w.process.pid for w in pool.workers()]
    before = sum(_cpu_seconds(pid) for pid in pids)
    for iri in fixture.iris * 3:
        r = client.get(doc_path(iri))
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    gone = client.get(doc_path(fixture.retired))
    assert gone.status_code == 410 and "Gesloopt in 2026" in gone.text
    english = client.get("/search", params={"q": "brug", "lang": "en"})
    assert english.status_code == 200 and english.headers["content-language"] == "en"
    assert "lang=en" in english.headers["set-cookie"]
    assert client.get("/nergens").status_code == 404
    used = sum(_cpu_seconds(pid) for pid in pids) - before
    assert used > 0.05, f"the page workers used only {used:.3f} s CPU for {len(fixture.iris) * 3} pages"
    assert pool.fallbacks == 0


def test_a_write_is_on_the_next_page(server, client):
    token = TokenStore(server.settings.tokens_path).create("GM0153", "page pool test")[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    url = "/api/v1/passports/GM0153/pool-0001"
    page = "/doc/passport/GM0153/pool-0001"
    assert client.get(page).status_code == 404
    for label in ("Brug Poolstraat", "Brug Poolstraat herzien"):
        body = passport_ttl("pool-0001", label=label)
        r = client.put(url, content=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        r = client.get(page)  # no wait: the worker reopens the store for the new generation
        assert r.status_code == 200 and label in r.text
    r = client.delete(url, params={"reason": "Vervangen door een nieuwe brug"}, headers=headers)
    assert r.status_code in (200, 204), r.text
    gone = client.get(page)
    assert gone.status_code == 410 and "Vervangen door een nieuwe brug" in gone.text
    assert server.app.state.page_pool.fallbacks == 0


def test_hostile_paths_through_the_workers(server, client):
    for path in ("/doc/passport/..%2F..%2Fetc%2Fpasswd", "/doc/passport/GM0153/..%2F..%2Fmain",
                 "/doc/%00/x", "/doc/passport/GM0153/" + "a" * 5000):
        r = client.get(path)
        assert r.status_code in (400, 404, 414), path  # 400: a dot segment or a NUL, refused before routing
        assert "root:" not in r.text
    r = client.get("/search", params={"q": "x' } DROP ALL ; #"})
    assert r.status_code == 200 and "DROP ALL" in r.text  # a search text, shown back escaped
    assert client.get("/search", params={"q": "brug", "page": "999999999999"}).status_code == 400
    r = client.get("/search", params={"municipality": "GM0153\"><script>alert(1)</script>"})
    assert r.status_code == 400 and "<script>alert(1)" not in r.text
    assert server.app.state.page_pool.fallbacks == 0


def test_a_killed_worker_costs_no_page(server, client, fixture):
    pool = server.app.state.page_pool
    old = {w.process.pid for w in pool.workers()}
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    for iri in fixture.iris[:6]:  # served: by a worker that is still there, or by the server
        assert client.get(doc_path(iri)).status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            pool.wait_ready(1) and all(w.alive() for w in pool.workers())):
        client.get("/")  # a dead idle worker is only found when a page is sent to it
    new = {w.process.pid for w in pool.workers()}
    assert len(new) == pool.size and not new & old
    before = pool.fallbacks
    assert client.get(doc_path(fixture.iris[0])).status_code == 200
    assert pool.fallbacks == before


def test_a_worker_over_its_memory_after_a_page_answers_and_is_replaced(tmp_path):
    """PASSPORTS_WORKER_RECYCLE: a worker holding more after a task leaves with its reply; the page
    is still the worker's (no fallback to the server), and a fresh worker takes its place."""
    small = build_registry(tmp_path / "data", size=6)
    with Server(small.data_dir, page_workers=1, worker_recycle_mib=1) as srv:
        pool = srv.app.state.page_pool
        assert pool.wait_ready(60)
        seen = set()
        for iri in small.iris[:3]:
            assert pool.wait_ready(60), "no fresh worker came"
            seen |= {w.process.pid for w in pool.workers()}
            r = httpx.get(srv.url + doc_path(iri), timeout=60)
            assert r.status_code == 200 and iri.rsplit("/", 1)[1] in r.text
        assert pool.recycled == 3 and pool.fallbacks == 0
        assert len(seen) == 3  # each page by another worker
    with Server(small.data_dir, page_workers=1, worker_recycle_mib=0) as srv:
        pool = srv.app.state.page_pool
        assert pool.wait_ready(60)
        for iri in small.iris[:3]:
            assert httpx.get(srv.url + doc_path(iri), timeout=60).status_code == 200
        assert pool.recycled == 0


def test_no_workers_when_configured_off(tmp_path):
    small = build_registry(tmp_path / "data", size=6)
    with Server(small.data_dir, page_workers=0) as srv:
        assert srv.app.state.page_pool is None
        r = httpx.get(srv.url + doc_path(small.iris[2]), timeout=30)
        assert r.status_code == 200 and small.iris[2].rsplit("/", 1)[1] in r.text
        assert small.iris[2].startswith(BASE)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_command_runs_page_workers_that_end_with_it(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    from servers import free_port

    small = build_registry(tmp_path / "data", size=5)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--data", str(small.data_dir),
                             "--base", BASE, "--port", str(port), "--page-workers", "1", "--no-access-log"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}" + doc_path(small.iris[0])
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and not workers:
            try:
                assert httpx.get(url, timeout=10).status_code == 200
            except httpx.HTTPError:
                pass
            workers = [c for c in child_pids(proc.pid) if "registry.web.page_pool" in _cmdline(c)]
            time.sleep(0.2)
        assert len(workers) == 1, "passports serve --page-workers 1 started no page worker"
    finally:
        proc.kill()  # the hard way: the workers see their socket close and exit
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "registry.web.page_pool" in _cmdline(workers[0]):
        time.sleep(0.1)
    assert "registry.web.page_pool" not in _cmdline(workers[0]), "the page worker outlived the server"
