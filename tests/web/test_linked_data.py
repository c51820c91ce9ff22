"""Linked-data URIs on a real uvicorn server on a loopback port, with httpx, rdflib and pyld.

The registry's base IRI is the server's own address, so every IRI in a document dereferences.
Data: the model's example passport in three versions, a passport retired after two versions and
a passport whose key ends in ".ttl" (a suffix that must not be mistaken for a format).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from conftest import ROOT
from pyld import jsonld
from rdflib.compare import isomorphic
from servers import free_port

from registry.model.jsonld import CONTEXT_URL
from registry.views.negotiation import FLATTENED

MPV = "https://w3id.org/materiaalpaspoort/id/"
MP = "https://w3id.org/materiaalpaspoort/def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = rdflib.RDF.type

FORMATS = [  # (Accept, suffix, rdflib parser, media type)
    ("text/turtle", ".ttl", "turtle", "text/turtle"),
    ("application/ld+json", ".jsonld", "json-ld", "application/ld+json"),
    ("application/n-triples", ".nt", "nt", "application/n-triples"),
    ("application/rdf+xml", ".rdf", "xml", "application/rdf+xml"),
]
# The first three demo passports of GM0153, under these keys.
KEYS = ("road-1", "retired-2", "put-3.ttl")  # the last ends in a format suffix
PASSPORT, RETIRED, SUFFIXED = (f"passport/GM0153/{key}" for key in KEYS)


def _demo_texts(base: str) -> list[str]:
    """The first three demo passports of GM0153 as N-Triples text, renamed to ``KEYS``."""
    from registry.demo import generate

    texts = []
    for (iri, triples), key in zip(generate(3, 42, base, municipalities=["GM0153"]), KEYS, strict=True):
        old = iri.rsplit("/", 1)[1]
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
        texts.append(text.replace(f"/GM0153/{old}>", f"/GM0153/{key}>")
                     .replace(f"/GM0153/{old}/", f"/GM0153/{key}/").replace(f'"{old}"', f'"{key}"'))
    return texts


def _docs(text: str, base: str):
    from registry.model.documents import read_bytes

    return read_bytes(text.encode("utf-8"), base, ox.RdfFormat.N_TRIPLES)


def _version(text: str, n: int) -> str:
    """Version ``n`` of a passport: its titles say which version they are."""
    return text.replace('<http://purl.org/dc/terms/title> "', f'<http://purl.org/dc/terms/title> "(v{n}) ')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A registry with versions and a retired passport, served by uvicorn in a subprocess."""
    from registry.core.settings import Settings
    from registry.model.uris import passport_ref
    from registry.store.registry import Registry

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    data = tmp_path_factory.mktemp("ld") / "data"
    settings = Settings(data_dir=data, base_iri=base)
    texts = _demo_texts(base)
    road, retired, suffixed = texts
    with Registry.open(settings) as reg:
        for n in (1, 2, 3):
            report = reg.add(_docs(_version(road, n), base), comment="test")
            assert report.written == 1, [i.text("en") for v in report.rejected for i in v.issues]
        activity = report.activity
        for n in (1, 2):
            assert reg.add(_docs(_version(retired, n), base)).written == 1
        reg.retire(passport_ref(base, "GM0153", KEYS[1]), "gesloopt in 2026 / demolished in 2026")
        assert reg.add(_docs(suffixed, base)).written == 1
    parts = {}
    for line in road.splitlines():
        for kind in ("component", "quantity", "object", "valuation"):
            iri = line.split(" ", 1)[0].strip("<>")
            if f"/id/{kind}/" in iri and kind not in parts:
                parts[kind] = iri[len(base) + 3:]
    code = ("import uvicorn\n"
            "from registry.web.app import create_app\n"
            "from registry.core.settings import Settings\n"
            f"uvicorn.run(create_app(Settings(data_dir={str(data)!r}, base_iri={base!r})), "
            f"host='127.0.0.1', port={port}, log_level='warning')\n")
    log_path = data.parent / "server.log"
    with open(log_path, "wb") as log:  # the server keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "context.jsonld", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the server did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)
    client = httpx.Client(base_url=base, timeout=30)
    yield {"base": base, "client": client, "activity": activity, "parts": parts, "log": log_path,
           "submitted": _version(road, 3)}
    client.close()
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    errors = log_path.read_text(errors="replace")
    assert "Traceback" not in errors, f"the server logged errors:\n{errors[-5000:]}"


