"""Hostile clients of the anonymous endpoints that do real work (/sparql, /query/*, /api/v1/validate)
on a real server: every client has one budget over all three (requests, seconds of work and bytes a
minute, requests in flight), spent budgets answer 429 with Retry-After and the setting's name,
long queries do not starve cheap ones, results are capped in bytes, X-Forwarded-For is not
believed from an untrusted peer, and dry runs are parsed a few at a time.

Each test speaks from its own loopback address (127.0.0.0/8 all reaches the server on
127.0.0.1), so the clients' budgets in the one module server do not mix. Each ends by checking
that the server still answers a normal request and that the store holds what it held.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import dump, passport_ttl
from servers import serve
from sparql_fixtures import BASE, LONG_QUERY, concat_query, make_data_dir

from registry.core.settings import Settings

CARTESIAN = LONG_QUERY  # stopped by the time limit, with flat memory (sparql_fixtures)
CHEAP = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/materiaalpaspoort/def#Passport> }"
TIMEOUT = 2.0
LIMITS = {"rate_limit_per_minute": 30, "budget_seconds_per_minute": 1.5, "budget_bytes_per_minute": 150_000,
          "client_concurrency": 1, "validate_concurrency": 1, "result_max_bytes": 64_000,
          "query_timeout": TIMEOUT, "query_fast_lane": 0.5, "query_workers": 2, "page_workers": 0,
          "max_body_bytes": 4 * 2**20}


def settings_for(data_dir: Path, **overrides) -> Settings:
    return Settings(data_dir=data_dir, base_iri=BASE, **{**LIMITS, **overrides})


def concat_select(rows: int, chars: int) -> str:
    """``rows`` rows of a string of about ``chars`` characters built by CONCAT in the query."""
    levels = max(0, len(str(chars // 10)) - 1)
    return concat_query(rows, (10,) * levels)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("budget") / "data"
    make_data_dir(d)
    return d


@pytest.fixture(scope="module")
def server(data_dir):
    with serve(settings_for(data_dir)) as srv:
        srv.dump_before = dump(srv.registry)
        yield srv


def client_at(server, address: str, **kwargs) -> httpx.Client:
    """A client whose requests come from ``address`` (a loopback address)."""
    return httpx.Client(base_url=server.url, timeout=kwargs.pop("timeout", 30),
                        transport=httpx.HTTPTransport(local_address=address), **kwargs)


def sparql(client, query: str, **headers) -> httpx.Response:
    return client.get("/sparql", params={"query": query},
                      headers={"Accept": "application/sparql-results+json", **headers})


def still_serving(server) -> None:
    """A fresh client gets a normal answer, and the store holds what it held."""
    with client_at(server, "127.0.0.250") as c:
        r = sparql(c, CHEAP)
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"][0]["n"]["value"] == "5"
    assert dump(server.registry) == server.dump_before


def refused(r: httpx.Response, setting: str) -> None:
    assert r.status_code == 429, (r.status_code, r.text)
    assert int(r.headers["retry-after"]) >= 1
    assert setting in r.text


# -- who the client is ---------------------------------------------------------------------------
def test_rotating_x_forwarded_for_from_loopback_does_not_bypass_the_rate_limit(server):
    with client_at(server, "127.0.0.10") as c:
        for i in range(LIMITS["rate_limit_per_minute"]):
            assert sparql(c, "ASK {}", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 200
        r = sparql(c, "ASK {}", **{"X-Forwarded-For": "198.51.100.7"})
        refused(r, "PASSPORTS_RATE_LIMIT")
        assert "127.0.0.10" in r.text and "30 a minute" in r.text
    still_serving(server)


def test_downloads_share_the_budget_of_the_query_endpoints(tmp_path):
    """The full-data downloads (/table/*.csv, /search.csv, /dumps/*) do real work too: one rate
    limit over them and /sparql, refused with 429 before any work; the bytes they send count."""
    downloads = ["/table/municipalities.csv", "/table/materials.csv", "/search.csv?q=beton",
                 "/dumps/registry.nq.gz"]
    make_data_dir(tmp_path / "data")
    with serve(settings_for(tmp_path / "data", budget_bytes_per_minute=0)) as srv:
        srv.dump_before = dump(srv.registry)
        _downloads_share_the_rate_limit(srv, downloads)
        still_serving(srv)
    make_data_dir(tmp_path / "bytes")
    with serve(settings_for(tmp_path / "bytes", budget_bytes_per_minute=20_000)) as srv, \
            client_at(srv, "127.0.0.41") as c:
        sent = 0
        while sent <= 20_000:
            r = c.get("/dumps/registry.nq.gz")
            assert r.status_code == 200, r.text[:200]
            sent += len(r.content)
        refused(c.get("/table/kinds.csv"), "PASSPORTS_BUDGET_BYTES")


def _downloads_share_the_rate_limit(server, downloads: list[str]) -> None:
    with client_at(server, "127.0.0.40") as c:
        for i in range(LIMITS["rate_limit_per_minute"]):
            path = downloads[i % len(downloads)] if i % 5 else None
            r = c.get(path) if path else sparql(c, "ASK {}")
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        for path in downloads:
            refused(c.get(path), "PASSPORTS_RATE_LIMIT")
        refused(sparql(c, "ASK {}"), "PASSPORTS_RATE_LIMIT")
        r = c.get("/table/municipalities.csv", headers={"Accept-Language": "nl"})
        assert r.status_code == 429 and "de downloads" in r.text


def test_a_trusted_proxy_names_the_client(tmp_path):
    make_data_dir(tmp_path / "data")  # its own store: the module's server holds the other one
    settings = settings_for(tmp_path / "data", rate_limit_per_minute=2, trusted_proxies=("127.0.0.1",))
    with serve(settings) as srv, srv.client() as c:
        for i in range(4):  # four clients behind the proxy, two queries each
            for _ in range(2):
                r = sparql(c, "ASK {}", **{"X-Forwarded-For": f"203.0.113.{i}"})
                assert r.status_code == 200, r.text
        r = sparql(c, "ASK {}", **{"X-Forwarded-For": "203.0.113.0"})
        refused(r, "PASSPORTS_RATE_LIMIT")
        assert "203.0.113.0" in r.text


# -- each budget ---------------------------------------------------------------------------------
def test_seconds_of_work_are_one_budget_over_sparql_query_pages_and_validate(server):
    with client_at(server, "127.0.0.11") as c:
        r = sparql(c, CARTESIAN)  # stopped at the time limit: 2 s of work, over the 1.5 s a minute
        assert r.status_code == 503 and "query timeout" in r.text, r.text
        refused(sparql(c, CHEAP), "PASSPORTS_BUDGET_SECONDS")
        r = c.get("/query/count-passports-per-municipality", params={"format": "json"})
        refused(r, "PASSPORTS_BUDGET_SECONDS")
        r = c.post("/api/v1/validate", content=passport_ttl("budget-0001"),
                   headers={"Content-Type": "text/turtle"})
        refused(r, "PASSPORTS_BUDGET_SECONDS")
        assert "1.5 s of work a minute" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 15  # 0.5 s of debt at 1.5 s a minute
        r = c.post("/api/v1/validate", content=passport_ttl("budget-0001"),
                   headers={"Content-Type": "text/turtle", "Accept-Language": "nl"})
        assert r.status_code == 429 and "rekentijd per minuut" in r.json()["detail"]
        # the HTML editor shows the refusal on its page; the service description costs nothing
        r = c.get("/sparql", params={"query": CHEAP}, headers={"Accept": "text/html"})
        assert r.status_code == 429 and "PASSPORTS_BUDGET_SECONDS" in r.text and "<html" in r.text
        assert c.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200
    still_serving(server)


def test_bytes_sent_and_received_are_a_budget(server):
    with client_at(server, "127.0.0.12") as c:
        query = concat_select(5, 10_000)  # about 50 KB of results
        for _ in range(3):
            r = sparql(c, query)
            assert r.status_code == 200 and len(r.content) > 50_000
        refused(sparql(c, "ASK {}"), "PASSPORTS_BUDGET_BYTES")
    with client_at(server, "127.0.0.13") as c:  # a request body counts as well (200 KB of comment)
        body = "#" + "x" * 200_000 + "\n" + passport_ttl("budget-0002")
        r = c.post("/api/v1/validate", content=body, headers={"Content-Type": "text/turtle"})
        assert r.status_code == 200
        refused(sparql(c, "ASK {}"), "PASSPORTS_BUDGET_BYTES")
        assert "150000 bytes a minute" in sparql(c, "ASK {}").text
    still_serving(server)


def test_requests_in_flight_are_limited_per_client(server):
    outcome = {}

    def long_query():
        with client_at(server, "127.0.0.14") as c:
            outcome["status"] = sparql(c, CARTESIAN).status_code

    holder = threading.Thread(target=long_query)
    holder.start()
    time.sleep(0.3)
    with client_at(server, "127.0.0.14") as c:
        r = sparql(c, CHEAP)
        refused(r, "PASSPORTS_CLIENT_CONCURRENCY")
        assert "at most 1 at once" in r.text and r.headers["retry-after"] == "1"
        r = c.post("/api/v1/validate", content=passport_ttl("budget-0003"),
                   headers={"Content-Type": "text/turtle"})
        refused(r, "PASSPORTS_CLIENT_CONCURRENCY")
    with client_at(server, "127.0.0.15") as c:  # someone else is answered meanwhile
        assert sparql(c, CHEAP).status_code == 200
    holder.join()
    assert outcome["status"] == 503
    still_serving(server)


# -- long queries do not starve cheap ones -------------------------------------------------------
def test_two_clients_holding_long_queries_do_not_hold_up_a_third_clients_cheap_query(server):
    statuses, texts = [], []

    def hold(address):
        with client_at(server, address) as c:
            r = sparql(c, CARTESIAN)
            statuses.append(r.status_code)
            texts.append(r.text[:500])

    holders = [threading.Thread(target=hold, args=(f"127.0.0.{n}",)) for n in (20, 21)]
    for t in holders:
        t.start()
    time.sleep(0.4)  # both regular workers are busy now
    waits = []
    with client_at(server, "127.0.0.22") as c:
        for _ in range(3):
            started = time.monotonic()
            r = sparql(c, CHEAP)
            waits.append(time.monotonic() - started)
            assert r.status_code == 200, r.text
    for address in ("127.0.0.20", "127.0.0.21"):  # the holders cannot send more meanwhile
        with client_at(server, address) as c:
            refused(sparql(c, CHEAP), "PASSPORTS_CLIENT_CONCURRENCY")
    for t in holders:
        t.join()
    assert statuses == [503, 503], texts
    assert max(waits) < 1.0, waits
    assert server.app.state.query_pool.wait_ready(30)
    still_serving(server)


# -- results capped in bytes ---------------------------------------------------------------------
def test_concat_built_strings_are_refused_at_the_byte_cap_not_sent(server):
    pool = server.app.state.query_pool
    with client_at(server, "127.0.0.30") as c:
        r = sparql(c, concat_select(100, 5_000_000))  # 100 rows of 5 MB: 500 MB if built
        assert r.status_code == 400
        assert "larger than 64000 bytes" in r.text and "PASSPORTS_RESULT_MAX_BYTES" in r.text
        assert "after 1 rows" in r.text
    for worker in pool.workers() + pool.fast.workers():
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
        peak_kib = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        assert peak_kib < 300 * 1024, "a query worker built the whole result"
    still_serving(server)


# -- dry runs ------------------------------------------------------------------------------------
def big_body(target_bytes: int) -> str:
    """Passports of the model's example, one after another, to about ``target_bytes``."""
    parts, size, i = [], 0, 0
    while size < target_bytes:
        text = passport_ttl(f"groot-{i:05d}")
        parts.append(text if i == 0 else "\n".join(l for l in text.splitlines() if not l.startswith("@prefix")))
        size += len(parts[-1])
        i += 1
    return "\n".join(parts)


@pytest.mark.slow
def test_dry_runs_are_parsed_one_at_a_time_and_a_waiting_one_gets_503(tmp_path):
    """Two clients post 3.5 MB bodies at once (about 1.2 s of parsing and validating each); the
    server validates one at a time (PASSPORTS_VALIDATE_CONCURRENCY=1) and the other waits for the
    slot at most PASSPORTS_QUERY_TIMEOUT (0.5 s here), then gets 503 with Retry-After."""
    make_data_dir(tmp_path / "data")
    body = big_body(3_500_000)
    outcome = {}
    with serve(settings_for(tmp_path / "data", query_timeout=0.5)) as srv:
        before = dump(srv.registry)

        def validate(address):
            with client_at(srv, address, timeout=120) as c:
                r = c.post("/api/v1/validate", content=body, headers={"Content-Type": "text/turtle"})
                outcome[address] = (r.status_code, r.headers.get("retry-after"), r.json())

        threads = [threading.Thread(target=validate, args=(f"127.0.0.{n}",)) for n in (40, 41)]
        threads[0].start()
        time.sleep(0.3)
        threads[1].start()
        for t in threads:
            t.join()
        answers = sorted(outcome.values(), key=lambda answer: answer[0])
        assert [status for status, _, _ in answers] == [200, 503], answers
        assert answers[0][2]["conforms"] is True and answers[0][2]["passports"] > 800
        _, retry, refusal = answers[1]
        assert int(retry) >= 1 and "PASSPORTS_VALIDATE_CONCURRENCY" in refusal["detail"]
        with client_at(srv, "127.0.0.42") as c:  # the server answers the next one
            r = c.post("/api/v1/validate", content=passport_ttl("budget-0004"),
                       headers={"Content-Type": "text/turtle"})
            assert r.status_code == 200 and r.json()["conforms"] is True
        assert dump(srv.registry) == before
