"""Passport documents kept on disk (registry/web/document_store.py, document_fill.py), on a real
uvicorn server: the background walk keeps every current passport's Turtle; what is sent from there
is byte for byte the store's serialisation, never another version's; later walks read only what
was written since; a broken or tampered file costs speed, never a wrong or failed answer."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from conftest import passport_ttl
from pages_support import BASE, Server, build_registry, doc_path, served

from registry.store.tokens import TokenStore
from registry.views import negotiation
from registry.views.linked_data import passport_document, resolve_target
from registry.web.document_cache import DocumentCache
from registry.web.document_store import FILE, DocumentStore


def _from_store(srv, path: str, fmt=negotiation.TURTLE) -> bytes:
    kind, rest = path[len("/doc/"):].split("/", 1)
    return passport_document(srv.app.state.registry, resolve_target(BASE, kind, rest).ref).serialize(fmt)


def _kept_rows(srv) -> dict[str, str]:
    conn = sqlite3.connect(srv.settings.data_dir / FILE)
    try:
        return dict(conn.execute("SELECT graph, key FROM document WHERE format = 'turtle'"))
    finally:
        conn.close()


def _walked(srv, walks: int, timeout: float = 60.0) -> None:
    """Wait until the filler has done ``walks`` walks and its rows are written."""
    filler = srv.app.state.document_filler
    deadline = time.monotonic() + timeout
    while filler.walks < walks:
        assert time.monotonic() < deadline, f"the walk did not end: {filler.progress()}"
        time.sleep(0.05)
    srv.app.state.document_store.flush()


def _forget_memory(srv) -> None:
    srv.app.state.document_cache = DocumentCache(srv.settings.document_cache_mib * 2**20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    for srv in served(tmp_path_factory, "kept-documents", size=30, seed=5):
        _walked(srv, 1)
        yield srv


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_every_current_passport_is_kept_and_sent_as_the_store_writes_it(server, client):
    kept = _kept_rows(server)
    assert set(kept) == set(server.fixture.iris), "not every current passport was kept"
    assert server.fixture.retired not in kept
    _forget_memory(server)
    store = server.app.state.document_store
    for iri in server.fixture.iris:
        hits = store.hits
        r = client.get(doc_path(iri), headers={"Accept": "text/turtle"})
        assert r.status_code == 200
        assert store.hits == hits + 1, f"{iri} was not sent from the kept documents"
        assert r.content == _from_store(server, doc_path(iri))
        assert kept[iri].startswith(r.headers["etag"] + "|")


def test_other_formats_and_versions_are_kept_once_asked(server, client):
    iri = server.fixture.updated
    for path, accept, fmt in ((doc_path(iri), "application/n-triples", negotiation.N_TRIPLES),
                              (doc_path(iri) + "/v/1", "text/turtle", negotiation.TURTLE)):
        first = client.get(path, headers={"Accept": accept})
        server.app.state.document_store.flush()
        _forget_memory(server)
        hits = server.app.state.document_store.hits
        again = client.get(path, headers={"Accept": accept})
        assert server.app.state.document_store.hits == hits + 1, path
        assert first.content == again.content == _from_store(server, path, fmt)


def test_a_new_version_is_sent_at_once_and_kept_by_the_next_walk_of_what_was_written(server, client):
    token = TokenStore(server.settings.tokens_path).create("GM0153", "document store test")[1]
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    path, iri = "/doc/passport/GM0153/kept-on-disk", f"{BASE}id/passport/GM0153/kept-on-disk"
    filler = server.app.state.document_filler
    for label, walks in (("Eerste brug", filler.walks + 1), ("Tweede brug", filler.walks + 2)):
        checked = filler.checked
        r = client.put("/api/v1/passports/GM0153/kept-on-disk", content=passport_ttl("kept-on-disk", label=label),
                       headers=headers)
        assert r.status_code in (200, 201), r.text
        now = client.get(path, headers={"Accept": "text/turtle"})  # before the walk: from the store
        assert label.encode() in now.content and now.content == _from_store(server, path)
        _walked(server, walks)
        assert filler.checked - checked <= 2, "a walk after one write read more than what it wrote"
        _forget_memory(server)
        again = client.get(path, headers={"Accept": "text/turtle"})
        assert again.content == now.content and again.headers["etag"] == now.headers["etag"]
        assert _kept_rows(server)[iri].startswith(now.headers["etag"] + "|")
    r = client.delete("/api/v1/passports/GM0153/kept-on-disk", params={"reason": "Test"},
                      headers={"Authorization": headers["Authorization"]})
    assert r.status_code in (200, 204), r.text
    gone = client.get(path, headers={"Accept": "text/turtle"})
    assert gone.status_code == 410 and b"Tweede brug" not in gone.content


def test_a_row_for_another_version_or_a_damaged_row_is_never_sent(server, client):
    iri = server.fixture.iris[3]
    path = doc_path(iri)
    right = _from_store(server, path)
    conn = sqlite3.connect(server.settings.data_dir / FILE)
    try:
        key = conn.execute("SELECT key FROM document WHERE graph = ? AND format = 'turtle'", (iri,)).fetchone()[0]
        for bad_key, body in (('"other-1-turtle"|2020-01-01', b"x\x9c+\xc9\xc8,V\x00\xa2\xc4\x82\xa2\xcc\x12\x00"),
                              (key, b"not compressed at all")):
            with conn:
                conn.execute("UPDATE document SET key = ?, body = ? WHERE graph = ? AND format = 'turtle'",
                             (bad_key, body, iri))
            _forget_memory(server)
            r = client.get(path, headers={"Accept": "text/turtle"})
            assert r.status_code == 200 and r.content == right
    finally:
        conn.close()


def test_a_file_that_cannot_be_written_turns_it_off_and_every_answer_stays_right(tmp_path):
    fixture = build_registry(tmp_path / "data", size=4)
    with Server(fixture.data_dir, document_fill=0) as srv, httpx.Client(base_url=srv.url) as c:
        assert srv.app.state.document_filler is None
        conn = sqlite3.connect(fixture.data_dir / FILE)
        with conn:
            conn.execute("DROP TABLE document")
        conn.close()
        for iri in fixture.iris:
            _forget_memory(srv)
            r = c.get(doc_path(iri), headers={"Accept": "text/turtle"})
            srv.app.state.document_store.flush()
            assert r.status_code == 200 and r.content == _from_store(srv, doc_path(iri))
        assert srv.app.state.document_store.broken
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / FILE).mkdir()  # not a file: not opened, and said so
    assert DocumentStore.open(tmp_path / "dir") is None


def test_turned_off(tmp_path):
    fixture = build_registry(tmp_path / "data", size=3)
    with Server(fixture.data_dir, document_store=False) as srv, httpx.Client(base_url=srv.url) as c:
        assert srv.app.state.document_store is None and srv.app.state.document_filler is None
        r = c.get(doc_path(fixture.iris[0]), headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.content == _from_store(srv, doc_path(fixture.iris[0]))
    assert not (fixture.data_dir / FILE).exists()


GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"


def _graph(body: bytes, fmt: str = "text/turtle"):
    import rdflib

    return rdflib.Graph().parse(data=body, format={"text/turtle": "turtle", "application/n-triples": "nt"}[fmt])


def _sparql(client, query: str, accept: str = "text/turtle", **params) -> httpx.Response:
    return client.get("/sparql", params={"query": query, **params}, headers={"Accept": accept})


def test_one_passports_graph_by_sparql_is_the_kept_document(server, client):
    from rdflib.compare import isomorphic

    store = server.app.state.document_store
    for iri in server.fixture.iris[5:9]:
        for query in (GRAPH_QUERY % iri, "construct{$a $b $c .}where{graph <" + iri + ">{$a $b $c}}"):
            hits = store.hits
            kept = _sparql(client, query)
            assert kept.status_code == 200 and store.hits == hits + 1, (query, kept.text[:300])
            engine = _sparql(client, "# by the engine\n" + query)  # a comment: not the plain shape
            assert store.hits == hits + 1
            assert engine.status_code == 200
            assert kept.headers["content-type"] == engine.headers["content-type"]
            assert kept.headers["x-result-count"] == engine.headers["x-result-count"] == str(len(_graph(engine.content)))
            assert isomorphic(_graph(kept.content), _graph(engine.content))
    iri = server.fixture.iris[9]
    client.get(doc_path(iri), headers={"Accept": "application/n-triples"})  # kept once asked
    store.flush()
    hits = store.hits
    kept = _sparql(client, GRAPH_QUERY % iri, accept="application/n-triples")
    engine = _sparql(client, "#\n" + GRAPH_QUERY % iri, accept="application/n-triples")
    assert store.hits == hits + 1 and kept.headers["x-result-count"] == engine.headers["x-result-count"]
    assert set(kept.content.splitlines()) == set(engine.content.splitlines())


def test_every_other_query_goes_to_the_engine(server, client):
    from rdflib.compare import isomorphic

    store = server.app.state.document_store
    iri = server.fixture.iris[10]
    swapped = GRAPH_QUERY.replace("{ ?s ?p ?o } }", "{ ?o ?p ?s } }") % iri
    cases = [
        (swapped, {}, "text/turtle"),  # the template is not the pattern
        (GRAPH_QUERY.replace("?o", "?s") % iri, {}, "text/turtle"),
        (GRAPH_QUERY.replace("WHERE", f"FROM <{iri}> WHERE") % iri, {}, "text/turtle"),
        (GRAPH_QUERY % iri, {"named-graph-uri": server.fixture.iris[11]}, "text/turtle"),
        (GRAPH_QUERY % iri, {}, "application/ld+json"),
        (GRAPH_QUERY % iri, {"format": "rdfxml"}, "text/turtle"),
        (GRAPH_QUERY % (iri + "/v/1"), {}, "text/turtle"),
        (GRAPH_QUERY % server.fixture.retired, {}, "text/turtle"),
        (GRAPH_QUERY % f"{BASE}id/passport/GM0153/not-there", {}, "text/turtle"),
        (GRAPH_QUERY % "http://example.org/elsewhere", {}, "text/turtle"),
    ]
    for query, params, accept in cases:
        hits = store.hits
        r = _sparql(client, query, accept=accept, **params)
        assert r.status_code == 200, (query, r.text[:300])
        assert store.hits == hits, f"answered from the kept documents: {query} {params} {accept}"
    r = _sparql(client, swapped)
    triples = _graph(r.content)
    assert all((o, p, s) in triples for s, p, o in _graph(_sparql(client, GRAPH_QUERY % iri).content)
               if not isinstance(o, __import__("rdflib").Literal))
    assert not isomorphic(triples, _graph(_sparql(client, GRAPH_QUERY % iri).content))


def test_a_kept_answer_counts_against_the_clients_budget(tmp_path):
    fixture = build_registry(tmp_path / "data", size=3)
    with Server(fixture.data_dir, rate_limit_per_minute=3) as srv, httpx.Client(base_url=srv.url) as c:
        _walked(srv, 1)
        answers = [_sparql(c, GRAPH_QUERY % fixture.iris[0]).status_code for _ in range(5)]
        assert answers[:3] == [200, 200, 200] and 429 in answers[3:], answers
        assert srv.app.state.document_store.hits >= 3


def test_the_walk_gives_way_while_writes_flow(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from registry.web import document_fill

    registry = SimpleNamespace(settings=SimpleNamespace(data_dir=tmp_path), base=BASE)
    filler = document_fill.DocumentFiller(registry, None, share=0.5)
    filler._saw_serial(3)  # the first look: no write seen yet
    assert filler._share() == 0.5
    filler._saw_serial(3)
    assert filler._share() == 0.5
    filler._saw_serial(4)  # a write since the last look
    assert filler._share() == 0.05
    monkeypatch.setattr(document_fill.time, "monotonic", lambda: 1e12)  # long after it
    assert filler._share() == 0.5
