"""The versioned passport store on pyoxigraph (layout in docs/model.md, "Storage layout").

- ``DATA/main``: graph ``<P>`` is the current version of passport ``P``; graph
  ``{base}graph/provenance`` holds PROV-O records of every version and write.
- ``DATA/history``: graph ``<P/v/n>`` holds every superseded version, forever.

Writes go in batches. A batch is validated with SHACL once, then written in one transaction of
the main store, so a passport is stored whole or not at all, also when the process is killed. A
superseded version is copied into the history store *before* the transaction that replaces it; a
kill between the two leaves an extra copy of a still-current version, which the next write
overwrites with the same content. Re-running an interrupted ``add`` skips every passport already
stored (same content hash) and stores the rest.

``Registry`` is put together from one part per job: ``versions.VersionReader`` (reading),
``writer.BatchWriter`` (writing batches, the journal), ``compaction.Compaction``; the records of
who wrote what are made in ``provenance``. This module has what a caller uses: opening and
closing, validating, adding and retiring passports.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.heap import keep_heap_small
from registry.core.settings import Settings
from registry.model.documents import PassportDoc, grouped
from registry.model.managed import has_managed, managed_triples, without_unchanged
from registry.model.uris import PassportRef
from registry.model.vocab import (
    CONTENT_HASH,
    CREATED,
    CURRENT_VERSION,
    IDENTIFIER,
    MUNICIPALITY,
    PROV,
    RDF_TYPE,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
)
from registry.store import geometries, masses, opening, reference_graphs, staging, stored_base, valuations
from registry.store.compaction import Compaction
from registry.store.failures import StoreError, describe, storage_errors  # noqa: F401 - StoreError for callers
from registry.store.feed_index import FeedIndex
from registry.store.monitor_index import MonitorIndex
from registry.store.prepared import Prepared, prepare
from registry.store.provenance import INVALIDATED_AT, activity_quads, cli_agent, now
from registry.store.search_index import SearchIndex
from registry.store.writer import BatchWriter
from registry.validation.validator import Issue, Validator, Verdict
from registry.validation.worker import OrderedWriter, ValidationWorker, encode

BATCH_SIZE = 1000
log = logging.getLogger(__name__)


class RetireError(RegistryError, ValueError):
    """A passport that cannot be retired (no reason given, or not current)."""


class RejectedError(RegistryError, ValueError):
    """A write refused by validation or by the rules of the registry; the store is unchanged."""

    def __init__(self, verdicts: list[Verdict]):
        self.verdicts = verdicts
        first = next((i for v in verdicts for i in v.issues if i.severity == "Violation"), None)
        super().__init__(first.text("en") if first else "rejected",
                         message_nl=first.text("nl") if first else "geweigerd")


@dataclass
class AddReport:
    """What an add did, passport by passport."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Verdict] = field(default_factory=list)
    warnings: list[Verdict] = field(default_factory=list)
    activity: str | None = None

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)

    def merge(self, other: AddReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.warnings += other.warnings


class Registry(BatchWriter, Compaction):
    """Passports in a pyoxigraph store on disk, current versions and history."""

    def __init__(self, settings: Settings, main: ox.Store, history: ox.Store | None,
                 read_only: bool = False):
        self.settings = settings
        self.read_only = read_only
        self.base = settings.base_iri
        self.store = main
        self.history_store = history
        self.provenance_graph = ox.NamedNode(f"{self.base}graph/provenance")
        self._validator: Validator | None = None
        self._unflushed = 0
        self._bulk_loads = 0  # bulk loads since the last compaction, and their N-Quads bytes
        self._bulk_bytes = 0
        self._gathered = []  # bulk batches of an ``add`` not loaded yet (``BatchWriter._commit``)
        self._search_stale = False  # masses re-derived at opening: rebuild the search index

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> Registry:
        settings = stored_base.resolve(settings or Settings())
        try:
            main = opening.open_main(settings, read_only=read_only)
            if read_only:
                history = opening.open_history(settings, read_only=True)
                opening.check_apart(main, history)
                return cls(stored_base.adopt(settings, main, write=False), main, history, read_only=True)
            settings = stored_base.adopt(settings, main)
            registry = cls(settings, main, opening.open_history(settings, read_only=False))
            opening.check_apart(main, registry.history_store)  # before the recoveries write to it
            registry._recover()
            valuations.recover(registry)  # the records of an interrupted valuation batch
            staging.recover(registry)  # the history copies of an interrupted staged write (a harvested page)
            with storage_errors(settings.data_dir, "open"):
                synced = reference_graphs.sync(registry.store)
                if synced:  # readers replay an unflushed log at every opening (``writer.FLUSH_EVERY``)
                    registry.store.flush()
                if geometries.is_stale(registry.store, registry.base, registry.provenance_graph):
                    registry.refresh_geometries()
                if masses.is_stale(registry.store, registry.base, registry.provenance_graph):
                    registry.refresh_masses()
                elif synced:
                    registry._bump_generation()
            opening.check_apart(registry.store, registry.history_store)
            registry._open_search_index()
            return registry
        except OSError as exc:
            raise describe(exc, settings.data_dir, "open") from exc

    def _open_search_index(self) -> None:
        """The writer's sidecar indexes (the search index and the monitor aggregates, see
        ``sidecar``), each rebuilt when it does not match the store; without a usable file the
        registry works, and search (or the monitor's figures) finds nothing until the next opening."""
        for attr, kind in (("search_index", SearchIndex), ("monitor_index", MonitorIndex),
                           ("feed_index", FeedIndex)):
            try:
                index = kind(self.settings.data_dir, self.base)
                setattr(self, attr, index)
                if self._search_stale or not index.is_fresh():
                    log.info("building %s of %s", kind.FILE, self.settings.data_dir)
                    index.rebuild(self.store)
            except sqlite3.Error as exc:
                log.warning("no %s (%s)", kind.FILE, exc)
                setattr(self, attr, None)

    def refresh_masses(self, progress: Callable[[int], None] | None = None, *,
                       kind: masses.Derivation = masses.MASSES) -> int:
        """Derive the mass of every stored quantity again (``registry.store.masses``; or the triples
        of another ``kind``); the number of graphs that changed. Runs by itself at opening when the
        reference values changed."""
        self._writable()
        with self._storage("write"):
            changed = masses.refresh(self.store, self.history_store, self.base, self.provenance_graph,
                                     progress=progress, kind=kind)
        self._bump_generation()
        if changed:  # the masses (or, for the search index's map, the locations) they show changed: build again
            if not self.sidecars():
                self._search_stale = True  # at opening, before the indexes are opened
            for index in self.sidecars():
                index.rebuild(self.store)
        return changed

    def refresh_geometries(self, progress: Callable[[int], None] | None = None) -> int:
        """Derive the CRS84 copy of every stored geometry again (``registry.store.geometries``)."""
        return self.refresh_masses(progress, kind=geometries.GEOMETRIES)

    def close(self, *, compact: bool = True) -> None:
        """Flush and close; first ``compact`` when a large import asks for it (and ``compact``)."""
        try:
            if not self.read_only:
                with storage_errors(self.settings.data_dir, "close"):
                    if compact and self.needs_compaction():
                        self.compact()
                    for store in (self.store, self.history_store):
                        if store is not None:
                            store.flush()
        finally:
            self.store = self.history_store = None  # type: ignore[assignment]
            for index in self.sidecars():
                index.close()
            self.search_index = self.monitor_index = self.feed_index = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(compact=exc_type is None)

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator()
        return self._validator

    # -- writing -----------------------------------------------------------------------------
    def validate(self, docs: Iterable[PassportDoc], municipality: str | None = None) -> list[Verdict]:
        """Validate without writing (a dry run), batch by batch."""
        verdicts: list[Verdict] = []
        for batch in grouped(self._without_unchanged(docs), BATCH_SIZE):
            verdicts += self.validator.validate(batch, municipality)
        return verdicts

    def add(self, docs: Iterable[PassportDoc], *, agent: str | None = None, source: str = "",
            comment: str = "", municipality: str | None = None, batch_size: int = BATCH_SIZE,
            progress: Callable[[int], None] | None = None, _validated: bool = False) -> AddReport:
        """Validate and store passports; new content becomes a new version, same content is skipped.

        ``municipality`` restricts the write to that municipality's passports (API tokens).
        Invalid passports are reported and not stored; valid ones in the same batch are.
        Input of more than one batch is validated in a second process (``validation_worker``)
        while the main process reads the next batch and writes the previous one.
        """
        self._writable()
        agent = agent or self._cli_agent()
        report = AddReport()
        activity = ox.NamedNode(f"{self.base}id/activity/{uuid.uuid4()}")
        report.activity = activity.value
        started = now()
        seen: set[str] = set()
        worker: ValidationWorker | None = None
        writer: OrderedWriter | None = None
        pending: tuple | None = None  # a batch whose verdicts the worker is working on

        def finish(todo, payload, job, size: int) -> None:
            hashes, verdicts, prepared = worker.result(job, [doc for doc, _ in todo], municipality)
            for (doc, _), digest in zip(todo, hashes):
                doc._hash = doc._hash or digest
            self._store_verdicts(todo, verdicts, report, agent, source, comment, activity, started,
                                 writer=writer, bodies=dict(payload), prepared=prepared)
            if progress:
                progress(size)

        try:
            for batch in grouped(self._without_unchanged(docs), batch_size):
                todo = self._todo(batch, seen, report)
                if worker is None and not _validated and len(batch) == batch_size > 1:
                    worker = ValidationWorker(self.base, self._validator.engine if self._validator
                                              else "fast", lambda: self.validator, task=prepare)
                    writer = OrderedWriter()
                    keep_heap_small()  # the loads' buffers are given back (``heap``)
                    self._gather = True  # bulk batches are loaded together (``BatchWriter._commit``)
                if worker is not None:
                    payload = encode([doc for doc, _ in todo])
                    job = (todo, payload, worker.submit(payload, municipality), len(batch))
                    if pending:
                        finish(*pending)
                    pending = job
                    continue
                verdicts = ([Verdict(doc.iri) for doc, _ in todo] if _validated
                            else self.validator.validate([doc for doc, _ in todo], municipality))
                self._store_verdicts(todo, verdicts, report, agent, source, comment, activity, started)
                if progress:
                    progress(len(batch))
            if pending:
                finish(*pending)
        finally:
            if worker is not None:
                worker.close()
            if writer is not None:
                self._gather = False
                try:
                    writer.submit(self.flush_gathered)  # after the writes submitted before
                finally:
                    writer.close()  # waits for the last writes; raises what failed
                    self.drop_gathered()  # what a failed write left gathered is not stored
        return report

    def _without_unchanged(self, docs: Iterable[PassportDoc]) -> Iterator[PassportDoc]:
        """The documents without the registry-managed triples they hold as stored (a downloaded
        passport sent back: ``registry.model.managed``); changed ones stay, for the validator."""
        for doc in docs:
            if has_managed(doc):
                graph = ox.NamedNode(doc.iri)
                stored = (q.triple for q in self.store.quads_for_pattern(None, None, None, graph))
                doc = without_unchanged(doc, managed_triples(stored, graph))
            yield doc

    def add_all_or_nothing(self, make_docs: Callable[[], Iterable[PassportDoc]], **kwargs) -> AddReport:
        """Validate everything first; write only when every passport conforms. The warnings of the
        first pass (e.g. "not yet valued") are reported for the passports that were written."""
        verdicts = self.validate(make_docs(), kwargs.get("municipality"))
        rejected = [v for v in verdicts if not v.conforms]
        if rejected:
            return AddReport(rejected=rejected)
        report = self.add(make_docs(), _validated=True, **kwargs)
        written = set(report.created) | set(report.updated)
        report.warnings = [v for v in verdicts if v.issues and v.iri in written]
        return report

    def _todo(self, batch: list[PassportDoc], seen: set[str],
              report: AddReport) -> list[tuple[PassportDoc, int]]:
        """The documents of a batch that need writing, each with its latest stored version number.

        Duplicates within the input are rejected, documents with the stored content are reported
        unchanged. A new passport costs one index look-up (it has no ``mp:currentVersion``; on a
        server one query asks for 200); the content hash of a new passport is left to the validator.
        """
        todo: list[tuple[PassportDoc, int]] = []
        stored = self._own_values([ox.NamedNode(doc.iri) for doc in batch], [CURRENT_VERSION, CONTENT_HASH])
        for doc in batch:
            if doc.iri in seen:
                report.rejected.append(Verdict(doc.iri, [Issue("Violation", {
                    "en": f"{doc.iri} occurs more than once in this input ({doc.source}); keep one",
                    "nl": f"{doc.iri} komt meer dan eens voor in deze invoer ({doc.source}); houd er één"},
                    focus=doc.iri, constraint="duplicate")]))
                continue
            seen.add(doc.iri)
            node = ox.NamedNode(doc.iri)
            version = stored.get((node, CURRENT_VERSION))
            if version is None:
                todo.append((doc, 0))
                continue
            latest = int(version.value.rsplit("/", 1)[1])
            stored_hash = stored.get((node, CONTENT_HASH))  # absent on a retired passport
            if stored_hash is not None and stored_hash.value == doc.content_hash():
                report.unchanged.append(doc.iri)
                continue
            todo.append((doc, latest))
        return todo

    def _store_verdicts(self, todo: list[tuple[PassportDoc, int]], verdicts: list[Verdict],
                        report: AddReport, agent: str, source: str, comment: str,
                        activity: ox.NamedNode, started: ox.Literal, *,
                        writer: OrderedWriter | None = None, bodies: dict[str, bytes] | None = None,
                        prepared: Prepared | None = None) -> None:
        good: list[tuple[PassportDoc, int]] = []
        for (doc, latest), verdict in zip(todo, verdicts):
            if not verdict.conforms:
                report.rejected.append(verdict)
                continue
            if verdict.issues:
                report.warnings.append(verdict)
            good.append((doc, latest))
            (report.updated if latest else report.created).append(doc.iri)
        if good:
            self._write(good, agent, source, comment, activity, started, writer=writer, bodies=bodies,
                        prepared=prepared)

    def _cli_agent(self) -> str:
        """The agent of a write without one: the command line, by its configured name."""
        return cli_agent(self.base, self.settings.agent_name)

    # -- retiring ----------------------------------------------------------------------------
    def retire(self, ref: PassportRef, reason: str, *, agent: str | None = None, source: str = "") -> int:
        """Retire a passport: its graph becomes a tombstone; every version stays resolvable."""
        reason = reason.strip()
        if not reason:
            raise RetireError("give a reason for retiring the passport (e.g. 'demolished in 2026')",
                              message_nl="geef een reden om het paspoort in te trekken (bv. 'gesloopt in 2026')")
        status = self.status(ref)
        if status != "current":
            state_nl = {"retired": "al ingetrokken", "absent": "niet in dit register"}.get(status, "een oude versie")
            raise RetireError(f"{ref.iri} is {status}, not a current passport; nothing to retire",
                              message_nl=f"{ref.iri} is {state_nl}, geen actueel paspoort; er is niets in te "
                                         "trekken")
        self._writable()
        agent_node = ox.NamedNode(agent or self._cli_agent())
        node = ox.NamedNode(ref.iri)
        latest = self.current_version(ref)
        identifier = self._value(node, IDENTIFIER, node)
        created = self._value(node, CREATED, node)
        self._archive(ref.at(latest), node, "retire")
        timestamp = now()
        activity = ox.NamedNode(f"{self.base}id/activity/{uuid.uuid4()}")
        version = ox.NamedNode(f"{ref.iri}/v/{latest}")
        prov = self.provenance_graph
        quads = activity_quads(prov, activity, agent_node, source, f"retired: {reason}", timestamp,
                               timestamp) + self._agent_labels(agent_node.value)
        quads += [
            ox.Quad(version, INVALIDATED_AT, timestamp, prov),
            ox.Quad(node, RDF_TYPE, RETIRED_PASSPORT, node),
            ox.Quad(node, RETIRED_AT, timestamp, node),
            ox.Quad(node, RETIREMENT_REASON, ox.Literal(reason), node),
            ox.Quad(node, CURRENT_VERSION, version, node),
            ox.Quad(node, MUNICIPALITY, ox.NamedNode(ref.municipality_iri), node),
            ox.Quad(node, ox.NamedNode(PROV + "wasInvalidatedBy"), activity, node),
        ]
        if identifier is not None:
            quads.append(ox.Quad(node, IDENTIFIER, identifier, node))
        if created is not None:
            quads.append(ox.Quad(node, CREATED, created, node))
        self._commit(quads, [node], action="retire", remove=[ref.iri])
        return latest
