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
"""

from __future__ import annotations

import getpass
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import pyoxigraph as ox

from registry.core.settings import Settings
from registry.model.documents import PassportDoc, grouped
from registry.model.uris import PassportRef
from registry.validation.validator import Issue, Validator, Verdict
from registry.validation.worker import OrderedWriter, ValidationWorker, encode
from registry.model.vocab import (
    CONTENT_HASH,
    CREATED,
    CURRENT_VERSION,
    DCTERMS,
    IDENTIFIER,
    MODIFIED,
    MUNICIPALITY,
    PASSPORT,
    PASSPORT_VERSION,
    PROV,
    RDF_TYPE,
    RDFS,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
    VERSION_NUMBER,
    XSD,
)
from registry.core.workers import bump_generation

BATCH_SIZE = 1000
# Compaction after a large import (see ``Registry.needs_compaction``): at least this many bulk
# loads, together at least this share of the store's size on disk.
COMPACT_MIN_LOADS = 8
COMPACT_MIN_SHARE = 0.25
FLUSH_EVERY = 200_000  # quads written between flushes of the memory tables


def _p(local: str) -> ox.NamedNode:
    return ox.NamedNode(PROV + local)


WAS_REVISION_OF = _p("wasRevisionOf")
SPECIALIZATION_OF = _p("specializationOf")
GENERATED_AT = _p("generatedAtTime")
INVALIDATED_AT = _p("invalidatedAtTime")
WAS_GENERATED_BY = _p("wasGeneratedBy")
ATTRIBUTED_TO = _p("wasAttributedTo")
ACTIVITY = _p("Activity")
ENTITY = _p("Entity")
STARTED_AT = _p("startedAtTime")
ENDED_AT = _p("endedAtTime")
ASSOCIATED_WITH = _p("wasAssociatedWith")
USED = _p("used")
COMMENT = ox.NamedNode(RDFS + "comment")
DATETIME = ox.NamedNode(XSD + "dateTime")
INTEGER = ox.NamedNode(XSD + "integer")
TITLE = ox.NamedNode(DCTERMS + "title")


class StoreError(RuntimeError):
    """A store that cannot be opened or written, with what to do about it."""


class RejectedError(ValueError):
    """A write refused by validation or by the rules of the registry; the store is unchanged."""

    def __init__(self, verdicts: list[Verdict]):
        self.verdicts = verdicts
        first = next((i for v in verdicts for i in v.issues if i.severity == "Violation"), None)
        super().__init__(first.text("en") if first else "rejected")


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


@dataclass
class VersionInfo:
    number: int
    iri: str
    generated: str
    invalidated: str | None
    agent: str | None
    source: str | None
    activity: str | None
    comment: str | None


def now() -> ox.Literal:
    return ox.Literal(datetime.now(UTC).isoformat(timespec="milliseconds"), datatype=DATETIME)


def cli_agent(base: str) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{base}id/agent/cli/{''.join(c for c in user if c.isalnum() or c in '-_') or 'unknown'}"


def _folder_bytes(folder: Path) -> int:
    """The size of the files directly in ``folder`` (a RocksDB store keeps no sub-folders)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0
    return total


