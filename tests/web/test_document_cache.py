"""RDF documents of passport versions kept serialised by their ETag (registry/web/document_cache.py),
on a real uvicorn server: a kept document is byte for byte what the store gives now, in every
format, after a new version, a valuation and a retirement too; old versions stay theirs; the bound
holds."""

from __future__ import annotations

import httpx
import pytest
from conftest import passport_ttl
from pages_support import BASE, Server, build_registry, doc_path, served

from registry.store.tokens import TokenStore
from registry.views import negotiation
from registry.views.linked_data import passport_document, resolve_target
from registry.web.document_cache import DocumentCache

FORMATS = {"text/turtle": negotiation.TURTLE, "application/n-triples": negotiation.N_TRIPLES,
           "application/rdf+xml": negotiation.RDF_XML, "application/ld+json": negotiation.JSON_LD}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from served(tmp_path_factory, "documents", size=12, seed=11)


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def _stats(server) -> dict[str, int]:
    return server.app.state.document_cache.stats()


def _from_store(server, path: str, fmt) -> bytes:
    """The document as the store gives it now, serialised without the cache."""
    kind, rest = path[len("/doc/"):].split("/", 1)
    doc = passport_document(server.app.state.registry, resolve_target(BASE, kind, rest).ref)
    return doc.serialize(fmt)


def _same_as_store(server, client, path: str) -> dict[str, str]:
    etags = {}
    for accept, fmt in FORMATS.items():
        first = client.get(path, headers={"Accept": accept})
        hits = _stats(server)["hits"]
        again = client.get(path, headers={"Accept": accept})
        assert first.status_code == again.status_code == 200, (path, accept, first.text[:200])
        assert _stats(server)["hits"] == hits + 1, f"{path} as {accept} was not kept"
        assert again.content == first.content == _from_store(server, path, fmt), f"{path} as {accept}"
        assert again.headers["etag"] == first.headers["etag"]
        etags[accept] = again.headers["etag"]
    return etags


def test_a_kept_document_is_the_stores_in_every_format(server, client):
    for iri in server.fixture.iris[:4]:
        _same_as_store(server, client, doc_path(iri))
    path = doc_path(server.fixture.iris[0])
    etag = client.get(path, headers={"Accept": "text/turtle"}).headers["etag"]
    revalidated = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.content == b""


def test_two_passports_are_never_each_others_document(server, client):
    bodies = {client.get(doc_path(iri), headers={"Accept": "text/turtle"}).content
              for iri in server.fixture.iris[:6] for _ in range(2)}
    assert len(bodies) == 6


def test_a_write_is_in_the_next_document_and_old_versions_stay_theirs(server, client):
    token = TokenStore(server.settings.tokens_path).create("GM0153", "document cache test")[1]
    auth = {"Authorization": f"Bearer {token}"}
    path = "/doc/passport/GM0153/kept-doc-1"
    ttl = {"Content-Type": "text/turtle", **auth}
    r = client.put("/api/v1/passports/GM0153/kept-doc-1", content=passport_ttl("kept-doc-1", label="Eerste brug"),
                   headers=ttl)
    assert r.status_code in (200, 201), r.text
    first = _same_as_store(server, client, path)
    version_1 = client.get(path, headers={"Accept": "text/turtle"}).content
    assert b"Eerste brug" in version_1
    r = client.put("/api/v1/passports/GM0153/kept-doc-1", content=passport_ttl("kept-doc-1", label="Tweede brug"),
                   headers=ttl)
    assert r.status_code in (200, 201), r.text
    second = _same_as_store(server, client, path)
    assert all(first[accept] != second[accept] for accept in FORMATS), "a new version kept its ETag"
    now = client.get(path, headers={"Accept": "text/turtle"}).content
    assert b"Tweede brug" in now and b"Eerste brug" not in now
    old = client.get(path + "/v/1", headers={"Accept": "text/turtle"})
    assert old.status_code == 200 and b"Eerste brug" in old.content and b"Tweede brug" not in old.content
    _same_as_store(server, client, path + "/v/1")  # an archived version, kept too
    r = client.post("/api/v1/valuations/GM0153", params={"date": "2026-12-31"}, headers=auth)
    assert r.status_code == 200, r.text
    _same_as_store(server, client, path)
    r = client.delete("/api/v1/passports/GM0153/kept-doc-1", params={"reason": "Test"}, headers=auth)
    assert r.status_code in (200, 204), r.text
    gone = client.get(path, headers={"Accept": "text/turtle"})
    assert gone.status_code == 410 and b"Tweede brug" not in gone.content


def test_the_bound_holds_and_large_documents_are_not_kept():
    cache = DocumentCache(max_bytes=1000)
    for n in range(50):
        cache.put(f"g{n}", '"e"', bytes(100))
    stats = cache.stats()
    assert stats["bytes"] <= 1000 and stats["documents"] == 10
    assert cache.get("g0", '"e"') is None and cache.get("g49", '"e"') == bytes(100)
    assert cache.get("g49", '"other"') is None
    cache.put("big", '"e"', bytes(200))  # over an eighth of the bound
    assert cache.get("big", '"e"') is None
    cache.get("g40", '"e"')  # recently used: kept past the next put
    cache.put("g50", '"e"', bytes(100))
    assert cache.get("g40", '"e"') is not None and cache.get("g41", '"e"') is None


def test_no_cache_when_turned_off(tmp_path):
    fixture = build_registry(tmp_path / "data", size=3)
    with Server(fixture.data_dir, document_cache_mib=0) as srv, httpx.Client(base_url=srv.url) as c:
        assert srv.app.state.document_cache is None
        r = c.get(doc_path(fixture.iris[0]), headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.content == _from_store(srv, doc_path(fixture.iris[0]),
                                                                  negotiation.TURTLE)
