"""The reference data in the main store: the files of ``registry.model.reference.REFERENCE_FOLDERS``
(the ontology and SKOS schemes today) as named graphs, so that ``/sparql``, ``/query/*`` and
``passports query`` see labels, densities, flags and the material hierarchy (layout in
docs/model.md, "Reference graphs").

``sync`` runs whenever the store is opened for writing (``Registry.open``: ``passports init``,
``serve``, ``add``, ``import``, ...): it compares the content hash of the files with the one in the
manifest graph and, when they differ (or nothing is loaded yet), removes the reference graphs the
manifest lists (then the manifest) and loads them again in one transaction. A kill between the two
leaves no manifest, so the next open removes every graph under the prefix and loads them again. The check reads the files' bytes and one quad: it costs about a millisecond.
The history store never holds reference graphs.
"""

from __future__ import annotations

import pyoxigraph as ox

from registry.model.reference import (
    HAS_PART,
    HAS_VERSION,
    MANIFEST_GRAPH,
    REFERENCE_FOLDERS,
    iter_reference_graph_names,
    reference_digest,
    reference_quads,
)


def loaded_digest(store: ox.Store) -> str | None:
    """The content hash the manifest graph records, or None when no reference data is loaded."""
    manifest = ox.NamedNode(MANIFEST_GRAPH)
    quad = next(store.quads_for_pattern(manifest, ox.NamedNode(HAS_VERSION), None, manifest), None)
    return quad.object.value if quad is not None else None


def sync(store: ox.Store, folders=REFERENCE_FOLDERS) -> bool:
    """Load the reference graphs when the files changed since they were loaded; True when it did."""
    if loaded_digest(store) == reference_digest(folders):
        return False
    quads, _ = reference_quads(folders)  # parse first: a broken file leaves the store as it was
    for graph in loaded_graphs(store):  # the manifest last: a kill in between leaves it to list the rest
        store.remove_graph(graph)
    store.extend(quads)
    return True


def loaded_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The reference graphs in the store, the manifest graph last: those the manifest lists, or
    (no manifest: never loaded, or a load was interrupted) every graph named under the prefix, found
    by reading every graph name (once, on the first open of a registry made before them)."""
    manifest = ox.NamedNode(MANIFEST_GRAPH)
    if not store.contains_named_graph(manifest):
        return list(iter_reference_graph_names(store.named_graphs()))
    parts = [q.object for q in store.quads_for_pattern(manifest, ox.NamedNode(HAS_PART), None, manifest)]
    return [g for g in parts if isinstance(g, ox.NamedNode) and g != manifest] + [manifest]
