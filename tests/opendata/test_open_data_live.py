"""The live server's open data: ``/catalog`` in four RDF formats (the same graph) and as a page
in Dutch and English, ``/.well-known/void`` with counts that match the store, the dumps per
municipality and of the reference data with ``dumps/manifest.json`` (sizes and SHA-256 of the
files served), all made again after a write."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import replace

import pyoxigraph as ox
import pytest
from pages_support import BASE, build_registry

from registry.model.uris import owning_passport

DCAT, VOID = "http://www.w3.org/ns/dcat#", "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
           "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/n-triples": ox.RdfFormat.N_TRIPLES}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from registry.core.settings import Settings
    from registry.web.app import create_app

    fixture = build_registry(tmp_path_factory.mktemp("opendata") / "data", size=10, seed=2)
    settings = Settings(data_dir=fixture.data_dir, base_iri=BASE, data_licence="CC-BY-4.0")
    app = create_app(replace(settings, query_workers=1, page_workers=0, parse_workers=1, stats_refresh=0))
    with TestClient(app) as test_client:
        test_client.fixture = fixture
        yield test_client


def graph(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(body, format=fmt)}


def objects(triples, subject: str, predicate: str) -> list:
    return [t.object for t in triples if t.subject.value == subject and t.predicate.value == predicate]


def test_catalog_in_every_format_is_the_same_graph(client):
    graphs = []
    for media_type, fmt in FORMATS.items():
        answer = client.get("/catalog", headers={"Accept": media_type})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type)
        graphs.append(graph(answer.content, fmt))
    assert all(g == graphs[0] for g in graphs[1:])
    assert graph(client.get("/catalog.ttl").content, ox.RdfFormat.TURTLE) == graphs[0]
    catalog = graphs[0]
    datasets = {o.value for o in objects(catalog, BASE + "catalog", DCAT + "dataset")}
    codes = {iri.rsplit("/", 3)[-2] for iri in client.fixture.iris}
    assert datasets == {BASE + "catalog#region"} | {f"{BASE}catalog#{code}" for code in codes}
    licences = {t.object.value for t in catalog if t.predicate.value == DCT + "license"}
    assert licences == {"http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"}
    access = {o.value for o in (t.object for t in catalog if t.predicate.value == DCAT + "accessURL")}
    assert {BASE + "sparql", BASE + "feed/passports", BASE + "dumps/registry.nq.gz"} <= access
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    code = min(codes)
    dataset = f"{BASE}catalog#{code}"
    spatial = [o.value for o in objects(catalog, dataset, DCT + "spatial")]
    assert spatial == [f"https://identifier.overheid.nl/tooi/id/gemeente/{code.lower()}"]
    assert objects(catalog, spatial[0], DCAT + "bbox")[0].value.startswith("POLYGON((")
    period = objects(catalog, dataset, DCT + "temporal")[0].value
    start, end = (objects(catalog, period, DCAT + p)[0].value for p in ("startDate", "endDate"))
    assert start <= end and end[:4] >= "2026"
    assert [o.value for o in objects(catalog, dataset, DCT + "publisher")] == [
        f"https://w3id.org/materiaalpaspoort/id/municipality/{code}"]
    assert objects(catalog, dataset, DCT + "conformsTo")[0].value.startswith("https://w3id.org/materiaalpaspoort/def/")


def test_catalog_page_in_both_languages(client):
    for lang, heading in (("nl", "Catalogus van open data"), ("en", "Open data catalog")):
        page = client.get("/catalog", params={"lang": lang}, headers={"Accept": "text/html"})
        assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text
        assert 'href="/catalog.ttl"' in page.text and 'href="/.well-known/void"' in page.text
        assert "Creative Commons" in page.text and page.headers["content-language"] == lang
        assert {"Accept", "Cookie"} <= {v.strip() for v in page.headers["vary"].split(",")}


def test_dumps_and_manifest_match_the_files_and_the_store(client):
    manifest = client.get("/dumps/manifest.json").json()
    names = {f["name"]: f for f in manifest["files"]}
    assert {"registry.nq.gz", "history.nq.gz", "reference.nq.gz"} <= set(names)
    registry = client.app.state.registry
    for entry in manifest["files"]:
        body = client.get("/dumps/" + entry["name"]).content
        assert len(body) == entry["size"] and hashlib.sha256(body).hexdigest() == entry["sha256"]
    for code in {iri.rsplit("/", 3)[-2] for iri in client.fixture.iris}:
        body = gzip.decompress(client.get(f"/dumps/{code}.ttl.gz").content)
        dumped = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
        expected = {ox.Triple(q.subject, q.predicate, q.object)
                    for iri in client.fixture.iris if f"/{code}/" in iri
                    for q in registry.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))}
        assert dumped == expected, code
    reference = gzip.decompress(client.get("/dumps/reference.nq.gz").content)
    graphs = {q.graph_name.value for q in ox.parse(reference, format=ox.RdfFormat.N_QUADS)}
    assert graphs and all(g.startswith("https://w3id.org/materiaalpaspoort/def/") for g in graphs)
    downloads = client.get("/downloads", params={"lang": "en"}).text
    assert names["GM0153.ttl.gz" if "GM0153.ttl.gz" in names else "registry.nq.gz"]["sha256"] in downloads


def test_void_counts_match_the_store(client):
    void = graph(client.get("/.well-known/void").content, ox.RdfFormat.TURTLE)
    region = BASE + ".well-known/void#region"
    store = client.app.state.registry.store
    triples = sum(len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(iri))))
                  for iri in client.fixture.iris)
    assert [int(o.value) for o in objects(void, region, VOID + "triples")] == [triples]
    subsets = {o.value for o in objects(void, region, VOID + "subset")}
    assert len(subsets) == len({iri.rsplit("/", 3)[-2] for iri in client.fixture.iris})
    assert sum(int(objects(void, s, VOID + "triples")[0].value) for s in subsets) == triples
    assert objects(void, region, VOID + "sparqlEndpoint")[0].value == BASE + "sparql"
    assert objects(void, region, VOID + "exampleResource")[0].value in client.fixture.iris
    assert objects(void, region, VOID + "classPartition") and objects(void, region, VOID + "propertyPartition")


def test_everything_is_made_again_after_a_write(client):
    before = client.get("/dumps/manifest.json").json()
    gone = next(iri for iri in client.fixture.iris if iri != client.fixture.updated)
    client.app.state.registry.retire(owning_passport(BASE, gone), "test: removed")
    after = client.get("/dumps/manifest.json").json()
    assert after["generation"] != before["generation"]
    code = gone.rsplit("/", 3)[-2]
    old = {f["name"]: f["sha256"] for f in before["files"]}
    new = {f["name"]: f["sha256"] for f in after["files"]}
    assert new.get(f"{code}.ttl.gz") != old[f"{code}.ttl.gz"]
    assert new["registry.nq.gz"] != old["registry.nq.gz"]
