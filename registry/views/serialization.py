"""RDF documents as bytes: Turtle and RDF/XML with readable prefixes, N-Triples, compacted JSON-LD.

pyoxigraph serialises every format except compacted JSON-LD. Compacted JSON-LD against the
registry's published ``@context`` (served at ``/context.jsonld``, prefixes only) is built straight
from the triples (``to_jsonld``), or from pyoxigraph's expanded output (``compact``, for a graph
dumped from the store); either way the document then names that context by URL.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from collections.abc import Sequence

import pyoxigraph as ox

from registry.model.jsonld import ALL_PREFIXES, CONTEXT_PATH, EXTRA_PREFIXES, SCHEMES, context  # noqa: F401 (re-exported)
from registry.model.vocab import MPV, RDF, XSD
from registry.views.negotiation import DocFormat

RDF_TYPE_IRI = RDF + "type"
_XSD_STRING = XSD + "string"
_RDF_JSON = RDF + "JSON"
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


@functools.lru_cache(maxsize=1)
def context_bytes() -> bytes:
    return json.dumps(context(), indent=2).encode("utf-8")


def to_jsonld(triples: Sequence[ox.Triple], context_url: str) -> bytes:
    """Compacted JSON-LD naming ``context_url`` as its context."""
    body = compact_triples(triples)
    if body is None:
        body = compact(json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD)))
    return _dumps({"@context": context_url, **body})


def compacted_with_pyld(expanded_json: bytes, context_url: str) -> bytes:
    return _dumps({"@context": context_url, **compact(json.loads(expanded_json))})


def _dumps(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _NotSimple(Exception):
    """A term the direct compaction does not cover (RDF-star, JSON literals, directions)."""


def compact_triples(triples: Sequence[ox.Triple]) -> dict | None:
    """``compact`` of pyoxigraph's expanded JSON-LD of ``triples``, built from the triples without
    the JSON round trip: the same nodes (one per run of a subject), keys and values, so the bytes
    are the same. None for what only pyld handles (see ``compact``)."""
    iri = compact_iri
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    runs: list[tuple[ox.Term, dict[str, list]]] = []
    props: dict[str, list] = {}
    subject = None
    try:
        for triple in triples:
            s = triple.subject
            if subject is None or s != subject:
                subject = s
                props = {}
                runs.append((s, props))
            p = triple.predicate.value
            values = props.get(p)
            if values is None:
                props[p] = [triple.object]
            else:
                values.append(triple.object)
        nodes = []
        for s, props in runs:
            kind = type(s)
            if kind is named:
                out: dict = {"@id": iri(s.value)}
            elif kind is blank:
                out = {"@id": "_:" + s.value}
            else:
                raise _NotSimple
            types = props.get(RDF_TYPE_IRI)
            if types and all(type(t) is named for t in types):
                del props[RDF_TYPE_IRI]
                out["@type"] = iri(types[0].value) if len(types) == 1 else [iri(t.value) for t in types]
            for key in sorted(props):
                values = [_value(o, iri, named, blank, literal) for o in props[key]]
                out[iri(key)] = values[0] if len(values) == 1 else values
            nodes.append(out)
    except _NotSimple:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return {"@graph": nodes} if nodes else {}


def _value(o, iri, named, blank, literal):
    kind = type(o)
    if kind is named:
        return {"@id": iri(o.value)}
    if kind is literal:
        language = o.language
        if language:
            if o.direction:
                raise _NotSimple
            return {"@language": language, "@value": o.value}
        datatype = o.datatype.value
        if datatype == _XSD_STRING:
            return o.value
        if datatype == _RDF_JSON:
            raise _NotSimple
        return {"@type": iri(datatype), "@value": o.value}
    if kind is blank:
        return {"@id": "_:" + o.value}
    raise _NotSimple


def lift_types(expanded: list[dict]) -> list[dict]:
    """pyoxigraph writes ``rdf:type`` as a property; JSON-LD's own form is ``@type``."""
    for node in expanded:
        types = node.get(RDF_TYPE_IRI)
        if types and all("@id" in o and not o["@id"].startswith("_:") for o in types):
            del node[RDF_TYPE_IRI]
            node["@type"] = [o["@id"] for o in types]
    return expanded


