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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox

from registry.model.mass import mass_tables, mass_triples
from registry.model.mass_tables import MassTables
from registry.model.vocab import DCTERMS, MANAGED_QUANTITY_PREDICATES, PASSPORT, RDF_TYPE

HAS_VERSION = ox.NamedNode(DCTERMS + "hasVersion")
BATCH = 1000


def state_node(base: str) -> ox.NamedNode:
    """The node whose ``dcterms:hasVersion`` (in the provenance graph) is the digest of the reference
    values the stored masses were derived with."""
    return ox.NamedNode(f"{base}graph/provenance#masses")


def stored_digest(store: ox.Store, base: str, graph: ox.NamedNode) -> str | None:
    quad = next(store.quads_for_pattern(state_node(base), HAS_VERSION, None, graph), None)
    return quad.object.value if quad is not None else None


def is_stale(store: ox.Store, base: str, graph: ox.NamedNode, tables: MassTables | None = None) -> bool:
    """Whether the stored masses were derived with other reference values than the current ones."""
    return stored_digest(store, base, graph) != (tables or mass_tables()).digest


def _passport_graphs(store: ox.Store) -> Iterator[ox.NamedNode]:
    for quad in store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
        if quad.subject == quad.graph_name:
            yield quad.subject


def _batches(graphs: Iterator[ox.NamedNode], size: int) -> Iterator[list[ox.NamedNode]]:
    batch: list[ox.NamedNode] = []
    for graph in graphs:
        batch.append(graph)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _changes(store: ox.Store, graph: ox.NamedNode, tables: MassTables,
             only_missing: bool) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads to remove, quads to add) to make the mass triples of one graph right."""
    old: set[ox.Quad] = set()
    content: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, graph):
        if quad.predicate in MANAGED_QUANTITY_PREDICATES:
            old.add(quad)
        else:
            content.append(quad.triple)
    if only_missing and old:
        return [], []
    new = {ox.Quad(t.subject, t.predicate, t.object, graph) for t in mass_triples(content, tables)}
    return list(old - new), list(new - old)


def _apply(store: ox.Store, graphs: list[ox.NamedNode], tables: MassTables, only_missing: bool) -> int:
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    changed = 0
    for graph in graphs:
        out, into = _changes(store, graph, tables, only_missing)
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
            progress: Callable[[int], None] | None = None, batch_size: int = BATCH) -> int:
    """Derive the masses of every stored passport again; the number of graphs that changed.

    ``progress`` is called with the number of graphs done after each batch (current passports, then
    archived versions)."""
    tables = mass_tables()
    # graph names first: the store is changed while they are worked through
    graphs = list(_passport_graphs(store))
    changed = 0
    for batch in _batches(iter(graphs), batch_size):
        changed += _apply(store, batch, tables, only_missing=False)
        if progress:
            progress(len(batch))
    if history is not None:
        versions = [g for g in history.named_graphs() if isinstance(g, ox.NamedNode)]
        for batch in _batches(iter(versions), batch_size):
            changed += _apply(history, batch, tables, only_missing=True)
            if progress:
                progress(len(batch))
    node = state_node(base)
    for quad in list(store.quads_for_pattern(node, HAS_VERSION, None, provenance)):
        store.remove(quad)
    store.add(ox.Quad(node, HAS_VERSION, ox.Literal(tables.digest), provenance))
    return changed


def count(store: ox.Store, history: ox.Store | None) -> int:
    """How many graphs ``refresh`` works through (for a progress bar)."""
    return sum(1 for _ in _passport_graphs(store)) + (
        sum(1 for _ in history.named_graphs()) if history is not None else 0)
