"""Writing batches to the store, whole or not at all (``BatchWriter``, a part of ``Registry``).

A batch of new versions is written with its provenance in one transaction of the main store, or,
when it only creates passports, through RocksDB's bulk loader behind a journal (``DATA/journal``)
that the next opening uses to remove a half-loaded batch. A superseded version is copied into the
history store *before* the write that replaces it; a kill between the two leaves an extra copy of
a still-current version, which the next write overwrites with the same content. After each write
the store's generation is bumped, so read-only readers (query workers) see the change, and the
sidecar indexes (``sidecar``: the search index and the monitor aggregates) take the new versions'
rows (dirty-marked before the commit).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

from registry.core.heap import give_back
from registry.core.settings import Settings
from registry.core.workers import bump_generation, write_lock
from registry.model.documents import PassportDoc
from registry.model.mass import mass_tables
from registry.model.uris import PassportRef
from registry.model.vocab import (
    CONTENT_HASH,
    CREATED,
    CURRENT_VERSION,
    MODIFIED,
    PASSPORT_VERSION,
    RDF_TYPE,
    RETIRED_PASSPORT,
    VERSION_NUMBER,
)
from registry.store.failures import StoreError, storage_errors
from registry.store.feed_index import FeedIndex
from registry.store.monitor_index import MonitorIndex
from registry.store.prepared import Prepared, derived_triples
from registry.store.provenance import (
    ATTRIBUTED_TO,
    ENTITY,
    GENERATED_AT,
    INTEGER,
    INVALIDATED_AT,
    SPECIALIZATION_OF,
    WAS_GENERATED_BY,
    WAS_REVISION_OF,
    activity_quads,
    agent_label_quads,
    cli_agent,
    now,
)
from registry.store.remote import SparqlStore
from registry.store.search_index import SearchIndex
from registry.store.sidecar import Sidecar
from registry.store.versions import VersionReader
from registry.validation.worker import OrderedWriter

# Quads written in transactions between two flushes of RocksDB's memory tables. Every reader
# (page and query workers, reopened after each write) replays the unflushed log when it opens the
# store: a log of 200,000 quads made each opening take seconds and hundreds of MB (a page worker
# of the soak grew to 1.5 GB between writes); at 5,000 an opening takes tens of ms. A flush of
# that much costs about 15 ms, once per some 30 single-passport writes (docs/benchmarks.md, "Soak").
FLUSH_EVERY = 5_000
# A long ``add`` gathers the N-Quads of consecutive batches of new passports into one bulk load of
# ``Settings.add_load_mib`` (PASSPORTS_ADD_LOAD) or more: each bulk load adds files that overlap all
# others (keys are hashes), which RocksDB then merges into the whole store again, so the bytes
# written grow with the number of loads times the store's size (loads of one batch of 1,000 demo
# passports, 22 MB, wrote 13x the store at 100,000). The gathered N-Quads wait in a spool file
# (``SPOOL``), not in memory, and are loaded from it; the loader holds about 3.7 bytes per byte
# loaded, so the memory of an add is flat at a level the setting chooses (docs/benchmarks.md "Load").
SPOOL = "bulk-load.nq"
log = logging.getLogger(__name__)
# New passports of fewer quads than this go in one transaction (``Store.extend``) rather than through
# the bulk loader: faster below it (a transaction of 10,000 quads 0.18 s, the bulk loader's table
# files 0.48 s), atomic without the journal, and not the bulk loader's path that crashed the
# process (a segmentation fault inside pyoxigraph 0.5.13, now and then, on a one-passport add).
BULK_MIN_QUADS = 10_000


class BatchWriter(VersionReader):
    """Stores batches of valid passports as new versions; reads what it replaces."""

    settings: Settings
    provenance_graph: ox.NamedNode
    _unflushed: int  # quads written by updates since the last flush
    _bulk_loads: int  # bulk loads since the last compaction, and their N-Quads bytes
    _bulk_bytes: int
    _failed: bool = False  # a write failed in the storage: reopen the stores before the next one
    _gather: bool = False  # gather bulk batches (``_commit``) while a long ``add`` runs
    _gathered: list[tuple]  # (created, rows) of the batches in the spool, not loaded yet
    _spooled: int = 0  # the bytes in the spool
    search_index: SearchIndex | None = None  # the writer's handle of the search index
    monitor_index: MonitorIndex | None = None  # and of the monitor aggregates
    feed_index: FeedIndex | None = None  # and of the change feed's order

    def sidecars(self) -> list[Sidecar]:
        """The sidecar indexes this writer keeps up to date (``sidecar``)."""
        return [s for s in (self.search_index, self.monitor_index, self.feed_index) if s is not None]

    @contextmanager
    def _storage(self, action: str) -> Iterator[None]:
        """Storage failures as ``StoreError``; the stores are reopened before the next write."""
        try:
            with storage_errors(self.settings.data_dir, action):
                yield
        except StoreError:
            self._failed = True
            raise

    def _writable(self) -> None:
        """Before a write: reopen the stores if a storage failure left them refusing writes.

        After one write failed for lack of space (or rights), RocksDB refuses every further write
        until the store is opened again. The next write reopens it, so a server writes again once
        space is freed, without a restart. A request of this process still reading the old handle
        keeps it open; the write is then refused (503) and the next one tries again.
        """
        if not self._failed or isinstance(self.store, SparqlStore):  # a server has no handle to reopen
            self._failed = False
            return
        main_path, history_path = self.settings.main_store_path, self.settings.history_store_path
        self.store = self.history_store = None  # the old handles close when no reader holds them
        try:
            with storage_errors(self.settings.data_dir, "open"):
                self.store = ox.Store(str(main_path))
                self.history_store = ox.Store(str(history_path))
                self._recover()
        except StoreError:
            if self.store is None:  # reads go on while writes wait for the storage
                self.store = ox.Store.read_only(str(main_path))
            if self.history_store is None:
                self.history_store = ox.Store.read_only(str(history_path))
            raise
        self._failed = False

    def _agent_labels(self, agent: str) -> list[ox.Quad]:
        """The name of the command-line agent (PASSPORTS_AGENT_NAME, else "command line"), written
        with its first write; nothing for another agent (a municipality has its name already)."""
        name = self.settings.agent_name
        if agent != cli_agent(self.base, name):
            return []
        return [q for q in agent_label_quads(self.provenance_graph, agent, name) if q not in self.store]

    def _write(self, good: list[tuple[PassportDoc, int]], agent: str, source: str, comment: str,
               activity: ox.NamedNode, started: ox.Literal, *, writer: OrderedWriter | None = None,
               bodies: dict[str, bytes] | None = None, prepared: Prepared | None = None) -> None:
        """Store a batch of valid passports as new versions, with their provenance.

        ``bodies``: each passport's N-Quads (in its own graph) as already serialised for the
        validation worker; a batch of new passports is then bulk-loaded from those bytes.
        ``prepared``: the registry-managed triples and sidecar facts the worker derived
        (``prepared``); else they are derived here.
        ``writer``: run the commit on the writer thread, after the writes submitted before it.
        """
        timestamp = now()
        agent_node = ox.NamedNode(agent)
        prov = self.provenance_graph
        quads: list[ox.Quad] = activity_quads(prov, activity, agent_node, source, comment, started,
                                              timestamp) + self._agent_labels(agent)
        replaced: list[ox.NamedNode] = []
        tables = mass_tables()
        masses: dict[str, list[ox.Triple]] = {}
        held = self._graphs_quads([ox.NamedNode(doc.iri) for doc, latest in good if latest])  # the versions replaced
        own: dict[str, list[ox.Quad]] = {}  # each new version's managed triples
        for doc, latest in good:
            node = ox.NamedNode(doc.iri)
            if prepared is None:
                masses[doc.iri] = derived_triples(doc.statements(), tables)
                quads += (ox.Quad(t.subject, t.predicate, t.object, node) for t in masses[doc.iri])
            number = latest + 1
            version = ox.NamedNode(f"{doc.iri}/v/{number}")
            created = timestamp
            if latest:
                replaced.append(node)
                created = next((q.object for q in held[node] if q.predicate == CREATED), None) or timestamp
                if ox.Quad(node, RDF_TYPE, RETIRED_PASSPORT, node) not in held[node]:
                    self._archive(doc.ref.at(latest), node, held=held[node])  # (a retired one's was, when retired)
                previous = ox.NamedNode(f"{doc.iri}/v/{latest}")
                quads.append(ox.Quad(previous, INVALIDATED_AT, timestamp, prov))
                quads.append(ox.Quad(version, WAS_REVISION_OF, previous, prov))
            quads += own.setdefault(doc.iri, [
                ox.Quad(node, VERSION_NUMBER, ox.Literal(str(number), datatype=INTEGER), node),
                ox.Quad(node, CURRENT_VERSION, version, node),
                ox.Quad(node, CREATED, created, node),
                ox.Quad(node, MODIFIED, timestamp, node),
                ox.Quad(node, CONTENT_HASH, ox.Literal(doc.content_hash()), node)]) + [
                ox.Quad(version, RDF_TYPE, PASSPORT_VERSION, prov),
                ox.Quad(version, RDF_TYPE, ENTITY, prov),
                ox.Quad(version, SPECIALIZATION_OF, node, prov),
                ox.Quad(version, VERSION_NUMBER, ox.Literal(str(number), datatype=INTEGER), prov),
                ox.Quad(version, GENERATED_AT, timestamp, prov),
                ox.Quad(version, WAS_GENERATED_BY, activity, prov),
                ox.Quad(version, ATTRIBUTED_TO, agent_node, prov),
            ]
        created = [ox.NamedNode(doc.iri) for doc, _ in good]
        if prepared is not None:
            rows = {index: prepared.rows(index, [doc.iri for doc, _ in good]) for index in self.sidecars()}
        else:  # the statements as read (quads from N-Quads): no triples are made for the facts
            rows = {index: [f for f in (index.facts(doc.iri, chain(doc.statements(), masses[doc.iri]))
                                        for doc, _ in good) if f is not None] for index in self.sidecars()}
        for index, found in rows.items():
            for facts in found:
                index.managed(facts, own[facts.iri])
        content: list[bytes] | None = None
        if bodies is not None and not replaced:
            content = [part for doc, _ in good
                       for part in ((bodies[doc.iri], prepared.derived[doc.iri]) if prepared else (bodies[doc.iri],))]
        else:
            for doc, _ in good:
                quads.extend(doc.quads())
                if prepared is not None:
                    quads.extend(prepared.quads(doc.iri))
        if writer is None:
            self._commit(quads, replaced, created, content, rows=rows)
        else:
            writer.submit(partial(self._commit, rows=rows), quads, replaced, created, content)

    def _archive(self, version_ref: PassportRef, node: ox.NamedNode, action: str = "write", *,
                 held: list[ox.Quad] | None = None) -> None:
        """Copy the current graph of a passport (``held``: its quads, read already) into the
        history store as ``<P/v/n>``."""
        graph = ox.NamedNode(version_ref.version_iri)
        with self._storage(action):
            if self.history_store.contains_named_graph(graph):
                self.history_store.remove_graph(graph)
            quads = held if held is not None else self.store.quads_for_pattern(None, None, None, node)
            self.history_store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)

    @property
    def _journal(self) -> Path:
        return self.settings.data_dir / "journal"

    def _commit(self, quads: list[ox.Quad], replaced: list[ox.NamedNode],
                created: list[ox.NamedNode] = (), content: list[bytes] | None = None, *,
                action: str = "write", rows: dict[Sidecar, list] | None = None, remove: list[str] = ()) -> None:
        """Write a batch: whole or not at all.

        A batch that only creates passports goes through RocksDB's bulk loader, about twice as fast
        as a transaction, behind a journal: the new graphs are listed (and synced) first and the list
        is removed after the load; if the process dies in between, the next opening removes those
        graphs again (``_recover``), so a re-run adds them whole. A batch that replaces passports is
        one transaction (SPARQL Update: drop the old graphs, insert the new quads).

        ``content``: N-Quads of the new passports' graphs, loaded with ``quads`` in one bulk load
        (pyoxigraph parses bytes without holding the GIL, so the caller's thread runs on).

        A storage failure (full disk, unwritable directory) is raised as ``StoreError`` with nothing
        of the batch left in the store: a failed bulk load is undone from the journal at once, or,
        if undoing fails too, at the next opening.

        ``rows``: the rows of the new versions for each sidecar index; ``remove``: passports that
        leave them (retired). Applied after the commit and the generation bump.

        While a long ``add`` runs (``_gather``), bulk batches are spooled and loaded together
        (``SPOOL``, ``flush_gathered``); any other write loads them first.
        """
        if content is not None and created and not replaced and not remove and self._gather:
            content.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
            with self._storage("write"), open(self._spool, "ab") as spool:
                for part in content:
                    spool.write(part)
                    self._spooled += len(part)
            content.clear()
            self._gathered.append((created, rows or {}))
            if self._spooled >= self.settings.add_load_mib * 2**20:
                self.flush_gathered()
            return
        self.flush_gathered()
        self._commit_now(quads, replaced, created, content, action=action, rows=rows, remove=remove)

    @property
    def _spool(self) -> Path:
        return self.settings.data_dir / SPOOL

    def drop_gathered(self) -> None:
        """Forget the gathered batches (a failed ``add``: they are not stored)."""
        self._gathered, self._spooled = [], 0
        self._spool.unlink(missing_ok=True)

    def flush_gathered(self) -> None:
        """Load the gathered bulk batches (``_commit``) from the spool in one journaled bulk load."""
        if not self._gathered:
            return
        batches, self._gathered, self._spooled = self._gathered, [], 0
        rows: dict[Sidecar, list] = {}
        for _, batch_rows in batches:
            for index, put in batch_rows.items():
                rows.setdefault(index, []).extend(put)
        try:
            self._commit_now([], [], [g for batch in batches for g in batch[0]], self._spool, rows=rows)
        finally:
            self._spool.unlink(missing_ok=True)
        # for ``needs_compaction`` each batch counts as a load, as if loaded alone: a run of them
        # is compacted when the registry closes, as before
        self._bulk_loads += len(batches) - 1
        del batches, rows
        give_back()  # the load's buffers (``heap``)

    def _commit_now(self, quads: list[ox.Quad], replaced: list[ox.NamedNode], created: list[ox.NamedNode],
                    content: list[bytes] | Path | None, *, action: str = "write", rows: dict[Sidecar, list] | None = None,
                    remove: list[str] = ()) -> None:
        for index in self.sidecars():
            self._sidecar_call(index, "mark_dirty")
        with write_lock(self.settings.data_dir):  # a backup opens its snapshot between two of these
            with self._storage(action):
                self._commit_batch(quads, replaced, created, content)
            self._bump_generation()
        for index in self.sidecars():
            self._sidecar_call(index, "apply", (rows or {}).get(index, ()), remove)
        if self.sidecars():  # again: a page kept in the first (web.page_cache) may show the indexes before the write
            self._bump_generation()

    def _sidecar_call(self, index: Sidecar, method: str, *args) -> None:
        """An update of a sidecar index; a failure there (disk full) leaves it marked dirty,
        so the next opening rebuilds it, and does not undo the committed write."""
        try:
            getattr(index, method)(*args)
        except sqlite3.Error as exc:
            if method != "mark_dirty":
                index.missed = True  # later updates must not mark it clean
            log.warning("%s not updated (%s); it is rebuilt at the next opening", index.FILE, exc)

    def _commit_batch(self, quads: list[ox.Quad], replaced: list[ox.NamedNode],
                      created: list[ox.NamedNode], content: list[bytes] | Path | None) -> None:
        if not replaced and created and (content or len(quads) >= BULK_MIN_QUADS):
            try:
                with open(self._journal, "w", encoding="utf-8") as journal:
                    journal.write("\n".join(g.value for g in created))
                    journal.flush()
                    os.fsync(journal.fileno())
            except OSError:
                self._journal.unlink(missing_ok=True)  # nothing was loaded: no journal to keep
                raise
            try:
                if isinstance(content, Path):  # the spool of gathered batches, their quads in it
                    self.store.bulk_load(path=str(content), format=ox.RdfFormat.N_QUADS)
                    self._bulk_bytes += content.stat().st_size
                elif content:
                    content.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
                    payload = b"".join(content)  # one copy of the batch's bytes, not two
                    content.clear()
                    self.store.bulk_load(payload, ox.RdfFormat.N_QUADS)
                    self._bulk_bytes += len(payload)
                else:
                    self.store.bulk_extend(quads)
                    self._bulk_bytes += 100 * len(quads)  # about the N-Quads size of a quad
            except BaseException:
                try:
                    self._recover()
                except OSError:
                    pass  # the journal stays: the next opening removes the half-loaded batch
                raise
            self._bulk_loads += 1
            self._journal.unlink()
        elif not replaced:
            self.store.extend(quads)
            self._flush_now_and_then(len(quads))
        elif isinstance(self.store, SparqlStore):
            self.store.replace_graphs(replaced, quads)  # whole or not at all (``remote_writes``)
        else:
            # The update text is made only of terms serialised by pyoxigraph itself (N-Triples
            # syntax of already-parsed IRIs and literals), never of raw input text.
            drops = " ".join(f"DROP SILENT GRAPH {g} ;" for g in replaced)
            body = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
                             for q in quads)
            self.store.update(drops + " INSERT DATA {\n" + body + "\n}")
            self._flush_now_and_then(2 * len(quads))  # the old versions went to the history store

    def _flush_now_and_then(self, written: int) -> None:
        """Flush RocksDB's memory tables (of both stores) every ``FLUSH_EVERY`` quads written in
        transactions, before the generation bump makes the readers open the store again."""
        self._unflushed += written
        if self._unflushed >= FLUSH_EVERY:
            self.store.flush()
            if self.history_store is not None:
                self.history_store.flush()
            self._unflushed = 0

    def _recover(self) -> None:
        """Remove the passports of a bulk batch that was interrupted (see ``_commit``), and the
        spool of batches an interrupted ``add`` had not loaded yet."""
        self._spool.unlink(missing_ok=True)
        if not self._journal.exists():
            return
        with open(self._journal, encoding="utf-8") as lines:  # line by line: a dump's may list millions
            for line in lines:
                if not line.strip():
                    continue
                graph = ox.NamedNode(line.strip())
                self.store.remove_graph(graph)
                prov = self.provenance_graph
                for quad in list(self.store.quads_for_pattern(None, SPECIALIZATION_OF, graph, prov)):
                    for record in list(self.store.quads_for_pattern(quad.subject, None, None, prov)):
                        self.store.remove(record)
        self.store.flush()
        self._journal.unlink()
        self._bump_generation()

    def _bump_generation(self) -> None:
        """Tell read-only readers (query workers) that the store changed."""
        try:
            bump_generation(self.settings.data_dir)
        except OSError:
            pass

