"""The JSON-LD ``@context`` made from the ontology: one short term per class and property.

The ontology files (``ontology/*.ttl``) are the one place of knowledge; this module turns them into
the context that ``ontology/context.jsonld`` ships (written by ``python -m
registry.model.jsonld_context``; a test checks the file is up to date) and that every instance
serves at ``/context.jsonld`` and names by its stable URL ``https://w3id.org/materiaalpaspoort/context.jsonld``.

A term is the IRI's local name (``mp:hasComponent`` -> ``hasComponent``, ``mp:Bridge`` ->
``Bridge``, ``qudt:numericValue`` -> ``numericValue``); when two IRIs share a local name the one in
``mp:`` keeps it and the other gets its prefix in front (``dctermsSource``). A property's values
are coerced by its ``rdfs:range``:

- a class (object properties): ``"@type": "@id"``, so a link is a plain string (a compact IRI such
  as ``"mpv:material/concrete"``);
- a datatype: ``"@type"`` that datatype, so the value is a plain JSON string with the exact lexical
  form (``"numericValue": "120.5"``: a JSON number would come back as ``xsd:double`` in canonical
  form, ``1.205E2``, not the same literal). Integers and booleans in canonical form are written as
  JSON numbers and booleans, which expand to the same literal under this coercion;
- ``xsd:string`` or ``rdfs:Literal``: no coercion (a JSON string is an ``xsd:string``);
- labels and other texts in several languages: ``"@container": "@language"`` (``{"nl": ..., "en": ...}``).

Prefixes whose name is also a term (``material``, ``unit``, ...) are left out of the JSON-LD context
(a term cannot be both); concept IRIs then read ``mpv:material/concrete``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyoxigraph as ox

from registry.core.resources import ONTOLOGY_DIR
from registry.model.vocab import DCTERMS, GEO, MP, OWL, PREFIXES, QUDT, RDF, RDFS, SKOS, XSD

CONTEXT_FILE_NAME = "context.jsonld"
EXTRA_PREFIXES = {
    "org": "http://www.w3.org/ns/org#",
    "vann": "http://purl.org/vocab/vann/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
_CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
_PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                   RDF + "Property"}
# Properties every document uses that the ontology takes from RDFS without declaring them.
BUILT_IN_PROPERTIES = (RDFS + "label", RDFS + "comment", RDFS + "seeAlso")
# Texts given in several languages: a language map.
LANGUAGE_MAPS = frozenset({
    RDFS + "label", RDFS + "comment", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel",
    SKOS + "definition", SKOS + "scopeNote", SKOS + "note", SKOS + "example", DCTERMS + "title",
    DCTERMS + "description", MP + "massDerivation"})
# Properties the ontology declares without one datatype or class as range, by what their values
# are in the registry's documents (docs/model.md). A value of another kind is still written, under
# the compact IRI (``"qudt:numericValue": {"@type": "xsd:double", "@value": "1.5E0"}``).
RANGE_IN_PRACTICE = {
    QUDT + "numericValue": XSD + "decimal", QUDT + "unit": "@id", GEO + "asWKT": GEO + "wktLiteral",
    GEO + "hasGeometry": "@id", DCTERMS + "created": XSD + "dateTime", DCTERMS + "modified": XSD + "dateTime",
    DCTERMS + "date": XSD + "date", DCTERMS + "license": "@id", DCTERMS + "creator": "@id",
    RDFS + "seeAlso": "@id", MP + "predecessor": "@id",
    **{SKOS + name: "@id" for name in ("broader", "narrower", "related", "broadMatch", "narrowMatch",
                                       "closeMatch", "exactMatch", "relatedMatch", "inScheme",
                                       "hasTopConcept", "topConceptOf")},
}
_PLAIN_TEXT = {XSD + "string", RDFS + "Literal", RDF + "langString"}
_DECLARATIONS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?kind ?range WHERE {
  ?term a ?kind . FILTER(isIRI(?term))
  OPTIONAL { ?term rdfs:range ?range . FILTER(isIRI(?range)) }
}"""


def _local_name(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1:]


