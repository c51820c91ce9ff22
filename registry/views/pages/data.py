"""What the HTML pages show, read from the registry: one function per page, shared by the server
and the static site build.

Views hold IRIs, numbers and language maps (``{"nl": ..., "en": ...}``), not finished text, so one
view renders in both languages. Reading is bounded for a million passports:

- a passport page reads its own graph (one index range, which also tells current from retired)
  and its version records (index look-ups in the provenance graph), and builds the view from
  them in Python: about 1.2 ms of store reads for a 100-triple passport, no SPARQL;
- lists (a municipality's passports, a material's, a concept's, search results) iterate an index
  range lazily, skip to the page and stop after it: no ORDER BY, no COUNT per request. A page of
  a list and its cards are remembered for the store generation they were read in
  (``page_cache.memo_for``: the generation file is read on every request, so never after a write);
- counts (per municipality, object kind, material, concept) are whole-store aggregates, computed
  once per store generation by ``page_cache`` and served from memory; what a page derives from
  them (rankings, tonnes) is made once per set of counts (``Stats.derived``).
"""

from __future__ import annotations

import functools
import itertools
import mmap
import os
import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.views.pages.cache import cache_for, memo_for
from registry.store.named_queries import load
from registry.model.terms import MUNICIPALITY_CLASS, Terms, local_name
from registry.model.uris import PassportRef
from registry.model.vocab import DCTERMS, GEO, MP, MPV, PROV, QUDT, RDF, RDFS, SKOS

PAGE_SIZE = 50
MAX_PAGE = 200  # deeper than this, use SPARQL: keeps OFFSET work per request bounded
SEARCH_TEXT_MAX = 100
SCAN_SEARCH_MAX = 20_000  # while the text index is built, larger registries do not scan labels

T_TYPE = RDF + "type"
T_TITLE = DCTERMS + "title"
T_IDENTIFIER = DCTERMS + "identifier"
T_LABEL = RDFS + "label"
T_DESCRIBES = MP + "describes"
T_MUNICIPALITY = MP + "municipality"
T_HAS_COMPONENT = MP + "hasComponent"
T_HAS_QUANTITY = MP + "hasMaterialQuantity"
T_MODIFIED = DCTERMS + "modified"
T_PREDECESSOR = MP + "predecessor"
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"

# The property whose values the uses of a scheme's concepts are counted by.
SCHEME_PREDICATES = {
    "rstrategy": MP + "plannedRStrategy", "phase": MP + "projectPhase",
    "policyangle": MP + "policyAngle", "theme": MP + "theme", "material": MP + "material",
    "origin": MP + "origin", "materialphase": MP + "materialPhase",
    "dataquality": MP + "dataQuality", "condition": MP + "condition",
    "releasequality": MP + "releaseQuality", "valuationmethod": MP + "valuationMethod",
    "connectiontype": MP + "connectionType", "accessibility": MP + "accessibility",
    "intersection": MP + "intersection", "productedge": MP + "productEdge",
}
UNIT_SYMBOLS = {"TON_Metric": "t", "KiloGM": "kg", "M3": "m³", "M2": "m²", "M": "m", "NUM": "st",
                "GM": "g", "L": "l"}
TONNES_PER_UNIT = {"TON_Metric": 1.0, "KiloGM": 0.001, "GM": 1e-6}


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def iter_rows(store: ox.Store, name: str, bindings: dict[str, ox.Term]) -> Iterator:
    """The solutions of ``sparql/{name}.rq``, lazily: stop iterating and the query stops."""
    return iter(store.query(load(name), use_default_graph_as_union=True,
                            substitutions={ox.Variable(k): v for k, v in bindings.items()}))


def select(store: ox.Store, name: str, bindings: dict[str, ox.Term] | None = None) -> list[dict]:
    """All rows of a (bounded or aggregate) named query, as dicts of pyoxigraph terms."""
    solutions = store.query(load(name), use_default_graph_as_union=True,
                            substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})
    names = [v.value for v in solutions.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in solutions]


