"""The background walk that keeps every current passport's Turtle document on disk.

:class:`DocumentFiller` runs on a thread of the server. It reads the passports from the search
index (``DATA/search.sqlite``, one row per current passport with the serial number of the write
that made it), a thousand at a time in short read transactions, and for each whose kept Turtle
document (:mod:`registry.web.document_store`) is missing or was made for another version it
serialises the document as a request would and hands it to the store's writer. The first walk
after the server starts covers every passport; later walks only the rows of later writes (the
index's ``serial``), or all again after the index was rebuilt (its ``epoch``): never a scan of
the store per write.

It uses at most ``share`` of one core (``PASSPORTS_DOCUMENT_FILL``, 0.5 by default: it sleeps as
long as it worked), so requests keep the rest, and a tenth of that while writes are flowing (the
index's serial moved in the last ``QUIET`` seconds); pyoxigraph's serialiser releases the GIL while
it reads the store. ``progress()`` says how far it is; each walk's end is logged.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from registry.model.uris import UriError, parse_passport_iri
from registry.store.search_index import SCHEMA_VERSION, index_path
from registry.store.sidecar import open_fresh
from registry.views.linked_data import passport_document
from registry.views.negotiation import TURTLE
from registry.web.document_store import DocumentStore, document_key

log = logging.getLogger(__name__)

CHUNK = 1000  # passports per read of the search index
POLL = 1.0  # seconds between two looks at the search index once a walk is done
SLICE = 0.02  # seconds of work between two pauses
QUIET = 2.0  # seconds after the last write seen before the walk takes its whole share again


class DocumentFiller:
    def __init__(self, registry, store: DocumentStore, share: float = 0.5) -> None:
        self.registry = registry
        self.store = store
        self.share = min(max(share, 0.01), 1.0)
        self.path: Path = index_path(registry.settings.data_dir)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._epoch: str | None = None
        self._serial = -1
        self.walks = self.checked = self.made = 0
        self.walking = False
        self._busy = 0.0
        self._seen = -1
        self._writing_until = 0.0

    def start(self) -> DocumentFiller:
        self._thread = threading.Thread(target=self._run, name="document filler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def progress(self) -> dict:
        return {"walking": self.walking, "walks": self.walks, "checked": self.checked, "made": self.made,
                "share": self.share}

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                walked = self._walk()
            except Exception:  # a request must never depend on this thread: log, try again later
                log.exception("kept documents: walk failed")
                walked = False
            if not walked:
                self._stop.wait(POLL)

    def _meta(self) -> tuple[str, int] | None:
        conn = open_fresh(self.path, SCHEMA_VERSION, self.registry.base)
        if conn is None:
            return None
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('epoch', 'serial')"))
        finally:
            conn.close()
        return meta.get("epoch") or "", int(meta.get("serial") or 0)

    def _chunk(self, epoch: str, since: int, after: int) -> list[tuple[int, str]] | None:
        """The next passports by row id; None when the index is being rebuilt or was rebuilt."""
        conn = open_fresh(self.path, SCHEMA_VERSION, self.registry.base)
        if conn is None:
            return None
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('epoch', 'serial')"))
            if meta.get("epoch", "") != epoch:
                return None
            self._saw_serial(int(meta.get("serial") or 0))
            return conn.execute("SELECT id, iri FROM passport WHERE id > ? AND serial > ? ORDER BY id LIMIT ?",
                                (after, since, CHUNK)).fetchall()
        except sqlite3.Error:
            return None
        finally:
            conn.close()

    def _saw_serial(self, serial: int) -> None:
        """Writes are flowing while the index's serial moves: the walk then slows to a tenth of its
        share for ``QUIET`` seconds, leaving the core to the writes (an import through the API)."""
        if serial != self._seen:
            if self._seen >= 0:
                self._writing_until = time.monotonic() + QUIET
            self._seen = serial

    def _share(self) -> float:
        return self.share / 10 if time.monotonic() < self._writing_until else self.share

    def _walk(self) -> bool:
        """One walk over the passports written since the last; True when it did one."""
        found = self._meta()
        if found is None or found == (self._epoch, self._serial):
            return False
        epoch, serial = found
        since = self._serial if epoch == self._epoch else -1
        self.walking, after = True, 0
        try:
            while not self._stop.is_set():
                rows = self._chunk(epoch, since, after)
                if rows is None:
                    return False  # rebuilt or being rebuilt: start again from its new state
                if not rows:
                    break
                kept = self.store.keys([iri for _, iri in rows], TURTLE.name)
                for _, iri in rows:
                    if self._stop.is_set():
                        return False
                    self._fill(iri, kept.get(iri))
                after = rows[-1][0]
        finally:
            self.walking = False
        self._epoch, self._serial = epoch, serial
        self.walks += 1
        log.info("kept documents: walk %d done, %d passports checked, %d documents made so far",
                 self.walks, self.checked, self.made)
        return True

    def _fill(self, iri: str, kept: str | None) -> None:
        """Keep ``iri``'s Turtle unless the row ``kept`` (its key, if any) is of its current version."""
        started = time.perf_counter()
        self.checked += 1
        try:
            ref = parse_passport_iri(self.registry.base, iri)
        except UriError:
            return
        doc = passport_document(self.registry, ref)
        if doc is not None and doc.status == 200 and doc.source is not None and doc.validator is not None:
            graph = doc.source[1].value
            key = document_key(doc.etag(TURTLE), doc.modified)
            if kept != key:
                self.store.put(graph, TURTLE.name, key, doc.serialize(TURTLE), wait=True)
                self.made += 1
        self._busy += time.perf_counter() - started
        if self._busy >= SLICE:
            share = self._share()
            self._stop.wait(self._busy * (1 - share) / share)
            self._busy = 0.0


__all__ = ["DocumentFiller"]