class Registry:
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

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, *, read_only: bool = False) -> Registry:
        settings = settings or Settings()
        main_path, history_path = settings.main_store_path, settings.history_store_path
        try:
            if read_only:
                if not main_path.exists():
                    raise StoreError(f"no registry at {settings.data_dir}: run `passports init` or "
                                     "`passports demo` first")
                return cls(settings, ox.Store.read_only(str(main_path)),
                           ox.Store.read_only(str(history_path)) if history_path.exists() else None,
                           read_only=True)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            registry = cls(settings, ox.Store(str(main_path)), ox.Store(str(history_path)))
            registry._recover()
            return registry
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(f"the data directory {settings.data_dir} is in use by another process "
                                 "(a running `passports serve`?). Stop it, or write through its API.") from exc
            raise StoreError(f"cannot open the store in {settings.data_dir}: {exc}") from exc

    def close(self, *, compact: bool = True) -> None:
        """Flush and close; first ``compact`` when a large import asks for it (and ``compact``)."""
        if not self.read_only:
            if compact and self.needs_compaction():
                self.compact()
            for store in (self.store, self.history_store):
                if store is not None:
                    store.flush()
        self.store = self.history_store = None  # type: ignore[assignment]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(compact=exc_type is None)

    # -- compaction --------------------------------------------------------------------------
    def needs_compaction(self) -> bool:
        """Whether this session bulk-loaded so much that reads have become slow.

        Each bulk load adds files that overlap the store's other files, and every read consults
        all of them until RocksDB merges them, which it does in the background only while the
        store stays open for writing. An import of 100,000 passports leaves a passport's graph
        2.2x slower to read (1.85 vs 0.86 ms, ``bench/bench_compaction.py``); ``compact`` takes
        28 s there. It is due after ``COMPACT_MIN_LOADS`` bulk loads that make up
        ``COMPACT_MIN_SHARE`` of the store or more, so a small import into a large registry does
        not rewrite the whole store.
        """
        if self.read_only or self._bulk_loads < COMPACT_MIN_LOADS:
            return False
        return self._bulk_bytes >= COMPACT_MIN_SHARE * _folder_bytes(self.settings.main_store_path)

    def compact(self) -> None:
        """Rewrite the store's files for fast reading (RocksDB compaction; the content is the same)."""
        self.store.optimize()
        self._bulk_loads = self._bulk_bytes = 0

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator()
        return self._validator

    # -- reading -----------------------------------------------------------------------------
    def _value(self, subject: ox.NamedNode, predicate: ox.NamedNode, graph) -> ox.Term | None:
        for quad in self.store.quads_for_pattern(subject, predicate, None, graph):
            return quad.object
        return None

    def current_version(self, ref: PassportRef) -> int:
        """The number of the passport's latest version, 0 when it never existed."""
        node = ox.NamedNode(ref.iri)
        value = self._value(node, VERSION_NUMBER, node)
        return int(value.value) if value is not None else 0

    def status(self, ref: PassportRef) -> str:
        """``current``, ``retired`` or ``absent`` (for a version ref: ``version`` or ``absent``)."""
        node = ox.NamedNode(ref.iri)
        if ref.version is not None:
            latest = self.current_version(ref) or self._latest_retired_version(ref)
            return "version" if 1 <= ref.version <= latest else "absent"
        if next(self.store.quads_for_pattern(node, RDF_TYPE, PASSPORT, node), None):
            return "current"
        if next(self.store.quads_for_pattern(node, RDF_TYPE, RETIRED_PASSPORT, node), None):
            return "retired"
        return "absent"

    def _latest_retired_version(self, ref: PassportRef) -> int:
        node = ox.NamedNode(ref.iri)
        value = self._value(node, CURRENT_VERSION, node)
        return int(value.value.rsplit("/", 1)[1]) if value is not None else 0

    def get(self, ref: PassportRef) -> list[ox.Triple] | None:
        """The triples of the current version (or of ``ref.version``); None when there are none.

        For a retired passport without a version, the tombstone triples are returned.
        """
        node = ox.NamedNode(ref.iri)
        if ref.version is None:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in self.store.quads_for_pattern(None, None, None, node)]
            return triples or None
        if ref.version == self.current_version(ref):
            return self.get(PassportRef(ref.base, ref.municipality, ref.key))
        if self.history_store is None:
            return None
        graph = ox.NamedNode(ref.version_iri)
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in self.history_store.quads_for_pattern(None, None, None, graph)]
        return triples or None

    def retirement(self, ref: PassportRef) -> dict | None:
        node = ox.NamedNode(PassportRef(ref.base, ref.municipality, ref.key).iri)
        at = self._value(node, RETIRED_AT, node)
        if at is None:
            return None
        reason = self._value(node, RETIREMENT_REASON, node)
        return {"at": at.value, "reason": reason.value if reason else "",
                "last_version": self._latest_retired_version(ref)}

    def history(self, ref: PassportRef) -> list[VersionInfo]:
        """Every version of the passport, oldest first, with its provenance."""
        from registry.store.named_queries import select_plain as run_select

        rows = run_select(self.store, "passport-history", {"passport": ox.NamedNode(
            PassportRef(ref.base, ref.municipality, ref.key).iri)}, union=True)
        return [VersionInfo(int(r["number"]), r["version"], r["generated"], r.get("invalidated"),
                            r.get("agent"), r.get("source"), r.get("activity"), r.get("comment"))
                for r in rows]

    def count_passports(self) -> int:
        from registry.store.named_queries import select_plain as run_select

        return int(run_select(self.store, "count-passports", {}, union=True)[0]["n"])

    def query(self, sparql: str, **kwargs):
        kwargs.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **kwargs)

    # -- writing -----------------------------------------------------------------------------
    def validate(self, docs: Iterable[PassportDoc], municipality: str | None = None) -> list[Verdict]:
        """Validate without writing (a dry run), batch by batch."""
        verdicts: list[Verdict] = []
        for batch in grouped(docs, BATCH_SIZE):
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
        agent = agent or cli_agent(self.base)
        report = AddReport()
        activity = ox.NamedNode(f"{self.base}id/activity/{uuid.uuid4()}")
        report.activity = activity.value
        started = now()
        seen: set[str] = set()
        worker: ValidationWorker | None = None
        writer: OrderedWriter | None = None
        pending: tuple | None = None  # a batch whose verdicts the worker is working on

        def finish(todo, payload, job, size: int) -> None:
            hashes, verdicts = worker.result(job, [doc for doc, _ in todo], municipality)
            for (doc, _), digest in zip(todo, hashes):
                doc._hash = doc._hash or digest
            self._store_verdicts(todo, verdicts, report, agent, source, comment, activity, started,
                                 writer=writer, bodies=dict(payload))
            if progress:
                progress(size)

        try:
            for batch in grouped(docs, batch_size):
                todo = self._todo(batch, seen, report)
                if worker is None and not _validated and len(batch) == batch_size > 1:
                    worker = ValidationWorker(self.base, self._validator.engine if self._validator
                                              else "fast", lambda: self.validator)
                    writer = OrderedWriter()
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
                writer.close()  # waits for the last writes; raises what failed
        return report

    def add_all_or_nothing(self, make_docs: Callable[[], Iterable[PassportDoc]], **kwargs) -> AddReport:
        """Validate everything first; write only when every passport conforms."""
        rejected = [v for v in self.validate(make_docs(), kwargs.get("municipality")) if not v.conforms]
        if rejected:
            return AddReport(rejected=rejected)
        return self.add(make_docs(), _validated=True, **kwargs)

    def _todo(self, batch: list[PassportDoc], seen: set[str], report: AddReport) -> list[tuple[PassportDoc, int]]:
        """The documents of a batch that need writing, each with its latest stored version number.

        Duplicates within the input are rejected, documents with the stored content are reported
        unchanged. A new passport costs one index look-up (it has no ``mp:currentVersion``); the
        content hash of a new passport is left to the validator (in its own process when there).
        """
        todo: list[tuple[PassportDoc, int]] = []
        for doc in batch:
            if doc.iri in seen:
                report.rejected.append(Verdict(doc.iri, [Issue("Violation", {
                    "en": f"{doc.iri} occurs more than once in this input ({doc.source}); keep one",
                    "nl": f"{doc.iri} komt meer dan eens voor in deze invoer ({doc.source}); houd er één"},
                    focus=doc.iri, constraint="duplicate")]))
                continue
            seen.add(doc.iri)
            node = ox.NamedNode(doc.iri)
            version = self._value(node, CURRENT_VERSION, node)
            if version is None:
                todo.append((doc, 0))
                continue
            latest = int(version.value.rsplit("/", 1)[1])
            stored_hash = self._value(node, CONTENT_HASH, node)  # absent on a retired passport
            if stored_hash is not None and stored_hash.value == doc.content_hash():
                report.unchanged.append(doc.iri)
                continue
            todo.append((doc, latest))
        return todo

    def _store_verdicts(self, todo: list[tuple[PassportDoc, int]], verdicts: list[Verdict],
                        report: AddReport, agent: str, source: str, comment: str,
                        activity: ox.NamedNode, started: ox.Literal, *,
                        writer: OrderedWriter | None = None, bodies: dict[str, bytes] | None = None) -> None:
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
            self._write(good, agent, source, comment, activity, started, writer=writer, bodies=bodies)

    def _write(self, good: list[tuple[PassportDoc, int]], agent: str, source: str, comment: str,
               activity: ox.NamedNode, started: ox.Literal, *, writer: OrderedWriter | None = None,
               bodies: dict[str, bytes] | None = None) -> None:
        """Store a batch of valid passports as new versions, with their provenance.

        ``bodies``: each passport's N-Quads (in its own graph) as already serialised for the
        validation worker; a batch of new passports is then bulk-loaded from those bytes.
        ``writer``: run the commit on the writer thread, after the writes submitted before it.
        """
        timestamp = now()
        agent_node = ox.NamedNode(agent)
        prov = self.provenance_graph
        quads: list[ox.Quad] = self._activity_quads(activity, agent_node, source, comment, started,
                                                    timestamp)
        replaced: list[ox.NamedNode] = []
        for doc, latest in good:
            node = ox.NamedNode(doc.iri)
            number = latest + 1
            version = ox.NamedNode(f"{doc.iri}/v/{number}")
            created = timestamp
            if latest:
                replaced.append(node)
                created = self._value(node, CREATED, node) or timestamp
                self._archive(doc.ref.at(latest), node)
                previous = ox.NamedNode(f"{doc.iri}/v/{latest}")
                quads.append(ox.Quad(previous, INVALIDATED_AT, timestamp, prov))
                quads.append(ox.Quad(version, WAS_REVISION_OF, previous, prov))
            quads += [
                ox.Quad(node, VERSION_NUMBER, ox.Literal(str(number), datatype=INTEGER), node),
                ox.Quad(node, CURRENT_VERSION, version, node),
                ox.Quad(node, CREATED, created, node),
                ox.Quad(node, MODIFIED, timestamp, node),
                ox.Quad(node, CONTENT_HASH, ox.Literal(doc.content_hash()), node),
                ox.Quad(version, RDF_TYPE, PASSPORT_VERSION, prov),
                ox.Quad(version, RDF_TYPE, ENTITY, prov),
                ox.Quad(version, SPECIALIZATION_OF, node, prov),
                ox.Quad(version, VERSION_NUMBER, ox.Literal(str(number), datatype=INTEGER), prov),
                ox.Quad(version, GENERATED_AT, timestamp, prov),
                ox.Quad(version, WAS_GENERATED_BY, activity, prov),
                ox.Quad(version, ATTRIBUTED_TO, agent_node, prov),
            ]
        created = [ox.NamedNode(doc.iri) for doc, _ in good]
        content: list[bytes] | None = None
        if bodies is not None and not replaced:
            content = [bodies[doc.iri] for doc, _ in good]
        else:
            for doc, _ in good:
                quads.extend(doc.quads())
        if writer is None:
            self._commit(quads, replaced, created, content)
        else:
            writer.submit(self._commit, quads, replaced, created, content)

    def _activity_quads(self, activity: ox.NamedNode, agent: ox.NamedNode, source: str, comment: str,
                        started: ox.Literal, ended: ox.Literal) -> list[ox.Quad]:
        prov = self.provenance_graph
        quads = [
            ox.Quad(activity, RDF_TYPE, ACTIVITY, prov),
            ox.Quad(activity, STARTED_AT, started, prov),
            ox.Quad(activity, ENDED_AT, ended, prov),
            ox.Quad(activity, ASSOCIATED_WITH, agent, prov),
        ]
        if source:
            quads.append(ox.Quad(activity, USED, _source_node(source), prov))
        if comment:
            quads.append(ox.Quad(activity, COMMENT, ox.Literal(comment), prov))
        return quads

    def _archive(self, version_ref: PassportRef, node: ox.NamedNode) -> None:
        """Copy the current graph of a passport into the history store as ``<P/v/n>``."""
        graph = ox.NamedNode(version_ref.version_iri)
        if self.history_store.contains_named_graph(graph):
            self.history_store.remove_graph(graph)
        self.history_store.extend(ox.Quad(q.subject, q.predicate, q.object, graph)
                                  for q in self.store.quads_for_pattern(None, None, None, node))

    @property
    def _journal(self) -> Path:
        return self.settings.data_dir / "journal"

    def _commit(self, quads: list[ox.Quad], replaced: list[ox.NamedNode],
                created: list[ox.NamedNode] = (), content: list[bytes] | None = None) -> None:
        """Write a batch: whole or not at all.

        A batch that only creates passports goes through RocksDB's bulk loader, about twice as fast
        as a transaction, behind a journal: the new graphs are listed (and synced) first and the list
        is removed after the load; if the process dies in between, the next opening removes those
        graphs again (``_recover``), so a re-run adds them whole. A batch that replaces passports is
        one transaction (SPARQL Update: drop the old graphs, insert the new quads).

        ``content``: N-Quads of the new passports' graphs, loaded with ``quads`` in one bulk load
        (pyoxigraph parses bytes without holding the GIL, so the caller's thread runs on).
        """
        if not replaced and created:
            with open(self._journal, "w", encoding="utf-8") as journal:
                journal.write("\n".join(g.value for g in created))
                journal.flush()
                os.fsync(journal.fileno())
            if content:
                payload = b"".join(content) + ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
                self.store.bulk_load(payload, ox.RdfFormat.N_QUADS)
                self._bulk_bytes += len(payload)
            else:
                self.store.bulk_extend(quads)
                self._bulk_bytes += 100 * len(quads)  # about the N-Quads size of a quad
            self._bulk_loads += 1
            self._journal.unlink()
        elif not replaced:
            self.store.extend(quads)
        else:
            # The update text is made only of terms serialised by pyoxigraph itself (N-Triples
            # syntax of already-parsed IRIs and literals), never of raw input text.
            drops = " ".join(f"DROP SILENT GRAPH {g} ;" for g in replaced)
            body = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
                             for q in quads)
            self.store.update(drops + " INSERT DATA {\n" + body + "\n}")
            # RocksDB keeps written data in memory tables until they are flushed; without this a
            # long run of updates grows to about 2 GB before RocksDB flushes by itself.
            self._unflushed += len(quads)
            if self._unflushed >= FLUSH_EVERY:
                self.store.flush()
                self._unflushed = 0
        self._bump_generation()

    def _recover(self) -> None:
        """Remove the passports of a bulk batch that was interrupted (see ``_commit``)."""
        if not self._journal.exists():
            return
        for line in self._journal.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            graph = ox.NamedNode(line.strip())
            self.store.remove_graph(graph)
            for quad in list(self.store.quads_for_pattern(None, SPECIALIZATION_OF, graph, self.provenance_graph)):
                for record in list(self.store.quads_for_pattern(quad.subject, None, None, self.provenance_graph)):
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

    def retire(self, ref: PassportRef, reason: str, *, agent: str | None = None, source: str = "") -> int:
        """Retire a passport: its graph becomes a tombstone; every version stays resolvable."""
        reason = reason.strip()
        if not reason:
            raise ValueError("give a reason for retiring the passport (e.g. 'demolished in 2026')")
        if self.status(ref) != "current":
            raise ValueError(f"{ref.iri} is {self.status(ref)}, not a current passport; nothing to retire")
        agent_node = ox.NamedNode(agent or cli_agent(self.base))
        node = ox.NamedNode(ref.iri)
        latest = self.current_version(ref)
        identifier = self._value(node, IDENTIFIER, node)
        created = self._value(node, CREATED, node)
        self._archive(ref.at(latest), node)
        timestamp = now()
        activity = ox.NamedNode(f"{self.base}id/activity/{uuid.uuid4()}")
        version = ox.NamedNode(f"{ref.iri}/v/{latest}")
        prov = self.provenance_graph
        quads = self._activity_quads(activity, agent_node, source, f"retired: {reason}", timestamp,
                                     timestamp)
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
        self._commit(quads, [node])
        return latest

    # -- export ------------------------------------------------------------------------------
    def export(self, output, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS, *, include_history: bool = False) -> None:
        """Dump the live store (and optionally the history) as N-Quads/TriG, or the union as Turtle."""
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            self.store.dump(output, fmt)
            if include_history and self.history_store is not None:
                self.history_store.dump(output, fmt)
        else:
            _dump_union(self.store, output, fmt)


def _dump_union(store: ox.Store, output, fmt: ox.RdfFormat) -> None:
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store)
    ox.serialize(triples, output, fmt)


def _source_node(source: str) -> ox.NamedNode:
    if source.startswith(("http://", "https://", "urn:", "file:")):
        return ox.NamedNode(source)
    try:
        return ox.NamedNode(Path(source).resolve().as_uri())
    except ValueError:
        return ox.NamedNode(f"urn:upload:{uuid.uuid4()}")


def iter_passport_iris(registry: Registry, municipality: str | None = None) -> Iterator[str]:
    """Every current passport IRI, optionally of one municipality, streamed from the index."""
    for quad in registry.store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
        if not isinstance(quad.subject, ox.NamedNode) or quad.subject != quad.graph_name:
            continue
        if municipality and f"/id/passport/{municipality}/" not in quad.subject.value:
            continue
        yield quad.subject.value
