"""The order of the change feed: one row per event (a new passport version, a retirement) with a
sequence number, in ``DATA/feed.sqlite`` (a sidecar, ``sidecar``; the feed itself is
``registry.views.feed``).

The writer appends the rows of each committed write in commit order (a batch's versions sorted by
IRI), so page ``n`` of the feed is the rows ``(n-1)*size+1 .. n*size``: an index range, whatever
the length of the feed. A row holds what names the member (passport, version number, kind); the
member's content and time are read from the store (the version's graph, its
``prov:generatedAtTime``; a retirement's ``prov:invalidatedAtTime``), which never change.

A rebuild (missing or dirty file) makes the rows again from the provenance graph in the same order:
events by time, then version IRI. That is the commit order as long as the clock did not step back
between two writes; a feed whose rows would move is the cost of a clock set back by hand.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from registry.model.terms import Terms
from registry.model.vocab import PASSPORT_VERSION, RDF_TYPE, VERSION_NUMBER
from registry.store.provenance import GENERATED_AT, INVALIDATED_AT, SPECIALIZATION_OF
from registry.store.sidecar import Sidecar, connect

FEED_FILE = "feed.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event (
  seq INTEGER PRIMARY KEY, passport TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS event_passport ON event (passport, version);
"""
VERSION, RETIRED = "version", "retired"
VERSIONS_TABLE = """CREATE TEMP TABLE IF NOT EXISTS version_row (
  passport TEXT NOT NULL, number INTEGER NOT NULL, iri TEXT NOT NULL, generated TEXT NOT NULL, invalidated TEXT,
  PRIMARY KEY (passport, number))"""
# the events by time, then IRI (a retirement's is its version's + "#retired"): as ``provenance_events``
EVENTS_IN_ORDER = """
INSERT INTO event (seq, passport, version, kind)
SELECT ROW_NUMBER() OVER (ORDER BY at, iri), passport, number, kind FROM (
  SELECT generated AS at, iri, passport, number, 'version' AS kind FROM temp.version_row
  UNION ALL
  SELECT v.invalidated, v.iri || '#retired', v.passport, v.number, 'retired' FROM temp.version_row AS v
  LEFT JOIN temp.version_row AS n ON n.passport = v.passport AND n.number = v.number + 1
  WHERE v.invalidated IS NOT NULL AND (n.passport IS NULL OR v.invalidated < n.generated))
ORDER BY at, iri"""


@dataclass(frozen=True)
class Event:
    """One member of the feed: ``kind`` is ``version`` (version ``version`` of ``passport`` was
    written) or ``retired`` (the passport was retired at that version)."""

    seq: int
    passport: str
    version: int
    kind: str

    @property
    def version_iri(self) -> str:
        return f"{self.passport}/v/{self.version}"


@dataclass(frozen=True)
class _Written:
    iri: str


class FeedIndex(Sidecar):
    """The writer's handle of ``DATA/feed.sqlite``."""

    FILE = FEED_FILE
    SCHEMA_VERSION = "1"
    SCHEMA = SCHEMA
    TABLES = ("event", "meta")
    CLEARED = ("event",)

    @staticmethod
    def derive_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad], terms: Terms) -> _Written:
        return _Written(iri)

    def _delete(self, iri: str, serial: int) -> None:
        """Nothing leaves the feed."""

    def _latest(self, iri: str) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM event WHERE passport = ?", (iri,)).fetchone()
        return int(row[0] or 0)

    def _insert(self, facts: _Written, serial: int) -> None:
        self.conn.execute("INSERT INTO event (passport, version, kind) VALUES (?, ?, ?)",
                          (facts.iri, self._latest(facts.iri) + 1, VERSION))

    def apply(self, put: Iterable[_Written] = (), remove: Iterable[str] = ()) -> None:
        """Append the new versions (sorted by IRI) and the retirements of one committed write."""
        self.apply_in_order([(put, remove)])

    def apply_in_order(self, steps: Iterable[tuple[Iterable[_Written], Iterable[str]]]) -> None:
        """The events of several writes committed as one (``staging``), write by write, in one
        SQLite transaction."""
        with self._transaction() as conn:
            for put, remove in steps:
                for facts in sorted(put, key=lambda f: f.iri):
                    self._insert(facts, 0)
                for iri in sorted(remove):
                    conn.execute("INSERT INTO event (passport, version, kind) VALUES (?, ?, ?)",
                                 (iri, self._latest(iri), RETIRED))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('state', ?)", (self._state_after(),))
        self._dirty = self.missed

    def rebuild(self, store: ox.Store) -> int:
        """Every event again from the provenance graph, in one transaction; returns how many. The
        versions go through a temporary table, sorted by SQLite (on disk past its cache): the
        rebuild's memory does not grow with the feed (a replica started from a dump of millions)."""
        prov = ox.NamedNode(f"{self.base}graph/provenance")
        with self._transaction() as conn:
            conn.execute(VERSIONS_TABLE)
            conn.execute("DELETE FROM temp.version_row")
            conn.executemany("INSERT OR REPLACE INTO temp.version_row VALUES (?, ?, ?, ?, ?)",
                             ((passport, number, iri, _key(generated), invalidated and _key(invalidated))
                              for passport, number, iri, generated, invalidated in _versions(store, prov)))
            conn.execute("DELETE FROM event")
            conn.execute(EVENTS_IN_ORDER)
            count = int(conn.execute("SELECT COUNT(*) FROM event").fetchone()[0])
            conn.execute("DROP TABLE temp.version_row")
            meta = {**self._expected(), "epoch": uuid.uuid4().hex}  # cached pages of before are void
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        self._dirty = self.missed = False
        return count


