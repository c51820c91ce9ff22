"""Sidecar indexes: SQLite files beside the store that the writer keeps in step with every write.

Two implementations: the search index (``search_index``, ``DATA/search.sqlite``) and the monitor
aggregates (``monitor_index``, ``DATA/monitor.sqlite``). Both follow one protocol, kept here:

* ``facts(iri, triples)``: what the sidecar keeps of one passport, read from the triples of the
  document being written (never from the store), so a write costs well under a millisecond;
* ``mark_dirty()`` before a store commit: a process that dies before ``apply`` leaves the mark,
  and the next opening rebuilds;
* ``apply(put, remove)`` after the commit (and the generation bump): the rows of new versions and
  the removal of retired passports in one SQLite transaction that marks the file clean again;
* ``rebuild(store)`` at opening when the file is missing, dirty, of another schema version, base
  IRI or reference data (``is_fresh``): one transaction, so readers see the old rows until the new
  ones are complete.

Readers only read: SQLite's write-ahead log lets them read while the writer writes.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.model.reference import reference_digest
from registry.model.terms import Terms, get_terms


def connect(path: Path) -> sqlite3.Connection:
    """A connection in write-ahead-log mode (readers never wait for the writer); commits are not
    synced to disk (``synchronous=NORMAL``): a crash loses at most the last updates, and the dirty
    mark, written first, makes the next opening rebuild."""
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA journal_size_limit=67108864")  # the log shrinks back after a rebuild
    return conn


class Sidecar(ABC):
    """The writer's handle of one sidecar file; subclasses give the file, schema and rows."""

    FILE = ""
    SCHEMA_VERSION = ""
    SCHEMA = ""
    TABLES: tuple[str, ...] = ()  # every table, dropped when the schema version changes
    CLEARED: tuple[str, ...] = ()  # the tables a rebuild empties

    def __init__(self, data_dir: Path, base: str, terms: Terms | None = None):
        self.path = Path(data_dir) / self.FILE
        self.base = base
        self.terms = terms or get_terms()
        self._lock = threading.Lock()
        self.conn = connect(self.path)
        self._migrate()
        self._dirty = self._meta("state") == "dirty"

    def close(self) -> None:
        with self._lock:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass  # a reader still holds the log: the next writer checkpoints it
            self.conn.close()

    def _migrate(self) -> None:
        """Tables of another schema version are dropped (the next check rebuilds the file)."""
        tables = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables and self._meta("schema") not in (None, self.SCHEMA_VERSION):
            for table in self.TABLES:
                self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        self.conn.executescript(self.SCHEMA)

    # -- state -------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _expected(self) -> dict[str, str]:
        return {"schema": self.SCHEMA_VERSION, "base": self.base, "reference": reference_digest(),
                "state": "clean"}

    def is_fresh(self) -> bool:
        """True when the file matches the store as the last write left it."""
        return all(self._meta(k) == v for k, v in self._expected().items())

    missed = False  # an update failed after its store commit: stay dirty until the next rebuild

    def _state_after(self) -> str:
        return "dirty" if self.missed else "clean"

    def mark_dirty(self) -> None:
        """Before a store commit: if the process dies before :meth:`apply`, the next opening sees
        the mark and rebuilds."""
        if not self._dirty:
            with self._lock:
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('state', 'dirty')")
            self._dirty = True

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the handle's lock, rolled back on any error."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    # -- writes ------------------------------------------------------------------------------
    @abstractmethod
    def facts(self, iri: str, triples: Iterable[ox.Triple | ox.Quad]) -> Any | None:
        """Implemented by each sidecar."""

    @abstractmethod
    def _delete(self, iri: str, serial: int) -> None:
        """Implemented by each sidecar."""

    @abstractmethod
    def _insert(self, facts: Any, serial: int) -> None:
        """Implemented by each sidecar."""

    def _after_write(self) -> None:
        """Work after a committed write (the search index checkpoints now and then)."""

    def _rebuild_extra(self, store: ox.Store) -> None:
        """Rows that do not come from passport graphs (the monitor's valuation records)."""

    def apply(self, put: Iterable[Any] = (), remove: Iterable[str] = ()) -> None:
        """Store the rows of new versions and drop retired passports, in one transaction that
        marks the file clean. Each transaction has a serial number (readers holding rows in memory
        read only the rows of later serials)."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                serial = int(self._meta("serial") or 0) + 1
                for iri in remove:
                    self._delete(iri, serial)
                for facts in put:
                    self._delete(facts.iri, serial)
                    self._insert(facts, serial)
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 (("state", self._state_after()), ("serial", str(serial))))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._dirty = self.missed
        self._after_write()

    def rebuild(self, store: ox.Store) -> int:
        """Every current passport of ``store`` again, in one transaction; returns how many. A new
        ``epoch`` tells readers to read every row again."""
        prefix = f"{self.base}id/passport/"
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for table in self.CLEARED:
                    conn.execute(f"DELETE FROM {table}")
                count = 0
                for iri, quads in passport_graphs(store, prefix):
                    facts = self.facts(iri, quads)
                    if facts is not None:
                        self._insert(facts, 0)
                        count += 1
                self._rebuild_extra(store)
                meta = {**self._expected(), "serial": "0", "epoch": uuid.uuid4().hex}
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._dirty = self.missed = False
        return count

    def ensure(self, store: ox.Store) -> bool:
        """Rebuild when not fresh; True when it did."""
        if self.is_fresh():
            return False
        self.rebuild(store)
        return True


def passport_graphs(store: ox.Store, prefix: str) -> Iterator[tuple[str, Iterator[ox.Quad]]]:
    """The quads of each passport graph (other graphs, as provenance, are not read)."""
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
            yield graph.value, store.quads_for_pattern(None, None, None, graph)


__all__ = ["Sidecar", "connect", "passport_graphs"]
