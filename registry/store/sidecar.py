"""Sidecar indexes: SQLite files beside the store that the writer keeps in step with every write.

Two implementations: the search index (``search_index``, ``DATA/search.sqlite``) and the monitor
aggregates (``monitor_index``, ``DATA/monitor.sqlite``). Both follow one protocol, kept here:

* ``facts(iri, triples)``: what the sidecar keeps of one passport, read from the triples of the
  document being written (never from the store), so a write costs well under a millisecond
  (``derive_facts``: the same without the handle, in the validation worker of a long ``add``);
* ``mark_dirty()`` before a store commit: a process that dies before ``apply`` leaves the mark,
  and the next opening rebuilds;
* ``apply(put, remove)`` after the commit (and the generation bump): the rows of new versions and
  the removal of retired passports in one SQLite transaction that marks the file clean again;
* ``rebuild(store)`` at opening when the file is missing, dirty, of another schema version, base
  IRI or reference data (``is_fresh``): one transaction, so readers see the old rows until the new
  ones are complete.

Readers only read: SQLite's write-ahead log lets them read while the writer writes.

Upkeep off the write path: SQLite's automatic checkpoint (copying the log into the file, with an
fsync) would land on every thousandth page written, inside a write. It is off
(``wal_autocheckpoint=0``); every ``CHECKPOINT_EVERY`` writes, or when the log has grown past
``WAL_LIMIT``, the sidecar's upkeep thread does the work instead (and closing, and a rebuild):
``_upkeep_step`` (the search index merges its full-text segments there, a few pages per step,
each step taking the writer's lock so a write waits at most one step) and a passive checkpoint on a connection of its own, which never waits for the writer
nor makes it wait. Neither changes what the file holds, only where it is kept: a crash in the
middle loses nothing SQLite committed, and the dirty mark protocol above is untouched.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from registry.model.reference import reference_digest
from registry.model.terms import Terms, get_terms

CHECKPOINT_EVERY = 32  # writes between two rounds of the upkeep thread
STEP_PAUSE = 0.002  # seconds between two upkeep steps
WAL_LIMIT = 32 * 2**20  # or sooner, when the log has grown to this many bytes (large batches)


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
        self.conn.execute("PRAGMA wal_autocheckpoint=0")  # the upkeep thread checkpoints
        self._writes = 0
        self._wake = threading.Event()
        self._stopping = False
        self._upkeep: threading.Thread | None = None

    def close(self) -> None:
        self._stop_upkeep()
        if self._writes:
            self._upkeep_round(steps=None)
        with self._lock:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass  # a reader still holds the log: the next writer checkpoints it
            self.conn.close()

    def _migrate(self) -> None:
        """Tables of another schema version are dropped (the next check rebuilds the file); so are
        those of a file without one (its first build was interrupted: its tables may be older)."""
        tables = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and ("meta" not in tables or self._meta("schema") != self.SCHEMA_VERSION):
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
    def facts(self, iri: str, triples: Iterable[ox.Triple | ox.Quad]) -> Any | None:
        return self.derive_facts(iri, triples, self.terms)

    @staticmethod
    @abstractmethod
    def derive_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad], terms: Terms) -> Any | None:
        """Implemented by each sidecar: a function of the triples alone, so the validation worker
        of a long ``add`` computes it too (``registry.store.prepared``)."""

    @staticmethod
    def managed(facts: Any, statements: list[ox.Triple | ox.Quad]) -> None:
        """The registry's managed triples (version number, dates, ...) the writer adds to the
        graph of the new version ``facts`` was derived for, from a document that never has them
        (a rebuild reads them from the store). Nothing here; the monitor aggregates count them."""

    @abstractmethod
    def _delete(self, iri: str, serial: int) -> None:
        """Implemented by each sidecar."""

    @abstractmethod
    def _insert(self, facts: Any, serial: int) -> None:
        """Implemented by each sidecar."""

    def _after_write(self) -> None:
        """After a committed write: every ``CHECKPOINT_EVERY`` writes, wake the upkeep thread."""
        self._writes += 1
        if self._writes % CHECKPOINT_EVERY and self._wal_bytes() < WAL_LIMIT:
            return
        if self._upkeep is None:
            self._upkeep = threading.Thread(target=self._upkeep_loop, name=f"upkeep {self.FILE}", daemon=True)
            self._upkeep.start()
        self._wake.set()

    # -- upkeep (off the write path) -----------------------------------------------------------
    def _wal_bytes(self) -> int:
        try:
            return Path(f"{self.path}-wal").stat().st_size
        except OSError:
            return 0

    def _upkeep_step(self) -> bool:
        """One small piece of upkeep on ``self.conn`` under the writer's lock; True when there is
        more to do. Nothing here; the search index merges full-text segments."""
        return False

    def _upkeep_round(self, steps: int | None = 64) -> None:
        """Up to ``steps`` upkeep steps (all when None), then a passive checkpoint."""
        done = 0
        while (steps is None or done < steps) and not (self._stopping and steps is not None):
            try:
                with self._lock:
                    more = self._upkeep_step()
            except sqlite3.Error:
                break  # the next round tries again
            done += 1
            if not more:
                break
            time.sleep(STEP_PAUSE)  # a write waiting for the lock takes it now
        checkpoint(self.path)

    def _upkeep_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            self._upkeep_round()

    def _stop_upkeep(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._upkeep is not None:
            self._upkeep.join()
            self._upkeep = None
        self._stopping = False

    def _rows_started(self) -> None:
        """After BEGIN of a transaction that writes rows (``apply``, ``rebuild``)."""

    def _rows_done(self) -> None:
        """Before its COMMIT: what the sidecar gathered over the transaction's rows."""

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
                self._rows_started()
                for iri in remove:
                    self._delete(iri, serial)
                for facts in put:
                    self._delete(facts.iri, serial)
                    self._insert(facts, serial)
                self._rows_done()
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
                self._rows_started()
                count = 0
                for iri, quads in passport_graphs(store, prefix):
                    facts = self.facts(iri, quads)
                    if facts is not None:
                        self._insert(facts, 0)
                        count += 1
                self._rebuild_extra(store)
                self._rows_done()
                meta = {**self._expected(), "serial": "0", "epoch": uuid.uuid4().hex}
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._dirty = self.missed = False
        checkpoint(self.path)
        return count

    def ensure(self, store: ox.Store) -> bool:
        """Rebuild when not fresh; True when it did."""
        if self.is_fresh():
            return False
        self.rebuild(store)
        return True