def _graph(body: bytes, parser: str, base: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=parser, publicID=base)


def _by_value(triple) -> tuple:
    return tuple(term.toPython() if isinstance(term, rdflib.Literal) else term for term in triple)


def _jsonld_graph(body: bytes, base: str) -> rdflib.Graph:
    """Expand with pyld, fetching the published @context from the server itself."""
    fetched = []

    def loader(url, options=None):
        fetched.append(url)
        assert url == CONTEXT_URL  # the stable URL, served by this instance too
        response = httpx.get(base + "context.jsonld", timeout=10)
        response.raise_for_status()
        return {"contextUrl": None, "documentUrl": url, "document": response.json()}

    doc = json.loads(body)
    assert doc["@context"] == CONTEXT_URL
    expanded = jsonld.expand(doc, {"documentLoader": loader})
    assert fetched == [CONTEXT_URL]
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    return rdflib.Graph().parse(data=nquads, format="nt")


# --- 303 See Other -----------------------------------------------------------------------------

@pytest.mark.parametrize("accept,suffix", [(a, s) for a, s, _, _ in FORMATS]
                         + [("text/html", ""), ("text/html,application/xhtml+xml,*/*;q=0.8", ""),
                            ("text/turtle;q=0.2, application/rdf+xml;q=0.9", ".rdf")])
@pytest.mark.parametrize("path", [PASSPORT, "rstrategy/R3", "municipality/GM0153", "objectkind/Bridge",
                                  f"{PASSPORT}/v/2"])
def test_id_answers_303_to_the_document_in_the_asked_format(server, path, accept, suffix):
    r = server["client"].get(f"/id/{path}", headers={"Accept": accept})
    assert r.status_code == 303
    assert r.headers["location"] == f"/doc/{path}{suffix}"
    assert "accept" in r.headers["vary"].lower()


def test_passport_resources_answer_with_the_passport_document(server):
    client = server["client"]
    assert set(server["parts"]) == {"component", "quantity", "object", "valuation"}
    for path in server["parts"].values():
        r = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
        assert r.status_code == 303, path
        assert r.headers["location"] == f"/doc/{PASSPORT}.ttl"
        r = client.get(f"/doc/{path}.nt")
        assert r.status_code == 303 and r.headers["location"] == f"/doc/{PASSPORT}.nt"
    assert client.get(f"/id/component/GM0153/{KEYS[0]}/no-such-part").status_code == 404


# --- documents -------------------------------------------------------------------------------

def test_every_format_parses_to_the_same_graph(server):
    client, base = server["client"], server["base"]
    graphs = {}
    for accept, suffix, parser, media_type in FORMATS:
        by_accept = client.get(f"/doc/{PASSPORT}", headers={"Accept": accept})
        by_suffix = client.get(f"/doc/{PASSPORT}{suffix}", headers={"Accept": "text/html"})
        for r in (by_accept, by_suffix):
            assert r.status_code == 200
            assert r.headers["content-type"].startswith(media_type)
        assert "accept" in by_accept.headers["vary"].lower()
        assert by_accept.content == by_suffix.content
        graphs[parser] = (_jsonld_graph(by_suffix.content, base) if parser == "json-ld"
                          else _graph(by_suffix.content, parser, base))
    reference = graphs["nt"]
    assert len(reference) > 40
    for parser, graph in graphs.items():
        assert isomorphic(graph, reference), parser
    passport = rdflib.URIRef(base + PASSPORT.replace("passport/", "id/passport/", 1))
    assert (passport, rdflib.URIRef(MP + "versionNumber"), rdflib.Literal(3)) in reference
    titles = {str(t) for t in reference.objects(passport, rdflib.DCTERMS.title)}
    assert titles and all(t.startswith("(v3) ") for t in titles)
    # Everything that was submitted is in the document (literals by value: the store keeps
    # canonical forms, "0.10" is stored as "0.1"; blank-node triples counted).
    submitted = rdflib.Graph().parse(data=server["submitted"], format="nt")
    ground = [t for t in submitted if not any(isinstance(x, rdflib.BNode) for x in t)]
    served = {_by_value(t) for t in reference}
    missing = [t for t in ground if _by_value(t) not in served]
    assert ground and not missing, missing[:5]
    with_bnodes = len(submitted) - len(ground)
    assert with_bnodes == sum(1 for t in reference if any(isinstance(x, rdflib.BNode) for x in t))