@dataclass
class Paged:
    """One page of a list, and whether there is a next one (no total: that would need a count)."""

    items: list
    page: int
    has_next: bool
    total: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def page_of(iris: Iterator[str], page: int, size: int | None = None) -> tuple[list[str], bool]:
    """Page ``page`` of a stream of passport IRIs (repeats skipped) and whether a next page exists.
    Reading stops right after the page: the cost is the offset plus one page, never the list."""
    size = size or PAGE_SIZE
    seen: set[str] = set()
    skip = (page - 1) * size
    found: list[str] = []
    for iri in iris:
        if iri in seen:
            continue
        seen.add(iri)
        if skip:
            skip -= 1
            continue
        found.append(iri)
        if len(found) > size:
            break
    return found[:size], len(found) > size


def paged_passports(store: ox.Store, name: str, bindings: dict[str, ox.Term], page: int,
                    size: int | None = None) -> tuple[list[str], bool]:
    """Passport IRIs of page ``page`` of a named query with a ``?passport`` column."""
    rows = (row["passport"].value for row in iter_rows(store, name, bindings)
            if isinstance(row["passport"], ox.NamedNode))
    return page_of(rows, page, size)


# Lists of passports straight from the store's indexes. pyoxigraph plans a query before the
# substituted values are known, so ``?p mp:municipality ?m`` with ``?m`` substituted is planned as
# a scan of every passport; one index range (``quads_for_pattern`` with the object fixed) reads
# only the matching quads, in the index's stable order.
_TYPE = ox.NamedNode(T_TYPE)
_PASSPORT = ox.NamedNode(MP + "Passport")
_RETIRED = ox.NamedNode(MP + "RetiredPassport")
_PREDECESSOR = ox.NamedNode(T_PREDECESSOR)


def _is_current(store: ox.Store, graph: ox.NamedNode) -> bool:
    return next(store.quads_for_pattern(graph, _TYPE, _PASSPORT, graph), None) is not None


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
            ok = checked[iri] = "/id/passport/" in iri and _is_current(store, graph)
        if ok:
            yield iri


def iter_municipality(store: ox.Store, municipality_iri: str) -> Iterator[str]:
    for quad in store.quads_for_pattern(None, ox.NamedNode(T_MUNICIPALITY),
                                        ox.NamedNode(municipality_iri), None):
        if quad.subject == quad.graph_name and _is_current(store, quad.graph_name):
            yield quad.subject.value


def iter_kind(store: ox.Store, kind_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, _TYPE, ox.NamedNode(kind_iri), checked)


def iter_material(store: ox.Store, material_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, ox.NamedNode(MP + "material"), ox.NamedNode(material_iri), checked)


def iter_concept(store: ox.Store, concept_iri: str, checked: dict[str, bool] | None = None) -> Iterator[str]:
    return _graphs(store, None, ox.NamedNode(concept_iri), checked)


def _langmap(terms: Iterator[ox.Term]) -> dict[str, str]:
    found: dict[str, str] = {}
    for term in terms:
        if isinstance(term, ox.Literal):
            found.setdefault(term.language or "", term.value)
    return found


_CARDS: OrderedDict = OrderedDict()
_CARDS_MAX = 50_000
_CARDS_LOCK = threading.Lock()
_VERSION_NUMBER = ox.NamedNode(MP + "versionNumber")
_MODIFIED = ox.NamedNode(T_MODIFIED)


def passport_cards(store: ox.Store, iris: list[str], terms: Terms) -> list[dict]:
    """Title, identifier, object kind and name, municipality of each passport: index lookups only.

    A card is remembered (LRU) with the passport's ``dcterms:modified``; showing it again costs
    one index lookup to check that the passport has not changed since.
    """
    cards = []
    for iri in iris:
        node = ox.NamedNode(iri)
        stamp = next(store.quads_for_pattern(node, _MODIFIED, None, node), None)
        key = (id(store), iri)
        if stamp is not None:
            with _CARDS_LOCK:
                cached = _CARDS.get(key)
                if cached is not None and cached[0] == stamp.object.value:
                    _CARDS.move_to_end(key)
            if cached is not None and cached[0] == stamp.object.value:
                cards.append(cached[1])
                continue
        card = _card(store, node, terms)
        if stamp is not None and not card["retired"]:
            with _CARDS_LOCK:
                _CARDS[key] = (stamp.object.value, card)
                if len(_CARDS) > _CARDS_MAX:
                    _CARDS.popitem(last=False)
        cards.append(card)
    return cards


