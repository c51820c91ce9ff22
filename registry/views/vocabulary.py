"""The documents about the persistent vocabulary and the ontology, from the ontology store.

Vocabulary (concepts, municipalities, materials, object kinds) has persistent IRIs under
``https://w3id.org/materiaalpaspoort/``; an instance serves documents about them at
``{base}doc/{kind}/{key}`` (see :func:`vocabulary_iri`). ``/def`` is the ontology
(:func:`ontology_triples`). Both are read once per process and cached: the vocabulary is fixed
while a server or a site build runs.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox

from registry.model.vocab import MP, MPV, RDFS, SKOS

ONTOLOGY_IRI = MP.rstrip("#")
OBJECT_KIND = "objectkind"
SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
NOTATION = ox.NamedNode(SKOS + "notation")
PHYSICAL_OBJECT = ox.NamedNode(MP + "PhysicalObject")


def vocabulary_iri(kind: str, key: str | None) -> str:
    """The persistent IRI an instance path ``/id/{kind}/{key}`` stands for.

    ``rstrategy``/``R3`` -> ``https://w3id.org/materiaalpaspoort/id/rstrategy/R3``;
    ``objectkind``/``Bridge`` -> the class ``https://w3id.org/materiaalpaspoort/def#Bridge``;
    a kind without key is its concept scheme (``https://w3id.org/materiaalpaspoort/id/rstrategy``).
    """
    if kind == OBJECT_KIND:
        return MP + key if key else MP + "PhysicalObject"
    return f"{MPV}{kind}/{key}" if key else f"{MPV}{kind}"


def instance_path(iri: str, base: str) -> str | None:
    """The path on this instance that resolves ``iri`` (``/id/...`` or ``/def#term``), if any."""
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base):]
    if iri.startswith(MPV) and len(iri) > len(MPV):
        return "/id/" + iri[len(MPV):]
    if iri.startswith(MP):
        return "/def#" + iri[len(MP):]
    if iri == ONTOLOGY_IRI:
        return "/def"
    return None


@functools.lru_cache(maxsize=1)
def _ontology() -> ox.Store:
    from registry.model.reference import load_ontology_store

    return load_ontology_store()


def subject_triples(store: ox.Store, subject, graph=None) -> list[ox.Triple]:
    """The statements about ``subject`` and, recursively, about the blank nodes it links to."""
    todo = [subject]
    seen = {subject}
    triples: dict[ox.Triple, None] = {}
    while todo:
        node = todo.pop()
        for q in store.quads_for_pattern(node, None, None, graph):
            triples[ox.Triple(q.subject, q.predicate, q.object)] = None
            if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                seen.add(q.object)
                todo.append(q.object)
    return list(triples)


def _is_object_kind(store: ox.Store, cls: ox.NamedNode) -> bool:
    level, todo = 0, [cls]
    while todo and level < 8:
        if PHYSICAL_OBJECT in todo:
            return True
        todo = [q.object for c in todo for q in store.quads_for_pattern(c, SUBCLASS_OF, None, None)
                if isinstance(q.object, ox.NamedNode)]
        level += 1
    return False


@functools.lru_cache(maxsize=2048)
def vocabulary_triples(iri: str) -> tuple[ox.Triple, ...] | None:
    """The document about a vocabulary IRI (with a scheme's member list), None when unknown."""
    store = _ontology()
    node = ox.NamedNode(iri)
    triples = subject_triples(store, node)
    if not triples:
        return None
    if iri.startswith(MP) and not _is_object_kind(store, node):
        return None
    members = [ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, IN_SCHEME, node, None)]
    labels = [ox.Triple(q.subject, q.predicate, q.object)
              for member in members for predicate in (PREF_LABEL, NOTATION)
              for q in store.quads_for_pattern(member.subject, predicate, None, None)]
    return tuple(dict.fromkeys(triples + members + labels))


@functools.lru_cache(maxsize=1)
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The ontology document ``/def``: the ontology header and every ``mp:`` term (once, cached)."""
    store = _ontology()
    subjects = {q.subject for q in store
                if isinstance(q.subject, ox.NamedNode)
                and (q.subject.value.startswith(MP) or q.subject.value == ONTOLOGY_IRI)}
    triples: dict[ox.Triple, None] = {}
    for subject in sorted(subjects, key=lambda s: (s.value != ONTOLOGY_IRI, s.value)):
        triples.update(dict.fromkeys(subject_triples(store, subject)))
    return tuple(triples)
