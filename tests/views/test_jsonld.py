"""JSON-LD for web developers: the term context made from the ontology, and the framed and flat
documents checked against pyld (the reference implementation) and against the Turtle graph."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, passport_ttl
from pyld import jsonld
from rdflib.compare import isomorphic

from registry.model.jsonld import CONTEXT_FILE, CONTEXT_URL, context, inline_own_context
from registry.model.jsonld_context import build_context, context_text, declarations
from registry.views import jsonld_compact
from registry.views.serialization import to_jsonld

EX = "http://localhost:8000/id/"


def loader(url, options=None):
    """The registry's context from the shipped file; nothing from the network."""
    assert url == CONTEXT_URL, url
    return {"contextUrl": None, "documentUrl": url, "document": context()}


def triples_of(text: str, fmt=ox.RdfFormat.TURTLE) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text.encode(), format=fmt, base_iri=BASE)]


def graph_of(triples) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def pyld_graph(document: dict) -> rdflib.Graph:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    return rdflib.Graph().parse(data=nquads, format="nt")


def reader_graph(document: dict) -> rdflib.Graph:
    """How the registry reads a document: its own context inline, then pyoxigraph's parser."""
    data = inline_own_context(json.dumps(document).encode(), BASE)
    return graph_of([q.triple for q in ox.parse(data, format=ox.RdfFormat.JSON_LD, base_iri=BASE)])


