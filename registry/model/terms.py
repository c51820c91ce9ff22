"""The ontology's terms as the pages look them up: labels (nl/en), definitions, ranks, schemes.

Built once per process from ``registry.model.reference.load_ontology_store()`` (ontology, SKOS concept
schemes and organisations: a few thousand triples) into plain dicts, so that rendering a page
never queries the ontology.
"""

from __future__ import annotations

import functools
from collections import defaultdict

import pyoxigraph as ox

from registry.core.i18n import pick
from registry.model.reference import load_ontology_store, local_name
from registry.model.vocab import MP, MPV, OWL, RDF, RDFS, SKOS

GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label")
DEFINITION_PREDICATES = (SKOS + "definition", RDFS + "comment")
PHYSICAL_OBJECT = MP + "PhysicalObject"
MUNICIPALITY_CLASS = MP + "Municipality"
# Concept schemes whose concepts have their own pages, in the order the overview shows them.
SCHEMES = ("rstrategy", "phase", "policyangle", "theme", "material", "origin", "materialphase",
           "dataquality", "condition", "releasequality", "valuationmethod", "connectiontype",
           "accessibility", "intersection", "productedge", "rgroup")


def _number(term: ox.Term | None) -> float | None:
    if term is None:
        return None
    try:
        return float(term.value)
    except (TypeError, ValueError):
        return None


_PICKED_MAX = 50_000  # labels remembered per language (terms and the IRIs pages ask about)