def test_turtle_uses_readable_prefixes_and_json_ld_is_compacted(server):
    client = server["client"]
    ttl = client.get(f"/doc/{PASSPORT}.ttl").text
    assert "@prefix mp: <https://w3id.org/materiaalpaspoort/def#>" in ttl
    assert "municipality:GM0153" in ttl and "mp:projectPhase phase:" in ttl
    assert "@prefix sh:" not in ttl  # only prefixes the document uses
    passport = client.get(f"/doc/{PASSPORT}.jsonld").json()  # framed: the passport on top
    assert passport["@id"].endswith("/id/" + PASSPORT) and passport["@type"] == "Passport"
    assert passport["projectPhase"].startswith("mpv:phase/")
    assert passport["municipality"] == "mpv:municipality/GM0153"
    assert passport["describes"]["hasComponent"]
    flat = client.get(f"/doc/{PASSPORT}.jsonld", headers={"Accept": f'application/ld+json;profile="{FLATTENED}"'})
    assert flat.headers["content-type"].startswith(f'application/ld+json; profile="{FLATTENED}"')
    assert "accept" in flat.headers["vary"].lower()
    nodes = flat.json()["@graph"]
    assert next(n for n in nodes if n["@id"] == passport["@id"])["describes"] == passport["describes"]["@id"]
    context = client.get("/context.jsonld")
    assert context.headers["content-type"].startswith("application/ld+json")
    assert context.json()["@context"]["mp"] == MP
    assert context.json()["@context"]["hasComponent"] == {"@id": "mp:hasComponent", "@type": "@id"}


