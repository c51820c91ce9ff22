"""A stored demo passport of every object kind, served as framed and flat JSON-LD: both expand
(pyld) to the graph of the Turtle document, and both go back with PUT unchanged."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from registry.model.jsonld import CONTEXT_URL
from registry.store.tokens import TokenStore
from registry.views.negotiation import FLATTENED

FLAT = f'application/ld+json;profile="{FLATTENED}"'


def one_per_kind(base: str) -> dict[str, tuple[str, str]]:
    """Object class -> (passport IRI, N-Triples) for the first demo passport of each kind."""
    from registry.demo import KINDS, generate

    wanted = {k.cls for k in KINDS}
    found: dict[str, tuple[str, str]] = {}
    for iri, triples in generate(400, 5, base, municipalities=["GM0153"]):
        kind = next(t.object.value.rsplit("#", 1)[1] for t in triples
                    if t.predicate.value.endswith("#type") and "/id/object/" in t.subject.value)
        if kind not in found:
            found[kind] = (iri, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode())
        if set(found) >= wanted:
            return found
    pytest.fail(f"no demo passport of {sorted(wanted - set(found))}")


def expanded_graph(body: str, context: dict) -> rdflib.Graph:
    doc = json.loads(body)
    assert doc["@context"] == CONTEXT_URL

    def loader(url, options=None):
        assert url == CONTEXT_URL
        return {"contextUrl": None, "documentUrl": url, "document": context}

    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader})
    return rdflib.Graph().parse(data=nquads, format="nt")


def test_every_kind_framed_and_flat_is_the_turtle_graph_and_goes_back_unchanged(app_client, settings):
    base = app_client.app.state.registry.base
    token = TokenStore(settings.tokens_path).create("GM0153", "json-ld")[1]
    app_client.headers["Authorization"] = f"Bearer {token}"
    context = app_client.get("/context.jsonld").json()  # the instance serves the stable URL's context
    for kind, (iri, text) in one_per_kind(base).items():
        api = "/api/v1/passports/" + iri[len(base + "id/passport/"):]
        r = app_client.put(api, content=text.encode(), headers={"Content-Type": "application/n-triples"})
        assert r.status_code == 201, r.text
        doc = "/" + iri[len(base):]
        turtle = app_client.get(doc, headers={"Accept": "text/turtle"}, follow_redirects=True).text
        expected = rdflib.Graph().parse(data=turtle, format="turtle")
        for accept in ("application/ld+json", FLAT):
            r = app_client.get(doc, headers={"Accept": accept}, follow_redirects=True)
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
            assert isomorphic(expanded_graph(r.text, context), expected), (kind, accept)
            body = json.loads(r.text)
            if accept == FLAT:
                assert "@graph" in body
            else:
                assert body["@type"] == "Passport" and body["describes"]["@type"] == kind
            back = app_client.put(api, content=r.content, headers={"Content-Type": "application/ld+json"})
            assert back.status_code == 200 and back.json()["unchanged"], (kind, accept, back.text)
