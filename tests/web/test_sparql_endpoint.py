"""The public SPARQL endpoint on a real uvicorn server: protocol, formats, bounds, SERVICE policy,
rate limit, query pages; with httpx, SPARQLWrapper and rdflib's SPARQLStore as clients."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import LiveServer
from sparql_fixtures import BASE, LONG_QUERY, MP, MPV, PASSPORTS, make_data_dir

from registry.core.settings import Settings
from registry.query import service_policy
from registry.query.pool import QueryFailed, QueryPool, bump_generation
from registry.web.routers.sparql import create_endpoint_app

TIMEOUT = 2.0
CAP = 60  # above the 52 triples of the first passport (with the masses of its quantities)
COUNT_PASSPORTS = f"PREFIX mp: <{MP}> SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a mp:Passport }}"
# Four unbounded triple patterns over ~190 triples: about 10^9 rows to count, minutes of work.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def settings_for(data_dir: Path, **overrides) -> Settings:
    values = {"data_dir": data_dir, "base_iri": BASE, "query_timeout": TIMEOUT, "result_cap": CAP,
              "query_workers": 2, "rate_limit_per_minute": 100_000, "service_allowlist": (),
              # every test speaks from 127.0.0.1: the other budgets are tested in test_hostile_budget.py
              "client_concurrency": 0, "budget_seconds_per_minute": 0, "budget_bytes_per_minute": 0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sparql") / "data"
    make_data_dir(d)
    return d


@pytest.fixture(scope="module")
def server(data_dir):
    app = create_endpoint_app(settings_for(data_dir))
    with LiveServer(app) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    with server.client() as c:
        yield c


def select(client, query: str, **params) -> list[dict]:
    r = client.get("/sparql", params={"query": query, **params},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def count(client, query: str = COUNT_PASSPORTS, **params) -> int:
    return int(select(client, query, **params)[0]["n"])


class Listener:
    """A TCP listener on loopback that records whether anything connected to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


# ---------------------------------------------------------------------------------------------
# Protocol basics

def test_get_post_form_and_post_direct_answer_the_same(client):
    q = COUNT_PASSPORTS
    got = client.get("/sparql", params={"query": q})
    form = client.post("/sparql", data={"query": q})
    direct = client.post("/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"})
    for r in (got, form, direct):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/sparql-results+json")
        assert r.json()["results"]["bindings"][0]["n"]["value"] == "5"


def test_union_default_graph_counts_every_current_passport_once(client):
    # Five passports; the retired one's tombstone and the provenance graph are not passports.
    assert count(client) == len(PASSPORTS) == 5
    rows = select(client, f"PREFIX mp: <{MP}> SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s a mp:Passport }} }} "
                          "GROUP BY ?g")
    assert sorted(r["g"] for r in rows) == sorted(p.iri for p in PASSPORTS)


def test_dataset_from_protocol_parameters_and_from_clause(client):
    p1 = PASSPORTS[0].iri
    in_p1 = count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{p1}> {{ ?s ?p ?o }} }}")
    assert in_p1 > 10
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": p1}) == in_p1
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{p1}> WHERE {{ ?s ?p ?o }}") == in_p1
    named = select(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                   **{"named-graph-uri": [p1, PASSPORTS[1].iri]})
    assert sorted(r["g"] for r in named) == sorted([p1, PASSPORTS[1].iri])
    # Only named graphs given: the default graph is empty.
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"named-graph-uri": p1}) == 0


