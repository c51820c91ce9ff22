"""RDF documents as bytes: Turtle and RDF/XML with readable prefixes, N-Triples, JSON-LD.

pyoxigraph serialises every format except compacted and framed JSON-LD, which
``registry.views.jsonld_compact`` builds from the triples against the registry's term context
(``ontology/context.jsonld``); the document then names that context by its stable URL. A passport
is framed (the object, its components and their quantities nested) unless the flat form
(``JSON_LD_FLAT``: one node per subject in ``@graph``) is asked for.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

import pyoxigraph as ox

from registry.model.jsonld import (  # noqa: F401 (re-exported)
    ALL_PREFIXES,
    CONTEXT_PATH,
    CONTEXT_URL,
    EXTRA_PREFIXES,
    SCHEMES,
    context,
    context_bytes,
)
from registry.model.vocab import MPV, RDF
from registry.views import jsonld_compact
from registry.views.negotiation import JSON_LD_FLAT, DocFormat

RDF_TYPE_IRI = RDF + "type"
_BY_NAMESPACE = {ns: name for name, ns in ALL_PREFIXES.items()}
# What a passport document may use (docs/model.md). Declared in every passport document: finding
# the prefixes a document really uses costs more than serialising it.
PASSPORT_PREFIXES = {name: ALL_PREFIXES[name] for name in (
    "mp", "mpv", "xsd", "rdfs", "dcterms", "prov", "geo", "qudt", "unit", "municipality", "phase",
    "policyangle", "rstrategy", "condition", "material", "origin", "materialphase", "dataquality",
    "connectiontype", "accessibility", "intersection", "productedge", "valuationmethod",
    "releasequality")}


@functools.lru_cache(maxsize=65536)
def _prefix_of(iri: str) -> tuple[str, str] | None:
    """The prefix (name, namespace) that shortens ``iri`` in Turtle, if any."""
    if iri.startswith(MPV):
        slash = iri.find("/", len(MPV))
        ns = iri[:slash + 1] if slash > 0 else MPV
        return (_BY_NAMESPACE[ns], ns) if ns in _BY_NAMESPACE else ("mpv", MPV)
    cut = max(iri.rfind("#"), iri.rfind("/"))
    ns = iri[:cut + 1]
    return (_BY_NAMESPACE[ns], ns) if cut > 0 and ns in _BY_NAMESPACE else None


def used_prefixes(triples: Sequence[ox.Triple]) -> dict[str, str]:
    """The prefixes that shorten at least one IRI of ``triples`` (subjects, predicates, objects,
    datatypes), so a document declares only what it uses."""
    iris: set[str] = set()
    add = iris.add
    named, literal = ox.NamedNode, ox.Literal
    for s, p, o in triples:
        add(p.value)
        kind = type(o)
        if kind is named:
            add(o.value)
        elif kind is literal and not o.language:
            add(o.datatype.value)
        if type(s) is named:
            add(s.value)
    found = dict(filter(None, map(_prefix_of, iris)))
    return found


def to_jsonld(triples: Sequence[ox.Triple], *, framed: bool = True, context_url: str = CONTEXT_URL) -> bytes:
    """JSON-LD naming ``context_url`` (the registry's stable context URL) as its context: a passport
    framed (or flat with ``framed=False``), anything else compacted, one node per subject."""
    body = jsonld_compact.document(triples, frame=framed)
    return json.dumps({"@context": context_url, **body}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def serialize(triples: Sequence[ox.Triple], fmt: DocFormat, *, context_url: str = CONTEXT_URL,
              prefixes: dict[str, str] | None = None) -> bytes:
    """The document in ``fmt`` (an RDF format); ``prefixes`` for Turtle and RDF/XML, by default
    the ones the triples use."""
    rdf_format = fmt.rdf_format
    if rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if rdf_format == ox.RdfFormat.JSON_LD:
        return to_jsonld(triples, framed=fmt != JSON_LD_FLAT, context_url=context_url)
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=rdf_format)
    return ox.serialize(triples, format=rdf_format,
                        prefixes=prefixes if prefixes is not None else used_prefixes(triples))



def serialize_graph(store: ox.Store, graph: ox.NamedNode, fmt: DocFormat, *, context_url: str = CONTEXT_URL,
                    prefixes: dict[str, str]) -> bytes:
    """One named graph of ``store`` in ``fmt``, written by pyoxigraph straight from the store."""
    rdf_format = fmt.rdf_format
    if rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if rdf_format == ox.RdfFormat.JSON_LD:
        return to_jsonld([q.triple for q in store.quads_for_pattern(None, None, None, graph)],
                         framed=fmt != JSON_LD_FLAT, context_url=context_url)
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        return store.dump(format=rdf_format, from_graph=graph)
    return store.dump(format=rdf_format, from_graph=graph, prefixes=prefixes)
