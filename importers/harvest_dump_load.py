"""Taking in downloaded dumps (``harvest_dump``) without holding them in memory: a dump of a million
passports is several GB of N-Quads, and what this process keeps resident does not grow with it.

Each dump is read once as a stream (``pyoxigraph.parse`` over the gzip file), graph by graph (a
registry writes its dumps graph by graph, ``dump_store``: a passport whose statements are not
together refuses the dump). On the way, in ``DATA/harvest/dump-*/`` (removed by the caller):

- ``passports.sqlite``: the dump's passports (in their order) and versions, what the filters look
  up and the journal lists;
- ``current.nq``: the passports' graphs as the peer stored them, and the peer's records about its
  own activities and agents (moved into this registry's provenance graph);
- ``history.nq``: the superseded versions of those passports (from the history dump);
- ``records.nq``: the peer's records about versions, of which those of the dump's passports are
  added to ``current.nq`` once every passport is known (a record about anything else is dropped).

Every current passport is validated as ``add`` validates, :data:`CHECK_BATCH` at a time; a
passport already in this registry, or one that does not conform, refuses the whole dump after the
read (with how many and the first). Then both files are bulk-loaded, :data:`LOAD_CHUNK`
bytes a call (pyoxigraph's bulk loader keeps a call's statements in memory, about 2 KB each: 540 MB
for the 400,000 statements of 3,000 demo passports in one call), behind the journal that makes the load all or nothing (``BatchWriter._recover``).
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from importers.harvest_dump_words import DumpError
from importers.harvest_pages import VERSION_IRI
from registry.core.heap import give_back, keep_heap_small
from registry.model.documents import DocumentError, make_doc
from registry.model.managed import is_managed
from registry.model.vocab import RDF_TYPE, RETIRED_PASSPORT
from registry.store.provenance import activity_quads, now
from registry.store.registry import Registry

PASSPORT_IRI = re.compile(r"^(?P<base>.+/)id/passport/[^/]+/[^/]+$")
CHECK_BATCH = 250  # passports validated together: the validator's memory follows the batch, not the dump
LOAD_CHUNK = 8 << 20  # bytes of N-Quads a bulk-load call (about 35,000 statements, 70 MB of the loader's memory)


class DumpIntake:
    """The dumps of one ``--from-dump`` start, read into the files of ``folder`` and then loaded."""

    def __init__(self, registry: Registry, folder: Path, peer_base: str, source: str) -> None:
        self.registry, self.folder, self.source = registry, folder, source
        self.peer_prov = ox.NamedNode(peer_base + "graph/provenance")
        self.peer_base = peer_base
        self.db = sqlite3.connect(folder / "passports.sqlite")
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                              "CREATE TABLE passport (n INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL);"
                              "CREATE TABLE version (iri TEXT PRIMARY KEY) WITHOUT ROWID;")
        self.files = {name: open(folder / f"{name}.nq", "w", encoding="utf-8")  # noqa: SIM115 (closed in close)
                      for name in ("current", "history", "records")}
        self.docs: list = []
        self.present: list[str] = []  # the first passport held here already (``present_count``: how many)
        self.refused: list[tuple[str, str]] = []  # the first refused (passport, violation); ``refused_count``
        self.present_count = self.refused_count = 0
        keep_heap_small()  # the loads' and the batches' buffers are given back, not kept in the heaps

    def close(self) -> None:
        for out in self.files.values():
            out.close()
        self.db.close()

    # reading

    def read(self, path: Path, url: str, kind: str) -> None:
        """One dump (``kind`` ``registry`` or ``history``) into the files; RDF errors as ``DumpError``."""
        for graph, run in itertools.groupby(_quads(path, url), key=lambda quad: quad.graph_name):
            if graph == self.peer_prov:
                self._records(run)
            elif not isinstance(graph, ox.NamedNode):
                continue
            elif kind == "registry" and (match := PASSPORT_IRI.match(graph.value)):
                quads = list(itertools.islice(run, self.registry.settings.rdf_max_triples + 1))
                if len(quads) > self.registry.settings.rdf_max_triples:
                    raise DumpError(url, "huge", iri=graph.value, limit=self.registry.settings.rdf_max_triples)
                self._passport(graph, match["base"], quads, url)
            elif kind == "history" and (match := VERSION_IRI.match(graph.value)) and self._known(match["passport"]):
                self.db.execute("INSERT OR IGNORE INTO version VALUES (?)", (graph.value,))
                self.files["history"].writelines(f"{quad} .\n" for quad in run)

    def _passport(self, graph: ox.NamedNode, base: str, quads: list[ox.Quad], url: str) -> None:
        try:
            self.db.execute("INSERT INTO passport (iri) VALUES (?)", (graph.value,))
        except sqlite3.IntegrityError:
            raise DumpError(url, "scattered", iri=graph.value) from None
        self.files["current"].writelines(f"{quad} .\n" for quad in quads)
        if self.registry.store.contains_named_graph(graph):
            self.present_count += 1
            self.present = self.present or [graph.value]
        if self.present_count or ox.Quad(graph, RDF_TYPE, RETIRED_PASSPORT, graph) in quads:
            return  # refused anyway (no need to validate), or a tombstone: no passport to validate
        triples = [quad.triple for quad in quads if not is_managed(quad.triple, graph)]
        try:
            self.docs.append(make_doc(graph.value, base, self.source, triples=triples))
        except DocumentError as exc:
            self._refuse(graph.value, exc.message("en"))
        if len(self.docs) >= CHECK_BATCH:
            self.check()

    def check(self) -> None:
        """Validate the passports read since the last check."""
        docs, self.docs = self.docs, []
        if docs and not self.present_count:
            for verdict in self.registry.validate(docs):
                if not verdict.conforms:
                    self._refuse(verdict.iri, next((issue.text("en") for issue in verdict.issues
                                                    if issue.severity == "Violation"), ""))
            give_back()

    def _refuse(self, iri: str, issue: str) -> None:
        self.refused_count += 1
        self.refused = self.refused or [(iri, issue)]

    def _records(self, run: Iterator[ox.Quad]) -> None:
        """The peer's records: about its own resources (activities, agents) kept at once, about
        versions set aside until every passport of the dump is known; others dropped."""
        prov = self.registry.provenance_graph
        for quad in run:
            if not isinstance(quad.subject, ox.NamedNode):
                continue
            version = VERSION_IRI.match(quad.subject.value)
            if version or quad.subject.value.startswith(self.peer_base):
                moved = ox.Quad(quad.subject, quad.predicate, quad.object, prov)
                self.files["records" if version else "current"].write(f"{moved} .\n")

    def _known(self, passport: str) -> bool:
        return self.db.execute("SELECT 1 FROM passport WHERE iri = ?", (passport,)).fetchone() is not None

    def finish(self) -> int:
        """After the last dump: the refusals, then the records about the dump's versions; the
        number of passports."""
        self.check()
        if self.present_count:
            raise DumpError(self.source, "present", count=self.present_count, iri=self.present[0])
        if self.refused_count:
            raise DumpError(self.source, "refused", count=self.refused_count, iri=self.refused[0][0],
                            issue=self.refused[0][1])
        self.files["records"].close()
        subject, keep = None, False
        for quad in ox.parse(path=self.folder / "records.nq", format=ox.RdfFormat.N_QUADS):
            if quad.subject != subject:  # a subject's records are together (dumps are by graph, subject)
                subject, keep = quad.subject, self._known(VERSION_IRI.match(quad.subject.value)["passport"])
            if keep:
                self.files["current"].write(f"{quad} .\n")
        for out in self.files.values():
            out.close()  # (closing again in ``close`` does nothing)
        self.db.commit()
        return self.db.execute("SELECT count(*) FROM passport").fetchone()[0]

    def first(self) -> str:
        found = self.db.execute("SELECT iri FROM passport ORDER BY n LIMIT 1").fetchone()
        return found[0] if found else ""

    # loading

    def load(self) -> None:
        """Load what was read, behind the journal (which the caller removes once the position is
        recorded): the next opening removes a load killed before its end."""
        registry, started = self.registry, now()
        with open(registry._journal, "w", encoding="utf-8") as out:  # ``BatchWriter._recover`` reads it
            out.writelines(f"{iri}\n" for (iri,) in self.db.execute("SELECT iri FROM passport ORDER BY n"))
            out.flush()
            os.fsync(out.fileno())
        for index in registry.sidecars():  # rebuilt once the load is kept; at the next opening if killed first
            registry._sidecar_call(index, "mark_dirty")
        with registry._storage("write"):
            for (iri,) in self.db.execute("SELECT iri FROM version"):  # copies a killed load left
                graph = ox.NamedNode(iri)
                if registry.history_store.contains_named_graph(graph):
                    registry.history_store.remove_graph(graph)
            _bulk_load(registry.history_store, self.folder / "history.nq")
            _bulk_load(registry.store, self.folder / "current.nq")
            activity = ox.NamedNode(f"{registry.base}id/activity/{uuid.uuid4()}")
            agent = ox.NamedNode(registry._cli_agent())
            registry.store.extend(activity_quads(registry.provenance_graph, activity, agent, self.source,
                                                 f"passports harvest --from-dump {self.source}", started, now())
                                  + registry._agent_labels(agent.value))
            registry.store.flush()
            registry.history_store.flush()
        registry._bulk_loads += 1
        registry._bump_generation()


def _quads(path: Path, url: str) -> Iterator[ox.Quad]:
    """The statements of a gzip N-Quads file as they are read."""
    try:
        with gzip.open(path, "rb") as stream:
            yield from ox.parse(stream, ox.RdfFormat.N_QUADS)
    except (OSError, EOFError, SyntaxError, ValueError) as exc:
        raise DumpError(url, "rdf", detail=str(exc) or type(exc).__name__) from None


def _bulk_load(store: ox.Store, path: Path) -> None:
    """``path`` (N-Quads, a statement a line) into ``store``, whole lines of about :data:`LOAD_CHUNK`
    bytes a call."""
    with open(path, "rb") as lines:
        while chunk := lines.readlines(LOAD_CHUNK):
            store.bulk_load(b"".join(chunk), ox.RdfFormat.N_QUADS)
            give_back()  # the loader's buffers (``registry.core.heap``)


__all__ = ["CHECK_BATCH", "LOAD_CHUNK", "PASSPORT_IRI", "DumpIntake"]