def test_suffix_fixes_the_format_whatever_the_accept_header(server):
    r = server["client"].get(f"/doc/{PASSPORT}.ttl", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "accept" not in r.headers.get("vary", "").lower()


def test_key_that_ends_in_a_suffix_is_still_a_key(server):
    client, base = server["client"], server["base"]
    r = client.get(f"/id/{SUFFIXED}", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["location"] == f"/doc/{SUFFIXED}.ttl"
    r = client.get(f"/id/{SUFFIXED}", headers={"Accept": "text/html"})
    assert r.headers["location"] == f"/doc/{SUFFIXED}.html"
    g = _graph(client.get(f"/doc/{SUFFIXED}.ttl").content, "turtle", base)
    assert (rdflib.URIRef(base + "id/" + SUFFIXED), RDF_TYPE, rdflib.URIRef(MP + "Passport")) in g
    r = client.get(f"/doc/{SUFFIXED}", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")


def test_head_and_not_acceptable(server):
    client = server["client"]
    head = client.head(f"/doc/{PASSPORT}.ttl")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    r = client.get(f"/id/{PASSPORT}", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "text/turtle" in r.text


# --- versions and caching ----------------------------------------------------------------------

def test_versions_are_immutable_and_cached_for_a_year(server):
    client, base = server["client"], server["base"]
    seen = {}
    for n in (1, 2, 3):
        r = client.get(f"/doc/{PASSPORT}/v/{n}.ttl")
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        g = _graph(r.content, "turtle", base)
        titles = {str(t) for t in g.objects(None, rdflib.DCTERMS.title)}
        assert titles and all(t.startswith(f"(v{n}) ") for t in titles), titles
        assert (None, rdflib.URIRef(MP + "versionNumber"), rdflib.Literal(n)) in g
        seen[n] = r.headers["etag"]
    assert len(set(seen.values())) == 3
    current = client.get(f"/doc/{PASSPORT}.ttl")
    assert "immutable" not in current.headers["cache-control"]
    assert current.content == client.get(f"/doc/{PASSPORT}/v/3.ttl").content
    for missing in ("v/4", "v/0", "v/99999"):
        assert client.get(f"/doc/{PASSPORT}/{missing}.ttl").status_code == 404


def test_etag_and_last_modified_answer_304(server):
    client = server["client"]
    first = client.get(f"/doc/{PASSPORT}.ttl")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["etag"] == client.get(f"/doc/{PASSPORT}.ttl").headers["etag"]
    assert client.get(f"/doc/{PASSPORT}.nt").headers["etag"] != etag  # per format
    not_modified = client.get(f"/doc/{PASSPORT}.ttl", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    either = {"If-None-Match": f'"other", W/{etag}'}
    assert client.get(f"/doc/{PASSPORT}.ttl", headers=either).status_code == 304
    assert client.get(f"/doc/{PASSPORT}.ttl", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(f"/doc/{PASSPORT}.ttl", headers={"If-Modified-Since": modified}).status_code == 304
    old = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(f"/doc/{PASSPORT}.ttl", headers={"If-Modified-Since": old}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = client.get(f"/doc/{PASSPORT}.ttl",
                      headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200
    versioned = client.get(f"/doc/{PASSPORT}/v/1.ttl")
    assert client.get(f"/doc/{PASSPORT}/v/1.ttl",
                      headers={"If-None-Match": versioned.headers["etag"]}).status_code == 304


# --- retired, unknown, hostile -----------------------------------------------------------------

def test_retired_passport_answers_410_with_when_why_and_history(server):
    client, base = server["client"], server["base"]
    r = client.get(f"/id/{RETIRED}", headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    r = client.get(r.headers["location"])
    assert r.status_code == 410
    g = _graph(r.content, "turtle", base)
    node = rdflib.URIRef(base + "id/" + RETIRED)
    assert "demolished in 2026" in str(g.value(node, rdflib.URIRef(MP + "retirementReason")))
    assert g.value(node, rdflib.URIRef(MP + "retiredAt")) is not None
    versions = set(g.objects(node, rdflib.DCTERMS.hasVersion))
    assert versions == {rdflib.URIRef(f"{node}/v/1"), rdflib.URIRef(f"{node}/v/2")}
    page = client.get(f"/doc/{RETIRED}", headers={"Accept": "text/html"})
    assert page.status_code == 410 and page.headers["content-type"].startswith("text/html")
    assert "demolished in 2026" in page.text and f"{RETIRED}/v/1" in page.text
    for n in (1, 2):
        v = client.get(f"/doc/{RETIRED}/v/{n}.ttl")
        assert v.status_code == 200 and "immutable" in v.headers["cache-control"]
    assert client.get(f"/doc/{RETIRED}/v/3.ttl").status_code == 404
    # its object still leads to the (retired) passport document
    r = client.get(f"/id/object/GM0153/{KEYS[1]}", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["location"] == f"/doc/{RETIRED}.ttl"


def test_unknown_uri_answers_404_with_a_search_form(server):
    client = server["client"]
    page = client.get("/id/passport/GM0153/no-such-bridge", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert 'action="/search"' in page.text and 'name="q"' in page.text and "no-such-bridge" in page.text
    rdf = client.get("/doc/passport/GM0153/no-such-bridge.ttl")
    assert rdf.status_code == 404 and rdf.headers["content-type"].startswith("text/plain")
    for path in ("/id/rstrategy/R99", "/id/material/unobtainium", "/id/objectkind/Passport",
                 "/doc/municipality/GM9999.ttl", "/id/passport/GM0153", "/id/passport/XX0153/road-1",
                 "/doc/nonsense/thing.ttl"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404, path


@pytest.mark.parametrize("raw", [
    "/id/passport/GM0153/..%2F..%2F..%2Fetc%2Fpasswd",
    "/doc/passport/GM0153/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/doc/passport/GM0153/road-1%00.ttl",
    "/doc/material/..%2F..%2Fpyproject.toml",
    "/doc/passport/GM0153/road-1/v/1/../../../../etc/passwd",
    "/id/agent/..%2F..%2Fetc%2Fpasswd",
    "/doc/rstrategy/R3%2F..%2F..%2Fsecret.ttl",
])
def test_path_traversal_and_malformed_keys_never_read_files(server, raw):
    r = httpx.get(server["base"].rstrip("/") + raw, headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code in (400, 404), (raw, r.status_code)
    assert "root:" not in r.text and "[project]" not in r.text


# --- vocabulary --------------------------------------------------------------------------------

def _follow(server, path: str, accept: str = "text/turtle") -> rdflib.Graph:
    client = server["client"]
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 303, (path, r.status_code, r.text[:200])
    doc = client.get(r.headers["location"], headers={"Accept": accept})
    assert doc.status_code == 200, (path, doc.status_code)
    assert doc.headers.get("etag")
    return _graph(doc.content, "turtle", server["base"])


def test_every_r_ladder_step_phase_and_policy_angle_resolves(server):
    label = rdflib.URIRef(SKOS + "prefLabel")
    keys = ([f"rstrategy/R{n}" for n in range(10)]
            + [f"phase/{p}" for p in ("initiative", "exploration", "design", "tendering", "realisation",
                                     "management", "end-of-use")]
            + [f"policyangle/{p}" for p in ("purchasing", "public-space", "area-development",
                                           "residents", "businesses")])
    for key in keys:
        g = _follow(server, f"/id/{key}")
        concept = rdflib.URIRef(MPV + key)
        languages = {o.language for o in g.objects(concept, label)}
        assert {"nl", "en"} <= languages, key
        assert (concept, RDF_TYPE, rdflib.URIRef(SKOS + "Concept")) in g, key


def test_scheme_municipality_material_object_kind_and_codelist_resolve(server):
    g = _follow(server, "/id/rstrategy")
    members = set(g.subjects(rdflib.URIRef(SKOS + "inScheme"), rdflib.URIRef(MPV + "rstrategy")))
    assert len(members) == 10
    g = _follow(server, "/id/municipality/GM0153")
    assert (rdflib.URIRef(MPV + "municipality/GM0153"), RDF_TYPE, rdflib.URIRef(MP + "Municipality")) in g
    g = _follow(server, "/id/material/concrete")
    assert (rdflib.URIRef(MPV + "material/concrete"), RDF_TYPE, rdflib.URIRef(SKOS + "Concept")) in g
    g = _follow(server, "/id/objectkind/Bridge")
    assert (rdflib.URIRef(MP + "Bridge"), RDF_TYPE, rdflib.OWL.Class) in g
    g = _follow(server, "/id/condition/3")
    assert (rdflib.URIRef(MPV + "condition/3"), RDF_TYPE, rdflib.URIRef(SKOS + "Concept")) in g
    jsonld_doc = server["client"].get("/doc/material/concrete.jsonld")
    assert jsonld_doc.status_code == 200
    assert isomorphic(_jsonld_graph(jsonld_doc.content, server["base"]),
                      _graph(server["client"].get("/doc/material/concrete.nt").content, "nt", server["base"]))


def test_ontology_resolves_in_turtle(server):
    client, base = server["client"], server["base"]
    for r in (client.get("/def", headers={"Accept": "text/turtle"}), client.get("/def.ttl")):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        g = _graph(r.content, "turtle", base)
        assert (rdflib.URIRef(MP.rstrip("#")), RDF_TYPE, rdflib.OWL.Ontology) in g
        assert (rdflib.URIRef(MP + "Passport"), RDF_TYPE, rdflib.OWL.Class) in g
        assert (rdflib.URIRef(MP + "Bridge"), rdflib.RDFS.subClassOf, None) in g
    assert client.get("/def", headers={"Accept": "text/turtle"}).headers["vary"].lower() == "accept"
    assert client.get("/def.rdf").headers["content-type"].startswith("application/rdf+xml")
    assert client.get("/def.exe").status_code == 404


def test_provenance_activity_resolves(server):
    activity = server["activity"]
    path = "/" + activity[len(server["base"]):]
    g = _follow(server, path)
    assert (rdflib.URIRef(activity), RDF_TYPE, rdflib.PROV.Activity) in g


