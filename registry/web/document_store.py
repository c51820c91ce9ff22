"""RDF documents of passport versions kept on disk, ``DATA/documents.sqlite``, behind the memory cache.

Reading a passport's named graph and writing it costs pyoxigraph about half a millisecond at any
store size (a key lookup per term), about what ``oxigraph serve`` spends on its whole request; the
memory cache (:mod:`registry.web.document_cache`) only helps for documents asked again while kept.
Here every current passport's Turtle document is kept compressed (zlib, about 2 KB for 12 KB of
Turtle): a row read and unpacked costs about 30 µs, so a crawl that asks each of a million
documents once is answered from here, and the kept documents outlive a restart.

Never stale: a row holds the key it was made for, the document's ``ETag`` (content hash, version
number, format) and ``Last-Modified``, and is only sent for a request whose document has that key
now (the same three look-ups the ETag needs anyway); any other row is as good as missing. The bytes
are those of the store's own serialisation (``Document.serialize``), so a document sent from here
is byte for byte what the store gives.

Filled two ways, off the request: whatever a request had to serialise is written behind it (one
writer thread, batched; a full queue drops rows, which are then made again when asked), and
:class:`DocumentFiller` (``registry.web.document_fill``) walks the current passports in the
background. A file that cannot be opened or written (read-only data folder, disk full) turns this
off, never a request: documents are then serialised as before.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import zlib
from pathlib import Path

from registry.store.sidecar import connect

log = logging.getLogger(__name__)

FILE = "documents.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS document (
  graph TEXT NOT NULL, format TEXT NOT NULL, key TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (graph, format)) WITHOUT ROWID;
"""
LEVEL = 1  # zlib: 2.05 KB a demo passport at level 1 (69 µs) against 1.77 KB at 6 (104 µs)
BATCH = 256  # rows per write transaction
PAGE_SIZE = 16384
QUEUED = 1024  # rows waiting for the writer (at most ~12 MB of Turtle); more are dropped


def document_key(etag: str, modified: str | None) -> str:
    """What a kept document must match: its ETag and Last-Modified (a passport removed and made
    again with the same content and number has another modification time)."""
    return f"{etag}|{modified or ''}"


class DocumentStore:
    """Kept documents: ``get`` on any thread, ``put`` hands the row to the writer thread."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE
        conn = sqlite3.connect(str(self.path), isolation_level=None)
        try:
            # Pages of 16 KiB, set before the first table: a row of ~2 KB is then kept in its page
            # (with 4 KiB, a row over ~1 KB of a WITHOUT ROWID table spills to an overflow page of its
            # own: 467 against 235 MB for 100,000 demo passports, and half the speed of a look-up).
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            conn.executescript(SCHEMA)
        finally:
            conn.close()
        connect(self.path).close()  # write-ahead log from now on
        self._local = threading.local()
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED)
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self.broken = False
        self.hits = self.misses = self.written = self.dropped = 0

    @classmethod
    def open(cls, data_dir: Path) -> DocumentStore | None:
        try:
            return cls(data_dir)
        except (sqlite3.Error, OSError) as exc:
            log.warning("%s not kept (%s): documents are serialised for each request", FILE, exc)
            return None

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    def key(self, graph: str, fmt: str) -> str | None:
        """The key of the row kept for ``graph`` in ``fmt``, if any."""
        return self.keys([graph], fmt).get(graph)

    def keys(self, graphs: list[str], fmt: str) -> dict[str, str]:
        """The keys of the rows kept for ``graphs`` in ``fmt``, in one statement (the walk's chunks)."""
        if self.broken:
            return {}
        try:
            return dict(self._reader().execute(
                "SELECT graph, key FROM document WHERE format = ? AND graph IN (SELECT value FROM json_each(?))",
                (fmt, json.dumps(graphs))))
        except sqlite3.Error:
            return {}

    def get(self, graph: str, fmt: str, key: str) -> bytes | None:
        """The kept document of ``graph`` in ``fmt`` if it was made for ``key``; else None."""
        if self.broken:
            return None
        try:
            row = self._reader().execute("SELECT key, body FROM document WHERE graph = ? AND format = ?",
                                         (graph, fmt)).fetchone()
            body = zlib.decompress(row[1]) if row is not None and row[0] == key else None
        except (sqlite3.Error, zlib.error):
            body = None
        if body is None:
            self.misses += 1
        else:
            self.hits += 1
        return body

    def put(self, graph: str, fmt: str, key: str, body: bytes, *, wait: bool = False) -> bool:
        """Keep ``body`` (written by the writer thread); False when the queue is full (dropped), or
        with ``wait`` (the filler) after waiting a while for room."""
        if self.broken:
            return False
        try:
            self._queue.put((graph, fmt, key, body), block=wait, timeout=30 if wait else None)
        except queue.Full:
            self.dropped += 1
            return False
        self._start_writer()
        return True

    def pending(self) -> int:
        return self._queue.qsize()

    def _start_writer(self) -> None:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_loop, name=f"writer {FILE}", daemon=True)
                    self._writer.start()

    def _write_loop(self) -> None:
        conn = connect(self.path)
        try:
            stop = False
            while not stop:
                rows: list[tuple[str, str, str, bytes]] = []
                marks: list[threading.Event] = []
                item = self._queue.get()
                while True:
                    if item is None:
                        stop = True
                        break
                    if isinstance(item, threading.Event):
                        marks.append(item)
                    else:
                        rows.append(item)
                    if len(rows) >= BATCH:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if rows and not self.broken:
                    self._write(conn, rows)
                for mark in marks:
                    mark.set()
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, rows: list[tuple[str, str, str, bytes]]) -> None:
        packed = [(graph, fmt, key, zlib.compress(body, LEVEL)) for graph, fmt, key, body in rows]
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO document VALUES (?, ?, ?, ?)", packed)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:  # disk full, file removed: serialise for each request from now on
            self.broken = True
            log.warning("%s not written (%s): documents are serialised for each request", FILE, exc)
            return
        self.written += len(rows)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until the rows handed over so far are written (tests, closing)."""
        if self._writer is None or self.broken:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join(timeout=30)
            self._writer = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "written": self.written, "dropped": self.dropped,
                "pending": self.pending()}


__all__ = ["FILE", "DocumentStore", "document_key"]
