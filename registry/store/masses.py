"""The masses of the stored quantities kept in step with the reference data (docs/model.md, "Mass").

Every write derives the mass of each quantity it stores (``BatchWriter._write``). When the values the
derivations use change (a density, thickness, cross-section, typical mass or label in ``ontology/``:
``MassTables.digest``), or a store was made before masses existed, the stored masses are derived again:

- current passports: the mass triples of each graph are replaced where they differ, batch by batch;
- archived versions (history store) that have no mass triples yet get them; an archived version that
  has them keeps them: it records what the registry derived when that version was current.

``refresh`` runs when a store is opened for writing and the digest in the store differs from the
reference data's (``Registry.open``), and on demand (``passports masses refresh``). The digest is written
after the last batch, so a refresh that is killed runs again at the next opening; each batch is
idempotent. Content hashes do not change: masses are never part of them.

The same machinery (a ``Derivation``) keeps the CRS84 copy of every geometry (``registry.store.geometries``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from registry.model.documents import grouped
from registry.model.mass import INPUT_PREDICATES, mass_tables, mass_triples
from registry.model.mass_tables import MassTables
from registry.model.vocab import DCTERMS, MASS_PREDICATES, PASSPORT, RDF_TYPE

HAS_VERSION = ox.NamedNode(DCTERMS + "hasVersion")
BATCH = 1000


def state_node(base: str, name: str = "masses") -> ox.NamedNode:
    """The node whose ``dcterms:hasVersion`` (in the provenance graph) is the digest of the reference
    values the stored masses (or ``name``'s triples) were derived with."""
    return ox.NamedNode(f"{base}graph/provenance#{name}")


def stored_digest(store: ox.Store, base: str, graph: ox.NamedNode, name: str = "masses") -> str | None:
    quad = next(store.quads_for_pattern(state_node(base, name), HAS_VERSION, None, graph), None)
    return quad.object.value if quad is not None else None


def is_stale(store: ox.Store, base: str, graph: ox.NamedNode, tables: MassTables | None = None, *,
             kind: Derivation | None = None) -> bool:
    """Whether the stored masses were derived with other reference values than the current ones
    (or, given ``kind``, that kind's triples with another digest)."""
    if kind is not None and kind is not MASSES:
        return stored_digest(store, base, graph, kind.name) != kind.prepare()[1]
    return stored_digest(store, base, graph) != (tables or mass_tables()).digest


def _passport_graphs(store: ox.Store) -> Iterator[ox.NamedNode]:
    for quad in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
        if quad.subject == quad.graph_name:
            yield quad.subject


@dataclass(frozen=True)
class Derivation:
    """One kind of registry-managed triples kept in step with the data: the predicates it writes, the
    ones it reads, and ``prepare()``: (a function from one graph's input triples to its managed triples,
    the digest of what it derives with), the digest stored at ``{base}graph/provenance#{name}``."""

    name: str
    predicates: frozenset
    inputs: frozenset
    prepare: Callable[[], tuple[Callable[[list[ox.Triple]], list[ox.Triple]], str]]


def _prepare_masses():
    tables = mass_tables()
    return (lambda content: mass_triples(content, tables)), tables.digest


MASSES = Derivation("masses", MASS_PREDICATES, INPUT_PREDICATES, _prepare_masses)


def _changes(store: ox.Store, graph: ox.NamedNode, kind: Derivation, derive,
             only_missing: bool) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads to remove, quads to add) to make the managed triples of one graph right."""
    old: set[ox.Quad] = set()
    content: list[ox.Triple] = []
    # one index range per predicate the derivation reads: a few dozen quads instead of the whole graph
    for predicate in kind.predicates:
        old.update(store.quads_for_pattern(None, predicate, None, graph))
    for predicate in kind.inputs:
        content += (quad.triple for quad in store.quads_for_pattern(None, predicate, None, graph))
    if only_missing and old:
        return [], []
    new = {ox.Quad(t.subject, t.predicate, t.object, graph) for t in derive(content)}
    return list(old - new), list(new - old)


def _apply(store: ox.Store, graphs: list[ox.NamedNode], kind: Derivation, derive, only_missing: bool) -> int:
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    changed = 0
    for graph in graphs:
        out, into = _changes(store, graph, kind, derive, only_missing)
        if out or into:
            changed += 1
            removed += out
            added += into
    for quad in removed:
        store.remove(quad)
    if added:
        store.extend(added)
    return changed


def refresh(store: ox.Store, history: ox.Store | None, base: str, provenance: ox.NamedNode, *,
            progress: Callable[[int], None] | None = None, batch_size: int = BATCH,
            kind: Derivation = MASSES) -> int:
    """Derive the masses (or the triples of another ``kind``) of every stored passport again; the
    number of graphs that changed.

    ``progress`` is called with the number of graphs done after each batch (current passports, then
    archived versions)."""
    derive, digest = kind.prepare()
    # graph names first: the store is changed while they are worked through
    graphs = list(_passport_graphs(store))
    changed = 0
    for batch in grouped(graphs, batch_size):
        changed += _apply(store, batch, kind, derive, only_missing=False)
        if progress:
            progress(len(batch))
    if history is not None:
        versions = [g for g in history.named_graphs() if isinstance(g, ox.NamedNode)]
        for batch in grouped(versions, batch_size):
            changed += _apply(history, batch, kind, derive, only_missing=True)
            if progress:
                progress(len(batch))
    node = state_node(base, kind.name)
    for quad in list(store.quads_for_pattern(node, HAS_VERSION, None, provenance)):
        store.remove(quad)
    store.add(ox.Quad(node, HAS_VERSION, ox.Literal(digest), provenance))
    return changed


def count(store: ox.Store, history: ox.Store | None) -> int:
    """How many graphs ``refresh`` works through (for a progress bar)."""
    return sum(1 for _ in _passport_graphs(store)) + (
        sum(1 for _ in history.named_graphs()) if history is not None else 0)