def _card(store: ox.Store, node: ox.NamedNode, terms: Terms) -> dict:
    iri = node.value
    type_p, label_p = ox.NamedNode(T_TYPE), ox.NamedNode(T_LABEL)
    props: dict[str, list[ox.Term]] = defaultdict(list)
    for quad in store.quads_for_pattern(node, None, None, node):
        props[quad.predicate.value].append(quad.object)
    obj = next((o for o in props.get(T_DESCRIBES, []) if isinstance(o, ox.NamedNode)), None)
    kind, obj_label = "", {}
    if obj is not None:
        kinds = [q.object.value for q in store.quads_for_pattern(obj, type_p, None, node)]
        kind = next((k for k in kinds if terms.is_object_kind(k)), kinds[0] if kinds else "")
        obj_label = _langmap(q.object for q in store.quads_for_pattern(obj, label_p, None, node))
    municipality = next((o.value for o in props.get(T_MUNICIPALITY, [])), "")
    modified = next((o.value for o in props.get(T_MODIFIED, [])), "")
    identifier = next((o.value for o in props.get(T_IDENTIFIER, [])), local_name(iri))
    return {"iri": iri, "title": _langmap(iter(props.get(T_TITLE, []))) or {"": identifier},
            "identifier": identifier, "kind": kind, "object_label": obj_label,
            "municipality": municipality, "modified": modified[:10],
            "retired": MP + "RetiredPassport" in {o.value for o in props.get(T_TYPE, [])}}


# ---------------------------------------------------------------------------------------------
# Aggregates (cached per store generation)
# ---------------------------------------------------------------------------------------------
@dataclass
class Stats:
    """Whole-store counts for home, municipality, kind and material pages."""

    by_municipality: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_municipality_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    # material -> municipality -> unit -> (passports, records, total)
    materials: dict[str, dict[str, dict[str, tuple[int, int, float]]]] = field(default_factory=dict)
    # material -> municipality -> passports recording it in any unit
    material_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    recent: list[dict] = field(default_factory=list)
    total: int = 0
    generation: str = ""
    # Values the pages derive from these counts, made once per Stats (a new one per generation).
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key, compute: Callable[[], Any]) -> Any:
        """``compute()``, once for this Stats: the counts never change after they are made."""
        found = self._derived.get(key, _MISSING)
        if found is _MISSING:
            found = self._derived[key] = compute()
        return found

    def material_passports(self, material: str, municipality: str | None = None) -> int:
        """Passports recording the material, in any unit."""
        per = self.material_counts.get(material, {})
        if municipality:
            return per.get(municipality, 0)
        return sum(per.values())

    def material_tonnes(self, material: str, municipality: str | None = None) -> float:
        return self.derived(("tonnes", material, municipality),
                            lambda: self._material_tonnes(material, municipality))

    def _material_tonnes(self, material: str, municipality: str | None) -> float:
        per = self.materials.get(material, {})
        munis = [municipality] if municipality else list(per)
        total = 0.0
        for m in munis:
            for unit, (_, _, amount) in per.get(m, {}).items():
                total += amount * TONNES_PER_UNIT.get(local_name(unit), 0.0)
        return total


_MISSING = object()


def _int(term) -> int:
    return int(term.value) if term is not None else 0


def compute_stats(store: ox.Store) -> Stats:
    stats = Stats()
    for row in select(store, "page-counts-by-municipality-kind"):
        muni, kind, n = row["municipality"].value, row["kind"].value, _int(row.get("n"))
        stats.by_municipality_kind.setdefault(muni, {})[kind] = n
        stats.by_kind[kind] = stats.by_kind.get(kind, 0) + n
    # A passport counts once per municipality even when its object has several classes.
    for muni in stats.by_municipality_kind:
        stats.by_municipality[muni] = 0
    for row in select(store, "page-counts-by-municipality"):
        stats.by_municipality[row["municipality"].value] = _int(row.get("n"))
    stats.total = sum(stats.by_municipality.values())
    for row in select(store, "page-counts-by-municipality-material"):
        material = row["material"].value
        total = float(row["total"].value) if "total" in row else 0.0
        stats.materials.setdefault(material, {}).setdefault(row["municipality"].value, {})[
            row["unit"].value] = (_int(row.get("passports")), _int(row.get("records")), total)
    for row in select(store, "page-counts-passports-by-material"):
        stats.material_counts.setdefault(row["material"].value, {})[row["municipality"].value] = \
            _int(row.get("passports"))
    for row in select(store, "page-recent-changes"):
        stats.recent.append({"version": row["version"].value, "passport": row["passport"].value,
                             "number": _int(row.get("number")),
                             "generated": row["generated"].value if "generated" in row else "",
                             "agent": row["agent"].value if "agent" in row else ""})
    return stats


