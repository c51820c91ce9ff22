"""Lists of current passports straight from the store's indexes (a municipality's, an object
kind's, a material's, a concept's), and a page of each, remembered per store generation.

pyoxigraph plans a query before the substituted values are known, so ``?p mp:municipality ?m``
with ``?m`` substituted is planned as a scan of every passport; one index range
(``quads_for_pattern`` with the object fixed) reads only the matching quads, in the index's stable
order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from registry.model.vocab import MP, MUNICIPALITY, PASSPORT, RDF_TYPE
from registry.views.pages.paging import cached_page, page_of

_MATERIAL = ox.NamedNode(MP + "material")


def is_current(store: ox.Store, graph: ox.NamedNode) -> bool:
    """Whether the passport graph ``graph`` is a current passport (not retired): one index look-up."""
    return next(store.quads_for_pattern(graph, RDF_TYPE, PASSPORT, graph), None) is not None


def _graphs(store: ox.Store, predicate: ox.NamedNode | None, value: ox.Term,
            checked: dict[str, bool] | None = None) -> Iterator[str]:
    """Current passports (graph names) holding a statement ``? predicate value``.

    ``checked``: graph name -> current, remembered across calls by a caller whose store does not
    change (the static site's workers read a snapshot)."""
    if checked is None:
        checked = {}
    for quad in store.quads_for_pattern(None, predicate, value, None):
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode):
            continue
        iri = graph.value
        ok = checked.get(iri)
        if ok is None:
            ok = checked[iri] = "/id/passport/" in iri and is_current(store, graph)
        if ok:
            yield iri


def iter_municipality(store: ox.Store, municipality_iri: str) -> Iterator[str]:
    for quad in store.quads_for_pattern(None, MUNICIPALITY, ox.NamedNode(municipality_iri), None):
        if quad.subject == quad.graph_name and is_current(store, quad.graph_name):
            yield quad.subject.value


def iter_kind(store: ox.Store, kind_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, RDF_TYPE, ox.NamedNode(kind_iri), checked)


def iter_material(store: ox.Store, material_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, _MATERIAL, ox.NamedNode(material_iri), checked)


def iter_concept(store: ox.Store, concept_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, None, ox.NamedNode(concept_iri), checked)


def municipality_passports(registry, municipality_iri: str, page: int) -> tuple[list[str], bool]:
    return cached_page(registry, ("municipality", municipality_iri, page),
                       lambda: page_of(iter_municipality(registry.store, municipality_iri), page))


def kind_passports(registry, kind_iri: str, page: int) -> tuple[list[str], bool]:
    return cached_page(registry, ("kind", kind_iri, page),
                       lambda: page_of(iter_kind(registry.store, kind_iri), page))


def material_passports(registry, material_iri: str, page: int) -> tuple[list[str], bool]:
    return cached_page(registry, ("material", material_iri, page),
                       lambda: page_of(iter_material(registry.store, material_iri), page))


def concept_passports(registry, concept_iri: str, page: int) -> tuple[list[str], bool]:
    return cached_page(registry, ("concept", concept_iri, page),
                       lambda: page_of(iter_concept(registry.store, concept_iri), page))


__all__ = ["concept_passports", "is_current", "iter_concept", "iter_kind", "iter_material",
           "iter_municipality", "kind_passports", "material_passports", "municipality_passports"]