def _prefix_name(iri: str, prefixes: dict[str, str]) -> str:
    namespaces = sorted(((ns, name) for name, ns in prefixes.items() if iri.startswith(ns)),
                        key=lambda item: -len(item[0]))
    return namespaces[0][1] if namespaces else "x"


def declarations(ontology_dir: Path = ONTOLOGY_DIR) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(kind per declared IRI: "class" or "property", ranges per property) from the ontology files."""
    store = ox.Store()
    for path in sorted(Path(ontology_dir).glob("*.ttl")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    kinds: dict[str, str] = {}
    ranges: dict[str, set[str]] = {}
    datatypes = {row["d"].value for row in store.query(
        "SELECT ?d WHERE { ?d a <http://www.w3.org/2000/01/rdf-schema#Datatype> FILTER(isIRI(?d)) }")}
    for row in store.query(_DECLARATIONS):
        term, kind = row["term"].value, row["kind"].value
        if term in datatypes:
            continue
        if kind in _CLASS_TYPES:
            kinds.setdefault(term, "class")
        elif kind in _PROPERTY_TYPES:
            kinds[term] = "property"
            if row["range"] is not None:
                ranges.setdefault(term, set()).add(row["range"].value)
    for iri in BUILT_IN_PROPERTIES:
        kinds[iri] = "property"
    return kinds, ranges


def _coercion(iri: str, ranges: set[str]) -> str | None:
    """The ``@type`` of a property's values: "@id", a datatype IRI, or None (no coercion)."""
    if iri in RANGE_IN_PRACTICE:
        return RANGE_IN_PRACTICE[iri]
    if len(ranges) != 1:
        return None
    (rng,) = ranges
    if rng in _PLAIN_TEXT:
        return None
    if rng.startswith(XSD) or rng == GEO + "wktLiteral" or rng == RDF + "JSON":
        return rng
    return "@id"


def term_names(kinds: dict[str, str], prefixes: dict[str, str]) -> dict[str, str]:
    """A term per declared IRI: its local name, or, for the second of two IRIs with the same local
    name, the prefix name in front (the ``mp:`` one keeps the short name)."""
    by_name: dict[str, list[str]] = {}
    for iri in sorted(kinds, key=lambda i: (not i.startswith(MP), i)):
        by_name.setdefault(_local_name(iri), []).append(iri)
    names: dict[str, str] = {}
    for local, iris in by_name.items():
        names[iris[0]] = local
        for iri in iris[1:]:
            names[iri] = _prefix_name(iri, prefixes) + local[:1].upper() + local[1:]
    return names


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    for name, ns in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{name}:{iri[len(ns):]}"
    return iri


def build_context(ontology_dir: Path = ONTOLOGY_DIR) -> dict:
    """The JSON-LD document ``{"@context": {...}}`` of the ontology in ``ontology_dir``."""
    kinds, ranges = declarations(ontology_dir)
    all_prefixes = {**PREFIXES, **EXTRA_PREFIXES}
    names = term_names(kinds, all_prefixes)
    taken = set(names.values())
    prefixes = {name: ns for name, ns in all_prefixes.items() if name not in taken}
    body: dict = dict(sorted(prefixes.items()))
    for iri, term in sorted(names.items(), key=lambda item: item[1]):
        short = _compact(iri, prefixes)
        if kinds[iri] == "class":
            body[term] = short
            continue
        definition: dict = {"@id": short}
        coercion = _coercion(iri, ranges.get(iri, set()))
        if iri in LANGUAGE_MAPS:
            definition["@container"] = "@language"
        elif coercion is not None:
            definition["@type"] = coercion if coercion == "@id" else _compact(coercion, prefixes)
        body[term] = definition
    return {"@context": body}


def context_text(ontology_dir: Path = ONTOLOGY_DIR) -> str:
    """The shipped file's text: the context, indented, one term a line."""
    return json.dumps(build_context(ontology_dir), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write ``ontology/context.jsonld`` (or the path given) from the ontology files."""
    target = Path(argv[0]) if argv else ONTOLOGY_DIR / CONTEXT_FILE_NAME
    target.write_text(context_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