def stats(registry, *, wait: float | None = 5.0) -> Stats | None:
    """The cached whole-store counts; None while they are first being computed (big stores)."""
    return cache_for(registry).get("stats", lambda: compute_stats(registry.store), wait=wait)


def value_counts(registry, predicate: str, *, wait: float | None = 5.0) -> dict[str, int] | None:
    """How many resources have each value of ``predicate`` (cached per generation)."""
    def compute() -> dict[str, int]:
        return {row["value"].value: _int(row.get("n"))
                for row in select(registry.store, "page-counts-by-value",
                                  {"predicate": ox.NamedNode(predicate)})
                if isinstance(row.get("value"), ox.NamedNode)}
    return cache_for(registry).get(("values", predicate), compute, wait=wait)


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@functools.lru_cache(maxsize=1)
def _rd_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def wkt_points(wkt: str) -> dict | None:
    """A WKT literal as {"type", "points": [[lat, lon], ...], "crs"}; RD New is converted to WGS84."""
    text = wkt.strip()
    crs = ""
    if text.startswith("<"):
        crs, _, text = text[1:].partition(">")
        text = text.strip()
    kind = text.split("(", 1)[0].strip().upper() or "GEOMETRY"
    pairs = [(float(a), float(b)) for a, b in _NUMBER_PAIR.findall(text)]
    if not pairs:
        return None
    if crs.endswith("/28992") or crs == RD_NEW:
        transformer = _rd_to_wgs84()
        if len(pairs) == 1:  # a point: the scalar call is several times cheaper than the list one
            pairs = [transformer.transform(*pairs[0])]
        else:
            xs, ys = transformer.transform([p[0] for p in pairs], [p[1] for p in pairs])
            pairs = list(zip(xs, ys))
    elif crs and not crs.endswith(("CRS84", "/4326")):
        return {"type": kind, "points": [], "crs": crs, "wkt": wkt}
    points = [[round(lat, 6), round(lon, 6)] for lon, lat in pairs]
    return {"type": kind, "points": points, "crs": crs or "CRS84", "wkt": wkt}


@functools.lru_cache(maxsize=1024)
def _vocabulary_wkt(terms: Terms, iri: str, predicate: str) -> Attrs | None:
    """The geometry of a vocabulary term (a municipality's centroid or bounding box), once per process."""
    value = terms.value(iri, predicate)
    found = wkt_points(value.value if value is not None else "POINT EMPTY")
    return as_attrs(found) if found is not None else None


def vocabulary_wkt(terms: Terms, iri: str, predicate: str) -> Attrs | None:
    """``wkt_points`` of a term's WKT literal in the ontology (shared: do not change it)."""
    return _vocabulary_wkt(terms, iri, predicate)


# ---------------------------------------------------------------------------------------------
# One passport (or one version of it)
# ---------------------------------------------------------------------------------------------
class _Graph:
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
        return _langmap(iter(self.all(s, p)))

    def number(self, s, p: str) -> float | None:
        value = self.one(s, p)
        if value is None:
            return None
        try:
            return float(value.value)
        except ValueError:
            return None


_NONE: list = []


def passport_graph(store: ox.Store, graph: ox.NamedNode) -> _Graph:
    """The statements of one named graph (a passport's current version): one index range."""
    return _Graph(store.quads_for_pattern(None, None, None, graph))


def graph_status(g: _Graph, node: ox.NamedNode) -> str:
    """``current``, ``retired`` or ``absent``, as ``Registry.status`` says, from the graph itself."""
    types = g.all(node, T_TYPE)
    if _PASSPORT in types:
        return "current"
    if _RETIRED in types:
        return "retired"
    return "absent"