@pytest.mark.parametrize("accept, fmt, media", [
    (None, None, "application/sparql-results+json"),
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    ("application/json", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1", None, "application/sparql-results+xml"),
    ("image/png", None, "application/sparql-results+json"),  # nothing fits: the default
    ("text/csv", "tsv", "text/tab-separated-values"),  # format wins over Accept
    (None, "xml", "application/sparql-results+xml"),
    (None, "application/sparql-results+json", "application/sparql-results+json"),
])
def test_select_formats_by_accept_and_format(client, accept, fmt, media):
    q = f"PREFIX mp: <{MP}> SELECT ?p ?id WHERE {{ ?p a mp:Passport ; <http://purl.org/dc/terms/identifier> ?id }} ORDER BY ?id"
    params = {"query": q, **({"format": fmt} if fmt else {})}
    r = client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["vary"] == "Accept"
    ids = sorted(p.key for p in PASSPORTS)
    if media.endswith("json"):
        got = [b["id"]["value"] for b in r.json()["results"]["bindings"]]
    elif media.endswith("xml"):
        got = [str(row.id) for row in rdflib.query.Result.parse(io.BytesIO(r.content), format="xml")]
    elif media == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["p", "id"]
        got = [row[1] for row in rows[1:]]
    else:
        parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.TSV)
        got = [row["id"].value for row in parsed]
    assert got == ids


@pytest.mark.parametrize("accept, fmt, media, parser", [
    (None, None, "text/turtle", "turtle"),
    ("text/turtle", None, "text/turtle", "turtle"),
    ("application/ld+json", None, "application/ld+json", "json-ld"),
    ("application/n-triples", None, "application/n-triples", "nt"),
    ("application/rdf+xml", None, "application/rdf+xml", "xml"),
    ("text/html;q=0.1, application/rdf+xml;q=0.4, text/turtle;q=0.8", None, "text/turtle", "turtle"),
    (None, "jsonld", "application/ld+json", "json-ld"),
    ("text/turtle", "nt", "application/n-triples", "nt"),
    (None, "json", "application/ld+json", "json-ld"),  # SPARQLWrapper-style format names
    (None, "xml", "application/rdf+xml", "xml"),
])
def test_construct_in_every_graph_format_gives_the_same_graph(client, accept, fmt, media, parser):
    p1 = PASSPORTS[0].iri
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{p1}> {{ ?s ?p ?o }} }}"
    reference = rdflib.Graph().parse(data=client.get(
        "/sparql", params={"query": q, "format": "nt"}).text, format="nt")
    params = {"query": q, **({"format": fmt} if fmt else {})}
    r = client.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["x-result-count"] == str(len(reference))
    graph = rdflib.Graph().parse(data=r.content, format=parser)
    assert len(graph) == len(reference) > 10
    assert isomorphic(graph, reference)


