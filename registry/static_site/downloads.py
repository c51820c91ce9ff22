"""What the static site and the live server both offer for download: the dumps of the registry
(``dumps/registry.nq.gz``, ``dumps/history.nq.gz``, ``dumps/reference.nq.gz``, ``dumps/GMxxxx.ttl.gz``
per municipality, listed with size, SHA-256 and date in ``dumps/manifest.json``), the ontology,
and the sitemap.

The static build writes the dumps while it builds the pages (:mod:`registry.static_site.dumps`);
the live server makes them on the first request after a write (:class:`LiveDumps`, cached in the
data directory by store generation). Both show the same downloads page (:func:`downloads_page`)
and the same sitemap (:func:`sitemap_files`)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from registry.core.workers import GENERATION_FILE, read_generation
from registry.static_site.dumps import Dumps, dump_store
from registry.static_site.opendata_dumps import write_open_data_dumps
from registry.store.registry import Registry
from registry.views.feed import feed_position
from registry.views.opendata.dumpinfo import MANIFEST, DumpFile, read_manifest
from registry.views.pages.contexts import Page

ONTOLOGY_FILES = (("def.ttl", "/def.ttl"), ("def.jsonld", "/def.jsonld"))


def downloads_page(root: Path, built: str) -> Page:
    """The downloads page: every dump of ``root/dumps/manifest.json`` with its size, SHA-256 and
    date, the ontology, the catalog and VoID description, and the date the dumps were made."""
    _, files = read_manifest(root)
    return Page("downloads.html", {"files": files, "ontology": ONTOLOGY_FILES,
                                   "built": built, "active": "downloads"}, 200, "/downloads")


class LiveDumps:
    """The dumps of a running registry, made on demand in ``folder`` and kept while the store's
    generation (``DATA/generation``, moved by every write) stays the same."""

    def __init__(self, registry: Registry, folder: Path):
        self.registry = registry
        self.folder = Path(folder)
        self.lock = threading.Lock()

    def generation(self) -> str:
        return store_generation(self.registry.settings.data_dir)

    def built(self) -> str:
        """When the dumps on disk were made ("" when there are none of the current generation)."""
        stamp = self.folder / "generation"
        try:
            if stamp.read_text().split("\n")[0] == self.generation():
                return stamp.read_text().split("\n")[1]
        except (OSError, IndexError):
            pass
        return ""

    def files(self) -> list[DumpFile]:
        """Every dump of the store as it is now (made first when the store changed since the last
        ones), as ``dumps/manifest.json`` lists them."""
        with self.lock:
            if not self.built():
                self._dump_all()
        return read_manifest(self.folder)[1]

    def path(self, name: str) -> Path | None:
        """The file of dump ``name`` (``registry.nq.gz``, ``GM0153.ttl.gz``, ``manifest.json``, ...)
        of the store as it is now, made first when the store changed since the last one; None for
        another name."""
        names = {f.name: f.path for f in self.files()} | {"manifest.json": MANIFEST}
        rel = names.get(name)
        return None if rel is None else self.folder / rel

    def _dump_all(self) -> None:
        generation = self.generation()  # before the dump: a write during it makes the next one redo it
        write_all_dumps(self.registry, self.folder, generation)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        (self.folder / "generation").write_text(f"{generation}\n{stamp}\n")


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