def _quantity(g: _Graph, node, base: str) -> Attrs:
    unit = g.iri(node, QUDT + "unit")
    value = g.number(node, QUDT + "numericValue")
    unit_name = local_name(unit)
    return Attrs(iri=node.value if isinstance(node, ox.NamedNode) else "",
                 material=g.iri(node, MP + "material"), value=value,
                 unit=unit, unit_symbol=UNIT_SYMBOLS.get(unit_name, unit_name),
                 data_quality=g.iri(node, MP + "dataQuality"), origin=g.iri(node, MP + "origin"),
                 material_phase=g.iri(node, MP + "materialPhase"),
                 recycled_content=g.number(node, MP + "recycledContent"),
                 derived_from=g.text(node, MP + "derivedFrom"))


def _component(g: _Graph, node, base: str, seen: set, depth: int = 0) -> Attrs:
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


def passport_view(registry, ref: PassportRef, triples, terms: Terms) -> Attrs:
    """Everything the passport page shows about one passport version.

    ``triples``: the version's triples, or the ``_Graph`` of ``passport_graph``."""
    g = triples if isinstance(triples, _Graph) else _Graph(triples)
    p = ox.NamedNode(ref.iri)
    obj_iri = g.iri(p, T_DESCRIBES)
    obj = ox.NamedNode(obj_iri) if obj_iri else None
    kinds = g.iris(obj, T_TYPE) if obj else []
    kind = next((k for k in kinds if terms.is_object_kind(k)), kinds[0] if kinds else "")
    seen: set = set()
    components = [_component(g, c, ref.base, seen) for c in (g.all(obj, T_HAS_COMPONENT) if obj else [])]
    direct = [_quantity(g, q, ref.base) for q in (g.all(obj, T_HAS_QUANTITY) if obj else [])]
    quantities = direct + list(_walk_quantities(components))
    summary: dict[tuple[str, str], dict] = {}
    for q in quantities:
        key = (q["material"], q["unit"])
        row = summary.get(key)
        if row is None:
            row = summary[key] = Attrs(material=q["material"], unit=q["unit"],
                                       unit_symbol=q["unit_symbol"], total=0.0, origins=set(), records=0)
        row["total"] += q["value"] or 0.0
        row["records"] += 1
        if q["origin"]:
            row["origins"].add(q["origin"])
    materials = sorted(summary.values(), key=lambda r: (-r["total"] * TONNES_PER_UNIT.get(
        local_name(r["unit"]), 0.0), terms.label(r["material"], "nl")))
    for row in materials:
        row["origins"] = sorted(row["origins"])
    tonnes = sum((q["value"] or 0.0) * TONNES_PER_UNIT.get(local_name(q["unit"]), 0.0)
                 for q in quantities)
    valuations = []
    for v in (g.all(obj, MP + "valuation") if obj else []):
        valuations.append(Attrs(iri=v.value if isinstance(v, ox.NamedNode) else "",
                                amount=g.number(v, MP + "amount"),
                                currency=g.text(v, MP + "currency") or "EUR",
                                date=g.text(v, DCTERMS + "date"),
                                method=g.iri(v, MP + "valuationMethod"),
                                source=g.text(v, MP + "priceSource")))
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


