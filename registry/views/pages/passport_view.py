"""One passport (or one version of it) as the passport page shows it, built in Python from the
statements of its graph: one index range, no SPARQL."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from registry.model.terms import Terms, local_name
from registry.model.uris import PassportRef
from registry.model.vocab import DCTERMS, GEO, MP, PASSPORT, QUDT, RETIRED_PASSPORT
from registry.views.pages.attrs import Attrs, as_attrs, langmap
from registry.views.pages.geo import vocabulary_wkt, wkt_points
from registry.views.pages.vocabulary import (
    T_DESCRIBES,
    T_HAS_COMPONENT,
    T_HAS_QUANTITY,
    T_IDENTIFIER,
    T_LABEL,
    T_MODIFIED,
    T_MUNICIPALITY,
    T_PREDECESSOR,
    T_TITLE,
    T_TYPE,
    UNIT_SYMBOLS,
)

_PREDECESSOR = ox.NamedNode(T_PREDECESSOR)


class PassportGraph:
    """The statements of one passport graph indexed by subject, then predicate IRI.

    Built from anything with ``subject``/``predicate``/``object`` (triples, or the quads of one
    ``quads_for_pattern`` range, read without making a triple of each). The lists it returns are
    its own: read them, do not change them.
    """

    __slots__ = ("count", "props")

    def __init__(self, statements):
        props: dict[ox.Term, dict[str, list[ox.Term]]] = {}
        count = 0
        for t in statements:
            count += 1
            node = props.get(t.subject)
            if node is None:
                node = props[t.subject] = {}
            predicate = t.predicate.value
            values = node.get(predicate)
            if values is None:
                node[predicate] = [t.object]
            else:
                values.append(t.object)
        self.props = props
        self.count = count

    def __len__(self) -> int:
        return self.count

    def all(self, s, p: str) -> list[ox.Term]:
        node = self.props.get(s)
        return node.get(p, _NONE) if node else _NONE

    def one(self, s, p: str) -> ox.Term | None:
        node = self.props.get(s)
        if node:
            values = node.get(p)
            if values:
                return values[0]
        return None

    def iri(self, s, p: str) -> str:
        value = self.one(s, p)
        return value.value if isinstance(value, ox.NamedNode) else ""

    def iris(self, s, p: str) -> list[str]:
        return [v.value for v in self.all(s, p) if isinstance(v, ox.NamedNode)]

    def text(self, s, p: str) -> str:
        value = self.one(s, p)
        return value.value if value is not None else ""

    def texts(self, s, p: str) -> dict[str, str]:
        return langmap(iter(self.all(s, p)))

    def number(self, s, p: str) -> float | None:
        value = self.one(s, p)
        if value is None:
            return None
        try:
            return float(value.value)
        except ValueError:
            return None


_NONE: list = []


def passport_graph(store: ox.Store, graph: ox.NamedNode) -> PassportGraph:
    """The statements of one named graph (a passport's current version): one index range."""
    return PassportGraph(store.quads_for_pattern(None, None, None, graph))


def graph_status(g: PassportGraph, node: ox.NamedNode) -> str:
    """``current``, ``retired`` or ``absent``, as ``Registry.status`` says, from the graph itself."""
    types = g.all(node, T_TYPE)
    if PASSPORT in types:
        return "current"
    if RETIRED_PASSPORT in types:
        return "retired"
    return "absent"


def _quantity(g: PassportGraph, node, base: str) -> Attrs:
    unit = g.iri(node, QUDT + "unit")
    value = g.number(node, QUDT + "numericValue")
    unit_name = local_name(unit)
    return Attrs(iri=node.value if isinstance(node, ox.NamedNode) else "",
                 material=g.iri(node, MP + "material"), value=value,
                 unit=unit, unit_symbol=UNIT_SYMBOLS.get(unit_name, unit_name),
                 data_quality=g.iri(node, MP + "dataQuality"), origin=g.iri(node, MP + "origin"),
                 material_phase=g.iri(node, MP + "materialPhase"),
                 recycled_content=g.number(node, MP + "recycledContent"),
                 derived_from=g.text(node, MP + "derivedFrom"),
                 # the registry's mass (docs/model.md, "Mass"): None when it cannot be derived
                 mass_kg=g.number(node, MP + "massKg"), mass_quality=g.iri(node, MP + "massQuality"),
                 mass_derivation=g.texts(node, MP + "massDerivation"))


def _component(g: PassportGraph, node, base: str, seen: set, depth: int = 0) -> Attrs:
    seen.add(node)
    detach = g.one(node, MP + "detachability")
    detachability = None
    if detach is not None:
        detachability = Attrs(
            connection_type=g.iri(detach, MP + "connectionType"),
            accessibility=g.iri(detach, MP + "accessibility"),
            intersection=g.iri(detach, MP + "intersection"),
            product_edge=g.iri(detach, MP + "productEdge"),
            index=g.number(detach, MP + "detachabilityIndex"))
    children = [_component(g, c, base, seen, depth + 1) for c in g.all(node, T_HAS_COMPONENT)
                if c not in seen and depth < 20]
    return Attrs(iri=node.value if isinstance(node, ox.NamedNode) else "",
                 label=g.texts(node, T_LABEL), strategy=g.iri(node, MP + "plannedRStrategy"),
                 condition=g.iri(node, MP + "condition"), detachability=detachability,
                 quantities=[_quantity(g, q, base) for q in g.all(node, T_HAS_QUANTITY)],
                 children=children)


def _walk_quantities(components: list[dict]) -> Iterator[dict]:
    for c in components:
        yield from c["quantities"]
        yield from _walk_quantities(c["children"])


def _materials(quantities: list[Attrs], terms: Terms) -> list[Attrs]:
    """One row per material: its mass in tonnes (None when no quantity of it has a mass), the recorded
    amounts per unit (the detail), origins and the number of records; heaviest first."""
    summary: dict[str, Attrs] = {}
    for q in quantities:
        row = summary.get(q["material"])
        if row is None:
            row = summary[q["material"]] = Attrs(material=q["material"], tonnes=None, recorded={},
                                                 origins=set(), records=0, without_mass=0)
        if q["mass_kg"] is not None:
            row["tonnes"] = (row["tonnes"] or 0.0) + q["mass_kg"] / 1000
        else:
            row["without_mass"] += 1
        row["recorded"][q["unit_symbol"]] = row["recorded"].get(q["unit_symbol"], 0.0) + (q["value"] or 0.0)
        row["records"] += 1
        if q["origin"]:
            row["origins"].add(q["origin"])
    for row in summary.values():
        row["origins"] = sorted(row["origins"])
        row["recorded"] = sorted(row["recorded"].items())
    return sorted(summary.values(), key=lambda r: (-(r["tonnes"] or 0.0), terms.label(r["material"], "nl")))


def passport_view(registry, ref: PassportRef, triples, terms: Terms) -> Attrs:
    """Everything the passport page shows about one passport version.

    ``triples``: the version's triples, or the ``PassportGraph`` of ``passport_graph``."""
    g = triples if isinstance(triples, PassportGraph) else PassportGraph(triples)
    p = ox.NamedNode(ref.iri)
    obj_iri = g.iri(p, T_DESCRIBES)
    obj = ox.NamedNode(obj_iri) if obj_iri else None
    kinds = g.iris(obj, T_TYPE) if obj else []
    kind = next((k for k in kinds if terms.is_object_kind(k)), kinds[0] if kinds else "")
    seen: set = set()
    components = [_component(g, c, ref.base, seen) for c in (g.all(obj, T_HAS_COMPONENT) if obj else [])]
    direct = [_quantity(g, q, ref.base) for q in (g.all(obj, T_HAS_QUANTITY) if obj else [])]
    quantities = direct + list(_walk_quantities(components))
    materials = _materials(quantities, terms)
    tonnes = sum(q["mass_kg"] or 0.0 for q in quantities) / 1000
    valuations = []
    for v in (g.all(obj, MP + "valuation") if obj else []):
        valuations.append(Attrs(iri=v.value if isinstance(v, ox.NamedNode) else "",
                                amount=g.number(v, MP + "amount"),
                                currency=g.text(v, MP + "currency") or "EUR",
                                date=g.text(v, DCTERMS + "date"),
                                method=g.iri(v, MP + "valuationMethod"),
                                source=g.texts(v, MP + "priceSource")))
    valuations.sort(key=lambda v: v["date"])
    geometry = None
    geom = g.one(obj, GEO + "hasGeometry") if obj else None
    if geom is not None:
        wkt = g.text(geom, GEO + "asWKT")
        geometry = as_attrs(wkt_points(wkt)) if wkt else None
    release = g.one(obj, MP + "expectedRelease") if obj else None
    municipality = g.iri(p, T_MUNICIPALITY) or ref.municipality_iri
    successors = [q.subject.value for q in registry.store.quads_for_pattern(
        None, _PREDECESSOR, p, None) if isinstance(q.subject, ox.NamedNode)
        and q.subject == q.graph_name] if ref.version is None else []
    bbox = vocabulary_wkt(terms, municipality, MP + "bbox")
    return Attrs({
        "iri": ref.iri, "ref": ref, "title": g.texts(p, T_TITLE),
        "identifier": g.text(p, T_IDENTIFIER) or ref.key,
        "municipality": municipality,
        "phase": g.iri(p, MP + "projectPhase"), "policy_angles": g.iris(p, MP + "policyAngle"),
        "themes": g.iris(p, MP + "theme"),
        "predecessors": g.iris(p, T_PREDECESSOR), "successors": successors,
        "version_number": int(g.number(p, MP + "versionNumber") or 0),
        "current_version": g.iri(p, MP + "currentVersion"),
        "created": g.text(p, DCTERMS + "created"), "modified": g.text(p, T_MODIFIED),
        "content_hash": g.text(p, MP + "contentHash"),
        "object": Attrs({
            "iri": obj_iri, "kind": kind, "kinds": kinds, "label": g.texts(obj, T_LABEL) if obj else {},
            "source_identifier": g.text(obj, MP + "sourceIdentifier") if obj else "",
            "owner": g.iri(obj, MP + "owner") if obj else "",
            "maintainer": g.iri(obj, MP + "maintainer") if obj else "",
            "construction_year": g.text(obj, MP + "constructionYear") if obj else "",
            "condition": g.iri(obj, MP + "condition") if obj else "",
            "strategy": g.iri(obj, MP + "plannedRStrategy") if obj else "",
        }),
        "release": Attrs(date=g.text(release, MP + "releaseDate"),
                         quality=g.iri(release, MP + "releaseQuality")) if release is not None else None,
        "components": components, "direct_quantities": direct, "materials": materials,
        "tonnes": tonnes, "quantity_count": len(quantities),
        "valuations": valuations, "geometry": geometry,
        "municipality_bbox": Attrs(bbox) if bbox is not None else None,
        "triple_count": len(g),
    })


__all__ = ["PassportGraph", "graph_status", "passport_graph", "passport_view"]