class Terms:
    """Lookups over the ontology store, all in memory."""

    def __init__(self, store: ox.Store):
        self._props: dict[str, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
        self._labels: dict[str, dict[str, str]] = defaultdict(dict)
        self._definitions: dict[str, dict[str, str]] = defaultdict(dict)
        self._picked: dict[tuple[str, str], str] = {}
        for quad in store:
            if not isinstance(quad.subject, ox.NamedNode):
                continue
            s, p, o = quad.subject.value, quad.predicate.value, quad.object
            self._props[s][p].append(o)
            if isinstance(o, ox.Literal):
                if p in LABEL_PREDICATES:
                    lang = o.language or ""
                    # skos:prefLabel wins over rdfs:label
                    if p == LABEL_PREDICATES[0] or lang not in self._labels[s]:
                        self._labels[s][lang] = o.value
                elif p in DEFINITION_PREDICATES:
                    lang = o.language or ""
                    if p == DEFINITION_PREDICATES[0] or lang not in self._definitions[s]:
                        self._definitions[s][lang] = o.value
        self._members: dict[str, list[str]] = defaultdict(list)
        for s, props in self._props.items():
            for scheme in props.get(SKOS + "inScheme", []) + props.get(SKOS + "topConceptOf", []):
                if s not in self._members[scheme.value]:
                    self._members[scheme.value].append(s)
        for scheme, members in self._members.items():
            members.sort(key=lambda iri: (self.rank(iri) if self.rank(iri) is not None else 1e9,
                                          self.label(iri, "nl").lower()))
        self.object_kinds = self._subclasses(PHYSICAL_OBJECT)
        self.municipalities = sorted(
            (s for s, props in self._props.items()
             if any(o.value == MUNICIPALITY_CLASS for o in props.get(RDF + "type", []))),
            key=lambda iri: self.label(iri, "nl").lower())
        self.fingerprint = str(len(store))

    def _subclasses(self, root: str) -> list[str]:
        children: dict[str, set[str]] = defaultdict(set)
        for s, props in self._props.items():
            for parent in props.get(RDFS + "subClassOf", []):
                if isinstance(parent, ox.NamedNode):
                    children[parent.value].add(s)
        found: set[str] = set()
        todo = [root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return sorted(found, key=lambda iri: self.label(iri, "nl").lower())

    # -- lookups ---------------------------------------------------------------------------
    def known(self, iri: str) -> bool:
        return iri in self._props

    def label(self, iri: str, lang: str) -> str:
        key = (iri, lang)
        found = self._picked.get(key)
        if found is None:
            labels = self._labels.get(iri)
            found = pick(labels, lang) if labels else local_name(iri).replace("-", " ")
            if len(self._picked) < _PICKED_MAX:  # a page labels the same few hundred terms again and again
                self._picked[key] = found
        return found

    def definition(self, iri: str, lang: str) -> str:
        values = self._definitions.get(iri)
        return pick(values, lang) if values else ""

    def values(self, iri: str, predicate: str) -> list[ox.Term]:
        props = self._props.get(iri)
        return list(props.get(predicate, ())) if props else []

    def value(self, iri: str, predicate: str) -> ox.Term | None:
        values = self.values(iri, predicate)
        return values[0] if values else None

    def iris(self, iri: str, predicate: str) -> list[str]:
        return [v.value for v in self.values(iri, predicate) if isinstance(v, ox.NamedNode)]

    def rank(self, iri: str) -> float | None:
        return _number(self.value(iri, MP + "rank"))

    def number(self, iri: str, predicate: str) -> float | None:
        return _number(self.value(iri, predicate))

    def notation(self, iri: str) -> str:
        value = self.value(iri, SKOS + "notation")
        return value.value if value is not None else ""

    def members(self, scheme_iri: str) -> list[str]:
        """The concepts of a scheme, ordered by ``mp:rank`` then Dutch label."""
        return list(self._members.get(scheme_iri, ()))

    def narrower(self, iri: str) -> list[str]:
        """The concepts that name ``iri`` as ``skos:broader``, ordered by Dutch label."""
        return list(self._narrower.get(iri, ()))

    @functools.cached_property
    def _narrower(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for s, props in self._props.items():
            for o in props.get(SKOS + "broader", []):
                found.setdefault(o.value, []).append(s)
        return {iri: tuple(sorted(dict.fromkeys(subjects), key=lambda s: self.label(s, "nl").lower()))
                for iri, subjects in found.items()}

    def types(self, iri: str) -> list[str]:
        return self.iris(iri, RDF + "type")

    def is_object_kind(self, iri: str) -> bool:
        return iri in self._object_kind_set

    @functools.cached_property
    def _object_kind_set(self) -> frozenset[str]:
        return frozenset(self.object_kinds)

    def ontology_terms(self) -> dict[str, list[str]]:
        """Classes and properties of the ``mp:`` namespace, by kind, ordered by local name."""
        kinds = {"classes": OWL + "Class", "object_properties": OWL + "ObjectProperty",
                 "datatype_properties": OWL + "DatatypeProperty",
                 "annotation_properties": OWL + "AnnotationProperty"}
        found: dict[str, list[str]] = {k: [] for k in kinds}
        for s, props in self._props.items():
            if not s.startswith(MP) or s == MP:
                continue
            types = {o.value for o in props.get(RDF + "type", [])}
            for key, cls in kinds.items():
                if cls in types or (key == "object_properties" and RDF + "Property" in types
                                    and OWL + "DatatypeProperty" not in types):
                    found[key].append(s)
                    break
        for iris in found.values():
            iris.sort(key=lambda iri: local_name(iri).lower())
        return found

    def schemes(self) -> list[str]:
        """Every concept scheme of ``mpv:`` with members: the known ones in order, then the rest."""
        found = [s for s in self._members if s.startswith(MPV) and self._members[s]]
        order = {f"{MPV}{name}": i for i, name in enumerate(SCHEMES)}
        return sorted(found, key=lambda s: (order.get(s, len(order)), s))

    def vocabulary_iris(self) -> list[str]:
        """Every concept, organisation and municipality IRI (``mpv:{scheme}/{key}``), sorted."""
        return sorted(s for s in self._props if s.startswith(MPV) and "/" in s[len(MPV):])

    def scheme_iri(self, scheme: str) -> str:
        return f"{MPV}{scheme}"

    def concept_iri(self, scheme: str, key: str) -> str:
        return f"{MPV}{scheme}/{key}"


@functools.lru_cache(maxsize=1)
def get_terms() -> Terms:
    return Terms(load_ontology_store())
