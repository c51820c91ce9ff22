"""What the static site and the live server both offer for download: the dumps of the registry
(``dumps/registry.nq.gz``, ``dumps/history.nq.gz``), the ontology, and the sitemap.

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
from registry.store.registry import Registry
from registry.views.pages.contexts import Page

# (file name, path under the site root) of each dump, in the order of the downloads page
DUMP_FILES = (("registry.nq.gz", Dumps.MAIN), ("history.nq.gz", Dumps.HISTORY))
ONTOLOGY_FILES = (("def.ttl", "/def.ttl"), ("def.jsonld", "/def.jsonld"))


def downloads_page(root: Path, built: str, *, sizes: bool = True) -> Page:
    """The downloads page: every dump present under ``root`` (with its size when ``sizes``), the
    ontology, and the date the dumps were made."""
    dumps = []
    for name, rel in DUMP_FILES:
        target = root / rel
        if target.exists() or not sizes:
            size = f"{target.stat().st_size / 2**20:.1f} MB" if target.exists() else ""
            dumps.append((name, "/" + rel, size))
    dumps += [(name, path, "") for name, path in ONTOLOGY_FILES]
    return Page("downloads.html", {"dumps": dumps, "built": built, "active": "downloads"}, 200, "/downloads")


class LiveDumps:
    """The dumps of a running registry, made on demand in ``folder`` and kept while the store's
    generation (``DATA/generation``, moved by every write) stays the same."""

    def __init__(self, registry: Registry, folder: Path):
        self.registry = registry
        self.folder = Path(folder)
        self.lock = threading.Lock()

    def generation(self) -> str:
        found = read_generation(self.registry.settings.data_dir / GENERATION_FILE)
        return (found or b"0").decode("ascii", "replace").strip() or "0"

    def built(self) -> str:
        """When the dumps on disk were made ("" when there are none of the current generation)."""
        stamp = self.folder / "generation"
        try:
            if stamp.read_text().split("\n")[0] == self.generation():
                return stamp.read_text().split("\n")[1]
        except (OSError, IndexError):
            pass
        return ""

    def path(self, name: str) -> Path | None:
        """The file of dump ``name`` (``registry.nq.gz``, ``history.nq.gz``) of the store as it is
        now, made first when the store changed since the last one; None for another name."""
        rel = dict(DUMP_FILES).get(name)
        if rel is None:
            return None
        with self.lock:
            if not self.built():
                self._dump_all()
        return self.folder / rel

    def _dump_all(self) -> None:
        generation = self.generation()  # before the dump: a write during it makes the next one redo it
        self.folder.joinpath("dumps").mkdir(parents=True, exist_ok=True)
        stores = {Dumps.MAIN: self.registry.store, Dumps.HISTORY: self.registry.history_store}
        for rel, store in stores.items():
            target = self.folder / rel
            if store is None:
                target.unlink(missing_ok=True)
            else:
                dump_store(store, target)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        (self.folder / "generation").write_text(f"{generation}\n{stamp}\n")
