"""What the last build wrote (``OUT/.build/manifest.sqlite``) and what decides whether it holds.

- :class:`Manifest`: each passport's fingerprint and page file, a hash of every other file, and
  the build's options and code (``meta``);
- :func:`passport_fingerprint`: what decides whether a passport's files are up to date;
- :func:`code_fingerprint`: a hash of the source of the packages the output is made by. A
  change of it (like a change of templates, UI strings, static files, ontology, named queries or
  options) rebuilds everything.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from registry.model.vocab import CONTENT_HASH, MODIFIED, RETIRED_AT, VERSION_NUMBER

# The packages whose code makes the site's files: everything a build imports, from the settings
# and the model up to the views and this package (not validation, query, web or cli).
CODE_PACKAGES = ("registry.core", "registry.model", "registry.store", "registry.views", "registry.static_site")


class Manifest:
    """What the last build wrote: passport fingerprints, file hashes, build options."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # The pool's feeder thread reads while the main thread writes: one connection, one lock.
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.lock = threading.RLock()
        self.db.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS passports(iri TEXT PRIMARY KEY, fingerprint TEXT, page TEXT);"
            "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, hash TEXT, html INTEGER);")

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def fingerprint(self, iri: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT fingerprint FROM passports WHERE iri=?", (iri,)).fetchone()
            return row[0] if row else None

    def has_passports(self) -> bool:
        with self.lock:
            return self.db.execute("SELECT 1 FROM passports LIMIT 1").fetchone() is not None

    def set_passports(self, rows: list[tuple[str, str, str]]) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO passports VALUES (?, ?, ?)", rows)

    def file_hashes(self) -> dict[str, str]:
        with self.lock:
            return dict(self.db.execute("SELECT path, hash FROM files"))

    def set_files(self, rows: list[tuple[str, str, int]]) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", rows)

    def drop_files(self, paths: list[str]) -> None:
        with self.lock:
            self.db.executemany("DELETE FROM files WHERE path=?", [(p,) for p in paths])

    def reset(self) -> None:
        with self.lock:
            self.db.executescript("DELETE FROM passports; DELETE FROM files; DELETE FROM meta;")

    def html_pages(self) -> Iterator[str]:
        for (path,) in self.db.execute("SELECT path FROM files WHERE html=1 ORDER BY path"):
            yield path
        for (page,) in self.db.execute("SELECT page FROM passports ORDER BY iri"):
            yield page

    def commit(self) -> None:
        with self.lock:
            self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def file_digest(body: bytes) -> str:
    """The hash of a file's bytes kept in the manifest."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


_FINGERPRINT = tuple(p.value for p in (VERSION_NUMBER, CONTENT_HASH, MODIFIED, RETIRED_AT))


def passport_fingerprint(status: str, node: ox.NamedNode, statements) -> str:
    """What decides whether a passport's files are up to date: its status and the version,
    content hash, modified and retired values of its own node (from triples or quads)."""
    values = {}
    for statement in statements:
        predicate = statement.predicate.value
        if predicate in _FINGERPRINT and statement.subject == node:
            values[predicate] = statement.object.value
    return "|".join([status] + [values.get(p, "") for p in _FINGERPRINT])


def code_fingerprint(packages: Iterable[str] = CODE_PACKAGES) -> str:
    """A hash of the source of every module of ``packages`` and their subpackages, found by
    walking the packages: moving, changing, adding or removing a module changes it."""
    importlib.invalidate_caches()  # modules written since the last import are found too
    digest = hashlib.sha256()
    for name, path in sorted(module for package in packages for module in _module_files(package)):
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _module_files(package: str) -> Iterator[tuple[str, Path]]:
    """(module name, source file) of ``package`` and of every module under it."""
    module = importlib.import_module(package)
    if module.__file__:
        yield package, Path(module.__file__)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        spec = info.module_finder.find_spec(info.name)
        if spec is not None and spec.origin and Path(spec.origin).is_file():
            yield info.name, Path(spec.origin)