def _instant(lexical: str) -> datetime:
    """The moment an ``xsd:dateTime`` names: the store writes ``...48.02Z`` for ``...48.020+00:00``,
    so the lexical forms do not sort in time order."""
    return datetime.fromisoformat(lexical)


def _key(lexical: str) -> str:
    """The moment as text that sorts in time order (UTC, microseconds; a time without a zone is
    taken as UTC)."""
    moment = _instant(lexical)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def provenance_events(store: ox.Store, prov: ox.NamedNode) -> Iterator[tuple[str, str, str, int, str]]:
    """``(time, version IRI, passport, version, kind)`` of every event the provenance graph records.

    A version is retired when it was invalidated and no next version was generated at that moment
    (a retirement, possibly followed later by a new version of the same passport); ``rebuild``
    applies the same rule in SQL (``EVENTS_IN_ORDER``)."""
    versions = {(passport, number): (iri, generated, invalidated)
                for passport, number, iri, generated, invalidated in _versions(store, prov)}
    for (passport, number), (iri, generated, invalidated) in versions.items():
        yield generated, iri, passport, number, VERSION
        following = versions.get((passport, number + 1))
        if invalidated is not None and (following is None or _instant(invalidated) < _instant(following[1])):
            yield invalidated, iri + "#retired", passport, number, RETIRED


def _versions(store: ox.Store, prov: ox.NamedNode) -> Iterator[tuple[str, int, str, str, str | None]]:
    """``(passport, number, version IRI, generated, first invalidated or None)`` of every version
    the provenance graph records, as they are read (a later record of the same passport and
    number replaces an earlier one)."""
    for quad in store.quads_for_pattern(None, RDF_TYPE, PASSPORT_VERSION, prov):
        node = quad.subject
        passport = next(store.quads_for_pattern(node, SPECIALIZATION_OF, None, prov), None)
        number = next(store.quads_for_pattern(node, VERSION_NUMBER, None, prov), None)
        generated = next(store.quads_for_pattern(node, GENERATED_AT, None, prov), None)
        if passport is None or number is None or generated is None:
            continue
        invalidated = [q.object.value for q in store.quads_for_pattern(node, INVALIDATED_AT, None, prov)]
        yield (passport.object.value, int(number.object.value), node.value, generated.object.value,
               min(invalidated, key=_instant) if invalidated else None)


class FeedReader:
    """Reads the feed's rows (any process; read-only, SQLite's log gives the last commit)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FEED_FILE
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, used by the server's threads in turn

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                self._conn = connect(self.path)
            return self._conn.execute(sql, args).fetchall()

    def count(self) -> int:
        return int(self._rows("SELECT MAX(seq) FROM event")[0][0] or 0)

    def epoch(self) -> str:
        """Changes with every rebuild (the order or the stored versions may have changed)."""
        rows = self._rows("SELECT value FROM meta WHERE key = 'epoch'")
        return rows[0][0] if rows else ""

    def events(self, first: int, last: int) -> list[Event]:
        """The events with sequence numbers ``first .. last`` (an index range)."""
        return [Event(*row) for row in self._rows(
            "SELECT seq, passport, version, kind FROM event WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, last))]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


__all__ = ["FEED_FILE", "RETIRED", "VERSION", "Event", "FeedIndex", "FeedReader", "provenance_events"]
