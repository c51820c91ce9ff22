"""What the static site and the live server both offer for download: the dumps of the registry
(``dumps/registry.nq.gz``, ``dumps/history.nq.gz``, ``dumps/reference.nq.gz``, ``dumps/GMxxxx.ttl.gz``
per municipality, listed with size, SHA-256 and date in ``dumps/manifest.json``), the ontology,
and the sitemap.

The static build writes the dumps while it builds the pages (:mod:`registry.static_site.dumps`);
the live server makes them after a write, in the background, and serves the last complete set
meanwhile (:class:`LiveDumps`, kept in the data directory by store generation). Both show the same downloads page (:func:`downloads_page`)
and the same sitemap (:func:`sitemap_files`)."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from registry.core.workers import GENERATION_FILE, read_generation
from registry.static_site.dumps import Dumps, dump_store
from registry.static_site.opendata_dumps import write_open_data_dumps
from registry.store.registry import Registry
from registry.views.feed import feed_position
from registry.views.opendata.dumpinfo import MANIFEST, DumpFile, read_manifest
from registry.views.pages.contexts import Page

LOG = logging.getLogger(__name__)
ONTOLOGY_FILES = (("def.ttl", "/def.ttl"), ("def.jsonld", "/def.jsonld"))


def downloads_page(root: Path, built: str) -> Page:
    """The downloads page: every dump of ``root/dumps/manifest.json`` with its size, SHA-256 and
    date, the ontology, the catalog and VoID description, and the date the dumps were made."""
    _, files = read_manifest(root)
    return Page("downloads.html", {"files": files, "ontology": ONTOLOGY_FILES,
                                   "built": built, "active": "downloads"}, 200, "/downloads")


class LiveDumps:
    """The dumps of a running registry, kept in ``folder`` by store generation (``DATA/generation``,
    moved by every write).

    Each set of dumps is made in a folder of its own (``folder/sets/N``) by one background thread
    at a time and then made current (``folder/current``) in one rename; the set before it stays
    for a download under way, older ones are removed. A request after a write waits at most
    ``wait`` seconds for the set of the current store (a small registry's dumps are ready by then,
    so it sees its own write) and otherwise gets the last complete set: its manifest names the
    generation and the change-feed position it holds, from which a harvester reads on. Only while
    no set was ever made does a request wait for the first one. So no request costs a pass over a
    million passports, and at most one such pass runs at a time."""

    def __init__(self, registry: Registry, folder: Path, wait: float = 5.0):
        self.registry = registry
        self.root = Path(folder)
        self.wait = wait
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def generation(self) -> str:
        return store_generation(self.registry.settings.data_dir)

    def _current(self) -> tuple[Path, str, str] | None:
        """(folder, generation, when made) of the current set; None before the first one."""
        try:
            name, generation, stamp = (self.root / "current").read_text().split("\n")[:3]
        except (OSError, ValueError):
            return None
        folder = self.root / "sets" / name
        return (folder, generation, stamp) if (folder / MANIFEST).exists() else None

    @property
    def folder(self) -> Path:
        """The folder of the current set (``dumps/`` and the manifest under it)."""
        current = self._current()
        return current[0] if current else self.root / "sets" / "none"

    def built(self) -> str:
        """When the current set of dumps was made ("" when there is none)."""
        current = self._current()
        return current[2] if current else ""

    def files(self) -> list[DumpFile]:
        """Every dump of the newest complete set, as its ``dumps/manifest.json`` lists them (see the
        class: a newer set is started when the store changed, and waited for a bounded time)."""
        current = self._current()
        if current is None or current[1] != self.generation():
            thread = self._start()
            thread.join(None if current is None else self.wait)
            current = self._current()
            if current is None:
                failure, self._failure = self._failure, None
                raise failure or RuntimeError("the dumps could not be made")
        return read_manifest(current[0])[1]

    def path(self, name: str) -> Path | None:
        """The file of dump ``name`` (``registry.nq.gz``, ``GM0153.ttl.gz``, ``manifest.json``, ...)
        of the newest complete set; None for another name."""
        names = {f.name: f.path for f in self.files()} | {"manifest.json": MANIFEST}
        rel = names.get(name)
        return None if rel is None else self.folder / rel

    def _start(self) -> threading.Thread:
        """The running build, or a new one of the store as it is now."""
        with self.lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._build, name="live-dumps", daemon=True)
                self._thread.start()
            return self._thread

    def _build(self) -> None:
        generation = self.generation()  # before the dump: a write during it makes the next one redo it
        sets = self.root / "sets"
        name = f"{time.time_ns():x}"
        building = sets / f"{name}.part"
        try:
            write_all_dumps(self.registry, building, generation)
            building.rename(sets / name)
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            pointer = self.root / "current.part"
            pointer.write_text(f"{name}\n{generation}\n{stamp}\n")
            previous = self._current()
            os.replace(pointer, self.root / "current")
        except Exception as failure:  # noqa: BLE001 - raised to a request waiting on the first set; else the last set stays
            LOG.warning("the dumps of generation %s could not be made: %s", generation, failure)
            self._failure = failure
            shutil.rmtree(building, ignore_errors=True)
            return
        keep = {name, previous[0].name if previous else ""}
        for old in sets.iterdir():  # a set made by another process's build is not touched until old
            if old.name not in keep and (not old.name.endswith(".part") or old.stat().st_mtime < time.time() - 86400):
                shutil.rmtree(old, ignore_errors=True)


def store_generation(data_dir: Path) -> str:
    """The store's generation token (``DATA/generation``, moved by every write); "0" when none."""
    found = read_generation(data_dir / GENERATION_FILE)
    return (found or b"0").decode("ascii", "replace").strip() or "0"


def write_all_dumps(registry: Registry, folder: Path, generation: str) -> list[DumpFile]:
    """Every dump under ``folder/dumps``: the main and history stores (N-Quads), then the
    per-municipality and reference dumps and the manifest (also ``passports export --dumps``); the
    main store first, then the history (which then holds every version the main dump superseded)."""
    folder.joinpath("dumps").mkdir(parents=True, exist_ok=True)
    feed = feed_position(registry)  # before the dumps: they hold at least its members
    stores = {Dumps.MAIN: registry.store, Dumps.HISTORY: registry.history_store}
    for rel, store in stores.items():
        target = folder / rel
        if store is None:
            target.unlink(missing_ok=True)
        else:
            dump_store(store, target)
    return write_open_data_dumps(registry, folder, generation, feed)
