"""The CRS84 copy of every stored geometry kept in step with the data (registry.model.geometry).

Every write derives it (``BatchWriter._write``); a store written before it existed, or by a version of
the registry that derived it differently (``VERSION`` below), gets it derived again when it is opened
for writing (``Registry.open``) or on demand (``passports geometries refresh``), with the machinery of
the masses (``registry.store.masses.refresh``): current passports are brought in line, archived
versions without the triples get them, the state is written last so a killed refresh runs again.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from registry.model.geometry import AS_WKT, geometry_triples
from registry.model.vocab import GEOMETRY_PREDICATES
from registry.store import masses

# Change when geometry_triples derives other triples from the same input: every store derives again.
VERSION = "crs84-v1"

GEOMETRIES = masses.Derivation("geometries", GEOMETRY_PREDICATES, frozenset({AS_WKT}),
                               lambda: (geometry_triples, VERSION))


def is_stale(store: ox.Store, base: str, provenance: ox.NamedNode) -> bool:
    """Whether the stored CRS84 copies were derived by another ``VERSION`` (or never)."""
    return masses.is_stale(store, base, provenance, kind=GEOMETRIES)


def refresh(store: ox.Store, history: ox.Store | None, base: str, provenance: ox.NamedNode, *,
            progress: Callable[[int], None] | None = None) -> int:
    """Derive the CRS84 copy of every stored geometry again; the number of graphs that changed."""
    return masses.refresh(store, history, base, provenance, progress=progress, kind=GEOMETRIES)