def test_describe_and_ask(client):
    p1 = PASSPORTS[0].iri
    r = client.get("/sparql", params={"query": f"DESCRIBE <{p1}>"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(p1), rdflib.RDF.type, rdflib.URIRef(MP + "Passport")) in g
    for accept, check in (("application/sparql-results+json", lambda r: r.json()["boolean"] is True),
                          ("application/sparql-results+xml", lambda r: "<boolean>true</boolean>" in r.text)):
        r = client.get("/sparql", params={"query": f"ASK {{ <{p1}> a ?t }}"}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept) and check(r)


def test_format_that_does_not_fit_or_does_not_exist_is_400(client):
    r = client.get("/sparql", params={"query": COUNT_PASSPORTS, "format": "turtle"})
    assert r.status_code == 400 and "does not fit a SELECT query" in r.text and "json" in r.text
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"})
    assert r.status_code == 400 and "CONSTRUCT" in r.text
    r = client.get("/sparql", params={"query": COUNT_PASSPORTS, "format": "pdf"})
    assert r.status_code == 400 and "format='pdf'" in r.text


def test_malformed_query_is_400_with_line_and_column(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "syntax error at line 3, column " in r.text


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_updates_are_refused_and_change_nothing(client, how):
    before = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    update = "DELETE WHERE { ?s ?p ?o }"
    if how == "get":
        r = client.get("/sparql", params={"update": update})
    elif how == "form":
        r = client.post("/sparql", data={"update": update})
    else:
        r = client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 405
    assert "read-only" in r.text and "/api/v1/" in r.text
    assert "POST" in r.headers["allow"]
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_an_update_sent_as_a_query_is_a_syntax_error(client):
    r = client.post("/sparql", content="INSERT DATA { <http://a> <http://b> <http://c> }",
                    headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "syntax error" in r.text


def test_bad_requests(client):
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405
    r = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert r.status_code == 400 and "2 'query' parameters" in r.text
    r = client.post("/sparql", content=b"ASK {}")
    assert r.status_code == 400 and "Content-Type" in r.text
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/sparql", content="ASK {}".encode("utf-16"),
                    headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415 and "UTF-8" in r.text
    r = client.post("/sparql", content=b"ASK { FILTER(\"\xff\") }", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "UTF-8" in r.text
    r = client.post("/sparql", data={"format": "json"})
    assert r.status_code == 400 and "no 'query' field" in r.text
    r = client.get("/sparql", params={"query": "   "})
    assert r.status_code == 400


def test_huge_query_is_413(client):
    huge = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * (1 << 20)
    r = client.post("/sparql", content=huge, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413 and "1 MiB" in r.text
    r = client.post("/sparql", data={"query": huge})
    assert r.status_code == 413


def test_cors_for_reads_and_preflight(client):
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/sparql", params={"query": "SELECT * WHERE {"})
    assert r.headers["access-control-allow-origin"] == "*"  # errors too
    r = client.options("/sparql", headers={"Origin": "https://example.org",
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "Content-Type" in r.headers["access-control-allow-headers"]


def test_service_description(server, client):
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    for accept, parser in (("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                           ("application/ld+json", "json-ld"), (None, "turtle")):
        r = client.get("/sparql", headers={"Accept": accept} if accept else {})
        assert r.status_code == 200
        g = rdflib.Graph().parse(data=r.content, format=parser)
        service = rdflib.URIRef(server.url + "/sparql")
        assert (service, rdflib.RDF.type, sd.Service) in g
        assert (service, sd.endpoint, service) in g
        assert (service, sd.supportedLanguage, sd.SPARQL11Query) in g
        assert (service, sd.feature, sd.UnionDefaultGraph) in g
        formats = set(g.objects(service, sd.resultFormat))
        assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
        assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
        # No allow-list: no federation advertised.
        assert (service, sd.feature, sd.BasicFederatedQuery) not in g


# ---------------------------------------------------------------------------------------------
# Bounds: result cap, time limit, rate limit

def test_result_cap_refuses_rather_than_truncates(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400
    assert f"more than {CAP} rows" in r.text and f"LIMIT {CAP}" in r.text
    r = client.get("/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {CAP}"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == CAP
    assert r.headers["x-result-count"] == str(CAP)
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and f"more than {CAP} triples" in r.text
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000 OFFSET 180"})
    assert r.status_code == 200  # a LIMIT over the cap is fine when the rows are fewer


def test_long_query_is_stopped_in_time_while_other_queries_are_answered(server, client):
    pool: QueryPool = server.app.state.query_pool
    killed_before = pool.killed
    outcome = {}

    def long_query():
        started = time.monotonic()
        with server.client(timeout=60) as c:
            r = c.get("/sparql", params={"query": CARTESIAN})
        outcome.update(status=r.status_code, text=r.text, seconds=time.monotonic() - started)

    thread = threading.Thread(target=long_query)
    thread.start()
    time.sleep(0.3)
    answered = []
    while thread.is_alive():
        started = time.monotonic()
        assert count(client) == 5
        answered.append(time.monotonic() - started)
        r = client.get("/query/")
        assert r.status_code == 200
        time.sleep(0.05)
    thread.join()
    # stopped at its time limit, or (when the worker got the cores to build its joins that fast)
    # at the worker's memory cap: either way in time, with a message that says which
    assert outcome["status"] == 503, outcome  # a limit of this server, not a fault
    if "PASSPORTS_QUERY_MEMORY" not in outcome["text"]:
        assert f"query timeout after {TIMEOUT:g} s" in outcome["text"] and "LIMIT" in outcome["text"]
    assert outcome["seconds"] <= TIMEOUT + 2
    assert len(answered) >= 3 and max(answered) < 1.5
    assert pool.killed == killed_before + 1
    # The killed worker was replaced: the pool is back to full size and answers.
    assert pool.wait_ready(30)
    assert count(client) == 5
    assert len([w for w in pool.workers() if w.alive()]) == pool.size


def test_concurrent_long_queries_do_not_block_the_server(server):
    """More long queries than workers: all end in 503 (time limit or busy), none hangs."""
    results, texts = [], []

    def long_query():
        with server.client(timeout=60) as c:
            r = c.get("/sparql", params={"query": LONG_QUERY})
            results.append(r.status_code)
            texts.append(r.text[:500])

    threads = [threading.Thread(target=long_query) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(0.3)
    with server.client() as c:
        r = c.get("/sparql", headers={"Accept": "text/turtle"})  # no query: answered without a worker
        assert r.status_code == 200
    for t in threads:
        t.join()
    assert results == [503, 503, 503], texts
    assert time.monotonic() - started <= 2 * TIMEOUT + 3
    assert server.app.state.query_pool.wait_ready(30)


def test_rate_limit_answers_429_with_retry_after(data_dir):
    app = create_endpoint_app(settings_for(data_dir, rate_limit_per_minute=3, query_workers=1))
    with LiveServer(app) as srv, srv.client() as c:
        statuses = [c.get("/sparql", params={"query": "ASK {}"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        r = c.get("/sparql", params={"query": "ASK {}"})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "3 a minute" in r.text
        # The query pages count too; the service description and the editor page do not.
        assert c.get("/query/count-passports-per-municipality", params={"format": "json"}).status_code == 429
        assert c.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200
        assert c.get("/sparql", headers={"Accept": "text/html"}).status_code == 200


# ---------------------------------------------------------------------------------------------
# SERVICE

REFUSED_SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX peer: <{root}> SELECT * WHERE {{ SERVICE peer:sparql {{ ?s ?p ?o }} }}",
    "BASE <{root}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICESILENT<{url}> {{ ?s ?p ?o }} }}",
    "PREFIX x: <{root}> SELECT * WHERE {{ servicex:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p 1SERVICE<{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ # comment\n ?s ?p ?o . SERVICE <{url}> {{ }} }}",
    "SELECT * WHERE {{ \"a\"SERVICE <{url}> {{ }} }}",
]


@pytest.mark.parametrize("template", REFUSED_SERVICE_QUERIES)
def test_service_off_the_allow_list_is_refused_and_never_fetched(client, listener, template):
    query = template.format(url=listener.url, root=f"http://127.0.0.1:{listener.port}/")
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 403, r.text
    assert "SERVICE" in r.text and "PASSPORTS_SERVICE_ALLOWLIST" in r.text
    time.sleep(0.2)
    assert listener.connections == 0


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s a <http://www.w3.org/ns/dcat#DataService> }",
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?service WHERE { ?service a dcat:DataService }",
    "SELECT * WHERE { ?s ?p \"SERVICE <http://127.0.0.1:9/>\" } # SERVICE <http://127.0.0.1:9/>",
    "SELECT * WHERE { ?s <http://127.0.0.1:9/service> ?o }",
])
def test_words_that_only_look_like_service_are_not_refused(client, query):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200, r.text


def _oxigraph_connects(query: str, listener: Listener, store: ox.Store) -> bool:
    before = listener.connections
    try:
        list(store.query(query))
    except Exception:  # noqa: BLE001, S110 - a refused or broken fetch still proves the attempt
        pass
    time.sleep(0.05)
    return listener.connections > before


def test_service_check_catches_every_call_pyoxigraph_would_make(listener):
    """Run each query in pyoxigraph itself against a loopback listener: whenever pyoxigraph would
    connect, the policy must have refused the query first."""
    store = ox.Store()
    s, p = ox.NamedNode("http://s"), ox.NamedNode("http://p")
    for o in (ox.Literal(1), ox.Literal("a"), ox.Literal("a", language="en"), ox.Literal(True),
              ox.NamedNode("http://x")):
        store.add(ox.Quad(s, p, o))
    root = f"http://127.0.0.1:{listener.port}/"
    variants = [t.format(url=listener.url, root=root) for t in REFUSED_SERVICE_QUERIES] + [
        f"SELECT * WHERE {{ ?s ?p ?o.SERVICE<{listener.url}> {{}} }}",
        f"SELECT * WHERE {{ ?s ?p true.SERVICE<{listener.url}> {{}} }}",
        f"SELECT * WHERE {{ ?s ?p 'a'@en.SERVICE<{listener.url}> {{}} }}",
        f"SELECT * WHERE {{ ?s a<http://x>.SERVICE<{listener.url}> {{}} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{listener.url}> {{}} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{listener.url}> {{}} }} }}",
        f"ASK {{ {{ SELECT * WHERE {{ SERVICE <{listener.url}> {{}} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{listener.url}> {{}} }} }}",
    ]
    connected = 0
    for query in variants:
        refused = True
        try:
            service_policy.check_services(query, ())
            refused = False
        except service_policy.ServiceRefused:
            pass
        if _oxigraph_connects(query, listener, store):
            connected += 1
            assert refused, f"pyoxigraph calls a SERVICE the policy let through: {query}"
    assert connected >= 10  # the probe itself works
    # An allow-listed endpoint passes, exact or under an entry ending in '/'.
    assert service_policy.check_services(f"SELECT * {{ SERVICE <{listener.url}> {{}} }}", (listener.url,))
    assert service_policy.check_services(f"SELECT * {{ SERVICE <{listener.url}> {{}} }}", (root,))
    with pytest.raises(service_policy.ServiceRefused):
        service_policy.check_services(f"SELECT * {{ SERVICE <{root}x.evil/sparql> {{}} }}", (root[:-1],))


def test_allow_listed_service_federates_to_a_peer(server, data_dir, tmp_path):
    peer_endpoint = server.url + "/sparql"
    other = tmp_path / "other"
    make_data_dir(other, passports=PASSPORTS[:1])
    app = create_endpoint_app(settings_for(other, service_allowlist=(peer_endpoint,), query_workers=2))
    with LiveServer(app) as srv, srv.client() as c:
        q = (f"PREFIX mp: <{MP}> SELECT (COUNT(?p) AS ?here) ?there WHERE {{ ?p a mp:Passport "
             f"{{ SERVICE <{peer_endpoint}> {{ SELECT (COUNT(?q) AS ?there) WHERE {{ ?q a mp:Passport }} }} }} }} "
             "GROUP BY ?there")
        rows = select(c, q)
        assert rows == [{"here": "1", "there": "5"}]
        sd = c.get("/sparql", headers={"Accept": "text/turtle"}).text
        assert "BasicFederatedQuery" in sd
        assert not app.state.query_pool.isolated  # workers need the network for the peer
        r = c.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
        assert r.status_code == 403 and peer_endpoint in r.text


def test_workers_have_no_network_when_nothing_is_allow_listed(data_dir, listener):
    pool = QueryPool(settings_for(data_dir, query_workers=1))
    try:
        assert pool.wait_ready(30)
        if not pool.isolated:
            pytest.skip("this kernel does not let a process unshare its network namespace")
        # Straight to the pool, past the SERVICE check: the fetch cannot leave the worker.
        with pytest.raises(QueryFailed):
            pool.run(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        time.sleep(0.2)
        assert listener.connections == 0
    finally:
        pool.close()


# ---------------------------------------------------------------------------------------------
# Fresh data

def test_new_writes_are_visible_to_the_next_query(tmp_path):
    data = tmp_path / "data"
    make_data_dir(data, passports=PASSPORTS[:2])
    app = create_endpoint_app(settings_for(data))
    with LiveServer(app) as srv, srv.client() as c:
        assert count(c) == 2
        writer = ox.Store(str(data / "main"))  # the one read-write store, as the server's registry holds it
        try:
            for spec in PASSPORTS[2:]:
                from sparql_fixtures import passport_turtle

                writer.load(passport_turtle(spec), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(spec.iri))
            writer.flush()
            bump_generation(data)
            assert count(c) == 5  # at once: the workers reopen when the generation changes
        finally:
            del writer


# ---------------------------------------------------------------------------------------------
# Saved queries and HTML pages

def _saved(client, name: str, **params) -> list[dict]:
    r = client.get(f"/query/{name}", params={"format": "json", **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_saved_queries_answer_what_the_passports_hold(client):
    gm = MPV + "municipality/"
    material = MPV + "material/"
    per_gm = {r["municipality"]: int(r["passports"]) for r in _saved(client, "count-passports-per-municipality")}
    assert per_gm == {gm + "GM0153": 2, gm + "GM0141": 2, gm + "GM0164": 1}
    stock = {(r["municipality"][-6:], r["material"][len(material):]): float(r["tonnes"])
             for r in _saved(client, "materials-stock-by-material")}
    assert stock[("GM0153", "concrete")] == 120.5
    assert stock[("GM0153", "steel")] == 20.5  # 20,000 kg railing + 0.5 t mast
    assert stock[("GM0141", "concrete")] == 2
    assert stock[("GM0164", "hardwood")] == 0.475  # 0.5 m3 x 950 kg/m3 (default density of hardwood)
    assert len(stock) == 7
    only = _saved(client, "materials-stock-by-material", municipality="mpv:municipality/GM0141")
    assert {r["municipality"] for r in only} == {gm + "GM0141"} and len(only) == 3
    released = {r["year"]: float(r["tonnesConcrete"]) for r in _saved(client, "released-concrete-by-year")}
    assert released == {"2030": 2.0, "2045": 130.5}  # 2000 kg kerb; 120.5 t deck + 10 t recycled
    ladder = {r["strategy"][-2:]: (int(r["objects"]), int(r["components"]))
              for r in _saved(client, "r-ladder-distribution")}
    assert ladder == {"R1": (1, 1), "R2": (1, 1), "R3": (2, 2), "R4": (0, 1), "R5": (0, 1), "R8": (1, 1)}
    value = {r["municipality"]: float(r["valueEUR"]) for r in _saved(client, "value-per-municipality")}
    assert value == {gm + "GM0153": 14560.0, gm + "GM0141": 8000.0}  # latest valuation per object only
    kinds = {r["kind"][len(MP):]: int(r["passports"]) for r in _saved(client, "passports-per-object-kind")}
    assert kinds == {"Bridge": 2, "LampPost": 1, "RoadSection": 1, "Bench": 1}


def test_every_saved_query_runs_through_the_endpoint(client):
    from registry.query import saved as saved_queries

    queries = saved_queries.all_queries()
    assert len(queries) >= 6
    for name, saved in queries.items():
        assert saved.title("nl") and saved.title("en"), name
        required = [p for p in saved.parameters if not p.optional]
        r = client.get(f"/query/{name}", params={"format": "json"})
        if required:
            assert r.status_code == 400 and "?" + required[0].name in r.text, name
        else:
            assert r.status_code == 200, (name, r.text)
            assert "results" in r.json() or "boolean" in r.json()


def test_query_pages_in_html(client):
    r = client.get("/query/", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'href="/query/count-passports-per-municipality"' in r.text
    r = client.get("/query/count-passports-per-municipality", headers={"Accept": "text/html"}, params={"lang": "en"})
    assert r.status_code == 200
    assert "Passports per municipality" in r.text and "<table" in r.text
    assert "GM0153" in r.text and "SELECT ?municipality" in r.text
    for fmt in ("json", "csv", "tsv", "xml"):
        assert f"format={fmt}" in r.text
    r = client.get("/query/count-passports-per-municipality", params={"format": "csv"})
    assert r.status_code == 200 and r.text.splitlines()[0] == "municipality,label,passports"
    assert r.headers["access-control-allow-origin"] == "*"
    # Parameters: a prefixed name is expanded, a non-IRI is refused with what to do.
    r = client.get("/query/materials-stock-by-material", params={"municipality": "not an iri", "format": "json"})
    assert r.status_code == 400 and "is not an IRI" in r.text
    r = client.get("/query/materials-stock-by-material", params={"municipality": "not an iri"},
                   headers={"Accept": "text/html"})
    assert r.status_code == 400 and "is not an IRI" in r.text and "<form" in r.text


@pytest.mark.parametrize("path", ["/query/..%2F..%2Fetc%2Fpasswd", "/query/Count-Passports", "/query/no-such-query",
                                  "/query/count-passports-per-municipality.rq", "/query/%00"])
def test_saved_query_names_are_validated(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code in (400, 404)  # 400: a dot segment or a NUL, refused before routing
    assert "root:" not in r.text


def test_editor_page_is_served_with_yasgui_and_the_saved_queries(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/static/vendor/yasgui/yasgui.min.js" in r.text and "/static/vendor/yasgui/yasgui.min.css" in r.text
    assert "https://" not in r.text.split('id="saved-queries"')[0].split("<head>")[1].split("</head>")[0] \
        .replace("https://w3id.org", "")  # nothing from a CDN in the head
    tabs = json.loads(r.text.split('<script type="application/json" id="saved-queries">')[1].split("</script>")[0])
    assert any(t["name"] == "count-passports-per-municipality" and t["tab"] for t in tabs)
    assert '<form class="sparql-form"' in r.text  # works without JavaScript
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css",
                  "/static/vendor/yasgui/LICENSE"):
        assert client.get(asset).status_code == 200


def test_browser_query_gets_an_html_table(client):
    r = client.get("/sparql", params={"query": COUNT_PASSPORTS}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and "<table" in r.text and "?n" in r.text
    r = client.get("/sparql", params={"query": "SELECT * WHERE {"}, headers={"Accept": "text/html"})
    assert r.status_code == 400 and "syntax error" in r.text and "<html" in r.text
    # A graph is shown as Turtle with the registry's prefixes (the API answers it without them).
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PASSPORTS[0].iri}> {{ ?s ?p ?o }} }}"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and "@prefix mp:" in r.text and "mp:Passport" in r.text


# ---------------------------------------------------------------------------------------------
# Real clients

def test_sparqlwrapper(server):
    from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(COUNT_PASSPORTS)
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["results"]["bindings"][0]["n"]["value"] == "5"
    sw.setMethod(POST)
    assert sw.query().convert()["results"]["bindings"][0]["n"]["value"] == "5"
    sw.setQuery(f"ASK {{ <{PASSPORTS[0].iri}> a ?t }}")
    assert sw.query().convert()["boolean"] is True
    sw.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PASSPORTS[0].iri}> {{ ?s ?p ?o }} }}")
    sw.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) > 10
    sw.setReturnFormat(XML)
    g = sw.query().convert()  # RDF/XML parsed into an rdflib Graph by SPARQLWrapper
    assert len(g) > 10


def test_rdflib_sparqlstore(server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.url + "/sparql")
    graph = rdflib.Graph(store)
    rows = list(graph.query(f"PREFIX mp: <{MP}> SELECT ?p WHERE {{ ?p a mp:Passport }} ORDER BY ?p"))
    assert [str(r.p) for r in rows] == sorted(p.iri for p in PASSPORTS)
    assert graph.query(f"ASK {{ <{PASSPORTS[0].iri}> ?p ?o }}").askAnswer is True
    result = graph.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PASSPORTS[1].iri}> {{ ?s ?p ?o }} }}")
    assert len(result.graph) > 5


def test_works_inside_the_registry_app(tmp_path):
    """The endpoint as the lead's create_app mounts it: the registry holds the store read-write."""
    from registry.web.app import create_app

    data = tmp_path / "data"
    make_data_dir(data)
    app = create_app(settings_for(data))
    with LiveServer(app) as srv, srv.client() as c:
        assert count(c) == app.state.registry.count_passports() == 5
        r = c.get("/sparql", headers={"Accept": "text/html"})
        assert r.status_code == 200 and "yasgui.min.js" in r.text
        assert c.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200
        assert c.get("/query/r-ladder-distribution", params={"format": "csv"}).status_code == 200
        with httpx.Client(base_url=srv.url) as h:
            assert h.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 405
        assert app.state.registry.count_passports() == 5