def open_fresh(path: Path, schema_version: str, base: str) -> sqlite3.Connection | None:
    """A reader's connection to a sidecar file when it matches the store as the last write left
    it (clean, of this schema, base IRI and reference data), inside a read transaction begun
    before that check, so every later read sees the same commit; None otherwise (missing, dirty,
    being rebuilt, unreadable): the caller asks the store. Close it when done."""
    if not path.exists():
        return None
    try:
        conn = connect(path)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.Error:
        conn.close()
        return None
    expected = {"schema": schema_version, "base": base, "reference": reference_digest(), "state": "clean"}
    if any(meta.get(k) != v for k, v in expected.items()):
        conn.close()
        return None
    return conn


def checkpoint(path: Path) -> None:
    """Copy the write-ahead log into the file as far as no reader needs it (a passive checkpoint:
    it neither waits for the writer nor makes it wait)."""
    try:
        conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the next round tries again


def passport_graphs(store: ox.Store, prefix: str) -> Iterator[tuple[str, Iterator[ox.Quad]]]:
    """The quads of each passport graph (other graphs, as provenance, are not read)."""
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
            yield graph.value, store.quads_for_pattern(None, None, None, graph)


__all__ = ["CHECKPOINT_EVERY", "Sidecar", "checkpoint", "connect", "open_fresh", "passport_graphs"]
