"""Several writes stored as one transaction (``staged``): a harvested page (docs/feed.md).

Inside ``with staged(registry, passports):`` the registry's ordinary writes (``add``, ``retire``,
any number, also several versions of one passport) go to an in-memory copy of the graphs of
``passports`` (and an in-memory history store); the sidecar indexes' updates are recorded. At the
end, what changed is written to the main store in **one transaction** (``BatchWriter._commit_batch``:
drop the changed passports' graphs and insert their new content and the provenance records), then
the sidecar updates are applied in their order. An exception inside the block stores nothing.

The history copies (the superseded versions ``<P/v/n>``, in their own store) are written before
that transaction, as every write does; they are listed first in ``DATA/staged-history`` (synced).
A process killed before the transaction leaves copies of versions the main store does not record
as superseded: the next ``staged`` block (or ``recover``) removes every listed copy whose version
has no ``prov:invalidatedAtTime``, so the history holds whole blocks only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.core.workers import write_lock
from registry.store.provenance import INVALIDATED_AT

JOURNAL = "staged-history"
INDEXES = ("search_index", "monitor_index", "feed_index")


class _Recorder:
    """Stands for a sidecar index inside a block: computes rows as the index does, records the
    updates (applied after the block's transaction)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.FILE = index.FILE
        self.steps: list[tuple[list, list[str]]] = []

    def facts(self, iri: str, triples) -> Any:
        return self.index.facts(iri, triples)

    def managed(self, facts: Any, statements: list) -> None:
        self.index.managed(facts, statements)

    def mark_dirty(self) -> None:
        """The real index is marked before the block's transaction."""

    def apply(self, put: Iterable = (), remove: Iterable[str] = ()) -> None:
        self.steps.append((list(put), list(remove)))


def _journal(registry) -> Path:
    return registry.settings.data_dir / JOURNAL


def recover(registry) -> None:
    """Remove the history copies of a block whose transaction did not happen (see the module)."""
    journal = _journal(registry)
    if not journal.exists():
        return
    prov = registry.provenance_graph
    for line in journal.read_text(encoding="utf-8").splitlines():
        if line.strip():
            version = ox.NamedNode(line.strip())
            if next(registry.store.quads_for_pattern(version, INVALIDATED_AT, None, prov), None) is None:
                registry.history_store.remove_graph(version)
    registry.history_store.flush()
    journal.unlink()


@contextmanager
def staged(registry, passports: Iterable[str]) -> Iterator[None]:
    """The writes of the block, touching only ``passports`` (and the provenance), as one."""
    registry._writable()
    recover(registry)
    main, history = registry.store, registry.history_store
    indexes = {attr: getattr(registry, attr, None) for attr in INDEXES}
    before: dict[str, set[ox.Quad]] = {}
    overlay = ox.Store()
    for iri in set(passports):
        before[iri] = set(main.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
        overlay.extend(before[iri])
    recorders = {attr: _Recorder(index) for attr, index in indexes.items() if index is not None}
    registry.store, registry.history_store = overlay, ox.Store()
    loads = registry._bulk_loads, registry._bulk_bytes  # loads into the copy are no loads of the store
    for attr, recorder in recorders.items():
        setattr(registry, attr, recorder)
    try:
        yield
        superseded = registry.history_store
    finally:
        registry.store, registry.history_store = main, history
        registry._bulk_loads, registry._bulk_bytes = loads
        for attr, index in indexes.items():
            setattr(registry, attr, index)
    _commit(registry, overlay, superseded, before, recorders)


def _commit(registry, overlay: ox.Store, superseded: ox.Store, before: dict[str, set[ox.Quad]],
            recorders: dict[str, _Recorder]) -> None:
    unchanged = {iri for iri, quads in before.items()
                 if set(overlay.quads_for_pattern(None, None, None, ox.NamedNode(iri))) == quads}
    quads = [q for q in overlay if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in unchanged)]
    if not quads:
        return
    replaced = [ox.NamedNode(iri) for iri, quads in before.items() if quads and iri not in unchanged]
    graphs = list(superseded.named_graphs())
    journal = _journal(registry)
    with registry._storage("write"):
        if graphs:
            with open(journal, "w", encoding="utf-8") as out:
                out.write("\n".join(g.value for g in graphs))
                out.flush()
                os.fsync(out.fileno())
            for graph in graphs:
                if registry.history_store.contains_named_graph(graph):
                    registry.history_store.remove_graph(graph)
            registry.history_store.extend(superseded)
    for recorder in recorders.values():
        registry._sidecar_call(recorder.index, "mark_dirty")
    with write_lock(registry.settings.data_dir):
        with registry._storage("write"):
            registry._commit_batch(quads, replaced, [], None)
        registry._bump_generation()
    journal.unlink(missing_ok=True)
    for recorder in recorders.values():
        if hasattr(recorder.index, "apply_in_order"):  # the feed: every event, in order
            registry._sidecar_call(recorder.index, "apply_in_order", recorder.steps)
        else:
            registry._sidecar_call(recorder.index, "apply", *_net(recorder.steps))
    if recorders:  # again, as the writer does (``writer.Writer._commit_now``)
        registry._bump_generation()


def _net(steps: list[tuple[list, list[str]]]) -> tuple[list, list[str]]:
    """The steps of an index that keeps one row per current passport as one update: each
    passport's last row, or its removal."""
    last: dict[str, Any] = {}
    for put, remove in steps:
        for facts in put:
            last[facts.iri] = facts
        for iri in remove:
            last[iri] = None
    return [f for f in last.values() if f is not None], [iri for iri, f in last.items() if f is None]


__all__ = ["JOURNAL", "recover", "staged"]