def normalized(value):
    """pyld writes every coerced literal as a string, keeps arrays in its own order and names
    blank nodes afresh when framing."""
    if isinstance(value, str) and value.startswith("_:"):
        return "_:"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        items = [normalized(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    return value


def pyld_forms(triples) -> tuple[dict, dict]:
    """(compacted, framed) by pyld from the N-Quads, without ``@context``."""
    nquads = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    options = {"documentLoader": loader}
    flat = jsonld.compact(expanded, CONTEXT_URL, {**options, "compactArrays": True})
    framed = jsonld.frame(expanded, {"@context": CONTEXT_URL, **jsonld_compact.FRAME}, {**options, "omitGraph": True})
    for doc in (flat, framed):
        doc.pop("@context")
    return flat, framed


@pytest.fixture(scope="module")
def demo_passports() -> dict[str, list[ox.Triple]]:
    """One demo passport per object kind, with the registry-managed fields a stored one has."""
    from registry.demo import KINDS, generate

    wanted = {k.cls for k in KINDS}
    found: dict[str, list[ox.Triple]] = {}
    for _, triples in generate(400, 7, BASE, municipalities=["GM0153", "GM0150"]):
        kind = next(t.object.value.rsplit("#", 1)[1] for t in triples
                    if t.predicate.value.endswith("#type") and "/id/object/" in t.subject.value)
        found.setdefault(kind, triples)
        if set(found) >= wanted:
            break
    assert set(found) >= wanted, sorted(wanted - set(found))
    return found


# --- the context -------------------------------------------------------------------------------

def test_the_shipped_context_is_the_one_made_from_the_ontology():
    assert CONTEXT_FILE.read_text(encoding="utf-8") == context_text(), (
        "ontology/context.jsonld is out of date: run python -m registry.model.jsonld_context")


def test_every_class_and_property_of_the_ontology_has_its_own_term():
    kinds, ranges = declarations()
    ctx = build_context()["@context"]
    terms = jsonld_compact.Terms(ctx)
    by_iri = {**{iri: name for iri, name in terms.classes.items()},
              **{iri: term for iri, (term, _, _) in terms.properties.items()}}
    assert set(kinds) <= set(by_iri), sorted(set(kinds) - set(by_iri))
    assert len(set(by_iri.values())) == len(by_iri)  # no two IRIs share a term
    assert not set(by_iri.values()) & set(terms.prefixes)  # no term is also a prefix
    assert ctx["hasComponent"] == {"@id": "mp:hasComponent", "@type": "@id"}
    assert ctx["numericValue"] == {"@id": "qudt:numericValue", "@type": "xsd:decimal"}
    assert ctx["versionNumber"]["@type"] == "xsd:integer"
    assert ctx["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert ctx["Bridge"] == "mp:Bridge"
    assert len(ranges) > 50


def test_two_iris_with_one_local_name_get_two_terms():
    from registry.model.jsonld_context import term_names
    from registry.model.vocab import DCTERMS, MP, PREFIXES

    kinds = {MP + "source": "property", DCTERMS + "source": "property", MP + "Source": "class"}
    assert term_names(kinds, PREFIXES) == {MP + "source": "source", DCTERMS + "source": "dctermsSource",
                                           MP + "Source": "Source"}


# --- against pyld and the Turtle graph ---------------------------------------------------------

def check(triples, *, against_pyld: bool = True) -> tuple[dict, dict]:
    """Both forms expand (pyld) and parse (the registry's reader) to the graph of ``triples``."""
    flat = json.loads(to_jsonld(triples, framed=False))
    framed = json.loads(to_jsonld(triples))
    expected = graph_of(triples)
    for doc in (flat, framed):
        assert doc["@context"] == CONTEXT_URL
        assert isomorphic(pyld_graph(doc), expected)
        assert isomorphic(reader_graph(doc), expected)
    if against_pyld:
        reference_flat, reference_framed = pyld_forms(triples)
        del flat["@context"], framed["@context"]
        assert normalized(flat) == normalized(reference_flat)
        assert normalized(framed) == normalized(reference_framed)
    return flat, framed


def test_the_example_passport_is_framed_object_components_quantities():
    flat, framed = check(triples_of(passport_ttl()))
    assert framed["@type"] == "Passport" and framed["describes"]["@type"] == "Bridge"
    deck = framed["describes"]["hasComponent"]
    assert deck["label"] == {"nl": "Brugdek"}
    quantity = deck["hasMaterialQuantity"]
    assert quantity["numericValue"] == "120.5" and quantity["material"] == "mpv:material/concrete"
    assert deck["hasComponent"]["hasMaterialQuantity"]["numericValue"] == "2.4"
    assert "@id" not in deck["detachability"]  # a blank node used once
    assert framed["describes"]["valuation"]["amount"] == "14460.00"
    assert len(flat["@graph"]) == 10


def test_every_demo_passport_kind_against_pyld(demo_passports):
    for kind, triples in demo_passports.items():
        _, framed = check(triples)
        assert framed["describes"]["@type"] == kind, kind


def test_triples_out_of_order_give_the_same_documents(demo_passports):
    import random

    triples = list(demo_passports["Bridge"])
    shuffled = triples[:]
    random.Random(1).shuffle(shuffled)
    assert normalized(json.loads(to_jsonld(shuffled))) == normalized(json.loads(to_jsonld(triples)))
    assert check(shuffled)


def test_literals_the_coercion_does_not_fit_keep_their_exact_form():
    text = """
    @prefix mp: <https://w3id.org/materiaalpaspoort/def#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <http://localhost:8000/id/passport/GM0153/x> a mp:Passport ; mp:versionNumber "007"^^xsd:integer , 12 ,
        9007199254740993 ; mp:describes <http://localhost:8000/id/object/GM0153/x> ; rdfs:label "plain" , "twee"@nl ,
        "een"@nl , "one"@en ; mp:indicative "1"^^xsd:boolean , false ; mp:priceSource "prijs"@nl ;
        mp:hasComponent "not an IRI" ; mp:amount <http://example.org/not-a-number> , 1.50 .
    <http://localhost:8000/id/object/GM0153/x> a mp:Bridge , mp:Quay ; mp:hasComponent _:shared , _:other ;
        mp:hasMaterialQuantity [ qudt:numericValue "1.5E0"^^xsd:double , 2.50 ] .
    _:other mp:hasComponent _:shared . _:shared rdfs:label "gedeeld"@nl .
    """
    _, passport = check(triples_of(text))
    assert sorted(passport["versionNumber"], key=str) == ["007", 12, "9007199254740993"]  # 2**53 + 1: a string
    assert sorted(passport["indicative"], key=str) == ["1", False]
    assert passport["label"]["en"] == "one" and sorted(passport["label"]["nl"]) == ["een", "twee"]
    assert passport["label"]["@none"] == "plain"
    assert passport["mp:hasComponent"] == "not an IRI"
    assert passport["mp:amount"] == {"@id": "http://example.org/not-a-number"} and passport["amount"] == "1.50"
    quantity = passport["describes"]["hasMaterialQuantity"]
    assert quantity["numericValue"] == "2.50"
    assert quantity["qudt:numericValue"] == {"@type": "xsd:double", "@value": "1.5E0"}


def test_nodes_no_passport_reaches_stay_in_the_framed_document():
    text = passport_ttl() + "\n<http://localhost:8000/id/component/GM0153/brug-0042/loose> a <https://w3id.org/materiaalpaspoort/def#Component> .\n"
    _, framed = check(triples_of(text), against_pyld=False)  # pyld's framing leaves the loose node out
    assert [node["@type"] for node in framed["@graph"]] == ["Passport", "Component"]


def test_a_document_without_a_passport_is_flat_and_cycles_end():
    text = ("<http://localhost:8000/id/component/GM0153/a/1> <https://w3id.org/materiaalpaspoort/def#hasComponent> "
            "<http://localhost:8000/id/component/GM0153/a/2> .\n<http://localhost:8000/id/component/GM0153/a/2> "
            "<https://w3id.org/materiaalpaspoort/def#hasComponent> <http://localhost:8000/id/component/GM0153/a/1> .\n")
    flat, framed = check(triples_of(text, ox.RdfFormat.N_TRIPLES), against_pyld=False)
    assert flat == framed and len(flat["@graph"]) == 2
    cycle = passport_ttl() + ("<http://localhost:8000/id/component/GM0153/brug-0042/deck-railing> "
                              "<https://w3id.org/materiaalpaspoort/def#hasComponent> "
                              "<http://localhost:8000/id/component/GM0153/brug-0042/deck> .\n")
    _, framed = check(triples_of(cycle))
    assert framed["describes"]["hasComponent"]["hasComponent"]["hasComponent"] == (
        "http://localhost:8000/id/component/GM0153/brug-0042/deck")


def test_what_the_direct_compaction_does_not_cover_goes_to_pyld():
    odd = triples_of('<http://localhost:8000/id/passport/GM0153/x> <http://example.org/p> '
                     '"{\\"a\\":1}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .', ox.RdfFormat.N_TRIPLES)
    with pytest.raises(jsonld_compact.NotSimple):
        jsonld_compact.flat(odd)
    doc = json.loads(to_jsonld(odd))
    assert isomorphic(pyld_graph(doc), graph_of(odd))
    passport = triples_of(passport_ttl()) + [ox.Triple(ox.NamedNode(EX + "passport/GM0153/brug-0042"),
                                                       odd[0].predicate, odd[0].object)]
    framed = json.loads(to_jsonld(passport))  # pyld's framing
    assert framed["describes"]["@type"] == "Bridge"
    assert isomorphic(pyld_graph(framed), graph_of(passport))


# --- reading -----------------------------------------------------------------------------------

def test_the_own_context_is_put_back_inline_by_either_url_and_others_stay():
    for url in (CONTEXT_URL, BASE + "context.jsonld", [CONTEXT_URL, {"x": "http://example.org/x"}]):
        data = json.dumps({"@context": url, "@id": EX + "passport/GM0153/x", "label": {"nl": "x"}}).encode()
        inlined = json.loads(inline_own_context(data, BASE))["@context"]
        first = inlined[0] if isinstance(inlined, list) else inlined
        assert first["label"] == {"@id": "rdfs:label", "@container": "@language"}
    other = b'{"@context": "https://example.org/context.jsonld"}'
    assert inline_own_context(other, BASE) == other


# --- which form ----------------------------------------------------------------------------------

@pytest.mark.parametrize("accept,flat", [
    ("application/ld+json", False),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#flattened"', True),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted http://www.w3.org/ns/json-ld#flattened"', True),
    ('text/turtle;q=0.5, application/ld+json;profile="http://www.w3.org/ns/json-ld#flattened"', True),
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#framed"', False),
])
def test_the_flattened_profile_asks_for_the_flat_form(accept, flat):
    from registry.views import negotiation

    fmt = negotiation.negotiate(accept)
    assert fmt == negotiation.JSON_LD
    assert (negotiation.with_profile(fmt, accept) == negotiation.JSON_LD_FLAT) is flat
    assert negotiation.with_profile(negotiation.TURTLE, accept) == negotiation.TURTLE


def test_a_downloaded_file_is_read_with_the_context_inline(tmp_path):
    """``passports add passport.jsonld`` of a download: the file reader inlines the context too."""
    from conftest import docs_from

    from registry.model.documents import read_file

    triples = triples_of(passport_ttl())
    (expected,) = docs_from(passport_ttl())  # as the reader gives it (decimals in canonical form)
    for framed in (True, False):
        path = tmp_path / f"passport-{framed}.jsonld"
        path.write_bytes(to_jsonld(triples, framed=framed))
        (doc,) = read_file(path, BASE)
        assert isomorphic(graph_of(doc.triples), graph_of(expected.triples))