class Attrs(dict):
    """A dict whose keys templates read as attributes (``p.object.kind``) without Jinja's
    attribute-then-item fallback."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def as_attrs(value):
    if isinstance(value, dict) and not isinstance(value, Attrs):
        return Attrs({k: as_attrs(v) for k, v in value.items()})
    if isinstance(value, list):
        return [as_attrs(v) for v in value]
    return value


_SPECIALIZATION_OF = ox.NamedNode(PROV + "specializationOf")
_GENERATED_BY = PROV + "wasGeneratedBy"
_USED = ox.NamedNode(PROV + "used")
_COMMENT = ox.NamedNode(RDFS + "comment")


def history_rows(registry, ref: PassportRef) -> list[dict]:
    """Every version of the passport, oldest first, with its provenance (``sparql/passport-history.rq``
    read by index lookups in the provenance graph: a few per version instead of a query plan)."""
    store, prov = registry.store, registry.provenance_graph
    passport = ox.NamedNode(PassportRef(ref.base, ref.municipality, ref.key).iri)
    rows = []
    activities: dict[ox.Term, tuple[str | None, str | None]] = {}
    for record in store.quads_for_pattern(None, _SPECIALIZATION_OF, passport, prov):
        version = record.subject
        props: dict[str, ox.Term] = {}
        for q in store.quads_for_pattern(version, None, None, prov):
            props.setdefault(q.predicate.value, q.object)
        number, generated = props.get(MP + "versionNumber"), props.get(PROV + "generatedAtTime")
        if number is None or generated is None:
            continue
        activity = props.get(_GENERATED_BY)
        source = comment = None
        if activity is not None:
            found = activities.get(activity)
            if found is None:
                used = next(store.quads_for_pattern(activity, _USED, None, prov), None)
                said = next(store.quads_for_pattern(activity, _COMMENT, None, prov), None)
                found = activities[activity] = (used.object.value if used is not None else None,
                                                said.object.value if said is not None else None)
            source, comment = found
        invalidated = props.get(PROV + "invalidatedAtTime")
        agent = props.get(PROV + "wasAttributedTo")
        rows.append({"number": int(number.value), "iri": version.value, "generated": generated.value,
                     "invalidated": invalidated.value if invalidated is not None else None,
                     "agent": agent.value if agent is not None else None, "source": source,
                     "activity": activity.value if activity is not None else None, "comment": comment})
    rows.sort(key=lambda r: r["number"])
    return rows


# ---------------------------------------------------------------------------------------------
# Lists and overviews
# ---------------------------------------------------------------------------------------------
def _listed(registry, key: tuple, compute) -> tuple[list[str], bool]:
    """A page of a list, computed once per store generation (``page_cache.memo_for``)."""
    return memo_for(registry).get(("list", PAGE_SIZE) + key, compute)


def municipality_passports(registry, municipality_iri: str, page: int) -> tuple[list[str], bool]:
    return _listed(registry, ("municipality", municipality_iri, page),
                   lambda: page_of(iter_municipality(registry.store, municipality_iri), page))


def kind_passports(registry, kind_iri: str, page: int) -> tuple[list[str], bool]:
    return _listed(registry, ("kind", kind_iri, page),
                   lambda: page_of(iter_kind(registry.store, kind_iri), page))


def material_passports(registry, material_iri: str, page: int) -> tuple[list[str], bool]:
    return _listed(registry, ("material", material_iri, page),
                   lambda: page_of(iter_material(registry.store, material_iri), page))


def concept_passports(registry, concept_iri: str, page: int) -> tuple[list[str], bool]:
    return _listed(registry, ("concept", concept_iri, page),
                   lambda: page_of(iter_concept(registry.store, concept_iri), page))


def cards_for(registry, iris: list[str], terms: Terms) -> list[dict]:
    """``passport_cards`` of a list shown on a page, computed once per store generation."""
    return memo_for(registry).get(("cards", id(terms), tuple(iris)),
                                  lambda: passport_cards(registry.store, iris, terms))


@dataclass
class SearchForm:
    """Validated search parameters; ``errors`` lists what was refused and why (UI string keys)."""

    text: str = ""
    municipality: str = ""  # CBS code
    kind: str = ""  # local name of an object class
    material: str = ""  # local name of a material concept
    page: int = 1
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.text or self.municipality or self.kind or self.material)

    def query(self) -> dict:
        return {k: v for k, v in (("q", self.text), ("municipality", self.municipality),
                                  ("kind", self.kind), ("material", self.material)) if v}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_search(terms: Terms, q: str | None, municipality: str | None, kind: str | None,
                 material: str | None, page: str | None) -> SearchForm:
    form = SearchForm()
    text = _CONTROL.sub(" ", (q or "")).strip()
    if len(text) > SEARCH_TEXT_MAX:
        form.errors.append("search.error.text_long")
        text = text[:SEARCH_TEXT_MAX]
    form.text = text
    if municipality:
        if f"{MPV}municipality/{municipality}" in terms.municipalities:
            form.municipality = municipality
        else:
            form.errors.append("search.error.municipality")
    if kind:
        if f"{MP}{kind}" in terms.object_kinds:
            form.kind = kind
        else:
            form.errors.append("search.error.kind")
    if material:
        if f"{MPV}material/{material}" in terms.members(f"{MPV}material"):
            form.material = material
        else:
            form.errors.append("search.error.material")
    if page:
        try:
            form.page = int(page)
        except ValueError:
            form.errors.append("search.error.page")
        if not 1 <= form.page <= MAX_PAGE:
            form.errors.append("search.error.page")
            form.page = min(max(form.page, 1), MAX_PAGE)
    return form


class TextIndex:
    """Search text of every current passport, one line each: ``GM0153/key<TAB>lowercase text``.

    Title, identifier, object name and asset-system ID, in every language; one UTF-8 text for the
    whole registry (about 200 bytes per passport), searched with ``find`` in C. Built from six
    index ranges of the store, once per store generation (``page_cache``), in the background.

    With a ``folder`` the text goes to a file there and is memory-mapped: the server and every page
    worker that loads the index (``page_cache`` shares it as a pickle) map the same file, so there
    is one copy in memory however many processes search (about 200 MB at a million passports).
    """

    PREDICATES = (DCTERMS + "title", DCTERMS + "identifier")
    OBJECT_PREDICATES = (RDFS + "label", MP + "sourceIdentifier")
    _serials = itertools.count(1)

    def __init__(self, store: ox.Store, base: str, folder: Path | None = None):
        self.base = base
        # tells search results of different builds apart, also of builds in other processes
        self.serial = f"{os.getpid()}-{next(self._serials)}-{time.time_ns()}"
        prefix = f"{base}id/passport/"
        current = {q.subject.value for q in store.quads_for_pattern(None, _TYPE, _PASSPORT, None)
                   if q.subject == q.graph_name and isinstance(q.subject, ox.NamedNode)}
        texts: dict[str, list[str]] = {iri: [] for iri in current}
        for predicate in self.PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                found = texts.get(q.graph_name.value) if q.subject == q.graph_name else None
                if found is not None:
                    found.append(q.object.value)
        object_prefix = f"{base}id/object/"
        for predicate in self.OBJECT_PREDICATES:
            for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                if isinstance(q.graph_name, ox.NamedNode) and q.subject.value.startswith(object_prefix):
                    found = texts.get(q.graph_name.value)
                    if found is not None:
                        found.append(q.object.value)
        lines = []
        for iri, parts in texts.items():
            if iri.startswith(prefix):
                text = " ".join(parts).lower().replace("\n", " ").replace("\t", " ")
                lines.append(f"{iri[len(prefix):]}\t{text}")
        self.size = len(lines)
        self.path: str | None = None
        self.data: bytes | mmap.mmap = ("\n" + "\n".join(lines) + "\n").encode("utf-8")
        if folder is not None:
            self._publish(folder)

    def _publish(self, folder: Path) -> None:
        """Write the text to ``folder`` and map it (the only index file there: older ones go; a
        process still using one keeps its mapping). Without a writable folder it stays in memory."""
        path = folder / f"text-index-{self.serial}.txt"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name("." + path.name)
            tmp.write_bytes(self.data)
            os.replace(tmp, path)
            for old in folder.glob("text-index-*.txt"):
                if old != path:
                    old.unlink(missing_ok=True)
            self.data, self.path = _mapped(path), str(path)
        except OSError:
            pass

    def __getstate__(self) -> dict:
        if self.path is None:
            return dict(self.__dict__)
        return {k: v for k, v in self.__dict__.items() if k != "data"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "data" not in state:
            self.data = _mapped(Path(state["path"]))  # gone: OSError, and the index is built again

    def find(self, text: str) -> Iterator[str]:
        """Passport IRIs whose search text contains ``text`` (case-insensitive), in index order."""
        needle = text.lower().encode("utf-8")
        data = self.data
        prefix = f"{self.base}id/passport/"
        pos = data.find(needle)
        while pos != -1:
            start = data.rfind(b"\n", 0, pos) + 1
            end = data.find(b"\n", pos)
            tab = data.find(b"\t", start, end)
            if tab != -1 and pos > tab and pos + len(needle) <= end:
                yield prefix + data[start:tab].decode("utf-8")
                pos = data.find(needle, end)
            else:
                pos = data.find(needle, pos + 1)


def _mapped(path: Path) -> mmap.mmap:
    with open(path, "rb") as source:
        return mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)


def text_index(registry, *, wait: float | None = 2.0) -> TextIndex | None:
    folder = registry.settings.data_dir / "cache" / "pages"
    return cache_for(registry).get("text-index", lambda: TextIndex(registry.store, registry.base, folder),
                                   wait=wait)


def search(registry, form: SearchForm, *, wait: float | None = 2.0) -> tuple[list[str], bool]:
    """Passports matching the form.

    With a text: the text index (``TextIndex``), the other criteria checked per hit by index
    lookups; while the index is first being built, the named query ``page-search-text``
    (``-material``) with the text bound as a string literal (never query text). Without a text:
    the most selective index list (material, object kind, municipality), the other criteria
    checked per passport by index lookups.
    """
    store = registry.store
    municipality = f"{MPV}municipality/{form.municipality}" if form.municipality else ""
    kind = f"{MP}{form.kind}" if form.kind else ""
    material = f"{MPV}material/{form.material}" if form.material else ""
    index = text_index(registry, wait=wait) if form.text else None
    if form.text and index is not None:
        own = f"{registry.base}id/passport/{form.municipality}/" if municipality else ""

        def by_text() -> tuple[list[str], bool]:
            checks = _checks(store, "", kind, material)
            checks.insert(0, lambda g: _is_current(store, g))  # the index may predate a retirement
            hits = (iri for iri in index.find(form.text)
                    if iri.startswith(own) and all(check(ox.NamedNode(iri)) for check in checks))
            return page_of(hits, form.page)
        # Keyed on the index too: a rebuilt index (after a write) gives a new key.
        return _listed(registry, ("search", index.serial, form.text, municipality, kind, material,
                                  form.page), by_text)
    if form.text:
        counted = stats(registry, wait=0)
        if counted is None or counted.total > SCAN_SEARCH_MAX:
            # A scan of every label would take too long here: say so instead of waiting.
            form.notices.append("search.indexing")
            return [], False
        bindings: dict[str, ox.Term] = {"text": ox.Literal(form.text)}
        name = "page-search-text"
        if municipality:
            bindings["municipality"] = ox.NamedNode(municipality)
        if kind:
            bindings["kind"] = ox.NamedNode(kind)
        if material:
            bindings["material"] = ox.NamedNode(material)
            name += "-material"
        return paged_passports(store, name, bindings, form.page)

    def by_filters() -> tuple[list[str], bool]:
        if material:
            candidates = iter_material(store, material)
        elif kind:
            candidates = iter_kind(store, kind)
        else:
            candidates = iter_municipality(store, municipality)
        checks = _checks(store, municipality if (material or kind) else "", kind if material else "", "")
        matching = (iri for iri in candidates if all(check(ox.NamedNode(iri)) for check in checks))
        return page_of(matching, form.page)
    return _listed(registry, ("search", None, "", municipality, kind, material, form.page), by_filters)


def _checks(store: ox.Store, municipality: str, kind: str, material: str) -> list:
    """Index lookups that test one passport graph against the given criteria."""
    checks = []
    if municipality:
        muni = ox.NamedNode(municipality)
        municipality_p = ox.NamedNode(T_MUNICIPALITY)
        checks.append(lambda g: next(store.quads_for_pattern(g, municipality_p, muni, g), None) is not None)
    if kind:
        kind_node = ox.NamedNode(kind)
        checks.append(lambda g: next(store.quads_for_pattern(None, _TYPE, kind_node, g), None) is not None)
    if material:
        material_node = ox.NamedNode(material)
        material_p = ox.NamedNode(MP + "material")
        checks.append(lambda g: next(store.quads_for_pattern(None, material_p, material_node, g),
                                     None) is not None)
    return checks


def scheme_of(iri: str) -> str:
    """``rstrategy`` for ``mpv:rstrategy/R3``."""
    if iri.startswith(MPV):
        return iri[len(MPV):].split("/", 1)[0]
    return ""


def is_municipality(terms: Terms, iri: str) -> bool:
    return any(t == MUNICIPALITY_CLASS for t in terms.types(iri))


def agent_label(terms: Terms, agent: str | None) -> str:
    if not agent:
        return ""
    if terms.known(agent):
        return terms.label(agent, "nl")
    return local_name(agent)


__all__ = [
    "MAX_PAGE",
    "PAGE_SIZE",
    "PROV",
    "SKOS",
    "Paged",
    "SearchForm",
    "Stats",
    "history_rows",
    "parse_search",
    "passport_cards",
    "passport_view",
    "search",
    "stats",
    "value_counts",
    "wkt_points",
]