def compact(expanded: list[dict]) -> dict:
    """JSON-LD 1.1 compaction of pyoxigraph's expanded output against a context of prefixes only.

    pyld does the general algorithm, but at about 25 ms for one passport: too slow for a document
    server. A context of nothing but prefixes (no ``@vocab``, no coercion, containers or default
    language) leaves one rule, IRI compaction (the shortest, then least, ``prefix:suffix``), applied
    to node ids, types, property names and ``@id``/``@type`` values, plus the unwrapping of single
    values (``compactArrays``). Input with anything else (lists, JSON literals, directions) goes to
    pyld. ``tests/test_linked_data.py`` checks the result equals pyld's on real documents.
    Returns the compacted body without ``@context`` (the caller names the published one).
    """
    expanded = lift_types(expanded)
    if not _simple(expanded):
        from pyld import jsonld  # the general algorithm, rarely needed: imported when it is

        result = jsonld.compact(expanded, context(), {"compactArrays": True, "skipExpansion": True})
        result.pop("@context", None)
        return result
    iri = compact_iri

    def term(value: dict):
        if "@id" in value:
            return {"@id": iri(value["@id"])}
        if "@type" in value:
            return {"@type": iri(value["@type"]), "@value": value["@value"]}
        if "@language" in value:
            return value
        return value["@value"]

    nodes = []
    for node in expanded:
        out: dict = {}
        for key in sorted(node):
            values = node[key]
            if key == "@id":
                out["@id"] = iri(values)
            elif key == "@type":
                types = [iri(t) for t in values]
                out["@type"] = types[0] if len(types) == 1 else types
            else:
                compacted = [term(v) for v in values]
                out[iri(key)] = compacted[0] if len(compacted) == 1 else compacted
        nodes.append(out)
    result: dict = {}
    if len(nodes) == 1:
        result.update(nodes[0])
    elif nodes:
        result["@graph"] = nodes
    return result


_NAMES_OF: dict[str, list[str]] = {}
for _name, _ns in ALL_PREFIXES.items():
    _NAMES_OF.setdefault(_ns, []).append(_name)
_NAMESPACE_LENGTHS = sorted({len(ns) for ns in _NAMES_OF})


@functools.lru_cache(maxsize=65536)
def compact_iri(value: str) -> str:
    """The shortest (then least) ``prefix:suffix`` for ``value``, or ``value`` itself.

    Candidates come from every prefix of the published context, the one each document names, so
    every compact IRI expands back to ``value``. (One look-up per namespace length: most IRIs of
    a passport match no prefix, and each is new.)
    """
    found = value
    size = len(value)
    for length in _NAMESPACE_LENGTHS:
        if length >= size:
            break
        names = _NAMES_OF.get(value[:length])
        if names:
            rest = value[length:]
            for name in names:
                curie = f"{name}:{rest}"
                if found is value or (len(curie), curie) < (len(found), found):
                    found = curie
    return found


_SIMPLE_VALUE_KEYS = ({"@id"}, {"@value"}, {"@value", "@type"}, {"@value", "@language"})


def _simple(expanded) -> bool:
    if not isinstance(expanded, list):
        return False
    for node in expanded:
        if not isinstance(node, dict) or "@graph" in node or "@id" not in node:
            return False
        for key, values in node.items():
            if key in ("@id", "@type"):
                continue
            if key.startswith("@") or not isinstance(values, list):
                return False
            for value in values:
                if not isinstance(value, dict) or set(value) not in _SIMPLE_VALUE_KEYS:
                    return False
                if "@type" in value and value["@type"] == RDF + "JSON":
                    return False
    return True


class _JsonLdCache:
    """Compacted JSON-LD is slow (pure Python); documents with a validator are kept a while."""

    def __init__(self, size: int = 2048):
        self.size = size
        self.items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: bytes) -> None:
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)


_jsonld_cache = _JsonLdCache()


def _cached_jsonld(cache_key: str | None, make) -> bytes:
    """Compacted JSON-LD of content that never changes is kept a while under ``cache_key``."""
    if cache_key is None:
        return make()
    body = _jsonld_cache.get(cache_key)
    if body is None:
        body = make()
        _jsonld_cache.put(cache_key, body)
    return body


def serialize(triples: Sequence[ox.Triple], fmt: DocFormat, *, context_url: str,
              cache_key: str | None = None, prefixes: dict[str, str] | None = None) -> bytes:
    """The document in ``fmt`` (an RDF format).

    ``cache_key`` names content that never changes (compacted JSON-LD is kept a while);
    ``prefixes`` for Turtle and RDF/XML, by default the ones the triples use.
    """
    rdf_format = fmt.rdf_format
    if rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if rdf_format == ox.RdfFormat.JSON_LD:
        return _cached_jsonld(cache_key, lambda: to_jsonld(triples, context_url))
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=rdf_format)
    return ox.serialize(triples, format=rdf_format,
                        prefixes=prefixes if prefixes is not None else used_prefixes(triples))



def serialize_graph(store: ox.Store, graph: ox.NamedNode, fmt: DocFormat, *, context_url: str,
                    prefixes: dict[str, str], cache_key: str | None = None) -> bytes:
    """One named graph of ``store`` in ``fmt``, written by pyoxigraph straight from the store."""
    rdf_format = fmt.rdf_format
    if rdf_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if rdf_format == ox.RdfFormat.JSON_LD:
        return _cached_jsonld(cache_key,
                              lambda: compacted_with_pyld(store.dump(format=rdf_format, from_graph=graph), context_url))
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        return store.dump(format=rdf_format, from_graph=graph)
    return store.dump(format=rdf_format, from_graph=graph, prefixes=prefixes)
