"""``GET /sparql`` taken by the shortcut past the routing (registry.web.routers.sparql.SparqlShortcut)
answers as the route did: the same headers, the query page to a browser, the app's error
answers, the budgets; and a passport's graph is answered in the server process, with a write
seen by the next request."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, passport_ttl
from fastapi.testclient import TestClient

from registry.web.app import create_app

IRI = f"{BASE}id/passport/GM0153/brug-0042"
GRAPH = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{IRI}> {{ ?s ?p ?o }} }}"


def url(query: str, **params) -> str:
    return "/sparql?query=" + quote(query, safe="") + "".join(f"&{k}={quote(v)}" for k, v in params.items())


@pytest.fixture
def client(settings):
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=0, rate_limit_per_minute=3,
                             client_concurrency=0, budget_seconds_per_minute=0, budget_bytes_per_minute=0))
    with TestClient(app) as c:
        c.app.state.registry.add(docs_from(passport_ttl()))
        yield c


def test_a_passport_graph_is_answered_in_the_server_with_the_usual_headers(client):
    pool = client.app.state.query_pool
    r = client.get(url(GRAPH), headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) > 10 and r.headers["x-result-count"] == str(len(triples))
    assert r.headers["access-control-allow-origin"] == "*" and r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in r.headers and r.headers["vary"] == "Accept"
    assert pool.inline.ran == 1
    # a write is seen by the next request (the handle follows DATA/generation)
    client.app.state.registry.add(docs_from(passport_ttl(label="Brug Twentekanaal Oost")))
    r = client.get(url(GRAPH), headers={"Accept": "application/n-triples"})
    assert "Twentekanaal Oost" in r.text and pool.inline.ran == 2


def test_errors_the_query_page_and_the_rate_limit_are_answered_as_by_the_route(client):
    r = client.get(url("SELECT * WHERE { ?s ?p }"))
    assert r.status_code == 400 and "SPARQL syntax error" in r.text
    assert r.headers["content-type"].startswith("text/plain") and r.headers["x-frame-options"] == "DENY"
    r = client.get(url("ASK {}", format="nonsense"))
    assert r.status_code == 400
    r = client.get(url("ASK {}"), headers={"Accept": "text/html"})  # a browser: the query page
    assert r.status_code == 200 and "<form" in r.text and r.headers["content-type"].startswith("text/html")
    statuses = [client.get(url("ASK {}")).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 200 in statuses, statuses
    r = client.get(url("ASK {}"))
    assert r.status_code == 429 and "PASSPORTS_RATE_LIMIT" in r.text and r.headers["retry-after"]
    assert client.get("/sparql?update=x").status_code == 405  # the update check before the budget


def test_the_service_description_and_head(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "ServiceDescription" not in r.text and "sd:Service" in r.text
    r = client.head(url("ASK {}"))
    assert r.status_code == 200 and r.content == b""


def test_a_post_takes_the_shortcut_too(client):
    r = client.post("/sparql", content=GRAPH, headers={"Content-Type": "application/sparql-query",
                                                       "Accept": "application/n-triples"})
    assert r.status_code == 200 and len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) > 10
    assert client.app.state.query_pool.inline.ran == 1 and r.headers["x-content-type-options"] == "nosniff"
    r = client.post("/sparql", content="query=" + quote(GRAPH), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "Content-Type text/plain" in r.text
    r = client.post("/sparql", content="update=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 405 and "read-only" in r.text
